"""DeepStateMap's daily archive: file names, and the one place that fixes its date convention.

Convention: the archive's file for day D (``deepstatemap_data_YYYYMMDD.geojson``) is downloaded at
03:00 UTC on D and shows the map as of about the end of day D-1. The project dates every DeepStateMap
figure and snapshot by that as-of day: ``as_of_date(D) = D - 1 day``. The month-end stock of
November 2025 is thus the file of 2025-12-01.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import pandas as pd

__all__ = [
    "DEFINITION", "SOURCE", "as_of_date", "file_date", "read_archive", "read_archive_geojson", "read_archive_parquet",
]  # fmt: skip

SOURCE = "DeepStateMap"
DEFINITION = "occupied"
_FILE_NAME = re.compile(r"deepstatemap_data_(\d{8})\.geojson$")


def as_of_date(file_day: dt.date | pd.Timestamp) -> pd.Timestamp:
    """The as-of date of the archive file of ``file_day``: the day before."""
    return pd.Timestamp(file_day).normalize() - pd.Timedelta(days=1)


def file_date(name: str) -> pd.Timestamp:
    """The file date in an archive file name ``deepstatemap_data_YYYYMMDD.geojson``."""
    match = _FILE_NAME.search(name)
    if match is None:
        raise ValueError(f"{name}: not a DeepStateMap archive file name (deepstatemap_data_YYYYMMDD.geojson)")
    return pd.Timestamp(dt.datetime.strptime(match.group(1), "%Y%m%d"))


def read_archive_parquet(path: str) -> gpd.GeoDataFrame:
    """Daily snapshots from a GeoParquet of the archive (columns ``date`` = file date, geometry).

    Returns ``date`` (as-of date, see the module's convention), ``file_date`` and geometry (EPSG:4326).
    """
    snapshots = gpd.read_parquet(path)
    file_days = pd.to_datetime(snapshots["date"])
    out = gpd.GeoDataFrame(
        {"date": file_days.map(as_of_date), "file_date": file_days},
        geometry=snapshots.geometry.values,
        crs=snapshots.crs or "EPSG:4326",
    )
    return out.sort_values("date", ignore_index=True)


def read_archive_geojson(paths: Iterable[Path]) -> gpd.GeoDataFrame:
    """Daily snapshots from raw archive files ``deepstatemap_data_YYYYMMDD.geojson`` (all features of a
    file unioned into its one polygon); the columns of ``read_archive_parquet``."""
    rows = []
    for path in sorted(paths, key=lambda p: p.name):
        day = file_date(path.name)
        frame = gpd.read_file(path)
        geometry = frame.to_crs("EPSG:4326").union_all() if frame.crs else frame.set_crs("EPSG:4326").union_all()
        rows.append({"date": as_of_date(day), "file_date": day, "geometry": geometry})
    out = gpd.GeoDataFrame(rows, columns=["date", "file_date", "geometry"], geometry="geometry", crs="EPSG:4326")
    return out.sort_values("date", ignore_index=True)


def read_archive(sources: Iterable[Path]) -> gpd.GeoDataFrame:
    """Snapshots from several inputs stacked in one series: GeoParquet files of the archive
    (``read_archive_parquet``), raw archive files, or folders of them. A file date found in more than
    one input is taken from the last input that has it."""
    parts = []
    for source in sources:
        if source.is_dir():
            parts.append(read_archive_geojson(source.glob("deepstatemap_data_*.geojson")))
        elif source.suffix == ".parquet":
            parts.append(read_archive_parquet(str(source)))
        else:
            parts.append(read_archive_geojson([source]))
    stacked = pd.concat(parts, ignore_index=True)
    stacked = stacked.drop_duplicates("file_date", keep="last").sort_values("date", ignore_index=True)
    return gpd.GeoDataFrame(stacked, geometry="geometry", crs="EPSG:4326")
