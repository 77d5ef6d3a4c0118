"""Shared fixtures: a temporary store, and the team's real data in ../shared/data (skipped where
absent, e.g. on a laptop; a failure under CI, where it must be present).

Store tests run on SQLite and, where ``TERRITORY_TEST_PG_URL`` names a PostgreSQL database (.ci/run
starts a server and sets it), on PostgreSQL too; that database is emptied before each test. Under
pytest-xdist (``make test`` runs ``-n 2``) each worker has a database of its own, and a test marked
``serial`` runs while no other worker runs a test (tests/workers.py)."""

from __future__ import annotations

import atexit
import os
import shutil
import sqlite3
import tempfile
from collections.abc import Callable, Generator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from metrics.bundled import ensure_bundled_data
from metrics.store import Base, create_schema, get_engine
from tests.workers import serial_lock, worker, worker_database

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"

# The Overview's results kept between server starts (pages/kept.py) go to a folder of this test session,
# for the servers the tests start too, not to the user's ~/.cache: one folder per process, so per xdist worker.
os.environ["TERRITORY_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"territory-test-cache-{worker() or 'main'}-")
atexit.register(shutil.rmtree, os.environ["TERRITORY_CACHE_DIR"], ignore_errors=True)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, object, object]:
    """Under xdist, a ``serial`` test (it measures wall time) runs alone: setup, call and teardown."""
    with serial_lock(item.get_closest_marker("serial") is not None, item.config.getoption("basetemp")):
        return (yield)


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


@pytest.fixture(scope="session")
def bundled_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], str]:
    """``bundled_sqlite(path)``: the URL of a new SQLite store at ``path`` holding the bundled data.

    The data is loaded once per test session (``ensure_bundled_data``, about 2.5 s) and each store is
    a copy of that one (SQLite's backup API: a consistent copy, WAL included)."""
    template: list[Path] = []

    def make(path: Path) -> str:
        if not template:
            first = tmp_path_factory.mktemp("bundled") / "territory.sqlite"
            ensure_bundled_data(get_engine(f"sqlite:///{first}"), report=lambda _line: None)
            template.append(first)
        with sqlite3.connect(template[0]) as source, sqlite3.connect(path) as copy:
            source.backup(copy)
        return f"sqlite:///{path}"

    return make


@pytest.fixture(scope="session")
def pg_url() -> str | None:
    """The PostgreSQL test database: ``TERRITORY_TEST_PG_URL``'s, or under xdist a new one of the worker's
    own beside it (``territory_test_gw0``); None where the variable is unset."""
    url = os.environ.get("TERRITORY_TEST_PG_URL")
    if not url or worker() is None:
        return url or None
    try:
        return worker_database(url, str(worker()))
    except RuntimeError as error:
        pytest.fail(str(error))


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store: an SQLite file, or the PostgreSQL test database."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'territory.sqlite'}"
    url = request.getfixturevalue("pg_url")
    if not url:
        message = "TERRITORY_TEST_PG_URL is not set (no PostgreSQL server for the store tests)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    Base.metadata.drop_all(get_engine(url))
    return url


@pytest.fixture
def engine(store_url: str) -> Engine:
    store = get_engine(store_url)
    create_schema(store)
    return store
