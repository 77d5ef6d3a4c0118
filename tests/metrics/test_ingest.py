"""Ingestion of CSV files of figures (metrics.ingest): the corpus of bad and odd-but-valid files in
tests/data, the cell parsers, the plan of an import, and imports into a real store (SQLite and
PostgreSQL): supersession, retraction, re-imports and failed imports."""

from __future__ import annotations

import codecs
import re
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, func, select

from metrics.ingest import (
    Problem,
    affected_series,
    import_figures,
    max_upload_bytes,
    parse_figures_csv,
    plan_import,
    template_csv,
)
from metrics.metadata import FIGURE_COLUMNS, METRICS
from metrics.store import Batch, Figure, read_figures, set_batch_status

DATA = Path(__file__).resolve().parents[1] / "data"
BAD, GOOD = DATA / "bad", DATA / "good"
SQ_MI = 2.589988110336  # km2 per square mile (1 mile = 1.609344 km exactly)

# --- the bad corpus: file -> expected problems as (line, column as in the file, words in the message) ------
BAD_FILES: dict[str, list[tuple[int, str, list[str]]]] = {
    "empty.csv": [(1, "", ["empty"])],
    "binary.csv": [(1, "", ["not text"])],
    "xlsx_saved_as_csv.csv": [(1, "", ["not text", "xlsx"])],
    "utf8_bom_but_windows1251.csv": [(3, "", ["byte-order mark", "UTF-8", "line 3"])],
    "mixed_encodings.csv": [(3, "", ["0xCF", "not UTF-8", "two encodings"])],
    "utf16_bom_truncated.csv": [(2, "", ["UTF-16 LE", "truncated"])],
    "bad_dates.csv": [
        (2, "date", ['"2025-02-30"', "no such day"]),
        (3, "date", ['"yesterday"', "not a date"]),
        (4, "date", ['"11/12/2025"', "ambiguous", "11 December", "12 November"]),
        (5, "date", ['"2025-11-30 14:00"', "time of day"]),
    ],
    "negative_area.csv": [
        (2, "value", ['"-5"', "negative", "area_controlled_km2"]),
        (3, "period", ["area_gained_km2", "flow", "no period"]),
        (3, "value", ['"-12.5"', "negative", "area_gained_km2"]),
    ],
    "share_over_100.csv": [(3, "value", ['"120"', "over 100"])],
    "unknown_metric.csv": [
        (2, "metric", ['"area_controled_km2"', "unknown metric", "did you mean area_controlled_km2"]),
        (3, "metric", ['"territory_km2"', "unknown metric"]),
    ],
    "unknown_unit.csv": [(2, "unit", ['"acres"', "unknown unit"])],
    "flow_without_period.csv": [(2, "period", ["net_change_km2", "flow", "no period"])],
    "text_in_numbers.csv": [
        (2, "value", ['"about 116000"', "not a number"]),
        (3, "value", ['"116500 km2"', "not a number"]),
        (4, "value", ['"n/a"', "not a number"]),
        (5, "value", ["empty"]),
    ],
    "header_only.csv": [(1, "", ["no figures"])],
    "conflicting_duplicates.csv": [(4, "value", ["same figure as line 2", "710 here", "701 on line 2"])],
    "missing_required_column.csv": [(1, "source", ["required column source is missing"])],
    "formula_cells.csv": [
        (2, "value", ['"=116000+500"', "spreadsheet formula", "paste the value"]),
        (3, "source_url", ["=HYPERLINK", "spreadsheet formula"]),
    ],
    "unit_not_fitting_metric.csv": [
        (2, "unit", ['"km2"', "does not fit share_controlled_pct"]),
        (3, "unit", ['"%"', "does not fit area_controlled_km2"]),
        (4, "value", ['"19.3%"', "percentage", "not a share"]),
    ],
    "date_disagrees_with_period.csv": [
        (2, "date", ["2025-11-29", "disagrees with period 2025-11", "ends 2025-11-30"]),
        (3, "date", ["2025-11-30", "disagrees with period 2025-W47", "ends 2025-11-23"]),
    ],
    "area_larger_than_territory.csv": [
        (2, "value", ['"700000"', "larger than UKR", "603,628 km2"]),
        (3, "value", ['"300000" sq_mi = 776,996 km2', "larger than UKR"]),
    ],
    "net_change_beyond_territory.csv": [(2, "value", ['"-700000"', "larger loss", "UKR"])],
    "region_area_exceeded.csv": [(2, "value", ['"5000"', "larger than UA-40 Sevastopol", "750 km2"])],
    "unknown_region.csv": [
        (2, "region", ['"UA-99"', "unknown region", "UA-14"]),
        (3, "region", ['"Donetsk Oblast"', "did you mean UA-14"]),
    ],
    "unknown_territory.csv": [(2, "territory", ['"FRA"', "unknown territory", "UKR"])],
    "ambiguous_thousands.csv": [(2, "value", ['"116,500"', "ambiguous", "116500", "116.5"])],
    "ambiguous_thousands_semicolon.csv": [(2, "value", ['"116.500"', "ambiguous", "116500", "116.5"])],
    "unknown_column.csv": [
        (1, "source", ["required column source is missing"]),
        (1, "sorce", ['"sorce"', "unknown column", "did you mean source"]),
        (1, "comment", ['"comment"', "unknown column"]),
    ],
    "broken_quotes.csv": [(2, "", ["quoting", "line 2"])],
    "too_many_cells.csv": [(2, "", ["6 cells", "5 columns"])],
    "stock_with_period_start.csv": [(2, "period_start", ["stock", "2025-11-30", "not 2025-11-01"])],
    "bad_periods.csv": [
        (2, "period", ['"Nov 2025"', "not a period"]),
        (3, "period", ['"2025-W54"', "no week 54"]),
        (4, "period", ['"2025-13"', "no such month"]),
        (5, "period", ['"2025-11-01"', "a date, not a period"]),
    ],
    "period_start_after_date.csv": [(2, "period_start", ["2025-11-30 is after date 2025-11-01"])],
    "quoted_newlines_then_bad_value.csv": [  # records over 3 and 2 physical lines: lines 5 and 7
        (5, "value", ['"lots"', "not a number"]),
        (7, "value", ['"101"', "over 100"]),
    ],
    "empty_source_and_metric.csv": [(2, "source", ["source is empty"]), (3, "metric", ["metric is empty"])],
}


def test_the_bad_corpus_is_complete() -> None:
    files = {p.name for p in BAD.iterdir()}
    assert files == set(BAD_FILES)
    assert len(files) >= 20


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_gives_its_problems_and_no_figures(name: str) -> None:
    parsed = parse_figures_csv((BAD / name).read_bytes(), name)
    assert not parsed.ok and parsed.figures.empty
    got = [(p.line, p.column) for p in parsed.problems]
    assert got == [(line, column) for line, column, _ in BAD_FILES[name]], [p.as_text(name) for p in parsed.problems]
    for problem, (_, _, words) in zip(parsed.problems, BAD_FILES[name], strict=True):
        assert problem.fix  # always says what to do
        for word in words:
            assert word in f"{problem.message}; {problem.fix}", (word, problem)
        text = problem.as_text(name)
        assert text.startswith(f"{name}:{problem.line}: ") and "\n" not in text


# --- the good corpus: file -> the figures it imports to (canonical) ----------------------------------------
_C = ["date", "period_start", "region", "metric", "value", "source", "definition", "notes"]
GOOD_FILES: dict[str, dict[str, object]] = {
    "excel_unicode_text_utf16.csv": {
        "encoding": "UTF-16 LE with BOM", "delimiter": "\t",
        "rows": [
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.5, "ISW", "assessed control",
             "станом на 30 листопада"),
            ("2025-11-30", "2025-11-01", "", "net_change_km2", -12.25, "ISW", "assessed control", ""),
            ("2025-11-30", "2025-11-30", "", "share_controlled_pct", 19.3, "ISW", "assessed control", "«19,3 %»"),
        ],
    },
    "windows1251_semicolon.csv": {
        "encoding": "Windows-1251", "delimiter": ";",
        "rows": [
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.25, "DeepStateMap", "occupied",
             "Окупована територія"),
            ("2025-11-30", "2025-11-30", "UA-14", "area_controlled_km2", 21540.5, "DeepStateMap", "occupied",
             "Донецька область"),
            ("2025-11-30", "2025-11-30", "", "share_controlled_pct", 19.3, "DeepStateMap", "occupied",
             "Частка України"),
            ("2025-10-31", "2025-10-31", "", "area_controlled_km2", 116009.0, "DeepStateMap", "occupied", "Жовтень"),
        ],
    },
    "latin1_comma.csv": {
        "encoding": "Latin-1", "delimiter": ",",
        "rows": [
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.0, "Le Monde (AFP)", "contrôle évalué",
             "données du 30 novembre; réf. ISW"),
            ("2025-11-30", "2025-11-30", "", "share_controlled_pct", 19.3, "Le Monde (AFP)", "contrôle évalué",
             "« près d'un cinquième »"),
        ],
    },
    "utf8_bom_crlf_quoted_thousands.csv": {
        "encoding": "UTF-8 with BOM", "delimiter": ",",
        "rows": [
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.75, "ISW", "assessed control",
             "a note, with a comma"),
            ("2025-10-31", "2025-10-31", "", "area_controlled_km2", 116000.0, "ISW", "assessed control",
             'a "quoted" word\r\nand a second line'),
            ("2025-09-30", "2025-09-30", "", "area_controlled_km2", 115500.5, "ISW", "assessed control", ""),
        ],
        "lines": [2, 3, 5],
    },
    "units_and_aliases.csv": {
        "encoding": "UTF-8", "delimiter": ",",
        "rows": [
            ("2025-11-30", "2025-11-01", "", "net_change_km2", 270 * SQ_MI, "AFP", "", ""),
            ("2025-11-30", "2025-11-01", "", "area_gained_km2", 701.0, "AFP", "", ""),  # 70,100 ha
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.0, "AFP", "", ""),  # km²
            ("2025-11-30", "2025-11-30", "", "share_controlled_pct", 19.3, "AFP", "", ""),  # "19.3 %"
            ("2025-11-30", "2025-11-30", "UA-14", "share_controlled_pct", 81.0, "AFP", "", ""),  # Percent
            ("2025-11-30", "2025-11-24", "", "area_lost_km2", 12.5, "AFP", "", ""),  # SQ KM
        ],
        "notes": ["1 value converted from sq_mi to km2", "1 value converted from ha to km2"],
    },
    "periods.csv": {
        "encoding": "UTF-8", "delimiter": ",",
        "rows": [
            ("2025-11-23", "2025-11-17", "", "area_gained_km2", 160.0, "ISW", "assessed control", ""),  # 2025-W47
            ("2025-11-23", "2025-11-17", "", "area_lost_km2", 4.0, "ISW", "assessed control", ""),
            ("2025-12-31", "2025-10-01", "", "net_change_km2", 1500.0, "ISW", "assessed control", ""),  # 2025-Q4
            ("2025-12-31", "2025-01-01", "", "net_change_km2", 4700.0, "ISW", "assessed control", ""),  # 2025
            ("2025-11-30", "2025-11-01", "", "net_change_km2", 701.0, "ISW", "assessed control", ""),  # 2025-11
            ("2025-11-30", "2025-11-24", "", "area_gained_km2", 150.0, "ISW", "assessed control", ""),
            ("2025-11-30", "2025-11-30", "", "area_gained_km2", 20.0, "ISW", "assessed control", ""),  # one day
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.0, "ISW", "assessed control", ""),
        ],
    },
    "identical_duplicates.csv": {
        "encoding": "UTF-8", "delimiter": ",",
        "rows": [
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.0, "ISW", "assessed control", ""),
            ("2025-11-30", "2025-11-30", "", "share_controlled_pct", 19.3, "ISW", "assessed control", ""),
            ("2025-11-29", "2025-11-29", "", "area_controlled_km2", 116400.0, "ISW", "assessed control", ""),
        ],
        "lines": [2, 3, 5],
        "notes": ["lines 2 and 4 are identical: merged"],
    },
    "excel_sep_line_blank_rows.csv": {
        "encoding": "UTF-8", "delimiter": ";",
        "rows": [
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.5, "ISW", "", ""),  # "116.500,5"
            ("2025-11-30", "2025-11-30", "", "share_controlled_pct", 19.3, "ISW", "", ""),
        ],
        "lines": [4, 6],
    },
    "mac_cr_line_endings.csv": {
        "encoding": "UTF-8", "delimiter": ",",
        "rows": [
            ("2025-11-30", "2025-11-30", "", "area_controlled_km2", 116500.0, "ISW", "",
             "old Mac line ends\rinside a cell too"),
            ("2025-11-30", "2025-11-30", "", "share_controlled_pct", 19.3, "ISW", "", ""),
        ],
        "lines": [2, 4],
    },
    "exported_by_the_cli.csv": {
        "encoding": "UTF-8", "delimiter": ",",
        "rows": [
            ("2025-11-30", "2025-11-01", "", "net_change_km2", -12.5, "ISW", "assessed control",
             "-12.5 km2: a net loss"),
            ("2025-11-30", "2025-11-30", "UA-14", "area_controlled_km2", 21540.5, "DeepStateMap", "occupied",
             "=not a formula"),
        ],
        "derived": [False, True],
    },
}  # fmt: skip


def _rows(figures: pd.DataFrame) -> list[tuple[object, ...]]:
    frame = figures.assign(date=figures["date"].dt.strftime("%Y-%m-%d"),
                           period_start=figures["period_start"].dt.strftime("%Y-%m-%d"))  # fmt: skip
    return [tuple(r) for r in frame[_C].itertuples(index=False)]


def test_the_good_corpus_is_complete() -> None:
    assert {p.name for p in GOOD.iterdir()} == set(GOOD_FILES)
    assert len(GOOD_FILES) >= 6


@pytest.mark.parametrize("name", sorted(GOOD_FILES))
def test_each_odd_but_valid_file_gives_the_exact_figures(name: str) -> None:
    expected = GOOD_FILES[name]
    parsed = parse_figures_csv((GOOD / name).read_bytes(), name)
    assert parsed.ok, [p.as_text(name) for p in parsed.problems]
    assert (parsed.encoding, parsed.delimiter) == (expected["encoding"], expected["delimiter"])
    assert _rows(parsed.figures) == expected["rows"]  # values compared exactly (==), not approximately
    assert parsed.figures.columns.tolist() == [*(c for c in FIGURE_COLUMNS if c != "batch_id"), "line"]
    assert (parsed.figures["territory"] == "UKR").all()
    if "lines" in expected:
        assert parsed.figures["line"].tolist() == expected["lines"]
    if "derived" in expected:
        assert parsed.figures["derived"].tolist() == expected["derived"]
    else:
        assert not parsed.figures["derived"].any()
    for note in expected.get("notes", []):
        assert note in parsed.notes


def test_the_good_corpus_imports_into_a_store(engine: Engine) -> None:
    for name in sorted(GOOD_FILES):
        result = import_figures(engine, (GOOD / name).read_bytes(), f"tests/data/good/{name}", who="tester")
        assert result.status == "imported", result.message
    batches = pd.read_sql(select(Batch.filename, Batch.rows, Batch.who), engine)
    assert sorted(batches["filename"]) == sorted(GOOD_FILES)  # the base name, not the path
    assert dict(zip(batches["filename"], batches["rows"], strict=True)) == {
        n: len(e["rows"]) for n, e in GOOD_FILES.items()
    }
    assert set(batches["who"]) == {"tester"}


# --- cells, one at a time ---------------------------------------------------------------------------------


def _one(value: str, *, delimiter: str = ",", metric: str = "area_controlled_km2", unit: str = "", **cells: str):
    columns = {"date": "2025-11-30", "metric": metric, "value": value, "unit": unit, "source": "S", **cells}
    quoted = ['"' + v.replace('"', '""') + '"' for v in columns.values()]
    text = delimiter.join(columns) + "\n" + delimiter.join(quoted) + "\n"
    return parse_figures_csv(text.encode(), "one.csv")


@pytest.mark.parametrize(
    ("text", "delimiter", "unit", "value"),
    [("116500", ",", "", 116500.0), ("1,234.5", ",", "", 1234.5), ("12.345", ",", "", 12.345),
     ("1 234", ",", "", 1234.0), ("1\u00a0234,5", ";", "", 1234.5), ("1\u202f234", ";", "", 1234.0),
     ("1.234,5", ";", "", 1234.5), ("1,234", ";", "", 1.234), ("12,5", ";", "", 12.5), ("12.5", ";", "", 12.5),
     ("\u22125", ",", "", -5.0), ("+7", ",", "", 7.0), ("1e-05", ",", "", 1e-05), ("0.1", "\t", "", 0.1),
     ("5.", ",", "", 5.0), (".5", ",", "", 0.5), ("1,234,567", ",", "ha", 12345.67), ("1.234.567", ";", "ha", 12345.67),
     ("12 345 678,5", ";", "ha", 123456.785)],
)  # fmt: skip
def test_numbers_as_spreadsheets_write_them(text: str, delimiter: str, unit: str, value: float) -> None:
    parsed = _one(text, delimiter=delimiter, metric="net_change_km2", period="2025-11", unit=unit)
    assert parsed.ok, parsed.problems
    assert parsed.figures["value"].tolist() == [value]


@pytest.mark.parametrize(
    ("text", "delimiter", "words"),
    [("1,234", ",", "ambiguous"), ("1.234", ";", "ambiguous"), ("1 23", ",", "not a number"),
     ("1,23,456", ",", "not a number"), ("inf", ",", "not a number"), ("NaN", ",", "not a number"),
     ("0x10", ",", "not a number"), ("12-5", ",", "not a number")],
)  # fmt: skip
def test_numbers_that_are_refused(text: str, delimiter: str, words: str) -> None:
    parsed = _one(text, delimiter=delimiter, metric="net_change_km2", period="2025-11")
    assert [(p.column, words in p.message) for p in parsed.problems] == [("value", True)], parsed.problems


def test_a_file_with_both_decimal_separators_leaves_1_234_ambiguous() -> None:
    text = 'date,metric,value,source\n2025-11-28,net_change_km2,"1,5",S\n2025-11-29,net_change_km2,2.5,S\n'
    text += '2025-11-30,net_change_km2,"1,234",S\n'
    parsed = parse_figures_csv(text.replace("net_change_km2,", "area_controlled_km2,").encode(), "x.csv")
    assert [(p.line, "ambiguous" in p.message) for p in parsed.problems] == [(4, True)]


@pytest.mark.parametrize(
    ("dates", "expected"),
    [(["30.11.2025"], ["2025-11-30"]), (["2025/11/30"], ["2025-11-30"]),
     (["2025-11-30 00:00:00"], ["2025-11-30"]), (["2025-11-30T00:00"], ["2025-11-30"]),
     (["30/11/2025", "01/11/2025"], ["2025-11-30", "2025-11-01"]),  # a day over 12 says day first
     (["11/30/2025", "11/01/2025"], ["2025-11-30", "2025-11-01"]),  # a day over 12 says month first
     (["05/05/2025"], ["2025-05-05"])],
)  # fmt: skip
def test_dates_in_spreadsheet_formats(dates: list[str], expected: list[str]) -> None:
    text = "date,metric,value,source\n" + "".join(f"{d},area_controlled_km2,{i},S\n" for i, d in enumerate(dates))
    parsed = parse_figures_csv(text.encode(), "d.csv")
    assert parsed.ok, parsed.problems
    assert parsed.figures["date"].dt.strftime("%Y-%m-%d").tolist() == expected


@pytest.mark.parametrize(
    ("period", "start", "end"),
    [("2025-11", "2025-11-01", "2025-11-30"), ("2024-02", "2024-02-01", "2024-02-29"),
     ("2025-W47", "2025-11-17", "2025-11-23"), ("2025-w1", "2024-12-30", "2025-01-05"),
     ("2020-W53", "2020-12-28", "2021-01-03"), ("2025-Q4", "2025-10-01", "2025-12-31"),
     ("2025Q1", "2025-01-01", "2025-03-31"), ("2025", "2025-01-01", "2025-12-31")],
)  # fmt: skip
def test_periods_give_the_first_and_last_day(period: str, start: str, end: str) -> None:
    parsed = _one("5", metric="area_gained_km2", period=period, date="")
    assert parsed.ok, parsed.problems
    figure = parsed.figures.iloc[0]
    assert (f"{figure['period_start']:%Y-%m-%d}", f"{figure['date']:%Y-%m-%d}") == (start, end)


@pytest.mark.parametrize(
    ("unit", "metric", "value"),
    [("km²", "area_controlled_km2", 100.0), ("Sq Km", "area_controlled_km2", 100.0),
     ("square miles", "area_controlled_km2", 100 * SQ_MI), ("mi²", "area_gained_km2", 100 * SQ_MI),
     ("HA", "area_lost_km2", 1.0), ("hectares", "area_lost_km2", 1.0), ("%", "share_controlled_pct", 100.0),
     ("pct", "share_controlled_pct", 100.0), ("", "share_controlled_pct", 100.0), ("", "net_change_km2", 100.0)],
)  # fmt: skip
def test_unit_aliases_and_conversions(unit: str, metric: str, value: float) -> None:
    parsed = _one("100", metric=metric, unit=unit, period="2025-11", date="")
    assert parsed.ok, parsed.problems
    assert parsed.figures["value"].tolist() == [value]


def test_net_change_may_be_negative_within_the_territory_but_areas_may_not() -> None:
    assert _one("-603628", metric="net_change_km2", period="2025-11", date="").ok
    assert not _one("-603628.5", metric="net_change_km2", period="2025-11", date="").ok
    assert not _one("-1", metric="area_lost_km2", period="2025-11", date="").ok
    assert _one("603628", metric="area_controlled_km2").ok
    assert _one("0", metric="share_controlled_pct").ok and _one("100", metric="share_controlled_pct").ok
    assert not _one("-0.001", metric="share_controlled_pct").ok


def test_region_rows_are_bounded_by_the_region_with_a_tolerance() -> None:
    # UA-14 Donetsk Oblast measures 26,599 km2 in the shipped boundaries; up to 20 % more is accepted
    assert _one("26598", region="UA-14").ok
    assert _one("31900", region="ua-14").ok  # codes are case-insensitive
    assert not _one("32000", region="UA-14").ok
    assert _one("-31900", metric="net_change_km2", region="UA-14", period="2025-11", date="").ok
    assert not _one("-32000", metric="net_change_km2", region="UA-14", period="2025-11", date="").ok
    hint = _one("5", region="UA14").problems[0].message
    assert "did you mean UA-14" in hint


def test_text_cells_are_trimmed_and_an_exports_apostrophe_is_removed() -> None:
    parsed = _one(" 5 ", notes=" '-5 km2 ", definition="  assessed control\u00a0", actor=" ru ", territory="ukr")
    figure = parsed.figures.iloc[0]
    assert (figure["notes"], figure["definition"], figure["actor"], figure["territory"]) == (
        "-5 km2", "assessed control", "RU", "UKR"
    )  # fmt: skip


def test_every_problem_of_a_line_is_reported_not_only_the_first() -> None:
    parsed = _one("lots", date="2025-13-01", region="UA-99", unit="acres", source="", metric="area_controlled_km2")
    assert [p.column for p in parsed.problems] == ["date", "value", "unit", "source", "region"]
    assert {p.line for p in parsed.problems} == {2}


def test_a_problem_as_text_is_the_cli_format() -> None:
    assert Problem(4, "value", '"x" is not a number', "write a number").as_text("f.csv") == (
        'f.csv:4: value: "x" is not a number; write a number'
    )
    assert Problem(1, "", "the file is empty", "add rows").as_text("f.csv") == "f.csv:1: the file is empty; add rows"


def test_header_names_are_case_insensitive_and_trimmed() -> None:
    text = " DATE ;Metric;VALUE ; Source;Period Start;source-url\n2025-11-30;area_controlled_km2;1;S;;http://x\n"
    parsed = parse_figures_csv(text.encode(), "h.csv")
    assert parsed.ok, parsed.problems
    assert parsed.figures["source_url"].tolist() == ["http://x"]


def test_a_repeated_column_is_a_problem() -> None:
    parsed = parse_figures_csv(b"date,metric,value,source,Source\n2025-11-30,area_controlled_km2,1,S,T\n", "r.csv")
    assert [(p.line, p.column, "twice" in p.message) for p in parsed.problems] == [(1, "Source", True)]


def test_utf16_without_a_bom_and_utf16_big_endian_are_read() -> None:
    text = "date\tmetric\tvalue\tsource\tnotes\r\n2025-11-30\tarea_controlled_km2\t5\tS\tКиїв\r\n"
    for data in (text.encode("utf-16-le"), codecs.BOM_UTF16_BE + text.encode("utf-16-be")):
        parsed = parse_figures_csv(data, "u.csv")
        assert parsed.ok, parsed.problems
        assert parsed.figures["notes"].tolist() == ["Київ"]


def test_a_large_file_is_refused_naming_the_limit_and_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    assert max_upload_bytes() == 50 * 2**20
    monkeypatch.setenv("TERRITORY_MAX_UPLOAD_MB", "0.001")
    assert max_upload_bytes() == 1049
    parsed = parse_figures_csv(template_csv() * 2, "big.csv")
    assert [(p.line, p.column) for p in parsed.problems] == [(1, "")]
    assert "over the upload limit of 0.001 MB" in parsed.problems[0].message
    assert "TERRITORY_MAX_UPLOAD_MB" in parsed.problems[0].fix
    monkeypatch.setenv("TERRITORY_MAX_UPLOAD_MB", "lots")
    with pytest.raises(ValueError, match="TERRITORY_MAX_UPLOAD_MB"):
        max_upload_bytes()


def test_the_template_has_every_column_and_one_valid_row_per_metric() -> None:
    data = template_csv()
    header = data.decode().splitlines()[0].split(",")
    assert {"date", "period", "period_start", "territory", "region", "actor", "metric", "value", "unit", "source",
            "definition", "source_url", "published", "notes", "quality"} == set(header)  # fmt: skip
    parsed = parse_figures_csv(data, "template.csv")
    assert parsed.ok, parsed.problems
    assert sorted(parsed.figures["metric"]) == sorted(METRICS)


def test_progress_reports_reading_and_checking() -> None:
    stages: list[tuple[str, float]] = []
    parse_figures_csv(template_csv(), "t.csv", progress=lambda stage, fraction: stages.append((stage, fraction)))
    assert stages[0] == ("reading", 0.0) and stages[-1] == ("checking", 1.0)
    assert [f for s, f in stages if s == "checking"] == sorted(f for s, f in stages if s == "checking")


_SEEDS = [p.read_bytes() for p in sorted(GOOD.iterdir()) + sorted(BAD.iterdir())] + [template_csv()]
_INSERTS = [b",", b";", b"\t", b'"', b"\n", b"\r", b"=", b"-", b"%", b"1", b".", b" ", b"\xa0", b"\xd0", b"W", b"\x00"]


@st.composite
def _damaged(draw: st.DrawFn) -> bytes:
    """A corpus file with a few bytes changed, deleted, inserted or repeated."""
    data = bytearray(draw(st.sampled_from(_SEEDS)))
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            break
        i, op = draw(st.integers(0, len(data) - 1)), draw(st.integers(0, 3))
        if op == 0:
            data[i] = draw(st.integers(0, 255))
        elif op == 1:
            del data[i]
        elif op == 2:
            data[i:i] = draw(st.sampled_from(_INSERTS))
        else:
            data[i:i] = data[max(0, i - 20) : i]
    return bytes(data)


@settings(max_examples=100, deadline=None)
@given(data=_damaged() | st.binary(max_size=300))
def test_damaged_files_give_problems_or_figures_never_an_exception(data: bytes) -> None:
    parsed = parse_figures_csv(data, "f.csv")
    assert parsed.ok == (not parsed.problems) == (not parsed.figures.empty)
    lines = len(re.findall(rb"\r\n|\r|\n", data)) + 1
    for problem in parsed.problems:
        assert problem.message and problem.fix
        if not data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) and b"\x00" not in data:
            assert 1 <= problem.line <= lines, (problem, lines)


# --- imports into a store ----------------------------------------------------------------------------------

_FILE = "date,period,metric,value,source,definition,notes\n{rows}"


def _csv(*rows: str) -> bytes:
    return _FILE.format(rows="".join(r + "\n" for r in rows)).encode()


def _counts(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Batch)), conn.scalar(
            select(func.count()).select_from(Figure)
        )


def test_a_second_file_supersedes_retracting_it_returns_the_first_value(engine: Engine) -> None:
    first = import_figures(engine, _csv(",2025-11,net_change_km2,700,ISW,assessed control,first"), "a.csv")
    assert (first.status, first.plan.counts()) == ("imported", {"new": 1, "supersedes": 0, "unchanged": 0})
    second_bytes = _csv(",2025-11,net_change_km2,701,ISW,assessed control,second",
                        "2025-11-30,,share_controlled_pct,19.3,ISW,assessed control,")  # fmt: skip
    plan = plan_import(engine, parse_figures_csv(second_bytes, "b.csv"))
    assert plan.counts() == {"new": 1, "supersedes": 1, "unchanged": 0}
    superseding = plan.changes[plan.changes["change"] == "supersedes"].iloc[0]
    assert (superseding["value"], superseding["previous_value"], superseding["line"]) == (701, 700, 2)
    second = import_figures(engine, second_bytes, "b.csv")
    assert second.status == "imported" and second.batch_id != first.batch_id
    current = read_figures(engine, metrics=["net_change_km2"])
    assert current[["value", "notes", "batch_id"]].values.tolist() == [[701, "second", second.batch_id]]
    assert _counts(engine) == (2, 3)  # the superseded figure stays in the store

    set_batch_status(engine, second.batch_id, "retracted")
    assert read_figures(engine, metrics=["net_change_km2"])["value"].tolist() == [700]
    assert read_figures(engine, metrics=["share_controlled_pct"]).empty

    again = import_figures(engine, second_bytes, "b-renamed.csv")
    assert (again.status, again.batch_id) == ("already imported", second.batch_id)
    assert f"batch {second.batch_id}" in again.message and "retracted" in again.message
    assert f"python -m metrics restore {second.batch_id}" in again.message
    assert _counts(engine) == (2, 3)


def test_the_same_figures_again_in_other_bytes_are_unchanged(engine: Engine) -> None:
    import_figures(engine, _csv(",2025-11,net_change_km2,700,ISW,assessed control,"), "a.csv")
    result = import_figures(engine, _csv(",2025-11,net_change_km2,700.0,ISW,assessed control,"), "a2.csv")
    assert result.plan.counts() == {"new": 0, "supersedes": 0, "unchanged": 1}
    assert result.plan.changes["previous_value"].tolist() == [700]


def test_a_failed_import_stores_nothing(engine: Engine) -> None:
    import_figures(engine, _csv(",2025-11,net_change_km2,700,ISW,assessed control,"), "a.csv")
    before = _counts(engine)
    bad = _csv(",2025-11,net_change_km2,701,ISW,assessed control,", "2025-11-30,,share_controlled_pct,120,ISW,x,")
    result = import_figures(engine, bad, "bad.csv")
    assert (result.status, result.batch_id, result.plan) == ("invalid", None, None)
    assert result.message == "bad.csv: 1 problem; nothing stored"
    assert _counts(engine) == before
    assert read_figures(engine)["value"].tolist() == [700]


def test_a_dry_run_plans_and_stores_nothing(engine: Engine) -> None:
    result = import_figures(engine, template_csv(), "template.csv", dry_run=True)
    assert result.status == "dry run" and result.batch_id is None
    assert result.plan.counts() == {"new": 9, "supersedes": 0, "unchanged": 0}  # one row per metric
    assert "nothing stored" in result.message
    assert _counts(engine) == (0, 0)


def test_import_progress_reaches_storing(engine: Engine) -> None:
    stages: list[str] = []
    import_figures(engine, template_csv(), "t.csv", progress=lambda stage, _fraction: stages.append(stage))
    assert stages.index("reading") < stages.index("checking") < stages.index("storing")


def test_affected_series_before_and_after(engine: Engine) -> None:
    stored = ("2025-10-31,,area_controlled_km2,100,ISW,d,", "2025-11-30,,area_controlled_km2,110,ISW,d,",
              "2025-11-30,,area_controlled_km2,5,Other,d,")  # fmt: skip
    import_figures(engine, _csv(*stored), "a.csv")
    upload = ("2025-11-30,,area_controlled_km2,120,ISW,d,", "2025-12-31,,area_controlled_km2,130,ISW,d,")
    series = affected_series(engine, plan_import(engine, parse_figures_csv(_csv(*upload), "b.csv")))
    assert set(series.columns) == {"date", "period_start", "territory", "region", "actor", "metric", "source",
                                   "definition", "value", "state"}  # fmt: skip
    assert set(series["source"]) == {"ISW"}  # the series the file touches only
    assert series["state"].tolist() == ["before"] * 2 + ["after"] * 3
    got = [(s, f"{d:%m-%d}", v) for s, d, v in series[["state", "date", "value"]].itertuples(index=False)]
    assert got == [("before", "10-31", 100), ("before", "11-30", 110),
                   ("after", "10-31", 100), ("after", "11-30", 120), ("after", "12-31", 130)]  # fmt: skip


def test_import_reuses_a_parsed_file_of_the_same_bytes(engine: Engine) -> None:
    data = template_csv()
    parsed = parse_figures_csv(data, "t.csv")
    with pytest.raises(ValueError, match="not these bytes"):
        import_figures(engine, data + b"\n", "t.csv", parsed=parsed)
    assert import_figures(engine, data, "t.csv", parsed=parsed).status == "imported"


def test_plan_names_an_existing_batch_with_the_same_bytes(engine: Engine) -> None:
    data = template_csv()
    first = import_figures(engine, data, "t.csv")
    plan = plan_import(engine, parse_figures_csv(data, "t.csv"))
    assert plan.existing_batch == (first.batch_id, "active")
