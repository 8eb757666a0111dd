"""Initial schema: sync runs, metric fetches, observations, check-ins.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from okrmodel.storage.models import UtcDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sync_runs",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("started_at", UtcDateTime(), nullable=False),
        sa.Column("finished_at", UtcDateTime(), nullable=True),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("flow_run_id", sa.String(64), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
    )
    op.create_table(
        "metric_fetches",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("sync_run_id", sa.String(36), sa.ForeignKey("sync_runs.id"), nullable=False),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("first_day", sa.Date(), nullable=True),
        sa.Column("last_day", sa.Date(), nullable=True),
        sa.Column("api_calls", sa.Integer(), nullable=False),
        sa.Column("values_added", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.UniqueConstraint("sync_run_id", "metric"),
    )
    op.create_table(
        "observations",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("metric", sa.String(200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("source", sa.String(100), nullable=False),
        sa.Column("sync_run_id", sa.String(36), sa.ForeignKey("sync_runs.id"), nullable=False),
        sa.Column("fetched_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("metric", "day", "revision"),
    )
    op.create_index("ix_observations_metric_day", "observations", ["metric", "day"])
    op.create_table(
        "checkins",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("key_result", sa.String(200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_checkins_key_result_day", "checkins", ["key_result", "day"])


def downgrade() -> None:
    op.drop_index("ix_checkins_key_result_day", table_name="checkins")
    op.drop_table("checkins")
    op.drop_index("ix_observations_metric_day", table_name="observations")
    op.drop_table("observations")
    op.drop_table("metric_fetches")
    op.drop_table("sync_runs")
