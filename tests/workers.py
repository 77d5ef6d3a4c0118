"""What the test session needs so that pytest-xdist's workers (``make test`` runs two) can run side by side:
a PostgreSQL database of each worker's own, and a lock that keeps a test marked ``serial`` (one that measures
wall time) from running while another worker runs anything.

Without xdist (a plain ``python -m pytest``) both are no-ops: the database is ``TERRITORY_TEST_PG_URL``'s
and no lock is taken."""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

__all__ = ["serial_lock", "worker", "worker_database"]


def worker() -> str | None:
    """The xdist worker this process is (``gw0``, ``gw1``, ...), or None outside xdist."""
    return os.environ.get("PYTEST_XDIST_WORKER")


def worker_database(url: str, worker_id: str) -> str:
    """The URL of a new, empty database for ``worker_id`` on the server of ``url``: the database named in
    ``url`` plus ``_<worker id>`` (``territory_test_gw0``), dropped and created again, as .ci/postgres makes
    ``url``'s own for a run. Raises ``RuntimeError`` naming the URL and what to do where that fails."""
    base = make_url(url)
    name = f"{base.database}_{worker_id}"
    if not name.replace("_", "").isalnum():
        raise RuntimeError(f"TERRITORY_TEST_PG_URL: {name!r} is no database name to derive from {base.database!r}")
    server = create_engine(base, isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as error:
        reason = " ".join(str(error).split())  # one line: psycopg's messages span several
        raise RuntimeError(
            f"TERRITORY_TEST_PG_URL={base.render_as_string(hide_password=True)}: could not create the database "
            f"{name!r} of xdist worker {worker_id} ({error.__class__.__name__}: {reason}). Check that the server "
            "runs and that the role may create databases (CREATEDB), or run the tests without -n."
        ) from error
    finally:
        server.dispose()
    return base.set(database=name).render_as_string(hide_password=False)


@contextmanager
def serial_lock(serial: bool, basetemp: str | None) -> Iterator[None]:
    """Held around one test's setup, call and teardown under xdist: a ``serial`` test holds the run's lock
    alone, every other test shares it. The turnstile gives a waiting serial test precedence: once it holds
    the turnstile, no other test starts until it is done, so it waits at most for the tests already running.

    The lock files are in the folder of the run's temporary folders (xdist gives each worker ``basetemp``
    ``<run>/popen-gw0``, ...), which pytest removes after a few runs. A crashed worker's locks go with it."""
    if worker() is None or basetemp is None:
        yield
        return
    run = Path(basetemp).parent
    turnstile_path, lock_path = run / "serial.turnstile", run / "serial.lock"
    with turnstile_path.open("a") as turnstile, lock_path.open("a") as lock:
        fcntl.flock(turnstile, fcntl.LOCK_EX)
        try:
            fcntl.flock(lock, fcntl.LOCK_EX if serial else fcntl.LOCK_SH)
            if not serial:
                fcntl.flock(turnstile, fcntl.LOCK_UN)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        finally:
            fcntl.flock(turnstile, fcntl.LOCK_UN)
