"""Ingestion of CSV files of figures (DESIGN.md, "Contracts"): read, check, plan and store one batch.

What spreadsheets produce is taken in: UTF-8 with or without a byte-order mark, UTF-16 (with a BOM, or
without one when the zero bytes say which), Windows-1251, Windows-1252 and Latin-1; comma, semicolon
and tab delimiters (sniffed from the header, or Excel's ``sep=`` first line); decimal commas and
thousands separators where unambiguous; units ``km2``, ``sq_mi``, ``ha`` and ``percent`` with obvious
aliases; periods as ``2025-11``, ``2025-W47``, ``2025-Q4`` or ``2025``.

Every problem of a file is reported at once as a ``Problem`` (physical line, column as named in the
file, message quoting the bad value, what to do); a file with any problem stores nothing. Checking is
vectorised: Python loops run over the distinct values of a column (dates, periods, units...) and over
the rows that have a problem, never over all rows.

The range checks live in the pandera schema (``metrics.schema.FigureSchema``); this module turns its
failures into problems with line numbers.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import difflib
import hashlib
import io
import itertools
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pandera.errors as pa_errors
from sqlalchemy import Engine, select
from sqlalchemy.exc import IntegrityError

from metrics.metadata import FIGURE_COLUMNS, KEY_COLUMNS, METRICS, metric_kind, official_area_km2
from metrics.schema import (
    SHARE_METRICS,
    FigureSchema,
    area_bound_km2,
    known_territories,
    region_areas,
)
from metrics.store import Batch, add_batch, read_figures, write_transaction

__all__ = [
    "ImportPlan",
    "ImportResult",
    "OPTIONAL_COLUMNS",
    "ParsedFile",
    "Problem",
    "REQUIRED_COLUMNS",
    "UNITS",
    "affected_series",
    "import_figures",
    "max_upload_bytes",
    "parse_figures_csv",
    "plan_import",
    "template_csv",
    "upload_size_problem",
]

Progress = Callable[[str, float], None]

#: Columns a file must have (``date`` may be left out when the file has a ``period`` column).
REQUIRED_COLUMNS = ("date", "metric", "value", "source")
#: Columns a file may have.
OPTIONAL_COLUMNS = (
    "unit", "period", "period_start", "territory", "region", "actor", "definition", "source_url", "published", "notes",
)  # fmt: skip
#: Columns of an export, accepted so that an exported file imports again: ``batch_id`` is ignored (the
#: import is a new batch) and ``derived`` is kept.
EXPORT_COLUMNS = ("batch_id", "derived")
_KNOWN_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, *EXPORT_COLUMNS)
#: Text columns whose cells an export prefixes with an apostrophe when they start with = + - @.
_TEXT_COLUMNS = ("territory", "region", "actor", "metric", "source", "definition", "source_url", "published", "notes")
_OUT_COLUMNS = [c for c in FIGURE_COLUMNS if c != "batch_id"]
_SERIES_COLUMNS = ["territory", "region", "actor", "metric", "source", "definition"]

#: Units accepted, and the factor to the canonical unit (km2 for areas, percent for shares).
UNITS: dict[str, float] = {"km2": 1.0, "sq_mi": 2.589988110336, "ha": 0.01, "percent": 1.0}
_UNIT_ALIASES = {
    "km2": ("km2", "km²", "km^2", "sq km", "sqkm", "sq_km", "km sq", "square km", "square kilometre",
            "square kilometres", "square kilometer", "square kilometers", "км2", "км²", "кв км", "кв. км"),
    "sq_mi": ("sq_mi", "sq mi", "sqmi", "sq. mi", "mi2", "mi²", "mi^2", "square mile", "square miles", "sq mile",
              "sq miles"),
    "ha": ("ha", "hectare", "hectares", "га"),
    "percent": ("percent", "%", "pct", "per cent", "percentage", "відсоток", "процент"),
}  # fmt: skip
_EXCEL_FIX = (
    "in the spreadsheet, copy the cells and paste them back as values (Paste Special > Values), then save as CSV"
)
_PERIOD_FIX = "write the period as 2025-11 (month), 2025-W47 (ISO week), 2025-Q4 (quarter) or 2025 (year)"
_DATE_FIX = "write dates as YYYY-MM-DD, e.g. 2025-11-30"
_MAX_UPLOAD_MB_DEFAULT = 50.0


# --- results -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """Something wrong in a file: where (physical line, 1 = header; column as named in the file, '' for
    the whole row or file), what (quoting the bad value) and what to do about it."""

    line: int
    column: str
    message: str
    fix: str

    def as_text(self, filename: str) -> str:
        """``FILE:LINE: column: message; fix`` (the CLI's format; the column is left out when '')."""
        where = f"{filename}:{self.line}: " + (f"{self.column}: " if self.column else "")
        return f"{where}{self.message}; {self.fix}" if self.fix else f"{where}{self.message}"


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


# --- limits --------------------------------------------------------------------------------------------


def max_upload_bytes() -> int:
    """The largest file taken in: ``TERRITORY_MAX_UPLOAD_MB`` megabytes (default 50; 1 MB = 2**20 bytes)."""
    text = os.environ.get("TERRITORY_MAX_UPLOAD_MB", "").strip()
    if not text:
        return int(_MAX_UPLOAD_MB_DEFAULT * 2**20)
    try:
        megabytes = float(text)
    except ValueError:
        raise ValueError(f"TERRITORY_MAX_UPLOAD_MB={text!r} is not a number of megabytes (e.g. 50)") from None
    if not megabytes > 0:
        raise ValueError(f"TERRITORY_MAX_UPLOAD_MB={text!r} must be a positive number of megabytes")
    return round(megabytes * 2**20)


def _megabytes(size: float) -> str:
    megabytes = size / 2**20
    return f"{megabytes:,.1f} MB" if megabytes >= 1 else f"{megabytes:.3g} MB"


def upload_size_problem(size: int) -> Problem | None:
    """The problem of a file of ``size`` bytes over ``max_upload_bytes()``, or None (check before reading)."""
    limit = max_upload_bytes()
    if size <= limit:
        return None
    return Problem(
        1, "", f"the file is {_megabytes(size)}, over the upload limit of {_megabytes(limit)}",
        "split it into smaller files, or raise the limit with the TERRITORY_MAX_UPLOAD_MB environment variable",
    )  # fmt: skip


# --- decoding ------------------------------------------------------------------------------------------

_MAGIC = {
    b"PK\x03\x04": "a ZIP archive (an Excel .xlsx workbook?)",
    b"\xd0\xcf\x11\xe0": "an old Excel .xls workbook",
    b"%PDF": "a PDF document",
    b"\x89PNG": "a PNG image",
    b"\x1f\x8b": "a gzip archive",
    b"\xff\xd8\xff": "a JPEG image",
}
_SAVE_AS_CSV = "open it in the spreadsheet and save it as CSV (File > Save As > CSV UTF-8), then upload the .csv file"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _line_of_byte(data: bytes, position: int) -> int:
    head = data[:position]
    return (head.count(b"\n") or head.count(b"\r")) + 1


def _decode(data: bytes) -> tuple[str, str] | Problem:
    """(text, encoding name) or the problem that makes the bytes unreadable as text."""
    for magic, what in _MAGIC.items():
        if data.startswith(magic):
            return Problem(1, "", f"the file is not text but {what}", _SAVE_AS_CSV)
    boms = [
        (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE with BOM"),
        (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE with BOM"),
        (codecs.BOM_UTF8, "utf-8", "UTF-8 with BOM"),
        (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE with BOM"),
        (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE with BOM"),
    ]
    for bom, codec, label in boms:
        if data.startswith(bom):
            return _decode_strict(data, len(bom), codec, label)
    if b"\x00" in data:
        even, odd = data[0::2], data[1::2]
        half = max(len(data) // 2, 1)
        if odd.count(0) > 0.3 * half and even.count(0) < 0.05 * half:
            return _decode_strict(data, 0, "utf-16-le", "UTF-16 LE")
        if even.count(0) > 0.3 * half and odd.count(0) < 0.05 * half:
            return _decode_strict(data, 0, "utf-16-be", "UTF-16 BE")
        return Problem(1, "", "the file is not text (it holds zero bytes: a binary file?)", _SAVE_AS_CSV)
    try:
        return _checked_text(data.decode("utf-8"), "UTF-8")
    except UnicodeDecodeError as exc:
        if not data[: exc.start].isascii():  # valid UTF-8 before: two encodings in one file
            return Problem(
                _line_of_byte(data, exc.start), "",
                f"byte 0x{data[exc.start]:02X} is not UTF-8, but the lines before are UTF-8 (two encodings in "
                "one file)", "save the whole file again in one encoding, preferably UTF-8 (CSV UTF-8)",
            )  # fmt: skip
    return _checked_text(*_single_byte(data))


def _decode_strict(data: bytes, skip: int, codec: str, label: str) -> tuple[str, str] | Problem:
    try:
        text = data[skip:].decode(codec)
    except UnicodeDecodeError as exc:
        line = data[skip : skip + exc.start].decode(codec, errors="replace").count("\n") + 1
        claim = "starts with a byte-order mark that says" if "BOM" in label else "looks like"
        return Problem(
            line, "", f"the file {claim} {label.removesuffix(' with BOM')}, but its bytes at line {line} are not "
            f"{label.removesuffix(' with BOM')} ({exc.reason})",
            "save the file again as CSV UTF-8 (or as Unicode text) so that the whole file has one encoding",
        )  # fmt: skip
    return _checked_text(text, label)


def _single_byte(data: bytes) -> tuple[str, str]:
    """Windows-1251 (Cyrillic) or Windows-1252 / Latin-1 for bytes that are not UTF-8.

    Cyrillic text has its non-ASCII bytes in runs (whole words); Latin text has them alone among ASCII
    letters (é, ü, ñ). The bytes 0x80-0x9F are printable in Windows-1252 and control codes in Latin-1.
    """
    arr = np.frombuffer(data, dtype=np.uint8)
    high = arr >= 0x80
    neighbour = np.zeros_like(high)
    neighbour[1:] |= high[:-1]
    neighbour[:-1] |= high[1:]
    in_runs = (high & neighbour).sum() / max(high.sum(), 1)
    if in_runs >= 0.5:
        try:
            return data.decode("cp1251"), "Windows-1251"
        except UnicodeDecodeError:  # 0x98 is the one byte Windows-1251 leaves undefined
            pass
    if ((arr >= 0x80) & (arr <= 0x9F)).any():
        try:
            return data.decode("cp1252"), "Windows-1252"
        except UnicodeDecodeError:
            pass
    return data.decode("latin-1"), "Latin-1"


def _checked_text(text: str, label: str) -> tuple[str, str] | Problem:
    text = text.removeprefix("\ufeff").rstrip("\x1a")  # a second BOM; a DOS end-of-file mark
    first = _CONTROL.search(text)
    if first is not None:
        controls = len(_CONTROL.findall(text))
        if "\x00" in text or controls > 0.01 * len(text):
            return Problem(1, "", f"the file is not text ({controls:,} control characters)", _SAVE_AS_CSV)
    return text, label


# --- reading the table ---------------------------------------------------------------------------------


@dataclass
class _Table:
    header: list[str]  # as in the file, trimmed
    header_line: int
    lines: np.ndarray  # physical line where each record starts
    frame: pd.DataFrame  # cells as trimmed text, columns 0..width-1, one row per record
    long_rows: list[tuple[int, int]]  # (row position, cells) of records with more cells than the header
    delimiter: str
    notes: list[str]


_PHYSICAL_LINE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+$")
_CHUNK_ROWS = 20_000  # records held as Python lists at a time (then as a compact frame)


def _normalise_name(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().strip("\ufeff\"'").strip().lower())


def _sniff(header_line: str) -> str:
    """The delimiter that splits the header into the most known column names (then the most fields)."""
    best, best_score = ",", (-1, -1)
    for delimiter in (",", ";", "\t", "|"):
        fields = next(csv.reader([header_line], delimiter=delimiter))
        score = (sum(_normalise_name(f) in _KNOWN_COLUMNS for f in fields), len(fields))
        if score > best_score:
            best, best_score = delimiter, score
    return best


def _chunk(rows: list[list[str]], width: int) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=range(width), dtype="str")
    return frame.apply(lambda column: column.str.strip())


def _read_table(text: str) -> _Table | list[Problem]:
    """The header and records of the text. Physical lines end with CRLF, LF or CR (other Unicode line
    breaks stay inside cells); blank lines and lines of empty cells (",,,") are skipped."""
    physical = (m.group() for m in _PHYSICAL_LINE.finditer(text))
    skipped, delimiter, notes = 0, None, []
    header_text = None
    for raw in physical:
        stripped = raw.strip()
        if not stripped.strip(",;\t"):
            skipped += 1
            continue
        hint = re.fullmatch(r'"?sep=(.)"?[,;\t]*', raw.rstrip("\r\n"), flags=re.IGNORECASE)
        if hint and delimiter is None and skipped == 0:
            delimiter = hint.group(1)
            skipped += 1
            notes.append(f"line {skipped}: the spreadsheet's sep={delimiter} line names the delimiter")
            continue
        header_text = raw
        break
    if header_text is None:
        return [Problem(1, "", "the file is empty", "export the figures with a header row, see the template")]
    delimiter = delimiter or _sniff(header_text)
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
    return _Table(header, skipped + 1, np.asarray(lines, dtype=np.int64), frame, long_rows, delimiter, notes)


# --- cell parsers (run over distinct values) ----------------------------------------------------------

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?")
_YMD_SLASH = re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})")
_DMY_DOT = re.compile(r"(\d{1,2})\.(\d{1,2})\.(\d{4})")
_SLASHED = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def _slash_order(values: Iterable[str]) -> str | None:
    """'dmy' or 'mdy' where the file's a/b/YYYY dates show it (a day over 12 on one side only)."""
    day_first = month_first = False
    for value in values:
        m = _SLASHED.fullmatch(value)
        if m:
            day_first |= int(m.group(1)) > 12
            month_first |= int(m.group(2)) > 12
    if day_first != month_first:
        return "dmy" if day_first else "mdy"
    return None


_YEARS = range(1900, 2200)  # dates outside are typing mistakes (and outside what pandas holds in ns)


def _parse_date(text: str, slash_order: str | None) -> pd.Timestamp | str:
    """A date, or the message that says why the text is not one."""
    if m := _ISO_DATE.fullmatch(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if m.group(4) is not None and (int(m.group(4)), int(m.group(5)), int(m.group(6) or 0)) != (0, 0, 0):
            return f'"{text}" has a time of day'
    elif m := _YMD_SLASH.fullmatch(text):
        y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _DMY_DOT.fullmatch(text):
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
    elif m := _SLASHED.fullmatch(text):
        a, b, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if a != b and a <= 12 and b <= 12 and slash_order is None:
            return f'"{text}" is ambiguous: {a} {_month(b)} or {b} {_month(a)}?'
        d, mo = (a, b) if (slash_order == "dmy" or a > 12) else (b, a)
    else:
        return f'"{text}" is not a date'
    if y not in _YEARS:
        return f'"{text}" is not a plausible date (year {y})'
    try:
        return pd.Timestamp(dt.date(y, mo, d))
    except ValueError:
        return f'"{text}" is not a date (no such day)'


def _month(number: int) -> str:
    return dt.date(2000, number, 1).strftime("%B") if 1 <= number <= 12 else str(number)


_PERIOD_YEAR = re.compile(r"(\d{4})")
_PERIOD_MONTH = re.compile(r"(\d{4})-(\d{1,2})")
_PERIOD_WEEK = re.compile(r"(\d{4})-?W(\d{1,2})", flags=re.IGNORECASE)
_PERIOD_QUARTER = re.compile(r"(\d{4})-?Q(\d)", flags=re.IGNORECASE)


def _parse_period(text: str) -> tuple[pd.Timestamp, pd.Timestamp] | str:
    """(first day, last day) of a period, or the message that says why the text is not one."""
    year = re.match(r"\d{4}", text)
    if year and int(year.group()) not in _YEARS and not _ISO_DATE.fullmatch(text):
        return f'"{text}" is not a plausible period (year {year.group()})'
    try:
        if m := _PERIOD_YEAR.fullmatch(text):
            year = int(m.group(1))
            return pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
        if m := _PERIOD_MONTH.fullmatch(text):
            start = pd.Timestamp(int(m.group(1)), int(m.group(2)), 1)
            return start, start + pd.offsets.MonthEnd(0)
        if m := _PERIOD_WEEK.fullmatch(text):
            try:
                monday = dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
            except ValueError:
                return f'"{text}" is not an ISO week (year {m.group(1)} has no week {int(m.group(2))})'
            return pd.Timestamp(monday), pd.Timestamp(monday + dt.timedelta(days=6))
        if m := _PERIOD_QUARTER.fullmatch(text):
            quarter = int(m.group(2))
            if not 1 <= quarter <= 4:
                return f'"{text}" is not a quarter (Q1 to Q4)'
            start = pd.Timestamp(int(m.group(1)), 3 * quarter - 2, 1)
            return start, start + pd.offsets.QuarterEnd(0)
    except ValueError:
        return f'"{text}" is not a period (no such month)'
    if _ISO_DATE.fullmatch(text) or _DMY_DOT.fullmatch(text) or _SLASHED.fullmatch(text):
        return (f'"{text}" is a date, not a period (a spreadsheet may have turned 2025-11 into a date: format '
                "the column as text)")  # fmt: skip
    return f'"{text}" is not a period'


def _unit_key(text: str) -> str:
    return re.sub(r"[\s_]+", " ", text.strip().lower().replace(".", "")).strip()


_UNIT_LOOKUP = {_unit_key(alias): unit for unit, aliases in _UNIT_ALIASES.items() for alias in aliases}


def _metric_units(metric: str) -> tuple[str, ...]:
    return ("percent",) if metric in SHARE_METRICS else ("km2", "sq_mi", "ha")


def _did_you_mean(text: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(text.lower(), list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]}?)" if close else ""


# --- numbers -------------------------------------------------------------------------------------------

_SPACES = "\u00a0\u202f\u2009 "
_NUMBER_PATTERNS = {
    "int": r"[+-]?\d+",
    "sci": r"[+-]?(?:\d+\.?\d*|\.\d+)[eE][+-]?\d+",
    "dot3": r"[+-]?\d{1,3}\.\d{3}",
    "comma3": r"[+-]?\d{1,3},\d{3}",
    "dot": r"[+-]?(?:\d*\.\d+|\d+\.)",
    "comma": r"[+-]?(?:\d*,\d+|\d+,)",
    "dots_comma": r"[+-]?\d{1,3}(?:\.\d{3})+,\d+",
    "commas_dot": r"[+-]?\d{1,3}(?:,\d{3})+\.\d+",
    "commas": r"[+-]?\d{1,3}(?:,\d{3}){2,}",
    "dots": r"[+-]?\d{1,3}(?:\.\d{3}){2,}",
}
_SPACE_GROUPED = rf"[+-]?\d{{1,3}}(?:[{_SPACES}]\d{{3}})+(?:[.,]\d+)?"


def _parse_numbers(text: pd.Series, delimiter: str) -> tuple[pd.Series, pd.Series, pd.Series, str]:
    """Numbers from trimmed text: (values, is_percent, problem kind per cell or '', decimal separator).

    The decimal separator is the one the file's unambiguous numbers use (12,5 or 1.234,5 vs 12.5 or
    1,234.5), else a comma in semicolon files and a point otherwise. 1.234 and 1,234 are read with the
    file's decimal separator when it is that character, and are ambiguous otherwise.
    """
    text = text.str.replace("\u2212", "-", regex=False)
    percent = text.str.endswith("%")
    text = text.where(~percent, text.str.slice(0, -1).str.rstrip())
    spaced = text.str.fullmatch(_SPACE_GROUPED)
    if spaced.any():
        text = text.where(~spaced, text.str.replace(f"[{_SPACES}]", "", regex=True))
    kind = {
        name: text.str.fullmatch(pattern).fillna(False).to_numpy(bool) for name, pattern in _NUMBER_PATTERNS.items()
    }
    dot_evidence = (kind["dot"] & ~kind["dot3"]) | kind["commas_dot"] | kind["commas"]
    comma_evidence = (kind["comma"] & ~kind["comma3"]) | kind["dots_comma"] | kind["dots"]
    if dot_evidence.any() != comma_evidence.any():
        decimal = "." if dot_evidence.any() else ","
    elif not dot_evidence.any():
        decimal = "," if delimiter == ";" else "."
    else:
        decimal = ""  # both kinds in one file: 1.234 and 1,234 stay ambiguous
    plain = kind["int"] | kind["sci"] | (kind["dot"] & ~kind["dot3"]) | (kind["dot3"] & (decimal == "."))
    comma_decimal = (kind["comma"] & ~kind["comma3"]) | (kind["comma3"] & (decimal == ","))
    ambiguous = (kind["dot3"] & (decimal != ".")) | (kind["comma3"] & (decimal != ","))
    normal = pd.Series(np.nan, index=text.index, dtype=object)
    normal[plain] = text[plain]
    normal[comma_decimal] = text[comma_decimal].str.replace(",", ".", regex=False)
    for name, drop, dec in (("dots_comma", ".", ","), ("commas_dot", ",", "."), ("commas", ",", ""), ("dots", ".", "")):
        mask = kind[name]
        if mask.any():
            cleaned = text[mask].str.replace(drop, "", regex=False)
            normal[mask] = cleaned.str.replace(",", ".", regex=False) if dec == "," else cleaned
    values = pd.Series(pd.array(normal, dtype="str"), index=text.index).astype(float)
    values[~np.isfinite(values.to_numpy())] = np.nan  # 1e999 and 400 digits overflow to infinity
    problem = pd.Series("", index=text.index, dtype=object)
    problem[values.isna().to_numpy() & ~ambiguous] = "not a number"
    problem[ambiguous] = "ambiguous"
    problem[(text == "").to_numpy()] = "empty"
    return values, percent, problem, decimal


# --- checking ------------------------------------------------------------------------------------------

#: The cells each schema check reads: a failure is left out when one of them already has a problem.
_CHECK_INPUTS = {
    "territory": ("territory",),
    "region": ("territory", "region"),
    "not_negative": ("metric", "value"),
    "share_at_most_100": ("metric", "value"),
    "within_area": ("metric", "value", "territory", "region"),
    "value_finite": ("value",),
    "period_not_after_date": ("metric", "date", "period_start", "period"),
    "stock_period_start_is_date": ("metric", "date", "period_start", "period"),
}
_PLACEHOLDER_DAY = pd.Timestamp("2000-01-01")


class _Checker:
    """Collects problems while the columns of a table become canonical figures.

    Each problem marks its cell (or its whole row, for column ''), so that later checks that read the
    cell leave it alone: every problem is reported once, and the others of the same line still are.
    """

    def __init__(self, table: _Table) -> None:
        self.table = table
        self.n = len(table.frame)
        self.problems: list[Problem] = []
        self.notes: list[str] = list(table.notes)
        self.row_bad = np.zeros(self.n, dtype=bool)  # rows with a problem of their own (column '')
        self.cell_bad: dict[str, np.ndarray] = {}  # canonical column -> cells with a problem
        self.names: dict[str, str] = {}  # canonical column -> name in the file
        self.raw: dict[str, pd.Series] = {}  # canonical column -> trimmed text
        self.unnamed: list[int] = []  # positions of header cells without a name
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


def _header(checker: _Checker) -> list[int | None]:
    """Positions of the known columns in the file; problems for unknown, repeated and missing columns."""
    positions: dict[str, int] = {}
    for position, name in enumerate(checker.table.header):
        canonical = _normalise_name(name)
        if not canonical:
            checker.unnamed.append(position)
        elif canonical in positions:
            checker.whole(name, f'column "{name}" appears twice', "keep one of the two columns")
        elif canonical not in _KNOWN_COLUMNS:
            hint = _did_you_mean(canonical, _KNOWN_COLUMNS)
            known = ", ".join((*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS))
            checker.whole(name, f'unknown column "{name}"{hint}', f"rename or delete it; the columns are: {known}")
        else:
            positions[canonical] = position
            checker.names[canonical] = name
    for column in REQUIRED_COLUMNS:
        if column not in positions and not (column == "date" and "period" in positions):
            required = ", ".join(REQUIRED_COLUMNS)
            checker.whole(column, f"the required column {column} is missing", f"add it (required: {required})")
            checker.spoil(column, np.ones(checker.n, dtype=bool))
    return [positions.get(c) for c in _KNOWN_COLUMNS]


def _long_rows(checker: _Checker) -> None:
    """A problem for each record with more (non-empty) cells than the header has columns."""
    width = len(checker.table.header)
    cells = dict(checker.table.long_rows)
    mask = np.zeros(checker.n, dtype=bool)
    mask[list(cells)] = True
    checker.cells(mask, "", lambda i: f"the line has {cells[i]} cells but the header has {width} columns",
                  "quote cells that contain the delimiter, or remove the extra cells")  # fmt: skip


def _check_table(table: _Table, report: Progress) -> tuple[pd.DataFrame, list[Problem], list[str]]:
    checker = _Checker(table)
    positions = _header(checker)
    if checker.n == 0:
        checker.whole("", "the file has a header but no figures", "add one figure a line under the header")
        return _empty_figures(), checker.problems, checker.notes
    frame = table.frame
    _long_rows(checker)
    for position in checker.unnamed:
        if (frame[position] != "").any():
            checker.whole("", f"column {position + 1} has values but no name", "name it in the header, or delete it")
        else:
            checker.notes.append(f"column {position + 1} has no name and no values: ignored")
    for column, position in zip(_KNOWN_COLUMNS, positions, strict=True):
        if position is not None:
            checker.raw[column] = frame[position]
    report("checking", 0.1)

    _formulas(checker)
    metric, kind = _metrics(checker)
    value = _values(checker, metric, table.delimiter)
    report("checking", 0.3)
    date, period_start = _dates_and_periods(checker, kind)
    report("checking", 0.5)
    source = checker.text("source")
    checker.cells((source == "").to_numpy(), "source", lambda i: "the source is empty",
                  "name who published the figure, e.g. ISW or DeepStateMap")  # fmt: skip
    if "batch_id" in checker.raw:
        checker.notes.append("column batch_id ignored: the import is a new batch")
    canonical = pd.DataFrame({
        "date": date, "period_start": period_start,
        "territory": checker.text("territory").str.upper().replace("", "UKR"),
        "region": checker.text("region").str.upper(),
        "actor": checker.text("actor").str.upper().replace("", "RU"),
        "metric": metric, "value": value, "source": source, "definition": checker.text("definition"),
        "source_url": checker.text("source_url"), "published": _published(checker), "notes": checker.text("notes"),
        "derived": _derived(checker), "line": table.lines,
    })  # fmt: skip
    report("checking", 0.6)
    _schema_check(checker, canonical)
    report("checking", 0.8)
    figures = _merge_duplicates(checker, canonical[~checker.bad])
    report("checking", 1.0)
    if checker.problems:
        problems = sorted(checker.problems, key=lambda p: (p.line, _column_order(p.column, checker)))
        return _empty_figures(), problems, checker.notes
    return figures.reset_index(drop=True), [], checker.notes


def _formulas(checker: _Checker) -> None:
    """Cells starting with = are refused; an export's apostrophe before = + - @ in text is removed."""
    for column, text in list(checker.raw.items()):
        formula = text.str.startswith("=").to_numpy(bool)
        if formula.any():
            checker.cells(formula, column, lambda i, t=text: f'"{t.iat[i]}" looks like a spreadsheet formula; '
                          "paste the value", _EXCEL_FIX)  # fmt: skip
        if column in _TEXT_COLUMNS:
            escaped = text.str.match(r"'[=+\-@]").to_numpy(bool)
            if escaped.any():
                checker.raw[column] = text.where(~escaped, text.str.slice(1))


def _metrics(checker: _Checker) -> tuple[pd.Series, pd.Series]:
    metric = checker.text("metric").str.lower()
    unknown = ~metric.isin(METRICS).to_numpy(bool)
    if "metric" in checker.raw:
        raw = checker.raw["metric"]
        checker.cells(
            unknown, "metric",
            lambda i: f'unknown metric "{raw.iat[i]}"{_did_you_mean(metric.iat[i], METRICS)}' if raw.iat[i]
            else "the metric is empty",
            f"use one of {', '.join(METRICS)}",
        )  # fmt: skip
    kind = metric.map({m: metric_kind(m) for m in METRICS}).fillna("").astype(str)
    return metric, kind


def _values(checker: _Checker, metric: pd.Series, delimiter: str) -> pd.Series:
    """Values in the canonical unit (NaN where a cell has a problem); units checked against the metric."""
    if "value" not in checker.raw:
        return pd.Series(np.nan, index=range(checker.n))
    raw = checker.raw["value"]
    value, percent, problem, decimal = _parse_numbers(raw, delimiter)
    if decimal == "," and raw.str.contains(",", regex=False).any():
        checker.notes.append("decimal commas read (12,5 = 12.5)")
    example = "1234,5" if decimal == "," else "1234.5"
    checker.cells((problem == "empty").to_numpy(), "value", lambda i: "the value is empty",
                  "fill in the number, or delete the line")  # fmt: skip
    checker.cells((problem == "not a number").to_numpy(), "value", lambda i: f'"{raw.iat[i]}" is not a number',
                  f"write the number alone, e.g. {example} (the unit goes in the unit column)")  # fmt: skip
    checker.cells((problem == "ambiguous").to_numpy(), "value", lambda i: _ambiguous(raw.iat[i]),
                  lambda i: _ambiguous_fix(raw.iat[i], decimal))  # fmt: skip
    unit = _units(checker, percent, metric)
    usable = checker.fresh("value", "unit")
    value = value.where(usable, np.nan)
    for name in ("sq_mi", "ha"):
        mask = usable & (unit == name).to_numpy()
        if mask.any():
            # hectares divided by 100 (not times 0.01): whole hectares give the nearest km2 value
            value[mask] = value[mask] / 100.0 if name == "ha" else value[mask] * UNITS[name]
            checker.notes.append(f"{int(mask.sum()):,} value{'s' if mask.sum() > 1 else ''} converted from {name} "
                                 "to km2")  # fmt: skip
    return value


def _units(checker: _Checker, percent: pd.Series, metric: pd.Series) -> pd.Series:
    """Canonical unit per row: the unit column's (aliases accepted), % after the value, or the metric's."""
    unit_text = checker.text("unit")
    lookup = {u: ("" if u == "" else _UNIT_LOOKUP.get(_unit_key(u), "?")) for u in unit_text.unique()}
    unit = unit_text.map(lookup).astype(str)
    checker.cells((unit == "?").to_numpy(), "unit", lambda i: f'unknown unit "{unit_text.iat[i]}"',
                  "use km2, sq_mi or ha for areas, percent for shares")  # fmt: skip
    pct = percent.to_numpy(bool)
    raw_value = checker.text("value")
    checker.cells(pct & ~unit.isin(["", "percent", "?"]).to_numpy(), "value",
                  lambda i: f'"{raw_value.iat[i]}" is a percentage but the unit is "{unit_text.iat[i]}"',
                  "remove the % sign, or set the unit to percent")  # fmt: skip
    unit = unit.where(~(pct & (unit == "").to_numpy()), "percent")
    default = metric.map({m: _metric_units(m)[0] for m in METRICS}).fillna("").astype(str)
    unit = unit.where(unit != "", default)
    codes, distinct = pd.factorize(pd.MultiIndex.from_arrays([unit, metric.astype(str)]))
    fits = np.array([m not in METRICS or u in ("", "?") or u in _metric_units(m) for u, m in distinct], dtype=bool)
    misfit = ~fits[codes] & checker.fresh("metric")
    given = (unit_text != "").to_numpy()
    checker.cells(misfit & given, "unit", lambda i: f'unit "{unit_text.iat[i]}" does not fit {metric.iat[i]}',
                  lambda i: _unit_words(metric.iat[i]))  # fmt: skip
    checker.cells(misfit & ~given, "value",
                  lambda i: f'"{raw_value.iat[i]}" is a percentage but {metric.iat[i]} is not a share',
                  lambda i: _unit_words(metric.iat[i]))  # fmt: skip
    return unit


def _column_order(column: str, checker: _Checker) -> int:
    header = checker.table.header
    return header.index(column) if column in header else -1


def _ambiguous(text: str) -> str:
    digits, number = re.sub(r"[.,]", "", text), float(text.replace(",", "."))
    return f'"{text}" is ambiguous: {digits} (with a thousands separator) or {number:g} (with a decimal separator)?'


def _ambiguous_fix(text: str, decimal: str) -> str:
    digits, number = re.sub(r"[.,]", "", text), f"{float(text.replace(',', '.')):g}"
    as_decimal = number.replace(".", ",") if decimal == "," else number
    return f"write {digits} for the whole number (no thousands separator), or {as_decimal} for the decimal number"


def _unit_words(metric: str) -> str:
    if metric in SHARE_METRICS:
        return f"{metric} is in percent of the territory: set the unit to percent, or leave it empty"
    return f"{metric} is an area: set the unit to km2, sq_mi or ha, or leave it empty for km2"


def _distinct(text: pd.Series, parse: Callable[[str], object]) -> tuple[np.ndarray, list[object]]:
    """``parse`` run once per distinct text: (code per row, result per distinct text)."""
    codes, uniques = pd.factorize(text)
    return codes, [parse(str(u)) for u in uniques]


def _parsed_dates(text: pd.Series, order: str | None) -> tuple[pd.Series, np.ndarray]:
    """(dates, message per row: '' where fine or empty) of a column of date texts."""
    codes, results = _distinct(text, lambda v: _parse_date(v, order) if v else pd.NaT)
    stamps = pd.DatetimeIndex([r if isinstance(r, pd.Timestamp) else pd.NaT for r in results], dtype="datetime64[ns]")
    errors = np.array([r if isinstance(r, str) else "" for r in results], dtype=object)
    return pd.Series(stamps.take(codes), index=text.index), errors[codes]


def _dates_and_periods(checker: _Checker, kind: pd.Series) -> tuple[pd.Series, pd.Series]:
    """``date`` and ``period_start`` per row from the date, period_start and period columns (DESIGN.md)."""
    texts = {c: checker.text(c) for c in ("date", "period_start", "period", "published")}
    order = _slash_order(
        itertools.chain.from_iterable(texts[c].unique() for c in ("date", "period_start", "published"))
    )
    checker.slash_order = order
    parsed = {}
    for column in ("date", "period_start"):
        parsed[column], errors = _parsed_dates(texts[column], order)
        checker.cells(errors != "", column, lambda i, e=errors: e[i], _DATE_FIX)
    codes, results = _distinct(texts["period"], lambda v: _parse_period(v) if v else "")
    p_start = pd.Series(pd.DatetimeIndex([r[0] if isinstance(r, tuple) else pd.NaT for r in results],
                                         dtype="datetime64[ns]").take(codes))  # fmt: skip
    p_end = pd.Series(pd.DatetimeIndex([r[1] if isinstance(r, tuple) else pd.NaT for r in results],
                                       dtype="datetime64[ns]").take(codes))  # fmt: skip
    p_error = np.array([r if isinstance(r, str) else "" for r in results], dtype=object)[codes]
    checker.cells(p_error != "", "period", lambda i: p_error[i], _PERIOD_FIX)

    date, start, period = parsed["date"], parsed["period_start"], texts["period"]
    date_given, start_given = (texts["date"] != "").to_numpy(), (texts["period_start"] != "").to_numpy()
    has_period = (period != "").to_numpy()
    metric_ok = checker.fresh("metric")
    flow, stock = (kind == "flow").to_numpy() & metric_ok, (kind == "stock").to_numpy() & metric_ok
    date_ok = date_given & checker.fresh("date")
    start_ok = start_given & checker.fresh("period_start")
    period_ok = has_period & checker.fresh("period")

    def day(series: pd.Series, i: int) -> str:
        return f"{series.iat[i]:%Y-%m-%d}"

    checker.cells(
        period_ok & date_ok & (flow | stock) & (date != p_end).to_numpy(), "date",
        lambda i: f"date {day(date, i)} disagrees with period {period.iat[i]}, which ends {day(p_end, i)}",
        lambda i: f"leave date empty, or write {day(p_end, i)}",
    )  # fmt: skip
    date = date.where(~(period_ok & ~date_given), p_end)  # a period's figure is dated on its last day
    checker.cells(
        period_ok & start_ok & flow & (start != p_start).to_numpy(), "period_start",
        lambda i: f"period_start {day(start, i)} disagrees with period {period.iat[i]}, which starts {day(p_start, i)}",
        lambda i: f"leave period_start empty, or write {day(p_start, i)}",
    )  # fmt: skip
    if "date" in checker.raw:
        checker.cells(~date_given & ~has_period, "date", lambda i: "the date is empty",
                      "fill in the date as YYYY-MM-DD (or, for a flow, the period)")  # fmt: skip
    elif "period" in checker.raw:
        checker.cells(~has_period, "period", lambda i: "the period is empty and the file has no date column",
                      _PERIOD_FIX + ", or add a date column")  # fmt: skip
    metric = checker.text("metric")
    checker.cells(
        flow & ~has_period & ~start_given & date_given, "period",
        lambda i: f"{metric.iat[i]} is a flow (an amount over a period) but the line gives no period",
        "fill period (2025-11, 2025-W47, 2025-Q4 or 2025), or period_start with date as the period's last day",
    )  # fmt: skip
    date_ok = date.notna().to_numpy() & checker.fresh("date", "period")
    checker.cells(
        stock & start_ok & date_ok & (start != date).to_numpy(), "period_start",
        lambda i: f"{metric.iat[i]} is a stock (a value on a date): its period_start is its date {day(date, i)}, "
        f"not {day(start, i)}", "leave period_start empty for stocks",
    )  # fmt: skip
    checker.cells(
        flow & start_ok & date_ok & ~has_period & (start > date).to_numpy(), "period_start",
        lambda i: f"period_start {day(start, i)} is after date {day(date, i)}",
        "period_start is the first day of the period, date its last day",
    )  # fmt: skip
    period_start = pd.Series(pd.NaT, index=date.index, dtype="datetime64[ns]")
    period_start = period_start.where(~flow, start.where(~period_ok, p_start))
    return date, period_start.where(~stock, date)


def _published(checker: _Checker) -> pd.Series:
    """The publication date as YYYY-MM-DD text ('' where not given)."""
    text = checker.text("published")
    if (text == "").all():
        return text
    dates, errors = _parsed_dates(text, checker.slash_order)
    checker.cells(errors != "", "published", lambda i: errors[i],
                  f"{_DATE_FIX} (the day the source published the figure), or leave it empty")  # fmt: skip
    return dates.dt.strftime("%Y-%m-%d").fillna("").astype("str")


def _derived(checker: _Checker) -> pd.Series:
    """The export's ``derived`` flag (false where not given)."""
    text = checker.text("derived").str.lower()
    truth = {"": False, "false": False, "0": False, "no": False, "true": True, "1": True, "yes": True}
    checker.cells(~text.isin(list(truth)).to_numpy(), "derived",
                  lambda i: f'"{checker.raw["derived"].iat[i]}" is not true or false',
                  "write true or false (or leave it empty: false)")  # fmt: skip
    return text.map(truth).fillna(False).astype(bool)


def _schema_check(checker: _Checker, canonical: pd.DataFrame) -> None:
    """The pandera schema on every row; its failures become problems, except where a cell the check reads
    already has one. Cells with problems hold placeholders meanwhile. Vectorised per check."""
    filled = canonical.assign(
        date=canonical["date"].fillna(_PLACEHOLDER_DAY),
        value=canonical["value"].fillna(0.0),
        metric=canonical["metric"].where(canonical["metric"].isin(METRICS), METRICS[0]),
    )
    filled["period_start"] = canonical["period_start"].fillna(filled["date"])
    try:
        FigureSchema.validate(filled, lazy=True)
        return
    except pa_errors.SchemaErrors as exc:
        cases = exc.failure_cases
    for check, column in cases.loc[cases["index"].isna(), ["check", "column"]].drop_duplicates().itertuples(False):
        checker.whole("", f"the figures fail the check {check} on column {column}", "report this file as a bug")
    cases = cases[cases["index"].notna()]
    check, column = cases["check"].astype(str), cases["column"].astype(str)
    name = column.where(check.str.startswith(("isin", "str_matches", "str_length", "coerce")), check)
    failures = pd.DataFrame(
        {"position": cases["index"].astype(np.int64), "name": name.replace("known_region", "region")}
    )
    failures = failures.drop_duplicates()
    territory_failed = np.zeros(checker.n, dtype=bool)
    for check_name in sorted(failures["name"].unique(), key=lambda c: c != "territory"):  # territory first
        mask = np.zeros(checker.n, dtype=bool)
        mask[failures.loc[failures["name"] == check_name, "position"].to_numpy()] = True
        mask &= checker.fresh(*_CHECK_INPUTS.get(check_name, (check_name,)))
        if check_name == "region":
            mask &= ~territory_failed  # an unknown territory has no known regions: said once
        problem_column, message, fix = _schema_problem(check_name, canonical, checker)
        checker.cells(mask, problem_column, message, fix)
        if check_name == "territory":
            territory_failed = mask


def _schema_problem(
    check: str, canonical: pd.DataFrame, checker: _Checker
) -> tuple[str, Callable[[int], str], Callable[[int], str]]:
    """(column, message(row), fix(row)) of the failures of one schema check."""
    raw = {c: checker.text(c) for c in ("value", "unit", "territory", "region")}
    territory, region, metric = canonical["territory"], canonical["region"], canonical["metric"]

    def fixed(text: str) -> Callable[[int], str]:
        return lambda _i: text

    if check == "territory":
        known = ", ".join(known_territories())
        return (
            "territory",
            lambda i: f'unknown territory "{raw["territory"].iat[i]}" (known: {known})',
            fixed(f"use one of {known} (ISO 3166-1 alpha-3), or leave it empty for UKR"),
        )
    if check == "region":

        def region_message(i: int) -> str:
            regions = region_areas(territory.iat[i])
            if not regions:
                return f"no regions are known for {territory.iat[i]}"
            text = raw["region"].iat[i]
            return f'unknown region "{text}" of {territory.iat[i]}{_region_hint(text, regions)}'

        def region_fix(i: int) -> str:
            codes = ", ".join(region_areas(territory.iat[i])) or "none"
            return f"use an ISO 3166-2 code ({codes}), or leave it empty for the whole territory"

        return "region", region_message, region_fix
    if check == "not_negative":
        return (
            "value",
            lambda i: f'"{raw["value"].iat[i]}" is negative, but {metric.iat[i]} cannot be',
            lambda i: "a share lies in 0 to 100" if metric.iat[i] in SHARE_METRICS else (
                "areas are positive: a loss goes in area_lost_km2, or in net_change_km2 (which may be negative)"
            ),
        )  # fmt: skip
    if check == "share_at_most_100":
        return (
            "value",
            lambda i: f'"{raw["value"].iat[i]}" is over 100 %',
            fixed("a share is in percent of the territory (0 to 100); an area belongs in area_controlled_km2"),
        )
    if check == "within_area":
        value = canonical["value"]

        def area_message(i: int) -> str:
            unit = raw["unit"].iat[i]
            converted = unit and _UNIT_LOOKUP.get(_unit_key(unit)) in ("sq_mi", "ha")
            shown = f'"{raw["value"].iat[i]}"' + (f" {unit} = {value.iat[i]:,.6g} km2" if converted else "")
            place, code = territory.iat[i], region.iat[i]
            if code:
                name, area = region_areas(place)[code]
                bound = float(area_bound_km2(pd.Series([place]), pd.Series([code])).iat[0])
                what = f"{code} {name} ({area:,.0f} km2 in the shipped boundaries; up to {bound:,.0f} km2 is accepted)"
            else:
                what = f"{place} ({official_area_km2(place):,.0f} km2)"
            size = "larger than" if value.iat[i] >= 0 else "a larger loss than the area of"
            return f"{shown} is {size} {what}"

        return "value", area_message, fixed("check the value, its unit (km2, sq_mi, ha) and the region")
    if check in ("period_not_after_date", "stock_period_start_is_date"):  # caught earlier; the schema agrees
        return (
            "period_start",
            lambda i: f"period_start {canonical['period_start'].iat[i]:%Y-%m-%d} does not fit date "
            f"{canonical['date'].iat[i]:%Y-%m-%d}",
            fixed("period_start is the first day of a flow's period, and a stock's date"),
        )  # fmt: skip
    return check, lambda i: f"the line fails the check {check}", fixed("correct the line")


def _region_hint(text: str, regions: dict[str, tuple[str, float]]) -> str:
    wanted = text.lower().removesuffix(" oblast").strip()
    for code, (name, _) in regions.items():
        if wanted and wanted == name.lower().removesuffix(" oblast"):
            return f" (did you mean {code}, {name}?)"
    compact = re.sub(r"[\s_.-]", "", text.upper())
    for code, (name, _) in regions.items():
        if compact == code.replace("-", ""):  # UA14 for UA-14
            return f" (did you mean {code}, {name}?)"
    return ""


def _merge_duplicates(checker: _Checker, figures: pd.DataFrame) -> pd.DataFrame:
    """Identical lines merged (a note); the same key with other values on two lines is a problem.

    Vectorised: Python loops only over the lines that repeat a key with other values.
    """
    if figures.empty or not figures.duplicated(KEY_COLUMNS).any():
        return figures
    identical = figures.duplicated(_OUT_COLUMNS, keep="first").to_numpy()
    if identical.any():
        repeats = figures[figures.duplicated(_OUT_COLUMNS, keep=False).to_numpy()]
        first_line = repeats.groupby(_OUT_COLUMNS, sort=False)["line"].transform("first")
        pairs = [f"lines {a} and {b}" for a, b in zip(first_line, repeats["line"], strict=True) if a != b]
        if len(pairs) <= 10:
            checker.notes.extend(f"{pair} are identical: merged" for pair in pairs)
        else:
            checker.notes.append(f"{len(pairs):,} identical lines merged ({', '.join(pairs[:3])}, ...)")
    distinct = figures[~identical]
    conflicting = distinct[distinct.duplicated(KEY_COLUMNS, keep=False).to_numpy()]
    if conflicting.empty:
        return distinct
    content = [c for c in _OUT_COLUMNS if c not in KEY_COLUMNS]
    first = conflicting.groupby(KEY_COLUMNS, sort=False)[[*content, "line"]].transform("first")
    later = (conflicting["line"] != first["line"]).to_numpy()
    differing = pd.DataFrame({c: conflicting[c] != first[c] for c in content}).idxmax(axis=1)
    rows = conflicting[later].to_dict("records")
    for row, column, earlier in zip(rows, differing[later], first[later].to_dict("records"), strict=True):
        line, first_line = row["line"], earlier["line"]
        checker.problems.append(Problem(
            int(line), checker.names.get(column, column),
            f"same figure as line {first_line} ({_key_text(row)}) but another {column}: "
            f"{_cell(row[column])} here, {_cell(earlier[column])} on line {first_line}",
            f"keep one of lines {first_line} and {line}, or tell them apart (date, region, source, definition)",
        ))  # fmt: skip
    return distinct


def _key_text(row: dict[str, object]) -> str:
    """What makes a figure, in words: metric, where, when, source, definition."""
    when = f"{row['date']:%Y-%m-%d}"
    if row["period_start"] != row["date"]:
        when = f"{row['period_start']:%Y-%m-%d} to {when}"
    parts = [row["metric"], f"{row['territory']} {row['region']}".strip(), when, row["source"], row["definition"]]
    return ", ".join(str(p) for p in parts if p)


def _cell(value: object) -> str:
    if isinstance(value, float):
        return repr(float(value)).removesuffix(".0")  # every digit: 116500.25 and 116500.5 differ
    return str(value) if isinstance(value, bool | np.bool_) else f'"{value}"'


def _empty_figures() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in _OUT_COLUMNS})
    return frame.assign(
        date=pd.Series(dtype="datetime64[ns]"), period_start=pd.Series(dtype="datetime64[ns]"),
        value=pd.Series(dtype=float), derived=pd.Series(dtype=bool), line=pd.Series(dtype=np.int64),
    )  # fmt: skip


# --- the public steps ----------------------------------------------------------------------------------


def parse_figures_csv(data: bytes, filename: str, *, progress: Progress | None = None) -> ParsedFile:
    """Read and check a CSV file of figures; never raises on bad input (problems are returned).

    ``figures``: canonical figures (the figure columns without ``batch_id``, plus ``line``, the physical
    line of the file); empty when there are problems. ``progress(stage, fraction)`` reports "reading"
    and "checking".
    """
    report = progress or (lambda _stage, _fraction: None)
    report("reading", 0.0)
    parsed = ParsedFile(filename, hashlib.sha256(data).hexdigest(), len(data), "", "", _empty_figures(), [])
    too_big = upload_size_problem(len(data))
    if too_big is not None:
        parsed.problems.append(too_big)
        return parsed
    if not data.strip():
        parsed.problems.append(
            Problem(1, "", "the file is empty", "export the figures with a header row, see the template")
        )
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
    report("reading", 1.0)
    report("checking", 0.0)
    figures, problems, notes = _check_table(table, report)
    parsed.figures, parsed.problems, parsed.notes = figures, problems, notes
    return parsed


def _existing_batch(engine: Engine, sha256: str) -> tuple[int, str] | None:
    with engine.connect() as conn:
        row = conn.execute(select(Batch.id, Batch.status).where(Batch.sha256 == sha256)).first()
    return (int(row[0]), str(row[1])) if row is not None else None


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
    existing_batch = _existing_batch(engine, parsed.sha256)
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


def _already(filename: str, engine: Engine, batch: tuple[int, str]) -> str:
    batch_id, status = batch
    with engine.connect() as conn:
        name, created = conn.execute(select(Batch.filename, Batch.created_at).where(Batch.id == batch_id)).one()
    text = (f"{filename}: these bytes were already imported as batch {batch_id} ({name}, {created:%Y-%m-%d %H:%M}, "
            f"{status}); nothing changed")  # fmt: skip
    if status == "retracted":
        text += f"; the batch is retracted: bring it back with `python -m metrics restore {batch_id}`"
    return text


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
    existing = _existing_batch(engine, parsed.sha256)
    if existing is not None:
        return ImportResult("already imported", existing[0], None, parsed, _already(filename, engine, existing))
    if not parsed.ok:
        count = len(parsed.problems)
        return ImportResult("invalid", None, None, parsed,
                            f"{filename}: {count:,} problem{'s' if count != 1 else ''}; nothing stored")  # fmt: skip
    plan = plan_import(engine, parsed)
    if dry_run:
        return ImportResult("dry run", None, plan, parsed, f"{_summary(filename, plan)}; dry run: nothing stored")
    report("storing", 0.0)
    try:
        with write_transaction(engine) as conn:
            if conn.scalar(select(Batch.id).where(Batch.sha256 == parsed.sha256)) is None:
                batch_id = add_batch(
                    conn, parsed.figures, filename=Path(filename).name, sha256=parsed.sha256, who=who,
                    progress=lambda done, total: report("storing", done / max(total, 1)),
                )  # fmt: skip
            else:
                batch_id = None
    except IntegrityError:  # the same bytes landed from another process meanwhile
        batch_id = None
    if batch_id is None:
        existing = _existing_batch(engine, parsed.sha256)
        if existing is None:
            raise RuntimeError(f"{filename}: the import failed and no batch with its bytes is in the store")
        return ImportResult("already imported", existing[0], None, parsed, _already(filename, engine, existing))
    report("storing", 1.0)
    return ImportResult("imported", batch_id, plan, parsed, f"{_summary(filename, plan)}; stored as batch {batch_id}")


# --- the template --------------------------------------------------------------------------------------

_TEMPLATE_COLUMNS = [
    "date", "period", "period_start", "territory", "region", "actor", "metric", "value", "unit", "source",
    "definition", "source_url", "published", "notes",
]  # fmt: skip
_TEMPLATE_ROWS = [
    ["2025-11-30", "", "", "UKR", "", "RU", "area_controlled_km2", "116500", "km2", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: area held on the date (a stock); put your figures here"],
    ["2025-11-30", "", "", "UKR", "", "RU", "share_controlled_pct", "19.3", "percent", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: share of Ukraine's 603,628 km2 held on the date"],
    ["", "2025-11", "", "UKR", "", "RU", "net_change_km2", "505", "km2", "ISW", "assessed control",
     "https://understandingwar.org", "2025-12-01", "Example: gained minus lost over November 2025 (a flow: give the "
     "period; the date may stay empty)"],
    ["", "2025-W47", "", "UKR", "UA-14", "RU", "area_gained_km2", "62", "sq_mi", "ISW", "assessed control",
     "https://understandingwar.org", "2025-11-24", "Example: gained in Donetsk Oblast (UA-14) over ISO week 47 "
     "(17-23 November 2025), in square miles"],
    ["2025-11-30", "", "2025-11-01", "UKR", "UA-14", "RU", "area_lost_km2", "1250", "ha", "ISW",
     "assessed control", "https://understandingwar.org", "2025-12-01", "Example: lost in Donetsk Oblast from "
     "period_start to date, in hectares"],
]  # fmt: skip


def template_csv() -> bytes:
    """The downloadable template: every column, one example row per metric (valid; imports cleanly)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(_TEMPLATE_COLUMNS)
    writer.writerows(_TEMPLATE_ROWS)
    return buffer.getvalue().encode("utf-8")
