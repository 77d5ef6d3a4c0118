"""The data API's routes as the server mounts them, light to import (Starlette only).

``python app.py`` mounts these before it serves: importing ``metrics.api`` (pandas, SQLAlchemy) would
hold the server back by about 0.7 s, while the first browser is still loading Streamlit's scripts.
The real handlers (``metrics.api.routes``) are built on the first request, after the store is
prepared (``ensure_bundled_data``, as ``python -m metrics init`` does): an API request on a first
start waits for the bundled data rather than answering from a half-loaded store.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

__all__ = ["ROUTES", "routes"]

_METHODS = ["GET", "HEAD", "OPTIONS"]
#: (path, methods) of every route of ``metrics.api.routes`` with geodata's answers.
ROUTES: tuple[tuple[str, list[str]], ...] = (
    ("/api/v1", ["GET", "HEAD"]),
    ("/api/v1/figures.{format:str}", _METHODS),
    ("/api/v1/series", _METHODS),
    ("/api/v1/regions", _METHODS),
    ("/api/v1/settlements.{format:str}", _METHODS),
)


def routes(front: Callable[[], Any] | None = None) -> list[Route]:
    """The API's routes, each handing its request to ``metrics.api``'s handler of the same path; the
    handlers are made on the first request, with ``front()`` (geodata's answers) when given."""
    handlers: dict[str, Callable[[Request], Response]] = {}
    lock = threading.Lock()

    def handler(path: str) -> Callable[[Request], Response]:
        with lock:
            if not handlers:
                from metrics import api
                from metrics.bundled import ensure_bundled_data
                from metrics.store import get_engine

                ensure_bundled_data(get_engine(), report=lambda _line: None)
                served = api.routes(front=front() if front is not None else None)
                handlers.update({route.path: route.endpoint for route in served})
        return handlers[path]

    def endpoint_of(path: str) -> Callable[[Request], Response]:
        def endpoint(request: Request) -> Response:  # sync: Starlette runs it in its thread pool
            return handler(path)(request)

        return endpoint

    return [Route(path, endpoint_of(path), methods=methods) for path, methods in ROUTES]
