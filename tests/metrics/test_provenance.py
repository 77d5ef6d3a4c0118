"""The provenance bundle holds the data, its metadata and a README with a citation."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pandas as pd
from sqlalchemy import Engine

from metrics.bundled import ensure_bundled_data
from metrics.export import export_figures
from metrics.provenance import BUNDLE_FILES, provenance_bundle
from metrics.store import read_figures


def test_the_bundle_of_november_2025_holds_data_metadata_and_readme(engine: Engine) -> None:
    ensure_bundled_data(engine, report=lambda _line: None)
    stored = read_figures(engine)
    two = stored[stored["definition"].isin(["occupied", "assessed control+claimed"])]  # two of the bundled series
    rows = export_figures(
        two, metrics=["net_change_km2"], region="", freq="M",
        start=pd.Timestamp("2025-11-01"), end=pd.Timestamp("2025-11-30"),
    )  # fmt: skip
    query = {"metric": ["net_change_km2"], "region": "", "freq": "M", "from": "2025-11-01", "to": "2025-11-30"}
    data = provenance_bundle(rows, query=query, generated_at=dt.datetime(2026, 11, 25, 9, tzinfo=dt.UTC))
    with zipfile.ZipFile(io.BytesIO(data)) as bundle:
        assert sorted(bundle.namelist()) == sorted(BUNDLE_FILES)
        figures = pd.read_csv(bundle.open("figures.csv"), keep_default_na=False)
        meta = json.loads(bundle.read("metadata.json"))
        readme = bundle.read("README.md").decode()
    assert sorted(figures["source"]) == ["DeepStateMap", "ISW (AFP analysis)"]
    assert figures.set_index("source").loc["ISW (AFP analysis)", "value"] == 701
    assert meta["query"] == query
    assert meta["rows"] == 2 and meta["first_date"] == meta["last_date"] == "2025-11-30"
    assert {s["source"]: s["definitions"] for s in meta["sources"]} == {
        "DeepStateMap": ["occupied"], "ISW (AFP analysis)": ["assessed control+claimed"],
    }  # fmt: skip
    assert all(s["licence"] for s in meta["sources"])
    assert meta["metrics"]["net_change_km2"]["unit"] == "km2"
    assert meta["territories"]["UKR"]["official_area_km2"] == 603628.0
    assert "## How to cite" in readme and "2026-11-25" in readme
    assert "GPL-3.0" in readme  # the DeepStateMap archive's licence
    assert "freq = M" in readme


def test_an_empty_selection_still_makes_a_readable_bundle(engine: Engine) -> None:
    ensure_bundled_data(engine, report=lambda _line: None)
    rows = export_figures(read_figures(engine), metrics=["area_lost_km2"], region="UA-46")  # Lviv: none
    with zipfile.ZipFile(io.BytesIO(provenance_bundle(rows, query={"metric": ["area_lost_km2"]}))) as bundle:
        assert json.loads(bundle.read("metadata.json"))["rows"] == 0
        assert "0 figures" in bundle.read("README.md").decode()
