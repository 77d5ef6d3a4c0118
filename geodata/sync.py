"""Sync from the DeepStateMap daily archive: pull the days missing from the store, one batch a day.

The archive (``DEFAULT_BASE_URL``, or ``TERRITORY_DEEPSTATE_URL``, or an explicit base URL; ``file://``
works too) holds one GeoJSON a day named ``deepstatemap_data_YYYYMMDD.geojson``, with gaps. The file of
day D is the map as of D-1 (``geodata.deepstate``); the store, and ``start``/``end`` here, use the as-of
date. For each as-of day in the range without a current DeepStateMap snapshot in the store, the file is
fetched (a 404 is a gap in the archive: reported and skipped; 5xx, 408, 429, timeouts and dropped
connections are retried with exponential back-off), read and checked by the import pipeline
(``geodata.ingest``) before anything is stored, then stored as its own batch with its derived figures.
So an interrupted run loses at most the day in flight, and the next run carries on where it stopped.
A day whose batch was retracted is not fetched again over the user's retraction: it is reported.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from geodata import deepstate
from geodata.ingest import GeoInputError, RetractedImportError, import_file
from geodata.store import ensure_schema, snapshot_dates

__all__ = [
    "DEFAULT_BASE_URL",
    "ENV_BASE_URL",
    "FIRST_FILE_DAY",
    "SyncError",
    "SyncResult",
    "archive_file_name",
    "base_url",
    "fetch",
    "sync_deepstate",
]

DEFAULT_BASE_URL = "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/data"
ENV_BASE_URL = "TERRITORY_DEEPSTATE_URL"
#: The archive's first file (its map is as of the day before).
FIRST_FILE_DAY = pd.Timestamp("2024-07-08")
_USER_AGENT = "territorial-control-dashboard (geodata sync deepstate)"
_TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}
_WHO = "geodata sync deepstate"


class SyncError(RuntimeError):
    """The archive could not be reached, or refused a request; the days stored so far stay stored."""


@dataclass
class SyncResult:
    """What a run did: as-of days ``stored`` (with their batch ids), ``gaps`` (404 in the archive),
    ``failed`` (a file that did not pass the checks, with the message), ``skipped`` (retracted by a
    user), ``present`` (already in the store) and ``stopped`` (a run cut short by ``limit``)."""

    stored: dict[pd.Timestamp, int] = field(default_factory=dict)
    gaps: list[pd.Timestamp] = field(default_factory=list)
    failed: dict[pd.Timestamp, str] = field(default_factory=dict)
    skipped: dict[pd.Timestamp, str] = field(default_factory=dict)
    present: int = 0
    stopped: bool = False


def base_url(explicit: str | None = None) -> str:
    """The archive's base URL: ``explicit``, else ``TERRITORY_DEEPSTATE_URL``, else the public archive."""
    return (explicit or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL).rstrip("/")


def archive_file_name(file_day: dt.date | pd.Timestamp) -> str:
    return f"deepstatemap_data_{pd.Timestamp(file_day):%Y%m%d}.geojson"


def fetch(
    url: str,
    *,
    timeout: float = 30.0,
    retries: int = 4,
    backoff: float = 1.0,
    report: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> bytes | None:
    """The bytes at ``url``; None where it is not there (HTTP 404/410, or a missing ``file://`` file).

    Transient failures are retried ``retries`` times, waiting ``backoff`` * 1, 2, 4, ... seconds; then
    ``SyncError``. Any other HTTP error raises ``SyncError`` at once.
    """
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    reason = ""
    for attempt in range(retries + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            if exc.code in (404, 410):
                return None
            if exc.code not in _TRANSIENT_STATUS:
                raise SyncError(f"{url}: HTTP {exc.code} {exc.reason}") from None
            reason = f"HTTP {exc.code} {exc.reason}"
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, FileNotFoundError):
                return None
            reason = f"{exc.reason}"
        except (TimeoutError, ConnectionError, http.client.HTTPException) as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        if attempt < retries:
            delay = backoff * 2**attempt
            report(f"  {url.rsplit('/', 1)[-1]}: {reason}; retrying in {delay:g} s")
            sleep(delay)
    raise SyncError(f"{url}: {reason} (after {retries + 1} attempts)")


def sync_deepstate(
    engine: Engine,
    *,
    url: str | None = None,
    start: dt.date | pd.Timestamp | str | None = None,
    end: dt.date | pd.Timestamp | str | None = None,
    report: Callable[[str], None] = print,
    limit: int | None = None,
    retries: int = 4,
    backoff: float = 1.0,
    timeout: float = 30.0,
    today: dt.date | None = None,
) -> SyncResult:
    """Pull the DeepStateMap snapshots missing from the store, as-of days ``start`` to ``end``.

    Defaults: from the archive's first as-of day to yesterday (the map in today's file, UTC).
    ``limit`` stops after storing that many days (the rest is left for the next run). Raises
    ``SyncError`` when the archive stops answering; the days stored until then stay stored.
    """
    base = base_url(url)
    today = pd.Timestamp(today or dt.datetime.now(dt.UTC).date())
    first = pd.Timestamp(start).normalize() if start is not None else deepstate.as_of_date(FIRST_FILE_DAY)
    last = pd.Timestamp(end).normalize() if end is not None else deepstate.as_of_date(today)
    if first > last:
        raise ValueError(f"--from {first:%Y-%m-%d} is after --to {last:%Y-%m-%d}")
    ensure_schema(engine)
    stored = set(snapshot_dates(engine, source=deepstate.SOURCE, definition=deepstate.DEFINITION))
    days = pd.date_range(first, last, freq="D")
    missing = [d for d in days if d not in stored]
    result = SyncResult(present=len(days) - len(missing))
    report(f"DeepStateMap archive {base}: {len(days)} days {first:%Y-%m-%d} to {last:%Y-%m-%d}, "
           f"{result.present} already stored, {len(missing)} to fetch")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="deepstate-sync-") as folder:
        for number, day in enumerate(missing, start=1):
            if limit is not None and len(result.stored) >= limit:
                result.stopped = True
                report(f"stopped after {limit} days (limit); run again to fetch the other {len(missing) - number + 1}")
                break
            name = archive_file_name(day + pd.Timedelta(days=1))
            where = f"[{number}/{len(missing)}] {day:%Y-%m-%d} {name}"
            file_url = f"{base}/{name}"
            data = fetch(file_url, timeout=timeout, retries=retries, backoff=backoff, report=report)
            if data is None:
                result.gaps.append(day)
                report(f"{where}: not in the archive (gap), skipped")
                continue
            path = Path(folder) / name
            path.write_bytes(data)
            try:
                imported = import_file(engine, path, source=deepstate.SOURCE, definition=deepstate.DEFINITION,
                                       who=_WHO, filename=file_url, source_url=file_url)  # fmt: skip
            except RetractedImportError as exc:
                result.skipped[day] = str(exc)
                report(f"{where}: skipped: batch {exc.batch_id} holds this day and was retracted by a user; "
                       f"`python -m metrics restore {exc.batch_id}` brings it back")  # fmt: skip
                continue
            except GeoInputError as exc:
                result.failed[day] = " / ".join(exc.problems)
                report(f"{where}: FAILED the checks, not stored: {result.failed[day]}")
                continue
            finally:
                path.unlink(missing_ok=True)
            if imported.batch_id is not None:
                result.stored[day] = imported.batch_id
            area = imported.snapshots["area_km2"].iloc[0] if len(imported.snapshots) else float("nan")
            report(f"{where}: {area:,.1f} km2, {imported.status} (batch {imported.batch_id})")
    gaps = ", ".join(f"{d:%Y-%m-%d}" for d in result.gaps[:20]) + (" ..." if len(result.gaps) > 20 else "")
    report(f"done: {len(result.stored)} days stored, {len(result.gaps)} gaps in the archive"
           + (f" ({gaps})" if result.gaps else "")
           + (f", {len(result.failed)} failed" if result.failed else "")
           + (f", {len(result.skipped)} retracted by a user" if result.skipped else ""))  # fmt: skip
    return result
