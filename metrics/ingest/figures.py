"""Figures from CSV (DESIGN.md, "Contracts"): read, check, plan and store one batch.

What spreadsheets produce is taken in (``encoding``, ``table``, ``cells``); every problem of a file is
reported at once as a ``Problem``; a file with any problem stores nothing. The same bytes again are a
no-op that names the batch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, select

from metrics.ingest.figure_checks import FIGURES, OUT_COLUMNS, check_figures, empty_figures
from metrics.ingest.problems import Problem, Progress
from metrics.ingest.table import open_table
from metrics.metadata import KEY_COLUMNS, official_area_km2
from metrics.store import find_batch, insert_figures, read_figures, store_once
from metrics.tables import Batch
from metrics.text import write_csv

__all__ = [
    "ImportPlan",
    "ImportResult",
    "ParsedFile",
    "affected_series",
    "already_imported",
    "import_figures",
    "parse_figures_csv",
    "plan_import",
    "template_csv",
]

_SERIES_COLUMNS = ["territory", "region", "actor", "metric", "source", "definition"]
_OUT_COLUMNS = OUT_COLUMNS


@dataclass
class ParsedFile:
    """A file read and checked: its canonical figures (empty when there are problems), or its problems."""

    filename: str
    sha256: str
    size: int
    encoding: str
    delimiter: str
    figures: pd.DataFrame
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class ImportPlan:
    """What importing a parsed file would change: one row per figure with ``change`` in
    {'new', 'supersedes', 'unchanged'} and the current ``previous_value`` (NaN for new figures)."""

    parsed: ParsedFile
    changes: pd.DataFrame
    existing_batch: tuple[int, str] | None

    def counts(self) -> dict[str, int]:
        counted = self.changes["change"].value_counts() if not self.changes.empty else pd.Series(dtype=int)
        return {c: int(counted.get(c, 0)) for c in ("new", "supersedes", "unchanged")}


@dataclass
class ImportResult:
    status: Literal["imported", "dry run", "already imported", "invalid"]
    batch_id: int | None
    plan: ImportPlan | None
    parsed: ParsedFile
    message: str


def parse_figures_csv(data: bytes, filename: str, *, progress: Progress | None = None) -> ParsedFile:
    """Read and check a CSV file of figures; never raises on bad input (problems are returned).

    ``figures``: canonical figures (the figure columns without ``batch_id``, plus ``line``, the physical
    line of the file); empty when there are problems. ``progress(stage, fraction)`` reports "reading"
    and "checking".
    """
    report = progress or (lambda _stage, _fraction: None)
    report("reading", 0.0)
    parsed = ParsedFile(filename, hashlib.sha256(data).hexdigest(), len(data), "", "", empty_figures(), [])
    table = open_table(parsed, data, FIGURES)
    if table is None:
        return parsed
    report("reading", 1.0)
    report("checking", 0.0)
    parsed.figures, parsed.problems, parsed.notes = check_figures(table, report)
    return parsed


def already_imported(filename: str, engine: Engine, batch: tuple[int, str]) -> str:
    """The message for bytes that are in the store already, naming their batch."""
    batch_id, status = batch
    with engine.connect() as conn:
        name, created = conn.execute(select(Batch.filename, Batch.created_at).where(Batch.id == batch_id)).one()
    text = (f"{filename}: these bytes were already imported as batch {batch_id} ({name}, {created:%Y-%m-%d %H:%M}, "
            f"{status}); nothing changed")  # fmt: skip
    if status == "retracted":
        text += f"; the batch is retracted: bring it back with `python -m metrics restore {batch_id}`"
    return text


def _current(engine: Engine, figures: pd.DataFrame) -> pd.DataFrame:
    """Current figures of the sources and metrics the file has (the candidates it may supersede)."""
    return read_figures(engine, metrics=sorted(figures["metric"].unique()), sources=sorted(figures["source"].unique()))


def _typed_keys(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        date=frame["date"].astype("datetime64[ns]"), period_start=frame["period_start"].astype("datetime64[ns]"),
        **{c: frame[c].astype(str) for c in KEY_COLUMNS if c not in ("date", "period_start")},
    )  # fmt: skip


def plan_import(engine: Engine, parsed: ParsedFile) -> ImportPlan:
    """What importing ``parsed`` would do to the store's current figures (reads only)."""
    existing_batch = find_batch(engine, parsed.sha256)
    figures = _typed_keys(parsed.figures)
    columns = [*_OUT_COLUMNS, "line", "change", "previous_value"]
    if figures.empty:
        return ImportPlan(parsed, figures.assign(change=pd.Series(dtype=str), previous_value=np.nan)[columns],
                          existing_batch)  # fmt: skip
    current = _typed_keys(_current(engine, figures))
    provenance = ["value", "source_url", "published", "notes", "derived"]
    previous = current[[*KEY_COLUMNS, *provenance]].rename(columns={c: f"_old_{c}" for c in provenance})
    merged = figures.merge(previous, on=KEY_COLUMNS, how="left", validate="one_to_one")
    found = merged["_old_value"].notna()
    same = found.copy()
    for column in provenance:
        old = merged[f"_old_{column}"]
        same &= (merged[column] == old) | (merged[column].isna() & old.isna())
    change = np.where(~found, "new", np.where(same, "unchanged", "supersedes"))
    changes = merged.assign(change=change, previous_value=merged["_old_value"].astype(float))
    return ImportPlan(parsed, changes[columns].reset_index(drop=True), existing_batch)


def affected_series(engine: Engine, plan: ImportPlan) -> pd.DataFrame:
    """Every series the file touches, before and after the import, in long format.

    Columns ``date, period_start, territory, region, actor, metric, source, definition, value, state``
    with ``state`` 'before' (the current figures) or 'after' (with the file's figures applied).
    """
    columns = ["date", "period_start", *_SERIES_COLUMNS, "value"]
    figures = _typed_keys(plan.parsed.figures)
    if figures.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in [*columns, "state"]})
    series = figures[_SERIES_COLUMNS].drop_duplicates()
    before = _typed_keys(_current(engine, figures)).merge(series, on=_SERIES_COLUMNS)[columns]
    replaced = pd.MultiIndex.from_frame(before[KEY_COLUMNS]).isin(pd.MultiIndex.from_frame(figures[KEY_COLUMNS]))
    after = pd.concat([before[~replaced], figures[columns]], ignore_index=True)
    out = pd.concat([before.assign(state="before"), after.assign(state="after")], ignore_index=True)
    out["state"] = pd.Categorical(out["state"], categories=["before", "after"])
    out = out.sort_values(["state", *_SERIES_COLUMNS, "date", "period_start"], ignore_index=True, kind="stable")
    return out.assign(state=out["state"].astype(str))


def _summary(filename: str, plan: ImportPlan) -> str:
    counts = plan.counts()
    total = sum(counts.values())
    figures = f"{total:,} figure{'s' if total != 1 else ''}"
    changes = f"{counts['new']:,} new, {counts['supersedes']:,} superseding, {counts['unchanged']:,} unchanged"
    return f"{filename}: {figures}: {changes}"


def import_figures(
    engine: Engine,
    data: bytes,
    filename: str,
    *,
    who: str = "",
    dry_run: bool = False,
    progress: Progress | None = None,
    parsed: ParsedFile | None = None,
) -> ImportResult:
    """Check a CSV file and store its figures as one batch, in one transaction.

    The store's schema must exist (``metrics.bundled.ensure_bundled_data`` or ``store.create_schema``).
    The same bytes again are a no-op ("already imported"); a file with problems stores nothing
    ("invalid"); ``dry_run`` plans without storing. The batch is named after the file's base name.
    ``progress(stage, fraction)`` reports "reading", "checking" and "storing". ``parsed``: the result of
    ``parse_figures_csv`` on these bytes, when the caller has it (not read again).
    """
    report = progress or (lambda _stage, _fraction: None)
    if parsed is None:
        parsed = parse_figures_csv(data, filename, progress=report)
    elif parsed.sha256 != hashlib.sha256(data).hexdigest():
        raise ValueError(f"{filename}: the parsed file given is not these bytes")
    existing = find_batch(engine, parsed.sha256)
    if existing is not None:
        message = already_imported(filename, engine, existing)
        return ImportResult("already imported", existing[0], None, parsed, message)
    if not parsed.ok:
        count = len(parsed.problems)
        return ImportResult("invalid", None, None, parsed,
                            f"{filename}: {count:,} problem{'s' if count != 1 else ''}; nothing stored")  # fmt: skip
    plan = plan_import(engine, parsed)
    if dry_run:
        return ImportResult("dry run", None, plan, parsed, f"{_summary(filename, plan)}; dry run: nothing stored")
    report("storing", 0.0)

    def write(conn: Connection, batch_id: int) -> None:
        insert_figures(conn, parsed.figures, batch_id,
                       progress=lambda done, total: report("storing", done / max(total, 1)))  # fmt: skip

    stored = store_once(engine, sha256=parsed.sha256, filename=Path(filename).name, rows=len(parsed.figures),
                        write=write, who=who)  # fmt: skip
    if not stored.created:  # the same bytes landed from another process meanwhile
        batch = (stored.batch_id, stored.status)
        message = already_imported(filename, engine, batch)
        return ImportResult("already imported", stored.batch_id, None, parsed, message)
    report("storing", 1.0)
    message = f"{_summary(filename, plan)}; stored as batch {stored.batch_id}"
    return ImportResult("imported", stored.batch_id, plan, parsed, message)


# --- the template --------------------------------------------------------------------------------------

_TEMPLATE_COLUMNS = [
    "date", "period", "period_start", "territory", "region", "actor", "metric", "value", "unit", "source",
    "definition", "source_url", "published", "notes", "quality",
]  # fmt: skip
_TEMPLATE_ROWS = [
    ["2025-11-30", "", "", "UKR", "", "RU", "area_controlled_km2", "116500", "km2", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: area held on the date (a stock); put your figures here"],
    ["2025-11-30", "", "", "UKR", "", "RU", "share_controlled_pct", "19.3", "percent", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01",
     f"Example: share of Ukraine's {official_area_km2():,.0f} km2 held on the date"],
    ["", "2025-11", "", "UKR", "", "RU", "net_change_km2", "505", "km2", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: gained minus lost over November 2025 (a flow: give the "
     "period; the date may stay empty)"],
    ["", "2025-W47", "", "UKR", "UA-14", "RU", "area_gained_km2", "62", "sq_mi", "ISW", "assessed control",
     "https://understandingwar.org", "2025-11-24", "Example: gained in Donetsk Oblast (UA-14) over ISO week 47 "
     "(17-23 November 2025), in square miles"],
    ["2025-11-30", "", "2025-11-01", "UKR", "UA-14", "RU", "area_lost_km2", "1250", "ha", "ISW",
     "assessed control", "https://understandingwar.org", "2025-12-01", "Example: lost in Donetsk Oblast from "
     "period_start to date, in hectares"],
    ["2025-11-30", "", "", "UKR", "", "RU", "frontline_length_km", "1290", "km", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: length of the front line on the date (km or mi)"],
    ["2025-11-30", "", "", "UKR", "UA-14", "RU", "settlements_held", "420", "count", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: places of 500+ people held in Donetsk Oblast"],
    ["2025-11-30", "", "", "UKR", "", "RU", "population_held", "11900000", "count", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: people living in the places held (census-era figures)"],
    ["2025-11-30", "", "", "UKR", "UA-14", "RU", "distance_to_front_km", "16", "km", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: distance from a watched city of Donetsk Oblast to the "
     "held area (name the city in notes)"],
]  # fmt: skip


def template_csv() -> bytes:
    """The downloadable template: every column, one example row per metric (valid; imports cleanly)."""
    return write_csv([[*row, ""] for row in _TEMPLATE_ROWS], columns=_TEMPLATE_COLUMNS)  # no quality mark
