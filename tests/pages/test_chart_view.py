"""The page copy of a chart (title and subtitle shown as page text) is made once per figure object:
the pages' figures are shared by every session, and a copy costs about 0.1 s of server time."""

from __future__ import annotations

import gc

import plotly.graph_objects as go

from metrics.charts import house_layout
from pages import chart_view


def _figure(title: str) -> go.Figure:
    fig = go.Figure(go.Bar(x=[1, 2], y=[3, 4], name="a"))
    return house_layout(fig, title=title, subtitle="sub", source="Source: test")


def test_a_figure_is_copied_for_the_page_once() -> None:
    first, second = _figure("One"), _figure("Two")
    copy = chart_view.page_copy(first)
    assert not copy.layout.title.text and first.layout.title.text  # the page copy has no title
    assert chart_view.page_copy(first) is copy  # the same figure: the same copy
    assert chart_view.page_copy(second) is not copy
    del first
    gc.collect()
    third = _figure("Three")
    assert chart_view.page_copy(third) is not copy  # a new figure, even at a reused id
