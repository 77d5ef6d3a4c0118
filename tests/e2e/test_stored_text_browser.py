"""Issue 14, hole 1, in a real browser: with a source named as a Markdown link, a definition that is a
Markdown image and an event labelled with an HTML link in the store, the Overview, Sources, Data and
Trends pages request nothing from evil.example and hold no link or image to it (HTML or the charts' SVG),
while the texts themselves are on the page."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import _serve
from tests.e2e.traffic import Traffic
from tests.hostile import hostile_store_url

pytestmark = pytest.mark.browser

_LINKS_AND_IMAGES = """() => [...document.querySelectorAll('a, img, image, iframe, source, link')]
    .map(e => [e.tagName, e.getAttribute('href') || e.getAttribute('xlink:href') || e.getAttribute('src') || ''])
    .filter(([, url]) => url.includes('evil.example'))"""


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("e2e-hostile")
    hostile_store_url(folder, bundled_sqlite)  # folder / territory.sqlite, the bundled data and the hostile texts
    with _serve(folder / "territory.sqlite", folder / "streamlit.log") as url:
        yield url


@pytest.mark.parametrize(("path", "ready"), [
    ("", "Sources and definitions"), ("sources", "Consistency checks"), ("data", "figures"), ("trends", "Trends"),
])  # fmt: skip
def test_no_request_link_or_image_to_uploaded_urls(
    page: Page, hostile_url: str, path: str, ready: str, tmp_path: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    traffic = Traffic(page)
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(f"{hostile_url}/{path}")
    expect(page.get_by_text(ready).first).to_be_visible(timeout=90_000)
    if path != "data":
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=60_000)
        # hover every event marker and series: plotly draws hover labels (with the texts) into the DOM
        for plot in page.locator(".js-plotly-plot").all()[:2]:
            box = plot.bounding_box()
            if box:
                for step in range(1, 10):
                    page.mouse.move(box["x"] + box["width"] * step / 10, box["y"] + box["height"] * 0.3)
    traffic.settle()  # late images and fonts
    body = page.locator("body").inner_text()
    assert "evil.example" in body, "the uploaded texts are not shown at all"
    assert page.evaluate(_LINKS_AND_IMAGES) == []
    assert [url for url in requests if "evil.example" in url] == []
    page.screenshot(path=str(tmp_path / f"stored-text-{path or 'overview'}.png"), full_page=True)


def test_the_overview_shows_the_names_literally(page: Page, hostile_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 2400})
    page.goto(hostile_url)
    expect(page.get_by_text("Sources and definitions").first).to_be_visible(timeout=90_000)
    text = page.evaluate("() => document.querySelector('[data-testid=stMainBlockContainer]').innerText")
    text = text.replace("\u2060", "")
    assert "[ISW (AFP analysis)](https://evil.example/p)" in text  # the source's name as text
    assert "![t](http://evil.example/pixel.png)" in text  # the definition as text, no image
    assert page.locator("a[href*='evil.example'], img[src*='evil.example']").count() == 0
    legend = page.locator(".js-plotly-plot .legend").first
    expect(legend).to_contain_text('<a href="https://evil.example/q">Q</a>', timeout=60_000)  # drawn late under load
