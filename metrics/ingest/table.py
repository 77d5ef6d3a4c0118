"""The CSV table every importer reads: physical lines, the delimiter, the header checked against a column
spec, and the checks that every text column gets (formulas, control characters, lengths, duplicates).

``Checker`` collects problems while the importer turns columns into canonical values: each problem marks
its cell (or its whole row), so that later checks reading that cell leave it alone and every problem is
reported once.
"""

from __future__ import annotations

import csv
import itertools
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from metrics.ingest.cells import did_you_mean
from metrics.ingest.encoding import decode
from metrics.ingest.problems import EXCEL_FIX, Problem, upload_size_problem
from metrics.text import (
    FREE_TEXT_ALLOWED,
    first_bad_character,
    has_bad_characters,
    looks_like_formula_mask,
    strip_bad_characters_series,
    unneutralise_series,
    visible,
)

__all__ = [
    "Checker",
    "ColumnSpec",
    "Table",
    "check_columns",
    "merge_duplicates",
    "open_table",
    "read_table",
    "read_text_table",
]

_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_CHUNK_ROWS = 20_000  # records held as Python lists at a time (then as a compact frame)
# No field limit of the csv module's own (128 KiB): the upload limit bounds a cell, and a cell over its
# column's limit is reported as such (ColumnSpec.limits), never as broken quoting.
csv.field_size_limit(sys.maxsize if sys.maxsize < 2**63 else 2**62)


@dataclass(frozen=True)
class ColumnSpec:
    """The columns of one kind of file and how their text is checked."""

    what: str  # "figures", "events": the file's rows in words
    required: tuple[str, ...]
    optional: tuple[str, ...]
    accepted: tuple[str, ...] = ()  # taken in but not offered (an export's own columns)
    aliases: Mapping[str, str] = field(default_factory=dict)
    unescape: tuple[str, ...] = ()  # text columns whose export apostrophe (before = + - @) is removed
    names: tuple[str, ...] = ()  # columns in which control and invisible characters are refused
    free_text: tuple[str, ...] = ()  # columns from which control and invisible characters are stripped
    limits: Mapping[str, int] = field(default_factory=dict)  # most characters per cell
    replaces: Mapping[str, str] = field(default_factory=dict)  # a required column another may stand for
    spaces_in_names: bool = False  # tab and line breaks in names are spaces (collapsed later), not refused

    @property
    def known(self) -> tuple[str, ...]:
        return (*self.required, *self.optional, *self.accepted)

    @property
    def offered(self) -> tuple[str, ...]:
        return (*self.required, *self.optional)

    def canonical(self, name: str) -> str:
        key = re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff\"'").strip().lower())
        return self.aliases.get(key, key)


@dataclass
class Table:
    header: list[str]  # as in the file, trimmed
    header_line: int
    lines: np.ndarray  # physical line where each record starts
    frame: pd.DataFrame  # cells as trimmed text, columns 0..width-1, one row per record
    long_rows: list[tuple[int, int]]  # (row position, cells) of records with more cells than the header
    delimiter: str
    notes: list[str]


def _sniff(header_line: str, spec: ColumnSpec) -> str:
    """The delimiter that splits the header into the most known column names (then the most fields)."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t", "|"):
        fields = next(csv.reader([header_line], delimiter=delimiter))
        score = (sum(spec.canonical(f) in spec.known for f in fields), len(fields))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _chunk(rows: list[list[str]], width: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=range(width), dtype="str")
    return frame.apply(lambda column: column.str.strip())


def _header_line(physical: Iterator[str], notes: list[str]) -> tuple[str | None, str | None, int]:
    """(header text, delimiter named by a ``sep=`` line, lines skipped before the header)."""
    skipped, delimiter = 0, None
    for raw in physical:
        if not raw.strip().strip(",;\t"):
            skipped += 1
            continue
        hint = re.fullmatch(r'"?sep=(.)"?[,;\t]*', raw.rstrip("\r\n"), flags=re.IGNORECASE)
        if hint and delimiter is None and skipped == 0:
            delimiter = hint.group(1)
            skipped += 1
            notes.append(f"line {skipped}: the spreadsheet's sep={delimiter} line names the delimiter")
            continue
        return raw, delimiter, skipped
    return None, delimiter, skipped


def read_table(text: str, spec: ColumnSpec) -> Table | list[Problem]:
    """The header and records of the text. Physical lines end with CRLF, LF or CR (other Unicode line
    breaks stay inside cells); blank lines and lines of empty cells (",,,") are skipped."""
    physical = (m.group() for m in _PHYSICAL_LINE.finditer(text))
    notes: list[str] = []
    header_text, delimiter, skipped = _header_line(physical, notes)
    if header_text is None:
        return [Problem(1, "", "the file is empty", f"write the {spec.what} under a header row, see the template")]
    delimiter = delimiter or _sniff(header_text, spec)
    reader = csv.reader(itertools.chain([header_text], physical), delimiter=delimiter, strict=True)
    chunks: list[pd.DataFrame] = []
    pending: list[list[str]] = []
    lines: list[int] = []
    long_rows: list[tuple[int, int]] = []
    previous = 0
    try:
        header = [h.strip() for h in next(reader)]
        width = len(header)
        previous = reader.line_num
        for row in reader:
            start = skipped + previous + 1
            previous = reader.line_num
            if len(row) != width or not row[0]:
                if not "".join(row).strip():  # a blank line, or a row of empty cells
                    continue
                if len(row) > width and "".join(row[width:]).strip():
                    long_rows.append((len(lines), len(row)))
                row = (row + [""] * width)[:width]
            pending.append(row)
            lines.append(start)
            if len(pending) == _CHUNK_ROWS:
                chunks.append(_chunk(pending, width))
                pending = []
    except csv.Error as exc:
        start = skipped + previous + 1
        return [Problem(start, "", f"the quoting from line {start} on is broken ({exc})",
                        'close every quoted cell with a " and write a quote inside a cell as ""')]  # fmt: skip
    chunks.append(_chunk(pending, width))
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    return Table(header, skipped + 1, np.asarray(lines, dtype=np.int64), frame, long_rows, delimiter, notes)


def read_text_table(data: bytes, spec: ColumnSpec) -> tuple[Table, str] | list[Problem]:
    """(table, encoding name) of a file's bytes, or the problems that stop it being read at all."""
    too_big = upload_size_problem(len(data))
    if too_big is not None:
        return [too_big]
    if not data.strip():
        return [Problem(1, "", "the file is empty", f"write the {spec.what} under a header row, see the template")]
    decoded = decode(data)
    if isinstance(decoded, Problem):
        return [decoded]
    text, encoding = decoded
    table = read_table(text, spec)
    return table if isinstance(table, list) else (table, encoding)


class _Parsed(Protocol):
    encoding: str
    delimiter: str
    problems: list[Problem]


def open_table(parsed: _Parsed, data: bytes, spec: ColumnSpec) -> Table | None:
    """The table of a file's bytes, its encoding and delimiter noted on ``parsed``; None (the problems
    added to ``parsed``) when the file cannot be read at all."""
    read = read_text_table(data, spec)
    if isinstance(read, list):
        parsed.problems.extend(read)
        return None
    table, parsed.encoding = read
    parsed.delimiter = table.delimiter
    return table


class Checker:
    """Collects problems while the columns of a table become canonical values (see the module)."""

    def __init__(self, table: Table, spec: ColumnSpec) -> None:
        self.table = table
        self.spec = spec
        self.n = len(table.frame)
        self.problems: list[Problem] = []
        self.notes: list[str] = list(table.notes)
        self.row_bad = np.zeros(self.n, dtype=bool)  # rows with a problem of their own (column '')
        self.cell_bad: dict[str, np.ndarray] = {}  # canonical column -> cells with a problem
        self.names: dict[str, str] = {}  # canonical column -> name in the file
        self.raw: dict[str, pd.Series] = {}  # canonical column -> trimmed text
        self.slash_order: str | None = None  # day/month order of the file's a/b/YYYY dates

    def whole(self, column: str, message: str, fix: str) -> None:
        """A problem of the header or the whole file (line of the header)."""
        self.problems.append(Problem(self.table.header_line, column, message, fix))

    def cells(
        self,
        mask: np.ndarray | pd.Series,
        column: str,
        message: Callable[[int], str],
        fix: str | Callable[[int], str],
    ) -> None:
        """A problem for each row position in ``mask``; ``message(i)`` and ``fix(i)`` build the texts."""
        mask = np.asarray(mask, dtype=bool) & self.fresh(column)
        name = self.names.get(column, column)
        for i in np.flatnonzero(mask):
            text_fix = fix(int(i)) if callable(fix) else fix
            self.problems.append(Problem(int(self.table.lines[i]), name, message(int(i)), text_fix))
        if column:
            self.cell_bad[column] = self.cell_bad.get(column, np.zeros(self.n, dtype=bool)) | mask
        else:
            self.row_bad |= mask

    def spoil(self, column: str, mask: np.ndarray) -> None:
        """Mark cells as unusable without a problem of their own (one is reported elsewhere)."""
        self.cell_bad[column] = self.cell_bad.get(column, np.zeros(self.n, dtype=bool)) | mask

    def fresh(self, *columns: str) -> np.ndarray:
        """Rows where none of ``columns`` has a problem yet."""
        ok = ~self.row_bad
        for column in columns:
            if column in self.cell_bad:
                ok = ok & ~self.cell_bad[column]
        return ok

    @property
    def bad(self) -> np.ndarray:
        """Rows with any problem."""
        out = self.row_bad.copy()
        for mask in self.cell_bad.values():
            out |= mask
        return out

    def text(self, column: str) -> pd.Series:
        return self.raw.get(column, pd.Series("", index=range(self.n), dtype="str"))

    def sorted_problems(self) -> list[Problem]:
        order = {name: i for i, name in enumerate(self.table.header)}
        return sorted(self.problems, key=lambda p: (p.line, order.get(p.column, -1)))


def check_columns(checker: Checker) -> bool:
    """The header against the spec, then every text cell: records with too many cells, unnamed columns,
    formulas, control characters and lengths. Fills ``checker.raw``; False when the file has no rows."""
    spec, table = checker.spec, checker.table
    positions: dict[str, int] = {}
    unnamed: list[int] = []
    for position, name in enumerate(table.header):
        canonical = spec.canonical(name)
        if not canonical:
            unnamed.append(position)
        elif canonical in positions:
            checker.whole(name, f'column "{name}" appears twice', "keep one of the two columns")
        elif canonical not in spec.known:
            hint = did_you_mean(canonical, spec.known)
            checker.whole(name, f'unknown column "{name}"{hint}',
                          f"rename or delete it; the columns are: {', '.join(spec.offered)}")  # fmt: skip
        else:
            positions[canonical] = position
            checker.names[canonical] = name
    for column in spec.required:
        if column not in positions and spec.replaces.get(column) not in positions:
            checker.whole(column, f"the required column {column} is missing",
                          f"add it (required: {', '.join(spec.required)})")  # fmt: skip
            checker.spoil(column, np.ones(checker.n, dtype=bool))
    if checker.n == 0:
        checker.whole("", f"the file has a header but no {spec.what}",
                      f"add one {spec.what.removesuffix('s')} a line under the header")  # fmt: skip
        return False
    _long_rows(checker)
    for position in unnamed:
        if (table.frame[position] != "").any():
            checker.whole("", f"column {position + 1} has values but no name", "name it in the header, or delete it")
        else:
            checker.notes.append(f"column {position + 1} has no name and no values: ignored")
    for column in spec.known:
        if column in positions:
            checker.raw[column] = table.frame[positions[column]]
    _formulas(checker)
    _characters(checker)
    _lengths(checker)
    return True


def _long_rows(checker: Checker) -> None:
    """A problem for each record with more (non-empty) cells than the header has columns."""
    width = len(checker.table.header)
    cells = dict(checker.table.long_rows)
    mask = np.zeros(checker.n, dtype=bool)
    mask[list(cells)] = True
    checker.cells(mask, "", lambda i: f"the line has {cells[i]} cells but the header has {width} columns",
                  "quote cells that contain the delimiter, or remove the extra cells")  # fmt: skip


def _formulas(checker: Checker) -> None:
    """Cells starting with = (or its full-width form) are refused (``metrics.text.looks_like_formula``);
    the apostrophe an export puts before formula-looking text is removed (``unneutralise``)."""
    for column, text in list(checker.raw.items()):
        formula = looks_like_formula_mask(text)
        if formula.any():
            checker.cells(formula, column, lambda i, t=text: f'"{t.iat[i]}" looks like a spreadsheet formula; '
                          "paste the value", EXCEL_FIX)  # fmt: skip
        if column in checker.spec.unescape:
            checker.raw[column] = unneutralise_series(text)


def _characters(checker: Checker) -> None:
    """Control and invisible characters (``metrics.text``): refused in names (with the character's name),
    stripped from free text (with a note)."""
    allow = FREE_TEXT_ALLOWED if checker.spec.spaces_in_names else ""
    for column in checker.spec.names:
        text = checker.raw.get(column)
        if text is None:
            continue
        checker.cells(
            has_bad_characters(text, allow=allow), column,
            lambda i, t=text: f'"{visible(t.iat[i], allow=allow)}" holds the invisible character '
            f"{first_bad_character(t.iat[i], allow=allow).name}",
            "retype the text without it (it often comes with text copied from a web page or chat)",
        )  # fmt: skip
    for column in checker.spec.free_text:
        text = checker.raw.get(column)
        if text is None:
            continue
        bad = has_bad_characters(text, allow=FREE_TEXT_ALLOWED)
        if bad.any():
            checker.raw[column] = strip_bad_characters_series(text)
            checker.notes.append(f"{column}: control or invisible characters removed on {int(bad.sum()):,} "
                                 f"line{'s' if bad.sum() != 1 else ''}")  # fmt: skip


def _lengths(checker: Checker) -> None:
    """Cells longer than their column's limit (the same on every store)."""
    for column, limit in checker.spec.limits.items():
        text = checker.raw.get(column)
        if text is None:
            continue
        length = text.str.len()
        checker.cells((length > limit).to_numpy(bool), column,
                      lambda i, n=length, m=limit, c=column: f"the cell has {int(n.iat[i]):,} characters, more "
                      f"than the limit of {m:,} for {c}", f"shorten it to at most {limit:,} characters")  # fmt: skip


def _cell(value: object) -> str:
    if isinstance(value, float):
        return repr(float(value)).removesuffix(".0")  # every digit: 116500.25 and 116500.5 differ
    return str(value) if isinstance(value, bool | np.bool_) else f'"{value}"'


def merge_duplicates(
    checker: Checker,
    rows: pd.DataFrame,
    key: list[str],
    columns: list[str],
    describe: Callable[[dict[str, object]], str],
    tell_apart: str,
) -> pd.DataFrame:
    """Identical lines merged (a note); the same ``key`` with other values on two lines is a problem.

    ``columns``: what a row holds (key included); ``describe(row)`` names a key in words. Vectorised:
    Python loops only over the lines that repeat a key with other values.
    """
    if rows.empty or not rows.duplicated(key).any():
        return rows
    identical = rows.duplicated(columns, keep="first").to_numpy()
    if identical.any():
        repeats = rows[rows.duplicated(columns, keep=False).to_numpy()]
        first_line = repeats.groupby(columns, sort=False)["line"].transform("first")
        pairs = [f"lines {a} and {b}" for a, b in zip(first_line, repeats["line"], strict=True) if a != b]
        if len(pairs) <= 10:
            checker.notes.extend(f"{pair} are identical: merged" for pair in pairs)
        else:
            checker.notes.append(f"{len(pairs):,} identical lines merged ({', '.join(pairs[:3])}, ...)")
    distinct = rows[~identical]
    conflicting = distinct[distinct.duplicated(key, keep=False).to_numpy()]
    if conflicting.empty:
        return distinct
    content = [c for c in columns if c not in key]
    first = conflicting.groupby(key, sort=False)[[*content, "line"]].transform("first")
    later = (conflicting["line"] != first["line"]).to_numpy()
    differing = pd.DataFrame({c: conflicting[c] != first[c] for c in content}).idxmax(axis=1)
    what = checker.spec.what.removesuffix("s")
    records = conflicting[later].to_dict("records")
    for row, column, earlier in zip(records, differing[later], first[later].to_dict("records"), strict=True):
        line, first_line = row["line"], earlier["line"]
        checker.problems.append(Problem(
            int(line), checker.names.get(column, column),
            f"same {what} as line {first_line} ({describe(row)}) but another {column}: "
            f"{_cell(row[column])} here, {_cell(earlier[column])} on line {first_line}",
            f"keep one of lines {first_line} and {line}" + (f", or tell them apart ({tell_apart})" * bool(tell_apart)),
        ))  # fmt: skip
    return distinct
