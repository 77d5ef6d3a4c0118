"""Real-browser fixtures: Debian's Chromium through Playwright, and the app served on a free port
with its own temporary store. Without a browser the tests skip, except under CI where they fail."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.workers import worker

ROOT = Path(__file__).resolve().parents[2]
_BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")

# A test waits (60-90 s) for the first sign that a page ran, then expects what the same run draws after
# it. Playwright gives those 5 s by default; on the 2-core machine with two pytest workers (and a browser
# each) a page still running took longer (the Overview after an upload). 20 s: a wrong expectation still
# fails, only later; a negative one (``to_have_count(0)``) holds as soon as it is true, as before.
expect.set_options(timeout=20_000)


def _chromium() -> str:
    for name in _BROWSERS:
        if path := shutil.which(name):
            return path
    message = "no Chromium or Chrome on PATH (make test installs it where apt-get is available as root)"
    if os.environ.get("CI") == "true":
        pytest.fail(f"browser tests cannot run under CI: {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    return {
        **browser_type_launch_args,
        "executable_path": _chromium(),
        "args": [
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--no-first-run", "--disable-sync",
        ],
    }  # fmt: skip


def free_port(worker_id: str | None = None) -> int:
    """A free port from the pytest-xdist worker's own thousand (gw0: 20000-20999, gw1: 21000-21999, ...;
    below Linux's ephemeral range): the port is free when chosen and Streamlit binds it a moment later,
    so two workers must never choose from the same ports."""
    number = int((worker_id or "gw0").removeprefix("gw") or 0) % 5  # 20000-24999; the team deploy: 25000-32000
    low = 20000 + 1000 * number
    for port in random.sample(range(low, low + 1000), 1000):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free port in {low}-{low + 999}")


@contextmanager
def _serve(store: Path, log_path: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """The dashboard served as `make run` serves it (``python app.py``) on a free port, over ``store``."""
    port = free_port(worker())
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--server.port", str(port), "--server.address", "localhost"],
        cwd=ROOT, env={**os.environ, **(env or {}), "TERRITORY_DB_URL": f"sqlite:///{store}"},
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://localhost:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.read() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the dashboard did not start; see {log_path}")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The dashboard over an empty temporary store (the first start loads the bundled data), shared
    by the tests that only read."""
    folder = tmp_path_factory.mktemp("e2e")
    with _serve(folder / "territory.sqlite", folder / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def own_app_url(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> Iterator[str]:
    """The dashboard over a store of the module's own, for tests that change the store (a copy of the
    session's loaded store: ``app_url`` is the one whose server loads the bundled data itself)."""
    folder = tmp_path_factory.mktemp("e2e-own")
    bundled_sqlite(folder / "territory.sqlite")
    with _serve(folder / "territory.sqlite", folder / "streamlit.log") as url:
        yield url
