"""Issue 14, hole 1: the HTML report shows uploaded text as text: no link or image to evil.example in
the page, nor in the charts' SVG drawn into it."""

from __future__ import annotations

import base64
import html
import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from metrics.images import chromium_path
from metrics.report import build_report, report_html
from metrics.store import get_engine
from tests.hostile import hostile_store_url


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> str:
    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium: the report's charts cannot be drawn under CI")
        pytest.skip("no Chromium or Chrome")
    engine = get_engine(hostile_store_url(tmp_path_factory.mktemp("hostile_report"), bundled_sqlite))
    return report_html(build_report(engine, "2025-11-01", "2025-11-30"))


def test_the_report_holds_no_link_or_image_to_uploaded_urls(page: str) -> None:
    assert "evil.example" in page  # the uploaded texts are in the report, as text
    assert not re.search(r"<a\b[^>]*evil\.example", page)
    assert not re.search(r"<img\b[^>]*evil\.example", page)
    assert "[ISW (AFP analysis)](https://evil.example/p)" in page
    assert "![t](http://evil.example/pixel.png)" in page


def test_the_reports_charts_draw_the_names_as_text(page: str) -> None:
    svgs = [
        base64.b64decode(data).decode() for data in re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", page)
    ]
    assert svgs
    drawn = "\n".join(svgs)
    assert not re.search(r"<a\b[^>]*evil\.example", drawn)
    assert not re.search(r"<image\b[^>]*evil\.example", drawn)
    assert "[ISW (AFP analysis)](https://evil.example/p)" in drawn  # in the legend and the source line
    # an HTML source name is drawn as its text, whole (the SVG writes its characters as entities)
    shown = [html.unescape(t) for t in re.findall(r">([^<>]+)<", drawn)]
    joined = re.sub(r"\s+", " ", " ".join(shown))
    # the legend (an entry this long wraps over lines, at spaces: no entity is cut)
    assert '<a href="https://evil.example/q">Q</a> (<b>bold</b> &amp; %{y} $t$)' in joined
    assert 'Source: <a href="https://evil.example/q">Q</a>' in joined  # the source line, no entity cut
