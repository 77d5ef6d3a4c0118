"""The read-only data API, served by the app's own server (``app.py`` passes ``routes()`` to
``streamlit.starlette.App``). Plain Starlette handlers: nothing here knows about Streamlit.

- ``GET /api/v1/figures.csv`` and ``/api/v1/figures.json``: the rows of ``python -m metrics export``
  with the same parameters (``metric``, ``source``, ``definition``, ``region`` (empty: the whole
  territory), ``freq``, ``from``, ``to``), the same columns and the same bytes (``metric``,
  ``source`` and ``definition`` may also be given several times, as the Data page filters), a page at a time:
  ``limit`` (default and at most 10,000 rows) and ``offset``; ``X-Total-Count`` says how many rows
  match and ``Link`` points to the next and previous pages.
- ``GET /api/v1/series``: every source, definition and metric with its first and latest date.
- ``GET /api/v1/regions``: the regions (ISO 3166-2) with their names and areas.
- ``GET /api/v1``: what is served.

Every answer carries ``ETag`` (the store revision and the query), ``Cache-Control`` and CORS
headers for any origin; ``If-None-Match`` with the current tag answers ``304``; bad parameters answer
``400`` with ``{"problems": [{"parameter", "value", "message"}]}``.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any
from urllib.parse import urlencode

import pandas as pd
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from metrics.api_front import FrontAnswers, settlements_endpoint
from metrics.export import export_figures, export_per_place, to_bytes
from metrics.metadata import METRICS, definition_text, metadata, official_area_km2, source_info
from metrics.pipelines import FREQUENCIES
from metrics.schema import region_areas
from metrics.store import get_engine, read_figures, revision
from metrics.text import write_csv

__all__ = ["CACHE_CONTROL", "MAX_LIMIT", "PREFIX", "api_link", "routes"]

PREFIX = "/api/v1"
MAX_LIMIT = 10_000
CACHE_CONTROL = "public, max-age=60"
_EXPORT_PARAMETERS = ("metric", "source", "definition", "region", "freq", "from", "to")
_PAGING = ("limit", "offset")
_REPEATABLE = ("metric", "source", "definition")  # one value as the CLI takes, or several
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_REGION = re.compile(r"^[A-Z]{2}-[0-9A-Z]{1,3}$")
_CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Expose-Headers": "ETag, Link, X-Total-Count, X-Store-Revision",
}
_MEDIA = {"csv": "text/csv; charset=utf-8", "json": "application/json"}


class _Cache:
    """Results per (store revision, query): a new revision makes new keys; old ones age out."""

    def __init__(self, size: int = 64) -> None:
        self._items: OrderedDict[tuple, Any] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()
        self._making: dict[tuple, threading.Lock] = {}

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        """The value for ``key``, made once even when many requests ask for it at the same time."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
            making = self._making.setdefault(key, threading.Lock())
        with making:  # the first request makes it; the others wait for it
            with self._lock:
                if key in self._items:
                    return self._items[key]
            value = make()
            with self._lock:
                self._items[key] = value
                self._making.pop(key, None)
                while len(self._items) > self._size:
                    self._items.popitem(last=False)
        return value


def _token(rev: object) -> str:
    return "-".join(map(str, rev)) if isinstance(rev, tuple) else str(rev)


def _problem(parameter: str, value: str, message: str) -> dict[str, str]:
    return {"parameter": parameter, "value": value, "message": message}


def _bad(problems: list[dict[str, str]]) -> Response:
    return JSONResponse({"problems": problems}, status_code=400, headers={**_CORS, "Cache-Control": "no-store"})


def _single(
    request: Request, allowed: tuple[str, ...], problems: list[dict[str, str]],
    lists: dict[str, list[str]] | None = None,
) -> dict[str, str]:  # fmt: skip
    """The query's parameters, each given at most once (those in ``lists`` may repeat: collected
    there, in order), unknown ones reported."""
    values: dict[str, str] = {}
    for name, value in request.query_params.multi_items():
        if name not in allowed:
            problems.append(_problem(name, value, f"unknown parameter; use {', '.join(allowed) or 'none'}"))
        elif lists is not None and name in lists:
            if value not in lists[name]:
                lists[name].append(value)
        elif name in values:
            problems.append(_problem(name, value, "given more than once; give it once"))
        else:
            values[name] = value
    return values


def _date(values: dict[str, str], name: str, problems: list[dict[str, str]]) -> pd.Timestamp | None:
    text = values.get(name)
    if text is None or text == "":
        return None
    try:
        if not _DATE.match(text):
            raise ValueError(text)
        return pd.Timestamp(text)
    except ValueError:
        problems.append(_problem(name, text, "not a date; use YYYY-MM-DD"))
        return None


def table_bytes(rows: pd.DataFrame, fmt: str) -> bytes:
    """A table that is not figures (the settlements of a period) as the CLI writes it: CSV through the
    neutralising writer, or JSON records."""
    if fmt == "csv":
        return write_csv(rows)
    return (json.dumps(json.loads(rows.to_json(orient="records")), ensure_ascii=False, indent=1) + "\n").encode()


def _whole_number(values: dict[str, str], name: str, default: int, low: int, high: int, problems: list) -> int:
    text = values.get(name)
    if text is None:
        return default
    if not text.isdigit() or not low <= int(text) <= high:
        problems.append(_problem(name, text, f"use a whole number from {low:,} to {high:,}"))
        return default
    return int(text)


class _Api:
    def __init__(self, engine: Callable[[], Engine], front: FrontAnswers | None = None) -> None:
        self._engine = engine
        self._front = front
        self._cache = _Cache()

    def _conditional(self, request: Request, tag: str, rev: str) -> tuple[dict[str, str], Response | None]:
        headers = {**_CORS, "ETag": tag, "Cache-Control": CACHE_CONTROL, "X-Store-Revision": rev}
        wanted = [t.strip() for t in request.headers.get("if-none-match", "").split(",")]
        if tag in wanted or "*" in wanted or f"W/{tag}" in wanted:
            return headers, Response(status_code=304, headers=headers)
        return headers, None

    def _tag(self, rev: str, what: str, query: dict[str, str]) -> str:
        digest = hashlib.sha256(json.dumps([what, sorted(query.items())]).encode()).hexdigest()[:16]
        return f'"{rev}.{digest}"'

    def _series(self, rev: str) -> pd.DataFrame:
        def make() -> pd.DataFrame:
            figures = read_figures(self._engine())
            grouped = figures.groupby(["source", "definition", "metric"], sort=True)
            return grouped.agg(
                first_date=("date", "min"), last_date=("date", "max"), figures=("value", "size"),
                regions=("region", lambda r: int((r != "").any() and r[r != ""].nunique())),
            ).reset_index()  # fmt: skip

        return self._cache.get((rev, "series"), make)

    def figures(self, request: Request) -> Response:
        fmt = request.path_params["format"]
        if request.method == "OPTIONS":
            return _preflight()
        problems: list[dict[str, str]] = []
        lists: dict[str, list[str]] = {name: [] for name in _REPEATABLE}
        values = _single(request, _EXPORT_PARAMETERS + _PAGING, problems, lists)
        limit = _whole_number(values, "limit", MAX_LIMIT, 1, MAX_LIMIT, problems)
        offset = _whole_number(values, "offset", 0, 0, 10**9, problems)
        for metric in lists["metric"]:
            if metric not in METRICS:
                problems.append(_problem("metric", metric, f"unknown metric; use one of {', '.join(METRICS)}"))
        if (freq := values.get("freq")) is not None and freq not in FREQUENCIES:
            problems.append(_problem("freq", freq, f"unknown frequency; use one of {', '.join(FREQUENCIES)}"))
        if (region := values.get("region")) and not _REGION.match(region):
            problems.append(_problem("region", region, "use an ISO 3166-2 code such as UA-14 (see /api/v1/regions), "
                                     "or region= (empty) for the whole territory"))  # fmt: skip
        dates = {name: _date(values, name, problems) for name in ("from", "to")}
        if dates["from"] is not None and dates["to"] is not None and dates["from"] > dates["to"]:
            problems.append(_problem("to", values["to"], f"is before from={values['from']}; swap them"))
        rev = _token(revision(self._engine()))
        known = self._series(rev)
        for name in ("source", "definition"):
            for text in lists[name]:
                if text not in set(known[name]):
                    problems.append(_problem(name, text, f"no {name} of that name in the store; see /api/v1/series"))
        if problems:
            return _bad(problems)

        export: dict[str, str | list[str]] = {k: v for k, v in values.items() if k in _EXPORT_PARAMETERS}
        export.update({k: v for k, v in lists.items() if v})
        key = tuple(sorted((k, tuple(v) if isinstance(v, list) else v) for k, v in export.items()))
        headers, unchanged = self._conditional(request, self._tag(rev, fmt, {**dict(key), "limit": limit,
                                                                           "offset": offset}), rev)  # fmt: skip
        if unchanged is not None:
            return unchanged

        def make() -> pd.DataFrame:
            if self._front is not None and lists["metric"] == ["distance_to_front_km"]:  # one series per city
                figures = self._front.distances(self._engine())
                for name in ("source", "definition"):
                    figures = figures[figures[name].isin(lists[name])] if lists[name] else figures
                return export_per_place(figures, metric="distance_to_front_km", region=region, freq=freq,
                                        start=dates["from"], end=dates["to"])  # fmt: skip
            figures = read_figures(
                self._engine(), sources=lists["source"] or None, definitions=lists["definition"] or None
            )
            return export_figures(
                figures, metrics=lists["metric"] or None, region=region, freq=freq,
                start=dates["from"], end=dates["to"],
            )  # fmt: skip

        rows = self._cache.get((rev, "figures", key), make)
        body = self._cache.get(
            (rev, fmt, key, offset, limit),
            lambda: to_bytes(rows.iloc[offset : offset + limit].reset_index(drop=True), fmt),
        )
        headers["X-Total-Count"] = str(len(rows))
        links = []
        for rel, at in (("next", offset + limit), ("prev", max(0, offset - limit))):
            if (rel == "next" and at < len(rows)) or (rel == "prev" and offset > 0):
                page = urlencode({**export, "limit": limit, "offset": at}, doseq=True)
                links.append(f'<{request.url.path}?{page}>; rel="{rel}"')
        if links:
            headers["Link"] = ", ".join(links)
        return Response(body, media_type=_MEDIA[fmt], headers=headers)

    def _without_parameters(self, request: Request, name: str) -> tuple[str, dict[str, str], Response | None]:
        """(revision, headers, early answer) of an endpoint that takes no parameters: the preflight, a 400
        for any parameter, or a 304 where the client's copy is current; no early answer otherwise."""
        if request.method == "OPTIONS":
            return "", {}, _preflight()
        problems: list[dict[str, str]] = []
        _single(request, (), problems)
        if problems:
            return "", {}, _bad(problems)
        rev = _token(revision(self._engine()))
        headers, unchanged = self._conditional(request, self._tag(rev, name, {}), rev)
        return rev, headers, unchanged

    def series(self, request: Request) -> Response:
        rev, headers, early = self._without_parameters(request, "series")
        if early is not None:
            return early
        return Response(self._cache.get((rev, "series-body"), lambda: self._series_body(rev)),
                        media_type="application/json", headers=headers)  # fmt: skip

    def _series_body(self, rev: str) -> bytes:
        frame = self._series(rev)
        items = []
        for row in frame.itertuples(index=False):
            info = source_info(row.source)
            items.append({
                "source": row.source, "definition": row.definition, "metric": row.metric,
                "unit": metadata()["metrics"][row.metric].get("unit", ""),
                "first_date": f"{row.first_date:%Y-%m-%d}", "last_date": f"{row.last_date:%Y-%m-%d}",
                "figures": int(row.figures), "regions": int(row.regions),
                "definition_text": definition_text(row.definition),
                "publisher": info.get("publisher", ""), "source_url": info.get("url", ""),
                "licence": info.get("licence", ""),
            })  # fmt: skip
        body = {"revision": rev, "sources": int(frame["source"].nunique()), "series": items}
        return json.dumps(body, ensure_ascii=False).encode()

    def regions(self, request: Request) -> Response:
        _rev, headers, early = self._without_parameters(request, "regions")
        if early is not None:
            return early
        return Response(self._cache.get(("regions",), _regions_body), media_type="application/json", headers=headers)

    def index(self, request: Request) -> Response:
        base = str(request.base_url).rstrip("/") + PREFIX
        return JSONResponse({
            "figures": [f"{base}/figures.csv", f"{base}/figures.json"],
            "parameters": [*_EXPORT_PARAMETERS, *_PAGING], "metrics": list(METRICS), "freq": list(FREQUENCIES),
            "series": f"{base}/series", "regions": f"{base}/regions", "max_limit": MAX_LIMIT,
            **({"settlements": [f"{base}/settlements.csv", f"{base}/settlements.json"]} if self._front else {}),
        }, headers={**_CORS, "Cache-Control": CACHE_CONTROL})  # fmt: skip


def api_link(
    fmt: str = "csv",
    *,
    metrics: Sequence[str] = (),
    sources: Sequence[str] = (),
    definitions: Sequence[str] = (),
    region: str | None = None,
    freq: str | None = None,
    start: str | None = None,
    end: str | None = None,
) -> str:
    """The API path (with its query) that answers the rows of this filter, e.g. for the Data page."""
    query: list[tuple[str, str]] = [("metric", m) for m in metrics]
    query += [("source", s) for s in sources] + [("definition", d) for d in definitions]
    if region is not None:
        query.append(("region", region))
    query += [(name, value) for name, value in (("freq", freq), ("from", start), ("to", end)) if value]
    return f"{PREFIX}/figures.{fmt}" + (f"?{urlencode(query)}" if query else "")


def _regions_body() -> bytes:
    territory = metadata()["territories"]["UKR"]
    body = {
        "territory": "UKR", "name": territory["name"], "official_area_km2": official_area_km2("UKR"),
        "regions": [{"region": code, "name": name, "area_km2": round(area, 1)}
                    for code, (name, area) in region_areas("UKR").items()],
        "note": "Use region=CODE in /api/v1/figures.csv; region= (empty) is the whole territory.",
    }  # fmt: skip
    return json.dumps(body, ensure_ascii=False).encode()


def _preflight() -> Response:
    return Response(status_code=204, headers={
        **_CORS, "Access-Control-Allow-Methods": "GET, HEAD, OPTIONS",
        "Access-Control-Allow-Headers": "If-None-Match", "Access-Control-Max-Age": "86400",
    })  # fmt: skip


def routes(engine: Callable[[], Engine] = get_engine, *, front: FrontAnswers | None = None) -> list[Route]:
    """The API's routes, reading the store that ``engine()`` returns (default: ``TERRITORY_DB_URL``);
    with ``front`` (geodata's answers, which the server passes in) also the settlements of a period
    and the distances to the watched cities."""
    api = _Api(engine, front)
    methods = ["GET", "HEAD", "OPTIONS"]
    served = [
        Route(PREFIX, api.index, methods=["GET", "HEAD"]),
        Route(PREFIX + "/figures.{format:str}", _formats(api.figures), methods=methods),
        Route(PREFIX + "/series", api.series, methods=methods),
        Route(PREFIX + "/regions", api.regions, methods=methods),
    ]
    if front is not None:
        endpoint = _formats(settlements_endpoint(api, front), "settlements")
        served.append(Route(PREFIX + "/settlements.{format:str}", endpoint, methods=methods))
    return served


def _formats(handler: Callable[[Request], Response], name: str = "figures") -> Callable[[Request], Response]:
    def endpoint(request: Request) -> Response:
        fmt = request.path_params["format"]
        if fmt not in _MEDIA:
            return JSONResponse({"problems": [_problem("format", fmt, f"use {name}.csv or {name}.json")]},
                                status_code=404, headers=_CORS)  # fmt: skip
        return handler(request)

    return endpoint
