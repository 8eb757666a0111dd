"""Storage of observations, window totals, check-ins and sync runs (SQLAlchemy 2 + Alembic), and the per-company sync lock."""

from okrmodel.storage.store import DailyValue, DatabaseOfAnotherCompany, SaveResult, Store, migrate
from okrmodel.storage.sync_lock import SyncLocked, abandon_dead_runs, abandon_left_runs, company_lock
from okrmodel.storage.totals import WindowTotalValue

__all__ = [
    "DailyValue",
    "DatabaseOfAnotherCompany",
    "SaveResult",
    "Store",
    "SyncLocked",
    "WindowTotalValue",
    "abandon_dead_runs",
    "abandon_left_runs",
    "company_lock",
    "migrate",
]
