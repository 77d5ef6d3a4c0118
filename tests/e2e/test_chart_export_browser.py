"""An exported chart as Chromium draws it (plotly.js, as kaleido's export does): at the width of the image,
the legend under the plot and the source line under the legend, neither cut off, with no band of empty
rows between them (a phone-wide layout left one in a 1100 px image)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import plotly.graph_objects as go
import plotly.io as pio
import pytest
from playwright.sync_api import Page

from metrics.chart_layout import PHONE_WIDTH_PX, fit_to_width
from metrics.images import EXPORT_WIDTH

pytestmark = pytest.mark.browser

_BOXES = """() => {
  const box = e => { const r = e.getBoundingClientRect();
                     return {top: r.top, bottom: r.bottom, left: r.left, right: r.right}; };
  const source = [...document.querySelectorAll('g.annotation')].find(g => g.textContent.startsWith('Source:'));
  return {svg: box(document.querySelector('svg.main-svg')), legend: box(document.querySelector('g.legend')),
          source: box(source),  // the plot areas' backgrounds (bars cut by the axis overflow the layer's box)
          plot: {bottom: Math.max(...[...document.querySelectorAll('.bglayer rect.bg')].map(r => box(r).bottom))}};
}"""


@pytest.fixture(scope="module")
def overview_chart(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> go.Figure:
    """The Overview's chart of the whole war on the shipped data: nine series, event markers, breaks."""
    from metrics.charts import monthly_net_change_chart
    from metrics.event_markers import series_breaks
    from metrics.events import read_events
    from metrics.overview import overview_data
    from metrics.store import get_engine, read_figures

    engine = get_engine(bundled_sqlite(tmp_path_factory.mktemp("chart") / "t.sqlite"))
    figures = read_figures(engine, regions=[""])
    data = overview_data(figures)
    return monthly_net_change_chart(data.monthly, data.shares, events=read_events(engine),
                                    breaks=series_breaks(figures))  # fmt: skip


@pytest.mark.parametrize("width", [EXPORT_WIDTH, PHONE_WIDTH_PX])
def test_legend_and_source_line_fit_the_image(page: Page, overview_chart: go.Figure, width: int) -> None:
    fitted = fit_to_width(overview_chart, width)
    fitted.update_layout(width=width)
    page.set_viewport_size({"width": width + 40, "height": int(fitted.layout.height) + 40})
    page.set_content(pio.to_html(fitted, include_plotlyjs=True, full_html=True, config={"staticPlot": True}))
    page.wait_for_selector("g.legend")
    boxes = page.evaluate(_BOXES)
    legend, source, svg, plot = boxes["legend"], boxes["source"], boxes["svg"], boxes["plot"]
    assert legend["top"] >= plot["bottom"] - 1, "the legend is under the plot"
    assert source["top"] >= legend["bottom"] - 1, f"the source line overlaps the legend: {boxes}"
    assert source["top"] - legend["bottom"] < 30, f"a band of empty rows between legend and source: {boxes}"
    assert source["bottom"] <= svg["bottom"] + 1 and source["right"] <= svg["right"] + 1, "the source is cut off"
    assert legend["right"] <= svg["right"] + 1, "the legend is cut at the right edge"
    assert svg["bottom"] - source["bottom"] < 40, "no empty band under the source line either"
