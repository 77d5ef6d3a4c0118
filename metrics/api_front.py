"""The front line in the data API: ``GET /api/v1/settlements.csv|json`` (the settlements taken and
lost in a period, the rows of ``python -m geodata settlements``) and the per-city rows of
``distance_to_front_km`` in ``/api/v1/figures``.

``metrics`` never imports ``geodata``: the server passes geodata's functions in (``FrontAnswers``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from sqlalchemy import Engine
from starlette.requests import Request
from starlette.responses import Response

__all__ = ["FrontAnswers", "SETTLEMENT_PARAMETERS", "settlement_rows"]

SETTLEMENT_PARAMETERS = ("source", "definition", "from", "to")


@dataclass(frozen=True)
class FrontAnswers:
    """What the front-line answers read (``geodata.front_queries``, given by the server).

    ``settlements(engine, source, definition, start, end)``: the taken and lost rows of a period,
    raising ``LookupError`` (or ``SystemExit``, as the CLI does) with a message for a bad request;
    ``distances(engine)``: every ``distance_to_front_km`` figure with its ``place``."""

    settlements: Callable[[Engine, str, str | None, pd.Timestamp, pd.Timestamp], pd.DataFrame]
    distances: Callable[[Engine], pd.DataFrame]


def settlement_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows as the CLI writes them: dates as YYYY-MM-DD, no previous date as empty text."""
    return rows.assign(date=rows["date"].dt.strftime("%Y-%m-%d"),
                       previous_date=rows["previous_date"].dt.strftime("%Y-%m-%d").fillna(""))  # fmt: skip


def settlements_endpoint(api, front: FrontAnswers) -> Callable[[Request], Response]:  # type: ignore[no-untyped-def]
    """The handler of ``/api/v1/settlements.{format}`` on the API object ``api`` (metrics.api._Api)."""
    from metrics import api as base

    def endpoint(request: Request) -> Response:
        if request.method == "OPTIONS":
            return base._preflight()
        fmt = request.path_params["format"]
        problems: list[dict[str, str]] = []
        values = base._single(request, SETTLEMENT_PARAMETERS, problems)
        for name in ("source", "from", "to"):
            if not values.get(name):
                problems.append(
                    base._problem(name, "", "required; e.g. source=DeepStateMap&from=2025-11-01&to=2025-11-30")
                )
        dates = {name: base._date(values, name, problems) for name in ("from", "to")}
        if dates["from"] is not None and dates["to"] is not None and dates["from"] > dates["to"]:
            problems.append(base._problem("to", values["to"], f"is before from={values['from']}; swap them"))
        if problems:
            return base._bad(problems)
        rev = base._token(base.revision(api._engine()))
        headers, unchanged = api._conditional(request, api._tag(rev, "settlements." + fmt, values), rev)
        if unchanged is not None:
            return unchanged
        key = (rev, "settlements", tuple(sorted(values.items())))

        def make() -> pd.DataFrame | str:
            try:
                return settlement_rows(front.settlements(api._engine(), values["source"], values.get("definition"),
                                                         dates["from"], dates["to"]))  # fmt: skip
            except (LookupError, SystemExit) as exc:  # an unknown source, or several definitions
                return str(exc).removeprefix("--source ").strip()

        rows = api._cache.get(key, make)
        if isinstance(rows, str):
            return base._bad([base._problem("source", values["source"], rows)])
        headers["X-Total-Count"] = str(len(rows))
        body = api._cache.get((*key, fmt), lambda: base.table_bytes(rows, fmt))
        return Response(body, media_type=base._MEDIA[fmt], headers=headers)

    return endpoint
