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
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, case, create_engine, event, func, insert, inspect, select, text, update
from sqlalchemy.exc import DBAPIError, IntegrityError

from metrics.metadata import FIGURE_COLUMNS, KEY_COLUMNS
from metrics.tables import Base, Batch, Event, Figure, Revision, Snapshot, SnapshotWeb

__all__ = [
    "Base",
    "Batch",
    "DEFAULT_DB_FILE",
    "Event",
    "Figure",
    "Snapshot",
    "SnapshotWeb",
    "StoredBatch",
    "add_batch",
    "create_schema",
    "find_batch",
    "insert_figures",
    "database_url",
    "get_engine",
    "list_batches",
    "list_series",
    "read_figures",
    "revision",
    "set_batch_status",
    "store_once",
    "write_transaction",
]

DEFAULT_DB_FILE = Path(__file__).resolve().parents[1] / "data" / "territory.sqlite"
_INSERT_CHUNK = 5_000


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
    """Create missing tables (and columns added since a store was made) and the revision row; safe when
    several processes start at the same moment."""
    # In a write transaction: on SQLite the check and the CREATEs hold the write lock together.
    try:
        with write_transaction(engine) as conn:
            _create(conn)
    except (DBAPIError, IntegrityError):
        # Another process created them between our check and our CREATE: check again.
        with write_transaction(engine) as conn:
            _create(conn)


def _create(conn: Connection) -> None:
    Base.metadata.create_all(conn)
    for index in Figure.__table__.indexes:  # indexes added since a store was made (create_all skips them)
        index.create(conn, checkfirst=True)
    columns = {c["name"] for c in inspect(conn).get_columns("figures")}
    if "quality" not in columns:  # a store made before quality marks (DESIGN.md): add the column
        conn.execute(text("ALTER TABLE figures ADD COLUMN quality VARCHAR(10) NOT NULL DEFAULT ''"))
    if conn.scalar(select(func.count()).select_from(Revision)) == 0:
        conn.execute(insert(Revision).values(id=1, revision=0))


def _bump_revision(conn: Connection) -> None:
    """The store's revision grows by one, inside the caller's write transaction."""
    conn.execute(update(Revision).where(Revision.id == 1).values(revision=Revision.revision + 1))


def find_batch(bind: Engine | Connection, sha256: str) -> tuple[int, str] | None:
    """(id, status) of the batch stored under this sha256 (active or retracted), or None: the one lookup
    every importer uses."""
    query = select(Batch.id, Batch.status).where(Batch.sha256 == sha256)
    if isinstance(bind, Connection):
        row = bind.execute(query).first()
    else:
        with bind.connect() as conn:
            row = conn.execute(query).first()
    return None if row is None else (int(row[0]), str(row[1]))


@dataclass(frozen=True)
class StoredBatch:
    """The batch that holds an import: ``created`` when this call wrote it, else it was there already."""

    batch_id: int
    status: str
    created: bool


def store_once(
    engine: Engine,
    *,
    sha256: str,
    filename: str,
    rows: int,
    write: Callable[[Connection, int], None],
    who: str = "",
) -> StoredBatch:
    """Store an import once per sha256: the one idempotent batch writer of figures, events, bundled files
    and polygons.

    In one write transaction: if a batch with ``sha256`` exists, nothing is written and that batch is
    returned; otherwise the batch row is inserted, ``write(conn, batch_id)`` adds its rows and the
    store's revision grows. A batch landing from another process meanwhile (a unique-key clash) is
    found and returned the same way. All or nothing is stored.
    """
    try:
        with write_transaction(engine) as conn:
            found = find_batch(conn, sha256)
            if found is not None:
                return StoredBatch(*found, created=False)
            batch_id = _insert_batch(conn, filename=filename, sha256=sha256, rows=rows, who=who)
            write(conn, batch_id)
    except IntegrityError:
        found = find_batch(engine, sha256)
        if found is None:
            raise
        return StoredBatch(*found, created=False)
    return StoredBatch(batch_id, "active", created=True)


def _insert_batch(conn: Connection, *, filename: str, sha256: str, rows: int, who: str) -> int:
    batch_id = conn.scalar(
        insert(Batch)
        .values(created_at=dt.datetime.now(dt.UTC), filename=filename, sha256=sha256, rows=rows, who=who,
                status="active")
        .returning(Batch.id)
    )  # fmt: skip
    _bump_revision(conn)
    return int(batch_id)


def add_batch(
    conn: Connection,
    figures: pd.DataFrame,
    *,
    filename: str,
    sha256: str,
    who: str = "",
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Insert a batch and its figures (validated, canonical) inside the caller's transaction; returns its id.

    Not idempotent: raises ``sqlalchemy.exc.IntegrityError`` when a batch with the same sha256 exists
    (importers use ``store_once``). ``progress(done, total)`` is called after each chunk of rows.
    """
    batch_id = _insert_batch(conn, filename=filename, sha256=sha256, rows=len(figures), who=who)
    insert_figures(conn, figures, batch_id, progress=progress)
    return batch_id


def insert_figures(
    conn: Connection, figures: pd.DataFrame, batch_id: int, *, progress: Callable[[int, int], None] | None = None
) -> None:
    """Insert figures (validated, canonical) of a batch, a chunk at a time (bounded memory).

    Rows go to the driver's ``executemany`` as tuples (the same statement SQLAlchemy would send, without
    building a dict per row): the bundled data's 200,000 figures load in about a third of the time.
    """
    table = Figure.__table__
    names = [c for c in FIGURE_COLUMNS]
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    statement = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([marker] * len(names))})"
    cursor = conn.connection.driver_connection.cursor()  # the open transaction's own connection
    total = len(figures)
    try:
        for start in range(0, total, _INSERT_CHUNK):
            cursor.executemany(statement, _figure_rows(figures.iloc[start : start + _INSERT_CHUNK], batch_id,
                                                       iso_dates=conn.dialect.name == "sqlite"))  # fmt: skip
            if progress is not None:
                progress(min(start + _INSERT_CHUNK, total), total)
    finally:
        cursor.close()


def _figure_rows(figures: pd.DataFrame, batch_id: int, *, iso_dates: bool) -> list[tuple[object, ...]]:
    """Rows in ``FIGURE_COLUMNS`` order as plain Python values; dates as ISO text where the store keeps
    them so (SQLite, as SQLAlchemy's Date type writes them), else as ``datetime.date``."""
    if "quality" not in figures:
        figures = figures.assign(quality="")
    columns: list[list[object]] = []
    for name in FIGURE_COLUMNS:
        if name == "batch_id":
            columns.append([int(batch_id)] * len(figures))
        elif name in ("date", "period_start"):
            dates = figures[name]
            columns.append(dates.dt.strftime("%Y-%m-%d").tolist() if iso_dates else dates.dt.date.tolist())
        elif name == "value":
            columns.append(figures[name].astype(float).tolist())
        elif name == "derived":
            columns.append(figures[name].astype(bool).tolist())
        else:
            columns.append(figures[name].fillna("").astype(str).tolist())
    return list(zip(*columns, strict=True))


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
        rows = conn.execute(query).all()
    # Built column by column: pandas builds a frame from a list of rows ten times slower.
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(FIGURE_COLUMNS)
    frame = pd.DataFrame({name: list(values) for name, values in zip(FIGURE_COLUMNS, columns, strict=True)})
    frame["date"] = pd.to_datetime(frame["date"])
    frame["period_start"] = pd.to_datetime(frame["period_start"])
    frame["value"] = frame["value"].astype(float)
    frame["derived"] = frame["derived"].astype(bool)
    frame["quality"] = frame["quality"].fillna("").astype(str)
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
    if not 0 < batch_id < 2**31:  # no such id on any store (ids are 32-bit integers on PostgreSQL)
        raise LookupError(f"no batch {batch_id}: see `python -m metrics batches` for the ids")
    with write_transaction(engine) as conn:
        previous = conn.scalar(select(Batch.status).where(Batch.id == batch_id))
        if previous is None:
            raise LookupError(f"no batch {batch_id}: see `python -m metrics batches` for the ids")
        conn.execute(update(Batch).where(Batch.id == batch_id).values(status=status))
        if previous != status:
            _bump_revision(conn)
    return previous


def revision(engine: Engine) -> int:
    """The store's revision (``tables.Revision``): it changes on every write that changes what is current,
    in the same transaction, and is the same for every process reading the store (caches key on it)."""
    with engine.connect() as conn:
        value = conn.scalar(select(Revision.revision).where(Revision.id == 1))
    return int(value or 0)
