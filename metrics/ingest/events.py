"""Events from CSV (date, label, source; short_label, url, notes): read and checked by the same table code
as figures (``table``), so encodings, delimiters, quoting, formulas, invisible characters, lengths and
duplicates are handled the same way."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from metrics.ingest.cells import parsed_dates, slash_order
from metrics.ingest.problems import DATE_FIX, Problem
from metrics.ingest.table import Checker, ColumnSpec, check_columns, merge_duplicates, open_table
from metrics.tables import Event, text_limits

__all__ = [
    "EVENT_COLUMNS",
    "EVENTS",
    "MAX_LABEL",
    "MAX_SHORT_LABEL",
    "OPTIONAL_COLUMNS",
    "ParsedEvents",
    "REQUIRED_COLUMNS",
    "empty_events",
    "parse_events_csv",
]

#: Columns a file of events must have.
REQUIRED_COLUMNS = ("date", "label", "source")
#: Columns it may have.
OPTIONAL_COLUMNS = ("short_label", "url", "notes")
#: Columns of an event, in the order of reads and the template.
EVENT_COLUMNS = ["date", "label", "short_label", "source", "url", "notes"]
_TEXT = ("label", "short_label", "source", "url", "notes")
_KEY = ["date", "label", "source"]
#: The longest label and short label taken (labels are drawn on charts; details go in notes).
MAX_LABEL = 300
MAX_SHORT_LABEL = 40
#: How far after today an event may be dated (later is a typo).
FUTURE_DAYS = 3
_URL = re.compile(r"https?://[^\s\"'<>]+", flags=re.IGNORECASE)
EVENTS = ColumnSpec(
    what="events", required=REQUIRED_COLUMNS, optional=OPTIONAL_COLUMNS,
    aliases={"source_url": "url", "short": "short_label"},  # figures' files call the link source_url
    unescape=_TEXT, names=("label", "short_label", "source"), free_text=("notes",),
    limits=text_limits(Event, ("source", "url", "notes")), spaces_in_names=True,
)  # fmt: skip


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


def empty_events() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in EVENT_COLUMNS})
    return frame.assign(date=pd.Series(dtype="datetime64[ns]"), line=pd.Series(dtype=np.int64))


def _texts(checker: Checker) -> dict[str, pd.Series]:
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


def _dates(checker: Checker, today: dt.date) -> pd.Series:
    text = checker.text("date")
    dates, errors = parsed_dates(text, slash_order(text.unique()))
    checker.cells(errors != "", "date", lambda i: errors[i], DATE_FIX)
    if "date" in checker.raw:
        checker.cells((text == "").to_numpy(), "date", lambda i: "the date is empty",
                      "fill in the day of the event as YYYY-MM-DD")  # fmt: skip
    late = (dates > pd.Timestamp(today + dt.timedelta(days=FUTURE_DAYS))).to_numpy(bool)
    checker.cells(late, "date", lambda i: f"the event is dated {dates.iat[i]:%Y-%m-%d}, after today ({today:%Y-%m-%d})",
                  "check the year and the month: events are dated on the day they happened")  # fmt: skip
    return dates


def _describe(row: dict[str, object]) -> str:
    return f'{row["date"]:%Y-%m-%d}, "{row["label"]}", {row["source"]}'


def parse_events_csv(data: bytes, filename: str, *, today: dt.date | None = None) -> ParsedEvents:
    """Read and check a CSV file of events; never raises on bad input (problems are returned)."""
    parsed = ParsedEvents(filename, hashlib.sha256(data).hexdigest(), len(data), "", "", empty_events(), [])
    table = open_table(parsed, data, EVENTS)
    if table is None:
        return parsed
    checker = Checker(table, EVENTS)
    events = empty_events()
    if check_columns(checker):
        date = _dates(checker, today or dt.date.today())
        texts = _texts(checker)
        events = pd.DataFrame({"date": date, **texts, "line": table.lines})[[*EVENT_COLUMNS, "line"]]
        events = merge_duplicates(checker, events[~checker.bad], _KEY, EVENT_COLUMNS, _describe, "")
    parsed.notes = checker.notes
    if checker.problems:
        parsed.problems = checker.sorted_problems()
        return parsed
    parsed.events = events.reset_index(drop=True)
    return parsed
