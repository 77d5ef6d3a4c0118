"""Streamlit's script bundles, served from memory (an ASGI middleware for ``python app.py``).

A browser opening the dashboard for the first time fetches about 120 files (7 MB) of JavaScript, CSS
and fonts from ``/static/``. Streamlit serves each through Starlette's ``FileResponse``: a file system
check, then the file read in chunks in worker threads, each handed back to the event loop; about 4 ms of
the server's one interpreter per file here, competing with the first visitor's page run. Twenty readers
opening the page at once made that 2,400 requests.

The files under ``/static/`` are content-hashed (``index.DormvYxC.js``) and never change while the
server runs, so this middleware reads each once, keeps its bytes, and answers every later request for it
from memory with the headers Streamlit gives it (``Cache-Control: public, immutable``, ETag,
Last-Modified), ``304`` to ``If-None-Match``, and ``HEAD``. Only files found under the directory when the
server starts are served: a path is looked up in that list, never joined to the file system. Everything
else (the page itself, ``/_stcore``, the API) goes on to Streamlit.

``preload``: the page's HTML (Streamlit's ``index.html``, for every page path) also names, as
``<link rel="modulepreload">``, the bundles of the elements the first screen draws (e.g. the table:
``DataFrame.<hash>.js`` and every bundle it imports, found in their ``import ... from "./x.js"``
lines). Streamlit loads an element's bundle only when the element's first message arrives over the
WebSocket, then its imports one level after another; named in the page, they are fetched and parsed
while the browser waits for the server's first run. A name not found (another Streamlit) is skipped.
"""

from __future__ import annotations

import email.utils
import hashlib
import mimetypes
import re
import threading
from collections.abc import Awaitable, Callable, MutableMapping, Sequence
from pathlib import Path
from typing import Any

__all__ = ["AssetCache", "IMMUTABLE", "preload_closure"]

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: What Streamlit answers for its hashed bundles (``starlette_static_routes``): a year, never revalidated.
IMMUTABLE = "public, immutable, max-age=31536000"


_IMPORT = re.compile(rb"""(?:from|import)\s*["']\./([\w.-]+\.js)["']""")


def preload_closure(js_dir: Path, stems: Sequence[str], loaded: Sequence[str] = ()) -> list[str]:
    """The bundles in ``js_dir`` named ``<stem>.<hash>.js`` for each of ``stems``, and every bundle they
    import statically, recursively, leaving out ``loaded`` (the page loads those already, and what they
    import) (file names, in a stable order); stems with no bundle are skipped."""
    names = {p.name for p in js_dir.glob("*.js")}
    todo = sorted(n for stem in stems for n in names if n.startswith(f"{stem}.") and n.count(".") == 2)
    found: list[str] = []
    while todo:
        name = todo.pop(0)
        if name in found or name in loaded or name not in names:
            continue
        found.append(name)
        todo.extend(m.decode() for m in _IMPORT.findall((js_dir / name).read_bytes()))
    return found


def _loaded_by_page(index_html: Path) -> list[str]:
    """The bundles Streamlit's page itself loads or preloads (``./static/js/<name>`` in index.html)."""
    if not index_html.exists():
        return []
    return re.findall(r"\./static/js/([\w.-]+\.js)", index_html.read_text(encoding="utf-8"))


class _Asset:
    __slots__ = ("body", "etag", "headers")

    def __init__(self, path: Path) -> None:
        self.body = path.read_bytes()
        stat = path.stat()
        self.etag = f'"{hashlib.md5(self.body, usedforsecurity=False).hexdigest()}"'
        kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        if kind.startswith("text/"):  # as Starlette's FileResponse says it
            kind += "; charset=utf-8"
        self.headers = [
            (b"content-type", kind.encode()),
            (b"etag", self.etag.encode()),
            (b"last-modified", email.utils.formatdate(stat.st_mtime, usegmt=True).encode()),
            (b"cache-control", IMMUTABLE.encode()),
        ]


class AssetCache:
    """ASGI middleware: ``GET``/``HEAD`` ``{prefix}/static/<file>`` answered from memory for every file
    under ``directory`` (Streamlit's ``static/static``); any other request passes to ``app``."""

    def __init__(self, app: ASGIApp, directory: Path, prefix: str = "", preload: Sequence[str] = ()) -> None:
        self.app = app
        self.directory = Path(directory)
        self.prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
        self._known = {
            f"{self.prefix}/static/{p.relative_to(self.directory).as_posix()}": p
            for p in self.directory.rglob("*")
            if p.is_file()
        }
        self._assets: dict[str, _Asset] = {}
        self._lock = threading.Lock()
        loaded = _loaded_by_page(self.directory.parent / "index.html")
        self.preloaded = preload_closure(self.directory / "js", preload, loaded) if preload else []
        self._links = b"".join(
            f'<link rel="modulepreload" crossorigin href="./static/js/{name}">'.encode() for name in self.preloaded
        )

    def __len__(self) -> int:
        return len(self._known)

    def asset(self, path: str) -> _Asset | None:
        """The file at URL ``path`` (read on first use), or None when it is not one of the bundles."""
        found = self._assets.get(path)
        if found is None and path in self._known:
            with self._lock:
                found = self._assets.get(path) or _Asset(self._known[path])
                self._assets[path] = found
        return found

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        found = self.asset(scope["path"])
        if found is None:
            await self.app(scope, receive, self._with_preloads(send) if self._links else send)
            return
        asked = dict(scope.get("headers") or ()).get(b"if-none-match", b"").decode("latin-1")
        if found.etag in [tag.strip().removeprefix("W/") for tag in asked.split(",")]:
            await send({"type": "http.response.start", "status": 304, "headers": found.headers[1:]})
            await send({"type": "http.response.body", "body": b""})
            return
        headers = [*found.headers, (b"content-length", str(len(found.body)).encode())]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if scope["method"] == "HEAD" else found.body})

    def _with_preloads(self, send: Send) -> Send:
        """``send`` with the preload links put before ``</head>`` of an HTML answer (held until its
        last body part; its length fixed); any other answer passes through unchanged."""
        held: list[MutableMapping[str, Any]] = []
        parts: list[bytes] = []

        async def send_(message: MutableMapping[str, Any]) -> None:
            if message["type"] == "http.response.start":
                headers = dict(message.get("headers") or ())
                if headers.get(b"content-type", b"").startswith(b"text/html") and b"content-encoding" not in headers:
                    held.append(message)
                    return
            elif held and message["type"] == "http.response.body":
                parts.append(message.get("body", b""))
                if message.get("more_body"):
                    return
                body = b"".join(parts).replace(b"</head>", self._links + b"</head>", 1)
                start = held.pop()
                start["headers"] = [(k, v) for k, v in start.get("headers") or () if k != b"content-length"]
                start["headers"].append((b"content-length", str(len(body)).encode()))
                await send(start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        return send_
