"""AppTest of the Data page: the query controls change what is selected, as the CLI would."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from metrics.bundled import bundled_files

PAGE = "pages/data.py"


@pytest.fixture
def app(loaded_store: str, open_app: Callable[..., AppTest]) -> AppTest:
    return open_app(loaded_store, PAGE)


def _count(at: AppTest) -> int:
    return int(at.subheader[0].value.split()[0].replace(",", ""))


def test_all_current_figures_then_narrowed_to_november_2025_monthly_net_change(app: AppTest) -> None:
    shipped = sum(len(pd.read_csv(path)) for path in bundled_files())
    assert _count(app) == shipped >= 43_066  # every bundled figure: DeepStateMap's 43,064 areas, ISW's 2, ...
    app.multiselect(key="data_metrics").set_value(["net_change_km2"])
    app.selectbox(key="data_region").set_value("whole")
    app.selectbox(key="data_freq").set_value("month")
    app.date_input(key="data_from").set_value(dt.date(2025, 11, 1))
    app.date_input(key="data_to").set_value(dt.date(2025, 11, 30)).run()
    assert not app.exception, app.exception
    table = app.dataframe[0].value
    values = {(r.source, r.definition): round(r.value, 1) for r in table.itertuples()}
    assert values[("ISW (AFP analysis)", "assessed control+claimed")] == 701
    assert values[("DeepStateMap", "occupied")] == pytest.approx(482.9, abs=0.1)
    # the ISW map layers per definition and the Economist as published (issue 11's figures)
    assert values[("ISW (map layers)", "assessed control")] == pytest.approx(-37.1, abs=0.1)
    assert values[("ISW (map layers)", "assessed control+advances")] == pytest.approx(575.6, abs=0.1)
    assert values[("ISW (map layers)", "assessed control+advances+claimed")] == pytest.approx(697.6, abs=0.1)
    assert values[("The Economist", "assessed as controlled by Russia (as published)")] == pytest.approx(595.7, abs=0.1)
    assert set(table["source"]) == {"DeepStateMap", "ISW (AFP analysis)", "ISW (map layers)", "The Economist",
                                    "liveuamap (via NZZ)"}  # fmt: skip
    assert _count(app) == len(table) == len(values)


def test_source_region_and_batch_filters(app: AppTest) -> None:
    app.multiselect(key="data_sources").set_value(["ISW (AFP analysis)"]).run()
    shipped = pd.concat([pd.read_csv(path, keep_default_na=False) for path in bundled_files()])
    assert _count(app) == (shipped["source"] == "ISW (AFP analysis)").sum() >= 2  # December 2025 and the press
    app.multiselect(key="data_sources").set_value([])
    app.selectbox(key="data_region").set_value("UA-14").run()  # Donetsk: two metrics a day
    donetsk = app.dataframe[0].value
    assert set(donetsk["region"]) == {"UA-14"}
    assert set(donetsk["metric"]) == {
        "area_controlled_km2",
        "share_controlled_pct",
        "settlements_held",
        "population_held",
    }  # the front line's counts too (issue 12)
    app.selectbox(key="data_region").set_value("all")
    isw_batch = [path.name for path in bundled_files()].index("isw_afp_2025-12.csv") + 1  # loaded in file order
    app.multiselect(key="data_batches").set_value([isw_batch]).run()  # the ISW file
    assert _count(app) == 2
    app.multiselect(key="data_metrics").set_value(["area_lost_km2"]).run()
    assert _count(app) == 0
    assert "Nothing matches" in app.info[0].value
