"""Storage of observations, check-ins and sync runs (SQLAlchemy 2 + Alembic)."""

from okrmodel.storage.store import DailyValue, DatabaseOfAnotherCompany, SaveResult, Store, migrate

__all__ = ["DailyValue", "DatabaseOfAnotherCompany", "SaveResult", "Store", "migrate"]
