"""``okr catalog``, ``okr metrics list|preview`` and ``okr sandbox``: discover what a source
offers, try a mapping live before it feeds a number, and serve the demo's HubSpot."""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from connectors import CatalogTable, SourceError
from flows.cli_common import (
    DEFAULT_CONFIG,
    EXIT_FAILED,
    AsOfOption,
    ConfigOption,
    as_of_day,
    console,
    errors,
    fail,
    load,
    open_store,
    parse_day,
    say,
)
from okrmodel.config import Config, ConfigError, MetricSettings
from okrmodel.config_errors import did_you_mean
from okrmodel.periods import WindowKind
from okrmodel.yaml_source import YamlDocument
from reports.formatting import format_number

if TYPE_CHECKING:
    from flows.mapping import MetricPreview

# flows.mapping (the connectors' reads and the sync's pipeline behind them) is imported by the
# commands that read a source, so that the other okr commands start without it.

__all__ = ["catalog", "metrics_app", "sandbox"]

metrics_app = typer.Typer(help="The metrics behind the key results: list them, preview one live.", no_args_is_help=True)

JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON for tools instead of tables.")]


def catalog(
    source: Annotated[str | None, typer.Argument(help="A source name of the config (default: every source).", show_default=False)] = None,
    search: Annotated[str | None, typer.Option("--search", "-s", help="Only rows containing this text (case-insensitive).")] = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_json: JsonOption = False,
) -> None:
    """List what can be mapped, read live: stages, properties and options, pipelines, emails, campaigns, metrics, dimensions."""
    from flows.mapping import read_catalogues

    config = load(config_path)
    if source is not None and source not in config.sources:
        fail(f"{config_path}: no source {source!r}; the config has {', '.join(config.sources) or 'none'}")
    results = read_catalogues(config, source, search)
    if as_json:
        sys.stdout.write(json.dumps({"sources": [result.to_json() for result in results]}, indent=2, default=str) + "\n")
    else:
        for result in results:
            if result.catalogue is None:
                continue
            for table in result.catalogue.tables:
                console.print(_catalog_table(result.source, table))
            calls, tables = result.catalogue.api_calls, len(result.catalogue.tables)
            found = f"{tables} list{'s' if tables != 1 else ''}" if tables or not search else f"nothing matches {search!r}"
            say(f"{result.source}: {found}, {calls} API call{'s' if calls != 1 else ''}")
    failed = [result for result in results if result.error]
    for result in failed:
        # Source errors already start with the source's name.
        errors.print(str(result.error), markup=False, highlight=False, soft_wrap=True)
    if failed:
        raise typer.Exit(EXIT_FAILED)


def _catalog_table(source: str, table: CatalogTable) -> Table:
    caption = f"map with {table.mapping}" if table.mapping else None
    rendered = Table(title=f"{source}: {table.title} ({len(table.rows)})", caption=caption, title_justify="left", caption_justify="left")
    for column in table.columns:
        rendered.add_column(column, overflow="fold")
    for row in table.rows:
        rendered.add_row(*(_cell(row.get(column)) for column in table.columns))
    return rendered


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list | tuple):
        return ", ".join(_cell(item) for item in value)
    return str(value)


@metrics_app.command("list")
def list_metrics(config_path: ConfigOption = DEFAULT_CONFIG, as_of: AsOfOption = None, as_json: JsonOption = False) -> None:
    """Every metric with the key results it feeds, its newest stored day and value, and its last fetch."""
    from flows.mapping import metric_uses

    config = load(config_path)
    day = as_of_day(as_of, config)
    with open_store(config) as store:
        uses = metric_uses(config, store, day)
    if as_json:
        sys.stdout.write(json.dumps({"as_of": day.isoformat(), "metrics": [use.to_json() for use in uses]}, indent=2) + "\n")
        return
    table = Table(title=f"Metrics of {config.company} as of {day}", title_justify="left")
    for column in ("metric", "source", "kind", "feeds", "newest day", "value", "last fetch"):
        table.add_column(column, justify="right" if column == "value" else "left", overflow="fold")
    for use in uses:
        feeds = ", ".join(use.key_results) if use.key_results else "no key result"
        value = format_number(use.newest_value) if use.newest_value is not None else "-"
        outcome = "never" if use.last_fetch is None else use.last_fetch.split(":", 1)[0] if ":" in use.last_fetch else "ok"
        table.add_row(use.metric, use.source, use.kind, feeds, use.newest_day.isoformat() if use.newest_day else "-", value, outcome)
    console.print(table)
    for use in uses:
        if use.unused:
            errors.print(f"warning: metric {use.metric!r} feeds no key result (okr lint says so too)", markup=False, highlight=False, soft_wrap=True)


@metrics_app.command("preview")
def preview(
    name: Annotated[str, typer.Argument(metavar="NAME", help="A metric of the config, or a new name with --define.")],
    define: Annotated[
        str | None,
        typer.Option("--define", help="Try a mapping not yet in the file, as YAML: '{source: hubspot, kind: contacts_entered_stage, stage: customer}'."),
    ] = None,
    window: Annotated[WindowKind | None, typer.Option("--window", help="The window to read (default: the first KR's that reads it, else the period).")] = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    as_json: JsonOption = False,
) -> None:
    """Read one metric live and store nothing: its daily series, its value over the window, the API calls used."""
    from flows.mapping import preview_metric
    from flows.pipeline import failure_message

    config = load(config_path)
    spec = _defined_metric(config, define) if define is not None else _configured_metric(config, config_path, name)
    day = as_of_day(as_of, config)
    try:
        result = preview_metric(config, name, spec, day, window)
    except ValueError as error:
        fail(f"--window: {error}")
    except SourceError as error:
        fail(failure_message(config, error) if define is None else str(error), EXIT_FAILED)
    if as_json:
        sys.stdout.write(json.dumps(result.to_json(), indent=2) + "\n")
        return
    _print_preview(result)


def _configured_metric(config: Config, config_path: Any, name: str) -> MetricSettings:
    if name not in config.metrics:
        fail(f"{config_path}: no metric {name!r}{did_you_mean(name, config.metrics)}; to try a new mapping, add --define '{{source: ..., kind: ...}}'")
    return config.metrics[name]


def _defined_metric(config: Config, text: str) -> MetricSettings:
    try:
        document = YamlDocument.parse(text, "--define")
        if not isinstance(document.data, dict):
            fail("--define: give the metric as a mapping, such as '{source: hubspot, kind: contacts_created}'")
        return config.parse_metric(document.data)
    except ConfigError as error:
        fail(str(error))


def _print_preview(result: MetricPreview) -> None:
    spec, window = result.spec, result.window
    figure = "snapshot" if result.window_kind is WindowKind.LATEST else f"{result.window_kind.value.replace('_', ' ')} {window.first_day} to {window.last_day}"
    what = {"window_total": "window total, each counted once", "sum_of_days": "sum of the daily values", "snapshot": "snapshot"}[result.value_is]
    say(f"{result.metric} ({spec.source} {spec.kind}), {figure}: {format_number(result.value)} ({what})")
    if result.window_kind is not WindowKind.LATEST:
        console.print(_weeks_table(result.reading.values, daily_only=result.total is not None))
    if result.total is not None:
        say(
            f"note: {spec.unique_units or 'a unique count'} do not add up over days: the daily values above sum to "
            f"{format_number(result.daily_sum)}, counting each one again on every day they came; key results use the window total"
        )
    for caveat in spec.caveats:
        say(f"note: {caveat}")
    calls = result.api_calls
    say(f"{calls} API call{'s' if calls != 1 else ''}; nothing stored")


def _weeks_table(values: dict[date, float], *, daily_only: bool = False) -> Table:
    """The daily series a week per row, Monday first, so a quarter fits one screen; with a week's
    sum, unless the days of a unique count (``daily_only``), whose sum is no week's figure."""
    table = Table(title="daily values (each day counted on its own)" if daily_only else "daily values", title_justify="left")
    table.add_column("week of")
    for weekday in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"):
        table.add_column(weekday, justify="right")
    if not daily_only:
        table.add_column("week", justify="right")
    for monday, days in _weeks(values):
        cells = [format_number(values[day]) if day in values else "" for day in days]
        week = [] if daily_only else [format_number(sum(values.get(day, 0.0) for day in days))]
        table.add_row(monday.isoformat(), *cells, *week)
    return table


def _weeks(values: dict[date, float]) -> Iterable[tuple[date, list[date]]]:
    if not values:
        return
    monday = min(values) - timedelta(days=min(values).weekday())
    while monday <= max(values):
        yield monday, [monday + timedelta(days=offset) for offset in range(7)]
        monday += timedelta(days=7)


def sandbox(
    port: Annotated[int, typer.Option("--port", help="Where to listen on 127.0.0.1 (the demo's config points at 8765).")] = 8765,
    as_of: Annotated[str | None, typer.Option("--as-of", help="Last day of data, YYYY-MM-DD (default: today in the demo's zone).", show_default=False)] = None,
) -> None:
    """Serve the demo's HubSpot sandbox until Ctrl-C, so `okr sync -c .okr/demo/okrs.yaml` works after `okr demo`."""
    from flows.demo import DEMO_TOKEN_ENV, demo_sandbox

    server = demo_sandbox(parse_day(as_of, "--as-of") if as_of else None, port)
    try:
        base_url = server.start()
    except OSError as error:
        fail(f"--port: cannot listen on 127.0.0.1:{port}: {error.strerror or error} (is `okr sandbox` already running?)", EXIT_FAILED)
    dataset = server.dataset
    say(f"HubSpot sandbox at {base_url}: {len(dataset.contacts):,} contacts, {len(dataset.deals):,} deals, {len(dataset.emails)} emails")
    say("In another shell:")
    say(f"  export {DEMO_TOKEN_ENV}={server.token}")
    say("  okr sync -c .okr/demo/okrs.yaml")
    say("Between two syncs, archive records as a portal's users do (the next sync corrects the days they were on):")
    say(f"""  curl -X POST {base_url}/__sandbox/archive -d '{{"objectType": "contacts", "share": 0.15}}'""")
    say("Ctrl-C to stop.")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
