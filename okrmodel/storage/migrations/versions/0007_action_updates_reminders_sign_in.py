"""Action updates (started, done, with author and time), reminders sent (once per owner and day),
and the sign-in links already followed (single use).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from okrmodel.storage.models import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "action_updates",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("action_id", sa.String(200), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_action_updates_action", "action_updates", ["action_id", "created_at"])
    op.create_table(
        "reminder_deliveries",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("reminder_day", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("objective", sa.String(200), nullable=False),
        sa.Column("contents", sa.JSON(), nullable=False),
        sa.Column("sent_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("owner", "reminder_day", "kind", "objective"),
    )
    op.create_table(
        "sign_in_link_uses",
        sa.Column("nonce", sa.String(128), primary_key=True),
        sa.Column("used_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sign_in_link_uses")
    op.drop_table("reminder_deliveries")
    op.drop_index("ix_action_updates_action", table_name="action_updates")
    op.drop_table("action_updates")
