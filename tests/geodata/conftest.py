"""Fixtures of the geometry engine's tests: the fixture files, a CLI runner on a temporary store, and
counts of what a store holds."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

import geodata.__main__ as cli
from metrics.store import Batch, Figure, Snapshot

GEO_DATA = Path(__file__).resolve().parents[1] / "data" / "geo"
BAD = GEO_DATA / "bad"
RAW_MONTH_EDGES = "deepstate/raw_month_edges"


def counts(engine: Engine) -> dict[str, int]:
    """How many batches, figures and snapshots the store holds."""
    with engine.connect() as conn:
        return {
            "batches": conn.scalar(select(func.count()).select_from(Batch)),
            "figures": conn.scalar(select(func.count()).select_from(Figure)),
            "snapshots": conn.scalar(select(func.count()).select_from(Snapshot)),
        }


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def cli_on(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> Callable[[str], Callable[..., Run]]:
    """``run = cli_on(url); run("import", FILE, ...)``: ``python -m geodata`` in this process on the store
    at ``url``. The bundled figures are not loaded (a second per store); a test checks the real CLI does."""
    monkeypatch.setattr(cli, "_load_bundled", lambda engine: None)

    def on(url: str) -> Callable[..., Run]:
        monkeypatch.setenv("TERRITORY_DB_URL", url)

        def run(*args: object) -> Run:
            capsys.readouterr()
            code = cli.main([str(a) for a in args])
            captured = capsys.readouterr()
            return Run(code, captured.out, captured.err)

        return run

    return on


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    """A store in a new SQLite file (for tests that need no second backend)."""
    return f"sqlite:///{tmp_path / 'store.sqlite'}"
