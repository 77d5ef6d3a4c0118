"""Every table of the store, in one place: batches, figures, control snapshots (and their web geometry),
events and the store's revision. SQLAlchemy 2 models; the same on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "Batch",
    "Event",
    "Figure",
    "MAX_FREE_TEXT",
    "MAX_URL",
    "Revision",
    "Snapshot",
    "SnapshotWeb",
    "text_limits",
]

#: The longest free text (notes) and web address a cell may hold: stated limits, checked on import the
#: same way on every store (Text columns have no size of their own).
MAX_FREE_TEXT = 20_000
MAX_URL = 2_000


class Base(DeclarativeBase):
    pass


class Batch(Base):
    """One import: a file of figures, events or polygons (or a bundled file)."""

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
    quality: Mapped[str] = mapped_column(String(10), default="", server_default="")

    __table_args__ = (
        Index("ix_figures_series", "source", "metric", "region", "date"),
        # Covers the sidebar's list of series (latest dates per source and definition) without a table scan.
        Index("ix_figures_by_definition", "source", "definition", "region", "date", "batch_id"),
    )


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


class SnapshotWeb(Base):
    """The simplified GeoJSON of a snapshot for drawing (``geodata.web``), computed once.

    No foreign key on purpose: a store whose tables are dropped without this model loaded (older
    code, other tests) must not fail on it; ``geometry_sha256`` ties a row to its snapshot instead.
    """

    __tablename__ = "snapshot_web"
    snapshot_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    geometry_sha256: Mapped[str] = mapped_column(String(64))
    geojson: Mapped[str] = mapped_column(Text)
    tolerance_m: Mapped[float] = mapped_column(Float)
    area_error_pct: Mapped[float] = mapped_column(Float)


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


class Revision(Base):
    """The store's revision: one row whose counter grows in the same transaction as every write that
    changes what is current (a batch added, retracted or restored). Caches in every process key on it."""

    __tablename__ = "store_revision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    revision: Mapped[int] = mapped_column(Integer)


def text_limits(model: type[Base], columns: Iterable[str]) -> dict[str, int]:
    """The most characters each text column takes: its String(n) size, or the stated limit of free text
    (``MAX_URL`` for addresses, ``MAX_FREE_TEXT`` otherwise)."""
    table = model.__table__
    limits = {}
    for name in columns:
        kind = table.columns[name].type
        length = getattr(kind, "length", None)
        limits[name] = int(length) if length else (MAX_URL if "url" in name else MAX_FREE_TEXT)
    return limits
