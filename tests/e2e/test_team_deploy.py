"""``make serve-team`` driven for real: PostgreSQL, two app instances and nginx on loopback. A batch
written through instance A shows on instance B and through nginx; the pages load through nginx (the
WebSocket passes the proxy); stopping one instance leaves the site serving and loses nothing.

Needs nginx (or root with apt-get to install it) and a PostgreSQL server (root starts the local
one); skipped where neither can be had, a failure under CI=true."""

from __future__ import annotations

import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from tests.e2e.conftest import ROOT

pytestmark = [pytest.mark.browser, pytest.mark.deploy]

CSV = "date,metric,value,source,definition\n2025-12-31,share_controlled_pct,19.52,Team Desk,assessed control\n"


def _need(condition: bool, message: str) -> None:
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"the team deployment test cannot run under CI: {message}")
        pytest.skip(message)


def _free_base() -> int:
    """A port such that it and the next two are free on 127.0.0.1."""
    for _ in range(50):
        base = random.randint(25_000, 32_000)  # not the ports of the workers' servers (conftest.free_port)
        try:
            for port in range(base, base + 3):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise RuntimeError("no three free ports in a row")


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, bytes]:
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers or {}), timeout=30) as response:
        return response.status, response.read()


@pytest.fixture(scope="module")
def team(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, object]]:
    root = os.geteuid() == 0
    _need(bool(shutil.which("nginx") or Path("/usr/sbin/nginx").exists() or (root and shutil.which("apt-get"))),
          "no nginx, and not root with apt-get to install it")  # fmt: skip
    _need(root, "not root: the test starts the local PostgreSQL server and a database of its own")
    database = os.environ.get("TERRITORY_TEST_TEAM_DB", "territory_team_test")
    env = {k: v for k, v in os.environ.items() if k != "TERRITORY_DB_URL"}
    subprocess.run([sys.executable, "deploy/serve_team.py", "--help"], cwd=ROOT, check=True, capture_output=True)
    subprocess.run(["dropdb", "--if-exists", database], capture_output=True)  # a clean store each time
    run = tmp_path_factory.mktemp("team")
    port = _free_base()
    out = (run / "serve-team.out").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "deploy/serve_team.py", "--port", str(port), "--run-dir", str(run), "--database", database],
        cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 240
    pids: dict[str, int] = {}
    try:
        while time.monotonic() < deadline:
            text = (run / "serve-team.out").read_text()
            if "serving http://" in text:
                break
            if proc.poll() is not None:
                raise RuntimeError(f"serve_team stopped: {text}")
            time.sleep(0.5)
        else:
            raise RuntimeError(f"serve_team did not come up: {(run / 'serve-team.out').read_text()}")
        for line in text.splitlines():
            if line.startswith(("instance ", "nginx: pid")):
                name = line.split(":")[0].removeprefix("instance ")
                pids[name] = int(line.split("pid ")[1].split(",")[0])
        yield {"url": f"http://127.0.0.1:{port}", "a": f"http://127.0.0.1:{port + 1}",
               "b": f"http://127.0.0.1:{port + 2}", "pids": pids, "proc": proc,
               "db": f"postgresql+psycopg://root@/{database}?host=/var/run/postgresql"}  # fmt: skip
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=60)
        out.close()


def test_a_batch_through_a_shows_on_b_and_the_site_survives_a_stopped_instance(
    team: dict[str, object], browser: Browser, tmp_path: Path
) -> None:
    url, a, b = str(team["url"]), str(team["a"]), str(team["b"])
    # the pages load through nginx: the WebSocket passes the proxy
    page = browser.new_page()
    page.goto(url)
    expect(page.locator(".st-key-overview_table table")).to_be_visible(timeout=90_000)
    assert "Team Desk" not in _get(f"{b}/api/v1/series")[1].decode()

    # a batch written through instance A's store (the CLI import against the shared PostgreSQL store)
    path = tmp_path / "team-desk.csv"
    path.write_text(CSV)
    env = {**os.environ, "TERRITORY_DB_URL": str(team["db"])}
    result = subprocess.run([sys.executable, "-m", "metrics", "import", str(path)], cwd=ROOT, capture_output=True,
                            text=True, env=env, timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    for where in (a, b, url):  # both instances and the proxy see it at once
        status, body = _get(f"{where}/api/v1/series")
        assert status == 200 and b"Team Desk" in body, where
    page.reload()
    expect(page.get_by_text("Team Desk · assessed control").first).to_be_visible(timeout=90_000)

    # stop instance A: the site keeps serving, pages and API, and nothing is lost
    pids = team["pids"]
    assert isinstance(pids, dict)
    os.kill(pids["A"], signal.SIGTERM)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            _get(f"{a}/_stcore/health")
        except OSError:
            break
        time.sleep(0.3)
    else:
        pytest.fail("instance A did not stop")
    for _ in range(6):  # whichever instance a request hashes to, it is answered
        status, body = _get(f"{url}/api/v1/figures.csv?source=Team%20Desk")
        assert status == 200 and b"19.52" in body
    fresh = browser.new_page()
    fresh.goto(url)
    expect(fresh.get_by_text("Team Desk · assessed control").first).to_be_visible(timeout=90_000)
    page.goto(url)  # the first visitor's cookie pointed wherever it pointed: still served
    expect(page.locator(".st-key-overview_table table")).to_be_visible(timeout=90_000)
