"""Storage of observations, window totals, check-ins and sync runs (SQLAlchemy 2 + Alembic)."""

from okrmodel.storage.store import DailyValue, DatabaseOfAnotherCompany, SaveResult, Store, migrate
from okrmodel.storage.totals import WindowTotalValue

__all__ = ["DailyValue", "DatabaseOfAnotherCompany", "SaveResult", "Store", "WindowTotalValue", "migrate"]
