"""Command line: ``python -m geodata import|areas|change|sync`` (contracts in DESIGN.md).

    python -m geodata import FILE --source S --definition D [--date DATE | --date-field FIELD] [--clip]
    python -m geodata areas [--source S] [--definition D] [--format csv|json]
    python -m geodata change --source S [--definition D] --from DATE --to DATE [--format csv|json|geojson]
    python -m geodata sync deepstate [--base-url URL] [--from DATE] [--to DATE]
    python -m geodata settlements|frontline ...   (the front line: geodata/front_cli.py)

Exit codes: 0 success, 2 bad input (one line per problem, ``FILE: message`` or ``FILE:N: ...``; nothing
stored), 1 any other failure. Tables go to standard output, summaries and progress to standard error
(``import`` and ``sync`` print their summary to standard output). The shipped boundary and figure
builds stay in ``python -m geodata.build``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import pandas as pd

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geodata", description="Control polygons: import, measure, "
                                     "compare, sync.")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True)

    imp = sub.add_parser("import", help="import control snapshots from a spatial file (one batch)")
    imp.add_argument("file", type=Path, metavar="FILE", help="GeoJSON, GeoPackage, zipped Shapefile or GeoParquet")
    imp.add_argument("--source", required=True, help="who published the polygons (e.g. DeepStateMap)")
    imp.add_argument("--definition", required=True, help="what the source counts (e.g. occupied)")
    when = imp.add_mutually_exclusive_group()
    when.add_argument("--date", metavar="DATE", help="as-of date of the whole file (YYYY-MM-DD)")
    when.add_argument("--date-field", metavar="FIELD", help="field holding each feature's as-of date")
    imp.add_argument("--clip", action="store_true", help="cut the snapshots to the territory's outline")

    areas = sub.add_parser("areas", help="area and share per snapshot date, whole territory and per region")
    areas.add_argument("--source")
    areas.add_argument("--definition")
    areas.add_argument("--format", choices=["csv", "json"], default="csv")

    change = sub.add_parser("change", help="area gained and lost between two snapshots, whole and per region")
    change.add_argument("--source", required=True)
    change.add_argument("--definition")
    change.add_argument("--from", dest="start", required=True, metavar="DATE")
    change.add_argument("--to", dest="end", required=True, metavar="DATE")
    change.add_argument("--format", choices=["csv", "json", "geojson"], default="csv")

    sync = sub.add_parser("sync", help="pull the snapshots missing from the store from a public archive")
    sync.add_argument("archive", choices=["deepstate"])
    sync.add_argument("--base-url", metavar="URL", help="archive base URL (default: $TERRITORY_DEEPSTATE_URL or "
                      "the public DeepStateMap archive)")  # fmt: skip
    sync.add_argument("--from", dest="start", metavar="DATE", help="first as-of date (default: the archive's first)")
    sync.add_argument("--to", dest="end", metavar="DATE", help="last as-of date (default: yesterday)")
    from geodata import front_cli

    front_cli.add_commands(sub)
    return parser


def _day(text: str | None, option: str) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp(text).normalize()
    except ValueError:
        raise SystemExit(f"{option}: {text!r} is not a date; use YYYY-MM-DD") from None


def _err(line: str) -> None:
    print(line, file=sys.stderr)


def _engine():  # type: ignore[no-untyped-def]
    from metrics.store import database_url, get_engine

    return get_engine(database_url())  # keyed by the URL: ``get_engine()`` caches the first URL it saw


def _load_bundled(engine) -> None:  # type: ignore[no-untyped-def]
    """Load the shipped figures first on an empty store, so that figures derived here come later (and
    supersede the shipped ones with the same key, not the other way round)."""
    from metrics.bundled import ensure_bundled_data

    ensure_bundled_data(engine, report=_err)


def _import(args: argparse.Namespace) -> int:
    import hashlib

    from geodata.ingest import check_labels, import_prepared, prepare_snapshots, read_spatial_file

    path: Path = args.file
    check_labels(path.name, source=args.source, definition=args.definition)
    prepared = prepare_snapshots(
        read_spatial_file(path), name=path.name, date=args.date, date_field=args.date_field, clip=args.clip
    )  # checked before the store is touched: bad input stores nothing, not even the bundled data
    engine = _engine()
    _load_bundled(engine)
    result = import_prepared(
        engine, prepared, file_sha256=hashlib.sha256(path.read_bytes()).hexdigest(), source=args.source,
        definition=args.definition, filename=path.name,
    )  # fmt: skip
    print("\n".join(result.summary()))
    return 0


def _write(frame: pd.DataFrame, fmt: str) -> None:
    from metrics.text import write_csv

    if fmt == "csv":  # formula-looking text (a source "=HYPERLINK(...)") neutralised
        sys.stdout.write(write_csv(frame).decode())
    else:
        records = json.loads(frame.to_json(orient="records"))
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=1) + "\n")


def _areas(args: argparse.Namespace) -> int:
    from geodata.store import snapshot_areas

    rows = snapshot_areas(_engine(), source=args.source, definition=args.definition)
    _write(rows, args.format)
    dates = rows.loc[rows["region"] == "", "date"].nunique() if len(rows) else 0
    _err(f"{len(rows)} rows, {dates} snapshot dates" if len(rows) else "no snapshots in the store; import or sync some")
    return 0


def _change(args: argparse.Namespace) -> int:
    from geodata.change import snapshot_change

    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    change = snapshot_change(_engine(), source=args.source, definition=args.definition, start=start, end=end)
    if args.format == "geojson":
        sys.stdout.write(json.dumps(change.to_geojson(), ensure_ascii=False) + "\n")
    else:
        _write(change.rows(), args.format)
    whole = change.whole
    _err(
        f"{change.source} ({change.definition}) {change.start:%Y-%m-%d} to {change.end:%Y-%m-%d}: "
        f"gained {whole['gained_km2']:,.1f} km2, lost {whole['lost_km2']:,.1f} km2, net {whole['net_km2']:+,.1f} km2"
    )
    return 0


def _sync(args: argparse.Namespace) -> int:
    from geodata.sync import sync_deepstate

    start, end = _day(args.start, "--from"), _day(args.end, "--to")
    if start is not None and end is not None and start > end:
        raise SystemExit(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}")
    engine = _engine()
    _load_bundled(engine)
    result = sync_deepstate(engine, url=args.base_url, start=start, end=end, report=print)
    return 1 if result.failed else 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from geodata.ingest import GeoInputError
    from geodata.store import NoSnapshotError
    from geodata.sync import SyncError

    try:
        if args.command == "import":
            return _import(args)
        if args.command == "areas":
            return _areas(args)
        if args.command == "change":
            return _change(args)
        if args.command in ("settlements", "frontline"):
            from geodata import front_cli

            _load_bundled(_engine())
            return front_cli.run(args, engine=_engine, day=_day, write=_write)
        return _sync(args)
    except GeoInputError as exc:
        for line in exc.problems:
            _err(line)
        return 2
    except NoSnapshotError as exc:
        _err(str(exc))
        return 2
    except SystemExit as exc:
        if isinstance(exc.code, str):
            _err(exc.code)
            return 2
        raise
    except SyncError as exc:
        _err(f"sync stopped: {exc}; the days stored so far stay stored: run the same command again to resume")
        return 1
    except Exception as exc:  # noqa: BLE001 - the CLI reports any failure in one line, exit 1
        _err(f"error: {type(exc).__name__}: {exc}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
