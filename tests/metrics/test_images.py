"""Chart and map exports: the files open, show what they should, and never mix up callers."""

from __future__ import annotations

import io
import os
import re
import struct
import subprocess
import sys
import xml.etree.ElementTree as ET
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import plotly.graph_objects as go
import pytest
from pypdf import PdfReader

from metrics.chart_layout import fit_to_width
from metrics.charts import house_layout
from metrics.images import EXPORT_WIDTH, chart_csv, chromium_path, html_bytes, image_bytes


@pytest.fixture(scope="module", autouse=True)
def _browser() -> None:
    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium: image exports cannot be tested under CI")
        pytest.skip("no Chromium or Chrome (image exports need one)")


def _figure(title: str = "Net change per month") -> go.Figure:
    fig = go.Figure(go.Bar(x=["2025-10", "2025-11"], y=[420.5, 482.9], name="DeepStateMap (occupied)"))
    return house_layout(
        fig, title=title, subtitle="Russian forces. Definition: occupied",
        source="Source: DeepStateMap (occupied), as of 2025-11-30", height=480,
    )  # fmt: skip


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_png_is_twice_the_css_size() -> None:
    height = fit_to_width(_figure(), EXPORT_WIDTH).layout.height  # laid out for the image's width
    assert abs(height - 480) < 10
    assert _png_size(image_bytes(_figure(), "png")) == (2 * EXPORT_WIDTH, 2 * height)


def test_svg_parses_and_carries_title_definition_and_source_line() -> None:
    svg = image_bytes(_figure(), "svg").decode()
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    text = " ".join(t.strip() for t in root.itertext())
    for words in ("Net change per month", "Definition: occupied", "Source: DeepStateMap (occupied), as of 2025-11-30"):
        assert words in text


def test_pdf_is_one_page_with_the_texts() -> None:
    reader = PdfReader(io.BytesIO(image_bytes(_figure(), "pdf")))
    assert len(reader.pages) == 1
    text = reader.pages[0].extract_text()
    assert "Net change per month" in text
    assert "as of 2025-11-30" in text


def test_html_is_self_contained() -> None:
    page = html_bytes(_figure(), title="Net change <per month>").decode()
    assert "<title>Net change &lt;per month&gt;</title>" in page
    assert not re.findall(r"<script[^>]*\bsrc=", page)  # every script inline
    assert not re.findall(r"<link[^>]*\bhref=", page)  # no stylesheet or font to fetch
    assert not re.findall(r"@import", page)
    assert "Plotly.newPlot" in page and len(page) > 3_000_000  # plotly.js inlined
    assert "Source: DeepStateMap (occupied), as of 2025-11-30" in page


def test_csv_is_the_data_with_formulas_neutralised() -> None:
    data = pd.DataFrame({"month": ["2025-10", "2025-11"], "value": [420.5, -12.0], "note": ["=1+1", "ok"]})
    back = pd.read_csv(io.BytesIO(chart_csv(data)))
    assert back["value"].tolist() == [420.5, -12.0]
    assert back["note"].tolist() == ["'=1+1", "ok"]


def test_concurrent_callers_each_get_their_own_image() -> None:
    titles = [f"Chart number {i:02d}" for i in range(12)]  # none is part of another

    def make(title: str) -> str:
        return image_bytes(_figure(title), "svg").decode()

    with ThreadPoolExecutor(max_workers=4) as pool:
        images = list(pool.map(make, titles))
    for title, svg in zip(titles, images, strict=True):
        assert title in svg
        assert [t for t in titles if t in svg] == [title]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="png, svg, pdf"):
        image_bytes(_figure(), "gif")


def test_without_a_browser_the_error_says_how_to_get_one() -> None:
    code = (
        "from metrics.images import image_bytes, NoBrowserError\n"
        "import plotly.graph_objects as go\n"
        "try:\n    image_bytes(go.Figure(), 'png')\nexcept NoBrowserError as e:\n    print('NOBROWSER', e)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "BROWSER_PATH"} | {"PATH": "/nonexistent"}
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert "NOBROWSER" in result.stdout, result.stderr
    assert "apt-get install chromium" in result.stdout
    assert "HTML and CSV downloads work without it" in result.stdout
