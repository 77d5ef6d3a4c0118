"""Waiting for a page in Chromium to come to rest, instead of a fixed pause: no request in flight or
started for a while, fonts and images loaded, and the charts' layout unchanged."""

from __future__ import annotations

import contextlib
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page, Request

__all__ = ["Traffic", "scroll_to_charts"]

# The page's layout as a string: the charts' boxes and the main block's height (equal over polls: at rest).
_LAYOUT = """
() => [...document.querySelectorAll('.js-plotly-plot svg.main-svg, .js-plotly-plot .infolayer')]
  .map(e => { const r = e.getBoundingClientRect(); return `${r.left},${r.top},${r.width},${r.height}`; })
  .join(';') + '|' + (document.querySelector('[data-testid=stMain]') || document.body).scrollHeight
  + '|' + (document.fonts.status === 'loaded' && [...document.images].every(i => i.complete))
"""


class Traffic:
    """The page's requests in flight and the time of the last one that started or ended."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.open: set[Request] = set()
        self.last = time.monotonic()
        page.on("request", self._started)
        page.on("requestfinished", self._ended)
        page.on("requestfailed", self._ended)

    def _started(self, request: Request) -> None:
        self.open.add(request)
        self.last = time.monotonic()

    def _ended(self, request: Request) -> None:
        self.open.discard(request)
        self.last = time.monotonic()

    def settle(self, quiet_s: float = 1.5, steady_s: float = 0.5, timeout_s: float = 60.0) -> None:
        """Wait (instead of a fixed pause) until no request has started or ended for ``quiet_s`` (the old
        fixed pause), fonts and images are loaded, and the charts' layout has stayed the same for
        ``steady_s`` (plotly redraws a chart some 100 ms after a resize)."""
        deadline = time.monotonic() + timeout_s
        layout, since = None, time.monotonic()
        while True:
            now = self.page.evaluate(_LAYOUT)
            if now != layout or not now.endswith("|true"):
                layout, since = now, time.monotonic()
            at = time.monotonic()
            if not self.open and at - self.last >= quiet_s and at - since >= steady_s:
                return
            assert at < deadline, f"the page did not come to rest: {len(self.open)} requests open"
            self.page.wait_for_timeout(100)


def scroll_to_charts(page: Page, charts: int, timeout_s: float = 60.0) -> None:
    """Scroll to each chart that is drawn only when scrolled to (``pages.in_view``: a box until then),
    one after the other, until the page shows ``charts`` plotly charts."""
    deadline = time.monotonic() + timeout_s
    boxes, plots = page.locator(".in-view"), page.locator(".js-plotly-plot")
    while plots.count() < charts:
        assert time.monotonic() < deadline, f"{plots.count()} of {charts} charts drawn, {boxes.count()} boxes left"
        if boxes.count():
            with contextlib.suppress(PlaywrightError):  # the box was replaced by its chart meanwhile
                boxes.first.scroll_into_view_if_needed(timeout=5_000)
        page.wait_for_timeout(200)
