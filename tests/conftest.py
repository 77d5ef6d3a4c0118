"""Shared fixtures: a temporary store, and the team's real data in ../shared/data (skipped where
absent, e.g. on a laptop; a failure under CI, where it must be present)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Engine

from metrics.store import create_schema, get_engine

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Callable[[str], Path]:
    """``shared_data("deepstate/x.csv")``: the path, or a skip (a failure under CI) when missing."""

    def locate(relative: str) -> Path:
        path = SHARED_DATA / relative
        if not path.exists():
            message = f"{path} is missing (the team's data folder ../shared/data)"
            if os.environ.get("CI") == "true":
                pytest.fail(message)
            pytest.skip(message)
        return path

    return locate


@pytest.fixture
def store_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'territory.sqlite'}"


@pytest.fixture
def engine(store_url: str) -> Engine:
    store = get_engine(store_url)
    create_schema(store)
    return store
