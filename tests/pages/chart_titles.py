"""The titles of a page's charts as the page shows them: as text above each chart (``pages.chart_view``)."""

from __future__ import annotations

import json

import plotly.graph_objects as go
from streamlit.testing.v1 import AppTest

from metrics.chart_layout import page_texts
from metrics.display import markdown_text

__all__ = ["chart_titles"]


def chart_titles(app: AppTest) -> list[str]:
    """Each chart's title, in the page's order; fails if the page does not show one as text, or if the
    chart itself still draws it (it would be cut at a phone's width)."""
    shown = {m.value for m in app.markdown}
    titles = []
    for chart in app.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        assert not spec["layout"].get("title", {}).get("text"), "the chart draws its own title"
        title, _ = page_texts(go.Figure(spec))
        assert f"**{markdown_text(title)}**" in shown, f"the page does not show the title {title!r}"
        titles.append(title)
    return titles
