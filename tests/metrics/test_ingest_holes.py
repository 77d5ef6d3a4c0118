"""Inputs that got a wrong answer before the ingestion was rebuilt (issue 10): each case here failed on
the old code. Mixed encodings, invisible characters, long cells, length limits on both stores, http(s)
links only, future dates, the store's revision, and quality marks carried through store and export."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from metrics.events import import_events, parse_events_csv, read_events
from metrics.export import export_figures, to_bytes
from metrics.ingest import import_figures, parse_figures_csv
from metrics.store import read_figures, revision, set_batch_status
from metrics.tables import MAX_FREE_TEXT

HEADER = b"date,metric,value,source,definition,actor,notes,source_url\n"


def _row(date: str = "2025-11-30", source: str = "ISW", definition: str = "assessed control", actor: str = "RU",
         notes: str = "", url: str = "", value: str = "116500") -> bytes:  # fmt: skip
    def quoted(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    cells = [date, "area_controlled_km2", value, quoted(source), quoted(definition), actor, quoted(notes), quoted(url)]
    return ",".join(cells).encode("utf-8") + b"\n"


def _problems(data: bytes) -> list[str]:
    return [p.as_text("f.csv") for p in parse_figures_csv(data, "f.csv").problems]


# --- 1. one encoding per file --------------------------------------------------------------------------


def test_a_lone_windows_1251_byte_before_utf8_cyrillic_is_refused_not_stored_as_mojibake() -> None:
    data = HEADER + _row(notes="Bakhmut") + b"2025-11-29,area_controlled_km2,1,ISW \xb9 2,x,RU,,\n"
    data += _row(date="2025-11-28", notes="Донецьк, Покровськ")
    problems = _problems(data)
    assert len(problems) == 1, problems
    assert problems[0].startswith("f.csv:3: byte 0xB9 is not UTF-8, but line 4 is UTF-8 text"), problems
    assert "one encoding" in problems[0]


def test_a_real_windows_1251_file_with_ukrainian_letters_still_reads() -> None:
    text = "date,metric,value,source,notes\n2025-11-30,area_controlled_km2,116500,ISW,Покровськ і Сіверськ\n"
    parsed = parse_figures_csv(text.encode("cp1251"), "f.csv")  # "Сі" is a valid UTF-8 pair: not a signature
    assert parsed.ok and parsed.encoding == "Windows-1251"
    assert parsed.figures["notes"].iat[0] == "Покровськ і Сіверськ"


# --- 2. invisible characters ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("column", "text", "name"),
    [
        ("source", "ISW\x07", "BEL (U+0007)"),
        ("source", "ISW (AFP analysis)\u200b", "ZERO WIDTH SPACE (U+200B)"),
        ("definition", "\x1b[31massessed control", "ESC (U+001B)"),
        ("definition", "assessed\x08 control", "BS (U+0008)"),
        ("source", "\u202eWSI", "RIGHT-TO-LEFT OVERRIDE (U+202E)"),
        ("actor", "R\u2066U", "LEFT-TO-RIGHT ISOLATE (U+2066)"),
    ],
)
def test_invisible_characters_in_names_are_refused_with_their_name(column: str, text: str, name: str) -> None:
    problems = _problems(HEADER + _row(**{column: text}))
    assert len(problems) == 1 and problems[0].startswith(f"f.csv:2: {column}: "), problems
    assert name in problems[0]


def test_control_characters_are_stripped_from_notes_and_every_export_opens(tmp_path) -> None:
    parsed = parse_figures_csv(HEADER + _row(notes="AFP\x07 figure\u200b, see\nthe map"), "f.csv")
    assert parsed.ok, parsed.problems
    assert parsed.figures["notes"].iat[0] == "AFP figure, see\nthe map"
    assert any("control or invisible characters removed" in note for note in parsed.notes)
    xlsx = to_bytes(export_figures(parsed.figures.assign(batch_id=1)), "xlsx")  # a BEL made openpyxl fail
    assert xlsx[:2] == b"PK"


def test_events_refuse_a_bell_in_the_label() -> None:
    data = b"date,label,source,notes\n2025-11-30,Pokrovsk\x07 claimed,AFP," + b"long enough to be a text file " * 5
    parsed = parse_events_csv(data + b"\n", "e.csv")
    assert [(p.line, p.column) for p in parsed.problems] == [(2, "label")]
    assert "BEL (U+0007)" in parsed.problems[0].message


# --- 3. long cells --------------------------------------------------------------------------------------


def test_a_long_note_within_the_limit_imports_and_one_over_it_names_the_limit() -> None:
    fine = parse_figures_csv(HEADER + _row(notes="x" * MAX_FREE_TEXT), "f.csv")
    assert fine.ok and len(fine.figures["notes"].iat[0]) == MAX_FREE_TEXT
    long = "y" * 140_000  # over the csv module's own 128 KiB field limit, correctly quoted
    problems = _problems(HEADER + _row(notes=long))
    assert problems == [f"f.csv:2: notes: the cell has 140,000 characters, more than the limit of "
                        f"{MAX_FREE_TEXT:,} for notes; shorten it to at most {MAX_FREE_TEXT:,} characters"]  # fmt: skip


# --- 4. the same length limits on SQLite and PostgreSQL -----------------------------------------------------


@pytest.mark.parametrize(("column", "text", "limit"), [("source", "S" * 1000, 200), ("actor", "A" * 16, 10)])
def test_length_limits_are_problems_on_every_store(engine: Engine, column: str, text: str, limit: int) -> None:
    result = import_figures(engine, HEADER + _row(**{column: text}), "long.csv")
    assert result.status == "invalid"  # never a raw DataError from the database
    [problem] = result.parsed.problems
    assert (problem.line, problem.column) == (2, column)
    assert f"more than the limit of {limit} for {column}" in problem.message
    assert read_figures(engine).empty


# --- 7. the store's revision ------------------------------------------------------------------------------


def test_the_revision_never_repeats_over_retract_restore_retract(engine: Engine) -> None:
    first = import_figures(engine, HEADER + _row(value="100"), "a.csv").batch_id
    import_figures(engine, HEADER + _row(value="200"), "b.csv")
    seen = [revision(engine)]
    for status in ("retracted", "active", "retracted"):
        set_batch_status(engine, first, status)
        seen.append(revision(engine))
    assert len(set(seen)) == len(seen), seen  # (max id, active count) repeated here before
    set_batch_status(engine, first, "retracted")  # no change: the revision stays
    assert revision(engine) == seen[-1]


# --- 11. links ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "www.isw.org"])
def test_a_source_url_must_be_http_or_https(url: str) -> None:
    problems = _problems(HEADER + _row(url=url))
    assert len(problems) == 1 and problems[0].startswith("f.csv:2: source_url: "), problems
    assert "http:// or https://" in problems[0]


# --- dates after today ---------------------------------------------------------------------------------------


def test_a_date_more_than_a_few_days_after_today_is_refused_with_the_date() -> None:
    later = dt.date.today() + dt.timedelta(days=30)
    problems = _problems(HEADER + _row(date=later.isoformat()))
    assert len(problems) == 1 and f"dated {later:%Y-%m-%d}, after today" in problems[0], problems
    soon = dt.date.today() + dt.timedelta(days=1)  # a time zone ahead: fine
    assert _problems(HEADER + _row(date=soon.isoformat())) == []
    events = parse_events_csv(f"date,label,source\n{later},Typo,AFP\n".encode(), "e.csv")
    assert [p.column for p in events.problems] == ["date"]


# --- quality marks ------------------------------------------------------------------------------------------


def test_quality_marks_are_stored_exported_and_checked(engine: Engine) -> None:
    data = (b"date,metric,value,source,quality,notes\n"
            b"2023-10-24,area_controlled_km2,90000,liveuamap,glitch,glitch: a layer missing for a day\n"
            b"2024-03-14,area_controlled_km2,100000,liveuamap,break,break: the pre-2022 areas leave the series\n"
            b"2024-03-15,area_controlled_km2,100001,liveuamap,,\n")  # fmt: skip
    assert import_figures(engine, data, "q.csv").status == "imported"
    stored = read_figures(engine).set_index("date")["quality"]
    assert stored.tolist() == ["glitch", "break", ""]
    exported = to_bytes(export_figures(read_figures(engine)), "csv").decode()
    assert exported.splitlines()[0].endswith(",quality") and ",glitch" in exported
    bad = _problems(b"date,metric,value,source,quality\n2024-03-14,area_controlled_km2,1,x,oops\n")
    assert len(bad) == 1 and bad[0].startswith('f.csv:2: quality: "oops" is not a quality mark'), bad


def test_events_round_trip_through_the_one_batch_writer(engine: Engine) -> None:
    data = b"date,label,source\n2025-11-30,Pokrovsk claimed,AFP\n"
    first = import_events(engine, data, "e.csv")
    again = import_events(engine, data, "e-again.csv")
    assert first.status == "imported" and again.status == "already imported"
    assert again.batch_id == first.batch_id
    assert read_events(engine)["label"].tolist() == ["Pokrovsk claimed"]
