"""The ``okr`` command line: validate, lint, sync, report, status, checkin, history, close, demo."""

from __future__ import annotations

import getpass
import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.table import Table
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from connectors import load_config
from flows.pipeline import SyncSummary
from okrmodel.closing import PeriodNotOver, close_period
from okrmodel.config import Config, ConfigError, KeyResult
from okrmodel.evaluation import KeyResultStatus, StatusReport, evaluate
from okrmodel.history import key_result_history
from okrmodel.lint import lint as lint_config
from okrmodel.periods import today_in
from okrmodel.run_log import metric_freshness, recent_runs
from okrmodel.storage import Store
from okrmodel.yaml_source import YamlDocument
from reports.formatting import format_approximate

__all__ = ["app", "main"]

app = typer.Typer(
    help="Keep quarterly OKRs current from HubSpot and report their status.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console()
errors = Console(stderr=True)

ConfigOption = Annotated[
    Path,
    typer.Option("-c", "--config", envvar="OKR_CONFIG", help="The OKR file (else $OKR_CONFIG, else ./okrs.yaml).", show_default=False),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Compute as of the end of this day, YYYY-MM-DD (default: today in the config's time zone).", show_default=False),
]
DEFAULT_CONFIG = Path("okrs.yaml")
# 03:00 in the company's zone: the day has closed and HubSpot's index caught up.
DEFAULT_CRON = "0 3 * * *"
EXIT_FAILED = 1
EXIT_USAGE = 2


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    errors.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _config(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as error:
        _fail(str(error))


def _as_of(text: str | None, config: Config) -> date:
    if text is None:
        return today_in(config.zone)
    try:
        as_of = date.fromisoformat(text)
    except ValueError:
        _fail(f"--as-of: {text!r} is not a date in the form YYYY-MM-DD")
    period = config.periods[0]
    if as_of < period.first_day:
        _fail(f"--as-of: {as_of} is before period {period.label} starts ({period.first_day})")
    return as_of


def _key_result(config: Config, config_path: Path, key_result_id: str) -> KeyResult:
    try:
        return config.key_result(key_result_id)[1]
    except KeyError as error:
        _fail(f"{config_path}: {error.args[0]}")


@contextmanager
def _store(config: Config) -> Iterator[Store]:
    """The config's store, or one clear line (password hidden) when the database cannot be opened."""
    url = config.storage_url()
    try:
        store = Store(url)
    except (SQLAlchemyError, OSError, ImportError) as error:
        _fail(f"cannot open the database {_safe_url(url)}: {_first_line(error)}")
    with store:
        yield store


def _safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(an unparseable database URL)"


def _first_line(error: BaseException) -> str:
    # SQLAlchemy wraps the driver's error and appends its SQL and a help link.
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


def _report(config: Config, as_of: date) -> StatusReport:
    with _store(config) as store:
        return evaluate(config, store, as_of)


@app.command()
def validate(config_path: ConfigOption = DEFAULT_CONFIG) -> None:
    """Check the OKR file against the schema; every problem is listed with its location."""
    config = _config(config_path)
    key_results = sum(len(objective.key_results) for objective in config.objectives)
    console.print(
        f"{config_path}: valid ({len(config.objectives)} objectives, {key_results} key results, "
        f"{len(config.metrics)} metrics, period {config.period_label})",
        markup=False, highlight=False, soft_wrap=True,
    )


@app.command()
def lint(
    config_path: ConfigOption = DEFAULT_CONFIG,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any rule of the method is broken.")] = False,
) -> None:
    """Check the OKRs against the method's rules (3-5 objectives, numbers not percentages, owners...)."""
    config = _config(config_path)
    findings = lint_config(config)
    document = YamlDocument.parse(config_path.read_text(encoding="utf-8"), str(config_path))
    for finding in findings:
        errors.print(f"warning: {finding.render(str(config_path), document.line_of(finding.location))}", markup=False, highlight=False, soft_wrap=True)
    if not findings:
        console.print(f"{config_path}: follows the method (no findings)", markup=False, highlight=False, soft_wrap=True)
        return
    console.print(f"{config_path}: {len(findings)} finding{'s' if len(findings) != 1 else ''}", markup=False, highlight=False, soft_wrap=True)
    if strict:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def sync(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the report (default: .okr/reports/ beside the config).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read every day of each window, not only the days not yet final (changed days become new revisions).")] = False,
    email: Annotated[bool, typer.Option("--email/--no-email", help="Email the report when the config has email: (default) or not.")] = True,
) -> None:
    """Run the nightly flow once: fetch every metric, store it, recompute, render (and email) the report."""
    config = _config(config_path)
    day = _as_of(as_of, config)
    _check_report_path(out)
    with _store(config):
        pass  # a database that cannot be opened fails here, in one line, before any HubSpot call
    from flows.nightly import SyncIncomplete, nightly_sync

    try:
        summary = nightly_sync(str(config_path), as_of=day, report_path=str(out) if out else None, full_refresh=full, send_email=email)
    except SyncIncomplete as incomplete:
        summary = incomplete.summary
    _print_sync(summary)
    if summary.incomplete:
        raise typer.Exit(EXIT_FAILED)


def _print_errors(failures: Iterable[tuple[str, str | None]]) -> None:
    """Errors go below a table, whole (a folded cell would cut them apart), once
    per distinct error: a rejected token fails every metric alike."""
    metrics_by_error: dict[str, list[str]] = {}
    for metric, error in failures:
        metrics_by_error.setdefault(error or "unknown error", []).append(metric)
    for error, metrics in metrics_by_error.items():
        errors.print(f"{', '.join(metrics)}: {error}", markup=False, highlight=False, soft_wrap=True)


def _print_sync(summary: SyncSummary) -> None:
    table = Table(title=f"Sync as of {summary.as_of}: {summary.status} ({summary.api_calls} API calls)")
    for column, justify in (("metric", "left"), ("status", "left"), ("days read", "right"), ("new values", "right"), ("calls", "right")):
        table.add_column(column, justify=justify)
    for outcome in summary.metrics:
        days = (outcome.last_day - outcome.first_day).days + 1 if outcome.first_day and outcome.last_day else 0
        table.add_row(outcome.metric, outcome.status, str(days), str(outcome.values_added), str(outcome.api_calls))
    console.print(table)
    _print_errors((outcome.metric, outcome.error) for outcome in summary.failed)
    console.print(f"Run id: {summary.run_id}", markup=False, highlight=False, soft_wrap=True)
    if summary.report_path:
        console.print(f"Report: {summary.report_path}", markup=False, highlight=False, soft_wrap=True)
    if summary.emailed_to:
        console.print(f"Emailed to: {', '.join(summary.emailed_to)}", markup=False, highlight=False, soft_wrap=True)
    if summary.report_error:
        errors.print(f"Report not written: {summary.report_error}", markup=False, highlight=False, soft_wrap=True)
    if summary.email_error:
        errors.print(f"Report not emailed: {summary.email_error}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def report(
    out: Annotated[Path, typer.Option("--out", "-o", help="The HTML file to write.")],
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
) -> None:
    """Render the status report from stored data only (no network)."""
    from reports import write_report

    config = _config(config_path)
    status_report = _report(config, _as_of(as_of, config))
    _check_report_path(out)
    try:
        path = write_report(status_report, out)
    except OSError as error:
        _fail(f"--out: cannot write {out}: {error.strerror or error}")
    console.print(f"Report: {path}", markup=False, highlight=False, soft_wrap=True)


def _check_report_path(out: Path | None) -> None:
    """Refuse a report path that cannot be written before any work is done."""
    if out is None:
        return
    if out.is_dir():
        _fail(f"--out: {out} is a folder; give the HTML file's path")
    try:
        out.expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        _fail(f"--out: cannot create the folder of {out}: {error.strerror or error}")


@app.command()
def status(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")] = False,
) -> None:
    """Show each objective's and key result's actual, progress and status."""
    config = _config(config_path)
    status_report = _report(config, _as_of(as_of, config))
    if as_json:
        sys.stdout.write(json.dumps(status_report.to_json(), indent=2) + "\n")
        return
    table = Table(title=f"{status_report.company}: {status_report.period} as of {status_report.as_of} (expected {status_report.expected:.0%})")
    # Numbers never wrap or get cut; the title column takes what width is left.
    table.add_column("key result")
    for column in ("actual", "target", "progress", "forecast", "status"):
        table.add_column(column, no_wrap=True, justify="left" if column == "status" else "right")
    for objective in status_report.objectives:
        progress = f"{objective.progress:.0%}" if objective.progress is not None else "-"
        title = objective.title + (f" (under {objective.parent})" if objective.parent else "")
        rollup = f", roll-up {objective.rollup_progress:.0%} {objective.rollup_status.value}" if objective.rollup_progress is not None and objective.rollup_status else ""
        objective_status = objective.status.value + ("" if objective.score is None else f" score {objective.score:.1f}") + rollup
        table.add_row(f"[bold]{title}[/bold]", "", "", progress, "", objective_status, end_section=False)
        for key_result in objective.key_results:
            table.add_row(
                f"  {key_result.id}: {key_result.title}", _number(key_result.actual), _number(key_result.target),
                f"{key_result.progress:.0%}" if key_result.progress is not None else "-",
                format_approximate(key_result.forecast) if key_result.forecast is not None else "-", _key_result_status(key_result),
            )
        table.add_section()
    console.print(table)


def _number(value: float | None) -> str:
    return f"{value:,.10g}" if value is not None else "-"


def _key_result_status(key_result: KeyResultStatus) -> str:
    text = key_result.status.value
    if key_result.stale and key_result.newest_data_day:
        text += f" (newest data {key_result.newest_data_day})"
    if key_result.score is not None:
        text += f" score {key_result.score:.1f}"
    if key_result.checkin and key_result.checkin.wins and key_result.automated_actual is not None:
        text += f" (check-in overrides synced {key_result.automated_actual:,.10g})"
    return text


@app.command()
def checkin(
    key_result_id: Annotated[str, typer.Argument(metavar="KR_ID", help="The key result's id.")],
    value: Annotated[float, typer.Argument(help="The value reached.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, or what changed.")] = None,
    author: Annotated[str | None, typer.Option("--author", envvar="OKR_AUTHOR", help="Who reports it (default: your login).")] = None,
    pin: Annotated[bool, typer.Option("--pin", help="Keep overriding the synced value until the next check-in (else only until the next sync).")] = False,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
) -> None:
    """Record a manual value for a key result (kept beside synced values, never replacing them)."""
    config = _config(config_path)
    key_result = _key_result(config, config_path, key_result_id)
    day = _as_of(as_of, config)
    with _store(config) as store:
        store.add_checkin(key_result.id, day, value, author or getpass.getuser(), note, pinned=pin)
    pinned = " (pinned)" if pin else ""
    console.print(f"Checked in {key_result.id} = {value:,.10g} for {day}{pinned}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def history(
    key_result_id: Annotated[str, typer.Argument(metavar="KR_ID", help="The key result's id.")],
    config_path: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Print every value a key result was given: synced revisions and check-ins, with provenance."""
    config = _config(config_path)
    key_result = _key_result(config, config_path, key_result_id)
    period = next(period for period in config.periods if period.label == config.key_result_period(key_result))
    with _store(config) as store:
        entries = key_result_history(store, key_result.id, key_result.metric, period.first_day, period.last_day)
    console.print(f"History of {key_result.id}: {key_result.title} ({period.label}), oldest first", markup=False, highlight=False, soft_wrap=True)
    for entry in entries:
        flags = [flag for flag, on in (("superseded", entry.superseded), ("pinned", entry.pinned)) if on]
        origin = f"sync r{entry.revision} from {entry.source}, run {entry.sync_run_id}" if entry.kind == "sync" else f"checkin by {entry.author}"
        line = f"{entry.recorded_at:%Y-%m-%d %H:%M:%S} UTC  day {entry.day}  value {entry.value:,.10g}  {origin}"
        line += f" ({', '.join(flags)})" if flags else ""
        line += f"  note: {entry.note}" if entry.note else ""
        # One line per record, never wrapped, so it greps and diffs cleanly.
        console.print(line, markup=False, highlight=False, soft_wrap=True)
    if not entries:
        console.print("Nothing recorded yet.", markup=False, highlight=False)


@app.command()
def close(
    period: Annotated[str, typer.Argument(metavar="PERIOD", help="The period to close, such as 2026-Q3.")],
    by: Annotated[str | None, typer.Option("--by", envvar="OKR_AUTHOR", help="Who closes it (default: your login).")] = None,
    force: Annotated[bool, typer.Option("--force", help="Close a period that has not ended yet (its values freeze as they are now).")] = False,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
) -> None:
    """Freeze a period's final values and scores; later syncs no longer change its report."""
    config = _config(config_path)
    day = _as_of(as_of, config)
    try:
        with _store(config) as store:
            report, frozen_now = close_period(config, store, period.strip().upper(), by or getpass.getuser(), as_of=day, force=force)
    except KeyError as error:
        _fail(f"{config_path}: {error.args[0]}")
    except PeriodNotOver as error:
        _fail(f"{config_path}: {error}")
    verb = "Closed" if frozen_now else "Already closed:"
    score = f"{report.score:.2f}" if report.score is not None else "-"
    console.print(f"{verb} {report.period}, score {score}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def email(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    to: Annotated[list[str] | None, typer.Option("--to", help="Send to this address instead of the config's recipients (repeatable).")] = None,
) -> None:
    """Email the status report, computed from stored data only (no HubSpot calls), via the config's email: settings."""
    from pydantic import ValidationError

    from reports import EmailDeliveryError, build_status_email, render_report, send_email

    config = _config(config_path)
    if config.email is None:
        _fail(f"{config_path}: email: is not configured (smtp_host, sender, recipients); see the README")
    settings = config.email
    if to:
        try:
            settings = settings.model_validate({**settings.model_dump(), "recipients": to})
        except ValidationError as error:
            _fail(f"--to: {error.errors()[0]['msg'].removeprefix('Value error, ')}")
    status_report = _report(config, _as_of(as_of, config))
    try:
        send_email(build_status_email(status_report, render_report(status_report), settings), settings, settings.password())
    except EmailDeliveryError as error:
        _fail(f"Report not emailed: {error}", EXIT_FAILED)
    console.print(f"Emailed the {status_report.period} report as of {status_report.as_of} to {', '.join(settings.recipients)}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def runs(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many recent runs to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for monitoring instead of tables.")] = False,
) -> None:
    """Show recent sync runs and each metric's freshness: newest day stored, last success, last error."""
    config = _config(config_path)
    day = _as_of(as_of, config)
    with _store(config) as store:
        run_rows = recent_runs(store, limit)
        freshness = metric_freshness(config, store, day)
    if as_json:
        document = {"runs": [run.to_json() for run in run_rows], "metrics": [row.to_json() for row in freshness]}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    table = Table(title=f"Last {len(run_rows)} sync runs")
    for column in ("started (UTC)", "as of", "status", "metrics ok", "failed", "API calls"):
        table.add_column(column, no_wrap=True)
    for run in run_rows:
        table.add_row(run.started_at.strftime("%Y-%m-%d %H:%M"), run.as_of.isoformat(), run.status, str(run.metrics_succeeded), str(run.metrics_failed), str(run.api_calls))
    console.print(table)
    table = Table(title=f"Metric freshness as of {day}")
    for column in ("metric", "newest day", "last success (UTC)", "last attempt"):
        table.add_column(column, no_wrap=column != "metric")
    for row in freshness:
        success = row.last_success_at.strftime("%Y-%m-%d %H:%M") if row.last_success_at else "never"
        table.add_row(row.metric, row.newest_day.isoformat() if row.newest_day else "-", success, "failed" if row.last_attempt_failed else "ok")
    console.print(table)
    _print_errors((row.metric, row.last_error) for row in freshness if row.last_attempt_failed)


@app.command()
def serve(
    config_paths: Annotated[
        list[Path] | None,
        typer.Option("-c", "--config", envvar="OKR_CONFIG", show_default=False,
                     help="An OKR file; repeat to serve several companies from one process (else $OKR_CONFIG, else ./okrs.yaml)."),
    ] = None,
    cron: Annotated[str, typer.Option("--cron", help="When to sync, as cron in each config's time zone.")] = DEFAULT_CRON,
) -> None:
    """Run the sync every night: serve the flow as a Prefect deployment per config until stopped (Ctrl-C).

    Point PREFECT_API_URL at a Prefect server to see runs, schedules and
    failures in its UI; without one, a temporary local server is used.
    """
    from prefect import serve as prefect_serve

    from flows.schedule import nightly_deployment

    deployments = []
    storage_urls: dict[str, Path] = {}
    for config_path in config_paths or [DEFAULT_CONFIG]:
        config = _config(config_path)
        try:
            deployment = nightly_deployment(config, config_path, cron)
        except ValueError as error:
            _fail(f"--cron: {cron!r} is not a cron expression ({error})")
        if any(existing.name == deployment.name for existing in deployments):
            _fail(f"{config_path}: another config already serves {deployment.name!r}; give each company its own name")
        # Rows carry no company: two companies in one database would mix their metrics.
        if config.storage_url() in storage_urls:
            _fail(f"{config_path}: shares its database with {storage_urls[config.storage_url()]}; give each company its own database_url (and leave OKR_DATABASE_URL unset)")
        storage_urls[config.storage_url()] = config_path
        deployments.append(deployment)
    prefect_serve(*deployments)


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo config, database and report.")] = Path(".okr/demo"),
) -> None:
    """Run the whole path on the built-in HubSpot sandbox and SQLite; prints the report's path."""
    from flows.demo import run_demo

    summary = run_demo(out)
    _print_sync(summary)
    if summary.incomplete:
        raise typer.Exit(EXIT_FAILED)


def main() -> None:
    """Console-script entry point."""
    app()
