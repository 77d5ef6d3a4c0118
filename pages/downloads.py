"""The download row under every chart and map: PNG, SVG, PDF, interactive HTML and the data as CSV.

Images are made only when a button is clicked (``data`` callables), by the one export server of
``metrics.images`` shared by every session (started on the first export, stopped when idle). Without
a browser the image buttons are disabled and say how to get one; HTML and CSV still work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import streamlit as st

from metrics import images

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["chart_downloads"]


@st.cache_resource(show_spinner=False)
def _have_browser() -> bool:
    """Whether image exports can work. The export browser itself starts on the first export and stops
    when idle (``metrics.images``): an instance nobody exports from holds no browser."""
    return images.chromium_path() is not None


def chart_downloads(fig: go.Figure, data: object | None, *, name: str, key: str) -> None:
    """Download buttons for ``fig`` (named ``name``.png etc.) and the ``data`` (a DataFrame) behind it;
    ``data`` may be a function that returns it, called only when the CSV is asked for."""
    have_browser = _have_browser()
    buttons: list[tuple[str, Callable[[], bytes], str]] = [
        (fmt, (lambda fmt=fmt: images.image_bytes(fig, fmt)), fmt.upper()) for fmt in images.IMAGE_FORMATS
    ]
    buttons.append(("html", lambda: images.html_bytes(fig, title=name), "HTML"))
    if data is not None:
        buttons.append(("csv", lambda: images.chart_csv(data() if callable(data) else data), "Data (CSV)"))
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
