"""The one rule set for text that comes in, and the one CSV writer for text that goes out.

Coming in (every importer and CLI option that stores text uses these):

- **Invisible characters** are refused in names (source, definition, region, actor, metric, ...) and
  stripped from free text (notes): C0 and C1 control characters and DEL (tab, line feed and carriage
  return only where the caller allows them), zero-width characters (U+200B..U+200D, U+2060, U+FEFF,
  U+180E), bidi overrides, embeddings, isolates and marks (U+202A..U+202E, U+2066..U+2069, U+200E,
  U+200F, U+061C), the soft hyphen (U+00AD) and the invisible operators (U+2061..U+2064). They are
  named in messages as ``BEL (U+0007)`` or ``ZERO WIDTH SPACE (U+200B)``; ``visible`` shows a value
  with them escaped, so a message never sends an ESC sequence to a terminal.
- **Formula-looking text** (``looks_like_formula``): a cell that starts with ``=`` or the full-width
  ``＝`` (after leading spaces) is refused. ``+ - @`` are not refused on the way in: ``-37`` is a
  number and ``+1`` a plain note.
- **Length limits** (``TEXT_LIMITS`` and friends) are the ``String(n)`` lengths of the store's models
  in ``metrics.tables`` (and its stated limits of free text and web addresses), one source of truth
  for SQLite (which would accept anything) and PostgreSQL (which refuses longer text with a raw
  error). Lengths count characters, as PostgreSQL does.

Going out (``write_csv``, used for every CSV the project writes): a text cell or header cell that a
spreadsheet would run as a formula gets a leading apostrophe (``neutralise``): it starts, after leading
spaces, with ``= + - @``, tab or carriage return (the OWASP CSV-injection list) or one of the
full-width forms ``＝ ＋ － ＠``. Text that starts with apostrophes and then such
a character gets one more, so ``unneutralise`` (what an importer applies to text cells) gives back
exactly what was written. Numbers are never changed: ``-37.0`` stays ``-37.0``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from functools import cache
from typing import NamedTuple

import numpy as np
import pandas as pd

from metrics.tables import Batch, Event, Figure, Snapshot
from metrics.tables import text_limits as _text_limits

__all__ = [
    "BATCH_TEXT_LIMITS",
    "CONTROL_NAMES",
    "EVENT_TEXT_LIMITS",
    "FREE_TEXT_ALLOWED",
    "INVISIBLE_CHARACTERS",
    "BadCharacter",
    "SNAPSHOT_TEXT_LIMITS",
    "TEXT_LIMITS",
    "character_name",
    "first_bad_character",
    "has_bad_characters",
    "length_problem",
    "looks_like_formula",
    "looks_like_formula_mask",
    "needs_neutralising",
    "neutralise",
    "neutralise_frame",
    "over_limit",
    "strip_bad_characters",
    "strip_bad_characters_series",
    "text_problem",
    "unneutralise",
    "unneutralise_series",
    "visible",
    "write_csv",
]

# -- invisible characters ----------------------------------------------------------------------------

_C0 = [
    "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "TAB", "LF", "VT", "FF", "CR", "SO", "SI", "DLE",
    "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US",
]  # fmt: skip
_C1 = [
    "PAD", "HOP", "BPH", "NBH", "IND", "NEL", "SSA", "ESA", "HTS", "HTJ", "VTS", "PLD", "PLU", "RI", "SS2", "SS3",
    "DCS", "PU1", "PU2", "STS", "CCH", "MW", "SPA", "EPA", "SOS", "SGCI", "SCI", "CSI", "ST", "OSC", "PM", "APC",
]  # fmt: skip

#: Code point -> short name of every C0 and C1 control character and DEL (``unicodedata.name`` has none).
CONTROL_NAMES: dict[int, str] = {
    **dict(enumerate(_C0)), 0x7F: "DEL", **{0x80 + i: name for i, name in enumerate(_C1)},
}  # fmt: skip

#: Invisible formatting characters that are not controls: zero-width, bidi, soft hyphen, invisible operators.
INVISIBLE_CHARACTERS: frozenset[int] = frozenset(
    [0x00AD, 0x061C, 0x180E, 0x200B, 0x200C, 0x200D, 0x200E, 0x200F, 0x2060, 0x2061, 0x2062, 0x2063, 0x2064, 0xFEFF]
    + list(range(0x202A, 0x202F))
    + list(range(0x2066, 0x206A))
)

#: What free text (notes) may keep of the control characters: tab and line breaks.
FREE_TEXT_ALLOWED = "\t\n\r"


class BadCharacter(NamedTuple):
    """An invisible character found in a text: its index (0-based), the character and its name."""

    index: int
    character: str
    name: str

    def describe(self) -> str:
        """``BEL (U+0007) at character 4`` (1-based, as a person counts)."""
        return f"{self.name} at character {self.index + 1}"


def character_name(character: str) -> str:
    """``BEL (U+0007)``, ``ZERO WIDTH SPACE (U+200B)``: the short name of a control character or the
    Unicode name of any other, with its code point."""
    code = ord(character)
    name = CONTROL_NAMES.get(code) or unicodedata.name(character, "UNNAMED CHARACTER")
    return f"{name} (U+{code:04X})"


@cache
def _bad_pattern(allow: str) -> re.Pattern[str]:
    codes = sorted((set(CONTROL_NAMES) | INVISIBLE_CHARACTERS) - {ord(c) for c in allow})
    return re.compile("[" + "".join(f"\\u{c:04x}" for c in codes) + "]")


def first_bad_character(text: str, *, allow: str = "") -> BadCharacter | None:
    """The first control or invisible character of ``text`` (those in ``allow`` excepted), or None."""
    match = _bad_pattern(allow).search(text)
    if match is None:
        return None
    return BadCharacter(match.start(), match.group(), character_name(match.group()))


def strip_bad_characters(text: str, *, allow: str = FREE_TEXT_ALLOWED) -> str:
    """``text`` without its control and invisible characters (for free text: tab and line breaks kept)."""
    return _bad_pattern(allow).sub("", text)


def visible(text: str, *, allow: str = "") -> str:
    """``text`` with its control and invisible characters written as escapes (``\\x07``, ``\\u200b``),
    safe to print in a message (no ESC sequence reaches a terminal)."""

    def escape(match: re.Match[str]) -> str:
        code = ord(match.group())
        return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"

    return _bad_pattern(allow).sub(escape, text)


def has_bad_characters(text: pd.Series, *, allow: str = "") -> np.ndarray:
    """Vectorised ``first_bad_character(...) is not None`` over a Series of text (missing: False)."""
    found = text.astype("string").str.contains(_bad_pattern(allow), regex=True)
    return found.fillna(False).to_numpy(bool)


def strip_bad_characters_series(text: pd.Series, *, allow: str = FREE_TEXT_ALLOWED) -> pd.Series:
    """Vectorised ``strip_bad_characters`` (missing values stay missing)."""
    return text.str.replace(_bad_pattern(allow), "", regex=True)


# -- formula-looking text ----------------------------------------------------------------------------

_REFUSED = re.compile(r"^\s*[=\uff1d]")
#: Spaces a spreadsheet skips before a formula, then what starts one (OWASP), in ASCII and full-width.
_RISKY = re.compile("^'*[ \u00a0\u3000]*[=+\\-@\t\r\uff1d\uff0b\uff0d\uff20]")


def looks_like_formula(text: str) -> bool:
    """Whether an importer refuses ``text`` as a spreadsheet formula: it starts with ``=`` or the
    full-width ``＝`` (after leading spaces)."""
    return _REFUSED.match(text) is not None


def looks_like_formula_mask(text: pd.Series) -> np.ndarray:
    """Vectorised ``looks_like_formula`` over a Series of text (missing: False)."""
    return text.astype("string").str.match(_REFUSED).fillna(False).to_numpy(bool)


def needs_neutralising(text: str) -> bool:
    """Whether the CSV writer prefixes ``text`` with an apostrophe (see the module's doc)."""
    return _RISKY.match(text) is not None


def neutralise(text: str) -> str:
    """``text`` as a spreadsheet shows it without running it: an apostrophe before formula-looking text."""
    return "'" + text if needs_neutralising(text) else text


def unneutralise(text: str) -> str:
    """The inverse of ``neutralise``: the text an export wrote as ``'=...`` is ``=...`` again; any other
    text (``'hello``) is unchanged."""
    return text[1:] if text.startswith("'") and needs_neutralising(text[1:]) else text


def unneutralise_series(text: pd.Series) -> pd.Series:
    """Vectorised ``unneutralise`` (missing values stay missing)."""
    escaped = text.str.match("'" + _RISKY.pattern[1:]).fillna(False).astype(bool)
    return text.where(~escaped, text.str.slice(1))


def _risky_cells(column: pd.Series) -> pd.Series | None:
    """Where a column holds formula-looking text (strings only: numbers are never touched), or None."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        column = column.astype(object)
    if not (column.dtype == object or pd.api.types.is_string_dtype(column)):
        return None
    try:
        matched = column.str.match(_RISKY)
    except AttributeError:  # an object column without any text (numbers, None)
        return None
    return matched.where(matched.notna(), False).astype(bool)


def neutralise_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with every formula-looking text cell and column name neutralised."""
    out = frame.copy()
    for position in range(frame.shape[1]):
        column = frame.iloc[:, position]
        risky = _risky_cells(column)
        if risky is not None and risky.any():
            if isinstance(column.dtype, pd.CategoricalDtype):
                column = column.astype(object)
            out.isetitem(position, column.mask(risky, "'" + column[risky].astype(str)))
    out.columns = [neutralise(c) if isinstance(c, str) else c for c in frame.columns]
    return out


def write_csv(
    data: pd.DataFrame | Iterable[Mapping[str, object]] | Iterable[Sequence[object]],
    *,
    columns: Sequence[str] | None = None,
) -> bytes:
    """The CSV file (UTF-8, ``\\n`` line ends, no index) of a frame or of rows (mappings, or sequences
    with ``columns``), formula-looking text cells and header cells neutralised. Every CSV the project
    writes goes through here."""
    frame = data if isinstance(data, pd.DataFrame) else pd.DataFrame(list(data), columns=columns)
    if isinstance(data, pd.DataFrame) and columns is not None:
        frame = frame[list(columns)]
    return neutralise_frame(frame).to_csv(index=False, lineterminator="\n").encode()


# -- length limits -----------------------------------------------------------------------------------


def _all_text_limits(model: type[Figure | Event | Snapshot | Batch]) -> dict[str, int]:
    table = model.__table__
    return _text_limits(model, [c.name for c in table.columns if c.type.python_type is str])


#: Column -> the most characters the store keeps (``metrics.tables.text_limits``: a ``String(n)`` size,
#: or the stated limit of free text and web addresses), per table.
TEXT_LIMITS = _all_text_limits(Figure)
EVENT_TEXT_LIMITS = _all_text_limits(Event)
SNAPSHOT_TEXT_LIMITS = _all_text_limits(Snapshot)
BATCH_TEXT_LIMITS = _all_text_limits(Batch)


def length_problem(text: str, column: str, limits: Mapping[str, int] = TEXT_LIMITS) -> str | None:
    """``the text is 1,000 characters long, over the limit of 200`` when ``text`` is longer than its
    column keeps (``limits``), or None."""
    limit = limits.get(column)
    if limit is None or len(text) <= limit:
        return None
    return f"the text is {len(text):,} characters long, over the limit of {limit:,}"


def over_limit(text: pd.Series, column: str, limits: Mapping[str, int] = TEXT_LIMITS) -> np.ndarray:
    """Vectorised ``length_problem(...) is not None`` (missing: False)."""
    limit = limits.get(column)
    if limit is None:
        return np.zeros(len(text), dtype=bool)
    return (text.astype("string").str.len() > limit).fillna(False).to_numpy(bool)


def text_problem(
    text: str, column: str, limits: Mapping[str, int] = TEXT_LIMITS, *, allow: str = ""
) -> tuple[str, str] | None:
    """The first problem of one value that is stored as a name (source, definition, region...), as
    (message, what to do), or None: an invisible character, formula-looking text, or too long."""
    bad = first_bad_character(text, allow=allow)
    if bad is not None:
        return (
            f'"{visible(text, allow=allow)}" holds the invisible character {bad.describe()}',
            "retype the text without it (it often comes with text copied from a web page or chat)",
        )
    if looks_like_formula(text):
        return (
            f'"{text}" looks like a spreadsheet formula',
            "give the text itself, without the leading =",
        )
    too_long = length_problem(text, column, limits)
    if too_long is not None:
        return too_long, f"shorten it to at most {limits[column]:,} characters"
    return None
