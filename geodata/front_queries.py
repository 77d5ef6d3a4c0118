"""Questions about the front line, answered from the store and the shipped package data: the front's
length over time, the settlements taken and lost in a period, and the distance to watched cities.

Where the data comes from:
- ``frontline_length_km``, ``settlements_held``, ``population_held``: figures in the store (the
  bundled files ``*_front.csv.gz``, and the figures an import or sync adds with its snapshots);
- the per-settlement change table: shipped as a file (``geodata/data/settlements_changes.csv.gz``,
  read from the package data, never stored: it is 3,400 rows and changes only with a rebuild), and,
  for a source with snapshots in the store, computed from those snapshots (about 5 ms each) for the
  dates from its first stored snapshot on, continuing the shipped table's state before it;
- ``distance_to_front_km``: shipped as a file (``settlements_distance_to_front.csv.gz``; a figure's
  key has no place in it) plus, for snapshots in the store, computed from them; ``distance_rows``
  gives them all to ``metrics export --metric distance_to_front_km``, with a ``place`` column.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Engine

from geodata.front_figures import distance_figures, load_changes, load_distances, measure_front, watched_cities
from geodata.front_view import FrontView, front_view
from geodata.gazetteer import load_settlements
from geodata.settlements import CHANGE_COLUMNS, change_table, covered, held_on, taken_and_lost

__all__ = [
    "FRONTLINE_COLUMNS",
    "SETTLEMENT_COLUMNS",
    "city_choices",
    "distance_rows",
    "distances",
    "frontline",
    "latest_full_month",
    "page_view",
    "settlement_changes",
    "settlements_changed",
]

#: Columns of ``frontline`` (and of ``python -m geodata frontline``).
FRONTLINE_COLUMNS = ["date", "source", "definition", "frontline_length_km", "settlements_held", "population_held"]
#: Columns of ``settlements_changed`` (and of ``python -m geodata settlements``).
SETTLEMENT_COLUMNS = ["change", "date", "name", "oblast", "region", "population", "geonameid", "alias",
                      "source", "definition", "previous_date"]  # fmt: skip


def _stored(engine: Engine, source: str, definition: str | None):  # type: ignore[no-untyped-def]
    from geodata.store import current_snapshots

    snaps = current_snapshots(engine, source=source, definition=definition, territory="UKR", actor="RU")
    return snaps.sort_values("date", ignore_index=True)


def _definition(engine: Engine, source: str, definition: str | None) -> str | None:
    """The definition to use: the one given, else the only one the source has (shipped or stored)."""
    if definition is not None:
        return definition
    shipped = set(load_changes(source)["definition"])
    if not shipped:
        shipped = set(_stored(engine, source, None)["definition"])
    if len(shipped) > 1:
        raise SystemExit(f"--source {source}: several definitions ({', '.join(sorted(shipped))}); name one with "
                         "--definition")  # fmt: skip
    return next(iter(shipped), None)


def settlement_changes(engine: Engine, source: str, definition: str | None = None) -> pd.DataFrame:
    """The change table (``CHANGE_COLUMNS``) of one source: the shipped rows, continued (or, for a
    source not shipped, made) from the snapshots in the store."""
    definition = _definition(engine, source, definition)
    shipped = load_changes(source, definition)[CHANGE_COLUMNS]
    snaps = _stored(engine, source, definition) if definition is not None else pd.DataFrame()
    if snaps.empty:
        return shipped
    places = load_settlements()
    lon, lat = places["lon"].to_numpy(float), places["lat"].to_numpy(float)
    coverage = np.array([covered(g, lon, lat) for g in snaps.geometry.values])
    dates = list(snaps["date"])
    if shipped.empty:
        return change_table(coverage, places["geonameid"], dates)
    # From the first stored snapshot on, one sequence of states: a stored snapshot's own coverage on its
    # date (it wins); on each later change date of the shipped table, the state before it with that
    # date's shipped changes applied (so what a stored snapshot showed holds until the source changes it).
    first = pd.Timestamp(dates[0])
    anchor = first - pd.Timedelta(days=1)
    ids = places["geonameid"]
    position = pd.Series(np.arange(len(ids)), index=ids.to_numpy())
    stored = dict(zip(pd.to_datetime(dates), coverage, strict=True))
    changed = shipped[(shipped["date"] > first) & shipped["geonameid"].isin(position.index)]
    by_date = {pd.Timestamp(d): rows for d, rows in changed.groupby("date")}
    sequence = sorted({anchor, *stored, *by_date})
    states = [held_on(shipped, anchor).reindex(ids, fill_value=False).to_numpy()]
    for day in sequence[1:]:
        if day in stored:
            state = np.asarray(stored[day], dtype=bool)
        else:
            state = states[-1].copy()
            rows = by_date[day]
            state[position[rows["geonameid"]].to_numpy()] = rows["held"].to_numpy(dtype=bool)
        states.append(state)
    continued = change_table(np.vstack(states), ids, sequence)
    continued = continued[continued["date"] > anchor]
    # a change on a shipped date keeps the shipped table's "not yet on" day (its own previous snapshot)
    previous = shipped.set_index(["geonameid", "date", "held"])["previous_date"]
    keys = pd.MultiIndex.from_frame(continued[["geonameid", "date", "held"]])
    from_shipped = ~continued["date"].isin(list(stored)).to_numpy() & keys.isin(previous.index)
    continued.loc[from_shipped, "previous_date"] = previous.reindex(keys[from_shipped]).to_numpy()
    kept = shipped[shipped["date"] < first]
    return pd.concat([kept, continued], ignore_index=True).sort_values(["date", "geonameid"], ignore_index=True)


def settlements_changed(
    engine: Engine, *, source: str, definition: str | None, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    """The settlements taken and lost in ``[start, end]`` per the source (``SETTLEMENT_COLUMNS``):
    name (official romanisation), oblast, population (GeoNames), the date of the change."""
    definition = _definition(engine, source, definition)
    changes = settlement_changes(engine, source, definition)
    if changes.empty:
        raise LookupError(f"no settlement data for {source!r}: the shipped sources are "
                          f"{', '.join(sorted(set(load_changes()['source'])))}; or import snapshots")  # fmt: skip
    places = load_settlements()
    out = taken_and_lost(changes, places, start, end)
    from geodata.boundaries import load_regions

    oblast = load_regions().set_index("region")["name"]
    out = out.merge(places[["geonameid", "alias"]], on="geonameid", how="left")
    out = out.assign(oblast=out["region"].map(oblast).fillna(""), source=source, definition=definition or "")
    return out[SETTLEMENT_COLUMNS]


def frontline(
    engine: Engine,
    *,
    source: str | None = None,
    definition: str | None = None,
    start: pd.Timestamp | None = None,
    end: pd.Timestamp | None = None,
) -> pd.DataFrame:
    """Per date and source: the front's length and the settlements and population held, whole
    territory (``FRONTLINE_COLUMNS``), from the store's figures, oldest first."""
    from metrics.store import read_figures

    figures = read_figures(engine, metrics=["frontline_length_km", "settlements_held", "population_held"],
                           sources=None if source is None else [source],
                           definitions=None if definition is None else [definition], regions=[""])  # fmt: skip
    if source is not None:
        figures = pd.concat([figures, _unmeasured(engine, figures, source, definition)], ignore_index=True)
    if start is not None:
        figures = figures[figures["date"] >= start]
    if end is not None:
        figures = figures[figures["date"] <= end]
    if figures.empty:
        return pd.DataFrame(columns=FRONTLINE_COLUMNS)
    wide = figures.pivot_table(index=["date", "source", "definition"], columns="metric", values="value",
                               aggfunc="last").reset_index()  # fmt: skip
    for column in FRONTLINE_COLUMNS:
        if column not in wide:
            wide[column] = np.nan
    return wide[FRONTLINE_COLUMNS].sort_values(["source", "definition", "date"], ignore_index=True)


def _unmeasured(engine: Engine, figures: pd.DataFrame, source: str, definition: str | None) -> pd.DataFrame:
    """Front-line figures of the source's stored snapshots that have none in the store (stored before
    the import wrote them), computed from the snapshots."""
    snaps = _stored(engine, source, definition)
    if snaps.empty:
        return figures.iloc[:0]
    have = set(zip(figures["date"], figures["definition"], strict=True))
    todo = snaps[[(d, k) not in have for d, k in zip(snaps["date"], snaps["definition"], strict=True)]]
    frames = []
    for kind, group in todo.groupby("definition"):
        measured = measure_front(list(group["date"]), group.geometry.values, cities=watched_cities().iloc[:0])
        whole = measured.figures[measured.figures["region"] == ""]
        frames.append(whole.assign(source=source, definition=kind))
    return pd.concat(frames, ignore_index=True) if frames else figures.iloc[:0]


def distances(
    engine: Engine | None, *, source: str, definition: str | None = None, places: list[int] | None = None
) -> pd.DataFrame:
    """``distance_to_front_km`` figures (with ``place``) of the watched cities (or of ``places``): the
    shipped ones, and for a source with snapshots in the store those computed from them (a stored
    snapshot's date wins), oldest first."""
    if engine is not None:
        definition = _definition(engine, source, definition)
    shipped = load_distances(source, definition)
    snaps = _stored(engine, source, definition) if engine is not None and definition is not None else pd.DataFrame()
    if not snaps.empty:
        table = load_settlements()
        cities = watched_cities() if places is None else table[table["geonameid"].isin(places)]
        measured = measure_front(list(snaps["date"]), snaps.geometry.values, cities=cities)
        fresh = distance_figures(measured.distances, source=source, definition=str(definition))
        shipped = pd.concat([shipped[~shipped["date"].isin(set(snaps["date"]))], fresh], ignore_index=True)
    if places is not None:
        shipped = shipped[shipped["place"].isin(places)]
    return shipped.sort_values(["date", "place"], ignore_index=True)


def distance_rows(engine: Engine, *, source: str | None = None, definition: str | None = None) -> pd.DataFrame:
    """Every ``distance_to_front_km`` figure (with ``place``, the city's geonameid) of every source
    and definition with distances: the shipped ones, and those of the snapshots in the store. This is
    what ``metrics export --metric distance_to_front_km`` writes."""
    from geodata.store import current_snapshots

    shipped = load_distances()[["source", "definition"]].drop_duplicates()
    stored = current_snapshots(engine, source=source, definition=definition, territory="UKR", actor="RU",
                               geometry=False)[["source", "definition"]].drop_duplicates()  # fmt: skip
    pairs = pd.concat([shipped, stored], ignore_index=True).drop_duplicates()
    if source is not None:
        pairs = pairs[pairs["source"] == source]
    if definition is not None:
        pairs = pairs[pairs["definition"] == definition]
    frames = [distances(engine, source=s, definition=d) for s, d in pairs.itertuples(index=False)]
    if not frames:
        return load_distances().iloc[:0]
    rows = pd.concat(frames, ignore_index=True)
    # As the figure columns have them: computed by this project (derived), in no batch of the store (0).
    for column, value in (("published", ""), ("batch_id", 0), ("derived", True), ("quality", "")):
        if column not in rows:
            rows[column] = value
    return rows.sort_values(["date", "source", "definition", "place"], ignore_index=True)


def city_choices() -> dict[str, int]:
    """The watched cities as the page offers them: ``"Kramatorsk (Donetsk Oblast)"`` -> geonameid,
    largest first."""
    from geodata.gazetteer import label

    cities = watched_cities().sort_values("population", ascending=False)
    return {label(r.name, r.region): int(r.geonameid) for r in cities.itertuples()}


def latest_full_month(series: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The last calendar month that ends on or before the latest date of ``series`` (``frontline``)."""
    latest = pd.Timestamp(series["date"].max()) if not series.empty else pd.Timestamp.today().normalize()
    end = latest if latest == latest + pd.offsets.MonthEnd(0) else latest - pd.offsets.MonthEnd(1)
    return end - pd.offsets.MonthBegin(1), end


def page_view(
    engine: Engine,
    *,
    sources: Sequence[str],
    definitions: Sequence[str],
    start: pd.Timestamp | None,
    end: pd.Timestamp | None,
    cities: Sequence[int],
) -> FrontView:
    """Everything the Front line page shows for the chosen sources, definitions, period and cities
    (``geodata.front_view.front_view``); the period defaults to the latest full month."""
    series = frontline(engine)
    series = series[series["source"].isin(sources) & series["definition"].isin(definitions)]
    default_start, default_end = latest_full_month(series)
    start = default_start if start is None else pd.Timestamp(start)
    end = default_end if end is None else pd.Timestamp(end)
    pairs = list(series[["source", "definition"]].drop_duplicates().itertuples(index=False, name=None))
    changes = {(s, d): settlement_changes(engine, s, d) for s, d in pairs}
    changes = {k: v for k, v in changes.items() if not v.empty}
    changed = [settlements_changed(engine, source=s, definition=d, start=start, end=end) for s, d in changes]
    table = pd.concat(changed, ignore_index=True) if changed else pd.DataFrame(columns=SETTLEMENT_COLUMNS)
    near = [distances(engine, source=s, definition=d, places=list(cities)) for s, d in pairs]
    rows = pd.concat(near, ignore_index=True) if near else pd.DataFrame(columns=["date", "source", "place", "value"])
    rows = rows.rename(columns={"value": "distance_km"})[["date", "source", "definition", "place", "distance_km"]]
    return front_view(series, changes, table, rows, start=start, end=end)
