"""Maps drawn from figures, offline: polygons as plotly shapes in the equal-area projection.

No tiles, no topojson, no CDN: each region is a filled ``Scatter`` trace in projected kilometres,
so the map renders the same in a browser without internet and in static image exports.
"""

from __future__ import annotations

from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import plotly.graph_objects as go
import shapely
from plotly.colors import sample_colorscale

from geodata.areas import to_equal_area
from geodata.boundaries import load_regions
from metrics.charts import house_layout

__all__ = ["CONTROL_COLOUR", "SHARE_COLOURSCALE", "add_control_polygon", "drawing_regions", "region_share_map"]

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


def region_share_map(values: pd.DataFrame, *, title: str, subtitle: str, source: str) -> go.Figure:
    """Regions coloured by ``share_controlled_pct`` (0-100).

    ``values``: one row per region with ``region``, ``share_controlled_pct`` and, when known,
    ``area_controlled_km2``. Regions without a value are drawn grey ("no figure").
    """
    by_region = values.set_index("region")
    fig = go.Figure()
    for row in drawing_regions().itertuples():
        share = by_region["share_controlled_pct"].get(row.region, np.nan)
        area = by_region.get("area_controlled_km2", pd.Series(dtype=float)).get(row.region, np.nan)
        colour = "#d9d9d9" if np.isnan(share) else sample_colorscale(SHARE_COLOURSCALE, [share / 100])[0]
        label = f"{row.name}: no figure" if np.isnan(share) else f"{row.name}: {share:.1f} %"
        if not np.isnan(area):
            label += f" ({area:,.0f} km²)"
        xs, ys = _rings(row.geometry)
        fig.add_scatter(
            x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines", line={"color": "#8c8c8c", "width": 0.6},
            name=label, hoveron="fills", hoverinfo="name", showlegend=False,
        )  # fmt: skip
    fig.add_scatter(
        x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
        marker={"colorscale": SHARE_COLOURSCALE, "cmin": 0, "cmax": 100, "color": [0],
                "colorbar": {"title": {"text": "Share<br>held, %"}, "thickness": 14, "len": 0.7}},
    )  # fmt: skip
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x", scaleratio=1)
    house_layout(fig, title=title, subtitle=subtitle, source=source, height=520)
    fig.update_layout(hovermode="closest", margin={"l": 10, "r": 10, "t": 90, "b": 50})
    fig.layout.annotations[-1].update(y=-0.02)
    return fig
