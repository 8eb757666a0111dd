"""Storage on SQLite and PostgreSQL: append-only, idempotent, migrations both ways."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import date, datetime

import pytest
from sqlalchemy import create_engine, inspect, text

from okrmodel.storage import Store, migrate
from okrmodel.storage.models import PeriodScore
from okrmodel.storage.store import MIGRATIONS, newest_revision

D1, D2, D3 = date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)


def test_same_values_twice_store_nothing_new(database_url):
    with Store(database_url) as store:
        first_run = store.start_run(D3)
        assert store.save_observations(first_run, "mqls", "hubspot", {D1: 3, D2: 4}).added == 2
        second_run = store.start_run(D3)
        again = store.save_observations(second_run, "mqls", "hubspot", {D1: 3, D2: 4})
        assert (again.added, again.unchanged) == (0, 2)
        assert store.observation_count() == 2


def test_a_changed_value_is_a_new_revision_and_history_stays(database_url):
    with Store(database_url) as store:
        run = store.start_run(D3)
        store.save_observations(run, "mqls", "hubspot", {D1: 3, D2: 4})
        store.save_observations(run, "mqls", "hubspot", {D2: 5})
        store.save_observations(run, "mqls", "hubspot", {D2: 4})  # back to the old value: still a new revision
        assert [(v.day, v.value) for v in store.daily_values("mqls", D1, D3)] == [(D1, 3.0), (D2, 4.0)]
        assert store.observation_count() == 4


def test_a_sums_record_counts_are_kept_and_a_changed_count_is_a_new_revision(database_url):
    with Store(database_url) as store:
        run = store.start_run(D3)
        store.save_observations(run, "pipeline", "hubspot", {D1: 500.0, D2: 0.0})  # stored before counts were kept
        # Counts arrive for the same values: kept on the current revision, nothing new.
        assert store.save_observations(run, "pipeline", "hubspot", {D1: 500.0, D2: 0.0}, {D1: 2, D2: 1}).added == 0
        assert [(v.value, v.records) for v in store.daily_values("pipeline", D1, D2)] == [(500.0, 2), (0.0, 1)]
        # A deal of 0 archived: the sum is the same, its count is not.
        assert store.save_observations(run, "pipeline", "hubspot", {D1: 500.0, D2: 0.0}, {D1: 2, D2: 0}).added == 1
        assert [(row.day, row.revision, row.records) for row in store.observation_history("pipeline", D2, D2)] == [(D2, 1, 1), (D2, 2, 0)]
        assert store.save_observations(run, "pipeline", "hubspot", {D1: 500.0}).added == 0  # no counts given: the value decides


def test_migration_0009_adds_record_counts_and_goes_back_cleanly(database_url):
    engine = create_engine(database_url)
    migrate(engine, "0006")
    assert "records" not in {column["name"] for column in inspect(engine).get_columns("observations")}
    migrate(engine, "0009")
    assert "records" in {column["name"] for column in inspect(engine).get_columns("observations")}
    migrate(engine, "0006", downgrade=True)
    assert "records" not in {column["name"] for column in inspect(engine).get_columns("observations")}
    engine.dispose()


def test_latest_value_is_the_newest_day_on_or_before(database_url):
    with Store(database_url) as store:
        run = store.start_run(D3)
        store.save_observations(run, "pool", "hubspot", {D1: 100})
        store.save_observations(run, "pool", "hubspot", {D3: 120})
        assert store.latest_value("pool", D2).value == 100
        assert store.latest_value("pool", D3).value == 120
        assert store.latest_value("pool", date(2026, 10, 31)) is None
        assert store.latest_value("other", D3) is None


def test_checkins_keep_author_and_note(database_url):
    with Store(database_url) as store:
        store.add_checkin("crm-training", D1, 2, "lee", "two trained")
        store.add_checkin("crm-training", D2, 3, "maria", None)
        latest = store.latest_checkin("crm-training", D3)
        assert (latest.value, latest.author, latest.note) == (3.0, "maria", None)
        assert store.latest_checkin("crm-training", D1).note == "two trained"
        assert store.latest_checkin("crm-training", date(2026, 10, 1)) is None


def test_runs_and_fetch_outcomes_are_recorded(database_url):
    with Store(database_url) as store:
        run = store.start_run(D3, flow_run_id="flow-1")
        store.record_fetch(run, "mqls", "hubspot", status="succeeded", first_day=D1, last_day=D3, api_calls=2, values_added=3)
        store.record_fetch(run, "deals", "hubspot", status="failed", error="hubspot: boom")
        store.finish_run(run, "partial", "1 metrics failed")
        [stored] = store.runs()
        assert (stored.status, stored.flow_run_id, stored.finished_at is not None) == ("partial", "flow-1", True)
        assert [(f.metric, f.status, f.api_calls) for f in store.fetches(run)] == [("deals", "failed", 0), ("mqls", "succeeded", 2)]


def test_concurrent_writers_never_duplicate(database_url):
    with Store(database_url) as store:
        run = store.start_run(D3)
        barrier = threading.Barrier(4)

        def write(value: float) -> None:
            barrier.wait()
            store.save_observations(run, "mqls", "hubspot", {D1: value})

        threads = [threading.Thread(target=write, args=(value,)) for value in (7, 7, 8, 8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with store.engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT revision, value FROM observations ORDER BY revision").fetchall()
        revisions = [row[0] for row in rows]
        assert revisions == list(range(1, len(rows) + 1)), "revisions must be unique and gap-free"
        assert all(a[1] != b[1] for a, b in zip(rows, rows[1:])), "no revision may repeat the one before it"


def test_window_totals_round_trip_with_revisions_and_provenance(database_url):
    october, quarter_to_date = date(2026, 10, 1), date(2026, 11, 2)
    with Store(database_url) as store:
        first_run = store.start_run(D2)
        assert store.save_window_total(first_run, "visitors", "plausible", october, quarter_to_date, 1200) is True
        assert store.save_window_total(first_run, "visitors", "plausible", D1, quarter_to_date, 90) is True  # another window, same end
        second_run = store.start_run(D3)
        assert store.save_window_total(second_run, "visitors", "plausible", october, quarter_to_date, 1200) is False  # unchanged: nothing written
        assert store.save_window_total(second_run, "visitors", "plausible", october, quarter_to_date, 1210) is True  # a late visit: revision 2
        assert store.save_window_total(second_run, "visitors", "plausible", october, D3, 1250) is True

        current = store.window_total("visitors", october, quarter_to_date)
        assert (current.value, current.revision, current.fetched_at.tzinfo is not None) == (1210.0, 2, True)
        assert store.window_total("visitors", october, date(2026, 11, 1)) is None
        assert store.window_total("users", october, quarter_to_date) is None
        assert [(t.first_day, t.last_day, t.value) for t in store.window_totals("visitors", quarter_to_date, D3)] == [
            (october, quarter_to_date, 1210.0), (D1, quarter_to_date, 90.0), (october, D3, 1250.0),
        ]
        assert store.observation_count() == 0  # totals are no daily values
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT revision, value, source, sync_run_id FROM window_totals WHERE last_day = :day AND first_day = :first ORDER BY revision"
        ), {"day": quarter_to_date, "first": october}).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [(1, 1200.0, "plausible", first_run), (2, 1210.0, "plausible", second_run)]


def test_racing_writers_store_a_window_total_once(database_url):
    with Store(database_url) as store:
        run = store.start_run(D3)
        barrier = threading.Barrier(4)

        def write() -> None:
            barrier.wait()
            store.save_window_total(run, "visitors", "plausible", D1, D3, 77)

        threads = [threading.Thread(target=write) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert store.window_total("visitors", D1, D3).revision == 1
        assert len(store.window_totals("visitors", D3, D3)) == 1


def test_migration_0005_adds_window_totals_and_goes_back_cleanly(database_url):
    engine = create_engine(database_url)
    migrate(engine, "0004")
    assert "window_totals" not in inspect(engine).get_table_names()
    migrate(engine, "0005")
    columns = {column["name"] for column in inspect(engine).get_columns("window_totals")}
    assert {"metric", "first_day", "last_day", "revision", "value", "source", "sync_run_id", "fetched_at"} <= columns
    migrate(engine, "0004", downgrade=True)
    assert "window_totals" not in inspect(engine).get_table_names()
    assert "observations" in inspect(engine).get_table_names()
    engine.dispose()


def test_migrations_go_down_to_empty_and_up_again(database_url):
    engine = create_engine(database_url)
    migrate(engine)
    assert {"sync_runs", "metric_fetches", "observations", "checkins"} <= set(inspect(engine).get_table_names())
    migrate(engine, "base", downgrade=True)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate(engine)
    assert {"observations", "period_scores"} <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_the_newest_revision_is_alembics_head():
    from alembic.script import ScriptDirectory

    assert ScriptDirectory(str(MIGRATIONS)).get_heads() == [newest_revision()]


def _versions(url: str) -> list[str]:
    engine = create_engine(url)
    with engine.connect() as connection:
        versions = list(connection.execute(text("SELECT version_num FROM alembic_version")).scalars())
    engine.dispose()
    return versions


def test_a_store_at_the_newest_revision_opens_without_alembic(database_url):
    with Store(database_url) as store:
        store.claim("Acme Cloud")
    # A process of its own, so that nothing else here has loaded Alembic: opening it again only reads its version.
    opened = subprocess.run(
        [sys.executable, "-c", "import sys; from okrmodel.storage import Store; Store(sys.argv[1]).close(); print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))", database_url],
        capture_output=True, text=True, check=True,
    )
    assert opened.stdout.strip() == "[]"
    assert _versions(database_url) == [newest_revision()]


def test_a_store_behind_the_newest_revision_still_migrates_on_open(database_url):
    engine = create_engine(database_url)
    migrate(engine, "0005")
    engine.dispose()
    assert _versions(database_url) == ["0005"]
    with Store(database_url) as store:
        run = store.start_run(D1)  # 0006's columns (host, pid) are written
        assert store.runs()[0].id == run
    assert _versions(database_url) == [newest_revision()]


def test_migration_0002_keeps_old_check_ins_unpinned_and_goes_back_cleanly(database_url):
    engine = create_engine(database_url)
    migrate(engine, "0001")
    with engine.begin() as connection:
        connection.execute(
            text("INSERT INTO checkins (key_result, day, value, author, note, created_at) VALUES ('k', :day, 2, 'lee', NULL, :at)"),
            {"day": D1, "at": datetime(2026, 11, 1, 9, 0)},
        )
    migrate(engine, "0002")
    assert "pinned" in {column["name"] for column in inspect(engine).get_columns("checkins")}
    assert "period_scores" in inspect(engine).get_table_names()
    engine.dispose()
    with Store(database_url) as store:
        [old] = store.checkins("k")
        assert (old.value, old.pinned) == (2.0, False)
    engine = create_engine(database_url)
    migrate(engine, "0001", downgrade=True)
    assert "pinned" not in {column["name"] for column in inspect(engine).get_columns("checkins")}
    assert "period_scores" not in inspect(engine).get_table_names()
    with engine.connect() as connection:
        assert connection.execute(text("SELECT value FROM checkins")).scalar_one() == 2.0
    engine.dispose()


def test_racing_closers_freeze_a_period_once(database_url):
    with Store(database_url) as store:
        barrier = threading.Barrier(4)
        outcomes: list[bool] = []

        def close(author: str) -> None:
            barrier.wait()
            rows = [PeriodScore(item_kind="key_result", item_id="k", actual=1.0, progress=0.5, score=0.5, status="at_risk", closed_by=author)]
            outcomes.append(store.freeze_period("2026-Q4", rows))

        threads = [threading.Thread(target=close, args=(f"closer-{n}",)) for n in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(outcomes) == [False, False, False, True]
        assert len(store.frozen_scores("2026-Q4")) == 1


def _open_store(url: str, barrier, results) -> None:
    barrier.wait()  # every process runs the first migration at the same moment
    try:
        with Store(url) as store:
            store.start_run(D1)
        results.put("ok")
    except Exception as error:  # reported to the test, which shows it
        results.put(f"{type(error).__name__}: {error}")


def test_processes_opening_one_new_sqlite_database_at_once_all_succeed(tmp_path):
    import multiprocessing

    context = multiprocessing.get_context("spawn")
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    count = 8
    barrier, results = context.Barrier(count), context.Queue()
    processes = [context.Process(target=_open_store, args=(url, barrier, results)) for _ in range(count)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=120) for _ in processes]
    for process in processes:
        process.join()
    assert outcomes == ["ok"] * count
    with Store(url) as store:
        assert len(store.runs(limit=20)) == count


def test_threads_opening_new_databases_at_once_all_succeed(tmp_path):
    # okr sync --all syncs companies side by side in threads, each opening (and migrating) its own database.
    count = 8
    barrier, outcomes = threading.Barrier(count), []

    def open_one(number: int) -> None:
        barrier.wait()
        try:
            with Store(f"sqlite:///{tmp_path / f'company-{number}.db'}") as store:
                store.claim(f"Company {number}")
            outcomes.append("ok")
        except Exception as error:  # reported to the test, which shows it
            outcomes.append(f"{type(error).__name__}: {error}")

    threads = [threading.Thread(target=open_one, args=(number,)) for number in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes == ["ok"] * count


def test_a_database_belongs_to_the_first_company_that_claims_it(database_url):
    from okrmodel.storage import DatabaseOfAnotherCompany

    with Store(database_url) as store:
        store.claim("Acme Cloud")
        store.claim("Acme Cloud")  # again: fine
        with pytest.raises(DatabaseOfAnotherCompany, match="holds the OKRs of 'Acme Cloud', not of 'Beta Labs'"):
            store.claim("Beta Labs")
