"""Streamlit's script bundles from memory (metrics/asset_cache.py): the same bytes and headers as from the
file, 304 and HEAD, and nothing but the files found at start (no path reaches the file system)."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from metrics.asset_cache import IMMUTABLE, AssetCache


def _call(app: Any, method: str, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "method": method, "path": path,
             "headers": [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]}  # fmt: skip
    with ThreadPoolExecutor(1) as thread:  # its own event loop: a test before may have left one running here
        thread.submit(asyncio.run, app(scope, receive, send)).result()
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], {k.decode(): v.decode() for k, v in start.get("headers", [])}, body


async def _streamlit(scope: Any, receive: Any, send: Any) -> None:  # what the middleware passes requests on to
    await send({"type": "http.response.start", "status": 299, "headers": []})
    await send({"type": "http.response.body", "body": b"from streamlit"})


@pytest.fixture
def bundles(tmp_path: Path) -> Path:
    folder = tmp_path / "static" / "static"
    (folder / "js").mkdir(parents=True)
    (folder / "js" / "index.Ab12.js").write_bytes(b"console.log('x')" * 1000)
    (folder / "css").mkdir()
    (folder / "css" / "index.Cd34.css").write_text("body{}")
    (tmp_path / "static" / "secret.txt").write_text("outside the bundles")
    return folder


def test_a_bundle_comes_from_memory_with_streamlits_headers(bundles: Path) -> None:
    cache = AssetCache(_streamlit, bundles)
    status, headers, body = _call(cache, "GET", "/static/js/index.Ab12.js")
    assert status == 200
    assert body == (bundles / "js" / "index.Ab12.js").read_bytes()
    assert headers["content-type"] in ("application/javascript", "text/javascript; charset=utf-8")
    assert headers["cache-control"] == IMMUTABLE
    assert headers["content-length"] == str(len(body))
    (bundles / "js" / "index.Ab12.js").write_bytes(b"changed on disk")  # read once: memory answers now
    assert _call(cache, "GET", "/static/js/index.Ab12.js")[2] == body
    status, css_headers, _css = _call(cache, "GET", "/static/css/index.Cd34.css")
    assert (status, css_headers["content-type"]) == (200, "text/css; charset=utf-8")


def test_304_and_head(bundles: Path) -> None:
    cache = AssetCache(_streamlit, bundles)
    _status, headers, _body = _call(cache, "GET", "/static/js/index.Ab12.js")
    status, again, body = _call(cache, "GET", "/static/js/index.Ab12.js", {"If-None-Match": f'"x", {headers["etag"]}'})
    assert (status, body) == (304, b"") and again["etag"] == headers["etag"]
    status, head, body = _call(cache, "HEAD", "/static/js/index.Ab12.js")
    assert (status, body, head["content-length"]) == (200, b"", headers["content-length"])


@pytest.mark.parametrize("path", ["/", "/static/secret.txt", "/static/../secret.txt", "/static/js/../../secret.txt",
                                  "//static/js/index.Ab12.js", "/static/js/missing.js", "/api/v1/series"])  # fmt: skip
def test_anything_else_goes_on_to_streamlit(bundles: Path, path: str) -> None:
    assert _call(AssetCache(_streamlit, bundles), "GET", path) == (299, {}, b"from streamlit")


def test_other_methods_and_a_base_url(bundles: Path) -> None:
    assert _call(AssetCache(_streamlit, bundles), "POST", "/static/js/index.Ab12.js")[0] == 299
    under = AssetCache(_streamlit, bundles, prefix="/dashboard/")
    assert _call(under, "GET", "/dashboard/static/js/index.Ab12.js")[0] == 200
    assert _call(under, "GET", "/static/js/index.Ab12.js")[0] == 299
    assert len(under) == 2


def _page(html: bytes, parts: int = 1) -> Any:
    """Streamlit answering with its page (in ``parts`` body messages), or with something else."""

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["path"] == "/api":
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/csv")]})
            await send({"type": "http.response.body", "body": b"a,</head>"})
            return
        headers = [(b"content-type", b"text/html; charset=utf-8"), (b"content-length", str(len(html)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        step = len(html) // parts + 1
        for i in range(0, len(html), step):
            await send({"type": "http.response.body", "body": html[i : i + step], "more_body": i + step < len(html)})

    return app


def test_the_page_names_the_first_screens_bundles_and_what_they_import(bundles: Path) -> None:
    js = bundles / "js"
    (js / "DataFrame.Q1.js").write_text('import{a}from"./arrow.R2.js";import"./index.Ab12.js";const x=1;')
    (js / "arrow.R2.js").write_text('import{b as c}from "./util.S3.js";')
    (js / "util.S3.js").write_text("export const b=1;")
    (js / "Unused.T4.js").write_text("export const u=1;")
    (bundles.parent / "index.html").write_text('<html><head><script src="./static/js/index.Ab12.js"></script></head>')
    page = b'<html><head><script src="./static/js/index.Ab12.js"></script></head><body></body></html>'
    cache = AssetCache(_page(page, parts=3), bundles, preload=["DataFrame", "Selectbox"])  # no Selectbox here
    assert cache.preloaded == ["DataFrame.Q1.js", "arrow.R2.js", "util.S3.js"]  # index: the page loads it
    status, headers, body = _call(cache, "GET", "/trends")
    assert status == 200 and headers["content-length"] == str(len(body))
    links = "".join(f'<link rel="modulepreload" crossorigin href="./static/js/{n}">' for n in cache.preloaded)
    assert body == page.replace(b"</head>", links.encode() + b"</head>")
    assert _call(cache, "GET", "/api")[2] == b"a,</head>"  # anything but HTML passes unchanged
    assert _call(AssetCache(_page(page), bundles), "GET", "/")[2] == page  # no preload asked: the page as is
