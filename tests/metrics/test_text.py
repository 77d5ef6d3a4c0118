"""The rule set for incoming text and the neutralising CSV writer (metrics.text): every class of invisible
character with its name, formula-looking text in ASCII, full-width and small forms, the store's length
limits, and CSV files read back with the csv module."""

from __future__ import annotations

import csv
import io

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import String

from metrics.tables import MAX_FREE_TEXT, MAX_URL, Event, Figure, Snapshot
from metrics.text import (
    EVENT_TEXT_LIMITS,
    SNAPSHOT_TEXT_LIMITS,
    TEXT_LIMITS,
    character_name,
    first_bad_character,
    has_bad_characters,
    length_problem,
    looks_like_formula,
    looks_like_formula_mask,
    needs_neutralising,
    neutralise,
    over_limit,
    strip_bad_characters,
    strip_bad_characters_series,
    text_problem,
    unneutralise,
    unneutralise_series,
    visible,
    write_csv,
)

# -- invisible characters ----------------------------------------------------------------------------

BAD_CHARACTERS = [
    # C0 controls, DEL and C1 controls
    ("\x00", "NUL (U+0000)"), ("\x07", "BEL (U+0007)"), ("\x08", "BS (U+0008)"), ("\x1b", "ESC (U+001B)"),
    ("\x0b", "VT (U+000B)"), ("\x0c", "FF (U+000C)"), ("\x1f", "US (U+001F)"), ("\x7f", "DEL (U+007F)"),
    ("\x85", "NEL (U+0085)"), ("\x9b", "CSI (U+009B)"), ("\x9f", "APC (U+009F)"),
    # zero-width
    ("\u200b", "ZERO WIDTH SPACE (U+200B)"), ("\u200c", "ZERO WIDTH NON-JOINER (U+200C)"),
    ("\u200d", "ZERO WIDTH JOINER (U+200D)"), ("\u2060", "WORD JOINER (U+2060)"),
    ("\ufeff", "ZERO WIDTH NO-BREAK SPACE (U+FEFF)"),
    # bidi embeddings, overrides, isolates and marks
    ("\u202a", "LEFT-TO-RIGHT EMBEDDING (U+202A)"), ("\u202b", "RIGHT-TO-LEFT EMBEDDING (U+202B)"),
    ("\u202c", "POP DIRECTIONAL FORMATTING (U+202C)"), ("\u202d", "LEFT-TO-RIGHT OVERRIDE (U+202D)"),
    ("\u202e", "RIGHT-TO-LEFT OVERRIDE (U+202E)"), ("\u2066", "LEFT-TO-RIGHT ISOLATE (U+2066)"),
    ("\u2067", "RIGHT-TO-LEFT ISOLATE (U+2067)"), ("\u2068", "FIRST STRONG ISOLATE (U+2068)"),
    ("\u2069", "POP DIRECTIONAL ISOLATE (U+2069)"), ("\u200e", "LEFT-TO-RIGHT MARK (U+200E)"),
    ("\u200f", "RIGHT-TO-LEFT MARK (U+200F)"), ("\u061c", "ARABIC LETTER MARK (U+061C)"),
    # soft hyphen and invisible operators
    ("\u00ad", "SOFT HYPHEN (U+00AD)"), ("\u2062", "INVISIBLE TIMES (U+2062)"),
    ("\u180e", "MONGOLIAN VOWEL SEPARATOR (U+180E)"),
]  # fmt: skip


@pytest.mark.parametrize(("character", "name"), BAD_CHARACTERS, ids=[n.split(" (")[0] for _, n in BAD_CHARACTERS])
def test_each_invisible_character_is_found_named_and_stripped(character: str, name: str) -> None:
    text = f"ISW{character} (AFP analysis)"
    assert character_name(character) == name
    found = first_bad_character(text)
    assert found is not None and (found.index, found.character, found.name) == (3, character, name)
    assert found.describe() == f"{name} at character 4"
    assert strip_bad_characters(text) == "ISW (AFP analysis)"
    assert "\\" in visible(text) and character not in visible(text)  # printable: no ESC reaches a terminal
    assert has_bad_characters(pd.Series(["ISW", text, None], dtype=object)).tolist() == [False, True, False]


@pytest.mark.parametrize(
    "text",
    ["ISW (AFP analysis)", "Донецьк", "«occupied»", "a\u00a0b", "line\u2028separator", "emoji 🇺🇦", "e\u0301"],
)
def test_visible_text_has_no_bad_character(text: str) -> None:
    assert first_bad_character(text) is None
    assert strip_bad_characters(text) == text and visible(text) == text


def test_tab_and_line_breaks_only_where_the_caller_allows_them() -> None:
    assert first_bad_character("a\tb") == (1, "\t", "TAB (U+0009)")
    assert first_bad_character("a\nb") == (1, "\n", "LF (U+000A)")
    assert first_bad_character("a\r\nb") == (1, "\r", "CR (U+000D)")
    assert first_bad_character("a\tb\nc\rd", allow="\t\n\r") is None
    assert first_bad_character("a\tb\x07", allow="\t") == (3, "\x07", "BEL (U+0007)")
    # free text (notes) keeps its tabs and line breaks by default, loses the rest
    assert strip_bad_characters("line 1\r\nline\u200b 2\x07\tend") == "line 1\r\nline 2\tend"
    assert strip_bad_characters("a\tb\nc", allow="") == "abc"
    series = pd.Series(["ok\n", "b\u202eel\x1b[31m", None], dtype=object)
    assert strip_bad_characters_series(series).tolist()[:2] == ["ok\n", "bel[31m"]
    assert pd.isna(strip_bad_characters_series(series).iloc[2])


def test_visible_escapes_controls_as_hex_and_others_as_unicode() -> None:
    assert visible("a\x1b[31mred\u200b") == "a\\x1b[31mred\\u200b"
    assert visible("tab\there", allow="\t") == "tab\there"


# -- formula-looking text ----------------------------------------------------------------------------

REFUSED = ["=1+1", '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "  =SUM(A1)", "\uff1d1+1", " \uff1dA1"]
NOT_REFUSED = ["+1", "-37", "@SUM(A1)", "a=b", "", "'=1", "\uff0b1", "x\uff1d"]


@pytest.mark.parametrize("text", REFUSED)
def test_importers_refuse_text_starting_with_an_equals_sign_ascii_or_full_width(text: str) -> None:
    assert looks_like_formula(text)


@pytest.mark.parametrize("text", NOT_REFUSED)
def test_importers_keep_numbers_signs_and_equals_signs_inside(text: str) -> None:
    assert not looks_like_formula(text)


def test_the_formula_mask_is_the_scalar_rule() -> None:
    series = pd.Series([*REFUSED, *NOT_REFUSED, None], dtype=object)
    assert looks_like_formula_mask(series).tolist() == [True] * len(REFUSED) + [False] * (len(NOT_REFUSED) + 1)


NEUTRALISED = [
    "=1+1", "+1", "-37", "@SUM(A1)", "\tcmd", "\rcmd", "  =x", "\u00a0=x", "\u3000=x",
    "\uff1dx", "\uff0bx", "\uff0dx", "\uff20x",  # full-width = + - @
    "'=x", "''+x",  # already apostrophed: one more, so that the importer gives back exactly this
]  # fmt: skip
KEPT = ["fine", "a=b", "37", "'hello", "'", "", " x", "x\t=y", "\u2212 37", "«=»", "\ufe66x"]


@pytest.mark.parametrize("text", NEUTRALISED)
def test_the_writer_neutralises_every_formula_start(text: str) -> None:
    assert needs_neutralising(text)
    assert neutralise(text) == "'" + text
    assert unneutralise(neutralise(text)) == text


@pytest.mark.parametrize("text", KEPT)
def test_the_writer_keeps_other_text(text: str) -> None:
    assert not needs_neutralising(text)
    assert neutralise(text) == text
    assert unneutralise(text) == text


_ODD_TEXT = st.sampled_from(list("'=+-@\t\r \uff1d\uff0b\u00a0ax1")) | st.characters(exclude_categories=("Cs",))


@given(st.text(alphabet=_ODD_TEXT, max_size=12))
def test_unneutralise_gives_back_exactly_what_was_written(text: str) -> None:
    assert unneutralise(neutralise(text)) == text
    series = pd.Series([neutralise(text)], dtype="str")
    assert unneutralise_series(series).tolist() == [text]


# -- the CSV writer ----------------------------------------------------------------------------------


def _cells(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode(), newline="")))


def test_write_csv_neutralises_text_and_header_cells_and_never_numbers() -> None:
    frame = pd.DataFrame({
        "=cmd|' /C calc'!A0": ["=HYPERLINK(\"http://x\")", "\uff1d1", "fine"],
        "value": [-37.0, 1.5, 2.0],
        "mixed": pd.Series([-37.0, "-x", None], dtype=object),
        "count": [-1, 0, 1],
        "note": ["-37", "+1", None],
    })  # fmt: skip
    assert _cells(write_csv(frame)) == [
        ["'=cmd|' /C calc'!A0", "value", "mixed", "count", "note"],
        ['\'=HYPERLINK("http://x")', "-37.0", "-37.0", "-1", "'-37"],
        ["'\uff1d1", "1.5", "'-x", "0", "'+1"],
        ["fine", "2.0", "", "1", ""],
    ]
    assert frame.iloc[0, 0] == '=HYPERLINK("http://x")'  # the input is not modified


def test_write_csv_of_rows_and_of_a_categorical_column() -> None:
    rows = [{"source": "=1+1", "value": -2.5}, {"source": "ok", "value": 3.0}]
    assert _cells(write_csv(rows)) == [["source", "value"], ["'=1+1", "-2.5"], ["ok", "3.0"]]
    assert _cells(write_csv([("@x", 1)], columns=["a", "b"])) == [["a", "b"], ["'@x", "1"]]
    frame = pd.DataFrame({"c": pd.Categorical(["=x", "y", "=x"])})
    assert _cells(write_csv(frame)) == [["c"], ["'=x"], ["y"], ["'=x"]]


def test_write_csv_line_ends_and_quoting_are_the_exports() -> None:
    frame = pd.DataFrame({"notes": ["a,b", 'say "hi"', "two\nlines"], "n": [1, 2, 3]})
    assert write_csv(frame) == b'notes,n\n"a,b",1\n"say ""hi""",2\n"two\nlines",3\n'


# -- length limits -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("model", "limits"), [(Figure, TEXT_LIMITS), (Event, EVENT_TEXT_LIMITS),
                                              (Snapshot, SNAPSHOT_TEXT_LIMITS)])  # fmt: skip
def test_limits_are_the_string_lengths_of_the_store_models(model: type, limits: dict[str, int]) -> None:
    table = model.__table__  # type: ignore[attr-defined]
    sized = {c.name: c.type.length for c in table.columns if isinstance(c.type, String) and c.type.length}
    assert sized and {name: limits[name] for name in sized} == sized
    unsized = {c.name for c in table.columns if c.type.python_type is str} - set(sized)
    assert {limits[name] for name in unsized} <= {MAX_URL, MAX_FREE_TEXT}  # the stated limits of Text columns


def test_the_figure_limits_are_those_postgresql_enforces() -> None:
    assert TEXT_LIMITS == {"territory": 3, "region": 10, "actor": 10, "metric": 40, "source": 200,
                           "definition": 200, "source_url": 2_000, "published": 10, "notes": 20_000,
                           "quality": 10}  # fmt: skip


def test_length_problems_name_the_length_and_the_limit() -> None:
    assert length_problem("x" * 200, "source") is None
    assert length_problem("x" * 1000, "source") == "the text is 1,000 characters long, over the limit of 200"
    assert length_problem("ї" * 11, "actor") == "the text is 11 characters long, over the limit of 10"  # characters
    assert length_problem("x" * 20_000, "notes") is None  # the stated limit of free text
    assert length_problem("x" * 20_001, "notes") == "the text is 20,001 characters long, over the limit of 20,000"
    series = pd.Series(["RU", "x" * 16, None], dtype=object)
    assert over_limit(series, "actor").tolist() == [False, True, False]
    assert over_limit(series, "notes").tolist() == [False, False, False]
    assert over_limit(series, "no such column").tolist() == [False, False, False]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("ISW\u200b", ['"ISW\\u200b"', "ZERO WIDTH SPACE (U+200B) at character 4", "invisible"]),
        ("ISW\x07", ["BEL (U+0007)", "retype"]),
        ("=HYPERLINK(1)", ['"=HYPERLINK(1)"', "spreadsheet formula"]),
        ("\uff1dHYPERLINK(1)", ["spreadsheet formula"]),
        ("x" * 201, ["201 characters", "limit of 200", "at most 200"]),
    ],
)
def test_text_problem_gives_the_first_problem_with_what_to_do(text: str, words: list[str]) -> None:
    found = text_problem(text, "source")
    assert found is not None
    message = " ".join(found)
    for word in words:
        assert word in message, message


def test_text_problem_accepts_good_names() -> None:
    for text in ("ISW", "DeepStateMap", "assessed control", "-37", "+ advances", "x" * 200):
        assert text_problem(text, "source") is None
