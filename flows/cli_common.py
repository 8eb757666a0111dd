"""What every ``okr`` command shares: options, one-line failures, the config, the as-of day, the store."""

from __future__ import annotations

import calendar
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from connectors import load_config
from okrmodel.config import Config, ConfigError, KeyResult
from okrmodel.periods import today_in
from okrmodel.storage import DatabaseOfAnotherCompany, Store
from okrmodel.typed_input import InputProblem, read_line, read_number

__all__ = [
    "DEFAULT_CONFIG",
    "EXIT_FAILED",
    "EXIT_LOCKED",
    "EXIT_USAGE",
    "AsOfOption",
    "ConfigOption",
    "as_of_day",
    "check_output_file",
    "check_output_folder",
    "console",
    "errors",
    "fail",
    "key_result_of",
    "load",
    "open_store",
    "parse_day",
    "parse_number",
    "parse_text",
    "say",
]

# Config text (titles, names, errors quoting it) is printed as written: "[/b]" in a title is not
# markup (rich would raise on it) and ":smile:" not an emoji. Styles are given as Text objects.
console = Console(markup=False, emoji=False)
errors = Console(stderr=True, markup=False, emoji=False)

ConfigOption = Annotated[
    Path,
    typer.Option("-c", "--config", envvar="OKR_CONFIG", help="The OKR file (else $OKR_CONFIG, else ./okrs.yaml).", show_default=False),
]
AsOfOption = Annotated[
    str | None,
    typer.Option("--as-of", help="Compute as of the end of this day, YYYY-MM-DD, today or earlier (default: today in the config's time zone).", show_default=False),
]
DEFAULT_CONFIG = Path("okrs.yaml")
EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_LOCKED = 75
"""Another sync of the company is running, so this one did nothing (sysexits' EX_TEMPFAIL: try again later)."""


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    errors.print(message, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def say(message: str) -> None:
    """One line to stdout, as written (no markup, no wrapping)."""
    console.print(message, markup=False, highlight=False, soft_wrap=True)


def load(path: Path) -> Config:
    try:
        return load_config(path)
    except ConfigError as error:
        fail(str(error))


def as_of_day(text: str | None, config: Config) -> date:
    """The day a command works as of: ``text``, else today in the config's zone.

    A day after today is refused by every command. Those that write (``sync``, ``checkin``,
    ``close``) would record what has not happened: a check-in dated next year, a quarter frozen
    before its end. Those that read would show a pace against days no data can cover yet, and
    ``report``, ``email`` and ``notify`` would publish it under a future date.
    """
    today = today_in(config.zone)
    if text is None:
        return today
    as_of = parse_day(text, "--as-of")
    period = config.periods[0]
    if as_of < period.first_day:
        fail(f"--as-of: {as_of} is before period {period.label} starts ({period.first_day})")
    if as_of > today:
        fail(f"--as-of: {as_of} is after today ({today} in {config.timezone}); a day that has not happened "
             "cannot be synced, checked in, closed or reported")
    return as_of


def parse_day(text: str, option: str) -> date:
    """A day written ``YYYY-MM-DD``; one line naming ``option`` when it is not one, or does not exist."""
    if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
        fail(f"{option}: {text!r} is not a date in the form YYYY-MM-DD")
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        year, month, _day = (int(part) for part in text.strip().split("-"))
        if not 1 <= month <= 12:
            fail(f"{option}: {text} does not exist (there is no month {month})")
        fail(f"{option}: {text} does not exist ({date(year, month, 1):%B %Y} has {calendar.monthrange(year, month)[1]} days)")


def parse_number(text: str, name: str) -> float:
    """A number as people type it (``3``, ``1250.5``, ``-2``, ``1e6``), within ``LARGEST_AMOUNT``;
    one line echoing ``text`` (shortened) otherwise. ``-0`` is 0."""
    try:
        return read_number(text, name)
    except InputProblem as problem:
        fail(str(problem))


def parse_text(text: str | None, name: str) -> str | None:
    """A note or name typed on the command line: one line of characters (an undecodable byte in
    the terminal's encoding, a control character or a line break is refused, named by ``name``)."""
    try:
        return read_line(text, name)
    except InputProblem as problem:
        fail(str(problem))


def check_output_file(out: Path | None, option: str = "--out") -> None:
    """Refuse a file that cannot be written before any work is done: a folder, a device, a file
    or folder the process cannot write (``/proc/x.html``), a folder below a file. Writes nothing
    (a probe file is removed at once; folders are created when the file is written)."""
    if out is None:
        return
    path = out.expanduser().absolute()
    if path.is_dir():
        fail(f"{option}: {out} is a folder; give the HTML file's path")
    if not path.exists():
        _check_can_create(path.parent, out, option)
        return
    if not path.is_file():
        fail(f"{option}: {out} is not a regular file; give the HTML file's path")
    try:
        path.open("a", encoding="utf-8").close()  # appending nothing changes nothing
    except OSError as error:
        fail(f"{option}: cannot write {out}: {error.strerror or error}")


def check_output_folder(out: Path, option: str = "--out") -> None:
    """Refuse a folder that cannot be created or written in, before any work is done."""
    path = out.expanduser().absolute()
    if path.exists() and not path.is_dir():
        fail(f"{option}: {out} is a file; give a folder")
    _check_can_create(path, out, option)


def _check_can_create(folder: Path, out: Path, option: str) -> None:
    """Whether ``folder`` exists or can be created, and files can be written in it: probed in
    its nearest existing folder, leaving nothing behind."""
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        fail(f"{option}: cannot create the folder of {out}: {folder} is a file")
    try:
        tempfile.TemporaryFile(dir=folder).close()
    except OSError as error:
        fail(f"{option}: cannot write {out}: cannot create a file in {folder}: {error.strerror or error}")


def key_result_of(config: Config, config_path: Path, key_result_id: str) -> KeyResult:
    try:
        return config.key_result(key_result_id)[1]
    except KeyError as error:
        hint = f"; {key_result_id!r} is a metric: okr history takes it, okr checkin takes a key result" if key_result_id in config.metrics else ""
        fail(f"{config_path}: {error.args[0]}{hint}")


@contextmanager
def open_store(config: Config) -> Iterator[Store]:
    """The config's store, or one clear line (password hidden) when the database cannot be opened."""
    url = config.storage_url()
    try:
        store = Store(url)
    except (SQLAlchemyError, OSError, ImportError) as error:
        fail(f"cannot open the database {safe_url(url)}: {first_line(error)}")
    with store:
        try:
            store.claim(config.company)
        except DatabaseOfAnotherCompany as error:
            fail(f"{config.file_name}: {safe_url(url)}: {error}")
        yield store


def safe_url(url: str) -> str:
    try:
        return make_url(url).render_as_string(hide_password=True)
    except SQLAlchemyError:
        return "(an unparseable database URL)"


def first_line(error: BaseException) -> str:
    # SQLAlchemy wraps the driver's error and appends its SQL and a help link.
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__
