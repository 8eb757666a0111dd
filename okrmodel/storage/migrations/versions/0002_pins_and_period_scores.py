"""Pinned check-ins and frozen period scores.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

from okrmodel.storage.models import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # server_default fills the rows that exist already; false is what they meant.
    with op.batch_alter_table("checkins") as batch:
        batch.add_column(sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.false()))
    op.create_table(
        "period_scores",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("period", sa.String(20), nullable=False),
        sa.Column("item_kind", sa.String(20), nullable=False),
        sa.Column("item_id", sa.String(200), nullable=False),
        sa.Column("actual", sa.Float(), nullable=True),
        sa.Column("progress", sa.Float(), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("closed_at", UtcDateTime(), nullable=False),
        sa.Column("closed_by", sa.String(200), nullable=False),
        sa.UniqueConstraint("period", "item_kind", "item_id"),
    )


def downgrade() -> None:
    op.drop_table("period_scores")
    with op.batch_alter_table("checkins") as batch:
        batch.drop_column("pinned")
