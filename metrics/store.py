"""The store: figures, batches and control snapshots in any SQLAlchemy database.

The URL comes from ``TERRITORY_DB_URL``; the default is an SQLite file in the checkout's git-ignored
``data/`` folder. The store is append-only: a figure from a later active batch supersedes one with the
same key (``KEY_COLUMNS``), which stays in the store; ``read_figures`` returns the current ones.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import cache
from pathlib import Path

import pandas as pd
from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    case,
    create_engine,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from metrics.metadata import FIGURE_COLUMNS, KEY_COLUMNS

__all__ = [
    "Batch",
    "DEFAULT_DB_FILE",
    "Event",
    "Figure",
    "Snapshot",
    "add_batch",
    "batch_exists",
    "create_schema",
    "database_url",
    "get_engine",
    "list_batches",
    "list_series",
    "read_figures",
    "revision",
    "set_batch_status",
    "write_transaction",
]

DEFAULT_DB_FILE = Path(__file__).resolve().parents[1] / "data" / "territory.sqlite"
_INSERT_CHUNK = 5_000


class Base(DeclarativeBase):
    pass


class Batch(Base):
    """One import: a file of figures or polygons (or the bundled data)."""

    __tablename__ = "batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    filename: Mapped[str] = mapped_column(String(500))
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    rows: Mapped[int] = mapped_column(Integer)
    who: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(20), default="active")


class Figure(Base):
    """One reported or derived number (DESIGN.md, data model)."""

    __tablename__ = "figures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    period_start: Mapped[dt.date] = mapped_column(Date)
    territory: Mapped[str] = mapped_column(String(3))
    region: Mapped[str] = mapped_column(String(10), default="")
    actor: Mapped[str] = mapped_column(String(10))
    metric: Mapped[str] = mapped_column(String(40))
    value: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(String(200), default="")
    source_url: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[str] = mapped_column(String(10), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    derived: Mapped[bool] = mapped_column(Boolean, default=False)

    __table_args__ = (Index("ix_figures_series", "source", "metric", "region", "date"),)


class Snapshot(Base):
    """A control polygon on a date, WKB in EPSG:4326, with its area in km2 (equal-area CRS)."""

    __tablename__ = "snapshots"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    territory: Mapped[str] = mapped_column(String(3))
    actor: Mapped[str] = mapped_column(String(10))
    source: Mapped[str] = mapped_column(String(200))
    definition: Mapped[str] = mapped_column(String(200), default="")
    geometry_wkb: Mapped[bytes] = mapped_column(LargeBinary)
    area_km2: Mapped[float] = mapped_column(Float)


class Event(Base):
    """Something that happened on a date (a claimed capture, a meeting), drawn as a marker on time charts.

    Events belong to a batch like figures: retracting it hides them, nothing is deleted. The latest
    active batch wins per (date, label, source)."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), index=True)
    date: Mapped[dt.date] = mapped_column(Date)
    label: Mapped[str] = mapped_column(Text)
    short_label: Mapped[str] = mapped_column(String(200), default="")
    source: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text, default="")
    notes: Mapped[str] = mapped_column(Text, default="")


def database_url() -> str:
    """``TERRITORY_DB_URL``, or the default SQLite file in the checkout's ``data/`` folder."""
    return os.environ.get("TERRITORY_DB_URL") or f"sqlite:///{DEFAULT_DB_FILE}"


def get_engine(url: str | None = None) -> Engine:
    """The engine of ``url``, by default of ``TERRITORY_DB_URL`` as set now; one engine per URL.

    SQLite gets WAL, a 60 s busy timeout and ``BEGIN IMMEDIATE`` for writes."""
    return _engine(url or database_url())


@cache
def _engine(url: str) -> Engine:
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True)
    path = url.split("///", 1)[-1]
    if path and path != ":memory:":
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"timeout": 60})

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
        dbapi_connection.isolation_level = None  # let the "begin" hook below open transactions
        _retry_while_locked(lambda: dbapi_connection.execute("PRAGMA journal_mode=WAL"))
        dbapi_connection.execute("PRAGMA foreign_keys=ON")

    @event.listens_for(engine, "begin")
    def _begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("immediate") else "BEGIN")

    return engine


def _retry_while_locked(statement: Callable[[], object], timeout: float = 60.0) -> None:
    """Run ``statement``, retrying while SQLite says "database is locked".

    Switching a new file to WAL needs an exclusive lock, and SQLite answers a second process doing the
    same at the same moment with SQLITE_BUSY at once, without waiting on the busy timeout.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            statement()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


@contextmanager
def write_transaction(engine: Engine) -> Iterator[Connection]:
    """A write transaction; on SQLite it takes the write lock at once, so writers queue, never deadlock."""
    with engine.connect().execution_options(immediate=True) as conn, conn.begin():
        yield conn


def create_schema(engine: Engine) -> None:
    """Create missing tables; safe when several processes start at the same moment."""
    # In a write transaction: on SQLite the check and the CREATEs hold the write lock together.
    try:
        with write_transaction(engine) as conn:
            Base.metadata.create_all(conn)
    except DBAPIError:
        # Another process created them between our check and our CREATE: check again.
        with write_transaction(engine) as conn:
            Base.metadata.create_all(conn)


def batch_exists(conn: Connection, sha256: str) -> bool:
    """Whether a batch with these bytes (active or retracted) is in the store."""
    return conn.scalar(select(func.count()).where(Batch.sha256 == sha256)) > 0


def add_batch(
    conn: Connection,
    figures: pd.DataFrame,
    *,
    filename: str,
    sha256: str,
    who: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Insert a batch and its figures (validated, canonical) inside the caller's transaction.

    Raises ``sqlalchemy.exc.IntegrityError`` when a batch with the same sha256 exists.
    ``progress(done, total)`` is called after each chunk of rows.
    """
    batch_id = conn.scalar(
        insert(Batch)
        .values(
            created_at=dt.datetime.now(dt.UTC), filename=filename, sha256=sha256, rows=len(figures), who=who,
            status="active",
        )
        .returning(Batch.id)
    )  # fmt: skip
    total = len(figures)
    for start in range(0, total, _INSERT_CHUNK):  # rows as dicts one chunk at a time: bounded memory
        conn.execute(insert(Figure), _figure_rows(figures.iloc[start : start + _INSERT_CHUNK], batch_id))
        if progress is not None:
            progress(min(start + _INSERT_CHUNK, total), total)
    return int(batch_id)


def _figure_rows(figures: pd.DataFrame, batch_id: int) -> list[dict[str, object]]:
    columns = [c for c in FIGURE_COLUMNS if c != "batch_id"]
    frame = figures[columns].assign(
        date=figures["date"].dt.date, period_start=figures["period_start"].dt.date, batch_id=batch_id
    )
    return frame.to_dict("records")


def read_figures(
    engine: Engine,
    *,
    metrics: Sequence[str] | None = None,
    sources: Sequence[str] | None = None,
    definitions: Sequence[str] | None = None,
    regions: Sequence[str] | None = None,
    since: dt.date | None = None,
) -> pd.DataFrame:
    """The current figures (active batches; the latest batch wins per key), oldest first.

    Filters select exact values (``regions=[""]`` is the whole territory); ``since`` keeps figures
    dated on or after it. Dates as ``datetime64``.
    """
    query = select(*(getattr(Figure, c) for c in FIGURE_COLUMNS)).join(Batch).where(Batch.status == "active")
    for column, values in (("metric", metrics), ("source", sources), ("definition", definitions), ("region", regions)):
        if values is not None:
            query = query.where(getattr(Figure, column).in_(list(values)))
    if since is not None:
        query = query.where(Figure.date >= since)
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(query).all(), columns=FIGURE_COLUMNS)
    frame["date"] = pd.to_datetime(frame["date"])
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["value"] = frame["value"].astype(float)
    frame["derived"] = frame["derived"].astype(bool)
    frame = frame.sort_values("batch_id", kind="stable").drop_duplicates(KEY_COLUMNS, keep="last")
    return frame.sort_values(["date", "source", "definition", "metric", "region"], ignore_index=True)


def list_series(engine: Engine) -> pd.DataFrame:
    """Each (source, definition) with figures in active batches: ``source``, ``definition``,
    ``last_date`` (latest figure) and ``last_region_date`` (latest per-region figure, NaT if none)."""
    region_date = func.max(case((Figure.region != "", Figure.date)))
    query = (
        select(Figure.source, Figure.definition, func.max(Figure.date), region_date)
        .join(Batch)
        .where(Batch.status == "active")
        .group_by(Figure.source, Figure.definition)
        .order_by(Figure.source, Figure.definition)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
    frame = pd.DataFrame(rows, columns=["source", "definition", "last_date", "last_region_date"])
    return frame.assign(
        last_date=pd.to_datetime(frame["last_date"]), last_region_date=pd.to_datetime(frame["last_region_date"])
    )


def list_batches(engine: Engine) -> pd.DataFrame:
    """All batches, newest first: id, created_at, filename, sha256, rows, who, status."""
    columns = ["id", "created_at", "filename", "sha256", "rows", "who", "status"]
    with engine.connect() as conn:
        rows = conn.execute(select(*(getattr(Batch, c) for c in columns)).order_by(Batch.id.desc())).all()
    return pd.DataFrame(rows, columns=columns)


def set_batch_status(engine: Engine, batch_id: int, status: str) -> str:
    """Retract (``"retracted"``) or restore (``"active"``) a batch; returns its previous status.

    Nothing is deleted: a retracted batch's figures stay in the store, and the figures it had
    superseded become current again. Raises ``LookupError`` for an unknown batch id.
    """
    if status not in ("active", "retracted"):
        raise ValueError(f"unknown batch status {status!r}: use 'active' or 'retracted'")
    with write_transaction(engine) as conn:
        previous = conn.scalar(select(Batch.status).where(Batch.id == batch_id))
        if previous is None:
            raise LookupError(f"no batch {batch_id}: see `python -m metrics batches` for the ids")
        conn.execute(update(Batch).where(Batch.id == batch_id).values(status=status))
    return previous


def revision(engine: Engine) -> tuple[int, int]:
    """A cheap token that changes whenever the current figures may change (for caches)."""
    with engine.connect() as conn:
        latest, active = conn.execute(
            select(func.coalesce(func.max(Batch.id), 0), func.count().filter(Batch.status == "active"))
        ).one()
    return int(latest), int(active)
