"""The download row under every chart and map: PNG, SVG, PDF, interactive HTML and the data as CSV.

Images are made only when a button is clicked (``data`` callables), by the one warm export server of
``metrics.images`` shared by every session. Without a browser the image buttons are disabled and
say how to get one; HTML and CSV still work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from metrics import images

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["chart_downloads"]

_WARM_AFTER_S = 5.0


@st.cache_resource(show_spinner=False)
def _warm_exports() -> bool:
    """Start the export server in the background once per process, so the first click is quick; a few
    seconds late, so that starting Chromium does not slow down the first page view."""
    import threading

    if images.chromium_path() is None:
        return False
    timer = threading.Timer(_WARM_AFTER_S, images.warm)
    timer.daemon = True
    timer.start()
    return True


def chart_downloads(fig: go.Figure, data: object | None, *, name: str, key: str) -> None:
    """Download buttons for ``fig`` (named ``name``.png etc.) and the ``data`` (a DataFrame) behind it."""
    have_browser = _warm_exports()
    buttons: list[tuple[str, Callable[[], bytes], str]] = [
        (fmt, (lambda fmt=fmt: images.image_bytes(fig, fmt)), fmt.upper()) for fmt in images.IMAGE_FORMATS
    ]
    buttons.append(("html", lambda: images.html_bytes(fig, title=name), "HTML"))
    if data is not None:
        buttons.append(("csv", lambda: images.chart_csv(data), "Data (CSV)"))
    columns = st.columns(len(buttons), gap="small", width=110 * len(buttons))
    for column, (fmt, make, label) in zip(columns, buttons, strict=True):
        image = fmt in images.IMAGE_FORMATS
        column.download_button(
            label,
            data=make,
            file_name=f"{name}.{fmt}",
            mime=images.MIME_TYPES[fmt],
            key=f"{key}_{fmt}",
            on_click="ignore",
            disabled=image and not have_browser,
            help=images.BROWSER_HINT if image and not have_browser else f"Download as {label}",
            width="stretch",
        )
