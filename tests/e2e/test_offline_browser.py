"""Every page of the app in Chromium, at a desktop's and a phone's width: no request leaves the app's
own host (no tiles, fonts, glyphs, icons or scripts from elsewhere), and no chart text is cut at the
chart's edges. Screenshots of each page go to TERRITORY_SHOTS_DIR (default: the test's temporary
folder) to be looked at."""

from __future__ import annotations

import os
import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Page, Request, expect

from tests.e2e.traffic import Traffic

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
WIDTHS = {"desktop": 1400, "phone": 390}


def _pages() -> list[str]:
    """The url paths of app.py's st.Page entries (the default page is "/")."""
    text = (ROOT / "app.py").read_text()
    entries = re.findall(r"st\.Page\(([^)]*)\)", text)
    paths = []
    for entry in entries:
        url = re.search(r'url_path="([^"]*)"', entry)
        paths.append("/" + url.group(1) if url else "/")
    return paths


PAGES = _pages()

# Each chart's texts (titles, legend, annotations such as the source line, axis titles) that reach
# past the chart's own box, in CSS pixels (1 px of rounding allowed), and a legend over the source line.
_CLIPPED_TEXTS = """
() => {
  const out = [];
  for (const plot of document.querySelectorAll('.js-plotly-plot')) {
    const box = plot.querySelector('svg.main-svg').getBoundingClientRect();
    for (const text of plot.querySelectorAll('.infolayer text, .annotation text, .g-gtitle text')) {
      const r = text.getBoundingClientRect();
      if (!r.width) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        out.push(`${text.textContent.slice(0, 60)} [${Math.round(r.left - box.left)}..${Math.round(r.right - box.left)}`
                 + ` of ${Math.round(box.width)}, top ${Math.round(r.top - box.top)}]`);
      }
    }
    const legend = plot.querySelector('.legend'), legendBox = legend && legend.getBoundingClientRect();
    for (const text of plot.querySelectorAll('.annotation text')) {
      const r = text.getBoundingClientRect();
      if (legendBox && legendBox.height && text.textContent.startsWith('Source:') && r.top < legendBox.bottom - 1
          && r.bottom > legendBox.top + 1 && r.left < legendBox.right && r.right > legendBox.left) {
        out.push(`the legend covers the source line [legend ${Math.round(legendBox.top - box.top)}..`
                 + `${Math.round(legendBox.bottom - box.top)}, source from ${Math.round(r.top - box.top)}]`);
      }
    }
  }
  return out;
}
"""


def test_app_py_has_nine_pages() -> None:
    assert len(PAGES) == 9, PAGES
    assert PAGES[0] == "/" and len(set(PAGES)) == 9


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("path", PAGES)
def test_a_page_asks_nothing_of_another_host_and_cuts_no_chart_text(
    page: Page, app_url: str, path: str, width: str, tmp_path: Path
) -> None:
    own = urlsplit(app_url).netloc
    requests: list[Request] = []
    page.on("request", lambda request: requests.append(request))
    traffic = Traffic(page)
    page.set_viewport_size({"width": WIDTHS[width], "height": 1600})
    page.goto(app_url + path)
    main = page.get_by_test_id("stMain")
    expect(main).to_be_visible(timeout=90_000)
    expect(page.get_by_test_id("stHeading").first).to_be_visible(timeout=90_000)  # the page ran
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=120_000)  # and finished
    plots = page.locator(".js-plotly-plot")
    for i in range(plots.count()):
        expect(plots.nth(i).locator("svg.main-svg").first).to_be_attached(timeout=30_000)
    traffic.settle()  # late fonts, images and icons
    # the app scrolls inside its main block: a window as tall as the page shows all of it at once
    tall = page.evaluate("document.querySelector('[data-testid=stMain]').scrollHeight")
    page.set_viewport_size({"width": WIDTHS[width], "height": min(max(tall + 40, 800), 16_000)})
    # every chart drawn only when scrolled to (pages.in_view) is now on screen, so it is drawn
    expect(page.locator(".in-view")).to_have_count(0, timeout=60_000)
    traffic.settle()  # the charts follow the new size
    shots = Path(os.environ.get("TERRITORY_SHOTS_DIR", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    name = (path.strip("/") or "overview") + f"-{WIDTHS[width]}.png"
    page.screenshot(path=str(shots / name), full_page=True)

    foreign = sorted({r.url for r in requests if urlsplit(r.url).netloc not in ("", own)
                      and not r.url.startswith(("data:", "blob:"))})  # fmt: skip
    assert not foreign, f"{path} asked another host for: {foreign}"
    # fonts and icon fonts (Streamlit's own Material Symbols) come from the app, and arrive
    fonts = [r for r in requests if r.resource_type == "font"]
    assert all(urlsplit(r.url).netloc == own for r in fonts), [r.url for r in fonts]
    assert not [r.url for r in fonts if r.failure], "a font did not load"
    clipped = page.evaluate(_CLIPPED_TEXTS)
    assert not clipped, f"{path} at {WIDTHS[width]} px: chart texts cut at the chart's edge: {clipped}"


@pytest.mark.parametrize("width", [360, 1100])
def test_exported_images_carry_the_whole_title_within_the_image(page: Page, width: int) -> None:
    """The SVG of each kind of chart, drawn at ``width`` (the downloads draw at 1100 px): title,
    subtitle, legend and source line lie inside the image, measured in Chromium."""
    from metrics.chart_layout import fit_to_width
    from metrics.images import image_bytes
    from tests.metrics.test_chart_layout import _figures

    for name, fig in _figures().items():
        svg = image_bytes(fig, "svg", width=width).decode()
        page.set_content(f"<html><body style='margin:0'>{svg}</body></html>")
        outside = page.evaluate(
            """() => {
              const svg = document.querySelector('svg'), box = svg.getBoundingClientRect(), out = [];
              for (const t of svg.querySelectorAll('.infolayer text, .g-gtitle text, .annotation text')) {
                const r = t.getBoundingClientRect();
                if (r.width && (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1
                                || r.bottom > box.bottom + 1)) out.push(t.textContent.slice(0, 50));
              }
              const bottom = Math.max(...[...svg.querySelectorAll('.g-gtitle text')].map(
                t => t.getBoundingClientRect().bottom - box.top));
              return [out, svg.querySelector('.g-gtitle text').textContent, bottom];
            }"""
        )
        clipped, title, bottom = outside
        top = fit_to_width(fig, width).layout.margin.t
        assert bottom <= top, f"{name} at {width} px: the title and subtitle reach {bottom:.0f} px, the plot {top} px"
        assert title, f"{name}: the image has no title"
        assert not clipped, f"{name} at {width} px: texts outside the image: {clipped}"
