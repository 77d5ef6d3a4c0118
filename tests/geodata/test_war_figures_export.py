"""The issue's "Done when" figures through ``python -m metrics export`` on a store loaded with the
bundled files (``python -m metrics init``), each pinned against the reference areas in ../shared/data."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _metrics(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TERRITORY_DB_URL": store_url}
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('war') / 'territory.sqlite'}"
    result = _metrics(url, "init")
    assert result.returncode == 0, result.stderr
    return url


def _export(store_url: str, *args: str) -> pd.DataFrame:
    result = _metrics(store_url, "export", "--region", "", "--format", "csv", *args)
    assert result.returncode == 0, result.stderr
    return pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)


def _reference(shared_data: Callable[[str], Path], relative: str, column: str) -> pd.Series:
    frame = pd.read_csv(shared_data(relative), parse_dates=["date"])
    return frame.set_index("date")[column]


def test_deepstatemap_after_kherson_and_the_kharkiv_counteroffensive(
    store_url: str, shared_data: Callable[[str], Path]
) -> None:
    rows = _export(store_url, "--metric", "area_controlled_km2", "--source", "DeepStateMap", "--definition", "occupied",
                   "--from", "2022-09-04", "--to", "2022-11-11")  # fmt: skip
    area = rows.set_index("date")["value"]
    # the history reference, by FILE date: the file of D+1 is the map as of D
    reference = _reference(shared_data, "deepstate/deepstate_history_daily_area_derived.csv", "area_km2_laea")
    assert area["2022-11-11"] == pytest.approx(reference[pd.Timestamp("2022-11-12")], abs=0.5)
    assert area["2022-11-11"] == pytest.approx(108_700, abs=50)
    fall = area["2022-09-04"] - area["2022-09-14"]
    assert fall == pytest.approx(reference[pd.Timestamp("2022-09-05")] - reference[pd.Timestamp("2022-09-15")], abs=1)
    assert fall == pytest.approx(9_400, abs=50)


def test_isw_november_2025_net_change_per_definition(store_url: str, shared_data: Callable[[str], Path]) -> None:
    rows = _export(store_url, "--metric", "net_change_km2", "--source", "ISW (map layers)", "--freq", "M",
                   "--from", "2025-11-01", "--to", "2025-11-30")  # fmt: skip
    change = rows.set_index("definition")["value"]
    reference = pd.read_csv(shared_data("isw_layers/isw_layers_month_end.csv")).set_index("month_end")
    layers = {"assessed control": ["control_km2"], "assessed control+advances": ["control_km2", "advances_km2"],
              "assessed control+advances+claimed": ["control_km2", "advances_km2", "claimed_km2"]}  # fmt: skip
    for (definition, columns), about in zip(layers.items(), (-37, 576, 698), strict=True):
        expected = reference.loc["2025-11-30", columns].sum() - reference.loc["2025-10-31", columns].sum()
        assert change[definition] == pytest.approx(expected, abs=0.02)
        assert change[definition] == pytest.approx(about, abs=1)
    assert (rows["period_start"] == "2025-11-01").all() and (rows["date"] == "2025-11-30").all()


def test_the_economist_november_2025_as_reported(store_url: str, shared_data: Callable[[str], Path]) -> None:
    rows = _export(store_url, "--metric", "net_change_km2", "--source", "The Economist", "--freq", "M",
                   "--from", "2025-11-01", "--to", "2025-11-30")  # fmt: skip
    (value,) = rows["value"]
    raw = _reference(shared_data, "economist/area_assessed_as_controlled_by_russia.csv",
                     "area_assessed_as_russia_controlled")  # fmt: skip
    raw = raw[~raw.index.duplicated()] / 1e6
    assert value == pytest.approx(raw[pd.Timestamp("2025-11-30")] - raw[pd.Timestamp("2025-10-31")], abs=0.02)
    assert value == pytest.approx(596, abs=1)


def test_all_five_sources_reach_from_2022_to_their_latest_day(store_url: str) -> None:
    rows = _export(store_url, "--metric", "area_controlled_km2")
    span = rows.groupby("source")["date"].agg(["min", "max"])
    assert span.loc["DeepStateMap"].tolist() == ["2022-04-03", "2026-10-09"]
    assert span.loc["The Economist"].tolist() == ["2022-02-22", "2026-08-21"]
    assert span.loc["liveuamap (via NZZ)"].tolist() == ["2022-02-24", "2026-08-22"]
    assert span.loc["ISW (map layers)"].tolist() == ["2023-11-23", "2026-01-24"]
    assert "ISW (AFP analysis)" in span.index  # AFP's area stocks (press reports)


def test_no_march_2024_liveuamap_loss_of_16619_km2(store_url: str) -> None:
    """The break of 2024-03-14 (the pre-2022 Donbas leaves the series) ends one piece of the series and
    starts another: no flow is computed across it, so March 2024 is a gap, the months around it are not."""
    rows = _export(store_url, "--metric", "net_change_km2", "--source", "liveuamap (via NZZ)", "--freq", "M",
                   "--from", "2024-01-01", "--to", "2024-05-31")  # fmt: skip
    months = rows.groupby("definition")["period_start"].agg(list)
    for definition in ("held at window end, without Crimea", "held at window end, with Crimea constant"):
        # the break of 2024-03-14 lies in March: no net change for March, the months around it have one
        assert months[definition] == ["2024-01-01", "2024-02-01", "2024-04-01", "2024-05-01"]
    assert rows["value"].min() > -1_000, rows[["definition", "period_start", "value"]]
    stocks = _export(
        store_url,
        "--metric",
        "area_controlled_km2",
        "--source",
        "liveuamap (via NZZ)",
        "--definition",
        "held at window end, without Crimea",
        "--from",
        "2024-03-13",
        "--to",
        "2024-03-14",
    )
    assert stocks["value"].diff().iloc[-1] == pytest.approx(-16_619, abs=1)  # the step itself stays in the data
    assert stocks["quality"].tolist() == ["", "break"] and "not a loss" in stocks["notes"].iloc[-1]
