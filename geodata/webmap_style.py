"""The Map page's MapLibre style: a plain background and the map's names (the settlements' by
population tier, the oblasts') as symbol layers of the style itself, with inline GeoJSON.

Why the names are in the style and not in plotly traces: a step of the timeline (``Plotly.animate``
with ``redraw``) redraws every trace of the figure, and MapLibre then lays out and places the text of
every text trace again: headless Chromium (software WebGL) spent 2.1 s of CPU, all its processes, a
step with the names in ten text traces, 0.7 s with them in the style and the settlements in two
traces (the map of 2025-06-30 with every layer). plotly compares the style as JSON and leaves it
alone when it has not changed, so names in it cost nothing a step. They are not hoverable (the
markers under them are traces, with the hover).

No glyphs, no sprite, no tiles: the browser asks no other host for anything (MapLibre draws the
glyphs itself). The style's layers carry no ``icon-image`` (plotly's own symbol layers ask a CDN for
a "-15" icon that is missing).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go

from geodata.gazetteer import load_settlements
from geodata.webmap_timeline import LABEL_SIZES, tier_of

__all__ = ["LABEL_LAYER", "LABEL_ZOOMS", "MAP_STYLE", "NAMES_FILE", "NAMES_URL", "OBLAST_LAYER", "inline_names",
           "map_style", "settlement_names", "write_names"]  # fmt: skip

#: A background only. Its one source is an empty inline GeoJSON: plotly.js drops an empty ``sources``
#: ({}) from the layout when a frame of the timeline is applied, and MapLibre then rejects the style
#: ("missing required property").
MAP_STYLE = {"version": 8,
             "sources": {"none": {"type": "geojson", "data": {"type": "FeatureCollection", "features": []}}},
             "layers": [{"id": "bg", "type": "background", "paint": {"background-color": "#f4f3ef"}}]}  # fmt: skip
#: The ids of the settlements' names (a source, and a layer per population tier: ``LABEL_LAYER``-0
#: to -4) and of the oblasts' names in the style.
LABEL_LAYER, OBLAST_LAYER = "settlement-names", "oblast-names"
#: The zoom from which each tier's names are drawn (``geodata.webmap_timeline.TIERS``: 500+, 2 000+,
#: 10 000+, 50 000+, 250 000+ people): the whole country (zoom 4.7) names its towns of 10 000+, a
#: district (zoom 9) every village. Names below their zoom are not laid out at all (a new chart draws
#: sooner), and where names collide MapLibre drops the smaller place's (its layer is lower).
LABEL_ZOOMS = (8.5, 7.0, 4.0, 0.0, 0.0)
#: The settlements' names as a file the app serves itself (Streamlit's static folder beside app.py,
#: ``server.enableStaticServing``), built from the shipped gazetteer by ``write_names``; the style
#: names it by a URL relative to the page (every page is one level under the app's root), so the
#: 0.6 MB of names are not in every figure sent to the browser. Exports have them inline.
NAMES_FILE = Path(__file__).resolve().parents[1] / "static" / "settlement-names.geojson"
NAMES_URL = "app/static/settlement-names.geojson"


def _points(lon: Sequence[float], lat: Sequence[float], **properties: Sequence[object]) -> dict[str, object]:
    """A GeoJSON FeatureCollection of points (4 decimals: 11 m) with the given properties."""
    columns = list(properties.items())
    features = [
        {"type": "Feature", "geometry": {"type": "Point", "coordinates": [round(float(x), 4), round(float(y), 4)]},
         "properties": {key: values[i] for key, values in columns}}
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ]  # fmt: skip
    return {"type": "FeatureCollection", "features": features}


def settlement_names() -> dict[str, object]:
    """The shipped settlements (GeoNames places of 500+ people) as GeoJSON points with their name
    (``n``) and population tier (``t``, ``geodata.webmap_timeline.TIERS``' index)."""
    places = load_settlements()
    tiers = tier_of(places["population"])
    return _points(places["lon"].to_numpy(), places["lat"].to_numpy(), n=places["name"].tolist(),
                   t=[int(t) for t in tiers])  # fmt: skip


def _names_text() -> str:
    return json.dumps(settlement_names(), ensure_ascii=False, separators=(",", ":")) + "\n"


def write_names(path: Path = NAMES_FILE) -> Path:
    """Write ``settlement_names`` to ``path`` (the app's static file); the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(_names_text(), encoding="utf-8")
    return path


def map_style(oblasts: pd.DataFrame, *, names: bool, inline: bool = False) -> dict[str, object]:
    """``MAP_STYLE`` with the names: the settlements' (``names``; from ``NAMES_URL``, or inline with
    ``inline``) sized by population tier (``geodata.webmap_timeline.LABEL_SIZES``) from the tier's
    ``LABEL_ZOOMS``, the larger tiers placed first where names collide (MapLibre drops the later
    one), above their marker (the markers are 4 to 12 px); then ``oblasts``' (name, lon, lat: inline,
    27 points) on top of all. ``LABEL_LAYER``-0 is the lowest layer of names (the traces go under it)."""
    style = json.loads(json.dumps(MAP_STYLE))
    if names:
        style["sources"][LABEL_LAYER] = {"type": "geojson", "data": settlement_names() if inline else NAMES_URL}
        for tier, (size, zoom) in enumerate(zip(LABEL_SIZES, LABEL_ZOOMS, strict=True)):  # the largest on top
            style["layers"].append({
                "id": f"{LABEL_LAYER}-{tier}", "type": "symbol", "source": LABEL_LAYER, "minzoom": zoom,
                "filter": ["==", ["get", "t"], tier],
                "layout": {"text-field": ["get", "n"], "text-size": size, "text-anchor": "bottom",
                           "text-offset": [0, -0.45], "text-padding": 2},
                "paint": {"text-color": "#222222" if tier >= 2 else "#555555",
                          "text-halo-color": "rgba(244,243,239,0.8)", "text-halo-width": 1},
            })  # fmt: skip
    style["sources"][OBLAST_LAYER] = {
        "type": "geojson",
        "data": _points(oblasts["lon"].to_numpy(), oblasts["lat"].to_numpy(),
                        n=oblasts["name"].str.replace(" Oblast", "").tolist()),
    }  # fmt: skip
    style["layers"].append({"id": OBLAST_LAYER, "type": "symbol", "source": OBLAST_LAYER,
                            "layout": {"text-field": ["get", "n"], "text-size": 12},
                            "paint": {"text-color": "#7a5c00"}})  # fmt: skip
    return style


def inline_names(fig: go.Figure) -> go.Figure:
    """``fig`` (changed in place) with the settlements' names inline in its style instead of the
    app's URL: for exports (an HTML page or an image has no app to ask)."""
    style = fig.layout.map.style
    if isinstance(style, dict) and style.get("sources", {}).get(LABEL_LAYER, {}).get("data") == NAMES_URL:
        style = json.loads(json.dumps(style))
        style["sources"][LABEL_LAYER]["data"] = settlement_names()
        fig.layout.map.style = style
    return fig


if __name__ == "__main__":
    print(f"wrote {write_names()}")
