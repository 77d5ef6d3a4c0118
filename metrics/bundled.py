"""The data shipped with the project, loaded into an empty store on first start, once.

Each shipped file becomes one batch named ``bundled:<file>`` and identified by its sha256. A file
already in the store (active or retracted) is never loaded again; two processes starting at the same
moment both try, and the store's unique sha256 lets exactly one of them land.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError

from metrics.store import add_batch, batch_exists, create_schema, write_transaction

__all__ = ["BUNDLED_EVENTS_DIR", "BUNDLED_FIGURES_DIR", "bundled_event_files", "bundled_files", "ensure_bundled_data"]

BUNDLED_FIGURES_DIR = Path(__file__).resolve().parents[1] / "geodata" / "data" / "figures"


def bundled_files() -> list[Path]:
    """The shipped figure files, in load order."""
    return sorted(BUNDLED_FIGURES_DIR.glob("*.csv*"))


def _read_bundled(path: Path) -> pd.DataFrame:
    from metrics.schema import validate_figures  # pandera: imported only when a file is loaded

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return validate_figures(frame.assign(derived=frame["notes"].str.startswith("computed by this project")))


def ensure_bundled_data(engine: Engine, report: Callable[[str], None] = print) -> list[str]:
    """Create the schema and load every shipped file not yet in the store; returns the files loaded.

    ``report`` receives progress lines (the terminal on ``make run``).
    """
    create_schema(engine)
    loaded = []
    for path in bundled_files():
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        with engine.connect() as conn:
            if batch_exists(conn, sha256):
                continue
        started = time.perf_counter()
        figures = _read_bundled(path)
        report(f"Loading bundled data {path.name}: {len(figures):,} figures")
        try:
            with write_transaction(engine) as conn:
                if batch_exists(conn, sha256):  # landed while we were reading the file
                    continue
                add_batch(
                    conn,
                    figures,
                    filename=f"bundled:{path.name}",
                    sha256=sha256,
                    who="bundled data",
                    progress=lambda done, total, name=path.name: report(f"  {name}: {done:,}/{total:,} figures stored"),
                )
        except IntegrityError:
            report(f"  {path.name}: already loaded by another process")
            continue
        loaded.append(path.name)
        report(f"  {path.name}: loaded in {time.perf_counter() - started:.1f} s")
    loaded.extend(_ensure_bundled_events(engine, report))
    return loaded


BUNDLED_EVENTS_DIR = Path(__file__).resolve().parents[1] / "geodata" / "data" / "events"


def bundled_event_files() -> list[Path]:
    """The shipped event files (``metrics.events``), in load order."""
    return sorted(BUNDLED_EVENTS_DIR.glob("*.csv"))


def _ensure_bundled_events(engine: Engine, report: Callable[[str], None]) -> list[str]:
    """Load each shipped event file not yet in the store as one batch of events (once, like the figures)."""
    loaded = []
    for path in bundled_event_files():
        data = path.read_bytes()
        sha256 = hashlib.sha256(data).hexdigest()
        with engine.connect() as conn:
            if batch_exists(conn, sha256):
                continue
        from metrics.events import parse_events_csv, store_events  # the CSV checks: only when a file is loaded

        parsed = parse_events_csv(data, path.name)
        if not parsed.ok:  # a shipped file must be clean: tests check it
            raise ValueError("\n".join(p.as_text(str(path)) for p in parsed.problems))
        report(f"Loading bundled events {path.name}: {len(parsed.events)} events")
        try:
            with write_transaction(engine) as conn:
                if batch_exists(conn, sha256):  # landed while we were reading the file
                    continue
                store_events(conn, parsed.events, filename=f"bundled:{path.name}", sha256=sha256, who="bundled data")
        except IntegrityError:
            report(f"  {path.name}: already loaded by another process")
            continue
        loaded.append(path.name)
    return loaded
