"""Measuring a command from outside: wall time and peak RSS by GNU time, spread over repeats.

Every measured command runs under ``/usr/bin/time -v`` (Debian's ``time``
package), which reports the elapsed wall-clock time and the maximum resident
set size of the process (the largest of its children's when it waits for
them). ``Figures`` keeps the repeats of one figure and gives their min,
median and max.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["GNU_TIME", "MeasuredRun", "Spread", "measured_run", "parse_gnu_time", "spread"]

GNU_TIME = Path("/usr/bin/time")

_ELAPSED = re.compile(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):(\d+(?:\.\d+)?)")
_MAX_RSS = re.compile(r"Maximum resident set size \(kbytes\): (\d+)")
_EXIT = re.compile(r"Exit status: (\d+)")


@dataclass(frozen=True)
class MeasuredRun:
    """One run of a command: its wall time, peak RSS and exit status as GNU time saw them, and its stdout."""

    wall_seconds: float
    peak_rss_bytes: int
    exit_status: int
    stdout: str
    stderr: str


Spread = dict[str, float | int | list[float]]
"""``{"min", "median", "max", "runs", "values"}`` of one figure over its repeats."""


def spread(values: Iterable[float]) -> Spread:
    """Min, median and max of a figure's repeats (and the repeats themselves)."""
    values = [float(value) for value in values]
    if not values:
        raise ValueError("a figure needs at least one run")
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "runs": len(values), "values": values}


def parse_gnu_time(report: str) -> tuple[float, int, int]:
    """Wall seconds, peak RSS in bytes and exit status from the report of ``/usr/bin/time -v``."""
    elapsed, rss, status = _ELAPSED.search(report), _MAX_RSS.search(report), _EXIT.search(report)
    if elapsed is None or rss is None:
        raise ValueError(f"not a GNU time -v report: {report[-400:]!r}")
    hours, minutes, seconds = elapsed.groups()
    wall = int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return wall, int(rss.group(1)) * 1024, int(status.group(1)) if status else 0


def measured_run(
    argv: Sequence[str],
    *,
    env: Mapping[str, str | None] | None = None,
    cwd: Path | None = None,
    on_line: Callable[[str], None] | None = None,
    timeout: float | None = None,
) -> MeasuredRun:
    """Run ``argv`` under ``/usr/bin/time -v`` with our environment updated by ``env`` (None
    removes a variable); ``on_line`` (when given) gets each stdout line as it comes, so a long
    stream is never held whole (``stdout`` is then empty)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as report:
        command = [str(GNU_TIME), "-v", "-o", report.name, *argv]
        environment = {name: value for name, value in {**os.environ, **(env or {})}.items() if value is not None}
        if on_line is None:
            done = subprocess.run(command, env=environment, cwd=cwd, capture_output=True, text=True, timeout=timeout)
            stdout, stderr = done.stdout, done.stderr
        else:
            with tempfile.TemporaryFile("w+") as errors:
                with subprocess.Popen(command, env=environment, cwd=cwd, stdout=subprocess.PIPE, stderr=errors, text=True) as process:
                    assert process.stdout is not None
                    for line in process.stdout:
                        on_line(line)
                    process.wait(timeout=timeout)
                errors.seek(0)
                stdout, stderr = "", errors.read()
        wall, rss, status = parse_gnu_time(Path(report.name).read_text())
    return MeasuredRun(wall, rss, status, stdout, stderr)
