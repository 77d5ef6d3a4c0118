"""``python -m metrics export`` as users and scripts call it (contract in DESIGN.md), on a temporary
SQLite store loaded with the bundled data, and the formula neutralisation of its spreadsheet formats."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from metrics.bundled import BUNDLED_FIGURES_DIR, bundled_event_files, bundled_files
from metrics.export import neutralise_formulas, to_bytes
from metrics.metadata import FIGURE_COLUMNS

ROOT = Path(__file__).resolve().parents[2]
NOVEMBER = ("--from", "2025-11-01", "--to", "2025-11-30")


def _metrics(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TERRITORY_DB_URL": store_url}
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A store with the bundled data, shared by the tests of this module (they only read it)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'territory.sqlite'}"
    result = _metrics(url, "init")
    assert result.returncode == 0, result.stderr
    return url


def _csv(result: subprocess.CompletedProcess[str]) -> pd.DataFrame:
    assert result.returncode == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout), keep_default_na=False, dtype={"region": str})


def _shipped_area(day: str) -> float:
    shipped = pd.read_csv(BUNDLED_FIGURES_DIR / "deepstatemap_occupied.csv.gz", keep_default_na=False)
    row = shipped[(shipped["date"] == day) & (shipped["region"] == "") & (shipped["metric"] == "area_controlled_km2")]
    return float(row["value"].iloc[0])


def test_november_2025_net_change_per_deepstatemap_as_csv(store_url: str) -> None:
    result = _metrics(store_url, "export", "--metric", "net_change_km2", "--source", "DeepStateMap", "--freq", "M",
                      *NOVEMBER, "--format", "csv")  # fmt: skip
    rows = _csv(result)
    assert rows.columns.tolist() == FIGURE_COLUMNS  # the store's column names
    assert len(rows) == 28  # the whole territory first, then the 27 units
    whole = rows.iloc[0]
    assert (whole["region"], whole["date"], whole["period_start"]) == ("", "2025-11-30", "2025-11-01")
    assert (whole["metric"], whole["source"], whole["definition"]) == ("net_change_km2", "DeepStateMap", "occupied")
    assert round(whole["value"], 1) == 482.9
    # independently: the shipped month-end areas (as-of 30 November minus as-of 31 October)
    assert whole["value"] == pytest.approx(_shipped_area("2025-11-30") - _shipped_area("2025-10-31"), abs=1e-3)
    assert bool(whole["derived"]) is True
    by_region = rows.set_index("region")["value"]
    assert by_region["UA-14"] > 50  # Donetsk: gains
    assert by_region["UA-46"] == 0  # Lviv: none
    assert rows["region"].iloc[1:].str.fullmatch(r"UA-\d\d").all()
    assert "rows exported" in result.stderr


def test_share_on_30_november_2025_for_the_whole_territory(store_url: str) -> None:
    rows = _csv(_metrics(store_url, "export", "--metric", "share_controlled_pct", "--region", "", "--freq", "D",
                         "--from", "2025-11-30", "--to", "2025-11-30"))  # fmt: skip
    assert (rows["region"] == "").all() and (rows["date"] == "2025-11-30").all()
    by_source = rows.set_index(["source", "definition"])["value"]
    assert by_source["DeepStateMap", "occupied"] == pytest.approx(19.17, abs=0.01)
    assert by_source["ISW (AFP analysis)", "assessed control+claimed"] == 19.3
    assert by_source["ISW (map layers)", "assessed control+advances"] == pytest.approx(19.23, abs=0.01)
    assert by_source.index.is_unique and len(rows) == 8  # every shipped series with a share that day


def test_json_format_parses_to_the_same_rows_as_csv(store_url: str) -> None:
    args = ("export", "--metric", "net_change_km2", "--source", "DeepStateMap", "--freq", "M", *NOVEMBER)
    result = _metrics(store_url, *args, "--format", "json")
    assert result.returncode == 0, result.stderr
    records = json.loads(result.stdout)
    assert isinstance(records, list) and len(records) == 28
    assert list(records[0]) == FIGURE_COLUMNS
    assert records[0]["date"] == "2025-11-30" and records[0]["region"] == ""
    assert records[0]["derived"] is True
    as_csv = _csv(_metrics(store_url, *args, "--format", "csv"))
    assert [r["value"] for r in records] == pytest.approx(as_csv["value"].tolist())


def test_xlsx_with_out_opens_in_openpyxl(store_url: str, tmp_path: Path) -> None:
    out = tmp_path / "november.xlsx"
    result = _metrics(store_url, "export", "--metric", "net_change_km2", "--freq", "M", *NOVEMBER, "--format", "xlsx",
                      "--out", str(out))  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""  # the file, not the terminal
    sheet = openpyxl.load_workbook(out)["figures"]
    values = list(sheet.iter_rows(values_only=True))
    assert list(values[0]) == FIGURE_COLUMNS
    body = pd.DataFrame(values[1:], columns=FIGURE_COLUMNS)
    assert {"DeepStateMap", "ISW (AFP analysis)", "ISW (map layers)", "The Economist"} <= set(body["source"])
    isw = body[(body["source"] == "ISW (AFP analysis)") & (body["definition"] == "assessed control+claimed")]
    assert isw[["date", "period_start", "value"]].values.tolist() == [["2025-11-30", "2025-11-01", 701]]
    assert all(isinstance(v, int | float) for v in body["value"])  # numbers stay numbers


def test_xlsx_without_out_is_refused(store_url: str) -> None:
    result = _metrics(store_url, "export", "--format", "xlsx")
    assert result.returncode == 2
    assert "--out" in result.stderr


@pytest.mark.parametrize(
    ("args", "words"),
    [(("--from", "notadate"), ["--from", "notadate", "YYYY-MM-DD"]),
     (("--to", "2025-13-45"), ["--to", "2025-13-45"]),
     (("--freq", "X"), ["--freq"]),
     (("--metric", "area_km2"), ["--metric"])],
)  # fmt: skip
def test_bad_input_exits_2_with_a_message(store_url: str, args: tuple[str, ...], words: list[str]) -> None:
    result = _metrics(store_url, "export", *args)
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    for word in words:
        assert word in result.stderr


def test_a_query_that_matches_nothing_gives_a_header_only(store_url: str) -> None:
    rows = _csv(_metrics(store_url, "export", "--metric", "net_change_km2", "--source", "nobody", "--freq", "M"))
    assert rows.columns.tolist() == FIGURE_COLUMNS and rows.empty


def test_formula_like_text_is_neutralised() -> None:
    frame = pd.DataFrame({
        "notes": ["=HYPERLINK(\"http://x\")", "+1", "-x", "@SUM(A1)", "fine", "a=b"],
        "source": ["ok", "=cmd|' /C calc'!A0", "ok", "ok", "ok", "ok"],
        "value": [-1.5, 2, 3, 4, 5, 6],
    })  # fmt: skip
    safe = neutralise_formulas(frame)
    assert safe["notes"].tolist() == ['\'=HYPERLINK("http://x")', "'+1", "'-x", "'@SUM(A1)", "fine", "a=b"]
    assert safe["source"].tolist()[:2] == ["ok", "'=cmd|' /C calc'!A0"]
    assert safe["value"].tolist() == [-1.5, 2, 3, 4, 5, 6]  # numbers are not text: negatives stay numbers
    assert frame["notes"].iloc[0] == '=HYPERLINK("http://x")'  # the input is not modified


def _one_figure(notes: str) -> pd.DataFrame:
    row = dict.fromkeys(FIGURE_COLUMNS, "")
    row.update(date=pd.Timestamp("2025-11-30"), period_start=pd.Timestamp("2025-11-01"), territory="UKR",
               actor="RU", metric="net_change_km2", value=-12.5, source="S", notes=notes, batch_id=1,
               derived=False)  # fmt: skip
    return pd.DataFrame([row])


def test_spreadsheet_formats_neutralise_formulas_and_json_keeps_the_text(tmp_path: Path) -> None:
    rows = _one_figure("=1+1")
    csv = pd.read_csv(io.BytesIO(to_bytes(rows, "csv")), keep_default_na=False)
    assert csv["notes"].tolist() == ["'=1+1"]
    assert csv["value"].tolist() == [-12.5]
    path = tmp_path / "x.xlsx"
    path.write_bytes(to_bytes(rows, "xlsx"))
    cells = list(openpyxl.load_workbook(path)["figures"].iter_rows(values_only=True))[1]
    assert cells[FIGURE_COLUMNS.index("notes")] == "'=1+1"
    assert cells[FIGURE_COLUMNS.index("value")] == -12.5
    assert json.loads(to_bytes(rows, "json"))[0]["notes"] == "=1+1"  # JSON is not run by a spreadsheet


def test_batches_lists_ids_and_retract_and_restore_change_the_export(store_url: str) -> None:
    listing = _metrics(store_url, "batches")
    assert listing.returncode == 0, listing.stderr
    ids = {line.split("\t")[4]: line.split("\t")[0] for line in listing.stdout.splitlines()}
    assert set(ids) == {f"bundled:{p.name}" for p in [*bundled_files(), *bundled_event_files()]}
    assert {"bundled:deepstatemap_occupied.csv.gz", "bundled:isw_afp_2025-12.csv"} <= set(ids)
    isw = ids["bundled:isw_afp_2025-12.csv"]
    query = ("export", "--source", "ISW (AFP analysis)", "--format", "json")
    afp_rows = len(json.loads(_metrics(store_url, *query).stdout))
    assert afp_rows == 2 + 22  # this file's two, and the 22 of press_reported.csv
    try:
        assert _metrics(store_url, "retract", isw).stdout.strip() == f"batch {isw} retracted"
        assert len(json.loads(_metrics(store_url, *query).stdout)) == afp_rows - 2
        assert "\tretracted\t" in _metrics(store_url, "batches").stdout
    finally:  # the other tests of this module share the store
        restored = _metrics(store_url, "restore", isw)
    assert restored.stdout.strip() == f"batch {isw} restored"
    assert len(json.loads(_metrics(store_url, *query).stdout)) == afp_rows
    unknown = _metrics(store_url, "retract", "999")
    assert unknown.returncode == 2 and "no batch 999" in unknown.stderr
