"""``make bench``: every benchmark in one run, written to ``bench/results.json`` and ``bench/RESULTS.md``.

    .venv/bin/python -m bench                      # the full run (22.1 minutes when last measured; the goal is under 30)
    .venv/bin/python -m bench --sizes 2000 --repeats 1 --no-peer --companies 2 --company-contacts 1000
    .venv/bin/python -m bench --only startup --baseline main   # okr sync's fixed cost, before/after

Needs ``/usr/bin/time`` (Debian's ``time`` package; ``make bench`` installs it
when missing) and, for the peer, ``pip`` access to PyPI once (tap-hubspot
goes into ``.bench/tap-hubspot``). Progress goes to stderr. ``--only startup`` measures
``okr sync``'s fixed cost alone and replaces that part of an existing ``results.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.measure import GNU_TIME
from bench.results_md import render_results
from bench.suite import SuiteOptions, run_startup, run_suite

__all__ = ["main"]


def _sizes(text: str) -> tuple[int, ...]:
    return tuple(int(part.replace("_", "")) for part in text.split(",") if part)


def parse_options(argv: list[str]) -> tuple[SuiteOptions, Path, str | None]:
    defaults = SuiteOptions()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=_sizes, default=defaults.sizes, help="contacts per portal, comma-separated")
    parser.add_argument("--repeats", type=int, default=defaults.repeats, help="runs of both nights of our sync per size")
    parser.add_argument("--peer-sizes", type=_sizes, default=defaults.peer_sizes, help="sizes the peer runs at")
    parser.add_argument("--peer-repeats", type=int, default=defaults.peer_repeats)
    parser.add_argument("--peer-next-night-sizes", type=_sizes, default=defaults.peer_next_night_sizes, help="sizes the peer's next night runs at")
    parser.add_argument("--no-peer", action="store_true", help="no peer venv and no peer runs")
    parser.add_argument("--full-pull-sizes", type=_sizes, default=defaults.full_pull_sizes, help="sizes the in-script full pull pages")
    parser.add_argument("--shared-limit-sizes", type=_sizes, default=defaults.shared_limit_sizes, help="sizes our sync also runs at with limits shared through a Prefect server")
    parser.add_argument("--prefect-repeats", type=int, default=defaults.prefect_repeats)
    parser.add_argument("--startup-repeats", type=int, default=defaults.startup_repeats, help="runs of okr sync's fixed cost, okr status and import flows.cli")
    parser.add_argument("--baseline", metavar="REVISION", help="also measure the fixed cost on this git revision's code (before/after)")
    parser.add_argument("--only", choices=["startup"], help="measure only this part, replacing it in the existing results.json")
    parser.add_argument("--render-sizes", type=_sizes, default=defaults.render_sizes, help="KRs per report")
    parser.add_argument("--render-runs", type=int, default=defaults.render_runs)
    parser.add_argument("--companies", type=int, default=defaults.companies)
    parser.add_argument("--company-contacts", type=int, default=defaults.company_contacts)
    parser.add_argument("--company-repeats", type=int, default=defaults.company_repeats)
    parser.add_argument("--work", type=Path, default=defaults.work, help="scratch folder, emptied first")
    parser.add_argument("--out-dir", type=Path, default=Path(__file__).parent, help="where results.json and RESULTS.md go")
    args = parser.parse_args(argv)
    if min(args.repeats, args.peer_repeats, args.prefect_repeats, args.startup_repeats, args.render_runs, args.companies, args.company_repeats) < 1:
        parser.error("repeats, runs and companies must be at least 1")
    if args.only and not (args.out_dir / "results.json").is_file():
        parser.error(f"--only {args.only}: no {args.out_dir / 'results.json'} to update; run the whole benchmark first")
    options = SuiteOptions(
        sizes=args.sizes, repeats=args.repeats, peer_sizes=args.peer_sizes, peer_repeats=args.peer_repeats,
        peer_next_night_sizes=args.peer_next_night_sizes, peer=not args.no_peer,
        full_pull_sizes=args.full_pull_sizes, shared_limit_sizes=args.shared_limit_sizes, prefect_repeats=args.prefect_repeats, startup_repeats=args.startup_repeats, baseline=args.baseline,
        render_sizes=args.render_sizes, render_runs=args.render_runs,
        companies=args.companies, company_contacts=args.company_contacts, company_repeats=args.company_repeats, work=args.work,
    )
    return options, args.out_dir, args.only


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    options, out_dir, only = parse_options(argv)
    if not GNU_TIME.exists():
        print(f"{GNU_TIME} is missing: install Debian's time package (apt-get install time); make bench does", file=sys.stderr)
        return 2
    command = " ".join(["python -m bench", *argv])
    if only == "startup":
        results = json.loads((out_dir / "results.json").read_text(encoding="utf-8"))
        results["startup"] = {**run_startup(options, progress=_progress), "command": command}
    else:
        results = run_suite(options, progress=_progress)
        results["command"] = command
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "results.json").write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    (out_dir / "RESULTS.md").write_text(render_results(results), encoding="utf-8")
    print(f"wrote {out_dir / 'results.json'} and {out_dir / 'RESULTS.md'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
