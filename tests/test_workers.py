"""The test session under pytest-xdist (tests/workers.py): a worker's own PostgreSQL database, new and empty,
and the lock that runs a ``serial`` test alone, ahead of tests that ask after it. Real locks in real
processes, a real PostgreSQL server where ``TERRITORY_TEST_PG_URL`` names one."""

from __future__ import annotations

import fcntl
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
# started and ended in ``log``, and holds the lock until the file ``release`` exists.
_HOLDER = """
import sys, time
from pathlib import Path
from tests.workers import serial_lock
name, serial, release, basetemp, log = sys.argv[1], sys.argv[2] == "serial", Path(sys.argv[3]), sys.argv[4], sys.argv[5]
with open(log, "a") as out:
    print(f"{name} asks {time.monotonic():.3f}", file=out, flush=True)
    with serial_lock(serial, basetemp):
        print(f"{name} starts {time.monotonic():.3f}", file=out, flush=True)
        while not release.exists():
            time.sleep(0.01)
        print(f"{name} ends {time.monotonic():.3f}", file=out, flush=True)
"""


def _holder(name: str, kind: str, release: Path, basetemp: Path, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTEST_XDIST_WORKER": f"gw-{name}"}
    return subprocess.Popen([sys.executable, "-c", _HOLDER, name, kind, str(release), str(basetemp), str(log)],
                            cwd=ROOT, env=env)  # fmt: skip


def _lines(log: Path) -> list[list[str]]:
    return [line.split() for line in log.read_text().splitlines()] if log.exists() else []


def _wait_for(log: Path, name: str, what: str) -> None:
    deadline = time.monotonic() + 60
    while not any(line[:2] == [name, what] for line in _lines(log)):
        assert time.monotonic() < deadline, f"no '{name} {what}' in {log}"
        time.sleep(0.02)


def _held_by_another(path: Path) -> bool:
    with path.open("a") as file:
        try:
            fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(file, fcntl.LOCK_UN)
        return False


def test_a_serial_test_waits_for_the_running_ones_and_goes_before_those_that_ask_after_it(tmp_path: Path) -> None:
    basetemp = tmp_path / "popen-gw0"  # the lock files go in its parent, the run's folder
    log = tmp_path / "log"
    first = _holder("plain1", "plain", tmp_path / "release-plain1", basetemp, log)
    _wait_for(log, "plain1", "starts")
    serial = _holder("serial", "serial", tmp_path / "release-serial", basetemp, log)
    deadline = time.monotonic() + 60
    while not _held_by_another(tmp_path / "serial.turnstile"):  # the serial test holds it, waiting for plain1
        assert time.monotonic() < deadline, "the serial test never took the turnstile"
        time.sleep(0.02)
    later = _holder("plain2", "plain", tmp_path / "release-plain2", basetemp, log)
    _wait_for(log, "plain2", "asks")
    time.sleep(0.5)
    assert [line[:2] for line in _lines(log)][-1] == ["plain2", "asks"]  # neither started: plain1 still runs
    (tmp_path / "release-plain1").touch()
    _wait_for(log, "serial", "starts")
    time.sleep(0.5)
    assert not any(line[:2] == ["plain2", "starts"] for line in _lines(log))  # it waits for the serial one
    (tmp_path / "release-serial").touch()
    (tmp_path / "release-plain2").touch()
    for proc in (first, serial, later):
        assert proc.wait(timeout=60) == 0
    order = [line[:2] for line in _lines(log) if line[1] != "asks"]
    assert order == [["plain1", "starts"], ["plain1", "ends"], ["serial", "starts"], ["serial", "ends"],
                     ["plain2", "starts"], ["plain2", "ends"]]  # fmt: skip


def test_plain_tests_share_the_lock(tmp_path: Path) -> None:
    log, release = tmp_path / "log", tmp_path / "release"
    one = _holder("one", "plain", release, tmp_path / "popen-gw0", log)
    two = _holder("two", "plain", release, tmp_path / "popen-gw1", log)
    _wait_for(log, "one", "starts")
    _wait_for(log, "two", "starts")  # both hold it at once: side by side
    release.touch()
    assert one.wait(timeout=60) == 0 and two.wait(timeout=60) == 0


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


def test_two_workers_never_choose_the_same_port_for_their_servers() -> None:
    from tests.e2e.conftest import free_port

    first = {free_port("gw0") for _ in range(20)}
    second = {free_port("gw1") for _ in range(20)}
    assert all(20000 <= p < 21000 for p in first) and all(21000 <= p < 22000 for p in second)
    assert 20000 <= free_port(None) < 21000  # a single process: the first worker's range
