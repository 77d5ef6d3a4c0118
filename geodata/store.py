"""Control snapshots in the store: insert a batch of snapshots with their derived figures, the current
snapshot per key, the dates that have one, and the cached geometry for the web.

Uses the models of ``metrics.store`` (``Batch``, ``Figure``, ``Snapshot``). A snapshot's key is
``SNAPSHOT_KEY``; like figures, the snapshot of the latest active batch is the current one for its
key, and retracting that batch brings the earlier one back. Web geometry is cached in the table
``snapshot_web`` (one row per snapshot, written at import), checked against the snapshot's geometry
on every read, so a stale row (ids reused after a test dropped the tables) is never served.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Sequence
from typing import Any

import geopandas as gpd
import pandas as pd
import shapely
from sqlalchemy import Connection, Engine, Select, delete, insert, select

from geodata.boundaries import load_regions
from geodata.snapshots import territory_area_km2
from geodata.web import WebGeometry, simplify_for_web
from metrics.store import Batch, Figure, Snapshot, SnapshotWeb, create_schema, insert_figures, write_transaction

__all__ = [
    "AREA_COLUMNS",
    "NoSnapshotError",
    "SNAPSHOT_KEY",
    "SnapshotWeb",
    "current_snapshots",
    "ensure_schema",
    "insert_snapshots",
    "snapshot_for_map",
    "nearest_dates",
    "snapshot_areas",
    "snapshot_dates",
    "snapshot_figures",
    "superseding_batches",
    "web_geometry",
]

#: A snapshot's key: one current snapshot per key.
SNAPSHOT_KEY = ["date", "territory", "actor", "source", "definition"]
#: Columns of ``snapshot_areas`` (and of ``python -m geodata areas``).
AREA_COLUMNS = ["date", "territory", "actor", "source", "definition", "region", "area_km2", "share_pct",
                "denominator_km2", "batch_id"]  # fmt: skip
_SNAPSHOT_COLUMNS = ["snapshot_id", "batch_id", *SNAPSHOT_KEY, "area_km2"]
_CHUNK = 500


class NoSnapshotError(LookupError):
    """No snapshot where one was asked for; the message says which dates exist."""


def ensure_schema(engine: Engine) -> None:
    """Create the store's tables where missing (this module's cache table included)."""
    create_schema(engine)


def superseding_batches(engine: Engine, batch_id: int) -> list[int]:
    """The active batches whose snapshots are now current for keys that ``batch_id`` also holds."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(*(getattr(Snapshot, c) for c in SNAPSHOT_KEY)).where(Snapshot.batch_id == batch_id)
        ).all()
    keys = pd.DataFrame(rows, columns=SNAPSHOT_KEY)
    later: set[int] = set()
    for (source, definition, territory, actor), group in keys.groupby(["source", "definition", "territory", "actor"]):
        current = current_snapshots(engine, source=source, definition=definition, territory=territory, actor=actor,
                                    dates=list(group["date"]), geometry=False)  # fmt: skip
        later |= {int(b) for b in current["batch_id"] if int(b) != batch_id}
    return sorted(later)


def _where(
    query: Select[Any],
    *,
    source: str | None,
    definition: str | None,
    territory: str | None,
    actor: str | None,
    dates: list[dt.date | pd.Timestamp | str] | None,
) -> Select[Any]:
    for column, value in (("source", source), ("definition", definition), ("territory", territory),
                          ("actor", actor)):  # fmt: skip
        if value is not None:
            query = query.where(getattr(Snapshot, column) == value)
    if dates is not None:
        query = query.where(Snapshot.date.in_([pd.Timestamp(d).date() for d in dates]))
    return query


def current_snapshots(
    bind: Engine | Connection,
    *,
    source: str | None = None,
    definition: str | None = None,
    territory: str | None = None,
    actor: str | None = None,
    dates: Iterable[dt.date | pd.Timestamp | str] | None = None,
    geometry: bool = True,
) -> gpd.GeoDataFrame | pd.DataFrame:
    """The current snapshot of each key (latest active batch), oldest date first.

    Columns ``snapshot_id, batch_id, date`` (datetime64), ``territory, actor, source, definition,
    area_km2`` and, with ``geometry=True``, the geometry (a GeoDataFrame in EPSG:4326).
    """
    query = (
        select(Snapshot.id, Snapshot.batch_id, *(getattr(Snapshot, c) for c in SNAPSHOT_KEY), Snapshot.area_km2)
        .join(Batch, Batch.id == Snapshot.batch_id)
        .where(Batch.status == "active")
    )
    query = _where(query, source=source, definition=definition, territory=territory, actor=actor,
                   dates=None if dates is None else list(dates))  # fmt: skip
    conn_context = bind.connect() if isinstance(bind, Engine) else _Borrowed(bind)
    with conn_context as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=_SNAPSHOT_COLUMNS)
        frame = frame.sort_values(["batch_id", "snapshot_id"]).drop_duplicates(SNAPSHOT_KEY, keep="last")
        frame = frame.sort_values(["source", "definition", "territory", "actor", "date"], ignore_index=True)
        frame["date"] = pd.to_datetime(frame["date"])
        frame["area_km2"] = frame["area_km2"].astype(float)
        if not geometry:
            return frame
        wkb = _geometry_wkb(conn, frame["snapshot_id"].tolist())
    geoms = shapely.from_wkb([wkb[i] for i in frame["snapshot_id"]]) if len(frame) else []
    return gpd.GeoDataFrame(frame, geometry=list(geoms), crs="EPSG:4326")


def snapshot_dates(
    engine: Engine,
    *,
    source: str | None = None,
    definition: str | None = None,
    territory: str | None = "UKR",
    actor: str | None = "RU",
) -> list[pd.Timestamp]:
    """The dates with a current snapshot, oldest first (None filters: any)."""
    frame = current_snapshots(engine, source=source, definition=definition, territory=territory, actor=actor,
                              geometry=False)  # fmt: skip
    return sorted(set(frame["date"]))


class _Borrowed:
    """A caller's connection used as a context manager without closing it."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def __enter__(self) -> Connection:
        return self.conn

    def __exit__(self, *_: object) -> None:
        return None


def _geometry_wkb(conn: Connection, ids: Sequence[int]) -> dict[int, bytes]:
    out: dict[int, bytes] = {}
    for start in range(0, len(ids), _CHUNK):
        chunk = list(ids[start : start + _CHUNK])
        rows = conn.execute(select(Snapshot.id, Snapshot.geometry_wkb).where(Snapshot.id.in_(chunk))).all()
        out.update({int(i): bytes(w) for i, w in rows})
    return out


def nearest_dates(dates: Iterable[pd.Timestamp], day: pd.Timestamp) -> tuple[pd.Timestamp | None, pd.Timestamp | None]:
    """The nearest of ``dates`` before and after ``day`` (None where there is none)."""
    ordered = sorted(pd.Timestamp(d) for d in dates)
    before = [d for d in ordered if d < day]
    after = [d for d in ordered if d > day]
    return (before[-1] if before else None, after[0] if after else None)


def insert_snapshots(
    conn: Connection,
    batch_id: int,
    snapshots: gpd.GeoDataFrame,
    figures: pd.DataFrame,
    *,
    web: Sequence[WebGeometry] | None = None,
) -> None:
    """Insert a batch's derived figures (validated), its snapshots and their web geometry.

    The ``write`` of ``metrics.store.store_once``: inside its transaction, so all or nothing is stored.
    ``snapshots``: columns ``date`` and ``SNAPSHOT_KEY``, ``area_km2``, geometry in EPSG:4326;
    ``web``: one simplified geometry per snapshot, in the same order (computed here when None).
    """
    if snapshots.crs is None or not snapshots.crs.equals("EPSG:4326"):
        raise ValueError("snapshots are stored in EPSG:4326: reproject them first")
    insert_figures(conn, figures, batch_id)
    wkbs = shapely.to_wkb(snapshots.geometry.values, output_dimension=2)
    rows = [
        {
            "batch_id": batch_id,
            "date": pd.Timestamp(row.date).date(),
            "territory": row.territory,
            "actor": row.actor,
            "source": row.source,
            "definition": row.definition,
            "geometry_wkb": wkb,
            "area_km2": float(row.area_km2),
        }
        for row, wkb in zip(snapshots.itertuples(), wkbs, strict=True)
    ]
    ids = (
        conn.execute(insert(Snapshot).returning(Snapshot.id, sort_by_parameter_order=True), rows).scalars().all()
        if rows
        else []
    )
    webs = list(web) if web is not None else [simplify_for_web(g) for g in snapshots.geometry.values]
    if webs:
        conn.execute(
            insert(SnapshotWeb),
            [_web_row(i, w, wkb) for i, w, wkb in zip(ids, webs, wkbs, strict=True)],
        )


def _web_row(snapshot_id: int, web: WebGeometry, wkb: bytes) -> dict[str, object]:
    return {
        "snapshot_id": snapshot_id,
        "geometry_sha256": hashlib.sha256(wkb).hexdigest(),
        "geojson": web.geojson,
        "tolerance_m": web.tolerance_m,
        "area_error_pct": web.area_error_pct,
    }


def web_geometry(engine: Engine, snapshot_id: int) -> WebGeometry:
    """The simplified geometry of a snapshot for drawing: read from the cache; computed and stored
    once where missing (a snapshot stored by other code). Raises ``LookupError`` for an unknown id."""
    _ensure_cache_table(engine)
    with engine.connect() as conn:
        row = conn.execute(
            select(Snapshot.geometry_wkb, SnapshotWeb.geometry_sha256, SnapshotWeb.geojson, SnapshotWeb.tolerance_m,
                   SnapshotWeb.area_error_pct)
            .outerjoin(SnapshotWeb, SnapshotWeb.snapshot_id == Snapshot.id)
            .where(Snapshot.id == snapshot_id)
        ).first()  # fmt: skip
    if row is None:
        raise LookupError(f"no snapshot {snapshot_id} in the store")
    wkb = bytes(row[0])
    digest = hashlib.sha256(wkb).hexdigest()
    if row[1] == digest:
        return WebGeometry(geojson=row[2], tolerance_m=float(row[3]), area_error_pct=float(row[4]))
    web = simplify_for_web(shapely.from_wkb(wkb))
    with write_transaction(engine) as conn:
        conn.execute(delete(SnapshotWeb).where(SnapshotWeb.snapshot_id == snapshot_id))
        conn.execute(insert(SnapshotWeb).values(**_web_row(snapshot_id, web, wkb)))
    return web


_CHECKED: set[str] = set()


def _ensure_cache_table(engine: Engine) -> None:
    """Create ``snapshot_web`` where a store predates it (once per engine and process)."""
    key = engine.url.render_as_string(hide_password=False)
    if key not in _CHECKED:
        SnapshotWeb.__table__.create(engine, checkfirst=True)
        _CHECKED.add(key)


def snapshot_figures(bind: Engine | Connection, snapshots: pd.DataFrame) -> pd.DataFrame:
    """The derived figures written with these snapshots (same batch, same key), whole and per region.

    ``snapshots`` as from ``current_snapshots``. Returns the store's figure columns (``date`` as
    datetime64), oldest first, the whole territory (empty region) before the regions.
    """
    columns = ["batch_id", "date", "territory", "region", "actor", "metric", "value", "source", "definition"]
    frames = []
    batch_ids = sorted({int(b) for b in snapshots["batch_id"]})
    conn_context = bind.connect() if isinstance(bind, Engine) else _Borrowed(bind)
    with conn_context as conn:
        for start in range(0, len(batch_ids), _CHUNK):
            query = select(*(getattr(Figure, c) for c in columns)).where(
                Figure.batch_id.in_(batch_ids[start : start + _CHUNK]), Figure.derived.is_(True)
            )
            frames.append(pd.DataFrame(conn.execute(query).all(), columns=columns))
    figures = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=columns)
    figures["date"] = pd.to_datetime(figures["date"])
    figures["value"] = figures["value"].astype(float)
    keys = snapshots[["batch_id", *SNAPSHOT_KEY]].assign(date=pd.to_datetime(snapshots["date"]))
    out = figures.merge(keys, on=["batch_id", *SNAPSHOT_KEY], how="inner")
    return out.sort_values(["source", "definition", "date", "region", "metric"], ignore_index=True)


def snapshot_areas(engine: Engine, *, source: str | None = None, definition: str | None = None) -> pd.DataFrame:
    """Per current snapshot: its area and share of the whole territory (region "") and of each region
    (ISO 3166-2), as written with it (``AREA_COLUMNS``; ``denominator_km2`` is what the share divides
    by: the territory's official area, or the region's area). Oldest first, the whole before regions."""
    snapshots = current_snapshots(engine, source=source, definition=definition, geometry=False)
    if snapshots.empty:
        return pd.DataFrame(columns=AREA_COLUMNS)
    figures = snapshot_figures(engine, snapshots)
    figures = figures[figures["metric"].isin(["area_controlled_km2", "share_controlled_pct"])]
    wide = figures.pivot_table(index=["batch_id", *SNAPSHOT_KEY, "region"], columns="metric", values="value",
                               aggfunc="last").reset_index()  # fmt: skip
    wide = wide.rename(columns={"area_controlled_km2": "area_km2", "share_controlled_pct": "share_pct"})
    region_km2 = load_regions().set_index("region")["area_km2"]
    whole_km2 = wide["territory"].map(lambda t: territory_area_km2(t))
    wide["denominator_km2"] = wide["region"].map(region_km2).where(wide["region"] != "", whole_km2)
    wide = wide.assign(date=wide["date"].dt.strftime("%Y-%m-%d"))
    return wide.sort_values(["source", "definition", "date", "region"], ignore_index=True)[AREA_COLUMNS]


def snapshot_for_map(
    engine: Engine,
    *,
    source: str,
    definition: str,
    on_or_before: dt.date | pd.Timestamp | None = None,
    territory: str = "UKR",
    actor: str = "RU",
) -> tuple[pd.Timestamp, float, WebGeometry] | None:
    """The current snapshot of a source to draw on a map: the latest on or before ``on_or_before``
    (default: the latest), as (date, area in km2, web geometry); None when the source has none."""
    frame = current_snapshots(engine, source=source, definition=definition, territory=territory, actor=actor,
                              geometry=False)  # fmt: skip
    if on_or_before is not None:
        frame = frame[frame["date"] <= pd.Timestamp(on_or_before)]
    if frame.empty:
        return None
    row = frame.sort_values("date").iloc[-1]
    return row["date"], float(row["area_km2"]), web_geometry(engine, int(row["snapshot_id"]))
