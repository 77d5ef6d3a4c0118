"""The Report page in a real browser: build November 2025's report and download it as PDF and HTML."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from pypdf import PdfReader

pytestmark = pytest.mark.browser


def test_report_downloads_open(page: Page, app_url: str, tmp_path: Path) -> None:
    page.set_viewport_size({"width": 1400, "height": 1800})
    page.goto(f"{app_url}/report?report_from=2025-11-01&report_to=2025-11-30")
    page.get_by_role("button", name="Build the report").click(timeout=60_000)
    expect(page.get_by_role("button", name="Download PDF")).to_be_visible(timeout=90_000)
    page.screenshot(path=str(tmp_path / "report.png"))

    with page.expect_download(timeout=90_000) as pdf:
        page.get_by_role("button", name="Download PDF").click()
    path = tmp_path / pdf.value.suggested_filename
    pdf.value.save_as(path)
    assert path.name == "territorial-control-20251101-20251130.pdf"
    text = re.sub(r"\s+", " ", " ".join(p.extract_text() for p in PdfReader(path).pages))
    assert "DeepStateMap (occupied)" in text and "gained 701 km²" in text

    with page.expect_download(timeout=60_000) as html:
        page.get_by_role("button", name="Download HTML").click()
    page_html = Path(html.value.path()).read_text()
    assert "<script" not in page_html and "ISW (AFP analysis)" in page_html
