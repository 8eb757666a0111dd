"""Action updates, reminder deliveries and used sign-in links, on SQLite and PostgreSQL: kept
append-only, "once" holding when writers race, migration 0007 both ways."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, inspect

from okrmodel.config import ActionStatus
from okrmodel.storage import Store, migrate

MONDAY, NEXT_MONDAY = date(2026, 11, 2), date(2026, 11, 9)
T1, T2, T3 = (datetime(2026, 11, day, 10, tzinfo=UTC) for day in (2, 3, 4))


def test_action_updates_keep_author_note_and_time_and_the_newest_is_the_status(database_url):
    with Store(database_url) as store:
        store.record_action_update("pipeline.webinars", "in_progress", "Maria", "booked the speakers", at=T1)
        store.record_action_update("pipeline.webinars", ActionStatus.DONE, "Lee", at=T3)
        store.record_action_update("brand.survey", "blocked", "Lee", "no budget", at=T2)
        history = store.action_updates("pipeline.webinars")
        assert [(u.status, u.author, u.note, u.created_at) for u in history] == [
            ("in_progress", "Maria", "booked the speakers", T1), ("done", "Lee", None, T3),
        ]
        assert {action: u.status for action, u in store.action_statuses().items()} == {"pipeline.webinars": "done", "brand.survey": "blocked"}
        # A report on a past moment sees only the updates made by then.
        assert {action: u.status for action, u in store.action_statuses(until=T2).items()} == {"pipeline.webinars": "in_progress", "brand.survey": "blocked"}
        assert len(store.action_updates()) == 3


def test_an_action_update_names_a_known_status(database_url):
    with Store(database_url) as store:
        with pytest.raises(ValueError, match="'started' is not a valid ActionStatus"):
            store.record_action_update("pipeline.webinars", "started", "Maria")
        assert store.action_updates() == []


def test_a_reminder_is_recorded_once_per_owner_day_kind_and_objective(database_url):
    with Store(database_url) as store:
        contents = {"checkins_due": ["crm-training"], "key_results": ["crm-training", "mqls"], "overdue_actions": []}
        assert store.record_reminder_delivery("Maria", MONDAY, "reminder", contents, sent_at=T1)
        assert not store.reminder_sent("Maria", NEXT_MONDAY, "reminder")
        assert store.reminder_sent("Maria", MONDAY, "reminder")
        assert not store.record_reminder_delivery("Maria", MONDAY, "reminder", {"checkins_due": []}, sent_at=T2)  # a re-run
        # An escalation is its own delivery, one per objective.
        assert store.record_reminder_delivery("Maria", MONDAY, "escalation", {"key_results": ["crm-training"]}, objective="enablement")
        assert store.record_reminder_delivery("Maria", MONDAY, "escalation", {"key_results": ["mqls"]}, objective="pipeline")
        assert not store.record_reminder_delivery("Maria", MONDAY, "escalation", {}, objective="pipeline")
        assert store.reminder_sent("Maria", MONDAY, "escalation", objective="pipeline")
        assert store.record_reminder_delivery("Lee", MONDAY, "reminder", {"checkins_due": []})
        [first] = store.reminder_deliveries(kind="reminder", before=NEXT_MONDAY)[:1]
        assert (first.owner, first.contents, first.sent_at) == ("Maria", contents, T1)  # what the first run sent is kept
        assert len(store.reminder_deliveries()) == 4
        assert store.reminder_deliveries(before=MONDAY) == []
        with pytest.raises(ValueError, match="kind must be one of reminder, escalation"):
            store.record_reminder_delivery("Maria", MONDAY, "nudge", {})


def test_racing_runs_record_a_reminder_once(database_url):
    with Store(database_url) as store:
        barrier = threading.Barrier(4)
        outcomes: list[bool] = []

        def record() -> None:
            barrier.wait()
            outcomes.append(store.record_reminder_delivery("Maria", MONDAY, "reminder", {"checkins_due": []}))

        threads = [threading.Thread(target=record) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == [False, False, False, True]
        assert len(store.reminder_deliveries()) == 1


def test_a_sign_in_link_signs_in_once_even_when_followed_twice_at_once(database_url):
    with Store(database_url) as store:
        assert store.use_sign_in_link("nonce-a", used_at=T1)
        assert not store.use_sign_in_link("nonce-a", used_at=T2)
        assert store.use_sign_in_link("nonce-b")
        barrier = threading.Barrier(4)
        outcomes: list[bool] = []

        def follow() -> None:
            barrier.wait()
            outcomes.append(store.use_sign_in_link("nonce-c"))

        threads = [threading.Thread(target=follow) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == [False, False, False, True]


def test_migration_0007_adds_the_follow_up_tables_and_goes_back_cleanly(database_url):
    engine = create_engine(database_url)
    migrate(engine, "0006")
    new_tables = {"action_updates", "reminder_deliveries", "sign_in_link_uses"}
    assert not new_tables & set(inspect(engine).get_table_names())
    migrate(engine, "0007")
    assert new_tables <= set(inspect(engine).get_table_names())
    columns = {column["name"] for column in inspect(engine).get_columns("reminder_deliveries")}
    assert {"owner", "reminder_day", "kind", "objective", "contents", "sent_at"} <= columns
    migrate(engine, "0006", downgrade=True)
    assert not new_tables & set(inspect(engine).get_table_names())
    assert "checkins" in inspect(engine).get_table_names()
    engine.dispose()
