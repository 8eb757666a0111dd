"""Window totals: a unique count (visitors, users) over a KR's window, read as one figure, with revisions.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

from okrmodel.storage.models import UtcDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "window_totals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=False),
        sa.Column("last_day", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("sync_run_id", sa.String(36), sa.ForeignKey("sync_runs.id"), nullable=False),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("metric", "first_day", "last_day", "revision"),
    )
    op.create_index("ix_window_totals_metric_last_day", "window_totals", ["metric", "last_day"])


def downgrade() -> None:
    op.drop_index("ix_window_totals_metric_last_day", table_name="window_totals")
    op.drop_table("window_totals")
