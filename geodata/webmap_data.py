"""What the Map page's map shows on a date, gathered from the store and the shipped data, for
``geodata.webmap.map_figure``: each settlement's state and since when (the per-settlement change
table of ``geodata.front_queries.settlement_changes``), the per-oblast shares (the store's figures),
the held area and front line (the source's snapshot on or before the date, where the store holds
one), the gains and losses between two dates (polygons where the store holds snapshots of both
dates; the settlements that changed hands always), the bounds of those changes and the watched
cities' distance to the front (shipped, plus the store's snapshots).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine

from geodata.boundaries import load_regions
from geodata.gazetteer import find_settlements, load_settlements
from geodata.settlements import taken_and_lost
from geodata.webmap import UKRAINE_VIEW, MapInputs, View, fit_view, map_figure
from geodata.webmap_style import inline_names
from geodata.webmap_timeline import histories
from metrics.display import plotly_text as pt

__all__ = ["STALE_DAYS", "VIEW_COLUMNS", "MapView", "change_bounds", "map_inputs", "map_view", "place_states",
           "place_view"]  # fmt: skip

#: Columns of the view's data (its CSV download).
VIEW_COLUMNS = ["date", "source", "definition", "geonameid", "name", "name_uk", "oblast", "population", "lon", "lat",
                "status", "since", "change"]  # fmt: skip
_PLACE_ZOOM = 11.0
#: The held area and front line are drawn from the source's latest polygon on or before the date when
#: it is at most this many days older than the date.
STALE_DAYS = 31


@dataclass(frozen=True)
class MapView:
    """The map and what goes with it on the page."""

    figure: object  # go.Figure
    note: str
    table: pd.DataFrame  # VIEW_COLUMNS: every settlement on the date, with the change of a comparison
    moved: pd.DataFrame  # the settlements that changed hands (compare), largest first
    bounds: tuple[float, float, float, float] | None  # lon0, lat0, lon1, lat1 of the changes
    view: View

    def html_figure(self) -> object:  # go.Figure
        """The map as the HTML export has it: a copy with the settlements' names inline (the page
        opens without the app that serves them)."""
        import plotly.graph_objects as go

        return inline_names(go.Figure(self.figure))


def _places() -> pd.DataFrame:
    oblast = load_regions().set_index("region")["name"]
    places = load_settlements()
    return places.assign(oblast=places["region"].map(oblast).fillna("outside the shipped oblasts"))


def place_states(changes: pd.DataFrame, on: pd.Timestamp, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each settlement's state on ``on`` per one source's change table: ``status`` "held" (since
    the date of its last change on or before ``on``), "first" (held since the source's first date,
    or earlier), "lost" (held before, not on ``on``; since the change) or "never" (not held on ``on``
    nor before it); ``since``: that date as text ("" for never)."""
    table = _places() if places is None else places
    upto = changes[changes["date"] <= pd.Timestamp(on)].sort_values("date", kind="stable")
    last = upto.drop_duplicates("geonameid", keep="last").set_index("geonameid")
    state = last.reindex(table["geonameid"])
    held = state["held"].fillna(False).astype(bool).to_numpy()
    seen = state["date"].notna().to_numpy()
    first = changes["date"].min() if not changes.empty else pd.NaT
    at_first = (state["date"] == first).to_numpy() & state["previous_date"].isna().to_numpy() & held
    status = np.where(at_first, "first", np.where(held, "held", np.where(seen, "lost", "never")))
    since = state["date"].map(lambda d: f"{d:%Y-%m-%d}" if pd.notna(d) else "").to_numpy()
    return table.assign(status=status, since=since)


def change_bounds(moved: pd.DataFrame, *polygons: shapely.Geometry | None) -> tuple[float, float, float, float] | None:
    """lon0, lat0, lon1, lat1 around the settlements that changed hands and the gained and lost
    polygons; None when nothing changed."""
    boxes = [shapely.bounds(g) for g in polygons if g is not None and not g.is_empty]
    if not moved.empty:
        boxes.append(np.array([moved["lon"].min(), moved["lat"].min(), moved["lon"].max(), moved["lat"].max()]))
    if not boxes:
        return None
    stack = np.vstack(boxes)
    lon0, lat0 = stack[:, 0].min(), stack[:, 1].min()
    lon1, lat1 = stack[:, 2].max(), stack[:, 3].max()
    pad = max(0.05, 0.08 * max(lon1 - lon0, lat1 - lat0))  # a lone village is not drawn at the map's edge
    return (round(lon0 - pad, 4), round(lat0 - pad, 4), round(lon1 + pad, 4), round(lat1 + pad, 4))


def place_view(query: str, zoom: float | None = None) -> tuple[View | None, str]:
    """The view centred on the settlement called ``query`` (any kept spelling; the largest such
    place), and a line saying which place it is, or None and why."""
    found = find_settlements(query.strip()) if query.strip() else pd.DataFrame()
    if found.empty:
        return None, f"No settlement called “{query.strip()}” in the gazetteer (GeoNames places of 500+ people)."
    row = _places().set_index("geonameid").loc[int(found["geonameid"].iloc[0])]
    more = f" ({len(found) - 1} other places have that name)" if len(found) > 1 else ""
    view = View(float(row["lat"]), float(row["lon"]), zoom or _PLACE_ZOOM, key=f"place:{row.name}:{zoom}")
    return view, f"{row['name']} ({row['name_uk']}), {row['oblast']}, population {int(row['population']):,}{more}"


def _distances_on(distances: pd.DataFrame, on: pd.Timestamp) -> pd.DataFrame:
    from geodata.front_figures import watched_cities

    cities = watched_cities()[["geonameid", "name", "lon", "lat"]]
    upto = distances[distances["date"] <= on].sort_values("date").drop_duplicates("place", keep="last")
    latest = upto.set_index("place")[["value", "date"]].rename(columns={"value": "distance_km"})
    return cities.join(latest, on="geonameid")


def map_inputs(engine: Engine, figures: pd.DataFrame, changes: pd.DataFrame, distances: pd.DataFrame, *, source: str,
               definition: str, on: pd.Timestamp, since: pd.Timestamp | None = None,
               frame_dates: Sequence[pd.Timestamp | str] = (),
               history: pd.Series | None = None) -> MapInputs:  # fmt: skip
    """The inputs of one map (``MapInputs``). ``changes``: the source's per-settlement change table
    (``settlement_changes``); ``distances``: its ``distance_to_front_km`` figures; ``frame_dates``:
    the dates of the timeline's frames (a map of one date only); ``history``: ``histories(changes)``
    when the caller keeps it (it does not depend on the date; 0.7 s)."""
    from geodata.change import snapshot_change
    from geodata.frontline import front_of
    from geodata.store import NoSnapshotError, snapshot_for_map
    from metrics.regions import regions_on

    on = pd.Timestamp(on)
    places = _places()
    states = place_states(changes, on, places)
    shares = regions_on(figures, source, definition, on)[["region", "share_pct", "area_km2"]]
    shares = shares.rename(columns={"area_km2": "held_km2"})
    held = snapshot_for_map(engine, source=source, definition=definition, on_or_before=on)
    stale = held is not None and (on - held[0]).days > STALE_DAYS
    if stale:
        held = None  # a polygon months old is not the front of this date
    held_geom = held[2].geometry if held is not None else None
    front = front_of(held_geom).lines if held_geom is not None else None
    gained = lost = None
    gained_km2 = lost_km2 = None
    moved = pd.DataFrame()
    if since is not None:
        since = pd.Timestamp(since)
        try:
            change = snapshot_change(engine, source=source, definition=definition, start=since, end=on)
            gained, lost = change.gained, change.lost
            gained_km2, lost_km2 = float(change.whole["gained_km2"]), float(change.whole["lost_km2"])
        except (NoSnapshotError, LookupError, ValueError):
            pass
        if not changes.empty:
            moved = taken_and_lost(changes, places, since + pd.Timedelta(days=1), on)
            where = places.set_index("geonameid")[["lon", "lat", "oblast", "name_uk"]]
            moved = moved.join(where, on="geonameid").sort_values("population", ascending=False, ignore_index=True)
    last = f"{held[0]:%Y-%m-%d}" if held is not None else None
    text = (f"Source: {pt(source)} ({pt(definition)}): settlements and oblast shares as of {on:%Y-%m-%d}"
            + (f", held area and front line: its polygon of {last}" if last else "")
            + ". Places: GeoNames (CC BY 4.0); borders: Natural Earth")  # fmt: skip
    return MapInputs(
        source=source, definition=definition, on=on, places=states, shares=shares, since=since, held=held_geom,
        held_date=held[0] if held is not None else None, held_km2=held[1] if held is not None else None,
        front=front, gained=gained, lost=lost, gained_km2=gained_km2, lost_km2=lost_km2, moved=moved,
        cities=_distances_on(distances, on), source_text=text, changes=changes,
        history=histories(changes) if history is None else history,
        frame_dates=tuple(pd.Timestamp(d) for d in frame_dates) if since is None else (),
    )  # fmt: skip


def _note(inputs: MapInputs, changes: pd.DataFrame) -> str:
    parts = []
    if changes.empty:
        parts.append(f"{inputs.source} has no per-settlement data: the settlements are drawn grey (not held).")
    else:
        held = int(inputs.places["status"].isin(["held", "first"]).sum())
        parts.append(f"{held:,} of {len(inputs.places):,} settlements (GeoNames places of 500+ people) held by Russian "
                     f"forces on {inputs.on:%Y-%m-%d} per {inputs.source}'s polygons.")  # fmt: skip
    if inputs.held is None:
        parts.append(f"The store holds no polygon of this source dated up to {STALE_DAYS} days before the date, so the "
                     "held area and the front line are not drawn (import or sync snapshots to see them).")  # fmt: skip
    else:
        parts.append(f"Held area and front line: the polygon of {inputs.held_date:%Y-%m-%d}, "
                     f"{inputs.held_km2:,.0f} km².")  # fmt: skip
    if inputs.since is not None:
        taken = int((inputs.moved["change"] == "taken").sum()) if not inputs.moved.empty else 0
        lost = len(inputs.moved) - taken
        parts.append(f"From {inputs.since:%Y-%m-%d} to {inputs.on:%Y-%m-%d}: {taken} settlements taken, {lost} lost.")
        if inputs.gained_km2 is not None:
            parts.append(f"Polygons: {inputs.gained_km2:,.1f} km² gained, {inputs.lost_km2:,.1f} km² lost.")
        else:
            parts.append("The store holds no polygons of both dates, so the changed areas are shown by settlement.")
    return " ".join(parts)


def map_view(engine: Engine, figures: pd.DataFrame, changes: pd.DataFrame, distances: pd.DataFrame, *, source: str,
             definition: str, on: pd.Timestamp | str, since: pd.Timestamp | str | None = None,
             layers: dict[str, bool] | None = None, view: View = UKRAINE_VIEW,
             fit_changes: bool = False, frame_dates: Sequence[pd.Timestamp | str] = (),
             history: pd.Series | None = None) -> MapView:  # fmt: skip
    """The map (``geodata.webmap.map_figure``) of a date or of a comparison, its note, its data and
    the bounds of the changes; with ``fit_changes`` the view fits them (when there are any); with
    ``frame_dates`` (one date only) the timeline played in the browser. Dates as timestamps or
    ``YYYY-MM-DD`` (as the page's slider gives them); ``history``: as ``map_inputs`` has it."""
    on, since = pd.Timestamp(on), (pd.Timestamp(since) if since is not None else None)
    inputs = map_inputs(engine, figures, changes, distances, source=source, definition=definition, on=on,
                        since=since, frame_dates=frame_dates, history=history)  # fmt: skip
    bounds = change_bounds(inputs.moved, inputs.gained, inputs.lost) if since is not None else None
    if fit_changes and bounds is not None:
        view = fit_view(bounds, key=f"changes:{since:%Y-%m-%d}")
    figure = map_figure(inputs, layers=layers, view=view)
    table = inputs.places.assign(date=f"{inputs.on:%Y-%m-%d}", source=source, definition=definition, change="")
    if not inputs.moved.empty:
        table["change"] = table["geonameid"].map(inputs.moved.set_index("geonameid")["change"]).fillna("")
    return MapView(figure=figure, note=_note(inputs, changes), table=table[VIEW_COLUMNS], moved=inputs.moved,
                   bounds=bounds, view=view)  # fmt: skip
