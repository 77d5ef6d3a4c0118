"""The test session under pytest-xdist (tests/workers.py): a worker's own PostgreSQL database, new and empty,
and the lock that runs a ``serial`` test alone, ahead of tests that ask after it. Real locks in real
processes, a real PostgreSQL server where ``TERRITORY_TEST_PG_URL`` names one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, make_url, text
from sqlalchemy.pool import NullPool

from tests.workers import serial_lock, worker_database

ROOT = Path(__file__).resolve().parents[1]

# One test in a process of its own (as a worker is): ``serial`` or not, it takes the lock, notes when it
# started and ended in ``log``, and holds the lock for ``hold`` seconds.
_HOLDER = """
import sys, time
from tests.workers import serial_lock
name, serial, hold, basetemp, log = sys.argv[1], sys.argv[2] == "serial", float(sys.argv[3]), sys.argv[4], sys.argv[5]
with open(log, "a") as out:
    print(f"{name} asks {time.monotonic():.3f}", file=out, flush=True)
    with serial_lock(serial, basetemp):
        print(f"{name} starts {time.monotonic():.3f}", file=out, flush=True)
        time.sleep(hold)
        print(f"{name} ends {time.monotonic():.3f}", file=out, flush=True)
"""


def _holder(name: str, kind: str, hold: float, basetemp: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTEST_XDIST_WORKER": f"gw-{name}"}
    return subprocess.Popen([sys.executable, "-c", _HOLDER, name, kind, str(hold), str(basetemp), str(log)],
                            cwd=ROOT, env=env)  # fmt: skip


def _events(log: Path) -> dict[tuple[str, str], float]:
    return {(name, what): float(at) for name, what, at in (line.split() for line in log.read_text().splitlines())}


def _wait_for(log: Path, line_start: str) -> None:
    deadline = time.monotonic() + 30
    while not (log.exists() and any(line.startswith(line_start) for line in log.read_text().splitlines())):
        assert time.monotonic() < deadline, f"no {line_start!r} in {log}"
        time.sleep(0.02)


def test_a_serial_test_waits_for_the_running_ones_and_goes_before_those_that_ask_after_it(tmp_path: Path) -> None:
    basetemp = tmp_path / "popen-gw0"  # the lock files go in its parent, the run's folder
    log = tmp_path / "log"
    first = _holder("plain1", "plain", 1.0, basetemp, log)
    _wait_for(log, "plain1 starts")
    serial = _holder("serial", "serial", 1.0, basetemp, log)
    _wait_for(log, "serial asks")
    time.sleep(0.2)  # the serial test is now waiting in the turnstile's queue, for plain1's shared lock
    later = _holder("plain2", "plain", 0.1, basetemp, log)
    for proc in (first, serial, later):
        assert proc.wait(timeout=60) == 0
    at = _events(log)
    assert at["serial", "starts"] >= at["plain1", "ends"]  # it waited for the test already running
    assert at["plain2", "asks"] < at["serial", "starts"]  # plain2 asked while it waited ...
    assert at["plain2", "starts"] >= at["serial", "ends"]  # ... and ran only after it: precedence


def test_plain_tests_share_the_lock(tmp_path: Path) -> None:
    log = tmp_path / "log"
    one = _holder("one", "plain", 1.5, tmp_path / "popen-gw0", log)
    two = _holder("two", "plain", 1.5, tmp_path / "popen-gw1", log)
    assert one.wait(timeout=60) == 0 and two.wait(timeout=60) == 0
    at = _events(log)
    assert at["two", "starts"] < at["one", "ends"] and at["one", "starts"] < at["two", "ends"]  # side by side


def test_outside_xdist_no_lock_is_taken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    with serial_lock(True, str(tmp_path / "popen-gw0")):
        assert list(tmp_path.iterdir()) == []


def test_a_worker_gets_a_new_empty_database_beside_the_named_one() -> None:
    url = os.environ.get("TERRITORY_TEST_PG_URL")
    if not url:
        message = "TERRITORY_TEST_PG_URL is not set (no PostgreSQL server for the store tests)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    mine = worker_database(url, "gwtest")
    assert make_url(mine).database == f"{make_url(url).database}_gwtest"
    assert make_url(mine).set(database=make_url(url).database) == make_url(url)  # the same server and role
    engine = create_engine(mine, poolclass=NullPool)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE left_over (x int)"))
    engine.dispose()
    assert worker_database(url, "gwtest") == mine  # the next session's: the same name, empty again
    engine = create_engine(mine, poolclass=NullPool)
    assert inspect(engine).get_table_names() == []
    engine.dispose()
    server = create_engine(url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    with server.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{make_url(mine).database}" WITH (FORCE)'))
    server.dispose()


def test_a_database_that_cannot_be_made_is_named_with_what_to_do() -> None:
    url = "postgresql+psycopg://nobody_here@/no_such_database?host=/nonexistent-socket-folder"
    expected = (r"could not create the database 'no_such_database_gw0' of xdist worker gw0 \(OperationalError: "
                r".*/nonexistent-socket-folder.*\)\. Check that the server runs and that the role may create "
                r"databases \(CREATEDB\), or run the tests without -n\.$")  # fmt: skip
    with pytest.raises(RuntimeError, match=expected):
        worker_database(url, "gw0")
