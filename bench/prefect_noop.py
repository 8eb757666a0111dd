"""Prefect's fixed cost: a process that runs one flow doing nothing (``python -m bench.prefect_noop``),
against ``PREFECT_API_URL`` when set, else a temporary local server it starts itself;
``--import-only`` imports Prefect and stops, the baseline of any Python process using it."""

from __future__ import annotations

import sys

import flows  # noqa: F401  (the product's Prefect defaults, as every okr command has them)

__all__ = ["main"]


def main(argv: list[str]) -> None:
    from prefect import flow

    if "--import-only" in argv:
        return

    @flow(name="okr-bench-noop")
    def noop() -> int:
        return 1

    noop()


if __name__ == "__main__":
    main(sys.argv[1:])
