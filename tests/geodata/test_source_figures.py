"""The shipped figures of ISW's map layers, The Economist, liveuamap via NZZ and the press reports
(geodata/data/figures/) against the inputs and reference values in ../shared/data, the build that
makes them (rerun here: the files are what it writes), their quality marks, and the project's checks."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from geodata import build_io
from geodata import build_sources as bs
from geodata.build import FIGURE_FILES, SHARED_INPUTS
from geodata.build_io import CSV_COLUMNS, FIGURES_DIR
from metrics.bundled import bundled_files
from metrics.figure_model import validate_figures
from metrics.quality import break_segments, drop_glitches

ROOT = Path(__file__).resolve().parents[2]
OFFICIAL_KM2 = 603_628.0


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(FIGURES_DIR / name, dtype=str, keep_default_na=False).pipe(
        lambda f: f.assign(value=f["value"].astype(float), date=pd.to_datetime(f["date"]))
    )


def _whole(frame: pd.DataFrame, definition: str, metric: str = "area_controlled_km2") -> pd.Series:
    rows = frame[(frame["region"] == "") & (frame["definition"] == definition) & (frame["metric"] == metric)]
    assert rows["date"].is_unique
    return rows.set_index("date")["value"]


@pytest.mark.parametrize("name", sorted(FIGURE_FILES))
def test_each_shipped_file_passes_the_figure_checks_and_carries_the_quality_column(name: str) -> None:
    raw = pd.read_csv(FIGURES_DIR / name, dtype=str, keep_default_na=False)
    assert raw.columns.tolist() == CSV_COLUMNS
    assert set(raw["quality"]) <= {"", "glitch", "break"}
    marked = raw[raw["quality"] != ""]
    assert marked["notes"].str.startswith(tuple(marked["quality"].unique() + ": ")).all()
    assert marked["notes"].str.contains(r"\(rule: ", regex=True).all()
    checked = validate_figures(raw.assign(derived=raw["notes"].str.startswith("computed by this project")), lazy=True)
    assert len(checked) == len(raw)
    assert not raw.duplicated(["date", "period_start", "region", "metric", "source", "definition"]).any()
    assert (raw["source_url"].str.startswith("https://")).all()


def test_the_bundled_loader_takes_every_file_and_they_are_small() -> None:
    names = {p.name for p in bundled_files()}
    assert set(FIGURE_FILES) <= names
    total = sum(p.stat().st_size for p in bundled_files())
    assert total < 5_000_000, f"{total:,} bytes"


@pytest.mark.parametrize("name", ["isw_map_layers.csv.gz", "economist.csv.gz", "liveuamap_nzz.csv.gz",
                                  "press_reported.csv"])  # fmt: skip
def test_the_shipped_file_is_what_the_build_makes(
    name: str, shared_data: Callable[[str], Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    make, inputs = FIGURE_FILES[name]
    built = make(*[shared_data(p) for p in inputs])
    monkeypatch.setattr(build_io, "FIGURES_DIR", tmp_path)
    path = build_io.write_figures(built, name)
    assert pd.read_csv(path, dtype=str).equals(pd.read_csv(FIGURES_DIR / name, dtype=str))


def test_isw_november_2025_net_change_per_definition(shared_data: Callable[[str], Path]) -> None:
    isw = _read("isw_map_layers.csv.gz")
    assert set(isw["source"]) == {bs.ISW} and set(isw["definition"]) == set(bs.ISW_DEFINITIONS)
    reference = pd.read_csv(shared_data("isw_layers/isw_layers_month_end.csv"), parse_dates=["month_end"])
    reference = reference.set_index("month_end")
    expected = {  # isw_layers/SOURCE.md: -37.07, +575.65, +697.59
        "assessed control": reference["control_km2"],
        "assessed control+advances": reference["control_km2"] + reference["advances_km2"],
        "assessed control+advances+claimed": reference[["control_km2", "advances_km2", "claimed_km2"]].sum(axis=1),
    }
    for (definition, stocks), change in zip(expected.items(), (-37.07, 575.65, 697.59), strict=True):
        area = _whole(isw, definition)
        got = area[pd.Timestamp("2025-11-30")] - area[pd.Timestamp("2025-10-31")]
        assert got == pytest.approx(change, abs=0.02)
        assert got == pytest.approx(stocks["2025-11-30"] - stocks["2025-10-31"], abs=0.02)
    share = _whole(isw, "assessed control+advances", "share_controlled_pct")[pd.Timestamp("2025-11-30")]
    assert share == pytest.approx(19.23, abs=0.005)
    assert pd.Timestamp("2025-11-27") not in _whole(isw, "assessed control").index  # missing days stay missing
    assert _whole(isw, "assessed control").index.min() == pd.Timestamp("2023-11-23")


def test_the_economist_as_reported(shared_data: Callable[[str], Path]) -> None:
    economist = _read("economist.csv.gz")
    area = _whole(economist, bs.ECONOMIST_DEFINITION)
    assert area[pd.Timestamp("2025-11-30")] - area[pd.Timestamp("2025-10-31")] == pytest.approx(595.7, abs=0.1)
    assert area[pd.Timestamp("2022-02-22")] == pytest.approx(43_679.1, abs=0.1)  # the first row
    assert area.max() == pytest.approx(166_336.0, abs=0.1) and area.idxmax() == pd.Timestamp("2022-03-24")
    raw = pd.read_csv(shared_data("economist/area_assessed_as_controlled_by_russia.csv"))
    assert len(area) == raw["date"].nunique() == len(raw) - 1
    share = _whole(economist, bs.ECONOMIST_DEFINITION, "share_controlled_pct")
    assert share[pd.Timestamp("2025-11-30")] == pytest.approx(19.869, abs=0.001)  # as published
    glitches = economist[economist["quality"] == "glitch"]
    assert set(glitches["date"].dt.strftime("%Y-%m-%d")) == {"2026-04-04"}
    assert glitches["notes"].str.contains("2026-04-04 2 times").all()
    assert economist["notes"].str.contains("CC BY 4.0: cite The Economist").all()
    assert not economist["notes"].str.startswith("computed by this project").any()  # as reported: not derived


@pytest.fixture(scope="module")
def liveuamap() -> pd.DataFrame:
    return _read("liveuamap_nzz.csv.gz")


def test_liveuamap_marks_are_the_flags_of_its_source_table(
    liveuamap: pd.DataFrame, shared_data: Callable[[str], Path]
) -> None:
    table = pd.read_csv(shared_data("liveuamap_nzz/nzz_held_daily_area.csv"), parse_dates=["date"])
    whole = liveuamap[(liveuamap["region"] == "") & (liveuamap["metric"] == "area_controlled_km2")]
    for definition in (bs.LIVEUAMAP_DEFINITION, bs.LIVEUAMAP_WITH_CRIMEA):
        rows = whole[whole["definition"] == definition].set_index("date")
        assert len(rows) == len(table) == 1_641
        glitch = set(rows.index[rows["quality"] == "glitch"])
        assert glitch == set(table.loc[table["glitch"], "date"])  # 2023-10-24..30 and 2023-12-09..11
        assert len(glitch) == 10
        breaks = rows.index[rows["quality"] == "break"].strftime("%Y-%m-%d").tolist()
        assert (
            breaks
            == ["2023-05-24", "2024-03-14"]
            == table.loc[table["definition_change"], "date"].dt.strftime("%Y-%m-%d").tolist()
        )
    without, with_crimea = _whole(liveuamap, bs.LIVEUAMAP_DEFINITION), _whole(liveuamap, bs.LIVEUAMAP_WITH_CRIMEA)
    assert ((with_crimea - without) - 26_689.32).abs().max() < 0.002
    assert without[pd.Timestamp("2025-11-30")] - without[pd.Timestamp("2025-10-31")] == pytest.approx(681.8, abs=0.1)


def test_no_march_2024_liveuamap_loss_of_16619_km2(liveuamap: pd.DataFrame) -> None:
    whole = liveuamap[(liveuamap["region"] == "") & (liveuamap["metric"] == "area_controlled_km2")]
    kept = drop_glitches(whole).assign(segment=lambda f: break_segments(f)).sort_values("date")
    flows = kept.groupby(["definition", "segment"])["value"].diff()
    march = kept[(kept["date"] >= "2024-03-01") & (kept["date"] <= "2024-03-31")].assign(flow=flows)
    assert march["flow"].min() > -1_000  # the -16,619 km2 step of 2024-03-14 is no flow
    step = march[march["date"] == "2024-03-14"]
    assert step["flow"].isna().all() and (step["quality"] == "break").all()
    assert "-16,619 km2 with no losses recorded" in step["notes"].iloc[0]
    glitch_free = drop_glitches(whole)
    late_2023 = glitch_free[(glitch_free["date"] >= "2023-06-01") & (glitch_free["date"] <= "2024-03-13")]
    assert late_2023.loc[late_2023["definition"] == bs.LIVEUAMAP_DEFINITION, "value"].min() > 80_000
    assert whole.loc[whole["quality"] == "glitch", "value"].min() < 20_000  # 2023-12-09..11: 16,619 km2


def test_liveuamap_units_at_month_ends_without_the_crimea_units(
    liveuamap: pd.DataFrame, shared_data: Callable[[str], Path]
) -> None:
    units = liveuamap[liveuamap["region"] != ""]
    assert set(units["definition"]) == {bs.LIVEUAMAP_DEFINITION}
    assert not units["region"].isin(["UA-43", "UA-40"]).any()
    assert units["date"].nunique() == 55 and units["region"].nunique() == 25
    area = units[units["metric"] == "area_controlled_km2"].groupby("date")["value"].sum()
    table = pd.read_csv(shared_data("liveuamap_nzz/nzz_held_daily_area.csv"), parse_dates=["date"]).set_index("date")
    inside = table["held_km2_laea"] - table["held_outside_ukraine_km2"]
    inside = inside.reindex(area.index) - 121.2  # the part over Natural Earth's Crimea (SOURCE.md: 21.6-121.2)
    assert ((area - inside).abs() < 110).all(), (area - inside).abs().max()
    breaks = units.loc[units["quality"] == "break", "date"].dt.strftime("%Y-%m-%d")
    assert set(breaks) == {"2023-05-31", "2024-03-31"}
    donetsk = units[(units["region"] == "UA-14") & (units["metric"] == "area_controlled_km2")].set_index("date")
    assert donetsk["value"]["2024-02-29"] - donetsk["value"]["2024-03-31"] > 8_000  # the Donbas block leaves


def test_press_figures_are_as_reported_and_import_with_the_csv_rules(shared_data: Callable[[str], Path]) -> None:
    press = _read("press_reported.csv")
    assert len(press) == 32
    assert set(zip(press["source"], press["definition"], strict=True)) == {
        ("ISW (AFP analysis)", "assessed control+claimed"),
        ("DeepStateMap", "occupied (monthly report)"),
    }
    assert (press["source_url"].str.startswith("https://")).all() and (press["published"] != "").all()
    source = shared_data("reported/press_reported_figures.csv")
    env = {**os.environ, "TERRITORY_DB_URL": "sqlite://"}
    result = subprocess.run([sys.executable, "-m", "metrics", "import", "--dry-run", str(source)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    may = press[(press["metric"] == "net_change_km2") & (press["date"] == "2024-05-31")]
    assert may["value"].tolist() == [449.0] and may["period_start"].tolist() == ["2024-05-01"]


def test_every_input_of_the_build_is_named_in_sources_md() -> None:
    text = (FIGURES_DIR.parent / "SOURCES.md").read_text(encoding="utf-8")
    for name, inputs in SHARED_INPUTS.items():
        assert f"figures/{name}" in text
        for path in inputs:
            assert path.split("/")[-1] in text, path
