"""The Overview in a real browser: the KPI cards, chart and map render with their figures."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from metrics.bundled import bundled_files

pytestmark = pytest.mark.browser


def test_overview_shows_kpis_chart_and_map(page: Page, app_url: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(app_url)
    cards = page.get_by_test_id("stMetric")
    expect(cards.first).to_be_visible(timeout=60_000)
    expect(cards).to_have_count(8)  # 4 KPIs x (DeepStateMap, ISW)

    area = page.get_by_test_id("stMetric").filter(has_text="Area controlled").first
    expect(area).to_contain_text(re.compile(r"1\d\d,\d{3} km²"))
    share_isw = page.get_by_test_id("stMetric").filter(has_text="Share of Ukraine").nth(1)
    expect(share_isw).to_contain_text("19.30 %")
    expect(page.get_by_test_id("stMetric").filter(has_text="last full month").nth(1)).to_contain_text("+701 km²")
    expect(page.get_by_text(re.compile(r"as of 20\d\d-\d\d-\d\d · computed by this project")).first).to_be_visible()

    # the chart and the map are drawn by plotly in the page (no tiles or CDN involved)
    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(2, timeout=30_000)
    expect(plots.nth(0)).to_contain_text("Net change in area controlled per full month")
    expect(plots.nth(1)).to_contain_text("Share of each oblast held by Russian forces")
    expect(page.get_by_text("Sources and definitions")).to_be_visible()
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)


def test_overview_numbers_match_the_store(page: Page, app_url: str) -> None:
    """The DeepStateMap area on screen is the latest whole-territory figure of the shipped file."""
    shipped = pd.read_csv(next(p for p in bundled_files() if "deepstate" in p.name), keep_default_na=False)
    whole = shipped[(shipped["region"] == "") & (shipped["metric"] == "area_controlled_km2")]
    latest = whole.sort_values("date").iloc[-1]
    page.goto(app_url)
    area = page.get_by_test_id("stMetric").filter(has_text="Area controlled").first
    expect(area).to_contain_text(f"{latest['value']:,.0f} km²", timeout=60_000)
    expect(page.get_by_text(f"as of {latest['date']} · computed by this project").first).to_be_visible()


def test_chart_downloads_are_report_ready_files(page: Page, app_url: str, tmp_path: Path) -> None:
    """The PNG and CSV buttons under the Overview chart give a 2x image and the chart's figures."""
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(app_url)
    expect(page.locator(".js-plotly-plot")).to_have_count(2, timeout=60_000)
    with page.expect_download(timeout=60_000) as png:
        page.get_by_role("button", name="PNG", exact=True).first.click()
    image = tmp_path / png.value.suggested_filename
    png.value.save_as(image)
    data = image.read_bytes()
    assert image.name == "monthly-net-change-and-share.png"
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert int.from_bytes(data[16:20], "big") == 2200  # 1100 CSS px at scale 2

    with page.expect_download(timeout=60_000) as csv:
        page.get_by_role("button", name="Data (CSV)", exact=True).first.click()
    table = tmp_path / csv.value.suggested_filename
    csv.value.save_as(table)
    rows = pd.read_csv(table, keep_default_na=False)
    november = rows[(rows["metric"] == "net_change_km2") & (rows["period_start"] == "2025-11-01")]
    assert sorted(november["source"]) == ["DeepStateMap", "ISW (AFP analysis)"]
    assert november.set_index("source").loc["ISW (AFP analysis)", "value"] == 701
    assert november.set_index("source").loc["DeepStateMap", "value"] == pytest.approx(482.9, abs=0.1)
