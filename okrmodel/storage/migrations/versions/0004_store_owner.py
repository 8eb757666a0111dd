"""The company a database belongs to: two configs must never write one database.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from okrmodel.storage.models import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "store_owner",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("company", sa.String(200), nullable=False),
        sa.Column("claimed_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("store_owner")
