"""The Map page's settlements and its timeline, played in the browser: plotly animation frames.

The settlements are two traces (a marker size per population tier): those a source's change table
names (their colour is a number per place, 0 held, 1 not held but held before, 2 not yet held, on a
three-step colour scale), and those it never names (always "not held": one colour, never in a frame),
whose trace is not drawn (``mode`` "none": it gives their hover) while ``layout.map.layers`` circles
draw them. Why: a step (``animate`` with redraw) sends every trace's data to MapLibre again, which
tiles it again in its worker; layers that did not change are left alone. Their names are in the
map's style, not in traces (``geodata.webmap_style``: text is what costs most to draw again). A frame per
date holds only what changes from date to date: that number for each place of the second kind (an
int8 array, base64 in the JSON: 1.33 bytes a place), the three legend entries' counts and the title.
The Play and Pause buttons and the date slider under the map are plotly's own (``layout.updatemenus``,
``layout.sliders``): a step is a ``Plotly.animate`` in the browser, with no server round trip, and it
keeps the reader's own pan and zoom (the map's view is not in the frames).

On the shipped data (DeepStateMap, occupied, 1 379 of 5 224 places ever change hands) a frame is
about 2.7 KB of JSON and the 55 month-end frames (April 2022 to the latest date) about 150 KB in all
(``tests/geodata/test_webmap_timeline.py`` bounds it). Frames are month-ends and the latest date even
with the page's "Every day" on (1 598 days would be 4 MB), plus the date shown.

The hover of a place that changes hands gives its history per the source (when it was held, from
when to when; the three latest spells), true on every frame; the colour gives its state on the
frame's date. The held area and the front line are those of the date shown (their legend entry
names the polygon's date); they do not step with the frames.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import pairwise

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from metrics.display import plotly_text as pt

__all__ = [
    "FRAME_MS",
    "HELD_COLOUR",
    "LABEL_SIZES",
    "NEVER_COLOUR",
    "NOT_HELD_COLOUR",
    "SLIDER_PX",
    "STATE_CODES",
    "STILL_LAYER",
    "TIERS",
    "add_timeline",
    "histories",
    "settlement_traces",
    "state_codes",
    "tier_of",
    "without_timeline",
]

#: A settlement held by Russian forces on the date (a lighter red of the RdBu scale whose ends mark
#: gained and lost), one held before but not on the date, and one not held on the date nor before.
HELD_COLOUR, NOT_HELD_COLOUR, NEVER_COLOUR = "#d6604d", "#6b6b6b", "#9a9a9a"
#: A place's state as its frame number ("first": held since the source's first date).
STATE_CODES = {"held": 0, "first": 0, "lost": 1, "never": 2}
_SCALE = [[0, HELD_COLOUR], [1 / 3, HELD_COLOUR], [1 / 3, NOT_HELD_COLOUR], [2 / 3, NOT_HELD_COLOUR],
          [2 / 3, NEVER_COLOUR], [1, NEVER_COLOUR]]  # fmt: skip
_LEGEND = (("held", HELD_COLOUR, "Held by Russian forces"), ("lost", NOT_HELD_COLOUR, "Not held (held before)"),
           ("never", NEVER_COLOUR, "Not held"))  # fmt: skip
#: Population tiers (lower bounds) of the labels and marker sizes, smallest first.
TIERS = (500, 2_000, 10_000, 50_000, 250_000)
_SIZES = (4, 5, 7, 9, 12)
#: The names' text sizes per tier (in the map's style, ``geodata.webmap_style``).
LABEL_SIZES = (10, 10, 11, 13, 15)
#: Play: the time a date stays on screen (the step itself, a redraw of the settlements, comes on top).
FRAME_MS = 200
#: The room under the map for the date slider and, under it, the Play and Pause buttons.
SLIDER_PX = 84
_BUTTONS_TOP_PX = 42
_SPELLS = 3
#: The names of the layers of the places that never change colour (``settlement_traces``): -0 to -4 by tier.
STILL_LAYER = "settlements-still"


def state_codes(changes: pd.DataFrame, ids: Sequence[int], dates: Sequence[pd.Timestamp]) -> np.ndarray:
    """Each place of ``ids`` on each of ``dates`` (ascending) per a change table (geonameid, date,
    held): ``STATE_CODES``' number, as int8 (rows: dates, columns: ids), as ``place_states`` says."""
    index = pd.Index(ids)
    ordered = changes.sort_values("date", kind="stable")
    where = index.get_indexer(ordered["geonameid"])
    days = ordered["date"].to_numpy()
    held = ordered["held"].to_numpy(dtype=bool)
    state = np.full(len(index), STATE_CODES["never"], dtype=np.int8)
    out = np.empty((len(dates), len(index)), dtype=np.int8)
    j = 0
    for row, day in enumerate(pd.DatetimeIndex(dates).to_numpy()):
        while j < len(days) and days[j] <= day:
            if where[j] >= 0:
                state[where[j]] = STATE_CODES["held"] if held[j] else STATE_CODES["lost"]
            j += 1
        out[row] = state
    return out


def histories(changes: pd.DataFrame) -> pd.Series:
    """Per place the change table names (index geonameid), its history per the source as text:
    "held 2022-04-03 (the source's first date, or earlier) to 2022-09-11; held since 2023-05-20"."""
    if changes.empty:
        return pd.Series(dtype=object)
    first = changes["date"].min()
    ordered = changes.sort_values(["geonameid", "date"], kind="stable")
    out: dict[int, str] = {}
    for place, rows in ordered.groupby("geonameid", sort=False):
        spells: list[str] = []
        start: str | None = None
        for day, held, previous in zip(rows["date"], rows["held"], rows["previous_date"], strict=True):
            text = f"{day:%Y-%m-%d}" + (" (the source's first date, or earlier)" if day == first and pd.isna(previous)
                                        else "")  # fmt: skip
            if held:
                start = start or text
            elif start is not None:
                spells.append(f"held {start} to {day:%Y-%m-%d}")
                start = None
            else:
                spells.append(f"not held since {text}")
        if start is not None:
            spells.append(f"held since {start}")
        more = "…; " if len(spells) > _SPELLS else ""
        out[int(place)] = more + "; ".join(spells[-_SPELLS:])
    return pd.Series(out, dtype=object)


def tier_of(population: pd.Series) -> np.ndarray:
    """Each population's tier (``TIERS``' index, 0 the smallest)."""
    return np.searchsorted(np.array(TIERS), population.to_numpy(), side="right") - 1


def _legend_names(codes: np.ndarray, always_never: int) -> list[str]:
    counts = np.bincount(codes, minlength=3)
    counts[2] += always_never
    return [f"{label} ({counts[n]:,})" for n, (_, _, label) in enumerate(_LEGEND)]


def _still_layers(part: pd.DataFrame) -> list[dict[str, object]]:
    """The markers of places that never change colour as ``layout.map.layers`` circles, a layer per
    population tier (one MultiPoint, 4 decimals: 11 m), the largest on top."""
    layers = []
    tiers = tier_of(part["population"])
    for tier, size in enumerate(_SIZES):
        here = part[tiers == tier]
        if here.empty:
            continue
        points = np.column_stack([here["lon"].to_numpy().round(4), here["lat"].to_numpy().round(4)]).tolist()
        layers.append({"sourcetype": "geojson", "source": {"type": "Feature", "properties": {},
                                                           "geometry": {"type": "MultiPoint", "coordinates": points}},
                       "type": "circle", "color": NEVER_COLOUR, "opacity": 0.9, "circle": {"radius": size / 2},
                       "below": "traces", "name": f"{STILL_LAYER}-{tier}"})  # fmt: skip
    return layers


def settlement_traces(places: pd.DataFrame, history: pd.Series) -> tuple[list[go.Scattermap], list[dict], dict]:
    """The settlements (``places``: a ``place_states`` table; ``history``: ``histories``): those the
    change table names, one trace whose colour steps with the timeline, and those it never names
    (always "not held"), drawn as ``layout.map.layers`` circles (second value: a step of Play sends
    every trace to MapLibre again, and leaves unchanged layers alone) under a trace that is not drawn
    (``mode`` "none") and gives their hover; a marker size per population tier, the largest drawn
    last (on top); their names are in the map's style (``geodata.webmap_style``). Third value: where
    the timeline finds them: {"dynamic": [(trace number, the places' geonameids)], "legend": [trace
    numbers of the three legend entries], "never": count of places never named}."""
    traces: list[go.Scattermap] = []
    still: list[dict[str, object]] = []
    dynamic: list[tuple[int, np.ndarray]] = []
    named = places["geonameid"].isin(history.index).to_numpy()
    for changing in (False, True):
        part = places[named == changing].sort_values("population", kind="stable")
        if part.empty:
            continue
        line = "%{customdata[3]}" if changing else "not held on any date"
        columns = [part["name_uk"], part["oblast"].str.removesuffix(" Oblast"), part["population"].map("{:,}".format)]
        marker: dict[str, object] = {}
        if changing:
            columns.append(part["geonameid"].map(history))
            dynamic.append((len(traces), part["geonameid"].to_numpy()))
            marker = {"size": np.array(_SIZES, dtype=np.int8)[tier_of(part["population"])],
                      "color": part["status"].map(STATE_CODES).to_numpy(dtype=np.int8), "opacity": 0.9,
                      "colorscale": _SCALE, "cmin": 0, "cmax": 2}  # fmt: skip
        else:
            still = _still_layers(part)
        traces.append(go.Scattermap(
            lon=part["lon"].to_numpy(np.float32), lat=part["lat"].to_numpy(np.float32),  # to 0.3 m, half the bytes
            mode="markers" if changing else "none", text=part["name"].map(pt), customdata=np.column_stack(columns),
            showlegend=False, name="settlements" + (" that change hands" if changing else ""), marker=marker,
            hoverlabel={"bgcolor": "white", "bordercolor": "#555"},
            hovertemplate="<b>%{text}</b> (%{customdata[0]})<br>oblast: %{customdata[1]}<br>population "
            f"%{{customdata[2]}} (GeoNames, census-era)<br>per the source: {line}<extra></extra>",
        ))  # fmt: skip
    codes = places.loc[named, "status"].map(STATE_CODES).to_numpy(dtype=np.int8)
    legend = []
    for (group, colour, _), name in zip(_LEGEND, _legend_names(codes, int((~named).sum())), strict=True):
        legend.append(len(traces))
        traces.append(go.Scattermap(lon=[None], lat=[None], mode="markers", name=name, legendgroup=group,
                                    marker={"size": 9, "color": colour}, hoverinfo="skip"))  # fmt: skip
    return traces, still, {"dynamic": dynamic, "legend": legend, "never": int((~named).sum())}


def add_timeline(fig: go.Figure, changes: pd.DataFrame, where: dict, dates: Sequence[pd.Timestamp],
                 on: pd.Timestamp, title: Callable[[pd.Timestamp], str], *, offset: int = 0) -> go.Figure:  # fmt: skip
    """A frame per date of ``dates`` (and ``on``) restyling the settlements ``where`` says
    (``settlement_traces``' third value; its trace numbers plus ``offset``), with Play and Pause
    buttons and a slider at ``on`` under the map. ``title``: the title of a date."""
    days = sorted({pd.Timestamp(d) for d in dates} | {pd.Timestamp(on)})
    ids = np.concatenate([ids for _, ids in where["dynamic"]]) if where["dynamic"] else np.array([], dtype=int)
    codes = state_codes(changes, ids, days)
    cuts = np.cumsum([0] + [len(ids) for _, ids in where["dynamic"]])
    moved = [number + offset for number, _ in where["dynamic"]]
    legend = [number + offset for number in where["legend"]]
    frames = []
    for row, day in enumerate(days):
        parts = [{"type": "scattermap", "marker": {"color": codes[row, a:b]}} for a, b in pairwise(cuts)]
        names = [{"type": "scattermap", "name": name} for name in _legend_names(codes[row], where["never"])]
        frames.append(go.Frame(name=f"{day:%Y-%m-%d}", data=parts + names, traces=moved + legend,
                               layout={"title": {"text": title(day)}}))  # fmt: skip
    fig.frames = frames
    step = {"mode": "immediate", "frame": {"duration": 0, "redraw": True}, "transition": {"duration": 0}}
    play = {"frame": {"duration": FRAME_MS, "redraw": True}, "transition": {"duration": 0}, "mode": "immediate"}
    fig.update_layout(
        sliders=[{  # the whole width under the map (a phone's too), the buttons under it
            "active": days.index(pd.Timestamp(on)), "x": 0, "len": 1, "y": 0, "yanchor": "top",
            # room at both ends for half a (transparent) date label: no text outside the chart
            "pad": {"t": 4, "b": 0, "l": 28, "r": 28}, "currentvalue": {"visible": False},
            "font": {"size": 9, "color": "rgba(0,0,0,0)"}, "ticklen": 3, "minorticklen": 0,
            "transition": {"duration": 0},
            "steps": [{"label": f"{day:%Y-%m-%d}", "method": "animate", "args": [[f"{day:%Y-%m-%d}"], step]}
                      for day in days],
        }],
        updatemenus=[{
            "type": "buttons", "direction": "left", "x": 0, "y": 0, "xanchor": "left", "yanchor": "top",
            "pad": {"t": _BUTTONS_TOP_PX, "r": 6}, "showactive": False, "font": {"size": 12},
            "buttons": [
                {"label": "▶ Play", "method": "animate", "args": [None, {**play, "fromcurrent": True}]},
                {"label": "❚❚ Pause", "method": "animate",
                 "args": [[None], {"mode": "immediate", "frame": {"duration": 0, "redraw": False},
                                   "transition": {"duration": 0}}]},
            ],
        }],
    )  # fmt: skip
    return fig


def without_timeline(fig: go.Figure) -> go.Figure:
    """A copy of the map without its timeline, for images: no frames, slider or buttons, and the
    legend and source line moved up into their room (the map keeps its size)."""
    out = go.Figure(data=fig.data, layout=fig.layout)  # not the frames (copying them costs 0.5 s)
    if not out.layout.sliders:
        return out
    plot = out.layout.height - out.layout.margin.t - out.layout.margin.b
    out.layout.sliders, out.layout.updatemenus = (), ()  # (update_layout leaves them for an empty list)
    out.update_layout(height=out.layout.height - SLIDER_PX,
                      margin={"b": out.layout.margin.b - SLIDER_PX},
                      legend={"y": out.layout.legend.y + SLIDER_PX / plot})  # fmt: skip
    note = out.layout.annotations[-1]
    note.update(y=note.y + SLIDER_PX / plot)
    return out
