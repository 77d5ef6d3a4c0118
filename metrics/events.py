"""Events: dated happenings (a claimed capture, a round of talks) drawn as markers on the time charts.

A CSV file of events has a header row; required columns ``date, label, source``; optional
``short_label`` (at most 40 characters, drawn on the chart; made from the label when empty), ``url``
(``source_url`` is read as ``url``) and ``notes``. Files are read exactly as files of figures are
(``metrics.ingest``: encodings, delimiters, quoting, formulas) and every problem is reported at once as
``FILE:LINE: column: message; fix``; a file with any problem stores nothing, and the same bytes twice
change nothing.

Events are stored as a batch (``metrics.store.Event``): retracting the batch hides its events and
restoring it shows them again; nothing is deleted. Per (date, label, source) the latest active batch
wins, so a later file can correct an event's url or notes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select

from metrics.ingest.events import (
    EVENT_COLUMNS,
    MAX_LABEL,
    MAX_SHORT_LABEL,
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    ParsedEvents,
    parse_events_csv,
)
from metrics.ingest.figures import already_imported
from metrics.store import find_batch, store_once
from metrics.tables import Batch, Event
from metrics.text import write_csv

__all__ = [
    "EVENT_COLUMNS",
    "EventImportResult",
    "between",
    "MAX_LABEL",
    "MAX_SHORT_LABEL",
    "OPTIONAL_COLUMNS",
    "ParsedEvents",
    "REQUIRED_COLUMNS",
    "import_events",
    "insert_events",
    "parse_events_csv",
    "plan_events",
    "read_events",
    "stored_batch",
    "short_label",
    "template_csv",
]

_KEY = ["date", "label", "source"]


@dataclass
class EventImportResult:
    status: Literal["imported", "dry run", "already imported", "invalid"]
    batch_id: int | None
    parsed: ParsedEvents
    message: str
    changes: pd.DataFrame | None = None  # plan_events of the file (None when invalid or already imported)


def short_label(label: str, limit: int = MAX_SHORT_LABEL) -> str:
    """A label short enough to draw on a chart: up to the first ``;`` or ``(``, cut at a word with ``…``."""
    text = re.split(r"\s*[;(]", label, maxsplit=1)[0].strip() or label.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.:-")
    return f"{cut}…"


def insert_events(conn: Connection, events: pd.DataFrame, batch_id: int) -> None:
    """Insert a batch's events (checked, canonical) inside the caller's transaction."""
    rows = events[EVENT_COLUMNS].assign(date=events["date"].dt.date, batch_id=batch_id).to_dict("records")
    if rows:
        conn.execute(insert(Event), rows)


def read_events(engine: Engine, *, since: dt.date | None = None, until: dt.date | None = None) -> pd.DataFrame:
    """The current events (active batches; the latest batch wins per date, label and source), oldest first.

    Columns ``EVENT_COLUMNS`` plus ``batch_id``; ``short_label`` filled from the label where empty;
    dates as ``datetime64``."""
    columns = [*EVENT_COLUMNS, "batch_id"]
    query = select(*(getattr(Event, c) for c in columns)).join(Batch).where(Batch.status == "active")
    if since is not None:
        query = query.where(Event.date >= since)
    if until is not None:
        query = query.where(Event.date <= until)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=columns)
    frame["date"] = pd.to_datetime(frame["date"]).astype("datetime64[ns]")
    frame = frame.sort_values("batch_id", kind="stable").drop_duplicates(_KEY, keep="last")
    frame["short_label"] = [
        s or short_label(label) for s, label in zip(frame["short_label"], frame["label"], strict=True)
    ]
    return frame.sort_values(["date", "label"], ignore_index=True)


def between(events: pd.DataFrame, start: dt.date | None, end: dt.date | None) -> pd.DataFrame:
    """The events dated ``start`` .. ``end`` (either may be None: open)."""
    keep = pd.Series(True, index=events.index)
    if start is not None:
        keep &= events["date"] >= pd.Timestamp(start)
    if end is not None:
        keep &= events["date"] <= pd.Timestamp(end)
    return events[keep].reset_index(drop=True)


def stored_batch(engine: Engine, parsed: ParsedEvents) -> tuple[int, str] | None:
    """(id, status) of the batch that holds these exact bytes already, or None."""
    return find_batch(engine, parsed.sha256)


def plan_events(engine: Engine, parsed: ParsedEvents) -> pd.DataFrame:
    """The file's events with ``change``: 'new', 'updates' (a stored event gets another short label, url or
    notes) or 'unchanged'."""
    events = parsed.events
    if events.empty:
        return events.assign(change=pd.Series(dtype="str"))
    current = read_events(engine, since=events["date"].min().date(), until=events["date"].max().date())
    stored = current[EVENT_COLUMNS].rename(columns={c: f"_old_{c}" for c in ("short_label", "url", "notes")})
    merged = events.merge(stored, on=_KEY, how="left", validate="one_to_one")
    found = merged["_old_url"].notna()
    same = found.copy()
    for column in ("url", "notes"):
        same &= merged[column] == merged[f"_old_{column}"]
    same &= (merged["short_label"] == "") | (merged["short_label"] == merged["_old_short_label"])
    change = np.where(~found, "new", np.where(same, "unchanged", "updates"))
    return merged[[*EVENT_COLUMNS, "line"]].assign(change=change)


def _summary(filename: str, changes: pd.DataFrame) -> str:
    counts = changes["change"].value_counts()
    total = len(changes)
    return (f"{filename}: {total} event{'s' if total != 1 else ''}: {int(counts.get('new', 0))} new, "
            f"{int(counts.get('updates', 0))} updating, {int(counts.get('unchanged', 0))} unchanged")  # fmt: skip


def import_events(
    engine: Engine,
    data: bytes,
    filename: str,
    *,
    who: str = "",
    dry_run: bool = False,
    parsed: ParsedEvents | None = None,
) -> EventImportResult:
    """Check a CSV file of events and store them as one batch, in one transaction.

    The same bytes again are a no-op ("already imported"); a file with problems stores nothing ("invalid");
    ``dry_run`` plans without storing. ``parsed``: ``parse_events_csv`` of these bytes, when the caller has it.
    """
    if parsed is None:
        parsed = parse_events_csv(data, filename)
    elif parsed.sha256 != hashlib.sha256(data).hexdigest():
        raise ValueError(f"{filename}: the parsed file given is not these bytes")
    existing = find_batch(engine, parsed.sha256)
    if existing is not None:
        return EventImportResult("already imported", existing[0], parsed, already_imported(filename, engine, existing))
    if not parsed.ok:
        count = len(parsed.problems)
        return EventImportResult("invalid", None, parsed,
                                 f"{filename}: {count} problem{'s' if count != 1 else ''}; nothing stored")  # fmt: skip
    changes = plan_events(engine, parsed)
    if dry_run:
        return EventImportResult("dry run", None, parsed, f"{_summary(filename, changes)}; dry run: nothing stored",
                                 changes)  # fmt: skip
    stored = store_once(engine, sha256=parsed.sha256, filename=Path(filename).name, rows=len(parsed.events),
                        write=lambda conn, batch_id: insert_events(conn, parsed.events, batch_id), who=who)  # fmt: skip
    if not stored.created:  # the same bytes landed from another process meanwhile
        message = already_imported(filename, engine, (stored.batch_id, stored.status))
        return EventImportResult("already imported", stored.batch_id, parsed, message)
    message = f"{_summary(filename, changes)}; stored as batch {stored.batch_id}"
    return EventImportResult("imported", stored.batch_id, parsed, message, changes)


# --- the template --------------------------------------------------------------------------------------

_TEMPLATE_ROWS = [
    ["2025-12-01", "Russia claims the capture of Pokrovsk; Ukraine says fighting goes on", "Pokrovsk claimed",
     "press reports", "https://www.example.org/news/pokrovsk", "Example: one event a line; short_label is drawn "
     "on the charts (at most 40 characters), the label shows on hover"],
]  # fmt: skip


def template_csv() -> bytes:
    """The downloadable template: every column and one example row (valid; imports cleanly)."""
    return write_csv(_TEMPLATE_ROWS, columns=EVENT_COLUMNS)
