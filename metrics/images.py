"""Charts and maps out of the dashboard, ready for a report: PNG (2x), SVG, PDF and a self-contained
interactive HTML, plus the data behind a chart as CSV.

Images are made by kaleido driving a local Chromium: one export server per process, shared by every
user and serialised by a lock (the server is one queue; without the lock concurrent callers get each
other's images). It starts on the first export and stops after ``TERRITORY_EXPORT_IDLE_S`` (120)
seconds without one, so an idle instance does not hold a browser (about 1 GB). Titles, subtitles
(definitions) and source lines with their as-of dates are part of the figures themselves
(``metrics.charts.house_layout``), so they are on every image, the title and subtitle wrapped to the
image's width (``metrics.chart_layout.fit_to_width``). Nothing is fetched from the internet:
MathJax is off and the HTML inlines plotly.js.
"""

from __future__ import annotations

import os
import shutil
import threading
import warnings
from typing import TYPE_CHECKING

import pandas as pd

from metrics.chart_layout import PHONE_WIDTH_PX, fit_to_width
from metrics.text import write_csv

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = [
    "BROWSER_HINT",
    "EXPORT_WIDTH",
    "IMAGE_FORMATS",
    "MIME_TYPES",
    "NoBrowserError",
    "chart_csv",
    "chromium_path",
    "html_bytes",
    "image_bytes",
    "running",
    "warm",
]

IMAGE_FORMATS = ("png", "svg", "pdf")
MIME_TYPES = {
    "png": "image/png", "svg": "image/svg+xml", "pdf": "application/pdf", "html": "text/html", "csv": "text/csv",
}  # fmt: skip
#: Width of exported images in CSS pixels (PNG at scale 2 is twice as wide).
EXPORT_WIDTH = 1100
BROWSER_HINT = (
    "Image downloads need Chromium or Google Chrome on the server: `make run` installs Debian's chromium "
    "where it can (root with apt-get); elsewhere install it (Debian/Ubuntu: `sudo apt-get install chromium`, "
    "macOS: `brew install --cask chromium`) or point BROWSER_PATH at a Chrome binary. HTML and CSV downloads "
    "work without it."
)
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")
_LOCK = threading.Lock()
_started = False
_idle_timer: threading.Timer | None = None
_generation = 0


class NoBrowserError(RuntimeError):
    """No Chromium or Chrome to draw images with; the message says how to get one."""


def chromium_path() -> str | None:
    """The browser kaleido will use: ``BROWSER_PATH``, else the first Chromium/Chrome on PATH."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit and os.path.exists(explicit):
        return explicit
    for name in _BROWSERS:
        if path := shutil.which(name):
            return path
    return None


def _ensure_server() -> None:
    """Start kaleido's warm export server once per process (called with the lock held)."""
    global _started
    if _started:
        return
    browser = chromium_path()
    if browser is None:
        raise NoBrowserError(BROWSER_HINT)
    os.environ.setdefault("BROWSER_PATH", browser)
    import kaleido

    kaleido.start_sync_server(mathjax=False, silence_warnings=True)
    _started = True


def _idle_seconds() -> float:
    try:
        return max(1.0, float(os.environ.get("TERRITORY_EXPORT_IDLE_S", "120")))
    except ValueError:
        return 120.0


def _stop_if_idle(generation: int) -> None:
    """Stop the export server and its browser, unless an image was made since this countdown began."""
    global _started
    with _LOCK:
        if _started and generation == _generation:
            import kaleido

            kaleido.stop_sync_server(silence_warnings=True)
            _started = False


def _arm_idle_stop() -> None:
    """(Re)start the countdown to stopping the export server (called with the lock held)."""
    global _idle_timer, _generation
    if _idle_timer is not None:
        _idle_timer.cancel()
    _generation += 1
    _idle_timer = threading.Timer(_idle_seconds(), _stop_if_idle, args=(_generation,))
    _idle_timer.daemon = True
    _idle_timer.start()


def running() -> bool:
    """Whether the export server (and its browser) is up."""
    return _started


def warm() -> None:
    """Start the export server and its browser now, by drawing a blank image (the first image
    otherwise waits about a second and a half for them)."""
    import plotly.graph_objects as go

    image_bytes(go.Figure(), "png", scale=1, width=100)


def image_bytes(fig: go.Figure, fmt: str, *, scale: float = 2.0, width: int = EXPORT_WIDTH) -> bytes:
    """The figure as PNG, SVG or PDF bytes, drawn at ``width`` CSS pixels (PNG at ``scale``).

    Raises ``NoBrowserError`` when no Chromium or Chrome can be found.
    """
    if fmt not in IMAGE_FORMATS:
        raise ValueError(f"unknown image format {fmt!r}: use one of {', '.join(IMAGE_FORMATS)}")
    import plotly.io as pio

    fig = fit_to_width(fig, width)  # the title and subtitle wrapped to the image's width, never clipped
    height = fig.layout.height or 500
    with _LOCK:
        _ensure_server()
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="The kopts argument is ignored")
            try:
                return pio.to_image(fig, format=fmt, width=width, height=height, scale=scale if fmt == "png" else 1)
            finally:
                _arm_idle_stop()


def html_bytes(fig: go.Figure, *, title: str | None = None) -> bytes:
    """A self-contained interactive HTML page of the figure: plotly.js inlined, no external script,
    stylesheet or font, so it opens offline."""
    import plotly.io as pio

    page = pio.to_html(
        fit_to_width(fig, PHONE_WIDTH_PX),  # responsive: wrapped for a phone, so no width cuts it
        include_plotlyjs=True,
        include_mathjax=False,
        full_html=True,
        config={"displaylogo": False, "responsive": True},
        default_width="100%",
        default_height=f"{fig.layout.height or 500}px",
    )
    if title:
        page = page.replace("<head>", f"<head><title>{_escape(title)}</title>", 1)
    return page.encode()


def chart_csv(data: pd.DataFrame) -> bytes:
    """The data behind a chart as CSV (``metrics.text.write_csv``: text cells a spreadsheet would run as a
    formula, ``= + - @`` and the like, get a leading apostrophe)."""
    return write_csv(data)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
