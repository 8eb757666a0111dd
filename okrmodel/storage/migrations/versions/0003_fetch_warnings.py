"""A warning beside a metric fetch's outcome: data read, but probably mapped wrong (a suspicious zero).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("metric_fetches") as batch:
        batch.add_column(sa.Column("warning", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("metric_fetches") as batch:
        batch.drop_column("warning")
