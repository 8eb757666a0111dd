"""Storage of observations, check-ins and sync runs (SQLAlchemy 2 + Alembic)."""

from okrmodel.storage.store import DailyValue, SaveResult, Store, migrate

__all__ = ["DailyValue", "SaveResult", "Store", "migrate"]
