"""Import control snapshots: measure, store and derive figures, in one batch (reading and checking the
file is ``geodata.prepare``).

    import_file(engine, path, ...)   read, check, measure and store: snapshots, derived figures, web geometry

Re-importing: a batch is identified by the sha256 of the file's bytes together with what was made of
them (source, definition, territory, actor, clip, dates). The same import again stores nothing and
names the batch that holds it; that is bad input where the batch is retracted (restore it instead) or
superseded by a later import (retract that one instead): the store is append-only. A snapshot
whose geometry equals the current one for its key is not stored again; a different geometry for a key
already stored supersedes it, like figures do (retracting the new batch brings the old one back).
The batch is written by ``metrics.store.store_once``, the one batch writer of every importer.

Bad input raises ``GeoInputError`` before anything is stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from sqlalchemy import Engine

from geodata.areas import to_equal_area
from geodata.boundaries import load_regions
from geodata.front_figures import front_figures
from geodata.prepare import (
    FORMATS_HINT,
    MAX_VERTICES,
    GeoInputError,
    PreparedSnapshots,
    RetractedImportError,
    chunks,
    parse_date,
    prepare_snapshots,
    read_spatial_file,
    threaded,
)
from geodata.snapshots import figures_from_snapshots, territory_area_km2
from geodata.store import current_snapshots, ensure_schema, insert_snapshots, superseding_batches
from geodata.web import WebGeometry, simplify_for_web
from metrics.store import find_batch, store_once
from metrics.text import SNAPSHOT_TEXT_LIMITS, text_problem

__all__ = [
    "FORMATS_HINT",
    "GeoInputError",
    "MAX_VERTICES",
    "ImportResult",
    "PreparedSnapshots",
    "RetractedImportError",
    "batch_digest",
    "check_labels",
    "import_file",
    "import_prepared",
    "parse_date",
    "prepare_snapshots",
    "prepare_upload",
    "read_spatial_file",
]

_SAME_AREA_KM2 = 1e-6  # a stored snapshot within this of a new one is compared geometry by geometry


def _simplify_all(pairs: list[tuple[shapely.Geometry, shapely.Geometry]]) -> list[WebGeometry]:
    """Web geometry of (EPSG:4326, equal-area) pairs of the same snapshots."""
    return [simplify_for_web(geometry, projected=metres) for geometry, metres in pairs]


@dataclass
class ImportResult:
    """What an import did. ``status``: ``stored`` (a new batch), ``unchanged`` (every snapshot equals
    the current one: nothing stored) or ``already imported`` (the same import is batch ``batch_id``).

    ``snapshots``: one row per date of the file: ``date``, ``area_km2``, ``share_pct`` (official
    denominator), ``share_mapped_pct`` (the shipped outline's area), ``outside_km2`` (area outside the
    outline; with clipping, the area cut away), ``stored`` (bool), ``previous_batch_id`` (the batch of the
    snapshot it supersedes or equals, or None).
    """

    name: str
    status: str
    batch_id: int | None
    snapshots: pd.DataFrame
    notes: list[str]
    clipped: bool = False
    source: str = ""
    definition: str = ""

    def summary(self) -> list[str]:
        """Lines for the terminal."""
        stored = self.snapshots[self.snapshots["stored"]] if len(self.snapshots) else self.snapshots
        n = len(self.snapshots)
        if self.status == "already imported":
            head = f"{self.name}: already imported as batch {self.batch_id}; nothing stored"
        elif self.status == "unchanged":
            batches = sorted({int(b) for b in self.snapshots["previous_batch_id"].dropna()})
            head = (f"{self.name}: the same snapshot{'s' if n > 1 else ''} already stored (batch "
                    f"{', '.join(map(str, batches))}); nothing stored")  # fmt: skip
        else:
            head = (f"{self.name}: {len(stored)} snapshot{'s' if len(stored) != 1 else ''} stored as batch "
                    f"{self.batch_id} ({self.source}, {self.definition})")  # fmt: skip
        lines = [head]
        shown = self.snapshots if n <= 12 else pd.concat([self.snapshots.head(5), self.snapshots.tail(5)])
        for number, row in enumerate(shown.itertuples()):
            if n > 12 and number == 5:
                lines.append(f"  ... {n - 10} more dates")
            outside = "cut away by --clip" if self.clipped else "outside the outline (kept; --clip drops it)"
            line = (f"  {row.date:%Y-%m-%d}: {row.area_km2:,.1f} km2, {row.share_pct:.3f} % of "
                    f"{territory_area_km2():,.0f} km2 ({row.share_mapped_pct:.3f} % as mapped); "
                    f"{row.outside_km2:,.1f} km2 {outside}")  # fmt: skip
            if self.status == "stored" and not row.stored:
                line += f"; unchanged from batch {int(row.previous_batch_id)}, not stored again"
            elif self.status == "stored" and not pd.isna(row.previous_batch_id):
                line += f"; supersedes batch {int(row.previous_batch_id)}"
            lines.append(line)
        lines += [f"  note: {note}" for note in self.notes]
        return lines


def batch_digest(
    file_sha256: str, *, source: str, definition: str, territory: str, actor: str, clip: bool,
    dates: Sequence[pd.Timestamp],
) -> str:  # fmt: skip
    """The sha256 that identifies an import: the file's bytes and what was made of them."""
    payload = {
        "file_sha256": file_sha256, "source": source, "definition": definition, "territory": territory,
        "actor": actor, "clip": bool(clip), "dates": [f"{pd.Timestamp(d):%Y-%m-%d}" for d in dates],
    }  # fmt: skip
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def _same_geometry(a: shapely.Geometry, b: shapely.Geometry) -> bool:
    return bool(shapely.equals_exact(shapely.normalize(a), shapely.normalize(b), tolerance=1e-9))


def import_file(
    engine: Engine,
    path: Path,
    *,
    source: str,
    definition: str,
    date: dt.date | str | None = None,
    date_field: str | None = None,
    clip: bool = False,
    territory: str = "UKR",
    actor: str = "RU",
    who: str = "",
    filename: str | None = None,
    source_url: str = "",
) -> ImportResult:
    """Read, check, clean, measure and store the snapshots of a file as one batch (see the module).

    ``filename`` names the batch (default: the file's name). Raises ``GeoInputError`` for bad input,
    before anything is stored.
    """
    path = Path(path)
    prepared = prepare_snapshots(
        read_spatial_file(path), name=path.name, date=date, date_field=date_field, clip=clip, territory=territory
    )
    file_sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    return import_prepared(
        engine, prepared, file_sha256=file_sha256, source=source, definition=definition, territory=territory,
        actor=actor, who=who, filename=filename or path.name, source_url=source_url,
    )  # fmt: skip


def prepare_upload(
    data: bytes,
    filename: str,
    *,
    date: dt.date | str | None = None,
    date_field: str | None = None,
    clip: bool = False,
    territory: str = "UKR",
) -> tuple[PreparedSnapshots, str]:
    """An uploaded file (its bytes and name) read and prepared as ``import_file`` does, without
    storing anything; returns the prepared snapshots and the file's sha256 for ``import_prepared``.
    Raises ``GeoInputError`` for bad input."""
    name = Path(filename).name or "upload"
    with tempfile.TemporaryDirectory(prefix="territory-upload-") as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        frame = read_spatial_file(path)
    prepared = prepare_snapshots(frame, name=name, date=date, date_field=date_field, clip=clip, territory=territory)
    return prepared, hashlib.sha256(data).hexdigest()


def check_labels(name: str, *, source: str, definition: str) -> None:
    """Refuse a ``--source`` or ``--definition`` that the store would keep wrong (``metrics.text``): empty
    source, an invisible or control character (named), text that looks like a spreadsheet formula, or
    longer than the store keeps. Raises ``GeoInputError`` with one line per problem."""
    if not source.strip():
        raise GeoInputError(f"{name}: --source is empty; name who published the polygons (e.g. DeepStateMap)")
    problems = []
    for option, column, value in (("--source", "source", source), ("--definition", "definition", definition)):
        found = text_problem(value, column, SNAPSHOT_TEXT_LIMITS)
        if found is not None:
            problems.append(f"{name}: {option}: {found[0]}; {found[1]}")
    if problems:
        raise GeoInputError(problems)


def import_prepared(
    engine: Engine,
    prepared: PreparedSnapshots,
    *,
    file_sha256: str,
    source: str,
    definition: str,
    territory: str = "UKR",
    actor: str = "RU",
    who: str = "",
    filename: str = "",
    source_url: str = "",
) -> ImportResult:
    """Measure prepared snapshots and store them with their derived figures and web geometry."""
    name = prepared.name
    check_labels(name, source=source, definition=definition)
    if territory != "UKR":
        raise GeoInputError(f"{name}: no shipped boundaries for territory {territory!r}; only UKR is supported")
    snaps = prepared.snapshots
    ensure_schema(engine)
    digest = batch_digest(file_sha256, source=source, definition=definition, territory=territory, actor=actor,
                          clip=prepared.clipped, dates=list(snaps["date"]))  # fmt: skip
    result = _already_imported(engine, digest, prepared)
    if result is not None:
        return result

    snaps = snaps.assign(territory=territory, actor=actor, source=source, definition=definition)
    # projected once (threads): the areas, the per-region overlay and the web geometry all start from it
    projected = pd.concat(threaded(to_equal_area, chunks(snaps.geometry)))
    snaps["area_km2"] = shapely.area(projected.values) / 1e6
    previous = current_snapshots(engine, source=source, definition=definition, territory=territory, actor=actor,
                                 dates=list(snaps["date"]), geometry=False).set_index("date")  # fmt: skip
    snaps["previous_batch_id"] = snaps["date"].map(previous["batch_id"]).astype("Int64")
    candidates = snaps["date"].isin(previous.index) & (
        (snaps["area_km2"] - snaps["date"].map(previous["area_km2"])).abs() < _SAME_AREA_KM2
    )
    snaps["stored"] = True
    if candidates.any():
        stored_geoms = current_snapshots(engine, source=source, definition=definition, territory=territory,
                                         actor=actor, dates=list(snaps.loc[candidates, "date"]))  # fmt: skip
        by_date = dict(zip(stored_geoms["date"], stored_geoms.geometry, strict=True))
        for i in np.flatnonzero(candidates.to_numpy()):
            if _same_geometry(snaps.geometry.iloc[i], by_date[snaps["date"].iloc[i]]):
                snaps.iloc[i, snaps.columns.get_loc("stored")] = False

    regions = load_regions()
    notes_text = f"computed by this project from the polygon in {filename or name}" + (
        ", clipped to the outline" if prepared.clipped else ""
    )
    to_store = snaps[snaps["stored"]]

    def measure(part: gpd.GeoDataFrame) -> pd.DataFrame:
        return figures_from_snapshots(  # given equal-area geometry, it measures without reprojecting
            part, regions, source=source, definition=definition, territory_area_km2=territory_area_km2(territory),
            territory=territory, actor=actor, notes=notes_text,
        )  # fmt: skip

    in_metres = gpd.GeoDataFrame({"date": snaps["date"].to_numpy()}, geometry=projected.values, crs=projected.crs)
    figures = pd.concat(threaded(measure, chunks(in_metres)), ignore_index=True)
    figures = figures.sort_values(["date", "region", "metric"], ignore_index=True)
    summary = _summary(snaps, figures, prepared)
    if to_store.empty:
        return ImportResult(name=name, status="unchanged", batch_id=None, snapshots=summary, notes=prepared.notes,
                            clipped=prepared.clipped, source=source, definition=definition)  # fmt: skip

    from metrics.figure_model import validate_figures  # pandera: imported only when something is stored

    kept = np.flatnonzero(snaps["stored"].to_numpy())
    front = front_figures(to_store[["date", "geometry"]], source=source, definition=definition, notes=notes_text,
                          territory=territory, actor=actor, projected=list(projected.values[kept]))  # fmt: skip
    figures = pd.concat([figures[figures["date"].isin(to_store["date"])], front], ignore_index=True)
    figures = validate_figures(figures.assign(source_url=source_url))
    pairs = list(zip(to_store.geometry.values, projected.values[kept], strict=True))
    web = [w for part in threaded(_simplify_all, chunks(pairs)) for w in part]
    stored = store_once(
        engine,
        sha256=digest,
        filename=filename or name,
        rows=len(figures),
        who=who,
        write=lambda conn, batch_id: insert_snapshots(conn, batch_id, to_store, figures, web=web),
    )
    if not stored.created:  # landed from another process while we were measuring
        return _already_imported(engine, digest, prepared) or _fail(name)
    return ImportResult(name=name, status="stored", batch_id=stored.batch_id, snapshots=summary, notes=prepared.notes,
                        clipped=prepared.clipped, source=source, definition=definition)  # fmt: skip


def _fail(name: str) -> ImportResult:
    raise RuntimeError(f"{name}: the store refused the batch; try again")


def _already_imported(engine: Engine, digest: str, prepared: PreparedSnapshots) -> ImportResult | None:
    found = find_batch(engine, digest)
    if found is None:
        return None
    batch_id, status = found
    if status != "active":
        raise RetractedImportError(
            f"{prepared.name}: already imported as batch {batch_id}, which is {status}; restore it with "
            f"`python -m metrics restore {batch_id}` (nothing stored)",
            batch_id,
        )
    later = superseding_batches(engine, batch_id)
    if later:
        listed = ", ".join(map(str, later))
        raise GeoInputError(
            f"{prepared.name}: already imported as batch {batch_id}, since superseded by batch {listed}; to make "
            f"batch {batch_id} current again, retract the later one (`python -m metrics retract {later[-1]}`) "
            "(nothing stored)"
        )
    empty = pd.DataFrame(columns=["date", "area_km2", "share_pct", "share_mapped_pct", "outside_km2", "stored",
                                  "previous_batch_id"])  # fmt: skip
    return ImportResult(name=prepared.name, status="already imported", batch_id=batch_id, snapshots=empty,
                        notes=[], clipped=prepared.clipped)  # fmt: skip


def _summary(snaps: gpd.GeoDataFrame, figures: pd.DataFrame, prepared: PreparedSnapshots) -> pd.DataFrame:
    areas = figures[figures["metric"] == "area_controlled_km2"]
    inside = areas[areas["region"] != ""].groupby("date")["value"].sum()
    out = pd.DataFrame({
        "date": snaps["date"].to_numpy(),
        "area_km2": snaps["area_km2"].to_numpy(),
        "stored": snaps["stored"].to_numpy(),
        "previous_batch_id": snaps["previous_batch_id"].to_numpy(),
    })  # fmt: skip
    out["share_pct"] = out["area_km2"] / territory_area_km2("UKR") * 100
    out["share_mapped_pct"] = out["area_km2"] / territory_area_km2("UKR", "mapped") * 100
    if prepared.clipped:
        out["outside_km2"] = snaps["clipped_km2"].to_numpy()
    else:
        out["outside_km2"] = (out["area_km2"] - out["date"].map(inside).fillna(0)).clip(lower=0).to_numpy()
    return out
