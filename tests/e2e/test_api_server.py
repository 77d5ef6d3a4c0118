"""The data API and the sign-in through the app's real server (``python app.py``, as ``make run``
serves): the CLI's bytes over HTTP, 304, requests in parallel; a spoofed X-Forwarded-For does not
reach the audit field, a trusted proxy's does."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import Message
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect

from metrics.store import get_engine, list_batches
from tests.e2e.conftest import ROOT, _serve


@pytest.fixture(scope="module")
def served(
    tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]
) -> Iterator[tuple[str, Path]]:
    folder = tmp_path_factory.mktemp("api-server")
    store = folder / "territory.sqlite"
    bundled_sqlite(store)  # a copy of the loaded store: the server has no bundled data left to load
    with _serve(store, folder / "streamlit.log") as url:
        yield url, store


def _get(url: str, headers: dict[str, str] | None = None) -> tuple[int, Message, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def test_the_server_answers_the_api_with_the_cli_bytes(served: tuple[str, Path]) -> None:
    url, store = served
    query = "metric=area_controlled_km2&source=DeepStateMap&region=&freq=M&from=2025-01-01"
    status, headers, body = _get(f"{url}/api/v1/figures.csv?{query}")
    assert status == 200, body
    cli = subprocess.run(
        [sys.executable, "-m", "metrics", "export", "--metric", "area_controlled_km2", "--source", "DeepStateMap",
         "--region", "", "--freq", "M", "--from", "2025-01-01"],
        cwd=ROOT, env={**os.environ, "TERRITORY_DB_URL": f"sqlite:///{store}"}, capture_output=True, timeout=120,
    )  # fmt: skip
    assert cli.returncode == 0, cli.stderr
    assert body == cli.stdout
    assert headers["Access-Control-Allow-Origin"] == "*"
    status, _headers, empty = _get(f"{url}/api/v1/figures.csv?{query}", {"If-None-Match": headers["ETag"]})
    assert (status, empty) == (304, b"")
    status, _headers, problems = _get(f"{url}/api/v1/figures.csv?freq=fortnight")
    assert status == 400 and b"freq" in problems
    # the app itself still serves
    assert _get(f"{url}/_stcore/health")[2] == b"ok"


def test_twenty_requests_at_once_all_answer(served: tuple[str, Path]) -> None:
    url, _store = served
    paths = ["/api/v1/series", "/api/v1/regions", "/api/v1/figures.json?freq=M&region=",
             "/api/v1/figures.csv?metric=share_controlled_pct"] * 5  # fmt: skip
    with ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda p: _get(url + p), paths))
    assert [status for status, _h, _b in answers] == [200] * 20
    assert len({body for status, _h, body in answers}) == 4


CSV = "date,metric,value,source,definition\n2025-12-31,share_controlled_pct,19.41,Audit Desk,assessed control\n"


def _upload_as_editor(browser: Browser, url: str, path: Path, forwarded_for: str) -> None:
    context = browser.new_context(extra_http_headers={"X-Forwarded-For": forwarded_for})
    page = context.new_page()
    page.goto(f"{url}/upload")
    expect(page.get_by_role("heading", name="Upload figures")).to_be_visible(timeout=60_000)
    page.get_by_label("Editor password").fill("correct horse")
    page.get_by_role("button", name="Sign in as editor").click()
    uploader = page.get_by_role("region", name="CSV file of figures")
    uploader.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(str(path))
    page.get_by_role("button", name="Store 1 figures as a new batch").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("batch", timeout=30_000)
    context.close()


@pytest.mark.browser
@pytest.mark.parametrize(("trusted", "recorded"), [("", "(editor, 127.0.0.1)"),
                                                    ("127.0.0.1,::1", "(editor, 10.1.1.5 via 127.0.0.1)")])  # fmt: skip
def test_the_audit_field_records_the_real_peer(
    browser: Browser, tmp_path: Path, trusted: str, recorded: str, bundled_sqlite: Callable[[Path], str]
) -> None:
    path = tmp_path / "audit-desk.csv"
    path.write_text(CSV)
    store = tmp_path / "territory.sqlite"
    bundled_sqlite(store)
    env = {"TERRITORY_EDITOR_PASSWORD": "correct horse", "TERRITORY_TRUSTED_PROXIES": trusted}
    with _serve(store, tmp_path / "streamlit.log", env) as url:
        _upload_as_editor(browser, url, path, "10.1.1.5")
    who = list_batches(get_engine(f"sqlite:///{store}"))["who"].iloc[0]
    assert who.endswith(recorded), who


def test_the_script_bundles_come_from_memory_with_the_files_bytes(served: tuple[str, Path]) -> None:
    """metrics/asset_cache.py in the real server: what the page's own index asks for, byte for byte."""
    import re

    import streamlit

    url, _store = served
    _status, _headers, index = _get(f"{url}/")
    scripts = re.findall(rb'src="\./(static/js/[^"]+\.js)"', index)
    assert scripts, "the page names its script bundle"
    folder = Path(streamlit.__file__).parent / "static"
    for script in scripts:
        status, headers, body = _get(f"{url}/{script.decode()}")
        assert status == 200
        assert body == (folder / script.decode()).read_bytes()
        assert headers["Cache-Control"] == "public, immutable, max-age=31536000"
        assert "Accept-Ranges" not in headers, "served by Streamlit's FileResponse, not from memory"
        assert _get(f"{url}/{script.decode()}", {"If-None-Match": headers["ETag"]})[0] == 304
    # the page also names the first screen's bundles, so that they load with the page (app.py: FIRST_SCREEN)
    preloads = re.findall(rb'<link rel="modulepreload" crossorigin href="\./static/js/([^"]+)">', index)
    assert any(name.startswith(b"StreamlitMarkdown.") for name in preloads), preloads
    for name in preloads:
        assert _get(f"{url}/static/js/{name.decode()}")[0] == 200
    assert _get(f"{url}/trends")[2] == index  # every page path: the same page
