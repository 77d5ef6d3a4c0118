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

import csv
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, insert, select
from sqlalchemy.exc import IntegrityError

from metrics.ingest import (
    _DATE_FIX,
    _EXCEL_FIX,
    Problem,
    _already,
    _Checker,
    _decode,
    _did_you_mean,
    _existing_batch,
    _long_rows,
    _normalise_name,
    _parsed_dates,
    _read_table,
    _slash_order,
    upload_size_problem,
)
from metrics.store import Batch, Event, write_transaction

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
    "parse_events_csv",
    "plan_events",
    "read_events",
    "stored_batch",
    "short_label",
    "store_events",
    "template_csv",
]

#: Columns a file of events must have.
REQUIRED_COLUMNS = ("date", "label", "source")
#: Columns it may have.
OPTIONAL_COLUMNS = ("short_label", "url", "notes")
#: Other names read as a column (figures' files call the link ``source_url``).
_ALIASES = {"source_url": "url", "short": "short_label"}
#: Columns of an event, in the order of reads and the template.
EVENT_COLUMNS = ["date", "label", "short_label", "source", "url", "notes"]
_KNOWN = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)
_TEXT = ("label", "short_label", "source", "url", "notes")
_KEY = ["date", "label", "source"]
#: The longest label and short label taken (labels are drawn on charts; details go in notes).
MAX_LABEL = 300
MAX_SHORT_LABEL = 40
_URL = re.compile(r"https?://[^\s\"'<>]+", flags=re.IGNORECASE)


@dataclass
class ParsedEvents:
    """A file of events read and checked: its events (empty when there are problems), or its problems."""

    filename: str
    sha256: str
    size: int
    encoding: str
    delimiter: str
    events: pd.DataFrame  # EVENT_COLUMNS plus ``line`` (the physical line of the file)
    problems: list[Problem]
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass
class EventImportResult:
    status: Literal["imported", "dry run", "already imported", "invalid"]
    batch_id: int | None
    parsed: ParsedEvents
    message: str
    changes: pd.DataFrame | None = None  # plan_events of the file (None when invalid or already imported)


def _empty_events() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in EVENT_COLUMNS})
    return frame.assign(date=pd.Series(dtype="datetime64[ns]"), line=pd.Series(dtype=np.int64))


def short_label(label: str, limit: int = MAX_SHORT_LABEL) -> str:
    """A label short enough to draw on a chart: up to the first ``;`` or ``(``, cut at a word with ``…``."""
    text = re.split(r"\s*[;(]", label, maxsplit=1)[0].strip() or label.strip()
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(" ,.:-")
    return f"{cut}…"


# --- reading and checking ------------------------------------------------------------------------------


def _header(checker: _Checker) -> dict[str, int]:
    """Positions of the known columns; problems for unknown, repeated and missing columns."""
    positions: dict[str, int] = {}
    known = ", ".join(_KNOWN)
    for position, name in enumerate(checker.table.header):
        canonical = _normalise_name(name)
        canonical = _ALIASES.get(canonical, canonical)
        if not canonical:
            checker.unnamed.append(position)
        elif canonical in positions:
            checker.whole(name, f'column "{name}" appears twice', "keep one of the two columns")
        elif canonical not in _KNOWN:
            hint = _did_you_mean(canonical, _KNOWN)
            checker.whole(name, f'unknown column "{name}"{hint}', f"rename or delete it; the columns are: {known}")
        else:
            positions[canonical] = position
            checker.names[canonical] = name
    for column in REQUIRED_COLUMNS:
        if column not in positions:
            checker.whole(column, f"the required column {column} is missing",
                          f"add it (required: {', '.join(REQUIRED_COLUMNS)})")  # fmt: skip
            checker.spoil(column, np.ones(checker.n, dtype=bool))
    return positions


def _formulas(checker: _Checker) -> None:
    """Cells starting with = are refused; an export's apostrophe before = + - @ is removed."""
    for column, text in list(checker.raw.items()):
        formula = text.str.startswith("=").to_numpy(bool)
        if formula.any():
            checker.cells(formula, column, lambda i, t=text: f'"{t.iat[i]}" looks like a spreadsheet formula; '
                          "paste the value", _EXCEL_FIX)  # fmt: skip
        escaped = text.str.match(r"'[=+\-@]").to_numpy(bool)
        if escaped.any():
            checker.raw[column] = text.where(~escaped, text.str.slice(1))


def _texts(checker: _Checker) -> dict[str, pd.Series]:
    """Label, short label, source, url and notes, whitespace collapsed, each checked."""
    texts = {c: checker.text(c).str.replace(r"\s+", " ", regex=True) for c in _TEXT}
    label, short, source, url = texts["label"], texts["short_label"], texts["source"], texts["url"]
    if "label" in checker.raw:
        checker.cells((label == "").to_numpy(), "label", lambda i: "the label is empty",
                      'say what happened in a few words, e.g. "Russia claims the capture of Pokrovsk"')  # fmt: skip
    checker.cells((label.str.len() > MAX_LABEL).to_numpy(), "label",
                  lambda i: f"the label has {len(label.iat[i])} characters, more than {MAX_LABEL}",
                  f"shorten it to at most {MAX_LABEL} characters and put the details in notes")  # fmt: skip
    checker.cells((short.str.len() > MAX_SHORT_LABEL).to_numpy(), "short_label",
                  lambda i: f'"{short.iat[i]}" has {len(short.iat[i])} characters, more than {MAX_SHORT_LABEL}',
                  f"shorten it to at most {MAX_SHORT_LABEL} characters (it is drawn on the charts), or leave it "
                  "empty to use the label's first words")  # fmt: skip
    if "source" in checker.raw:
        checker.cells((source == "").to_numpy(), "source", lambda i: "the source is empty",
                      "name who reported the event, e.g. AFP or press reports")  # fmt: skip
    bad_url = ((url != "") & ~url.str.fullmatch(_URL.pattern, flags=re.IGNORECASE)).to_numpy(bool)
    checker.cells(bad_url, "url", lambda i: f'"{url.iat[i]}" is not a web address starting with http:// or https://',
                  "write the whole address, e.g. https://www.example.org/news/1, or leave it empty")  # fmt: skip
    return texts


def _dates(checker: _Checker) -> pd.Series:
    text = checker.text("date")
    dates, errors = _parsed_dates(text, _slash_order(text.unique()))
    checker.cells(errors != "", "date", lambda i: errors[i], _DATE_FIX)
    if "date" in checker.raw:
        checker.cells((text == "").to_numpy(), "date", lambda i: "the date is empty",
                      "fill in the day of the event as YYYY-MM-DD")  # fmt: skip
    return dates


def _merge_duplicates(checker: _Checker, events: pd.DataFrame) -> pd.DataFrame:
    """Identical lines merged (a note); the same date, label and source with other details is a problem."""
    if events.empty or not events.duplicated(_KEY).any():
        return events
    identical = events.duplicated(EVENT_COLUMNS, keep="first").to_numpy()
    if identical.any():
        first_line = events.groupby(EVENT_COLUMNS, sort=False)["line"].transform("first")
        for first, line in zip(first_line[identical], events["line"][identical], strict=True):
            checker.notes.append(f"lines {first} and {line} are identical: merged")
    distinct = events[~identical]
    first = distinct.groupby(_KEY, sort=False)[[*EVENT_COLUMNS, "line"]].transform("first")
    later = (distinct["line"] != first["line"]).to_numpy()
    for i in np.flatnonzero(later):
        row, earlier = distinct.iloc[i], first.iloc[i]
        column = next(c for c in ("short_label", "url", "notes") if row[c] != earlier[c])
        checker.problems.append(Problem(
            int(row["line"]), checker.names.get(column, column),
            f'same event as line {earlier["line"]} ({row["date"]:%Y-%m-%d}, "{row["label"]}", {row["source"]}) but '
            f'another {column}: "{row[column]}" here, "{earlier[column]}" on line {earlier["line"]}',
            f"keep one of lines {earlier['line']} and {row['line']}",
        ))  # fmt: skip
    return distinct


def parse_events_csv(data: bytes, filename: str) -> ParsedEvents:
    """Read and check a CSV file of events; never raises on bad input (problems are returned)."""
    parsed = ParsedEvents(filename, hashlib.sha256(data).hexdigest(), len(data), "", "", _empty_events(), [])
    too_big = upload_size_problem(len(data))
    if too_big is not None:
        parsed.problems.append(too_big)
        return parsed
    if not data.strip():
        parsed.problems.append(Problem(1, "", "the file is empty", "write the events under a header row, see the "
                                       "template"))  # fmt: skip
        return parsed
    decoded = _decode(data)
    if isinstance(decoded, Problem):
        parsed.problems.append(decoded)
        return parsed
    text, parsed.encoding = decoded
    table = _read_table(text)
    if isinstance(table, list):
        parsed.problems.extend(table)
        return parsed
    parsed.delimiter = table.delimiter
    checker = _Checker(table)
    positions = _header(checker)
    if checker.n == 0:
        checker.whole("", "the file has a header but no events", "add one event a line under the header")
    else:
        _long_rows(checker)
        for position in checker.unnamed:
            if (table.frame[position] != "").any():
                checker.whole("", f"column {position + 1} has values but no name", "name it in the header, or "
                              "delete it")  # fmt: skip
            else:
                checker.notes.append(f"column {position + 1} has no name and no values: ignored")
        for column, position in positions.items():
            checker.raw[column] = table.frame[position]
        _formulas(checker)
        date = _dates(checker)
        texts = _texts(checker)
        events = pd.DataFrame({"date": date, **texts, "line": table.lines})[[*EVENT_COLUMNS, "line"]]
        events = _merge_duplicates(checker, events[~checker.bad])
    parsed.notes = checker.notes
    if checker.problems:
        order = {name: i for i, name in enumerate(table.header)}
        parsed.problems = sorted(checker.problems, key=lambda p: (p.line, order.get(p.column, -1)))
        return parsed
    parsed.events = events.reset_index(drop=True)
    return parsed


# --- the store -----------------------------------------------------------------------------------------


def store_events(conn: Connection, events: pd.DataFrame, *, filename: str, sha256: str, who: str = "") -> int:
    """Insert a batch and its events inside the caller's transaction; returns the batch id.

    Raises ``sqlalchemy.exc.IntegrityError`` when a batch with the same sha256 exists."""
    batch_id = conn.scalar(
        insert(Batch)
        .values(created_at=dt.datetime.now(dt.UTC), filename=filename, sha256=sha256, rows=len(events), who=who,
                status="active")
        .returning(Batch.id)
    )  # fmt: skip
    rows = events[EVENT_COLUMNS].assign(date=events["date"].dt.date, batch_id=batch_id).to_dict("records")
    if rows:
        conn.execute(insert(Event), rows)
    return int(batch_id)


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
    return _existing_batch(engine, parsed.sha256)


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
    existing = _existing_batch(engine, parsed.sha256)
    if existing is not None:
        return EventImportResult("already imported", existing[0], parsed, _already(filename, engine, existing))
    if not parsed.ok:
        count = len(parsed.problems)
        return EventImportResult("invalid", None, parsed,
                                 f"{filename}: {count} problem{'s' if count != 1 else ''}; nothing stored")  # fmt: skip
    changes = plan_events(engine, parsed)
    if dry_run:
        return EventImportResult("dry run", None, parsed, f"{_summary(filename, changes)}; dry run: nothing stored",
                                 changes)  # fmt: skip
    try:
        with write_transaction(engine) as conn:
            if conn.scalar(select(Batch.id).where(Batch.sha256 == parsed.sha256)) is None:
                batch_id = store_events(conn, parsed.events, filename=Path(filename).name, sha256=parsed.sha256,
                                        who=who)  # fmt: skip
            else:
                batch_id = None
    except IntegrityError:  # the same bytes landed from another process meanwhile
        batch_id = None
    if batch_id is None:
        existing = _existing_batch(engine, parsed.sha256)
        if existing is None:
            raise RuntimeError(f"{filename}: the import failed and no batch with its bytes is in the store")
        return EventImportResult("already imported", existing[0], parsed, _already(filename, engine, existing))
    message = f"{_summary(filename, changes)}; stored as batch {batch_id}"
    return EventImportResult("imported", batch_id, parsed, message, changes)


# --- the template --------------------------------------------------------------------------------------

_TEMPLATE_ROWS = [
    ["2025-12-01", "Russia claims the capture of Pokrovsk; Ukraine says fighting goes on", "Pokrovsk claimed",
     "press reports", "https://www.example.org/news/pokrovsk", "Example: one event a line; short_label is drawn "
     "on the charts (at most 40 characters), the label shows on hover"],
]  # fmt: skip


def template_csv() -> bytes:
    """The downloadable template: every column and one example row (valid; imports cleanly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EVENT_COLUMNS)
    writer.writerows(_TEMPLATE_ROWS)
    return buffer.getvalue().encode("utf-8")
