"""Charts in the house style: one colour-blind-safe palette, a title, a subtitle with the
definitions, and a source line with the as-of date drawn on the figure itself."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from metrics.metadata import metadata

__all__ = [
    "PALETTE",
    "before_after_chart",
    "house_layout",
    "monthly_net_change_chart",
    "series_colours",
    "source_line",
]

#: Okabe-Ito, safe for the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
_FONT = "Helvetica, Arial, sans-serif"


def series_colours(labels: Sequence[str]) -> dict[str, str]:
    """A stable colour per label (sorted), from the palette."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(sorted(set(labels)))}


def source_line(as_of: pd.DataFrame) -> str:
    """``Source: A (definition), as of DATE; B (...)...`` from rows with source, definition, date."""
    parts = [
        f"{row.source} ({row.definition}), as of {row.date:%Y-%m-%d}"
        for row in as_of.sort_values("source").itertuples()
    ]
    return "Source: " + "; ".join(parts) if parts else "Source: no figures"


def house_layout(fig: go.Figure, *, title: str, subtitle: str, source: str, height: int = 460) -> go.Figure:
    """Apply the house template: title, subtitle, source line at the bottom left, legend on top."""
    fig.update_layout(
        template="plotly_white",
        font={"family": _FONT, "size": 13, "color": "#222"},
        title={"text": title, "subtitle": {"text": subtitle, "font": {"size": 12, "color": "#555"}}, "x": 0.01},
        legend={"orientation": "h", "yanchor": "top", "y": -0.06, "xanchor": "left", "x": 0},
        margin={"l": 70, "r": 30, "t": 90, "b": 110},
        height=height,
        hovermode="x unified",
    )
    fig.add_annotation(
        text=source, xref="paper", yref="paper", x=0, y=-0.16, xanchor="left", yanchor="top",
        showarrow=False, font={"size": 11, "color": "#555"}, align="left",
    )  # fmt: skip
    return fig


def monthly_net_change_chart(monthly: pd.DataFrame, shares: pd.DataFrame) -> go.Figure:
    """Bars of the monthly net change (km2) per source and definition above lines of the share (%).

    ``monthly``: whole-territory ``net_change_km2`` per month (from ``metrics.pipelines.net_change``);
    ``shares``: whole-territory ``share_controlled_pct`` observations. Both with source, definition.
    The two panels share the time axis.
    """
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, row_heights=[0.62, 0.38], vertical_spacing=0.08)
    labels = pd.concat([monthly, shares])[["source", "definition"]].drop_duplicates()
    colours = series_colours([f"{r.source} ({r.definition})" for r in labels.itertuples()])
    for (source, definition), rows in monthly.groupby(["source", "definition"]):
        label = f"{source} ({definition})"
        fig.add_bar(
            x=rows["period_start"] + pd.Timedelta(days=14), y=rows["value"], name=label, legendgroup=label,
            marker_color=colours[label], customdata=rows["period_start"].dt.strftime("%B %Y"),
            hovertemplate="%{customdata}: %{y:+,.0f} km²<extra>" + label + "</extra>", row=1, col=1,
        )  # fmt: skip
    fig_labels = {trace.name for trace in fig.data}
    for (source, definition), rows in shares.groupby(["source", "definition"]):
        label = f"{source} ({definition})"
        fig.add_scatter(
            x=rows["date"], y=rows["value"], name=label, legendgroup=label, showlegend=label not in fig_labels,
            mode="lines" if len(rows) > 1 else "markers", marker={"size": 10, "symbol": "diamond"},
            line={"color": colours[label], "width": 2}, marker_color=colours[label],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.2f} %<extra>" + label + "</extra>", row=2, col=1,
        )  # fmt: skip
    fig.update_layout(barmode="group", bargap=0.15)
    fig.update_xaxes(type="date", title=None)
    fig.update_yaxes(title="Net change, km²", tickformat="+,", zeroline=True, zerolinecolor="#888", row=1, col=1)
    fig.update_yaxes(title="Share held, %", ticksuffix=" %", row=2, col=1)
    as_of = pd.concat([monthly, shares]).sort_values("date").groupby(["source", "definition"]).tail(1)
    definitions = "; ".join(f"{r.source}: {r.definition}" for r in labels.sort_values("source").itertuples())
    meta = metadata()["metrics"]
    fig = house_layout(
        fig,
        title=f"{meta['net_change_km2']['title']} per full month (top) and share of Ukraine held (bottom)",
        subtitle=f"Russian forces. Definitions: {definitions}",
        source=source_line(as_of),
        height=560,
    )
    fig.update_layout(hovermode="closest")
    return fig


def before_after_chart(series: pd.DataFrame, *, title: str) -> go.Figure:
    """One series as the store has it now (grey) and as it will be after an upload (colour).

    ``series``: rows of ``metrics.ingest.affected_series`` for one series, with ``state`` 'before'
    or 'after'. Figures that the upload adds or changes are marked on the 'after' line.
    """
    fig = go.Figure()
    first = series.iloc[0]
    meta = metadata()["metrics"][first["metric"]]
    unit = "%" if meta["unit"] == "percent" else "km²"
    before = series[series["state"] == "before"].sort_values("date")
    after = series[series["state"] == "after"].sort_values("date")
    key = ["date", "period_start"]
    merged = after.merge(before[[*key, "value"]], on=key, how="left", suffixes=("", "_before"))
    changed = merged[merged["value_before"].isna() | (merged["value"] != merged["value_before"])]
    mode = "lines+markers" if len(after) <= 60 else "lines"
    fig.add_scatter(
        x=before["date"], y=before["value"], name="in the store now", mode=mode,
        line={"color": "#999", "width": 2}, marker={"size": 6},
        hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f} " + unit + "<extra>now</extra>",
    )  # fmt: skip
    fig.add_scatter(
        x=after["date"], y=after["value"], name="after this upload", mode=mode,
        line={"color": PALETTE[0], "width": 2, "dash": "dot"}, marker={"size": 6},
        hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f} " + unit + "<extra>after</extra>",
    )  # fmt: skip
    fig.add_scatter(
        x=changed["date"], y=changed["value"], name="new or changed by this upload", mode="markers",
        marker={"color": PALETTE[5], "size": 11, "symbol": "diamond"},
        hovertemplate="%{x|%Y-%m-%d}: %{y:,.2f} " + unit + "<extra>new or changed</extra>",
    )  # fmt: skip
    fig.update_xaxes(type="date")
    fig.update_yaxes(title=f"{meta['title']}, {unit}")
    region = first["region"] or first["territory"]
    as_of = after.tail(1).assign(source=first["source"], definition=first["definition"])
    return house_layout(
        fig,
        title=title,
        subtitle=f"{meta['title']}, {region}: {first['source']} ({first['definition'] or 'no definition'})",
        source=source_line(as_of),
        height=420,
    )
