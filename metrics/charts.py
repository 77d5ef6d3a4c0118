"""Charts in the house style: one colour-blind-safe palette, a title, a subtitle with the
definitions, and a source line with the as-of date drawn on the figure itself.

Stored text (sources, definitions, labels, event texts) enters a figure only through
``metrics.display.plotly_text``, so a source named ``<a href=...>`` shows as text, never as a link; the
charts' own markup (``<br>``, ``<extra>``) is added around it."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from metrics.chart_layout import (
    GAINED_COLOUR,
    LOST_COLOUR,
    PHONE_WIDTH_PX,
    SUBTITLE_SIZE,
    TITLE_SIZE,
    chars_per_line,
    legend_name,
    loss_pattern,
    outlier_cut,
    source_parts,
    text_block_px,
    title_anchor_px,
    wrap,
)
from metrics.display import plotly_text as pt
from metrics.event_markers import add_break_markers, add_event_markers
from metrics.metadata import metadata
from metrics.periods import FREQUENCY_NAMES, period_name

__all__ = [
    "PALETTE",
    "REGION_MEASURES",
    "before_after_chart",
    "house_layout",
    "monthly_net_change_chart",
    "regions_bar_chart",
    "series_colours",
    "source_line",
    "sources_chart",
    "trend_chart",
]

#: Okabe-Ito, safe for the common colour-vision deficiencies.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000"]
_FONT = "Helvetica, Arial, sans-serif"


def series_colours(labels: Sequence[str]) -> dict[str, str]:
    """A stable colour per label (sorted), from the palette."""
    return {label: PALETTE[i % len(PALETTE)] for i, label in enumerate(sorted(set(labels)))}


def source_line(as_of: pd.DataFrame) -> str:
    """``Source: A (definition), as of DATE; B (...)...`` from rows with source, definition, date: plotly
    text, the sources and definitions escaped (``metrics.display.plotly_text``)."""
    parts = [
        f"{pt(row.source)} ({pt(row.definition)}), as of {row.date:%Y-%m-%d}"
        for row in as_of.sort_values("source").itertuples()
    ]
    return "Source: " + "; ".join(parts) if parts else "Source: no figures"


#: Characters per line of the source line: what a phone's chart (358 px) shows unclipped after the
#: y axis's 70 px (11 px text).
_SOURCE_CHARS = 52


def house_layout(fig: go.Figure, *, title: str, subtitle: str, source: str, height: int = 460) -> go.Figure:
    """Apply the house template: title and subtitle on top, the legend under the plot and the source
    line under the legend. Texts are wrapped so a phone shows them whole (texts that already hold
    ``<br>`` are kept as given), and the bottom margin has room for a legend of one row per entry (a
    phone's width wraps it so), so the legend and the source line never overlap. The plain title and
    subtitle stay in ``layout.meta`` for ``metrics.chart_layout`` to lay out for another width."""
    house = {"title": title, "subtitle": subtitle, "kept": "<br>" in title, "kept_sub": "<br>" in subtitle}
    if not house["kept"]:
        title = wrap(title, chars_per_line(PHONE_WIDTH_PX, TITLE_SIZE))
    if not house["kept_sub"]:
        subtitle = wrap(subtitle, chars_per_line(PHONE_WIDTH_PX, SUBTITLE_SIZE))
    if "<br>" not in source:
        source = "<br>".join(wrap(part, _SOURCE_CHARS) for part in source_parts(source))
    # room for each entry as ``metrics.chart_layout`` wraps it for a phone (plotly does not wrap a legend)
    listed = {(t.legendgroup or t.name): t.name for t in fig.data if t.name and t.showlegend is not False}
    entries = len(listed) + sum(legend_name(n).count("<br>") * 20 / 26 for n in listed.values())
    top = house["block_px"] = text_block_px(title, subtitle)
    bottom = round(40 + 26 * entries + 15 * (source.count("<br>") + 1) + 14)
    house["source"], house["legend_px"] = source, round(26 * entries)
    height = max(height, top + bottom + 240)
    plot = height - top - bottom
    fig.update_layout(
        template="plotly_white",
        font={"family": _FONT, "size": 13, "color": "#222"},
        title={"text": title, "font": {"size": TITLE_SIZE},
               "subtitle": {"text": subtitle, "font": {"size": SUBTITLE_SIZE, "color": "#555"}}, "x": 0.01,
               "y": 1 - title_anchor_px(title) / height, "yref": "container", "yanchor": "top", "automargin": False},
        legend={"orientation": "h", "yanchor": "top", "y": -40 / plot, "xanchor": "left", "x": 0, "font": {"size": 12}},
        margin={"l": 70, "r": 30, "t": top, "b": bottom},
        height=height,
        hovermode="x unified",
        meta={"house": house},
    )  # fmt: skip
    fig.add_annotation(
        text=source, xref="paper", yref="paper", x=0, y=-(40 + 26 * entries + 8) / plot, xanchor="left",
        yanchor="top", showarrow=False, font={"size": 11, "color": "#555"}, align="left",
    )  # fmt: skip
    return fig


def monthly_net_change_chart(monthly: pd.DataFrame, shares: pd.DataFrame, *, events: pd.DataFrame | None = None,
                             breaks: pd.DataFrame | None = None) -> go.Figure:  # fmt: skip
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
            x=rows["period_start"] + pd.Timedelta(days=14), y=rows["value"], name=pt(label), legendgroup=pt(label),
            marker={"color": colours[label], "pattern": loss_pattern(rows["value"].tolist())},
            customdata=[period_name(d, "M") for d in rows["period_start"]],
            hovertemplate="%{customdata}: %{y:+,.0f} km²<extra>" + pt(label) + "</extra>", row=1, col=1,
        )  # fmt: skip
    fig_labels = {trace.name for trace in fig.data}
    for (source, definition), rows in shares.groupby(["source", "definition"]):
        label = f"{source} ({definition})"
        fig.add_scatter(
            x=rows["date"], y=rows["value"], name=pt(label), legendgroup=pt(label),
            showlegend=pt(label) not in fig_labels,
            mode="lines" if len(rows) > 1 else "markers", marker={"size": 10, "symbol": "diamond"},
            line={"color": colours[label], "width": 2}, marker_color=colours[label],
            hovertemplate="%{x|%Y-%m-%d}: %{y:.2f} %<extra>" + pt(label) + "</extra>", row=2, col=1,
        )  # fmt: skip
    fig.update_layout(barmode="group", bargap=0.15)
    fig.update_xaxes(type="date", title=None)
    fig.update_yaxes(title="Net change, km²", tickformat="+,", zeroline=True, zerolinecolor="#888", row=1, col=1)
    cut = _cut_outliers(fig, monthly)
    fig.update_yaxes(title="Share held, %", ticksuffix=" %", row=2, col=1)
    as_of = pd.concat([monthly, shares]).sort_values("date").groupby(["source", "definition"]).tail(1)
    definitions = "; ".join(f"{pt(r.source)}: {pt(r.definition)}" for r in labels.sort_values("source").itertuples())
    meta = metadata()["metrics"]
    fig = house_layout(
        fig,
        title=f"{meta['net_change_km2']['title']} per full month (top) and share of Ukraine held (bottom)",
        subtitle=f"Russian forces. Definitions: {definitions}" + (f". {cut}" if cut else ""),
        source=source_line(as_of),
        height=560,
    )
    fig.update_layout(hovermode="closest")
    return _with_events(fig, events, breaks)


def _cut_outliers(fig: go.Figure, monthly: pd.DataFrame) -> str:
    """Cut the bar axis (``chart_layout.outlier_cut``) when a few months dwarf the others; returns what
    the subtitle says of it (which months go beyond the cut, and how far), "" when nothing is cut. The
    bars keep their values (hover, CSV)."""
    limit = outlier_cut(monthly["value"].tolist()) if not monthly.empty else None
    if limit is None:
        return ""
    beyond = monthly[monthly["value"].abs() > limit]
    parts = []
    for start, rows in beyond.groupby("period_start", sort=True):
        high, low = rows["value"].max(), rows["value"].min()
        extreme = high if high > limit else low
        parts.append(f"{period_name(start, 'M')} {'up to' if extreme > 0 else 'down to'} {extreme:+,.0f} km²")
    low = max(monthly["value"].min(), -limit) if (monthly["value"] < 0).any() else 0.0
    fig.update_yaxes(range=[low * 1.08, min(monthly["value"].max(), limit) * 1.08], row=1, col=1)
    return f"Bar axis cut at ±{limit:,.0f} km² (hover a bar for its value); beyond it: " + "; ".join(parts)


def _with_events(fig: go.Figure, events: pd.DataFrame | None, breaks: pd.DataFrame | None = None) -> go.Figure:
    """``fig`` with ``breaks`` (``metrics.event_markers.series_breaks``) and ``events`` marked on it;
    unchanged without them."""
    if breaks is not None:
        add_break_markers(fig, breaks)
    return add_event_markers(fig, events) if events is not None else fig


def before_after_chart(series: pd.DataFrame, *, title: str) -> go.Figure:
    """One series as the store has it now (grey) and as it will be after an upload (colour).

    ``series``: rows of ``metrics.ingest.affected_series`` for one series, with ``state`` 'before'
    or 'after'. Figures that the upload adds or changes are marked on the 'after' line. ``title`` is
    plain text (escaped here).
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
        title=pt(title),
        subtitle=f"{meta['title']}, {pt(region)}: {pt(first['source'])} ({pt(first['definition'] or 'no definition')})",
        source=source_line(as_of),
        height=420,
    )


def sources_chart(series: pd.DataFrame, band: pd.DataFrame, *, metric: str, freq: str,
                  events: pd.DataFrame | None = None, breaks: pd.DataFrame | None = None) -> go.Figure:  # fmt: skip
    """The metric per period for each source and definition, with the spread between them shaded.

    ``series``: ``metrics.sources.compare_series``; ``band``: ``metrics.sources.spread_band``. Flows are
    drawn at the middle of their period, stocks at its end; the shaded column of a period spans the
    period and reaches from the lowest to the highest value.
    """
    meta = metadata()["metrics"][metric]
    flow = meta["kind"] == "flow"
    unit = "%" if meta["unit"] == "percent" else "km²"
    number = "%{y:.2f} %" if unit == "%" else ("%{y:+,.1f} km²" if flow else "%{y:,.0f} km²")
    period = FREQUENCY_NAMES[freq]

    def x_of(frame: pd.DataFrame) -> pd.Series:
        return frame["first_day"] + (frame["date"] - frame["first_day"]) / 2 if flow else frame["date"]

    fig = go.Figure()
    if not band.empty:
        days = (band["date"] - band["first_day"]).dt.days + 1
        width = (days * 86_400_000 * (1.0 if flow else 0.9)).tolist()
        fig.add_bar(
            x=x_of(band), y=band["spread"], base=band["low"], width=width, name="Spread between the series",
            marker={"color": "rgba(110,110,110,0.22)", "line": {"width": 0}},
            customdata=[[pt(v) for v in row] for row in zip(band["period"], band["low_label"], band["high_label"],
                                                            strict=True)],
            hovertemplate="%{customdata[0]}: spread "
            + ("%{y:.2f} pp" if unit == "%" else "%{y:,.1f} km²")
            + " (lowest %{customdata[1]}, highest %{customdata[2]})<extra></extra>",
        )  # fmt: skip
    labels = sorted(series["label"].unique())
    colours = series_colours(labels)
    for label in labels:
        rows = series[series["label"] == label].sort_values("date")
        if flow:
            computed = f"change of {period}-end stocks" if metric == "net_change_km2" else "sum of reported figures"
            how = rows["derived"].map({True: computed, False: "as reported"})
        else:
            how = "as of " + rows["observed_date"].dt.strftime("%Y-%m-%d")
            how = how.where(~rows["carried_forward"], how + " (carried forward)")
        fig.add_scatter(
            x=x_of(rows), y=rows["value"], name=pt(label), mode="markers" if len(rows) == 1 else (
                "lines+markers" if len(rows) <= 60 else "lines"),
            line={"color": colours[label], "width": 2}, marker={"color": colours[label], "size": 8},
            customdata=list(zip(rows["period"], how, strict=True)),
            hovertemplate="%{customdata[0]}: " + number + " (%{customdata[1]})<extra>" + pt(label) + "</extra>",
        )  # fmt: skip
    fig.update_layout(barmode="overlay")
    fig.update_xaxes(type="date")
    fig.update_yaxes(title=f"{meta['title']}, {unit}", zeroline=True, zerolinecolor="#888")
    if flow:
        fig.update_yaxes(tickformat="+,")
    elif unit == "%":
        fig.update_yaxes(ticksuffix=" %")
    kinds = series[["source", "definition"]].drop_duplicates().sort_values(["source", "definition"])
    definitions = "; ".join(f"{pt(r.source)}: {pt(r.definition or 'no definition')}" for r in kinds.itertuples())
    as_of = (
        series.assign(date=series["observed_date"] if not flow else series["date"])
        .sort_values("date")
        .groupby(["source", "definition"])
        .tail(1)
    )
    when = f"per {period}" if flow else f"at the end of each {period}"
    title = f"{meta['title']} {when}"
    subtitle = (
        "Russian forces, whole of Ukraine, by source and definition. Shaded: the spread between the series (lowest "
        f"to highest). Definitions: {definitions or 'none chosen'}"
    )
    source = "<br>".join(wrap(part, 52) for part in source_parts(source_line(as_of)))
    height = 600
    fig = house_layout(fig, title=title, subtitle=subtitle, source=source, height=height)
    top, height = fig.layout.margin.t, fig.layout.height
    # room for a legend of one row per entry (a phone wraps it so) above the source line
    bottom = 40 + fig.layout.meta["house"]["legend_px"] + 15 * (source.count("<br>") + 1) + 6
    fig.update_layout(margin={"b": bottom})
    # the source line at the bottom of the image, below the legend
    fig.update_annotations(y=-(bottom - 6) / (height - top - bottom), yanchor="bottom", selector={"text": source})
    return _with_events(fig, events, breaks)


#: What the Regions page's bars can show: label -> (column, axis title, number format, hover unit).
REGION_MEASURES = {
    "share held": ("share_pct", "Share of the oblast held, %", ".1f", "%"),
    "area held": ("area_km2", "Area held, km²", ",.0f", "km²"),
    "change in area": ("change_km2", "Change of the area held, km²", "+,.1f", "km²"),
}


def regions_bar_chart(table: pd.DataFrame, *, measure: str, source: str, definition: str) -> go.Figure:
    """Horizontal bars of one measure per oblast (``metrics.regions.regions_on``), largest at the top;
    gains and losses in distinct colours when the measure is the change."""
    column, axis, fmt, unit = REGION_MEASURES[measure]
    rows = table.dropna(subset=[column]).sort_values(column, ascending=True)
    colours = PALETTE[0]
    if column == "change_km2":
        colours = [GAINED_COLOUR if v > 0 else LOST_COLOUR if v < 0 else "#999" for v in rows[column]]
    marker = {"color": colours, "pattern": loss_pattern(rows[column].tolist())}
    names = [pt(f"{o} ({r})") for o, r in zip(rows["oblast"], rows["region"], strict=True)]
    fig = go.Figure(
        go.Bar(
            x=rows[column], y=names, orientation="h", marker=marker, text=[format(v, fmt) for v in rows[column]],
            textposition="outside", cliponaxis=False,
            hovertemplate="%{y}: %{x:" + fmt + "} " + unit + "<extra></extra>", name=measure,
        )
    )  # fmt: skip
    fig.update_xaxes(title=axis, zeroline=True, zerolinecolor="#888")
    # each oblast's name over its bar, from the plot's left edge: names beside the bars would take half
    # a phone's width from the plot (the axis keeps them as its categories, for hover and data)
    fig.update_yaxes(showticklabels=False)
    fig.update_layout(bargap=0.5)
    on = rows["as_of"].max()
    when = f"{on:%Y-%m-%d}" if pd.notna(on) else "no date"
    if column == "change_km2" and rows["since"].notna().any():
        when = f"{rows['since'].max():%Y-%m-%d} to {when}"
    as_of = pd.DataFrame({"source": [source], "definition": [definition], "date": [on]})
    fig = house_layout(
        fig,
        title=f"{measure.capitalize()} per oblast, {when}",
        subtitle=f"Russian forces. {pt(source)} ({pt(definition)}); share = area held in the oblast / oblast area",
        source=source_line(as_of) if pd.notna(on) else "Source: no figures",
        height=max(420, 36 * len(rows) + 200),
    )
    fig.update_layout(showlegend=False, hovermode="closest", margin={"l": 10, "r": 60})
    row_px = (fig.layout.height - fig.layout.margin.t - fig.layout.margin.b) / max(1, len(rows))
    for name in names:
        fig.add_annotation(
            text=name, x=0, xref="paper", xanchor="left", y=name, yref="y", yanchor="bottom",
            yshift=row_px * 0.25 - 1, showarrow=False, font={"size": 11, "color": "#333"},
        )  # fmt: skip
    return fig


def trend_chart(series: pd.DataFrame, *, metric: str, freq: str, unit: str, region_name: str,
                events: pd.DataFrame | None = None, breaks: pd.DataFrame | None = None) -> go.Figure:  # fmt: skip
    """Lines of ``metrics.trends.trend_series``, one per source and definition, gaps left open
    (no line across a period without a figure); bars for flows at month or coarser frequencies."""
    meta = metadata()["metrics"][metric]
    shown_unit = "%" if meta["unit"] == "percent" else ("sq mi" if unit == "sq_mi" else "km²")
    colours = series_colours(series["label"].unique().tolist())
    flow = meta["kind"] == "flow"
    fig = go.Figure()
    for label, rows in series.groupby("label", sort=True):
        hover = "%{customdata}: %{y:,.2f} " + shown_unit + "<extra>" + pt(label) + "</extra>"
        if flow and freq in ("M", "Q", "Y") and not rows["note"].str.contains("cumulated|mean").any():
            fig.add_bar(x=rows["date"], y=rows["value"], name=pt(label),
                        marker={"color": colours[label], "pattern": loss_pattern(rows["value"].tolist())},
                        customdata=rows["period"], hovertemplate=hover)  # fmt: skip
        else:
            fig.add_scatter(
                x=rows["date"], y=rows["value"], name=pt(label), mode="lines+markers" if len(rows) <= 60 else "lines",
                line={"color": colours[label], "width": 2}, marker={"size": 6}, connectgaps=False,
                customdata=rows["period"], hovertemplate=hover,
            )  # fmt: skip
    fig.update_layout(barmode="group")
    fig.update_xaxes(type="date")
    fig.update_yaxes(title=f"{meta['title']}, {shown_unit}", zeroline=True, zerolinecolor="#888")
    notes = sorted({n for n in series["note"].dropna() if n and not n.startswith("period incomplete")})
    kinds = series[["source", "definition"]].drop_duplicates().to_numpy()
    definitions = "; ".join(f"{pt(s)}: {pt(d)}" for s, d in kinds)
    as_of = series.dropna(subset=["value"]).sort_values("date").groupby("label").tail(1)
    as_of = as_of.assign(date=as_of["as_of"])
    period = f"per {FREQUENCY_NAMES[freq]}"
    fig = house_layout(
        fig,
        title=f"{meta['title']}, {pt(region_name)}, {period}" + (f" ({pt('; '.join(notes))})" if notes else ""),
        subtitle=f"Russian forces. Definitions: {definitions}",
        source=source_line(as_of),
    )
    return _with_events(fig, events, breaks)
