"""Command line: ``python -m metrics init|import|import-events|export|report|batches|retract|restore``
(contracts in DESIGN.md).

Exit codes: 0 success, 2 bad input (one line per problem), 1 any other failure.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from metrics.bundled import ensure_bundled_data
from metrics.export import FORMATS, export_figures, export_per_place, to_bytes
from metrics.metadata import METRICS
from metrics.pipelines import FREQUENCIES
from metrics.store import database_url, get_engine, list_batches, read_figures, set_batch_status

if TYPE_CHECKING:
    from sqlalchemy import Engine


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m metrics", description="Figures of territorial control.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("init", help="create the store and load the bundled data (once)")
    imports = sub.add_parser("import", help="import a CSV file of figures as one batch")
    imports.add_argument("file", type=Path, metavar="FILE.csv")
    imports.add_argument("--dry-run", action="store_true", help="check and count the changes; store nothing")
    events = sub.add_parser("import-events", help="import a CSV file of events (date, label, source) as one batch")
    events.add_argument("file", type=Path, metavar="FILE.csv")
    events.add_argument("--dry-run", action="store_true", help="check and count the changes; store nothing")
    export = sub.add_parser("export", help="export current figures as tidy rows")
    export.add_argument("--metric", choices=METRICS)
    export.add_argument("--source")
    export.add_argument("--definition")
    export.add_argument("--region", help='ISO 3166-2 code (e.g. UA-14); "" for the whole territory; default all')
    export.add_argument("--freq", choices=list(FREQUENCIES))
    export.add_argument("--from", dest="start", metavar="DATE")
    export.add_argument("--to", dest="end", metavar="DATE")
    export.add_argument("--format", choices=FORMATS, default="csv")
    export.add_argument("--out", type=Path, metavar="PATH", help="file to write (default: standard output)")
    report = sub.add_parser("report", help="a period's report as PDF or self-contained HTML")
    report.add_argument("--from", dest="start", metavar="DATE", required=True)
    report.add_argument("--to", dest="end", metavar="DATE", required=True)
    report.add_argument("--out", type=Path, metavar="FILE", required=True, help="report.pdf or report.html")
    sub.add_parser("batches", help="list the batches, newest first (id first)")
    for name, what in (("retract", "take a batch back (its figures stay stored; superseded ones return)"),
                       ("restore", "make a retracted batch current again")):  # fmt: skip
        sub.add_parser(name, help=what).add_argument("batch_id", metavar="BATCH_ID")
    return parser


#: Batch ids are the store's ``Integer`` keys, 32-bit on PostgreSQL: a larger number is no batch's id
#: (and PostgreSQL would refuse to compare it: "integer out of range").
_MAX_BATCH_ID = 2**31 - 1


def _set_status(text: str, status: str) -> int:
    """Exit 2 with "no batch N" for an id that is not a stored batch's, whatever it is (a number too large
    for the store, negative, not a whole number)."""
    batch_id = int(text) if text.isascii() and text.isdigit() else None
    if batch_id is None or batch_id > _MAX_BATCH_ID:
        print(f"no batch {text}: see `python -m metrics batches` for the ids", file=sys.stderr)
        return 2
    try:
        previous = set_batch_status(get_engine(), batch_id, status)
    except LookupError as exc:
        print(exc, file=sys.stderr)
        return 2
    verb = "retracted" if status == "retracted" else "restored"
    if previous == status:
        print(f"batch {batch_id} was already {status}; nothing changed")
    else:
        print(f"batch {batch_id} {verb}")
    return 0


def _import(args: argparse.Namespace) -> int:
    """Exit 0 imported, dry run or already imported; 2 bad input (one line per problem on stderr)."""
    from metrics.ingest import import_figures  # pandera: only for this command

    return _import_file(args, import_figures)


def _import_file(args: argparse.Namespace, import_bytes) -> int:  # type: ignore[no-untyped-def]
    """Read ``args.file`` (size limit first), load the bundled data, and import it with
    ``import_bytes(engine, data, name, who=, dry_run=)`` (figures or events): the problems on stderr,
    the notes and the summary on stdout."""
    from metrics.ingest import Problem, upload_size_problem

    shown = str(args.file)
    try:
        too_big = upload_size_problem(args.file.stat().st_size)
        if too_big is not None:
            print(too_big.as_text(shown), file=sys.stderr)
            return 2
        data = args.file.read_bytes()
    except OSError as exc:
        print(Problem(1, "", f"cannot read the file ({exc.strerror or exc})", "check the path").as_text(shown),
              file=sys.stderr)  # fmt: skip
        return 2
    engine = get_engine()
    ensure_bundled_data(engine, report=print)  # stdout: stderr carries only the file's problems
    result = import_bytes(engine, data, shown, who=_user(), dry_run=args.dry_run)
    for problem in result.parsed.problems if result.status == "invalid" else ():
        print(problem.as_text(shown), file=sys.stderr)
    for note in result.parsed.notes if result.status != "invalid" else ():
        print(f"note: {note}")
    print(result.message)
    return 2 if result.status == "invalid" else 0


def _report(args: argparse.Namespace) -> int:
    """Exit 0 written; 2 bad dates or file name (one line); 1 anything else (e.g. no browser for a PDF)."""
    from geodata.maps import change_map_of  # the CLI may use geodata (metrics/ itself does not)
    from metrics.report import FORMATS, write_report

    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    if args.out.suffix.lower().lstrip(".") not in FORMATS:
        print(f"{args.out}: the report is written as .pdf or .html; name the file accordingly", file=sys.stderr)
        return 2
    if start > end:
        print(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}", file=sys.stderr)
        return 2
    engine = get_engine()
    ensure_bundled_data(engine, report=lambda line: print(line, file=sys.stderr))
    write_report(engine, f"{start:%Y-%m-%d}", f"{end:%Y-%m-%d}", args.out, change_map=change_map_of(engine),
                 progress=lambda stage, done: print(f"[{done:4.0%}] {stage}", file=sys.stderr))  # fmt: skip
    print(f"{args.out}: report of {start:%Y-%m-%d} to {end:%Y-%m-%d}, {args.out.stat().st_size:,} bytes")
    return 0


def _import_events(args: argparse.Namespace) -> int:
    """Exit 0 imported, dry run or already imported; 2 bad input (one line per problem on stderr)."""
    from metrics.events import import_events

    return _import_file(args, import_events)


def _user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no user name in the environment or the password database
        return ""


def _date(text: str | None, option: str) -> pd.Timestamp | None:
    if text is None:
        return None
    try:
        return pd.Timestamp(text).normalize()
    except ValueError:
        raise SystemExit(f"{option}: {text!r} is not a date; use YYYY-MM-DD") from None


def _export(args: argparse.Namespace) -> int:
    if args.out is None and args.format == "xlsx":
        print("--format xlsx needs --out FILE.xlsx (a workbook is not text)", file=sys.stderr)
        return 2
    start, end = _date(args.start, "--from"), _date(args.end, "--to")
    engine = get_engine()
    ensure_bundled_data(engine, report=lambda line: print(line, file=sys.stderr))
    figures = read_figures(
        engine,
        sources=[args.source] if args.source else None,
        definitions=[args.definition] if args.definition else None,
    )
    if args.metric == "distance_to_front_km":
        rows = _distance_rows(engine, args, start, end)
    else:
        rows = export_figures(
            figures,
            metrics=[args.metric] if args.metric else None,
            region=args.region,
            freq=args.freq,
            start=start,
            end=end,
        )
    data = to_bytes(rows, args.format)
    if args.out is None:
        sys.stdout.write(data.decode())
    else:
        args.out.write_bytes(data)
    print(f"{len(rows)} rows exported from {_safe_url()}", file=sys.stderr)
    return 0


def _distance_rows(engine: Engine, args: argparse.Namespace, start: pd.Timestamp | None,
                   end: pd.Timestamp | None) -> pd.DataFrame:  # fmt: skip
    """``distance_to_front_km``: one series per city, so the rows carry a ``place`` (the city's GeoNames
    id), which the store's figure key has no room for; they come from the shipped distances and the
    snapshots in the store (``geodata.front_queries.distance_rows``)."""
    from geodata.front_queries import distance_rows

    figures = distance_rows(engine, source=args.source, definition=args.definition)
    return export_per_place(figures, metric=args.metric, region=args.region, freq=args.freq, start=start, end=end)


def _safe_url() -> str:
    """The store URL without a password."""
    from sqlalchemy.engine import make_url

    return make_url(database_url()).render_as_string(hide_password=True)


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "init":
            loaded = ensure_bundled_data(get_engine())
            done = f"loaded {', '.join(loaded)}" if loaded else "bundled data already loaded"
            print(f"store {_safe_url()}: {done}")
            return 0
        if args.command == "import":
            return _import(args)
        if args.command == "import-events":
            return _import_events(args)
        if args.command == "report":
            return _report(args)
        if args.command == "export":
            return _export(args)
        if args.command in ("retract", "restore"):
            return _set_status(args.batch_id, "retracted" if args.command == "retract" else "active")
        batches = list_batches(get_engine())
        for batch in batches.itertuples():
            created = f"{batch.created_at:%Y-%m-%d %H:%M}"
            print(f"{batch.id}\t{created}\t{batch.status}\t{batch.rows}\t{batch.filename}\t{batch.who}")
        return 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
            return 2
        raise
    except Exception as exc:  # noqa: BLE001 - the CLI reports any failure in one line, exit 1
        print(f"error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
