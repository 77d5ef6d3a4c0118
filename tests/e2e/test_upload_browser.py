"""Upload in a real browser: a CSV goes in on /upload, the report and preview show, the batch is
stored and its figure appears on the Overview; retracted, it is gone again."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CSV = (
    "date,period,metric,value,unit,source,definition,notes\n"
    "2025-12-31,2025-12,net_change_km2,321,km2,Browser Desk,assessed control,browser test\n"
    "2025-12-31,,share_controlled_pct,19.45,percent,Browser Desk,assessed control,browser test\n"
)
BAD = "date,metric,value,source\n2025-12-31,share_controlled_pct,120,Browser Desk\n"


def _open_upload(page: Page, url: str) -> None:
    page.goto(f"{url}/upload")
    expect(page.get_by_role("heading", name="Upload figures")).to_be_visible(timeout=60_000)


def _choose_file(page: Page, path: Path) -> None:
    uploader = page.get_by_role("region", name="CSV file of figures")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))


def test_upload_commit_see_it_on_the_overview_then_retract(page: Page, own_app_url: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 2400})
    bad, good = tmp_path / "bad.csv", tmp_path / "browser-desk.csv"
    bad.write_text(BAD)
    good.write_text(CSV)

    # a bad file: the report names the line and column, and there is nothing to commit
    _open_upload(page, own_app_url)
    _choose_file(page, bad)
    expect(page.get_by_text("nothing was stored")).to_be_visible(timeout=30_000)
    report = page.get_by_test_id("stDataFrame").first
    expect(report).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(r"^Store \d"))).to_have_count(0)
    page.screenshot(path=str(tmp_path / "upload-report.png"), full_page=True)

    # a good file: the preview counts two new figures; commit stores them as one batch
    _choose_file(page, good)
    new = page.get_by_test_id("stMetric").filter(has_text="New figures")
    expect(new).to_contain_text("2", timeout=30_000)
    page.screenshot(path=str(tmp_path / "upload-preview.png"), full_page=True)
    page.get_by_role("button", name="Store 2 figures as a new batch").click()
    expect(page.get_by_text("browser-desk.csv").first).to_be_visible(timeout=30_000)
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text("batch", timeout=30_000)

    # the Overview shows the new source with its figure, beside the shipped ones. Its first run after the
    # new batch computes everything again: wait for the caption itself (the upload page's table may still
    # stand while the Overview runs, and was all the old wait saw under load)
    page.get_by_role("link", name="Overview").first.click()
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Last full month per series")
    expect(caption).to_contain_text("Browser Desk (assessed control): December 2025", timeout=60_000)
    expect(page.locator(".st-key-overview_table table")).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Remove Browser Desk")).to_be_visible()

    # retract the batch on /upload: the Overview no longer shows it
    _open_upload(page, own_app_url)
    page.get_by_test_id("stSelectbox").filter(has_text="Batch").click()
    page.get_by_role("option", name="browser-desk.csv").click()
    page.get_by_role("button", name="Retract").click()
    expect(page.get_by_text("retracted; what it superseded is back")).to_be_visible(timeout=30_000)
    page.goto(own_app_url)
    expect(page.locator(".st-key-overview_table table")).to_be_visible(timeout=60_000)
    expect(page.get_by_test_id("stSidebar").get_by_role("button", name="Remove Browser Desk")).to_have_count(0)
    expect(page.get_by_text("Browser Desk")).to_have_count(0)
