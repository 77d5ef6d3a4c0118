"""Maps drawn from figures, offline: polygons as plotly shapes in the equal-area projection.

No tiles, no topojson, no CDN: each region is a filled ``Scatter`` trace in projected kilometres,
so the map renders the same in a browser without internet and in static image exports.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, partial

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from plotly.colors import sample_colorscale
from sqlalchemy import Engine

from geodata.areas import to_equal_area
from geodata.boundaries import load_regions
from metrics.chart_layout import GAINED_COLOUR, LOSS_PATTERN, LOST_COLOUR
from metrics.charts import house_layout
from metrics.display import plotly_text as pt

__all__ = [
    "CONTROL_COLOUR", "GAINED_COLOUR", "LOST_COLOUR", "SHARE_COLOURSCALE", "add_change_polygons", "add_control_polygon",
    "change_map_of", "date_map", "drawing_regions", "latest_share_map", "period_change_map", "region_change_map",
    "region_share_map", "share_map",
]  # fmt: skip

#: Sequential, colour-blind safe (ColorBrewer OrRd), 0 % to 100 %.
SHARE_COLOURSCALE = "OrRd"
#: Outline of the area an actor holds per a source's polygons (Okabe-Ito blue: distinct from OrRd).
CONTROL_COLOUR = "#0072B2"
_DRAW_TOLERANCE_M = 1_500.0  # simplification for drawing only; figures use the shipped geometry


@cache
def drawing_regions() -> gpd.GeoDataFrame:
    """The shipped regions projected to the equal-area CRS (km) and simplified for drawing, as one
    coverage (shared borders stay shared), largest first so small units are drawn on top."""
    regions = load_regions()
    projected = to_equal_area(regions.geometry)
    simplified = shapely.coverage_simplify(projected.values, _DRAW_TOLERANCE_M)
    scaled = shapely.transform(simplified, lambda xy: xy / 1000.0)
    out = gpd.GeoDataFrame(regions[["region", "name", "area_km2"]], geometry=scaled)
    return out.sort_values("area_km2", ascending=False, ignore_index=True)


def _rings(geometry: shapely.Geometry, *, holes: bool = False) -> tuple[list[float | None], list[float | None]]:
    """Rings of a (Multi)Polygon as x, y lists separated by None: the exteriors, and the interiors
    too with ``holes`` (plotly's even-odd fill leaves them open)."""
    xs: list[float | None] = []
    ys: list[float | None] = []
    for polygon in getattr(geometry, "geoms", [geometry]):
        if polygon.is_empty or polygon.geom_type != "Polygon":
            continue
        for ring in [polygon.exterior, *(polygon.interiors if holes else [])]:
            coords = np.asarray(ring.coords)
            xs += [*coords[:, 0].round(2).tolist(), None]
            ys += [*coords[:, 1].round(2).tolist(), None]
    return xs, ys


def add_control_polygon(fig: go.Figure, geometry: shapely.Geometry, *, label: str) -> go.Figure:
    """Draw a control polygon (EPSG:4326, e.g. a snapshot's web geometry) over a map of this module:
    hatched fill and a solid outline, named ``label`` in the legend."""
    projected = to_equal_area(gpd.GeoSeries([geometry], crs="EPSG:4326")).iloc[0]
    xs, ys = _rings(shapely.transform(projected, lambda xy: xy / 1000.0), holes=True)
    fig.add_scatter(
        x=xs, y=ys, fill="toself", mode="lines", name=label, hoverinfo="name", hoveron="fills",
        line={"color": CONTROL_COLOUR, "width": 1.4}, fillcolor="rgba(0,114,178,0.10)",
        fillpattern={"shape": "/", "fgcolor": CONTROL_COLOUR, "size": 7, "solidity": 0.15},
        showlegend=True,
    )  # fmt: skip
    # bottom left, where the map of Ukraine leaves room, above the source line
    fig.update_layout(showlegend=True, legend={"orientation": "h", "x": 0, "y": 0.03, "yanchor": "bottom"})
    return fig


def _choropleth(
    colours: dict[str, tuple[str, str]],
    *,
    colourscale: object,
    cmin: float,
    cmax: float,
    colourbar: str,
    title: str,
    subtitle: str,
    source: str,
) -> go.Figure:
    """The shipped regions filled with ``colours[region] = (colour, hover label)`` (grey "no figure"
    where missing), with a colour bar from ``cmin`` to ``cmax``, in the house layout."""
    fig = go.Figure()
    for row in drawing_regions().itertuples():
        colour, label = colours.get(row.region, ("#d9d9d9", "no figure"))
        xs, ys = _rings(row.geometry)
        fig.add_scatter(
            x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines", line={"color": "#8c8c8c", "width": 0.6},
            name=f"{row.name}: {label}", hoveron="fills", hoverinfo="name", showlegend=False,
        )  # fmt: skip
    fig.add_scatter(
        x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
        marker={"colorscale": colourscale, "cmin": cmin, "cmax": cmax, "color": [0],
                "colorbar": {"title": {"text": colourbar}, "thickness": 14, "len": 0.7}},
    )  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    house_layout(fig, title=title, subtitle=subtitle, source=source, height=520)
    fig.update_layout(hovermode="closest", margin={"l": 10, "r": 10, "b": 50})
    fig.layout.annotations[-1].update(y=-0.02)
    return fig


def region_share_map(values: pd.DataFrame, *, title: str, subtitle: str, source: str) -> go.Figure:
    """Regions coloured by ``share_controlled_pct`` (0-100).

    ``values``: one row per region with ``region``, ``share_controlled_pct`` and, when known,
    ``area_controlled_km2``. Regions without a value are drawn grey ("no figure").
    """
    colours = {}
    for row in values.itertuples(index=False):
        share = float(row.share_controlled_pct)
        if np.isnan(share):
            continue
        label = f"{share:.1f} %"
        area = float(getattr(row, "area_controlled_km2", np.nan))
        if not np.isnan(area):
            label += f" ({area:,.0f} km²)"
        colours[row.region] = (sample_colorscale(SHARE_COLOURSCALE, [share / 100])[0], label)
    return _choropleth(colours, colourscale=SHARE_COLOURSCALE, cmin=0, cmax=100, colourbar="Share<br>held, %",
                       title=title, subtitle=subtitle, source=source)  # fmt: skip


#: Gained (dark red) and lost (blue, hatched) areas: ``metrics.chart_layout``'s pair, told apart
#: by colour-blind readers and in greyscale print.


def region_change_map(values: pd.DataFrame, *, title: str, subtitle: str, source: str) -> go.Figure:
    """Regions coloured by ``change_km2`` (area gained by the actor, negative: lost) on a diverging
    scale centred on zero; ``values`` has one row per region with ``region`` and ``change_km2``."""
    changes = values.dropna(subset=["change_km2"]).set_index("region")["change_km2"].astype(float)
    bound = max(1.0, float(changes.abs().max())) if len(changes) else 1.0
    scale = [[0.0, LOST_COLOUR], [0.5, "#f7f7f7"], [1.0, GAINED_COLOUR]]
    colours = {
        region: (sample_colorscale(scale, [(change / bound + 1) / 2])[0], f"{change:+,.1f} km²")
        for region, change in changes.items()
    }
    return _choropleth(colours, colourscale=scale, cmin=-bound, cmax=bound, colourbar="Change,<br>km²",
                       title=title, subtitle=subtitle, source=source)  # fmt: skip


def add_change_polygons(fig: go.Figure, gained: shapely.Geometry, lost: shapely.Geometry, *, gained_km2: float,
                        lost_km2: float) -> go.Figure:  # fmt: skip
    """Draw gained and lost polygons (EPSG:4326) over a map of this module, with their km² in the legend."""
    for geometry, colour, label in ((gained, GAINED_COLOUR, f"Gained: {gained_km2:,.1f} km²"),
                                    (lost, LOST_COLOUR, f"Lost: {lost_km2:,.1f} km²")):  # fmt: skip
        if geometry is None or geometry.is_empty:
            fig.add_scatter(x=[None], y=[None], mode="lines", name=label, line={"color": colour})
            continue
        projected = to_equal_area(gpd.GeoSeries([geometry], crs="EPSG:4326")).iloc[0]
        xs, ys = _rings(shapely.transform(projected, lambda xy: xy / 1000.0), holes=True)
        pattern = {"shape": LOSS_PATTERN, "fgcolor": "#ffffff", "size": 7, "solidity": 0.35}
        fig.add_scatter(
            x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines", line={"color": colour, "width": 1.2},
            name=label, hoverinfo="name", hoveron="fills", fillpattern=pattern if colour == LOST_COLOUR else None,
        )  # fmt: skip
    fig.update_layout(showlegend=True, legend={"orientation": "h", "x": 0, "y": 0.03, "yanchor": "bottom"})
    return fig


def change_map_of(engine: Engine) -> Callable[[pd.DataFrame, pd.Timestamp, pd.Timestamp], tuple[go.Figure | None, str]]:
    """``period_change_map`` bound to ``engine``: the ``change_map`` that ``metrics.report.build_report`` takes."""
    return partial(period_change_map, engine)


def period_change_map(engine, regions: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp):  # type: ignore[no-untyped-def]
    """The report's map of a period: the Map page's map (``geodata.webmap``) of the first source with
    per-oblast figures (``regions`` from ``metrics.report.regions_table``; DeepStateMap first)
    comparing the day before ``start`` with ``end``, fitted to what changed: the gained and lost
    polygons where the store holds that source's snapshots of both days, the settlements that changed
    hands always (the shipped per-settlement changes), with a scale bar for the report's width.
    Kaleido draws it (its Chromium has WebGL: the MapLibre map is a raster inside the SVG, the
    title, legend and source line text). Returns (figure or None, a note saying what is drawn)."""
    from geodata.front_queries import distances, settlement_changes
    from geodata.webmap import scale_bar
    from geodata.webmap_data import map_view
    from geodata.webmap_style import inline_names
    from metrics.images import EXPORT_WIDTH
    from metrics.regions import regional_sources
    from metrics.store import read_figures

    if regions.empty:
        return None, "No source in the store has per-oblast figures, so there is no map of the period."
    source = "DeepStateMap" if "DeepStateMap" in set(regions["source"]) else sorted(regions["source"])[0]
    figures = read_figures(engine)
    definition = next(d for s, d in regional_sources(figures) if s == source)
    before = start - pd.Timedelta(days=1)
    shown = map_view(engine, figures, settlement_changes(engine, source, definition),
                     distances(engine, source=source, definition=definition), source=source, definition=definition,
                     on=end, since=before, layers={"held": True, "front": True, "labels": True},
                     fit_changes=True)  # fmt: skip
    # the names inline: the report's images and its HTML have no app to ask for them (NAMES_URL)
    fig = scale_bar(inline_names(go.Figure(shown.figure)), shown.view, width_px=EXPORT_WIDTH)
    where = "fitted to what changed" if shown.bounds is not None else "nothing changed hands: the whole country"
    return fig, f"The map of {source} ({definition}), {before:%Y-%m-%d} to {end:%Y-%m-%d}, {where}. {shown.note}"


def share_map(engine: Engine, values: pd.DataFrame, *, source: str, definition: str, on: pd.Timestamp,
              source_text: str) -> tuple[go.Figure, str]:  # fmt: skip
    """The oblasts coloured by the share ``source`` marks as held on ``on`` (``values``: see
    ``region_share_map``), with the source's control polygon on or before ``on`` where the store holds
    one: the Overview's map and the Map page's map of one date. Returns (figure, a note on what is drawn)."""
    from geodata.store import snapshot_for_map

    fig = region_share_map(
        values,
        title=f"Share of each oblast held by Russian forces, {on:%Y-%m-%d}",
        subtitle=f"{pt(source)} ({pt(definition)}); share = area held in the oblast / oblast area (Natural Earth 10m)",
        source=source_text,
    )
    snapshot = snapshot_for_map(engine, source=source, definition=definition, on_or_before=on)
    if snapshot is None:
        return fig, "Oblasts coloured from the figures; the store holds no polygon of this source."
    date, area, web = snapshot
    label = f"Area held per {pt(source)}'s polygon, {date:%Y-%m-%d}: {area:,.0f} km²"
    add_control_polygon(fig, web.geometry, label=label)
    return fig, f"Oblasts coloured from the figures; the hatched outline is {source}'s polygon of {date:%Y-%m-%d}."


def latest_share_map(engine: Engine, series: pd.DataFrame, source: str, definition: str) -> go.Figure:
    """The Overview's map: ``share_map`` on the source's latest date with per-oblast figures
    (``series``: ``metrics.store.list_series``), read from the store from that date on."""
    from metrics.charts import source_line
    from metrics.overview import latest_region_values

    values = latest_region_values(engine, series, source, definition)
    as_of = values.sort_values("date").tail(1)
    fig, _note = share_map(engine, values, source=source, definition=definition, on=as_of["date"].iloc[0],
                           source_text=source_line(as_of))  # fmt: skip
    return fig


def date_map(engine, figures: pd.DataFrame, *, source: str, definition: str, on: pd.Timestamp,
             compare_from: pd.Timestamp | None = None) -> tuple[go.Figure, str]:  # type: ignore[no-untyped-def]  # fmt: skip
    """The Map page's figure for one date: oblasts coloured by the share held (with the source's control
    polygon where the store holds a snapshot on or before ``on``), or, with ``compare_from``, coloured
    by the change of the area held since then, with the gained and lost polygons and their km² in the
    legend where the store holds snapshots of both dates. Returns (figure, a note on what is drawn)."""
    from geodata.change import snapshot_change
    from geodata.store import NoSnapshotError
    from metrics.regions import regions_on

    on = pd.Timestamp(on)
    if compare_from is None:
        values = regions_on(figures, source, definition, on).rename(
            columns={"share_pct": "share_controlled_pct", "area_km2": "area_controlled_km2"}
        )
        text = f"Source: {pt(source)} ({pt(definition)}), latest figures on or before {on:%Y-%m-%d}"
        return share_map(engine, values.dropna(subset=["share_controlled_pct"]), source=source,
                         definition=definition, on=on, source_text=text)  # fmt: skip
    since = pd.Timestamp(compare_from)
    table = regions_on(figures, source, definition, on, since=since)
    fig = region_change_map(
        table,
        title=f"Change of the area held per oblast, {since:%Y-%m-%d} to {on:%Y-%m-%d}",
        subtitle=f"{pt(source)} ({pt(definition)}); dark red: gained by Russian forces, blue: lost",
        source=f"Source: {pt(source)} ({pt(definition)}), latest figures on or before each date",
    )
    try:
        change = snapshot_change(engine, source=source, definition=definition, start=since, end=on)
    except (NoSnapshotError, LookupError, ValueError):
        changes = table["change_km2"].dropna()
        gained, lost = float(changes[changes > 0].sum()), float(-changes[changes < 0].sum())
        for colour, label in ((GAINED_COLOUR, f"Oblasts with a net gain: +{gained:,.1f} km²"),
                              (LOST_COLOUR, f"Oblasts with a net loss: −{lost:,.1f} km²")):  # fmt: skip
            fig.add_scatter(x=[None], y=[None], mode="markers", name=label,
                            marker={"color": colour, "size": 12, "symbol": "square"})  # fmt: skip
        fig.update_layout(showlegend=True, legend={"orientation": "h", "x": 0, "y": 0.03, "yanchor": "bottom"})
        return fig, ("Per-oblast change from the figures (the store holds no polygons of both dates, so gains and "
                     "losses inside an oblast offset each other).")  # fmt: skip
    whole = change.whole
    add_change_polygons(fig, change.gained, change.lost, gained_km2=float(whole["gained_km2"]),
                        lost_km2=float(whole["lost_km2"]))  # fmt: skip
    return fig, (f"Gained and lost areas between {source}'s polygons of {since:%Y-%m-%d} and {on:%Y-%m-%d}: "
                 f"net {whole['net_km2']:+,.1f} km².")  # fmt: skip
