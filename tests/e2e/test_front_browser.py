"""The Front line page (/front) in a real browser: a shared link with the period and the cities opens
the charts, the sentence a reporter can quote, the table of settlements that changed hands and its
CSV download, at desktop and phone width, with no request beyond the app's own server."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import quote, urlsplit

import pandas as pd
import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_link_to_november_2025_shows_the_front_in_numbers(page: Page, app_url: str, tmp_path: Path) -> None:
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.set_viewport_size({"width": 1400, "height": 2400})
    city = quote("Kramatorsk (Donetsk Oblast)")
    page.goto(f"{app_url}/front?front_from=2025-11-01&front_to=2025-11-30&front_cities={city}")
    expect(page.get_by_role("heading", name="Front line")).to_be_visible(timeout=60_000)
    sentence = page.get_by_text("In November 2025, per DeepStateMap")
    expect(sentence).to_contain_text("took 8 settlements of 500+ people", timeout=60_000)
    expect(sentence).to_contain_text("Pokrovsk")

    plots = page.locator(".js-plotly-plot")
    expect(plots).to_have_count(4, timeout=60_000)  # length, settlements held, per month, distance
    expect(plots.nth(3)).to_contain_text("Kramatorsk")
    expect(page.get_by_test_id("stDataFrame")).to_have_count(2)  # the closest approach, the changes

    with page.expect_download() as download:
        page.get_by_test_id("stDownloadButton").filter(has_text="Table (CSV)").click()
    table = pd.read_csv(io.BytesIO(Path(download.value.path()).read_bytes()), keep_default_na=False)
    taken = table[(table["source"] == "DeepStateMap") & (table["change"] == "taken")]
    assert "Pokrovsk" in set(taken["name"]) and len(taken) == 8
    page.screenshot(path=str(tmp_path / "front-1400.png"), full_page=True)

    page.set_viewport_size({"width": 390, "height": 2400})
    expect(plots.first).to_be_visible()
    page.screenshot(path=str(tmp_path / "front-390.png"), full_page=True)
    assert hosts <= {urlsplit(app_url).netloc}, hosts
