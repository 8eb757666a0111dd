"""The CSV connector on a local file (relative to the config) and a published sheet over https (``responses``):
reads, mappings checked against the header, the catalogue of columns.

Expected values are the files' numbers written here, summed by hand.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import responses

from connectors import MappingError, RetriableSourceError, SourceConfigurationError, connector_for, load_config
from connectors.csv_file.config import CsvSource
from connectors.csv_file.connector import CsvConnector
from connectors.transport.session import default_retry
from okrmodel.periods import Window

ZONE = ZoneInfo("Europe/Berlin")
WINDOW = Window.from_days(date(2026, 10, 24), date(2026, 10, 27), ZONE)  # 25 Oct: clocks go back
AS_OF = date(2026, 10, 27)
SHEET_URL = "https://docs.google.com/spreadsheets/d/e/2PACX-1vabc/pub?output=csv"

TRAFFIC = """date,sessions,signups,notes
2026-10-23,100,1,
2026-10-24,120,2,launch
2026-10-24,30,1,"second row for the same day,
on two lines"
2026-10-26,80,,
2026-10-27,90,4,
,,,
"""


def write_config(folder: Path, source: str) -> Path:
    path = folder / "okrs.yaml"
    path.write_text(f"""
company: Acme
timezone: Europe/Berlin
period: 2026-Q4
sources:
  sheet: {source}
metrics:
  sessions: {{source: sheet, kind: csv_column, column: sessions}}
  signups: {{source: sheet, kind: csv_column, column: signups}}
""")
    return path


def open_local(tmp_path: Path, text: str = TRAFFIC) -> tuple[CsvConnector, dict]:
    (tmp_path / "data").mkdir(exist_ok=True)
    (tmp_path / "data" / "traffic.csv").write_text(text, encoding="utf-8")
    config = load_config(write_config(tmp_path, "{type: csv, path: data/traffic.csv}"))
    return connector_for("sheet", config.sources["sheet"], base_dir=config.base_dir), config.metrics


def test_local_file_relative_to_the_config_sums_duplicate_dates(tmp_path: Path, monkeypatch):
    monkeypatch.chdir("/")  # the path is the config's folder's, not the working directory's
    csv, metrics = open_local(tmp_path)
    sessions = csv.read("sessions", metrics["sessions"], WINDOW, AS_OF)
    assert sessions.values == {date(2026, 10, 24): 150.0, date(2026, 10, 25): 0.0, date(2026, 10, 26): 80.0, date(2026, 10, 27): 90.0}
    assert sessions.api_calls == 0
    # An empty cell is no value: 26 Oct has no signups row, so it is 0 like the missing 25th.
    signups = csv.read("signups", metrics["signups"], WINDOW, AS_OF)
    assert signups.values == {date(2026, 10, 24): 3.0, date(2026, 10, 25): 0.0, date(2026, 10, 26): 0.0, date(2026, 10, 27): 4.0}


def test_every_bad_row_is_located_and_nothing_is_read(tmp_path: Path):
    text = TRAFFIC.replace("2026-10-26,80,,", "2026-10-26,n/a,,").replace("2026-10-27,90,4,", "27.10.2026,90,4,\n2026-10-27,1e999,0,")
    csv, metrics = open_local(tmp_path, text)
    with pytest.raises(SourceConfigurationError) as caught:
        csv.read("sessions", metrics["sessions"], WINDOW, AS_OF)
    assert str(caught.value) == (
        "sheet: data/traffic.csv:6: column 'sessions': 'n/a' is not a number; "
        "data/traffic.csv:7: column 'date': '27.10.2026' is not a date (YYYY-MM-DD); "
        "data/traffic.csv:8: column 'sessions': '1e999' is not a number"
    )


def test_a_file_that_has_not_reached_the_window_fails_instead_of_writing_zeros(tmp_path: Path):
    csv, metrics = open_local(tmp_path, TRAFFIC.replace("2026-10-27,90,4,\n", ""))
    with pytest.raises(SourceConfigurationError, match=r"the window runs to 2026-10-27 but its last value of 'sessions' is on 2026-10-26"):
        csv.read("sessions", metrics["sessions"], WINDOW, AS_OF)
    # signups' last filled day is the 24th: dates without numbers do not count as covered.
    earlier = Window.from_days(date(2026, 10, 23), date(2026, 10, 26), ZONE)
    with pytest.raises(SourceConfigurationError, match="runs to 2026-10-26 but its last value of 'signups' is on 2026-10-24"):
        csv.read("signups", metrics["signups"], earlier, AS_OF)


def test_an_unknown_column_is_a_mapping_error_with_the_closest_name(tmp_path: Path):
    csv, metrics = open_local(tmp_path, TRAFFIC.replace("signups", "Sign_ups"))
    with pytest.raises(MappingError) as caught:
        csv.read("signups", metrics["signups"], WINDOW, AS_OF)
    assert caught.value.location == ("metrics", "signups", "column")
    assert caught.value.message == "'signups' is not a column of data/traffic.csv (did you mean 'Sign_ups'?); its header has 'date', 'sessions', 'Sign_ups', 'notes'"
    assert csv.check("sessions", metrics["sessions"]) == 0  # a local file is no API call


def test_a_column_twice_in_the_header_is_named(tmp_path: Path):
    csv, metrics = open_local(tmp_path, TRAFFIC.replace("notes", "sessions"))
    with pytest.raises(MappingError, match="column 'sessions' appears 2 times in the header of data/traffic.csv"):
        csv.check("sessions", metrics["sessions"])


def test_a_missing_date_column_points_at_the_sources_date_column(tmp_path: Path):
    csv, metrics = open_local(tmp_path, TRAFFIC.replace("date,", "Date,", 1))
    with pytest.raises(SourceConfigurationError) as caught:
        csv.check("sessions", metrics["sessions"])
    assert not isinstance(caught.value, MappingError)  # the setting sits under sources:, not the metric
    assert str(caught.value).startswith("sheet: date_column: 'date' is not a column of data/traffic.csv (did you mean 'Date'?)")


def test_a_missing_file_is_a_configuration_error(tmp_path: Path):
    _, metrics = open_local(tmp_path)
    (tmp_path / "data" / "traffic.csv").unlink()
    fresh = CsvConnector("sheet", CsvSource(type="csv", path="data/traffic.csv"), base_dir=tmp_path)
    with pytest.raises(SourceConfigurationError, match="data/traffic.csv: file not found"):
        fresh.read("sessions", metrics["sessions"], WINDOW, AS_OF)


def test_the_catalogue_profiles_every_column_but_the_date(tmp_path: Path):
    text = TRAFFIC.replace("date,sessions,signups,notes", "date,sessions,signups,notes,empty") + "2026-10-28,95,,n/a\nnot a day,x,y,z\n"
    csv, _ = open_local(tmp_path, text)
    catalogue = csv.catalog()
    assert (catalogue.source, catalogue.type, catalogue.api_calls) == ("sheet", "csv", 0)
    [table] = catalogue.tables
    assert table.rows == [
        {"column": "sessions", "numeric": True, "last_filled": "2026-10-28"},
        {"column": "signups", "numeric": True, "last_filled": "2026-10-27"},  # an empty cell is not a value
        {"column": "notes", "numeric": False, "last_filled": "2026-10-28"},
        {"column": "empty", "numeric": False, "last_filled": None},
    ]
    assert table.mapping == "column: <column>"


def url_connector(tmp_path: Path, retries: int = 2) -> tuple[CsvConnector, dict]:
    config = load_config(write_config(tmp_path, f"{{type: csv, url: '{SHEET_URL}'}}"))
    source = config.sources["sheet"]
    return CsvConnector("sheet", source, retry=default_retry(total=retries, backoff_factor=0.001, backoff_jitter=0)), config.metrics


@responses.activate
def test_a_published_sheet_is_downloaded_once_for_all_its_columns(tmp_path: Path):
    responses.get(SHEET_URL, body=TRAFFIC.encode("utf-8-sig"), content_type="text/csv")
    csv, metrics = url_connector(tmp_path)
    sessions = csv.read("sessions", metrics["sessions"], WINDOW, AS_OF)
    signups = csv.read("signups", metrics["signups"], WINDOW, AS_OF)
    assert sessions.values[date(2026, 10, 24)] == 150.0 and signups.values[date(2026, 10, 27)] == 4.0
    assert (sessions.api_calls, signups.api_calls) == (1, 0)
    assert len(responses.calls) == 1


@responses.activate
def test_checks_reads_and_the_catalogue_share_one_download(tmp_path: Path):
    responses.get(SHEET_URL, body=TRAFFIC, content_type="text/csv")
    csv, metrics = url_connector(tmp_path)
    assert csv.check("sessions", metrics["sessions"]) == 1
    assert csv.check("signups", metrics["signups"]) == 0
    assert csv.read("signups", metrics["signups"], WINDOW, AS_OF).api_calls == 0
    assert csv.catalog().api_calls == 0
    assert len(responses.calls) == 1


@responses.activate
def test_a_window_total_is_the_columns_sum_from_the_same_download(tmp_path: Path):
    responses.get(SHEET_URL, body=TRAFFIC, content_type="text/csv")
    csv, metrics = url_connector(tmp_path)
    sessions = csv.read_total("sessions", metrics["sessions"], WINDOW, AS_OF)
    signups = csv.read_total("signups", metrics["signups"], WINDOW, AS_OF)
    assert (sessions.metric, sessions.window, sessions.value, sessions.api_calls) == ("sessions", WINDOW, 120.0 + 30.0 + 80.0 + 90.0, 1)
    assert (signups.value, signups.api_calls) == (2.0 + 1.0 + 4.0, 0)
    assert len(responses.calls) == 1
    with pytest.raises(SourceConfigurationError, match="its last value of .sessions. is on 2026-10-27"):
        csv.read_total("sessions", metrics["sessions"], Window.from_days(date(2026, 10, 24), date(2026, 10, 30), ZONE), AS_OF)


@responses.activate
def test_a_download_retries_5xx_then_succeeds(tmp_path: Path):
    responses.get(SHEET_URL, status=503)
    responses.get(SHEET_URL, body=TRAFFIC, content_type="text/csv")
    csv, metrics = url_connector(tmp_path)
    assert csv.read("sessions", metrics["sessions"], WINDOW, AS_OF).values[date(2026, 10, 27)] == 90.0
    assert len(responses.calls) == 2


@responses.activate
def test_a_download_cut_short_is_sent_again_and_counted(tmp_path: Path):
    # The connection dropped before the announced length: a sheet read so far would lose its last rows.
    responses.get(SHEET_URL, body=TRAFFIC[: len(TRAFFIC) // 2], content_type="text/csv", headers={"Content-Length": str(len(TRAFFIC))}, auto_calculate_content_length=False)
    responses.get(SHEET_URL, body=TRAFFIC, content_type="text/csv")
    csv, metrics = url_connector(tmp_path)
    reading = csv.read("sessions", metrics["sessions"], WINDOW, AS_OF)
    assert reading.values[date(2026, 10, 27)] == 90.0
    assert reading.api_calls == len(responses.calls) == 2


@responses.activate
def test_download_failures_are_classified(tmp_path: Path):
    responses.get(SHEET_URL, status=500)
    csv, metrics = url_connector(tmp_path, retries=1)
    with pytest.raises(RetriableSourceError, match="kept failing after retries"):
        csv.read("sessions", metrics["sessions"], WINDOW, AS_OF)
    assert len(responses.calls) == 2
    responses.replace(responses.GET, SHEET_URL, body="<html>Sign in</html>", content_type="text/html; charset=utf-8")
    csv, metrics = url_connector(tmp_path)
    with pytest.raises(SourceConfigurationError, match="answered a web page, not CSV; publish the sheet"):
        csv.read("sessions", metrics["sessions"], WINDOW, AS_OF)


@responses.activate
def test_a_key_in_the_download_url_never_reaches_a_message(tmp_path: Path):
    signed = "https://files.acme.example/export.csv?output=csv&token=s3cr3t-abc"
    responses.get(signed, status=500)
    config = load_config(write_config(tmp_path, f"{{type: csv, url: '{signed}'}}"))
    csv = CsvConnector("sheet", config.sources["sheet"], retry=default_retry(total=1, backoff_factor=0.001, backoff_jitter=0))
    with pytest.raises(RetriableSourceError) as caught:
        csv.read("sessions", config.metrics["sessions"], WINDOW, AS_OF)
    assert str(caught.value) == (
        "sheet: https://files.acme.example/export.csv?output=csv&token=[redacted] kept failing after retries: Internal Server Error (HTTP 500)"
    )
    assert responses.calls[0].request.url == signed, "the download itself uses the URL as configured"
    responses.replace(responses.GET, signed, status=403)
    with pytest.raises(SourceConfigurationError) as refused:
        CsvConnector("sheet", config.sources["sheet"]).read("sessions", config.metrics["sessions"], WINDOW, AS_OF)
    assert "s3cr3t" not in str(refused.value) and "token=[redacted] is not readable without signing in" in str(refused.value)


def test_a_csv_source_needs_exactly_one_of_path_and_url(tmp_path: Path):
    from okrmodel.config import ConfigError

    with pytest.raises(ConfigError, match=r"sources.sheet: give exactly one of path \(a local file\) or url"):
        load_config(write_config(tmp_path, f"{{type: csv, path: a.csv, url: '{SHEET_URL}'}}"))
    with pytest.raises(ConfigError, match="url must start with https://"):
        load_config(write_config(tmp_path, "{type: csv, url: 'http://example.com/a.csv'}"))
