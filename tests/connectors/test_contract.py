"""The contract every registered source keeps: one suite, run over ``connectors.registry.SOURCE_KINDS``.

Each source has a ``Harness`` below: its ``sources:`` entry, one metric mapped
right and one with a value the source does not have (and where that value
sits), and a fake remote end holding ``DAILY`` for the good metric: the
HubSpot sandbox over a socket, ``responses`` as GA4 (signed with the throwaway
key) and Plausible, a CSV file in ``tmp_path``. A source added to the registry
without a harness fails every test here, saying so.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import pickle
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from pathlib import Path
from typing import Any, get_args
from zoneinfo import ZoneInfo

import pytest
import responses
from pydantic import SecretStr

from connectors import (
    SOURCE_KINDS,
    Catalogue,
    MappingError,
    MetricReading,
    RunServices,
    SourceConfigurationError,
    SourceError,
    WindowTotal,
    config_schema,
    connector_for,
    parse_config,
)
from connectors.sandbox import SandboxDataset, SandboxServer, contact
from okrmodel.config import ConfigError, MetricNature
from okrmodel.periods import Window

ZONE = ZoneInfo("America/New_York")
WINDOW = Window.from_days(date(2026, 10, 30), date(2026, 11, 3), ZONE)  # 1 Nov: clocks go back
AS_OF = date(2026, 11, 3)
DAILY = {date(2026, 10, 30): 2, date(2026, 11, 1): 1, date(2026, 11, 3): 4}
"""What every fake holds for its good metric; the window's other days have nothing."""
GOOD, BAD = "good_metric", "bad_metric"
REPO = Path(__file__).resolve().parents[2]
OUR_CODE = tuple(REPO / package for package in ("connectors", "okrmodel", "tests"))


@dataclass(frozen=True)
class Fake:
    """A running fake remote end: what the ``sources:`` entry needs to reach it, the requests it answered,
    and those of them that read data (not those that check a mapping or list the catalogue)."""

    settings: dict[str, Any]
    base_dir: Path
    calls: Callable[[], list]
    data_calls: Callable[[], list]


@dataclass(frozen=True)
class Harness:
    """One source as the contract drives it: ``bad`` is ``good`` with ``bad_value`` (at ``bad_field``) the source lacks;
    ``read_calls`` the API calls a read of ``good`` takes, as the source documents them; ``catalog_text`` is in some
    catalogue rows, not all; ``credential_env`` None says the source has no credential (the contract checks that);
    ``internal_errors`` are exceptions of the package the connector turns into ``SourceError``s."""

    source: dict[str, Any]
    good: dict[str, Any]
    bad: dict[str, Any]
    bad_field: tuple[str | int, ...]
    bad_value: str
    read_calls: int
    catalog_text: str
    client_modules: tuple[str, ...]
    credential_env: str | None
    serve: Callable[[pytest.FixtureRequest], AbstractContextManager[Fake]]
    internal_errors: tuple[str, ...] = ()


@contextmanager
def hubspot_portal(request: pytest.FixtureRequest) -> Iterator[Fake]:
    def at(day: date, hour: int) -> datetime:
        return datetime.combine(day, time(hour), ZONE)

    paid = [at(day, 9 + index) for day, count in DAILY.items() for index in range(count)] + [at(WINDOW.first_day - timedelta(days=1), 12)]
    organic = [at(day, 12) for day in WINDOW.days()]
    contacts = [contact(100 + i, created, source="PAID_SEARCH") for i, created in enumerate(paid)]
    contacts += [contact(200 + i, created, source="ORGANIC_SEARCH") for i, created in enumerate(organic)]
    with SandboxServer(SandboxDataset(contacts=contacts, deals=[], emails=[])) as server:
        request.getfixturevalue("monkeypatch").setenv("HUBSPOT_TOKEN", server.token)
        yield Fake({"base_url": server.base_url}, Path("."), lambda: server.calls, lambda: [call for call in server.calls if call[1].endswith("/search")])


GA4_API = "https://analyticsdata.googleapis.com/v1beta/properties/123456789"


@contextmanager
def ga4_property(request: pytest.FixtureRequest) -> Iterator[Fake]:
    request.getfixturevalue("monkeypatch").setenv("GA4_CREDENTIALS_JSON", request.getfixturevalue("key_json").get_secret_value())
    fields = [{"apiName": name, "uiName": name, "category": category} for name, category in [("sessions", "Session"), ("totalUsers", "User"), ("bounceRate", "Session")]]
    dimensions = [{"apiName": name, "uiName": name, "category": "Traffic source"} for name in ("date", "sessionDefaultChannelGroup", "sessionSource")]
    def run_report(sent):
        if any(dimension["name"] == "date" for dimension in json.loads(sent.body).get("dimensions", [])):
            rows = [{"dimensionValues": [{"value": day.strftime("%Y%m%d")}], "metricValues": [{"value": str(value)}]} for day, value in DAILY.items()]
        else:  # the window's total: one row, no dimensions
            rows = [{"metricValues": [{"value": str(sum(DAILY.values()))}]}]
        return 200, {}, json.dumps({"rows": rows, "rowCount": len(rows), "metadata": {"timeZone": ZONE.key}})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as google:
        google.get(f"{GA4_API}/metadata", json={"name": "properties/123456789/metadata", "metrics": fields, "dimensions": dimensions})
        google.add_callback(responses.POST, f"{GA4_API}:runReport", callback=run_report)
        google.post("https://oauth2.googleapis.com/token", json={"access_token": "ya29.unused", "expires_in": 3600, "token_type": "Bearer"})
        yield Fake({}, Path("."), lambda: list(google.calls), lambda: [call for call in google.calls if ":runReport" in call.request.url])


@contextmanager
def plausible_site(request: pytest.FixtureRequest) -> Iterator[Fake]:
    request.getfixturevalue("monkeypatch").setenv("PLAUSIBLE_TOKEN", "plausible-key")

    def answer(sent):
        query = json.loads(sent.body)
        if query.get("dimensions") == ["time:day"]:
            rows = [{"dimensions": [day.isoformat()], "metrics": [value]} for day, value in DAILY.items()]
        elif not query.get("dimensions"):  # the window's total
            rows = [{"dimensions": [], "metrics": [sum(DAILY.values())]}]
        else:
            rows = [{"dimensions": [name], "metrics": [value]} for name, value in [("Google", 40), ("Hacker News", 12), ("(Direct / None)", 9)]]
        return 200, {}, json.dumps({"results": rows, "meta": {}, "query": query})

    with responses.RequestsMock(assert_all_requests_are_fired=False) as plausible:
        plausible.add_callback(responses.POST, "https://plausible.io/api/v2/query", callback=answer)
        def daily_queries() -> list:
            return [call for call in plausible.calls if json.loads(call.request.body).get("dimensions", []) in (["time:day"], [])]

        yield Fake({}, Path("."), lambda: list(plausible.calls), daily_queries)


@contextmanager
def csv_file(request: pytest.FixtureRequest) -> Iterator[Fake]:
    folder = request.getfixturevalue("tmp_path")
    rows = [f"{day},{10 * value},{value}" for day, value in DAILY.items() if day != date(2026, 11, 1)]
    rows += ["2026-10-29,100,9", "2026-11-01,7,0", "2026-11-01,3,1"]  # before the window; one day in two rows
    (folder / "traffic.csv").write_text("\n".join(["date,sessions,signups", *sorted(rows)]) + "\n", encoding="utf-8")
    yield Fake({}, folder, list, list)  # a local file: no requests


HARNESSES: dict[str, Harness] = {
    "hubspot": Harness(
        source={"type": "hubspot"},
        good={"kind": "contacts_created", "where": {"hs_analytics_source": "PAID_SEARCH"}},
        bad={"kind": "contacts_created", "where": {"hs_analytics_source": "PAID_SERACH"}},
        bad_field=("where", "hs_analytics_source"), bad_value="PAID_SERACH",
        read_calls=2,  # the contacts' properties (the check), one search
        catalog_text="PAID_SEARCH", client_modules=("hubspot",), credential_env="HUBSPOT_TOKEN", serve=hubspot_portal,
        internal_errors=("SharedLimitError",),  # the shared limit's; the client raises RetriableSourceError with its text
    ),
    "ga4": Harness(
        source={"type": "ga4", "property_id": "123456789"},
        good={"kind": "ga4_metric", "metric": "sessions", "where": {"sessionDefaultChannelGroup": "Organic Search"}},
        bad={"kind": "ga4_metric", "metric": "sessions", "where": {"sessionDefaultChannelGroup": "Organic Serach"}},
        bad_field=("where", "sessionDefaultChannelGroup"), bad_value="Organic Serach",
        read_calls=2,  # the metadata (the check), one runReport
        catalog_text="sessions", client_modules=("google.analytics", "google.auth"), credential_env="GA4_CREDENTIALS_JSON", serve=ga4_property,
    ),
    "plausible": Harness(
        source={"type": "plausible", "site_id": "acme.example"},
        good={"kind": "plausible_metric", "metric": "visitors", "where": {"visit:device": "Mobile"}},
        bad={"kind": "plausible_metric", "metric": "visitors", "where": {"visit:device": "Mobil"}},
        bad_field=("where", "visit:device"), bad_value="Mobil",
        read_calls=1,  # the check is static; one query
        catalog_text="Google", client_modules=("requests",), credential_env="PLAUSIBLE_TOKEN", serve=plausible_site,
    ),
    "csv": Harness(
        source={"type": "csv", "path": "traffic.csv"},
        good={"kind": "csv_column", "column": "signups"},
        bad={"kind": "csv_column", "column": "sign_ups"},
        bad_field=("column",), bad_value="sign_ups",
        read_calls=0,  # a local file is no API call
        catalog_text="signups", client_modules=("requests",), credential_env=None, serve=csv_file,
        internal_errors=("CsvProblem",),  # parse.py's; CsvConnector raises SourceConfigurationError with its text
    ),
}


def config_text(name: str, harness: Harness, fake: Fake | None = None) -> str:
    """An ``okrs.yaml`` (JSON is YAML) with the source as ``name`` and its two metrics."""
    metrics = {GOOD: {"source": name, **harness.good}, BAD: {"source": name, **harness.bad}}
    source = {**harness.source, **(fake.settings if fake else {})}
    return json.dumps({"company": "Acme", "timezone": ZONE.key, "period": "2026-Q4", "sources": {name: source}, "metrics": metrics}, indent=1)


def literal(model: type, field: str) -> str:
    (value,) = get_args(model.model_fields[field].annotation)
    return value


@pytest.fixture(params=sorted(SOURCE_KINDS))
def source_type(request) -> str:
    return request.param


@pytest.fixture
def harness(source_type) -> Harness:
    if source_type not in HARNESSES:
        pytest.fail(f"source type {source_type!r} is registered but has no contract harness: add HARNESSES[{source_type!r}] to {Path(__file__).name}", pytrace=False)
    return HARNESSES[source_type]


@pytest.fixture
def name(source_type) -> str:
    return f"our_{source_type}"  # not the type: a connector must name the source as configured


@pytest.fixture
def fake(harness, request) -> Iterator[Fake]:
    with harness.serve(request) as serving:
        yield serving


@pytest.fixture
def config(name, harness, fake):
    return parse_config(config_text(name, harness, fake))


def build(name: str, config, fake: Fake):
    return connector_for(name, config.sources[name], config.metrics, base_dir=fake.base_dir)


@pytest.fixture
def connector(name, config, fake):
    built = build(name, config, fake)
    yield built
    built.close()


def test_every_registered_source_has_a_harness_and_every_harness_a_source():
    assert sorted(HARNESSES) == sorted(SOURCE_KINDS), "HARNESSES must name exactly the sources of connectors/registry.py"


def test_the_registry_describes_the_source_as_its_models_do(source_type, harness, name):
    kind = SOURCE_KINDS[source_type]
    assert kind.type == literal(kind.settings, "type") == source_type
    every_kind = [literal(metric, "kind") for other in SOURCE_KINDS.values() for metric in other.metrics]
    for metric in kind.metrics:
        assert every_kind.count(literal(metric, "kind")) == 1, f"metric kind {literal(metric, 'kind')!r} is defined twice"
        assert config_schema().kind_source_types[literal(metric, "kind")] == kind.type
    config = parse_config(config_text(name, harness))
    assert type(config.sources[name]) is kind.settings
    assert {type(config.metrics[GOOD]), type(config.metrics[BAD])} <= set(kind.metrics)
    # Dumped and parsed again, the models are the same: what the file says is all they hold.
    sources, metrics = ({key: model.model_dump(mode="json", by_alias=True) for key, model in models.items()} for models in (config.sources, config.metrics))
    again = parse_config(json.dumps({"company": "Acme", "timezone": ZONE.key, "period": "2026-Q4", "sources": sources, "metrics": metrics}))
    assert (again.sources, again.metrics) == (config.sources, config.metrics)


@cache
def modules_loaded() -> dict[str, Any]:
    """In a fresh interpreter: the modules loaded by importing ``connectors`` and the registry, then by each connector."""
    script = """if True:
        import importlib, json, sys, threading
        import connectors, connectors.registry
        seen = {"registry": sorted(sys.modules), "threads": threading.active_count()}
        for kind in connectors.registry.SOURCE_KINDS.values():
            importlib.import_module(kind.connector.partition(":")[0])
            seen[kind.type] = sorted(sys.modules)
        print(json.dumps(seen))"""
    return json.loads(subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True).stdout)


def test_importing_the_registry_loads_no_client_library(source_type, harness):
    def loaded(modules: list[str], package: str) -> list[str]:
        return [module for module in modules if module == package or module.startswith(f"{package}.")]

    seen, connector_module = modules_loaded(), SOURCE_KINDS[source_type].connector.partition(":")[0]
    assert seen["threads"] == 1, "importing the registry started a thread"
    assert loaded(seen["registry"], connector_module) == []
    for package in harness.client_modules:
        assert loaded(seen["registry"], package) == [], f"importing connectors loads {package}"
        assert loaded(seen[source_type], package), f"{connector_module} does not load {package}: the harness names the wrong client library"


def test_check_passes_the_good_mapping_reading_no_data(connector, config, fake):
    calls = connector.check(GOOD, config.metrics[GOOD])
    assert type(calls) is int and calls >= 0
    assert calls == len(fake.calls()), "the calls counted are the requests the source answered"
    assert fake.data_calls() == []


def test_check_locates_the_wrong_value(connector, config, harness, name, fake):
    with pytest.raises(MappingError) as caught:
        connector.check(BAD, config.metrics[BAD])
    error = caught.value
    assert error.location == ("metrics", BAD, *harness.bad_field)
    assert error.source == name and harness.bad_value in error.message
    assert isinstance(error, SourceConfigurationError) and isinstance(error, SourceError)
    for kept in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
        assert type(kept) is MappingError
        assert (kept.location, kept.message, str(kept)) == (error.location, error.message, str(error))
    assert fake.data_calls() == []


def test_the_sources_own_errors_are_source_errors(source_type, harness):
    package = importlib.import_module(SOURCE_KINDS[source_type].settings.__module__.rpartition(".")[0])
    errors = {
        value.__name__: value
        for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}.")
        for value in vars(importlib.import_module(module.name)).values()
        if isinstance(value, type) and issubclass(value, BaseException) and f"{value.__module__}.".startswith(f"{package.__name__}.")
    }
    assert set(harness.internal_errors) <= set(errors), "an internal error the harness names is gone"
    assert [error for error in errors if error not in harness.internal_errors and not issubclass(errors[error], SourceError)] == []


def test_read_gives_a_float_per_day_of_the_window(connector, config, harness, fake):
    spec = config.metrics[GOOD]
    reading = connector.read(GOOD, spec, WINDOW, AS_OF)
    assert isinstance(reading, MetricReading) and reading.metric == GOOD
    days = WINDOW.days() if spec.nature is MetricNature.FLOW else [AS_OF]
    assert list(reading.values) == days
    assert all(type(value) is float for value in reading.values.values())
    assert reading.values == {day: float(DAILY.get(day, 0)) for day in days}
    assert reading.api_calls == harness.read_calls == len(fake.calls())
    assert bool(fake.data_calls()) == (harness.read_calls > 0), "a read that calls the source queries its data"


def test_read_total_is_the_windows_figure_in_as_few_calls_as_a_read(connector, config, harness, fake):
    spec = config.metrics[GOOD]
    assert spec.nature is MetricNature.FLOW, "each harness's good metric has a window"
    total = connector.read_total(GOOD, spec, WINDOW, AS_OF)
    assert isinstance(total, WindowTotal) and (total.metric, total.window) == (GOOD, WINDOW)
    assert type(total.value) is float and total.value == float(sum(DAILY.values())), "each fake's window figure is its days' sum"
    assert total.api_calls == len(fake.calls()) <= max(harness.read_calls, 1) + 1
    with pytest.raises(MappingError):
        connector.read_total(BAD, config.metrics[BAD], WINDOW, AS_OF)


def test_read_of_the_wrong_value_fails_before_querying_data(connector, config, harness, fake):
    with pytest.raises(MappingError) as caught:
        connector.read(BAD, config.metrics[BAD], WINDOW, AS_OF)
    assert caught.value.location == ("metrics", BAD, *harness.bad_field)
    assert fake.data_calls() == []


def test_catalogue_lists_what_can_be_mapped(connector, source_type, harness, name, fake):
    catalogue = connector.catalog()
    assert isinstance(catalogue, Catalogue)
    assert (catalogue.source, catalogue.type) == (name, SOURCE_KINDS[source_type].type)
    assert catalogue.tables and catalogue.api_calls == len(fake.calls())
    for table in catalogue.tables:
        assert [row for row in table.rows if not set(row) <= set(table.columns)] == [], f"table {table.name} has rows beyond its columns"
    json.dumps(catalogue.to_json())

    def mentions(row: dict) -> bool:
        return any(harness.catalog_text.casefold() in str(value).casefold() for value in row.values())

    found = catalogue.matching(harness.catalog_text)
    assert {table.name: table.rows for table in found.tables} == {
        table.name: [row for row in table.rows if mentions(row)] for table in catalogue.tables if any(mentions(row) for row in table.rows)
    }
    assert 0 < sum(len(table.rows) for table in found.tables) < sum(len(table.rows) for table in catalogue.tables)


def test_a_missing_credential_is_named_without_a_client_traceback(source_type, harness, name, config, fake, monkeypatch):
    kind = SOURCE_KINDS[source_type]
    variables = {field.default for field_name, field in kind.settings.model_fields.items() if field_name.endswith("_env")}
    if harness.credential_env is None:
        assert variables == set(), "the harness says the source has no credential, but its settings name a variable"
        for variable in {other.credential_env for other in HARNESSES.values()} - {None}:
            monkeypatch.delenv(variable, raising=False)
        assert build(name, config, fake).check(GOOD, config.metrics[GOOD]) >= 0
        return
    assert harness.credential_env in variables
    for value in (None, " \n"):  # unset, or blank as $(cat empty-file) leaves it
        if value is None:
            monkeypatch.delenv(harness.credential_env)
        else:
            monkeypatch.setenv(harness.credential_env, value)
        with pytest.raises(SourceConfigurationError) as caught:
            build(name, config, fake).check(GOOD, config.metrics[GOOD])
        assert harness.credential_env in caught.value.message
        assert caught.value.__cause__ is None and caught.value.__context__ is None
        assert [str(entry.path) for entry in caught.traceback if not any(Path(entry.path).is_relative_to(ours) for ours in OUR_CODE)] == []
    assert fake.calls() == []


def test_a_credential_kept_in_a_secret_block_is_handed_in(source_type, harness, name, fake, monkeypatch):
    if harness.credential_env is None:
        return
    kind = SOURCE_KINDS[source_type]
    [block_key] = [field_name for field_name in kind.settings.model_fields if field_name.endswith("_block")]
    secret = SecretStr(os.environ[harness.credential_env])
    monkeypatch.delenv(harness.credential_env)
    text = json.loads(config_text(name, harness, fake))
    text["sources"][name][block_key] = "acme-credential"
    config = parse_config(json.dumps(text))
    assert config.secret_blocks() == {"acme-credential": ("sources", name, block_key)}
    built = connector_for(name, config.sources[name], config.metrics, base_dir=fake.base_dir, services=RunServices({"acme-credential": secret}))
    try:
        assert built.read(GOOD, config.metrics[GOOD], WINDOW, AS_OF).values == {day: float(DAILY.get(day, 0)) for day in WINDOW.days()}
    finally:
        built.close()
    calls = len(fake.calls())
    with pytest.raises(SourceConfigurationError) as caught:  # a block the wiring layer did not hand in
        connector_for(name, config.sources[name], config.metrics, base_dir=fake.base_dir, services=RunServices({}))
    assert caught.value.message.startswith("Prefect Secret block 'acme-credential' was not read; it must hold ")
    assert len(fake.calls()) == calls
    variable_key = f"{block_key.removesuffix('_block')}_env"
    both = {**text["sources"][name], variable_key: harness.credential_env}
    with pytest.raises(ConfigError, match=rf"sources\.{name}: give {variable_key} \(an environment variable\) or {block_key} \(a Prefect Secret block\), not both"):
        parse_config(json.dumps({**text, "sources": {name: both}}))


def test_close_can_be_called_twice(connector, name, config, fake):
    connector.read(GOOD, config.metrics[GOOD], WINDOW, AS_OF)
    unused = build(name, config, fake)
    for built in (connector, connector, unused, unused):
        built.close()
