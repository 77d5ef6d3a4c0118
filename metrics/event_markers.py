"""Event markers on the time charts: dotted lines across every panel, hover markers at the top, and short
labels staggered above the plot (``add_event_markers``)."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go

from metrics.display import plotly_text

__all__ = ["MAX_EVENT_LABELS", "add_break_markers", "add_event_markers", "series_breaks"]


#: At most this many events in a chart's range get a label drawn on it; beyond, labels show on hover only.
MAX_EVENT_LABELS = 6
_EVENT_ROWS = 3  # staggered label rows above the plot
_EVENT_ROW_PX = 16
_EVENT_COLOUR = "#444"
_BREAK_COLOUR = "#B00020"


def _dates(values: object) -> pd.Series:
    try:
        dates = pd.to_datetime(pd.Series(values), errors="coerce")
    except (TypeError, ValueError):
        return pd.Series(dtype="datetime64[ns]")
    return dates.dropna() if pd.api.types.is_datetime64_any_dtype(dates) else pd.Series(dtype="datetime64[ns]")


def _add_lines(fig: go.Figure, pairs: dict[tuple[str, str], None], days: object, line: dict[str, object]) -> None:
    """Vertical lines at ``days`` across each (x, y) axis pair, added in one layout update (one
    ``add_shape`` per line re-validates every shape so far: quadratic, seconds for a few dozen)."""
    new = [
        {"type": "line", "x0": day, "x1": day, "y0": 0, "y1": 1, "xref": x_ref, "yref": f"{y_ref} domain",
         "line": line, "layer": "above"}
        for x_ref, y_ref in pairs for day in days
    ]  # fmt: skip
    fig.update_layout(shapes=[*fig.layout.shapes, *new])


def _axis_name(ref: str) -> str:
    """``"y2"`` -> ``"yaxis2"``."""
    return f"{ref[0]}axis{ref[1:]}"


def _panels(fig: go.Figure) -> tuple[dict[tuple[str, str], None], tuple[pd.Timestamp, pd.Timestamp] | None]:
    """The (x axis, y axis) pairs of the panels that draw dated traces, and the dates they span (None
    where no trace has dates)."""
    pairs: dict[tuple[str, str], None] = {}
    spans = []
    for trace in fig.data:
        dates = _dates(getattr(trace, "x", None))
        if dates.empty:
            continue
        spans.append((dates.min(), dates.max()))
        pairs[(getattr(trace, "xaxis", None) or "x", getattr(trace, "yaxis", None) or "y")] = None
    if not spans:
        return pairs, None
    return pairs, (min(s[0] for s in spans), max(s[1] for s in spans))


def add_event_markers(fig: go.Figure, events: pd.DataFrame, *, max_labels: int = MAX_EVENT_LABELS) -> go.Figure:
    """Events as dotted vertical lines across every panel, ▼ markers at the top whose hover gives the full
    label, source and link, and short labels staggered over up to three rows just above the first panel
    (the top margin grows to hold them, so they never cover the data).

    ``events``: ``date``, ``label``, ``short_label``, ``source`` (``url`` optional), as from
    ``metrics.events.read_events``. Only events within the dates the figure's traces span are drawn. With
    more than ``max_labels`` of them, or when the labels would need more than three rows, no label is
    drawn (the markers still hover). The events' texts are shown as text (``metrics.display.plotly_text``):
    a label ``<a href=...>`` is no link. Returns ``fig``, changed in place.
    """
    pairs, span = _panels(fig)
    if events is None or events.empty or span is None:
        return fig
    low, high = span
    shown = events[(events["date"] >= low) & (events["date"] <= high)].sort_values("date")
    if shown.empty:
        return fig
    _add_lines(fig, pairs, shown["date"], {"color": _EVENT_COLOUR, "width": 1, "dash": "dot"})

    def top(pair: tuple[str, str]) -> float:
        domain = fig.layout[_axis_name(pair[1])].domain
        return domain[1] if domain else 1.0

    x_ref, y_ref = max(pairs, key=top)
    taken = [int(key.removeprefix("yaxis") or 1) for key in fig.layout.to_plotly_json() if key.startswith("yaxis")]
    overlay = f"y{max(taken, default=1) + 1}"
    fig.update_layout({_axis_name(overlay): {"overlaying": y_ref, "range": [0, 1], "visible": False,
                                             "fixedrange": True}})  # fmt: skip
    urls = shown["url"] if "url" in shown else pd.Series("", index=shown.index)
    fig.add_scatter(
        x=shown["date"], y=[0.985] * len(shown), xaxis=x_ref, yaxis=overlay, mode="markers", name="Events",
        showlegend=False, cliponaxis=False,  # labelled, or self-explaining on hover: no legend row to wrap
        marker={"symbol": "triangle-down", "size": 11, "color": _EVENT_COLOUR},
        customdata=[[plotly_text(v) for v in row] for row in zip(shown["label"], shown["source"], urls.fillna(""),
                                                                  strict=True)],  # uploaded: text, not markup
        hovertemplate="<b>%{x|%Y-%m-%d}</b>: %{customdata[0]}<br>Source: %{customdata[1]} %{customdata[2]}"
        "<extra>event</extra>",
    )  # fmt: skip
    rows = _stagger(shown["date"], shown["short_label"], low, high) if len(shown) <= max_labels else None
    if rows is None:
        fig.data[-1].name = "Events (hover the ▼ markers)"
        return fig
    span = max((high - low).total_seconds(), 1.0)
    for (day, text), row in zip(zip(shown["date"], shown["short_label"], strict=True), rows, strict=True):
        right = (day - low).total_seconds() / span > 0.55  # labels near the right edge run leftwards
        fig.add_annotation(  # above the plot, in a strip of the top margin: never over the data
            x=day, xref=x_ref, y=1, yref=f"{y_ref} domain", yanchor="bottom", yshift=2 + _EVENT_ROW_PX * row,
            text=plotly_text(text), showarrow=False, xanchor="right" if right else "left", xshift=2 if right else -2,
            font={"size": 11, "color": "#222"},
        )  # fmt: skip
    strip = _EVENT_ROW_PX * (max(rows) + 1) + 4
    top_margin = fig.layout.margin.t if fig.layout.margin.t is not None else 100
    height = fig.layout.height if fig.layout.height is not None else 450
    fig.update_layout(margin={"t": top_margin + strip}, height=height + strip)  # the plot keeps its size
    # the title at the top of the image, so that the label strip lies between the subtitle and the plot
    fig.update_layout(title={"y": 1 - 12 / (height + strip), "yref": "container", "yanchor": "top"})
    return fig


def _stagger(days: pd.Series, texts: pd.Series, low: pd.Timestamp, high: pd.Timestamp) -> list[int] | None:
    """A label row per event so that labels in one row do not overlap (estimated for a plot about 600 px
    wide); None when more than ``_EVENT_ROWS`` rows would be needed."""
    span = max((high - low).total_seconds(), 1.0)
    ends: list[float] = []  # per row, the right end of its last label (fraction of the range)
    rows = []
    for day, text in zip(days, texts, strict=True):
        position = (day - low).total_seconds() / span
        width = (len(str(text)) * 6.5 + 12) / 600
        start, end = (position - width, position) if position > 0.55 else (position, position + width)
        row = next((i for i, right in enumerate(ends) if right < start), len(ends))
        if row >= _EVENT_ROWS:
            return None
        if row == len(ends):
            ends.append(end)
        else:
            ends[row] = end
        rows.append(row)
    return rows


def series_breaks(figures: pd.DataFrame) -> pd.DataFrame:
    """The series breaks among ``figures`` (``quality`` "break"), one row per date and series:
    ``date``, ``source``, ``definition``, ``reason`` (the figure's note, without the "break: " prefix)."""
    columns = ["date", "source", "definition", "reason"]
    if "quality" not in figures or figures.empty:
        return pd.DataFrame(columns=columns)
    rows = figures[figures["quality"] == "break"]
    if "metric" in rows:  # the area's note where there is one (the share's says the same)
        rows = rows.sort_values("metric", key=lambda m: m != "area_controlled_km2", kind="stable")
    rows = rows.drop_duplicates(["date", "source", "definition"])
    notes = rows["notes"].fillna("").astype(str) if "notes" in rows else pd.Series("", index=rows.index)
    reason = notes.str.removeprefix("break: ").str.split(";").str[0].where(notes != "", "a definition change")
    out = rows.assign(reason=reason)[columns].sort_values(["date", "source", "definition"])
    return out.reset_index(drop=True)


def add_break_markers(fig: go.Figure, breaks: pd.DataFrame) -> go.Figure:
    """Series breaks (``series_breaks``) as thin red dashed lines across every panel with an ✕ marker at the
    bottom of the first one whose hover names the series and the reason: no flow is computed across them.
    Only breaks within the dates the figure's traces span are drawn. Returns ``fig``, changed in place."""
    pairs, span = _panels(fig)
    if breaks is None or breaks.empty or span is None:
        return fig
    low, high = span
    shown = breaks[(breaks["date"] >= low) & (breaks["date"] <= high)]
    if shown.empty:
        return fig
    _add_lines(fig, pairs, shown["date"].unique(), {"color": _BREAK_COLOUR, "width": 1, "dash": "dash"})
    x_ref, y_ref = next(iter(pairs))
    taken = [int(key.removeprefix("yaxis") or 1) for key in fig.layout.to_plotly_json() if key.startswith("yaxis")]
    overlay = f"y{max(taken, default=1) + 1}"
    fig.update_layout({_axis_name(overlay): {"overlaying": y_ref, "range": [0, 1], "visible": False,
                                             "fixedrange": True}})  # fmt: skip
    fig.add_scatter(
        x=shown["date"], y=[0.02] * len(shown), xaxis=x_ref, yaxis=overlay, mode="markers",
        name="Series break (hover the ✕)", showlegend=True, cliponaxis=False,
        marker={"symbol": "x-thin-open", "size": 12, "color": _BREAK_COLOUR, "line": {"width": 2}},
        customdata=list(zip(shown["source"] + " (" + shown["definition"] + ")", shown["reason"], strict=True)),
        hovertemplate="<b>%{x|%Y-%m-%d}</b>, series break in %{customdata[0]}: %{customdata[1]}. "
        "No change is computed across it.<extra>break</extra>",
    )  # fmt: skip
    return fig
