"""The ``okr`` command line: validate, lint, sync, report, status, checkin, history, close, serve, deploy, demo, console."""

from __future__ import annotations

import gc
import getpass
import json
import signal
import sys
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table
from rich.text import Text

from flows.cli_common import (
    DEFAULT_CONFIG,
    EXIT_FAILED,
    EXIT_LOCKED,
    AsOfOption,
    ConfigOption,
    as_of_day,
    check_output_file,
    check_output_folder,
    console,
    errors,
    fail,
    key_result_of,
    load,
    open_store,
    parse_day,
    parse_number,
    parse_text,
    say,
)
from flows.cli_console import console as console_command
from flows.cli_mapping import catalog, metrics_app, sandbox
from flows.cli_remind import remind
from okrmodel.closing import PeriodNotOver, close_period
from okrmodel.evaluation import KeyResultStatus, evaluate
from okrmodel.history import key_result_history
from okrmodel.lint import lint as lint_config
from okrmodel.run_log import SyncFreshness, metric_freshness, own_run_since, recent_runs, sync_freshness
from okrmodel.status_json import report_json
from okrmodel.storage import Store
from reports.formatting import format_approximate

if TYPE_CHECKING:
    from flows.pipeline import SyncSummary
    from okrmodel.config import Config

# What only some commands need (Prefect, the sync's pipeline, the connectors' reads) is imported in
# those commands: every okr command pays for what this module imports.

__all__ = ["app", "main"]

app = typer.Typer(
    help="Keep quarterly OKRs current from HubSpot and report their status.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
# 03:00 in the company's zone: the day has closed and HubSpot's index caught up.
DEFAULT_CRON = "0 3 * * *"


def _wall_clock(ctx: typer.Context) -> datetime:
    """Now, for how long ago the sync last succeeded: the clock's, unless the caller set another
    (``CliRunner().invoke(app, ..., obj=moment)``), so that tests do not depend on today."""
    return ctx.obj if isinstance(ctx.obj, datetime) else datetime.now(UTC)


def _warn_if_overdue(sync: SyncFreshness) -> None:
    if sync.warning:
        errors.print(f"warning: {sync.warning}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def validate(
    config_path: ConfigOption = DEFAULT_CONFIG,
    online: Annotated[
        bool, typer.Option("--online", help="Also check every mapped value (stages, pipelines, options, campaigns, metric names) against its source, reading no data.")
    ] = False,
) -> None:
    """Check the OKR file against the schema; every problem is listed with its location (exit 2)."""
    config = load(config_path)
    if online:
        from flows.mapping import check_mappings
        from flows.pipeline import local_servers_down

        for problem in local_servers_down(config):
            fail(problem, EXIT_FAILED)
        checked = check_mappings(config)
        for problem in checked.failed.values():
            errors.print(problem, markup=False, highlight=False, soft_wrap=True)
        _print_errors(checked.unchecked.items())
        if checked.failed:
            fail(f"{config_path}: {len(checked.failed)} of {len(config.metrics)} metrics mapped to something their source does not have")
        if checked.unchecked:
            fail(f"{config_path}: {len(checked.unchecked)} of {len(config.metrics)} metrics could not be checked: their source did not answer (the mappings may be right)", EXIT_FAILED)
        say(f"{config_path}: all {len(checked.problems)} mappings found in their sources ({checked.api_calls} API calls)")
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
    config = load(config_path)
    findings = lint_config(config)
    for finding in findings:
        errors.print(f"warning: {finding.render(str(config_path), config.line_of(finding.location))}", markup=False, highlight=False, soft_wrap=True)
    if not findings:
        say(f"{config_path}: follows the method (no findings)")
        return
    say(f"{config_path}: {len(findings)} finding{'s' if len(findings) != 1 else ''}")
    if strict:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def sync(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    out: Annotated[Path | None, typer.Option("--out", help="Where to write the report (default: .okr/reports/ beside the config).")] = None,
    full: Annotated[bool, typer.Option("--full", help="Re-read every day of each window, not only the days not yet final (changed days become new revisions).")] = False,
    email: Annotated[bool, typer.Option("--email/--no-email", help="Email the report when the config has email: (default) or not.")] = True,
    notify: Annotated[bool, typer.Option("--notify/--no-notify", help="Post the digest to the config's notify: channels (default) or not.")] = True,
    all_in: Annotated[Path | None, typer.Option("--all", help="Sync every company config (*.yaml) in this folder, one flow run each, and write the portfolio page.", file_okay=False)] = None,
    parallel: Annotated[int, typer.Option("--parallel", min=1, max=16, help="With --all: how many companies sync at once (each has its own portal and limits).")] = 4,
    wait: Annotated[bool, typer.Option("--wait", help="When another sync of the company is running, wait for it to finish instead of exiting 75.")] = False,
) -> None:
    """Run the nightly flow once: fetch every metric, store it, recompute, render (and email and post) the report.

    One sync of a company runs at a time: while another runs, this one exits 75 at once
    (or waits, with --wait). SIGTERM or Ctrl-C stop it, recording the run as interrupted.
    """
    if all_in is not None:
        if out is not None:
            fail("--out: with --all every company's report goes to its own archive; leave --out out")
        _sync_all(all_in, parse_day(as_of, "--as-of") if as_of else None, full=full, email=email, notify=notify, parallel=parallel, wait=wait)
        return
    config = load(config_path)
    day = as_of_day(as_of, config)
    check_output_file(out)
    from flows.prefect_api import TemporaryServerError, starting_prefect_api
    from flows.signals import StopOnSignals
    from okrmodel.storage import SyncLocked

    newest_before: list[str | None] = []  # the newest run before this sync's, once known
    stop = StopOnSignals()
    try:
        # The temporary Prefect server (without PREFECT_API_URL) takes seconds to start: it starts
        # now, and the store, the local servers' check and the flow's imports are done meanwhile.
        with stop, starting_prefect_api() as prefect_ready:
            with open_store(config) as store:
                # A database that cannot be opened fails here, in one line, before any HubSpot call.
                running = [run for run in recent_runs(store, 1) if run.status == "running"] if wait else []
                newest_before.append(next((run.id for run in store.runs(1)), None))
            from flows.pipeline import local_servers_down

            for problem in local_servers_down(config):
                fail(problem, EXIT_FAILED)
            from flows.nightly import SyncIncomplete, nightly_sync

            if running:
                errors.print(f"another sync of {config.company} is running (since {running[0].started_at:%Y-%m-%d %H:%M:%S} UTC): waiting for it to finish", markup=False, highlight=False, soft_wrap=True)
            prefect_ready()
            try:
                summary = nightly_sync(
                    str(config_path), as_of=day, report_path=str(out) if out else None, full_refresh=full, send_email=email, send_notify=notify, wait_for_lock=wait
                )
            except SyncIncomplete as incomplete:
                summary = incomplete.summary
    except SyncLocked as locked:
        fail(f"{config_path}: {locked}: this sync did nothing; run okr sync --wait to queue behind it", EXIT_LOCKED)
    except TemporaryServerError as error:
        fail(f"{error}; set PREFECT_API_URL to use a running Prefect server instead", EXIT_FAILED)
    if stop.signal is not None:
        fail(f"{config_path}: {_stopped_sync(config, signal.Signals(stop.signal).name, newest_before)}", 128 + stop.signal)
    _print_sync(summary)
    if summary.incomplete:
        raise typer.Exit(EXIT_FAILED)


def _stopped_sync(config: Config, signal_name: str, newest_before: list[str | None]) -> str:
    """What a sync stopped by ``signal_name`` leaves, as its run's record says: the signal may land
    before the run begins, during it, or after it ended (while the portal is handed over)."""
    interrupted = f"sync stopped by {signal_name}: the values read until then are stored, its run{{}} is recorded as interrupted (okr runs)"
    if not newest_before:
        return interrupted.format(" (if begun)")
    try:
        with Store(config.storage_url()) as store:
            run = own_run_since(store, newest_before[0])
    except Exception:  # the line still goes out, saying less
        return interrupted.format(" (if begun)")
    if run is None:
        return f"sync stopped by {signal_name} before its run began: nothing was read"
    if run.status == "interrupted":
        return interrupted.format("")
    return f"sync stopped by {signal_name} after its run had ended ({run.status}): what it read and recorded stands (okr runs)"


def _sync_all(folder: Path, as_of: date | None, *, full: bool, email: bool, notify: bool, parallel: int, wait: bool) -> None:
    from flows.nightly import SyncIncomplete, nightly_sync
    from flows.portfolio import NoCompanyConfigs, company_configs, portfolio_page, sync_companies, write_portfolio
    from flows.prefect_api import TemporaryServerError, prefect_api
    from flows.signals import StopOnSignals

    try:
        paths = company_configs(folder)
    except NoCompanyConfigs as error:
        fail(str(error))

    def sync_one(path: Path) -> SyncSummary:
        try:
            return nightly_sync(str(path), as_of=as_of, full_refresh=full, send_email=email, send_notify=notify, wait_for_lock=wait)
        except SyncIncomplete as incomplete:
            return incomplete.summary

    stop = StopOnSignals()
    try:
        with stop, prefect_api():
            syncs = sync_companies(paths, sync_one, parallel=parallel)
    except TemporaryServerError as error:
        fail(f"{error}; set PREFECT_API_URL to use a running Prefect server instead", EXIT_FAILED)
    if stop.signal is not None:
        fail(f"{folder}: sync stopped by {signal.Signals(stop.signal).name}: what was read until then is stored, the runs begun are recorded as interrupted (okr runs)", 128 + stop.signal)
    table = Table(title=f"Sync of {len(syncs)} companies in {folder}")
    for column in ("company", "config", "status", "calls"):
        table.add_column(column)
    table.add_column("report", overflow="fold")
    for company in syncs:
        summary = company.summary
        report = str(summary.report_path) if summary is not None and summary.report_path else ""
        table.add_row(company.company, company.config_path.name, company.status, str(summary.api_calls) if summary else "", report)
    console.print(table)
    for company in syncs:
        if company.error:
            located = company.error if company.error.startswith(str(company.config_path)) else f"{company.config_path}: {company.error}"
            errors.print(located, markup=False, highlight=False, soft_wrap=True)
        elif company.summary is not None and company.summary.incomplete:
            errors.print(f"{company.config_path.name}: {company.summary.problems()}", markup=False, highlight=False, soft_wrap=True)
            _print_errors(((outcome.metric, outcome.error) for outcome in company.summary.failed), indent="  ")
    say(f"Portfolio: {write_portfolio(portfolio_page(folder), syncs)}")
    failed = [company for company in syncs if not company.succeeded]
    if failed:
        errors.print(f"{len(failed)} of {len(syncs)} companies did not sync completely", markup=False, highlight=False)
        raise typer.Exit(EXIT_FAILED)


def _print_errors(failures: Iterable[tuple[str, str | None]], indent: str = "") -> None:
    """Errors go below a table, whole (a folded cell would cut them apart), once
    per distinct error: a rejected token fails every metric alike."""
    metrics_by_error: dict[str, list[str]] = {}
    for metric, error in failures:
        metrics_by_error.setdefault(error or "unknown error", []).append(metric)
    for error, metrics in metrics_by_error.items():
        errors.print(f"{indent}{', '.join(metrics)}: {error}", markup=False, highlight=False, soft_wrap=True)


def _print_sync(summary: SyncSummary) -> None:
    table = Table(title=f"Sync as of {summary.as_of}: {summary.status} ({summary.api_calls} API calls)")
    for column, justify in (("metric", "left"), ("status", "left"), ("days read", "right"), ("new values", "right"), ("calls", "right")):
        table.add_column(column, justify=justify)
    for outcome in summary.metrics:
        read = outcome.status != "failed" and outcome.first_day and outcome.last_day
        days = (outcome.last_day - outcome.first_day).days + 1 if read else 0
        table.add_row(outcome.metric, outcome.status, str(days), str(outcome.values_added), str(outcome.api_calls))
    console.print(table)
    _print_errors((outcome.metric, outcome.error) for outcome in summary.failed)
    for outcome in summary.warned:
        for warning in outcome.warnings:
            errors.print(f"warning: {outcome.metric}: {warning}", markup=False, highlight=False, soft_wrap=True)
    note = summary.reconciliation_note()
    if note:
        say(f"Reconciliation: {note}")
    say(f"Run id: {summary.run_id}")
    if summary.report_path:
        say(f"Report: {summary.report_path}")
    if summary.emailed_to:
        say(f"Emailed to: {', '.join(summary.emailed_to)}")
    if summary.report_error:
        errors.print(f"Report not written: {summary.report_error}", markup=False, highlight=False, soft_wrap=True)
    if summary.email_error:
        errors.print(f"Report not emailed: {summary.email_error}", markup=False, highlight=False, soft_wrap=True)
    if summary.notified:
        say(f"Digest posted to: {', '.join(summary.notified)}")
    for error in summary.notify_errors:
        errors.print(f"Digest not posted to {error}", markup=False, highlight=False, soft_wrap=True)
    for line in summary.reminded:
        say(f"Sent the {line}")
    for error in summary.reminder_errors:
        errors.print(f"Not sent: {error}", markup=False, highlight=False, soft_wrap=True)


@app.command()
def report(
    out: Annotated[Path | None, typer.Option("--out", "-o", help="Write only this HTML file (default: the company's archive, .okr/reports/<company>/).")] = None,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    compare: Annotated[str | None, typer.Option("--compare", help="Show changes since this day, YYYY-MM-DD (default: the previous archived report).")] = None,
) -> None:
    """Render the status report from stored data only (no network); a past --as-of reproduces that day's archived report."""
    from flows.archive import archive_folder, previous_report_day, write_to_archive
    from okrmodel.briefing import build_report_data
    from reports import render_report, write_html

    config = load(config_path)
    day = as_of_day(as_of, config)
    compare_to = parse_day(compare, "--compare") if compare else previous_report_day(archive_folder(config), day)
    if compare_to is not None and compare_to >= day:
        fail(f"--compare: {compare_to} is not before the report's day {day}")
    check_output_file(out)
    with open_store(config) as store:
        data = build_report_data(config, store, day, compare_to=compare_to)
    html = render_report(data)
    try:
        path = write_html(html, out) if out else write_to_archive(archive_folder(config), data, html)
    except OSError as error:
        fail(f"--out: cannot write {out or archive_folder(config)}: {error.strerror or error}")
    say(f"Report: {path}")


@app.command()
def status(
    ctx: typer.Context,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")] = False,
) -> None:
    """Show each objective's and key result's actual, progress and status (and warn when the last
    successful sync is older than 36 hours)."""
    config = load(config_path)
    day = as_of_day(as_of, config)
    with open_store(config) as store:
        status_report = evaluate(config, store, day)
        sync = sync_freshness(config, store, _wall_clock(ctx))
    if as_json:
        sys.stdout.write(json.dumps(report_json(status_report, sync), indent=2) + "\n")
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
        table.add_row(Text(title, style="bold"), "", "", progress, "", objective_status, end_section=False)
        for key_result in objective.key_results:
            table.add_row(
                f"  {key_result.id}: {key_result.title}", _number(key_result.actual), _number(key_result.target),
                f"{key_result.progress:.0%}" if key_result.progress is not None else "-",
                format_approximate(key_result.forecast) if key_result.forecast is not None else "-", _key_result_status(key_result),
            )
        table.add_section()
    console.print(table)
    _warn_if_overdue(sync)


def _number(value: float | None) -> str:
    return f"{value:,.10g}" if value is not None else "-"


def _key_result_status(key_result: KeyResultStatus) -> str:
    text = key_result.status.value
    if key_result.stale and key_result.last_fetch and key_result.last_fetch.failed:
        text += " (last sync failed: see okr runs)"
    elif key_result.stale and key_result.newest_data_day:
        text += f" (newest data {key_result.newest_data_day})"
    if key_result.score is not None:
        text += f" score {key_result.score:.1f}"
    if key_result.checkin and key_result.checkin.wins and key_result.automated_actual is not None:
        text += f" (check-in overrides synced {key_result.automated_actual:,.10g})"
    return text


@app.command()
def checkin(
    key_result_id: Annotated[str, typer.Argument(metavar="KR_ID", help="The key result's id.")],
    value: Annotated[str, typer.Argument(help="The value reached, such as 3 or 1250.5.")],
    note: Annotated[str | None, typer.Option("--note", help="Why, or what changed.")] = None,
    author: Annotated[str | None, typer.Option("--author", envvar="OKR_AUTHOR", help="Who reports it (default: your login).")] = None,
    pin: Annotated[bool, typer.Option("--pin", help="Keep overriding the synced value until the next check-in (else only until the next sync).")] = False,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
) -> None:
    """Record a manual value for a key result (kept beside synced values, never replacing them)."""
    config = load(config_path)
    key_result = key_result_of(config, config_path, key_result_id)
    number = parse_number(value, "VALUE")
    note, author = parse_text(note, "--note"), parse_text(author, "--author")
    day = as_of_day(as_of, config)
    with open_store(config) as store:
        store.add_checkin(key_result.id, day, number, author or getpass.getuser(), note, pinned=pin)
    pinned = " (pinned)" if pin else ""
    say(f"Checked in {key_result.id} = {number:,.10g} for {day}{pinned}")


@app.command()
def history(
    item_id: Annotated[str, typer.Argument(metavar="KR_ID|METRIC", help="A key result's id, or a metric's name.")],
    config_path: ConfigOption = DEFAULT_CONFIG,
) -> None:
    """Print every value a key result (or metric) was given: synced revisions and check-ins, with provenance."""
    config = load(config_path)
    if item_id in config.metrics and all(kr.id != item_id for objective in config.objectives for kr in objective.key_results):
        periods = config.periods
        with open_store(config) as store:
            entries = key_result_history(store, None, item_id, periods[0].first_day, periods[-1].last_day)
        say(f"History of metric {item_id} ({config.period_label}), oldest first")
    else:
        key_result = key_result_of(config, config_path, item_id)
        period = next(period for period in config.periods if period.label == config.key_result_period(key_result))
        with open_store(config) as store:
            entries = key_result_history(store, key_result.id, key_result.metric, period.first_day, period.last_day)
        say(f"History of {key_result.id}: {key_result.title} ({period.label}), oldest first")
    for entry in entries:
        flags = [flag for flag, on in (("superseded", entry.superseded), ("pinned", entry.pinned)) if on]
        origin = f"sync r{entry.revision} from {entry.source}, run {entry.sync_run_id}" if entry.kind == "sync" else f"checkin by {entry.author}"
        line = f"{entry.recorded_at:%Y-%m-%d %H:%M:%S} UTC  day {entry.day}  value {entry.value:,.10g}  {origin}"
        line += f" ({', '.join(flags)})" if flags else ""
        line += f"  note: {entry.note}" if entry.note else ""
        # One line per record, never wrapped, so it greps and diffs cleanly.
        say(line)
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
    config = load(config_path)
    day = as_of_day(as_of, config)
    try:
        with open_store(config) as store:
            report, frozen_now = close_period(config, store, period.strip().upper(), parse_text(by, "--by") or getpass.getuser(), as_of=day, force=force)
    except KeyError as error:
        fail(f"{config_path}: {error.args[0]}")
    except PeriodNotOver as error:
        fail(f"{config_path}: {error}")
    verb = "Closed" if frozen_now else "Already closed:"
    score = f"{report.score:.2f}" if report.score is not None else "-"
    say(f"{verb} {report.period}, score {score}")


@app.command()
def email(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    to: Annotated[list[str] | None, typer.Option("--to", help="Send to this address instead of the config's recipients (repeatable).")] = None,
) -> None:
    """Email the status report, computed from stored data only (no HubSpot calls), via the config's email: settings."""
    from pydantic import ValidationError

    from flows.archive import archive_folder, previous_report_day
    from flows.pipeline import smtp_password
    from flows.secret_blocks import config_secrets
    from okrmodel.briefing import build_report_data
    from reports import EmailDeliveryError, build_status_email, send_email

    config = load(config_path)
    if config.email is None:
        fail(f"{config_path}: email: is not configured (smtp_host, sender, recipients); see the README")
    settings = config.email
    if to:
        try:
            settings = settings.model_validate({**settings.model_dump(), "recipients": to})
        except ValidationError as error:
            fail(f"--to: {error.errors()[0]['msg'].removeprefix('Value error, ')}")
    day = as_of_day(as_of, config)
    with open_store(config) as store:
        data = build_report_data(config, store, day, compare_to=previous_report_day(archive_folder(config), day))
    status_report = data.status
    try:
        password = smtp_password(settings, config_secrets(config, only=[settings.password_block] if settings.password_block else []))
        send_email(build_status_email(data, settings), settings, password)
    except EmailDeliveryError as error:
        fail(f"Report not emailed: {error}", EXIT_FAILED)
    say(f"Emailed the {status_report.period} report as of {status_report.as_of} to {', '.join(settings.recipients)}")


@app.command()
def notify(
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Print each destination's payload as JSON (Block Kit, Adaptive Card) instead of posting it.")] = False,
) -> None:
    """Post the digest to the config's notify: channels (Slack, Teams), computed from stored data only (no source calls)."""
    from flows.archive import archive_folder, previous_report_day
    from flows.pipeline import notify_report
    from flows.secret_blocks import config_secrets
    from okrmodel.briefing import build_report_data
    from reports import build_view
    from reports.chat import chat_payload, report_link

    config = load(config_path)
    if not config.notify:
        fail(f"{config_path}: notify: lists no destination ({{type: slack, webhook_env: SLACK_OKR_WEBHOOK}}, or type: teams); see the README")
    day = as_of_day(as_of, config)
    with open_store(config) as store:
        data = build_report_data(config, store, day, compare_to=previous_report_day(archive_folder(config), day))
    if dry_run:
        view, link = build_view(data), report_link(data)
        payloads = [{"destination": destination.label, "payload": chat_payload(destination, view, link)} for destination in config.notify]
        sys.stdout.write(json.dumps(payloads, indent=2, ensure_ascii=False) + "\n")
        return
    secrets = config_secrets(config, only=[destination.webhook_block for destination in config.notify if destination.webhook_block])
    delivered, failures = notify_report(config.notify, data, secrets)
    for destination in delivered:
        say(f"Posted the {data.status.period} digest as of {data.status.as_of} to {destination}")
    for failure in failures:
        errors.print(f"Digest not posted to {failure}", markup=False, highlight=False, soft_wrap=True)
    if failures:
        raise typer.Exit(EXIT_FAILED)


@app.command()
def runs(
    ctx: typer.Context,
    config_path: ConfigOption = DEFAULT_CONFIG,
    as_of: AsOfOption = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="How many recent runs to list.")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for monitoring instead of tables.")] = False,
) -> None:
    """Show recent sync runs and each metric's freshness: newest day stored, last success, last error
    (and warn when the last successful sync is older than 36 hours)."""
    config = load(config_path)
    day = as_of_day(as_of, config)
    with open_store(config) as store:
        run_rows = recent_runs(store, limit)
        freshness = metric_freshness(config, store, day)
        sync = sync_freshness(config, store, _wall_clock(ctx))
    if as_json:
        document = {"runs": [run.to_json() for run in run_rows], "metrics": [row.to_json() for row in freshness], "sync": sync.to_json()}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    table = Table(title=f"Last {len(run_rows)} sync runs")
    for column in ("started (UTC)", "as of", "status", "metrics ok", "failed", "API calls"):
        table.add_column(column, no_wrap=True)
    for run in run_rows:
        table.add_row(run.started_at.strftime("%Y-%m-%d %H:%M"), run.as_of.isoformat(), run.status, str(run.metrics_succeeded), str(run.metrics_failed), str(run.api_calls))
    console.print(table)
    for run in run_rows:
        if run.status in ("interrupted", "abandoned"):  # never finished: say why, plainly
            errors.print(f"run {run.id[:8]} (started {run.started_at:%Y-%m-%d %H:%M} UTC) {run.status}: {run.message}", markup=False, highlight=False, soft_wrap=True)
    table = Table(title=f"Metric freshness as of {day}")
    for column in ("metric", "newest day", "last success (UTC)", "last attempt"):
        table.add_column(column, no_wrap=column != "metric")
    for row in freshness:
        success = row.last_success_at.strftime("%Y-%m-%d %H:%M") if row.last_success_at else "never"
        attempt = "failed" if row.last_attempt_failed else "warning" if row.last_warning else "ok"
        table.add_row(row.metric, row.newest_day.isoformat() if row.newest_day else "-", success, attempt)
    console.print(table)
    _print_errors((row.metric, row.last_error) for row in freshness if row.last_attempt_failed)
    for row in freshness:
        if row.last_warning and not row.last_attempt_failed:
            errors.print(f"warning: {row.metric}: {row.last_warning}", markup=False, highlight=False, soft_wrap=True)
    _warn_if_overdue(sync)


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
        config = load(config_path)
        try:
            deployment = nightly_deployment(config, config_path, cron)
        except ValueError as error:
            fail(f"--cron: {cron!r} is not a cron expression ({error})")
        if any(existing.name == deployment.name for existing in deployments):
            fail(f"{config_path}: another config already serves {deployment.name!r}; give each company its own name")
        # Rows carry no company: two companies in one database would mix their metrics.
        if config.storage_url() in storage_urls:
            fail(f"{config_path}: shares its database with {storage_urls[config.storage_url()]}; give each company its own database_url (and leave OKR_DATABASE_URL unset)")
        storage_urls[config.storage_url()] = config_path
        deployments.append(deployment)
    prefect_serve(*deployments)


@app.command()
def deploy(
    config_paths: Annotated[
        list[Path] | None,
        typer.Option("-c", "--config", envvar="OKR_CONFIG", show_default=False,
                     help="A company's OKR file (with --configs-repo: its path from the repository's root); repeat for every company."),
    ] = None,
    pool: Annotated[str, typer.Option("--pool", help="The Prefect work pool whose workers run the syncs (prefect work-pool create NAME --type process).", show_default=False)] = ...,
    cron: Annotated[str, typer.Option("--cron", help="When to sync, as cron in each config's time zone.")] = DEFAULT_CRON,
    configs_repo: Annotated[
        str | None, typer.Option("--configs-repo", help="The git repository of client configs that every worker clones before each run (an SSH URL, a deploy key on each worker).", show_default=False)
    ] = None,
    branch: Annotated[str | None, typer.Option("--branch", help="With --configs-repo: the branch to clone (default: the repository's).", show_default=False)] = None,
) -> None:
    """Register one deployment per company on a work pool of PREFECT_API_URL's server; workers anywhere run them.

    Each company's store must be PostgreSQL (runs land on any worker). Tokens
    stay in each worker's environment, never in the deployment.
    """
    from flows.deploy import ConfigsRepository, DeployProblem, deploy_to_pool, plan_pool_deployments, worker_command

    if branch and not configs_repo:
        fail("--branch: only with --configs-repo")
    repository = ConfigsRepository(configs_repo, branch) if configs_repo else None
    try:
        plans = plan_pool_deployments(config_paths or [DEFAULT_CONFIG], pool=pool, cron=cron, repository=repository)
        deploy_to_pool(plans, pool)
    except DeployProblem as problem:
        fail(str(problem), problem.exit_code)
    for plan in plans:
        say(f"Deployed {plan.full_name} ({plan.company}) to work pool {pool!r}: {cron} in {plan.timezone}, config {plan.where}")
    say("Runs go to whichever worker polls the pool first. On each worker machine, with okr-autopilot installed and each company's tokens in its environment, run:")
    say(f"  {worker_command(pool)}")
    say(f"Try one now: prefect deployment run {plans[0].full_name!r}")


@app.command()
def demo(
    out: Annotated[Path, typer.Option("--out", help="Folder for the demo config, database and report.")] = Path(".okr/demo"),
    port: Annotated[int, typer.Option("--port", help="The sandbox's port, written into the demo's config (0: any free one).")] = 8765,
) -> None:
    """Run the whole path on the built-in HubSpot sandbox and SQLite; prints the report's path."""
    from flows.demo import DemoPortTaken, run_demo

    check_output_folder(out)
    try:
        summary = run_demo(out, port=port)
    except DemoPortTaken as error:
        fail(f"--port: {error}", EXIT_FAILED)
    _print_sync(summary)
    if summary.incomplete:
        raise typer.Exit(EXIT_FAILED)


app.command()(catalog)
app.add_typer(metrics_app, name="metrics")
app.command()(sandbox)
app.command()(remind)
app.command("console")(console_command)


def main() -> None:
    """Console-script entry point."""
    try:
        app()
    finally:
        # What remains is the interpreter's last garbage collections over every object Prefect and
        # SQLAlchemy left: most of a second after a sync, finding nothing that matters at exit.
        gc.freeze()
