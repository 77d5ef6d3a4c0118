"""The front-line subcommands of ``python -m geodata`` (kept here so that ``geodata/__main__.py``
only registers and dispatches them):

    python -m geodata settlements --source S [--definition D] --from DATE --to DATE [--format csv|json]
    python -m geodata frontline --source S [--definition D] [--from DATE] [--to DATE] [--format csv|json]

``settlements`` lists the settlements taken and lost in the period (name, oblast, population, date
of the change); ``frontline`` the front's length (and settlements and population held) per date.
Tables go to standard output, a one-line summary to standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

import pandas as pd

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("settlements", "frontline")


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Register ``settlements`` and ``frontline`` on the ``python -m geodata`` parser."""
    settlements = sub.add_parser("settlements", help="settlements (500+ people) taken and lost in a period")
    settlements.add_argument("--source", required=True, help="e.g. DeepStateMap")
    settlements.add_argument("--definition")
    settlements.add_argument("--from", dest="start", required=True, metavar="DATE")
    settlements.add_argument("--to", dest="end", required=True, metavar="DATE")
    settlements.add_argument("--format", choices=["csv", "json"], default="csv")
    front = sub.add_parser("frontline", help="the front line's length per date")
    front.add_argument("--source", required=True)
    front.add_argument("--definition")
    front.add_argument("--from", dest="start", metavar="DATE")
    front.add_argument("--to", dest="end", metavar="DATE")
    front.add_argument("--format", choices=["csv", "json"], default="csv")


def _summary_settlements(rows: pd.DataFrame, args: argparse.Namespace) -> str:
    taken, lost = rows[rows["change"] == "taken"], rows[rows["change"] == "lost"]
    people = int(taken["population"].sum())
    return (f"{args.source} {args.start} to {args.end}: {len(taken)} settlements of 500+ people taken "
            f"({people:,} people by GeoNames' census-era figures), {len(lost)} lost")  # fmt: skip


def run(
    args: argparse.Namespace,
    *,
    engine,  # type: ignore[no-untyped-def]
    day: Callable[[str | None, str], pd.Timestamp | None],
    write: Callable[[pd.DataFrame, str], None],
) -> int:
    """Run one of ``COMMANDS`` with the CLI's engine, date parser and table writer."""
    from geodata.front_queries import frontline, settlements_changed
    from metrics.api_front import settlement_rows

    start, end = day(args.start, "--from"), day(args.end, "--to")
    if start is not None and end is not None and start > end:
        raise SystemExit(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}")
    if args.command == "settlements":
        try:
            rows = settlements_changed(engine(), source=args.source, definition=args.definition, start=start,
                                       end=end)  # fmt: skip
        except LookupError as exc:
            raise SystemExit(str(exc)) from None
        write(settlement_rows(rows), args.format)  # as the API's /api/v1/settlements gives them
        print(_summary_settlements(rows, args), file=sys.stderr)
        return 0
    rows = frontline(engine(), source=args.source, definition=args.definition, start=start, end=end)
    if rows.empty:
        raise SystemExit(f"no front-line figures for {args.source!r} in the store"
                         + (f" ({args.definition})" if args.definition else ""))  # fmt: skip
    write(rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d")), args.format)
    last = rows.iloc[-1]
    print(f"{len(rows)} dates; {last['source']} on {last['date']:%Y-%m-%d}: front "
          f"{last['frontline_length_km']:,.0f} km, {last['settlements_held']:,.0f} settlements held",
          file=sys.stderr)  # fmt: skip
    return 0
