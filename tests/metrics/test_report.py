"""The period report: the November 2025 PDF and HTML name both sources with their definitions, and
their numbers are those of the pages' pipelines."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from pypdf import PdfReader

from geodata.maps import change_map_of
from metrics import overview as ov
from metrics.images import chromium_path
from metrics.report import build_report, default_period, report_html, report_pdf
from metrics.store import get_engine, read_figures

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite) -> str:  # type: ignore[no-untyped-def]
    return bundled_sqlite(tmp_path_factory.mktemp("report") / "territory.sqlite")


@pytest.fixture(scope="module")
def november(store: str):  # type: ignore[no-untyped-def]
    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium: the report's charts cannot be drawn under CI")
        pytest.skip("no Chromium or Chrome")
    engine = get_engine(store)
    return build_report(engine, "2025-11-01", "2025-11-30", change_map=change_map_of(engine))


def test_kpis_equal_the_overview_pipeline(november, store: str) -> None:  # type: ignore[no-untyped-def]
    kpis = november.kpis.set_index(["source", "definition"])
    afp, deepstate = ("ISW (AFP analysis)", "assessed control+claimed"), ("DeepStateMap", "occupied")
    assert kpis.loc[afp, "net_change_km2"] == 701
    assert kpis.loc[afp, "share_pct"] == 19.3
    monthly = ov.overview_data(read_figures(get_engine(store), regions=[""])).monthly
    deepstate_november = monthly[(monthly["source"] == "DeepStateMap") & (monthly["definition"] == "occupied")
                                 & (monthly["period_start"] == "2025-11-01")]  # fmt: skip
    assert kpis.loc[deepstate, "net_change_km2"] == pytest.approx(float(deepstate_november["value"].iloc[0]))
    assert kpis.loc[deepstate, "net_change_km2"] == pytest.approx(482.9, abs=0.1)
    assert kpis.loc[deepstate, "share_pct"] == pytest.approx(19.17, abs=0.005)
    [ds_sentence] = [s for s in november.sentences if "per DeepStateMap (occupied)," in s]
    assert ds_sentence.startswith("In November 2025, per DeepStateMap (occupied), Russian forces gained 483")
    [afp_sentence] = [s for s in november.sentences if "per ISW (AFP analysis) (assessed control+claimed)," in s]
    assert "they held 19.30 % of Ukraine on 2025-11-30" in afp_sentence


def test_the_pdf_names_sources_definitions_and_headline_numbers(november) -> None:  # type: ignore[no-untyped-def]
    reader = PdfReader(io.BytesIO(report_pdf(november)))
    assert 2 <= len(reader.pages) <= 6
    text = re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))
    expected = ["DeepStateMap (occupied)", "ISW (AFP analysis) (assessed control+claimed)", "gained 483 km²",
                "gained 701 km²", "19.17 %", "19.30 %", "Sources and licences", "GPL-3.0", "Natural Earth"]  # fmt: skip
    for words in expected:
        assert words in text, words


def test_the_html_is_self_contained(november) -> None:  # type: ignore[no-untyped-def]
    page = report_html(november)
    assert not re.findall(r"<script", page)
    assert not re.findall(r"<link[^>]*href=", page)
    assert page.count('src="data:image/svg+xml;base64,') >= 2  # the chart and the map
    assert "Regions" in page and "Sources compared, month by month" in page


def test_regions_table_and_map_of_the_period(november) -> None:  # type: ignore[no-untyped-def]
    table = november.regions
    assert set(table["source"]) == {"DeepStateMap", "liveuamap (via NZZ)"}  # the sources with unit figures
    assert len(table) == 27 + 25  # liveuamap: no Crimea units
    regions = table[table["source"] == "DeepStateMap"].set_index("region")
    assert len(regions) == 27
    assert regions["share_pct"].idxmax() in {"UA-40", "UA-43"}  # Sevastopol or Crimea: 100 % (edge slivers left out)
    assert regions.loc[["UA-40", "UA-43"], "share_pct"].min() == 100
    donetsk = regions.loc["UA-14"]
    assert donetsk["change_km2"] > 0  # Russian forces advanced in Donetsk Oblast in November 2025
    assert november.change_map is not None  # the Map page's map, fitted to the changes of the period
    assert "no polygons of both dates" in november.change_note  # figures only: no polygons in this store
    assert "From 2025-10-31 to 2025-11-30: 8 settlements taken, 0 lost" in november.change_note
    layout = november.change_map.layout
    assert layout.title.text.replace("<br> ", " ") == "Changes from 2025-10-31 to 2025-11-30"
    assert 36 < layout.map.center.lon < 39
    assert layout.annotations[-1].text.endswith("N)")  # the scale bar, for the report's width


def test_default_period_is_the_last_complete_month() -> None:
    assert default_period(pd.Timestamp("2026-08-21")) == (
        pd.Timestamp("2026-07-01").date(),
        pd.Timestamp("2026-07-31").date(),
    )
    assert default_period(pd.Timestamp("2025-11-30")) == (
        pd.Timestamp("2025-11-01").date(),
        pd.Timestamp("2025-11-30").date(),
    )


@pytest.mark.parametrize(
    ("args", "words"),
    [(("--from", "2025-12-01", "--to", "2025-11-01", "--out", "r.pdf"), "after"),
     (("--from", "2025-11-01", "--to", "2025-11-30", "--out", "r.docx"), ".pdf or .html")],
)  # fmt: skip
def test_cli_refuses_bad_input(store: str, tmp_path: Path, args: tuple[str, ...], words: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "metrics", "report", *args], cwd=tmp_path, capture_output=True, text=True,
        env={**os.environ, "TERRITORY_DB_URL": store, "PYTHONPATH": str(ROOT)}, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert words in result.stderr


def test_cli_writes_the_html_report(store: str, tmp_path: Path) -> None:
    if chromium_path() is None:
        pytest.skip("no Chromium or Chrome")
    out = tmp_path / "november.html"
    result = subprocess.run(
        [sys.executable, "-m", "metrics", "report", "--from", "2025-11-01", "--to", "2025-11-30", "--out", str(out)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "TERRITORY_DB_URL": store}, timeout=180,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "report of 2025-11-01 to 2025-11-30" in result.stdout
    html = out.read_text()
    assert "701" in html
    assert "Map of gains and losses" in html  # the change map, drawn by geodata through the CLI


def test_without_a_map_function_the_report_says_so(store: str) -> None:
    from metrics.report import NO_MAP_NOTE

    report = build_report(get_engine(store), "2025-11-01", "2025-11-30")
    assert report.change_map is None
    assert report.change_note == NO_MAP_NOTE
    assert report.kpis.set_index("source").loc["ISW (AFP analysis)", "net_change_km2"] == 701
