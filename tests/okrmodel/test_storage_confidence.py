"""A check-in's confidence (1-10, migration 0008): kept with the check-in, shown in its history,
refused outside 1-10; the migration adds the column and takes it away again, check-ins kept."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import create_engine, inspect, text

from okrmodel.history import key_result_history
from okrmodel.storage import Store, migrate


def test_a_checkins_confidence_is_kept_and_shown_in_its_history(database_url):
    with Store(database_url) as store:
        store.add_checkin("crm-training", date(2026, 11, 2), 2, "Lee", "two trained", confidence=7)
        store.add_checkin("crm-training", date(2026, 11, 9), 3, "Lee")
        entries = key_result_history(store, "crm-training", None, date(2026, 10, 1), date(2026, 12, 31))
    assert [(entry.value, entry.confidence) for entry in entries] == [(2, 7), (3, None)]


@pytest.mark.parametrize("confidence", [0, 11, -3])
def test_a_confidence_outside_1_to_10_is_refused(database_url, confidence):
    with Store(database_url) as store, pytest.raises(ValueError, match=f"confidence is 1 to 10, not {confidence}"):
        store.add_checkin("crm-training", date(2026, 11, 2), 2, "Lee", confidence=confidence)
        assert store.checkins("crm-training") == []


def test_migration_0008_adds_the_confidence_and_goes_back_keeping_checkins(database_url):
    engine = create_engine(database_url)
    migrate(engine, "0007")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO checkins (key_result, day, value, author, created_at, pinned) VALUES ('kr', '2026-11-02', 4, 'Lee', '2026-11-02 10:00:00', false)"
        ))
    migrate(engine, "0008")
    assert "confidence" in {column["name"] for column in inspect(engine).get_columns("checkins")}
    migrate(engine, "0007", downgrade=True)
    assert "confidence" not in {column["name"] for column in inspect(engine).get_columns("checkins")}
    with engine.connect() as connection:
        assert connection.execute(text("SELECT value, author FROM checkins")).all() == [(4.0, "Lee")]
    engine.dispose()
