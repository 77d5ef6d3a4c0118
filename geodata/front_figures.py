"""The front-line figures of control snapshots: ``frontline_length_km``, ``settlements_held``,
``population_held`` (whole territory and per oblast) and ``distance_to_front_km`` for watched cities,
plus the per-settlement change table; the shipped files of them; and the hook an import calls.

Definitions are in ``geodata.frontline`` (front, distance) and ``geodata.settlements`` (held,
taken, lost). Watched cities (``WATCHED_RULE``): every oblast centre, and every gazetteer place of
more than 50,000 people within 150 km of a shipped source's held area on any date.

The distance figures are shipped beside the bundled figures, not among them
(``DISTANCE_FILE``): a figure's key (date, territory, region, actor, metric, source, definition)
has no place in it, so two watched cities of one oblast would supersede each other in the store.
Their rows carry the figure columns plus ``place`` (the city's geonameid).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.boundaries import DATA_DIR
from geodata.frontline import distance_to_held_km, front_of
from geodata.gazetteer import load_settlements
from geodata.settlements import change_table, covered, held_counts
from geodata.web import project

__all__ = [
    "CHANGES_FILE",
    "DISTANCE_FILE",
    "FRONT_METRICS",
    "OBLAST_CENTRES",
    "WATCHED_MIN_POPULATION",
    "WATCHED_RADIUS_KM",
    "WATCHED_RULE",
    "FrontMeasures",
    "front_figures",
    "load_changes",
    "load_distances",
    "measure_front",
    "watched_cities",
]

CHANGES_FILE = DATA_DIR / "settlements_changes.csv.gz"
DISTANCE_FILE = DATA_DIR / "settlements_distance_to_front.csv.gz"
FRONT_METRICS = ("frontline_length_km", "settlements_held", "population_held", "distance_to_front_km")
WATCHED_MIN_POPULATION = 50_000
WATCHED_RADIUS_KM = 150.0
WATCHED_RULE = (
    "every oblast centre, and every GeoNames place of more than 50,000 people within 150 km of a shipped "
    "source's held area on any date"
)
#: ISO 3166-2 unit -> GeoNames id of its administrative centre (Kyiv Oblast's is Kyiv; Donetsk and
#: Luhansk oblasts' de jure centres are Donetsk and Luhansk).
OBLAST_CENTRES: dict[str, int] = {
    "UA-05": 689558, "UA-07": 702569, "UA-09": 702658, "UA-12": 709930, "UA-14": 709717, "UA-18": 686967,
    "UA-21": 690548, "UA-23": 687700, "UA-26": 707471, "UA-30": 703448, "UA-32": 703448, "UA-35": 705812,
    "UA-40": 694423, "UA-43": 693805, "UA-46": 702550, "UA-48": 700569, "UA-51": 698740, "UA-53": 696643,
    "UA-56": 695594, "UA-59": 692194, "UA-61": 691650, "UA-63": 706483, "UA-65": 706448, "UA-68": 706369,
    "UA-71": 710791, "UA-74": 710735, "UA-77": 710719,
}  # fmt: skip
_FIGURE_COLUMNS = ["date", "period_start", "territory", "region", "actor", "metric", "value", "source",
                   "definition", "notes", "derived"]  # fmt: skip


@dataclass(frozen=True)
class FrontMeasures:
    """The front-line measures of one source's snapshots (dates in increasing order)."""

    figures: pd.DataFrame  # frontline_length_km, settlements_held, population_held (figure columns)
    coverage: np.ndarray  # dates x gazetteer places: held or not
    distances: pd.DataFrame  # date, place, region, distance_km for the cities asked for

    def changes(self, places: pd.DataFrame, dates: Sequence[pd.Timestamp]) -> pd.DataFrame:
        """The per-settlement change table of these snapshots (``geodata.settlements.change_table``)."""
        return change_table(self.coverage, places["geonameid"], dates)


def candidate_cities(places: pd.DataFrame | None = None) -> pd.DataFrame:
    """Oblast centres and places of more than ``WATCHED_MIN_POPULATION``: the cities a build measures
    before keeping those within ``WATCHED_RADIUS_KM`` (``watched_cities``)."""
    table = load_settlements() if places is None else places
    keep = table["geonameid"].isin(set(OBLAST_CENTRES.values())) | (table["population"] > WATCHED_MIN_POPULATION)
    return table[keep].reset_index(drop=True)


def measure_front(
    dates: Sequence[pd.Timestamp],
    geoms: Sequence[shapely.Geometry],
    *,
    places: pd.DataFrame | None = None,
    cities: pd.DataFrame | None = None,
    projected: Sequence[shapely.Geometry] | None = None,
) -> FrontMeasures:
    """Front length, settlements and population held, and the distance of ``cities`` (default the
    shipped watched cities) to the held area, for held (Multi)Polygons in EPSG:4326, one per date.

    ``projected``: the same geometry in the equal-area CRS where the caller has it already. The
    figures are long format, whole territory (region "") and per oblast where something is held.
    """
    table = load_settlements() if places is None else places
    watched = watched_cities() if cities is None else cities
    days = pd.DatetimeIndex(pd.to_datetime(list(dates)))
    lon, lat = table["lon"].to_numpy(float), table["lat"].to_numpy(float)
    coverage = np.zeros((len(days), len(table)), dtype=bool)
    length = np.zeros(len(days))
    distance = np.zeros((len(days), len(watched)))
    for i, held in enumerate(geoms):
        shape = project(held) if projected is None else projected[i]
        length[i] = front_of(held, projected=shape).length_km
        coverage[i] = covered(held, lon, lat)
        distance[i] = distance_to_held_km(held, watched["lon"].to_numpy(float), watched["lat"].to_numpy(float),
                                          projected=shape)  # fmt: skip
    counts = held_counts(coverage, table, days)
    long = counts.melt(id_vars=["date", "region"], value_vars=["settlements_held", "population_held"],
                       var_name="metric", value_name="value")  # fmt: skip
    front = pd.DataFrame({"date": days, "region": "", "metric": "frontline_length_km", "value": length.round(2)})
    figures = pd.concat([front, long.assign(value=long["value"].astype(float))], ignore_index=True)
    distances = pd.DataFrame({
        "date": np.repeat(days.to_numpy(), len(watched)),
        "place": np.tile(watched["geonameid"].to_numpy(), len(days)),
        "region": np.tile(watched["region"].to_numpy(), len(days)),
        "distance_km": distance.reshape(-1).round(1),
    })  # fmt: skip
    return FrontMeasures(figures.sort_values(["date", "region", "metric"], ignore_index=True), coverage, distances)


def as_figures(
    frame: pd.DataFrame, *, source: str, definition: str, notes: str, territory: str = "UKR", actor: str = "RU"
) -> pd.DataFrame:
    """``date, region, metric, value`` rows as figures (stocks: ``period_start`` = ``date``; derived)."""
    return frame.assign(period_start=frame["date"], territory=territory, actor=actor, source=source,
                        definition=definition, notes=notes, derived=True)[_FIGURE_COLUMNS]  # fmt: skip


def distance_figures(distances: pd.DataFrame, *, source: str, definition: str, notes: str = "") -> pd.DataFrame:
    """Distances (``measure_front``) as figure rows of ``distance_to_front_km`` plus ``place``; ``notes``
    names the city and its geonameid (the method is in the metadata). Dates with no held area (NaN)
    are left out."""
    names = load_settlements().set_index("geonameid")["name"]
    rows = distances.dropna(subset=["distance_km"])
    figures = as_figures(
        rows.assign(metric="distance_to_front_km", value=rows["distance_km"])[["date", "region", "metric", "value"]],
        source=source, definition=definition, notes=notes,
    )  # fmt: skip
    city = rows["place"].map(names).astype(str) + " (geonameid " + rows["place"].astype(str) + ")"
    return figures.assign(notes="computed by this project; city: " + city.to_numpy(), place=rows["place"].to_numpy())


def front_figures(
    snapshots: gpd.GeoDataFrame,
    *,
    source: str,
    definition: str,
    notes: str,
    territory: str = "UKR",
    actor: str = "RU",
    projected: Sequence[shapely.Geometry] | None = None,
) -> pd.DataFrame:
    """The import hook: the front-line figures of imported snapshots (``date`` + geometry in
    EPSG:4326), in the columns of ``geodata.snapshots.figures_from_snapshots``, to be stored in the
    same batch as the area figures. Distances are not among them (see the module docstring).

    ``projected``: the snapshots' geometry in the equal-area CRS (the import has it already).
    About 10 ms per snapshot.
    """
    if territory != "UKR" or snapshots.empty:
        return pd.DataFrame(columns=_FIGURE_COLUMNS)
    geoms = snapshots.to_crs("EPSG:4326").geometry.values
    measures = measure_front(list(snapshots["date"]), geoms, cities=candidate_cities().iloc[:0], projected=projected)
    return as_figures(measures.figures, source=source, definition=definition, notes=notes, territory=territory,
                      actor=actor)  # fmt: skip


@cache
def _shipped_distances() -> pd.DataFrame:
    if not DISTANCE_FILE.exists():
        return pd.DataFrame(columns=[*_FIGURE_COLUMNS, "place"])
    frame = pd.read_csv(DISTANCE_FILE, keep_default_na=False, parse_dates=["date", "period_start"])
    return frame.assign(value=frame["value"].astype(float), place=frame["place"].astype(int))


def load_distances(source: str | None = None, definition: str | None = None) -> pd.DataFrame:
    """The shipped ``distance_to_front_km`` figures (with ``place``), oldest first."""
    frame = _shipped_distances()
    if source is not None:
        frame = frame[frame["source"] == source]
    if definition is not None:
        frame = frame[frame["definition"] == definition]
    return frame.reset_index(drop=True)


@cache
def _shipped_changes() -> pd.DataFrame:
    if not CHANGES_FILE.exists():
        return pd.DataFrame(columns=["source", "definition", "geonameid", "date", "held", "previous_date"])
    frame = pd.read_csv(CHANGES_FILE, keep_default_na=False, parse_dates=["date"])
    frame["previous_date"] = pd.to_datetime(frame["previous_date"].replace("", None))
    return frame.assign(held=frame["held"].astype(bool))


def load_changes(source: str | None = None, definition: str | None = None) -> pd.DataFrame:
    """The shipped per-settlement change table: ``source, definition, geonameid, date, held,
    previous_date``, oldest first."""
    frame = _shipped_changes()
    if source is not None:
        frame = frame[frame["source"] == source]
    if definition is not None:
        frame = frame[frame["definition"] == definition]
    return frame.reset_index(drop=True)


@cache
def watched_cities() -> pd.DataFrame:
    """The watched cities (``WATCHED_RULE``): the places of the shipped distance file, or before it is
    built, the candidates (oblast centres and places of more than 50,000 people)."""
    table = load_settlements()
    shipped = set(_shipped_distances()["place"])
    if not shipped:
        return candidate_cities(table)
    return table[table["geonameid"].isin(shipped)].reset_index(drop=True)
