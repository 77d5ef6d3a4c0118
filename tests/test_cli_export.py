"""`python -m metrics export` as users and scripts call it (contract in DESIGN.md)."""

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

from metrics.export import neutralise_formulas
from tests.conftest import ROOT


def _metrics(store_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TERRITORY_DB_URL": store_url}
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


@pytest.fixture(scope="module")
def loaded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'territory.sqlite'}"
    result = _metrics(url, "init")
    assert result.returncode == 0, result.stderr
    assert "loaded deepstatemap_occupied.csv.gz" in result.stdout
    return url


def test_november_2025_net_change_per_deepstatemap(loaded_url: str) -> None:
    result = _metrics(loaded_url, "export", "--metric", "net_change_km2", "--source", "DeepStateMap",
                      "--freq", "M", "--from", "2025-11-01", "--to", "2025-11-30", "--format", "csv")  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = pd.read_csv(io.StringIO(result.stdout), keep_default_na=False)
    assert rows.columns[:9].tolist() == ["date", "period_start", "territory", "region", "actor", "metric", "value",
                                         "source", "definition"]  # fmt: skip
    assert len(rows) == 28  # the whole country first, then the 27 units
    whole = rows.iloc[0]
    assert (whole["region"], whole["date"], whole["period_start"]) == ("", "2025-11-30", "2025-11-01")
    assert 470 < whole["value"] < 500  # about +490 km2 (DeepStateMap month-end to month-end)
    by_region = rows.set_index("region")["value"]
    assert by_region["UA-14"] > 50 and by_region["UA-23"] > 50  # Donetsk and Zaporizhzhia: gains
    assert by_region["UA-46"] == 0  # Lviv: none


def test_share_on_30_november_2025_as_json(loaded_url: str) -> None:
    result = _metrics(loaded_url, "export", "--metric", "share_controlled_pct", "--region", "", "--from",
                      "2025-11-30", "--to", "2025-11-30", "--format", "json")  # fmt: skip
    assert result.returncode == 0, result.stderr
    records = {r["source"]: r for r in json.loads(result.stdout)}
    assert records["DeepStateMap"]["value"] == pytest.approx(19.17, abs=0.01)
    assert records["ISW (AFP analysis)"]["value"] == 19.3
    assert records["ISW (AFP analysis)"]["definition"] == "assessed control+claimed"


def test_xlsx_export_opens(loaded_url: str, tmp_path: Path) -> None:
    out = tmp_path / "figures.xlsx"
    result = _metrics(loaded_url, "export", "--source", "ISW (AFP analysis)", "--format", "xlsx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    sheet = openpyxl.load_workbook(out)["figures"]
    values = [row for row in sheet.iter_rows(values_only=True)]
    assert values[0][:2] == ("date", "period_start")
    assert sorted(r[6] for r in values[1:]) == [19.3, 701]


def test_bad_input_exits_2_with_a_message(loaded_url: str) -> None:
    result = _metrics(loaded_url, "export", "--from", "30/11/2025x")
    assert result.returncode == 2
    assert "--from" in result.stderr and "YYYY-MM-DD" in result.stderr
    assert _metrics(loaded_url, "export", "--freq", "X").returncode == 2


def test_batches_retract_and_restore(loaded_url: str) -> None:
    listing = _metrics(loaded_url, "batches")
    assert listing.returncode == 0
    ids = {line.split("\t")[-2]: line.split("\t")[0] for line in listing.stdout.splitlines()}
    isw = ids["bundled:isw_afp_2025-12.csv"]
    share_args = ("export", "--source", "ISW (AFP analysis)", "--format", "json")
    assert len(json.loads(_metrics(loaded_url, *share_args).stdout)) == 2
    assert _metrics(loaded_url, "retract", isw).stdout.strip() == f"batch {isw} retracted"
    assert json.loads(_metrics(loaded_url, *share_args).stdout) == []
    assert "\tretracted\t" in _metrics(loaded_url, "batches").stdout
    assert _metrics(loaded_url, "restore", isw).stdout.strip() == f"batch {isw} restored"
    assert len(json.loads(_metrics(loaded_url, *share_args).stdout)) == 2
    unknown = _metrics(loaded_url, "retract", "999")
    assert unknown.returncode == 2 and "no batch 999" in unknown.stderr


def test_formula_like_text_is_neutralised() -> None:
    frame = pd.DataFrame({"notes": ["=HYPERLINK(1)", "+1", "-x", "@a", "fine"], "value": [-1.0, 2, 3, 4, 5]})
    safe = neutralise_formulas(frame)
    assert safe["notes"].tolist() == ["'=HYPERLINK(1)", "'+1", "'-x", "'@a", "fine"]
    assert safe["value"].tolist() == [-1.0, 2, 3, 4, 5]  # numbers are not text
