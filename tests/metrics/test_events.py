"""Events (metrics.events): CSV files of events read with the checks of figures, every problem as
FILE:LINE: column: message; fix with nothing stored; batches that retract and restore; the bundled
events loaded once; ``python -m metrics import-events``. Store tests on SQLite and PostgreSQL."""

from __future__ import annotations

import codecs
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from metrics import bundled
from metrics.__main__ import main
from metrics.bundled import BUNDLED_EVENTS_DIR, ensure_bundled_data
from metrics.events import (
    EVENT_COLUMNS,
    between,
    import_events,
    parse_events_csv,
    plan_events,
    read_events,
    short_label,
    template_csv,
)
from metrics.store import Batch, Event, list_batches, set_batch_status

GOOD = (
    b"date,label,source,url,notes\n"
    b'2025-12-01,"Russia claims the capture of Pokrovsk, Ukraine denies it",press reports,https://example.org/a,\n'
    b"2025-12-02,Witkoff and Kushner meet Putin in Moscow,AFP,,five hours\n"
)

# file name -> (bytes, expected problems as (line, column as in the file, words in the message))
BAD: dict[str, tuple[bytes, list[tuple[int, str, list[str]]]]] = {
    "bad_dates.csv": (
        b"date,label,source\n2025-02-30,a,AFP\nyesterday,b,AFP\n2025-12-03,c,AFP\n11/12/2025,d,AFP\n,e,AFP\n",
        [
            (2, "date", ['"2025-02-30"', "no such day"]),
            (3, "date", ['"yesterday"', "not a date"]),
            (5, "date", ['"11/12/2025"', "ambiguous"]),
            (6, "date", ["the date is empty"]),
        ],
    ),
    "empty_label.csv": (
        b"date,label,source\n2025-12-01,,AFP\n2025-12-02,   ,AFP\n2025-12-03,fine,\n",
        [
            (2, "label", ["the label is empty"]),
            (3, "label", ["the label is empty"]),
            (4, "source", ["source is empty"]),
        ],
    ),
    "missing_column.csv": (
        b"date,label\n2025-12-01,Pokrovsk\n",
        [(1, "source", ["required column source is missing"])],
    ),
    "unknown_column.csv": (
        b"date,lable,source\n2025-12-01,Pokrovsk,AFP\n",
        [(1, "label", ["required column label"]), (1, "lable", ['unknown column "lable"', "did you mean label"])],
    ),
    "formula_cell.csv": (
        b'date,label,source,url\n2025-12-01,"=HYPERLINK(""http://x"")",AFP,\n2025-12-02,b,=1+1,\n',
        [(2, "label", ["=HYPERLINK", "formula"]), (3, "source", ['"=1+1"', "formula"])],
    ),
    "conflicting_duplicates.csv": (
        b"date,label,source,url\n2025-12-01,Pokrovsk,AFP,https://a.org\n2025-12-02,Talks,AFP,\n"
        b"2025-12-01,Pokrovsk,AFP,https://b.org\n",
        [(4, "url", ["same event as line 2", '"https://b.org" here', '"https://a.org" on line 2'])],
    ),
    "bad_url.csv": (
        b"date,label,source,url\n2025-12-01,a,AFP,www.example.org\n2025-12-02,b,AFP,javascript:alert(1)\n",
        [(2, "url", ['"www.example.org"', "http"]), (3, "url", ['"javascript:alert(1)"', "http"])],
    ),
    "too_long.csv": (
        b"date,label,short_label,source\n2025-12-01," + b"x" * 301 + b",,AFP\n2025-12-02,b," + b"y" * 41 + b",AFP\n",
        [(2, "label", ["301 characters", "more than 300"]), (3, "short_label", ["41 characters", "more than 40"])],
    ),
    "header_only.csv": (b"date,label,source\n", [(1, "", ["header but no events"])]),
    "empty.csv": (b"", [(1, "", ["empty"])]),
    "binary.csv": (b"PK\x03\x04\x00\x00binary", [(1, "", ["not text", "ZIP"])]),
    "long_row.csv": (b"date,label,source\n2025-12-01,a,AFP,extra\n", [(2, "", ["4 cells", "3 columns"])]),
    "quoted_newline_then_bad_date.csv": (
        b'date,label,source\n2025-12-01,"two\nlines",AFP\n2025-12-32,c,AFP\n',
        [(4, "date", ['"2025-12-32"', "no such day"])],
    ),
}


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return (
            conn.scalar(select(func.count()).select_from(Batch)),
            conn.scalar(select(func.count()).select_from(Event)),
        )


# --- reading -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(BAD))
def test_a_bad_file_gives_its_problems_with_line_and_column(name: str) -> None:
    data, expected = BAD[name]
    parsed = parse_events_csv(data, name)
    assert not parsed.ok
    assert parsed.events.empty
    assert [(p.line, p.column) for p in parsed.problems] == [(line, column) for line, column, _ in expected]
    for problem, (_, _, words) in zip(parsed.problems, expected, strict=True):
        for word in words:
            assert word in problem.message, (word, problem.message)
        assert problem.fix, problem
        text = problem.as_text(name)
        assert text.startswith(f"{name}:{problem.line}: "), text
        assert text.endswith(f"; {problem.fix}")


def test_a_good_file_is_read_whatever_the_encoding_and_delimiter() -> None:
    parsed = parse_events_csv(GOOD, "good.csv")
    assert parsed.ok, parsed.problems
    assert list(parsed.events.columns) == [*EVENT_COLUMNS, "line"]
    assert parsed.events["label"].tolist() == [
        "Russia claims the capture of Pokrovsk, Ukraine denies it",
        "Witkoff and Kushner meet Putin in Moscow",
    ]
    assert parsed.events["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-12-01", "2025-12-02"]
    assert parsed.events["line"].tolist() == [2, 3]

    cyrillic = "date;label;source\n01.12.2025;Покровськ: бої тривають;Генштаб ЗСУ\n"
    for data, encoding in (
        (cyrillic.encode("cp1251"), "Windows-1251"),
        (codecs.BOM_UTF16_LE + cyrillic.encode("utf-16-le"), "UTF-16 LE with BOM"),
        (codecs.BOM_UTF8 + cyrillic.replace(";", "\t").encode(), "UTF-8 with BOM"),
    ):
        parsed = parse_events_csv(data, "cyrillic.csv")
        assert parsed.ok, parsed.problems
        assert parsed.encoding == encoding
        row = parsed.events.iloc[0]
        assert (f"{row['date']:%Y-%m-%d}", row["label"], row["source"]) == (
            "2025-12-01", "Покровськ: бої тривають", "Генштаб ЗСУ",
        )  # fmt: skip


def test_odd_but_valid_cells() -> None:
    data = (
        b"sep=;\nDate;Label;Source;source_url;Short\n"
        b"2025-12-01;'=not a formula;AFP;https://example.org/x;Pokrovsk\n"
        b"2025-12-01;'=not a formula;AFP;https://example.org/x;Pokrovsk\n"
    )
    parsed = parse_events_csv(data, "odd.csv")
    assert parsed.ok, parsed.problems
    assert len(parsed.events) == 1  # the identical line is merged, with a note
    assert "lines 3 and 4 are identical: merged" in parsed.notes
    row = parsed.events.iloc[0]
    assert (row["label"], row["url"], row["short_label"]) == ("=not a formula", "https://example.org/x", "Pokrovsk")


def test_short_labels() -> None:
    assert short_label("Pokrovsk claimed") == "Pokrovsk claimed"
    assert short_label("Witkoff meets Putin; no compromise") == "Witkoff meets Putin"
    long = short_label("Russian commanders report to Putin the capture of Pokrovsk and Vovchansk")
    assert long == "Russian commanders report to Putin the…"
    assert len(long) <= 40


def test_the_template_imports_cleanly() -> None:
    parsed = parse_events_csv(template_csv(), "events_template.csv")
    assert parsed.ok, parsed.problems
    assert len(parsed.events) == 1


# --- the store -----------------------------------------------------------------------------------------


def test_a_bad_file_stores_nothing(engine: Engine) -> None:
    before = _counts(engine)
    for name, (data, _) in BAD.items():
        result = import_events(engine, data, name)
        assert result.status == "invalid", name
        assert result.batch_id is None
    assert _counts(engine) == before


def test_import_read_retract_restore(engine: Engine) -> None:
    result = import_events(engine, GOOD, "december.csv", who="test")
    assert result.status == "imported"
    assert "2 events: 2 new, 0 updating, 0 unchanged; stored as batch" in result.message
    events = read_events(engine)
    assert events["label"].tolist()[1] == "Witkoff and Kushner meet Putin in Moscow"
    assert events["short_label"].tolist() == [
        "Russia claims the capture of Pokrovsk…",  # cut at a word, within 40 characters
        "Witkoff and Kushner meet Putin in Moscow",  # 40 characters: whole
    ]
    assert events["batch_id"].tolist() == [result.batch_id] * 2

    again = import_events(engine, GOOD, "december-copy.csv")
    assert again.status == "already imported"
    assert again.batch_id == result.batch_id
    assert _counts(engine) == (1, 2)

    corrected = GOOD.replace(b"five hours", b"about five hours")
    assert (plan_events(engine, parse_events_csv(corrected, "c.csv"))["change"].tolist()) == ["unchanged", "updates"]
    later = import_events(engine, corrected, "corrected.csv")
    assert later.status == "imported"
    assert read_events(engine)["notes"].tolist() == ["", "about five hours"]  # the later batch wins

    set_batch_status(engine, later.batch_id, "retracted")
    assert read_events(engine)["notes"].tolist() == ["", "five hours"]  # the earlier one is back
    set_batch_status(engine, result.batch_id, "retracted")
    assert read_events(engine).empty
    assert _counts(engine) == (2, 4)  # nothing deleted
    set_batch_status(engine, result.batch_id, "active")
    assert len(read_events(engine)) == 2
    assert between(read_events(engine), pd.Timestamp("2025-12-02"), None)["date"].dt.day.tolist() == [2]


def test_a_dry_run_stores_nothing(engine: Engine) -> None:
    result = import_events(engine, GOOD, "december.csv", dry_run=True)
    assert result.status == "dry run"
    assert result.changes is not None and result.changes["change"].tolist() == ["new", "new"]
    assert _counts(engine) == (0, 0)


def test_bundled_events_load_once(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled, "bundled_files", lambda: [])  # the figures are tested elsewhere (and slow)
    december = BUNDLED_EVENTS_DIR / "events_2025-12.csv"  # the war's turning points: tests/geodata/test_war_events.py
    monkeypatch.setattr(bundled, "bundled_event_files", lambda: [december])
    assert ensure_bundled_data(engine, report=lambda _line: None) == ["events_2025-12.csv"]
    assert ensure_bundled_data(engine, report=lambda _line: None) == []
    batches = list_batches(engine)
    assert batches["filename"].tolist() == ["bundled:events_2025-12.csv"]
    events = read_events(engine)
    assert events["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-12-01", "2025-12-02"]
    assert "capture of Pokrovsk" in events["label"].iloc[0]
    assert "Witkoff" in events["label"].iloc[1] and "Donbas" in events["label"].iloc[1]
    assert events["short_label"].str.len().max() <= 40
    assert events["url"].str.startswith("https://").all()
    set_batch_status(engine, int(batches["id"].iloc[0]), "retracted")  # retracting hides them ...
    assert read_events(engine).empty
    assert ensure_bundled_data(engine, report=lambda _line: None) == []  # ... and they are not loaded again


def test_every_shipped_event_file_is_clean() -> None:
    files = sorted(BUNDLED_EVENTS_DIR.glob("*.csv"))
    assert files
    for path in files:
        parsed = parse_events_csv(path.read_bytes(), path.name)
        assert parsed.ok, [p.as_text(path.name) for p in parsed.problems]


# --- the command line ----------------------------------------------------------------------------------


def test_cli_import_events(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERRITORY_DB_URL", store_url)
    monkeypatch.setattr(bundled, "bundled_files", lambda: [])
    monkeypatch.setattr(bundled, "bundled_event_files", lambda: [])
    bad = tmp_path / "bad.csv"
    bad.write_bytes(BAD["empty_label.csv"][0])
    assert main(["import-events", str(bad)]) == 2
    out = capsys.readouterr()
    assert out.err.splitlines() == [
        f'{bad}:2: label: the label is empty; say what happened in a few words, e.g. "Russia claims the capture of '
        'Pokrovsk"',
        f'{bad}:3: label: the label is empty; say what happened in a few words, e.g. "Russia claims the capture of '
        'Pokrovsk"',
        f"{bad}:4: source: the source is empty; name who reported the event, e.g. AFP or press reports",
    ]
    assert "3 problems; nothing stored" in out.out

    good = tmp_path / "good.csv"
    good.write_bytes(GOOD)
    assert main(["import-events", str(good), "--dry-run"]) == 0
    assert "2 new" in capsys.readouterr().out
    assert main(["import-events", str(good)]) == 0
    assert "stored as batch" in capsys.readouterr().out
    assert main(["import-events", str(good)]) == 0
    assert "already imported" in capsys.readouterr().out
    assert main(["import-events", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv:1: cannot read the file" in capsys.readouterr().err
