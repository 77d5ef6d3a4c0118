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
from sqlalchemy import Connection, Engine

from metrics.store import create_schema, find_batch, insert_figures, store_once

__all__ = [
    "BUNDLED_EVENTS_DIR", "BUNDLED_FIGURES_DIR", "bundled_event_files", "bundled_files", "ensure_bundled_data",
    "missing_bundled",
]  # fmt: skip

BUNDLED_FIGURES_DIR = Path(__file__).resolve().parents[1] / "geodata" / "data" / "figures"


def bundled_files() -> list[Path]:
    """The shipped figure files, in load order."""
    return sorted(BUNDLED_FIGURES_DIR.glob("*.csv*"))


def _read_bundled(path: Path) -> pd.DataFrame:
    from metrics.figure_model import validate_figures  # pandera: imported only when a file is loaded

    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return validate_figures(frame.assign(derived=frame["notes"].str.startswith("computed by this project")))


def ensure_bundled_data(engine: Engine, report: Callable[[str], None] = print) -> list[str]:
    """Create the schema and load every shipped file not yet in the store; returns the files loaded.

    Each file is one batch, stored once by its sha256 (``store.store_once``): when several processes
    start at the same moment, exactly one lands it. ``report`` receives progress lines (the terminal on
    ``make run``).
    """
    create_schema(engine)
    loaded = [name for path in bundled_files() if (name := _load(engine, path, _figures_writer, report))]
    loaded += [name for path in bundled_event_files() if (name := _load(engine, path, _events_writer, report))]
    return loaded


def missing_bundled(engine: Engine) -> list[str]:
    """The shipped files (figures and events) that the store does not hold yet (schema created first)."""
    create_schema(engine)
    files = [*bundled_files(), *bundled_event_files()]
    return [p.name for p in files if find_batch(engine, hashlib.sha256(p.read_bytes()).hexdigest()) is None]


Writer = Callable[[Path, Callable[[str], None]], tuple[int, Callable[[Connection, int], None]]]


def _load(engine: Engine, path: Path, writer: Writer, report: Callable[[str], None]) -> str | None:
    """Store one shipped file as one batch unless its bytes are stored already; its name when loaded."""
    sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
    if find_batch(engine, sha256) is not None:
        return None
    started = time.perf_counter()
    rows, write = writer(path, report)
    stored = store_once(engine, sha256=sha256, filename=f"bundled:{path.name}", rows=rows, write=write,
                        who="bundled data")  # fmt: skip
    if not stored.created:
        report(f"  {path.name}: already loaded by another process")
        return None
    report(f"  {path.name}: loaded in {time.perf_counter() - started:.1f} s")
    return path.name


def _figures_writer(path: Path, report: Callable[[str], None]) -> tuple[int, Callable[[Connection, int], None]]:
    figures = _read_bundled(path)
    report(f"Loading bundled data {path.name}: {len(figures):,} figures")

    def write(conn: Connection, batch_id: int) -> None:
        insert_figures(
            conn,
            figures,
            batch_id,
            progress=lambda done, total: report(f"  {path.name}: {done:,}/{total:,} figures stored"),
        )

    return len(figures), write


BUNDLED_EVENTS_DIR = Path(__file__).resolve().parents[1] / "geodata" / "data" / "events"


def bundled_event_files() -> list[Path]:
    """The shipped event files (``metrics.events``), in load order."""
    return sorted(BUNDLED_EVENTS_DIR.glob("*.csv"))


def _events_writer(path: Path, report: Callable[[str], None]) -> tuple[int, Callable[[Connection, int], None]]:
    from metrics.events import insert_events, parse_events_csv  # the CSV checks: only when a file is loaded

    parsed = parse_events_csv(path.read_bytes(), path.name)
    if not parsed.ok:  # a shipped file must be clean: tests check it
        raise ValueError("\n".join(p.as_text(str(path)) for p in parsed.problems))
    report(f"Loading bundled events {path.name}: {len(parsed.events)} events")
    return len(parsed.events), lambda conn, batch_id: insert_events(conn, parsed.events, batch_id)
