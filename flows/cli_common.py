"""What every ``okr`` command shares: options, one-line failures, the config, the as-of day, the store."""

from __future__ import annotations

import calendar
import math
import re
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

__all__ = [
    "DEFAULT_CONFIG",
    "EXIT_FAILED",
    "EXIT_LOCKED",
    "EXIT_USAGE",
    "AsOfOption",
    "ConfigOption",
    "as_of_day",
    "console",
    "errors",
    "fail",
    "key_result_of",
    "load",
    "open_store",
    "parse_day",
    "parse_number",
    "say",
]

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
    if text is None:
        return today_in(config.zone)
    as_of = parse_day(text, "--as-of")
    period = config.periods[0]
    if as_of < period.first_day:
        fail(f"--as-of: {as_of} is before period {period.label} starts ({period.first_day})")
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
    """A finite number as people type it (``3``, ``1250.5``, ``-2``); one line echoing ``text`` otherwise."""
    try:
        number = float(text.strip())
    except ValueError:
        hint = ": decimals take a dot, thousands no separator" if "," in text else ""
        fail(f"{name}: {text!r} is not a number{hint}; give the value reached, such as 3 or 1250.5")
    if not math.isfinite(number):
        fail(f"{name}: {text!r} is not a finite number; give the value reached, such as 3 or 1250.5")
    return number


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
