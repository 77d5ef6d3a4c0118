"""Series breaks on the time charts: a thin line across every panel and a marker whose hover gives the reason."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.charts import monthly_net_change_chart
from metrics.event_markers import add_break_markers, series_breaks


def _figures() -> pd.DataFrame:
    note = "break: the held area moves by -16,619 km2 with no losses recorded; computed by this project"
    return pd.DataFrame({
        "date": pd.to_datetime(["2024-03-13", "2024-03-14", "2024-03-14", "2024-03-15"]),
        "source": ["liveuamap"] * 4, "definition": ["held"] * 4,
        "metric": ["area_controlled_km2", "share_controlled_pct", "area_controlled_km2", "area_controlled_km2"],
        "value": [100.0, 1.0, 90.0, 90.0], "quality": ["", "break", "break", ""],
        "notes": ["", "break: share text", note, ""],
    })  # fmt: skip


def test_series_breaks_keep_one_row_per_date_and_series_with_the_areas_reason() -> None:
    breaks = series_breaks(_figures())
    assert breaks.to_dict("records") == [{
        "date": pd.Timestamp("2024-03-14"), "source": "liveuamap", "definition": "held",
        "reason": "the held area moves by -16,619 km2 with no losses recorded",
    }]  # fmt: skip
    assert series_breaks(_figures().drop(columns="quality")).empty


def test_breaks_are_drawn_within_the_charts_span_only() -> None:
    fig = go.Figure(go.Scatter(x=pd.to_datetime(["2024-01-01", "2024-06-30"]), y=[1, 2]))
    add_break_markers(fig, series_breaks(_figures()))
    [marks] = [t for t in fig.data if (t.name or "").startswith("Series break")]
    label, reason = marks.customdata[0]
    assert (label, reason) == ("liveuamap (held)", "the held area moves by -16,619 km2 with no losses recorded")
    assert [s.line.dash for s in fig.layout.shapes] == ["dash"]
    later = go.Figure(go.Scatter(x=pd.to_datetime(["2025-01-01", "2025-06-30"]), y=[1, 2]))
    add_break_markers(later, series_breaks(_figures()))
    assert len(later.data) == 1 and not later.layout.shapes


def test_the_overview_chart_draws_a_break_across_both_panels() -> None:
    monthly = pd.DataFrame({
        "date": pd.to_datetime(["2024-02-29", "2024-03-31"]),
        "period_start": pd.to_datetime(["2024-02-01", "2024-03-01"]),
        "source": ["liveuamap"] * 2, "definition": ["held"] * 2, "value": [10.0, -5.0],
    })  # fmt: skip
    shares = monthly.assign(value=[1.0, 1.1])
    fig = monthly_net_change_chart(monthly, shares, breaks=series_breaks(_figures()))
    assert len([s for s in fig.layout.shapes if s.line.dash == "dash"]) == 2  # one per panel
