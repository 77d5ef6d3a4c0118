"""Chart pages embedded by a newsroom (``?embed=true``, Streamlit's embed mode: no sidebar, no
toolbar; the sidebar folded away): the chart shows with its source line, and nothing is fetched from
another host."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("path", ["/?embed=true", "/trends?embed=true", "/map?embed=true"])
def test_an_embedded_chart_page_shows_the_chart_and_its_source_line(
    page: Page, app_url: str, path: str, tmp_path: Path
) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.set_viewport_size({"width": 900, "height": 1400})
    page.goto(app_url + path)
    chart = page.locator(".js-plotly-plot").first
    expect(chart).to_be_visible(timeout=90_000)
    expect(chart.locator("text", has_text="Source:").first).to_be_attached(timeout=30_000)
    expect(page.get_by_test_id("stSidebar")).to_have_attribute("data-collapsed", "true")  # folded away
    page.screenshot(path=str(tmp_path / "embed.png"), full_page=True)
    assert hosts <= {urlsplit(app_url).netloc, ""}, hosts  # "": the map's blob: workers, data: images of the page
