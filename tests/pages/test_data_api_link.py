"""The Data page shows the API link of its current filter, and that link answers the page's own rows."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable

import pandas as pd
from starlette.applications import Starlette
from starlette.testclient import TestClient
from streamlit.testing.v1 import AppTest

from metrics import api
from metrics.store import get_engine

PAGE = "pages/data.py"


def test_the_api_link_follows_the_filter_and_answers_the_same_rows(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    at = open_app(loaded_store, PAGE)
    assert at.code[0].value == "/api/v1/figures.csv"  # no filter: everything (AppTest has no page URL)
    at.multiselect(key="data_metrics").set_value(["net_change_km2"])
    at.multiselect(key="data_sources").set_value(["DeepStateMap", "ISW (AFP analysis)"])
    at.selectbox(key="data_region").set_value("whole")
    at.selectbox(key="data_freq").set_value("month")
    at.date_input(key="data_from").set_value(dt.date(2025, 6, 1)).run()
    assert not at.exception, at.exception
    link = at.code[0].value
    assert link == ("/api/v1/figures.csv?metric=net_change_km2&source=DeepStateMap&source=ISW+%28AFP+analysis%29"
                    "&region=&freq=M&from=2025-06-01")  # fmt: skip
    client = TestClient(Starlette(routes=api.routes(lambda: get_engine(loaded_store))))
    answered = pd.read_csv(io.BytesIO(client.get(link).content), keep_default_na=False)
    shown = at.dataframe[0].value
    assert len(answered) == len(shown) > 5
    assert answered["value"].round(3).tolist() == shown["value"].round(3).tolist()
    assert answered["source"].tolist() == shown["source"].tolist()
