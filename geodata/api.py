"""geodata's answers for the data API (``metrics.api_front.FrontAnswers``), which the server passes to
``metrics.api.routes``. Light to import: the geometry libraries load on the first request."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine

from metrics.api_front import FrontAnswers

__all__ = ["front_answers"]


def _settlements(
    engine: Engine, source: str, definition: str | None, start: pd.Timestamp, end: pd.Timestamp
) -> pd.DataFrame:
    from geodata.front_queries import settlements_changed

    return settlements_changed(engine, source=source, definition=definition, start=start, end=end)


def _distances(engine: Engine) -> pd.DataFrame:
    from geodata.front_queries import distance_rows

    return distance_rows(engine)


def front_answers() -> FrontAnswers:
    """The settlements of a period and the distances to the watched cities, as ``geodata settlements``
    and ``metrics export --metric distance_to_front_km`` give them."""
    return FrontAnswers(settlements=_settlements, distances=_distances)
