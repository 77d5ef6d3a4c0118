"""The date of each feature of a spatial file: ``--date`` for the whole file, a ``--date-field``, or the
DeepStateMap archive's file names (``geodata.deepstate``: the file of day D is the map as of D-1)."""

from __future__ import annotations

import datetime as dt

import geopandas as gpd
import numpy as np
import pandas as pd

from geodata import deepstate
from geodata.errors import GeoInputError

__all__ = ["feature_dates", "numbers", "parse_date"]


def numbers(positions: np.ndarray, limit: int = 8) -> str:
    shown = ", ".join(str(p + 1) for p in positions[:limit])
    more = f" and {len(positions) - limit} more" if len(positions) > limit else ""
    return f"feature{'s' if len(positions) > 1 else ''} {shown}{more}"


def parse_date(value: object) -> pd.Timestamp | None:
    """A feature's date: an ISO date or datetime (normalised to the day), a DeepStateMap archive file
    name (the map as of the day before the file's date), or None where it is not a date."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | dt.datetime | dt.date | np.datetime64):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.tz_localize(None).normalize() if stamp.tzinfo else stamp.normalize()
    text = str(value).strip()
    try:
        return deepstate.as_of_date(deepstate.file_date(text))
    except ValueError:
        pass
    if not text[:4].isdigit() or len(text) < 10 or text[4] != "-":
        return None
    try:
        stamp = pd.Timestamp(text)
    except ValueError:
        return None
    return stamp.tz_localize(None).normalize() if stamp.tzinfo else stamp.normalize()  # the day where it was dated


def feature_dates(
    frame: gpd.GeoDataFrame, name: str, date: dt.date | str | None, date_field: str | None, needed: np.ndarray
) -> tuple[np.ndarray, str | None]:
    """Each feature's date (datetime64 array; NaT where not ``needed``: features without geometry), and a
    note on where the dates came from."""
    if date is not None and date_field is not None:
        raise GeoInputError(f"{name}: give either --date or --date-field, not both")
    if date is not None:
        if isinstance(date, str) and not _is_iso_day(date):
            raise GeoInputError(f"{name}: --date {date!r} is not a date; use YYYY-MM-DD")
        stamp = pd.Timestamp(date).normalize()
        return np.full(len(frame), stamp.to_datetime64()), None
    fields = [c for c in frame.columns if c != frame.geometry.name]
    if date_field is not None:
        if date_field not in frame.columns or date_field == frame.geometry.name:
            similar = [c for c in fields if c.lower() == date_field.lower()]
            hint = f"did you mean {similar[0]!r}? " if similar else ""
            listed = ", ".join(map(str, fields)) if fields else "none"
            raise GeoInputError(f"{name}: unknown date field {date_field!r}; {hint}fields in the file: {listed} "
                                "(or give --date YYYY-MM-DD for the whole file)")  # fmt: skip
        values = frame[date_field].tolist()
        parsed = [parse_date(v) if need else pd.NaT for v, need in zip(values, needed, strict=True)]
        problems = [
            f"{name}:{i + 1}: feature {i + 1}: "
            + (f"no {date_field} value; every feature needs a date" if _missing(v)
               else f"{date_field} = {str(v)!r} is not a date; use YYYY-MM-DD")
            for i, (v, p) in enumerate(zip(values, parsed, strict=True)) if p is None
        ]  # fmt: skip
        if problems:
            raise GeoInputError(problems[:20] + ([f"{name}: ... and {len(problems) - 20} more"] if len(problems) > 20
                                                 else []))  # fmt: skip
        archive = all(_is_archive_name(v) for v, need in zip(values, needed, strict=True) if need)
        note = f"dates from the archive file names in {date_field!r} (file of D = map as of D-1)" if archive else None
        if not archive:
            named = [c for c in fields if c != date_field and frame[c].map(_is_archive_name).all()]
            if named:
                note = (f"dates taken as they are in {date_field!r}; the field {named[0]!r} holds DeepStateMap archive "
                        f"file names: --date-field {named[0]} dates each snapshot by the archive's convention (the "
                        "file of D is the map as of D-1)")  # fmt: skip
        return np.array([p.to_datetime64() for p in parsed], dtype="datetime64[ns]"), note
    try:
        file_day = deepstate.file_date(name)
    except ValueError:
        listed = ", ".join(map(str, fields)) if fields else "none"
        raise GeoInputError(
            f"{name}: no date for the snapshot; give --date YYYY-MM-DD, or --date-field FIELD naming the field "
            f"with each feature's date (fields in the file: {listed})"
        ) from None
    as_of = deepstate.as_of_date(file_day)
    note = (f"date {as_of:%Y-%m-%d} from the file name (DeepStateMap archive: the file of {file_day:%Y-%m-%d} "
            "is the map as of the day before)")  # fmt: skip
    return np.full(len(frame), as_of.to_datetime64()), note


def _is_iso_day(text: str) -> bool:
    try:
        dt.date.fromisoformat(text.strip())
    except ValueError:
        return False
    return True


def _is_archive_name(value: object) -> bool:
    try:
        deepstate.file_date(str(value))
    except ValueError:
        return False
    return True


def _missing(value: object) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and np.isnan(value)) or str(value) == ""
