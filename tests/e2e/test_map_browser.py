"""The Map page in a real browser: move the date slider, switch on the comparison, see the legend."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_slider_and_comparison(page: Page, app_url: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(f"{app_url}/map")
    plot = page.locator(".js-plotly-plot").first
    # the latest day; the month-ends before it are 2026-09-03, 2026-08-27 (the late raw files) and 2026-07-31
    expect(plot).to_contain_text("Share of each oblast held by Russian forces, 2026-10-09", timeout=60_000)

    thumb = page.get_by_role("slider").first
    thumb.focus()
    thumb.press("ArrowLeft")  # one step back: the last month-end
    expect(plot).to_contain_text("Share of each oblast held by Russian forces, 2026-09-03", timeout=10_000)
    expect(page).to_have_url(re.compile(r"[?&]map_date=2026-09-03"))  # the slider's key is the URL's name

    # Play from 2026-09-03 steps to the last date, 2026-10-09, and stops there
    page.get_by_role("button", name="Play").click()
    expect(plot).to_contain_text("Share of each oblast held by Russian forces, 2026-10-09", timeout=15_000)
    expect(page.get_by_role("button", name="Play")).to_be_visible(timeout=15_000)
    thumb.focus()
    thumb.press("ArrowLeft")
    expect(plot).to_contain_text("2026-09-03", timeout=10_000)

    page.get_by_text("Compare two dates", exact=True).click()
    legend = page.locator(".js-plotly-plot .legend").first
    expect(legend).to_contain_text(re.compile(r"net gain: \+[\d,.]+ km²"), timeout=30_000)
    expect(legend).to_contain_text(re.compile(r"net loss: −[\d,.]+ km²"))
    expect(plot).to_contain_text("Change of the area held per oblast")
    page.screenshot(path=str(tmp_path / "map.png"))


def test_a_link_from_before_the_keys_had_the_page_name_opens_its_date(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(f"{app_url}/map?date=2025-11-30")
    plot = page.locator(".js-plotly-plot").first
    expect(plot).to_contain_text("Share of each oblast held by Russian forces, 2025-11-30", timeout=60_000)
    expect(page).not_to_have_url(re.compile(r"[?&]date="))
    expect(page).to_have_url(re.compile(r"[?&]map_date=2025-11-30"), timeout=10_000)  # the link, as it is now
