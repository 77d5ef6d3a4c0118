"""A house-style chart on a page: its title and subtitle as page text, which the browser wraps to the
width it has (a 1400 px screen or a 390 px phone; plotly would cut a long title at the chart's edge),
and the chart below them with its plot, legend and source line. The download row
(``pages.downloads.chart_downloads``) exports the whole figure, title included."""

from __future__ import annotations

import threading
import weakref
from typing import TYPE_CHECKING

import streamlit as st

from metrics.chart_layout import page_texts, without_title
from metrics.display import markdown_text as md
from pages.in_view import in_view

if TYPE_CHECKING:
    import plotly.graph_objects as go

__all__ = ["PLOTLY_CONFIG", "adopt_copy", "page_copy", "show_chart"]

#: The chart's own toolbar without its camera button: it would save the chart without the title
#: (shown on the page); the download row's PNG, SVG and PDF carry title, source line and date.
PLOTLY_CONFIG = {"displaylogo": False, "modeBarButtonsToRemove": ["toImage"]}

#: What stands in a chart's place until the reader scrolls near it (``show_chart(when_in_view=True)``).
_DEFERRED = "The chart is drawn as you scroll to it."


#: The page copy of each figure, made once per figure object: the pages' figures are shared by every
#: session and run (``st.cache_resource``), and a copy costs about 0.1 s of server time. Keyed by the
#: figure's id, with a weak reference that tells a live figure from a new one at a reused id.
_PAGE_COPIES: dict[int, tuple[weakref.ref, go.Figure]] = {}
_LOCK = threading.Lock()


def page_copy(fig: go.Figure) -> go.Figure:
    """The figure as the page draws it (``without_title``), made once per figure object. Made under a
    lock: plotly objects are not safe to read from two threads at once (reading a property creates
    its object), and the warm-up thread and a first visitor's run may ask for the same figure."""
    with _LOCK:
        known = _PAGE_COPIES.get(id(fig))
        if known is not None and known[0]() is fig:
            return known[1]
        copy = without_title(fig)
        for key in [k for k, (ref, _copy) in _PAGE_COPIES.items() if ref() is None]:
            del _PAGE_COPIES[key]  # figures that are gone
        _PAGE_COPIES[id(fig)] = (weakref.ref(fig), copy)
        return copy


def adopt_copy(fig: go.Figure, copy: go.Figure) -> None:
    """Take ``copy`` as ``fig``'s page copy (made by an earlier start of the server: ``pages.kept``)."""
    with _LOCK:
        _PAGE_COPIES[id(fig)] = (weakref.ref(fig), copy)


def show_chart(fig: go.Figure, *, key: str, when_in_view: bool = False) -> bool:
    """``fig``'s title (bold) and subtitle (a caption) as page text, then the figure without them;
    ``when_in_view``: the figure only once the reader scrolls near it (``pages.in_view``), a box of
    its height until then. Whether the figure was drawn."""
    title, subtitle = page_texts(fig)
    if title:
        st.markdown(f"**{md(title)}**")
    if subtitle:
        st.caption(md(subtitle))
    copy = page_copy(fig)
    if when_in_view and not in_view(key, height=int(copy.layout.height or 450), label=_DEFERRED):
        return False
    st.plotly_chart(copy, key=key, theme=None, config=PLOTLY_CONFIG)
    return True
