"""The Overview in a real browser: the table of the latest figures, the chart and the map render."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

from metrics.bundled import bundled_files
from tests.e2e.traffic import scroll_to_charts

pytestmark = pytest.mark.browser


def _series_caption(page: Page):  # type: ignore[no-untyped-def]
    """The caption under the Overview's table that names each series and its last full month (DOM text:
    the table itself is drawn on a canvas)."""
    return page.get_by_test_id("stCaptionContainer").filter(has_text="Last full month per series")


def test_overview_shows_the_table_chart_and_map(page: Page, app_url: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(app_url)
    table = page.locator(".st-key-overview_table table")
    expect(table).to_be_visible(timeout=60_000)
    expect(table.locator("tbody tr")).to_have_count(9)  # one row per series
    deepstate = table.locator("tbody tr").filter(has_text="occupied (monthly report)")
    expect(deepstate.locator("td").nth(3)).to_have_text("19.04\u00a0%")  # shares only: no area
    expect(deepstate.locator("td").nth(2)).to_have_text("–")
    sparks = table.locator("img")  # the sparklines: drawn from data: images, nothing fetched
    expect(sparks).to_have_count(8)
    assert sparks.first.evaluate("img => img.complete && img.naturalWidth") == 120
    caption = _series_caption(page)
    expect(caption).to_contain_text("ISW (AFP analysis) (assessed control+claimed): November 2025")
    expect(caption).to_contain_text("ISW (map layers) (assessed control+advances+claimed)")
    expect(caption).to_contain_text("The Economist")
    expect(page.get_by_text("The largest monthly gains and losses of the whole war")).to_be_visible()

    # the chart and the map are drawn by plotly in the page (no tiles or CDN involved)
    scroll_to_charts(page, 2)
    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(2, timeout=30_000)
    expect(plots.nth(0)).to_contain_text("ISW (map layers) (assessed control)")  # a trace per series
    # the map's title is page text over the map (the browser wraps it to the width it has)
    expect(page.get_by_text("Share of each oblast held by Russian forces")).to_be_visible()
    expect(page.get_by_text("Sources and definitions")).to_be_visible()
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)


def test_on_a_phone_the_table_scrolls_sideways_in_its_own_box(page: Page, app_url: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(app_url)
    table = page.locator(".st-key-overview_table table")
    expect(table).to_be_visible(timeout=60_000)
    box = table.locator("xpath=..")
    expect(box).to_have_css("overflow-x", "auto")
    wide, shown = box.evaluate("b => [b.scrollWidth, b.clientWidth]")
    assert wide > shown + 200, (wide, shown)  # nine columns do not fit 390 px
    box.evaluate("b => { b.scrollLeft = b.scrollWidth; }")
    last = table.locator("thead th").last
    expect(last).to_have_text("monthly, whole war")
    expect(last).to_be_in_viewport()  # scrolled to, the last column is on screen
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390  # the page itself does not scroll
    page.screenshot(path=str(tmp_path / "overview-table-390.png"))


def test_the_chart_and_map_are_drawn_when_scrolled_to(page: Page, app_url: str, tmp_path: Path) -> None:
    """Below the fold at 1400 x 900, the chart and the map wait for the reader: until scrolled to, the
    browser neither loads plotly's script nor draws them; then each is drawn in its box's place."""
    scripts: list[str] = []
    page.on("request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None)
    page.set_viewport_size({"width": 1400, "height": 900})
    page.goto(app_url)
    expect(page.locator(".st-key-overview_table table")).to_be_visible(timeout=60_000)
    boxes = page.locator(".in-view")
    expect(boxes).to_have_count(2, timeout=30_000)
    expect(boxes.first).to_have_text("The chart is drawn as you scroll to it.")
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)  # the run is over
    page.wait_for_timeout(1000)  # and nothing asks for the charts while the reader stays at the top
    assert page.locator(".js-plotly-plot").count() == 0
    assert page.get_by_role("button", name="PNG", exact=True).count() == 0  # the downloads come with them
    assert not [url for url in scripts if "PlotlyChart" in url], "plotly's script loaded for charts out of view"
    page.screenshot(path=str(tmp_path / "overview-top.png"))

    boxes.first.scroll_into_view_if_needed()
    plots = page.locator(".js-plotly-plot")
    expect(plots.first).to_contain_text("ISW (map layers) (assessed control)", timeout=60_000)
    expect(page.get_by_role("button", name="PNG", exact=True).first).to_be_visible()
    page.locator(".in-view").last.scroll_into_view_if_needed()
    expect(plots).to_have_count(2, timeout=60_000)
    expect(page.locator(".in-view")).to_have_count(0)
    # drawn once, they stay drawn on the next run (a change of range)
    page.get_by_test_id("stButtonGroup").get_by_text("last 12 months").click()
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=60_000)
    expect(plots).to_have_count(2)
    expect(page.locator(".in-view")).to_have_count(0)


def test_overview_names_the_latest_deepstatemap_day(page: Page, app_url: str) -> None:
    """The map's title carries the latest date of the shipped DeepStateMap file."""
    shipped = pd.read_csv(next(p for p in bundled_files() if p.name == "deepstatemap_occupied.csv.gz"),
                          keep_default_na=False)  # fmt: skip
    latest = shipped.loc[shipped["metric"] == "area_controlled_km2", "date"].max()
    page.goto(app_url)
    expect(page.get_by_text(f"Share of each oblast held by Russian forces, {latest}")).to_be_visible(timeout=60_000)


def test_chart_downloads_are_report_ready_files(page: Page, app_url: str, tmp_path: Path) -> None:
    """The PNG and CSV buttons under the Overview chart give a 2x image and the chart's figures."""
    page.set_viewport_size({"width": 1400, "height": 2200})
    page.goto(app_url)
    expect(page.locator(".st-key-overview_table table")).to_be_visible(timeout=60_000)
    scroll_to_charts(page, 2)
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
    values = {(r.source, r.definition): r.value for r in november.itertuples()}
    assert values[("ISW (AFP analysis)", "assessed control+claimed")] == 701
    assert values[("DeepStateMap", "occupied")] == pytest.approx(482.9, abs=0.1)
    assert values[("ISW (map layers)", "assessed control+advances+claimed")] == pytest.approx(697.6, abs=0.1)
