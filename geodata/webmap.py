"""The Map page's pan-and-zoom map: a plotly MapLibre figure (``go.Scattermap``, ``go.Choroplethmap``,
``layout.map.layers`` with inline GeoJSON) on a plain background, offline.

The style is given as a dict (``geodata.webmap_style``): a background and the names, no tiles, no
glyphs, no sprite, so the browser asks no other host for anything (MapLibre draws the glyphs itself).
Layers, bottom to top: the held area (where the store holds a snapshot), the gained and lost polygons
of a comparison, the oblasts' borders, the country's outline, the front line, the settlements that
never change hands (``layout.map.layers``, which a step of Play leaves alone); then the traces: the
oblasts (filled by the share held when ``shares`` is on, else not drawn, for their hover alone), the
settlements coloured by who holds them (the shipped per-settlement changes: this works on a fresh
install), the watched cities; then the style's names: the settlements' (the largest placed first, so
that MapLibre, which drops names that collide, keeps the largest places' names when zoomed out) and
the oblasts'. The names are in the style, not in traces, because a step of the timeline redraws
every trace (``geodata.webmap_style``).

Pure: frames and geometries in (``MapInputs``), a figure out. ``geodata.webmap_data`` gathers the
inputs from the store and the shipped data.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely

from geodata.boundaries import load_outline, load_regions
from geodata.maps import GAINED_COLOUR, LOST_COLOUR, SHARE_COLOURSCALE
from geodata.web import project, web_geojson
from geodata.webmap_style import LABEL_LAYER, MAP_STYLE, OBLAST_LAYER, map_style
from geodata.webmap_timeline import HELD_COLOUR, NOT_HELD_COLOUR, SLIDER_PX, TIERS, add_timeline, settlement_traces
from metrics.charts import house_layout
from metrics.display import plotly_text as pt

__all__ = [
    "BORDER_COLOUR",
    "HELD_COLOUR",
    "HOVER_TOLERANCE_M",
    "LAYERS",
    "MAP_STYLE",
    "NOT_HELD_COLOUR",
    "TIERS",
    "UKRAINE_VIEW",
    "MapInputs",
    "View",
    "fit_view",
    "map_figure",
    "scale_bar",
]

#: The optional layers (the page's toggles), and those on by default.
#: ``labels``: the settlements' names (with the settlements only).
LAYERS = {"settlements": True, "labels": True, "held": True, "front": True, "shares": False, "cities": False}
FRONT_COLOUR, HELD_FILL = "#67001f", "rgba(214,96,77,0.22)"
_DRAW_TOLERANCE_M = 1_200.0
#: The oblasts' shapes for their hover alone, when the shares are not drawn (the borders are a layer):
#: a step of Play sends every trace to MapLibre again, and the hover does not need the drawn detail.
HOVER_TOLERANCE_M = 3_000.0
BORDER_COLOUR = "#8c8c8c"
_TILE_PX = 512  # MapLibre's tile size: metres per pixel at zoom z = equator / (512 * 2**z) * cos(lat)
_EQUATOR_M = 40_075_016.686


@dataclass(frozen=True)
class View:
    """Where the map looks: centre (degrees) and MapLibre zoom; ``key`` changes when a view control is
    used (it is the figure's ``uirevision``: a new date keeps the reader's own pan and zoom)."""

    lat: float
    lon: float
    zoom: float
    key: str = "ukraine"


UKRAINE_VIEW = View(48.4, 31.3, 4.7)


@dataclass(frozen=True)
class MapInputs:
    """Everything one map shows (see ``geodata.webmap_data.map_inputs``)."""

    source: str
    definition: str
    on: pd.Timestamp
    #: one row per settlement: geonameid, name, name_uk, oblast, population, lon, lat, status
    #: ("held"; "first": held since the source's first date; "lost": held before but not on ``on``;
    #: "never": not held on ``on`` nor before), since (the date of the last change on or before ``on``)
    places: pd.DataFrame
    #: per oblast: region, share_pct, held_km2 (NaN where the source has no figure)
    shares: pd.DataFrame
    since: pd.Timestamp | None = None
    held: shapely.Geometry | None = None  # the held area (EPSG:4326, simplified for the web)
    held_date: pd.Timestamp | None = None
    held_km2: float | None = None
    front: shapely.Geometry | None = None  # the front line's lines (EPSG:4326)
    gained: shapely.Geometry | None = None  # compare: polygons where the store holds both dates
    lost: shapely.Geometry | None = None
    gained_km2: float | None = None
    lost_km2: float | None = None
    #: compare: the settlements that changed hands (``geodata.settlements.PERIOD_COLUMNS`` + lon, lat, oblast)
    moved: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: watched cities: name, lon, lat, distance_km, date
    cities: pd.DataFrame = field(default_factory=pd.DataFrame)
    source_text: str = ""
    #: the source's per-settlement change table (geonameid, date, held, previous_date), the history
    #: text of each place it names (``geodata.webmap_timeline.histories``) and the dates of the
    #: timeline's frames (none: no Play; a comparison has none either)
    changes: pd.DataFrame = field(default_factory=pd.DataFrame)
    history: pd.Series = field(default_factory=lambda: pd.Series(dtype=object))
    frame_dates: tuple[pd.Timestamp, ...] = ()


@cache
def _oblasts(tolerance_m: float = _DRAW_TOLERANCE_M) -> tuple[str, pd.DataFrame]:
    """The shipped oblasts simplified for drawing (one coverage, borders stay shared) to ``tolerance_m``
    as GeoJSON text (EPSG:4326, 3 decimals: about 100 m), and per oblast its code, name, area and
    label point."""
    regions = load_regions()
    projected = np.array([project(g) for g in regions.geometry.values], dtype=object)
    simple = shapely.coverage_simplify(projected, tolerance_m)
    back = [shapely.set_precision(project(g, inverse=True), 1e-3) for g in simple]
    features = [{"type": "Feature", "id": code, "geometry": json.loads(shapely.to_geojson(g))}
                for code, g in zip(regions["region"], back, strict=True)]  # fmt: skip
    points = shapely.point_on_surface(regions.geometry.values)
    table = regions[["region", "name", "area_km2"]].assign(lon=shapely.get_x(points), lat=shapely.get_y(points))
    return json.dumps({"type": "FeatureCollection", "features": features}, separators=(",", ":")), table


@cache
def _borders() -> dict[str, object]:
    """The oblasts' borders as drawn (``_oblasts``), for a line layer."""
    return json.loads(_oblasts()[0])


@cache
def _outline() -> dict[str, object]:
    outline = load_outline().geometry.values[0]
    simple = shapely.simplify(project(outline), _DRAW_TOLERANCE_M, preserve_topology=True)
    return json.loads(shapely.to_geojson(shapely.set_precision(project(simple, inverse=True), 1e-3)))


def _geojson(geometry: shapely.Geometry) -> dict[str, object]:
    return json.loads(web_geojson(geometry))


def _layer(geometry: shapely.Geometry | None, kind: str, colour: str, **more: object) -> list[dict[str, object]]:
    """A ``layout.map.layers`` entry with the geometry inline (none when it is empty)."""
    if geometry is None or geometry.is_empty:
        return []
    return [{"sourcetype": "geojson", "source": _geojson(geometry), "type": kind, "color": colour,
             "below": "traces", **more}]  # fmt: skip


def _oblast_trace(inputs: MapInputs, shares_on: bool) -> go.Choroplethmap:
    """The oblasts, hoverable (name, area, share held); filled by the share held with ``shares_on``,
    else not drawn at all (opacity 0: MapLibre skips it) on a coarser shape (``HOVER_TOLERANCE_M``),
    the borders being a layer of their own (``map_figure``), which a step of Play leaves alone."""
    text, table = _oblasts() if shares_on else _oblasts(HOVER_TOLERANCE_M)
    shares = table.merge(inputs.shares, on="region", how="left")
    has = shares["share_pct"].notna()
    hover = np.where(
        has,
        shares["share_pct"].map(lambda v: f"{v:.1f} %")
        + " held"
        + shares["held_km2"].map(lambda v: f" ({v:,.0f} km²)" if pd.notna(v) else ""),
        "no figure of the source",
    )
    custom = np.column_stack([shares["name"].map(pt), shares["area_km2"].map(lambda v: f"{v:,.0f}"), hover])
    common = {"geojson": json.loads(text), "locations": shares["region"], "featureidkey": "id", "customdata": custom,
              "hovertemplate": "<b>%{customdata[0]}</b><br>area %{customdata[1]} km²<br>%{customdata[2]}"
              "<extra></extra>", "name": "Oblasts", "showlegend": False}  # fmt: skip
    if shares_on:
        return go.Choroplethmap(
            z=shares["share_pct"].fillna(-1), colorscale=[[0, "#e6e6e6"], [0.0099, "#e6e6e6"],
                                                          *_scale_above_zero()], zmin=-1, zmax=100,
            marker={"opacity": 0.55, "line": {"color": BORDER_COLOUR, "width": 0.8}},
            colorbar={"title": {"text": "Share<br>held, %"}, "thickness": 12, "len": 0.5,
                      "x": 1, "xanchor": "right", "tickvals": [0, 25, 50, 75, 100]},
            **common,
        )  # fmt: skip
    # hover only: not drawn (the layers below the traces, the held area among them, show through)
    clear = "rgba(255,255,255,0)"
    return go.Choroplethmap(z=np.zeros(len(shares)), colorscale=[[0, clear], [1, clear]], showscale=False,
                            marker={"opacity": 0, "line": {"width": 0}}, **common)  # fmt: skip


def _scale_above_zero() -> list[list[object]]:
    from plotly.colors import sample_colorscale

    steps = np.linspace(0, 1, 6)
    colours = sample_colorscale(SHARE_COLOURSCALE, list(steps))
    return [[0.01 + 0.99 * s, c] for s, c in zip(steps, colours, strict=True)]


def _moved_traces(moved: pd.DataFrame, since: pd.Timestamp, on: pd.Timestamp) -> list[go.Scattermap]:
    traces = []
    for change, colour, verb in (("taken", GAINED_COLOUR, "Taken"), ("lost", LOST_COLOUR, "Lost")):
        part = moved[moved["change"] == change] if not moved.empty else moved
        n = len(part)
        custom = np.column_stack([part["oblast"], part["population"].map("{:,}".format),
                                  part["date"].map(lambda d: f"{d:%Y-%m-%d}")]) if n else None  # fmt: skip
        traces.append(go.Scattermap(
            lon=part["lon"] if n else [None], lat=part["lat"] if n else [None], mode="markers",
            text=part["name"].map(pt) if n else None, customdata=custom, legendgroup=f"moved-{change}",
            name=f"{verb} {since:%Y-%m-%d} to {on:%Y-%m-%d}: {n} settlement{'s' if n != 1 else ''}",
            marker={"size": 13, "color": colour, "opacity": 0.95},
            hovertemplate=f"<b>%{{text}}</b>: {verb.lower()}<br>%{{customdata[0]}}<br>population %{{customdata[1]}} "
            "(GeoNames)<br>changed by %{customdata[2]}<extra></extra>",
        ))  # fmt: skip
    return traces


def _city_traces(cities: pd.DataFrame) -> list[go.Scattermap]:
    if cities.empty:
        return []
    known = cities["distance_km"].notna()
    text = np.where(known, cities["distance_km"].map(lambda v: f"{v:,.1f} km"), "no figure")
    custom = np.column_stack([text, cities["date"].map(lambda d: f"{d:%Y-%m-%d}" if pd.notna(d) else "")])
    ring = {"lon": cities["lon"], "lat": cities["lat"], "mode": "markers", "legendgroup": "cities"}
    return [
        go.Scattermap(**ring, marker={"size": 11, "color": "#111"}, hoverinfo="skip", showlegend=False),
        go.Scattermap(**ring, marker={"size": 7, "color": "#ffd23f"}, text=cities["name"].map(pt), customdata=custom,
                      name=f"Watched cities ({len(cities)}): distance to the front",
                      hovertemplate="<b>%{text}</b><br>%{customdata[0]} to the front on %{customdata[1]}"
                      "<extra></extra>"),
    ]  # fmt: skip


def map_figure(inputs: MapInputs, *, layers: dict[str, bool] | None = None, view: View = UKRAINE_VIEW,
               height: int = 720) -> go.Figure:  # fmt: skip
    """The map of ``inputs`` with the chosen ``layers`` (``LAYERS``' names; missing ones default)
    looking at ``view``, at least ``height`` px tall; with the settlements on, one date (no
    comparison) and ``inputs.frame_dates``, the timeline's frames, Play and Pause and the date slider
    under the map (``geodata.webmap_timeline``). The legend and the source line are under the map
    (on the map, a phone's width puts the legend over the land)."""
    on_ = {**LAYERS, **(layers or {})}
    fig = go.Figure(_oblast_trace(inputs, on_["shares"]))
    style_layers: list[dict[str, object]] = []
    if on_["held"]:
        style_layers += _layer(inputs.held, "fill", HELD_FILL)
    if inputs.since is not None:
        style_layers += _layer(inputs.gained, "fill", GAINED_COLOUR, opacity=0.75)
        style_layers += _layer(inputs.lost, "fill", LOST_COLOUR, opacity=0.75)
    if not on_["shares"]:  # else the filled oblasts draw their borders
        style_layers.append({"sourcetype": "geojson", "source": _borders(), "type": "line", "color": BORDER_COLOUR,
                             "line": {"width": 0.8}, "below": "traces"})  # fmt: skip
    style_layers.append({"sourcetype": "geojson", "source": _outline(), "type": "line", "color": "#555",
                         "line": {"width": 1.6}, "below": "traces"})  # fmt: skip
    if on_["front"]:
        style_layers += _layer(inputs.front, "line", FRONT_COLOUR, line={"width": 2.2})
    where, offset = None, len(fig.data)
    if on_["settlements"]:
        traces, still, where = settlement_traces(inputs.places, inputs.history)
        fig.add_traces(traces)
        style_layers += still
    if inputs.since is not None:
        fig.add_traces(_moved_traces(inputs.moved, inputs.since, inputs.on))
        _legend_entries(fig, inputs)
    elif on_["held"] and inputs.held is not None:
        fig.add_trace(go.Scattermap(lon=[None], lat=[None], mode="markers", legendgroup="held-area",
                                    marker={"size": 12, "color": HELD_FILL},
                                    name=f"Area held per the polygon of {inputs.held_date:%Y-%m-%d}: "
                                    f"{inputs.held_km2:,.0f} km²"))  # fmt: skip
    if on_["cities"]:
        fig.add_traces(_city_traces(inputs.cities))
    names = on_["settlements"] and on_["labels"]
    style = map_style(_oblasts()[1], names=names)
    fig.update_traces(below=f"{LABEL_LAYER}-0" if names else OBLAST_LAYER)  # every trace under the names
    what = f"{pt(inputs.source)} ({pt(inputs.definition)})"
    if inputs.since is None:
        title, subtitle = f"Who holds what on {inputs.on:%Y-%m-%d}", f"{what}; settlements of 500+ people (GeoNames)"
    else:
        title = f"Changes from {inputs.since:%Y-%m-%d} to {inputs.on:%Y-%m-%d}"
        subtitle = f"{what}; red: gained by Russian forces, blue: lost"
    house_layout(fig, title=title, subtitle=subtitle, source=inputs.source_text, height=height)
    timeline = where is not None and inputs.since is None and bool(inputs.frame_dates)
    _under_the_map(fig, height, SLIDER_PX if timeline else 0)
    fig.update_layout(
        map={"style": style, "center": {"lat": view.lat, "lon": view.lon}, "zoom": view.zoom,
             "layers": style_layers},
        uirevision=view.key, hovermode="closest", margin={"l": 8, "r": 8},
        legend={"itemsizing": "constant", "tracegroupgap": 0},
    )  # fmt: skip
    if timeline:
        title_text = fig.layout.title.text.replace(f"{inputs.on:%Y-%m-%d}", "{}")
        add_timeline(fig, inputs.changes, where, inputs.frame_dates, inputs.on,  # type: ignore[arg-type]
                     lambda day: title_text.replace("{}", f"{day:%Y-%m-%d}"), offset=offset)  # fmt: skip
    return fig


def _under_the_map(fig: go.Figure, height: int, room: int) -> None:
    """Room under the map for the timeline's controls (``room`` px), then the legend and the source
    line as ``house_layout`` lays them out under a plot; the map at least 520 px tall."""
    house = fig.layout.meta["house"]
    top, bottom = fig.layout.margin.t, fig.layout.margin.b + room - 24  # the legend 16 px under, not 40
    plot = max(height - top - bottom, 520)
    fig.update_layout(height=top + bottom + plot, margin={"b": bottom}, legend={"y": -(16 + room) / plot})
    fig.layout.annotations[-1].update(y=-(16 + room + house["legend_px"] + 8) / plot)


def _legend_entries(fig: go.Figure, inputs: MapInputs) -> None:
    if inputs.gained_km2 is None:
        return
    for colour, label in ((GAINED_COLOUR, f"Area gained: {inputs.gained_km2:,.1f} km²"),
                          (LOST_COLOUR, f"Area lost: {inputs.lost_km2 or 0:,.1f} km²")):  # fmt: skip
        fig.add_trace(go.Scattermap(lon=[None], lat=[None], mode="markers", name=label,
                                    marker={"size": 12, "color": colour}))  # fmt: skip


def fit_view(bounds: tuple[float, float, float, float], *, width_px: int = 900, height_px: int = 520,
             max_zoom: float = 12.0, key: str = "changes") -> View:  # fmt: skip
    """The view that shows ``bounds`` (lon0, lat0, lon1, lat1) whole in a map of that size (Web Mercator)."""
    lon0, lat0, lon1, lat1 = bounds

    def y(lat: float) -> float:
        return math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))

    dx = max(abs(lon1 - lon0), 1e-4) / 360
    dy = max(abs(y(lat1) - y(lat0)), 1e-6) / (2 * math.pi)
    zoom = min(math.log2(width_px / _TILE_PX / dx), math.log2(height_px / _TILE_PX / dy), max_zoom)
    centre = math.degrees(2 * math.atan(math.exp((y(lat0) + y(lat1)) / 2)) - math.pi / 2)
    return View(round(centre, 4), round((lon0 + lon1) / 2, 4), round(zoom - 0.3, 2), key)


def scale_bar(fig: go.Figure, view: View, *, width_px: int) -> go.Figure:
    """A scale bar at the bottom right of the map for ``view`` drawn ``width_px`` wide (for image
    exports: the interactive map's reader may zoom, and the bar would then be wrong)."""
    margin = fig.layout.margin
    plot_px = width_px - (margin.l or 0) - (margin.r or 0)
    metres_per_px = _EQUATOR_M * math.cos(math.radians(view.lat)) / (_TILE_PX * 2**view.zoom)
    target = metres_per_px * plot_px / 5
    power = 10 ** math.floor(math.log10(target))
    nice = max(power * m for m in (1, 2, 5) if power * m <= target)
    frac = nice / metres_per_px / plot_px
    label = f"{nice / 1000:,.0f} km" if nice >= 1000 else f"{nice:,.0f} m"
    x1, y0 = 0.98, 0.04  # bottom right: the legend is at the bottom left
    fig.add_shape(type="line", xref="paper", yref="paper", x0=x1 - frac, x1=x1, y0=y0, y1=y0,
                  line={"color": "#111", "width": 3})  # fmt: skip
    fig.add_annotation(text=f"{label} (at {view.lat:.1f}° N)", xref="paper", yref="paper", x=x1, y=y0 + 0.005,
                       xanchor="right", yanchor="bottom", showarrow=False, font={"size": 11, "color": "#111"},
                       bgcolor="rgba(255,255,255,0.7)")  # fmt: skip
    return fig
