"""The server's background warm-up (pages/warm.py) fills exactly the caches of the Overview's first run."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st

import geodata.maps
import metrics.charts
from metrics import overview as ov
from metrics.bundled import bundled_event_files, bundled_files, missing_bundled
from metrics.store import list_batches
from pages import cached, chart_view, warm


@pytest.fixture(scope="module")
def loaded_store(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> str:
    """A store of this module's own (a new URL): no other test's cached charts or maps (st.cache_resource,
    which the warm-up must fill itself) can stand in for the warm-up's."""
    return bundled_sqlite(tmp_path_factory.mktemp("warm") / "territory.sqlite")


def test_after_the_warm_up_the_overviews_first_run_computes_nothing(
    loaded_store: str, open_app: Callable[..., object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERRITORY_DB_URL", loaded_store)
    st.cache_data.clear()
    assert warm.overview_caches() > 0

    def computed_again(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("the Overview computed this again: the warm-up missed one of its caches")

    for owner, name in [(ov, "overview_data"), (ov, "latest_table"), (cached, "read_figures"),
                        (metrics.charts, "monthly_net_change_chart"), (geodata.maps, "latest_share_map"),
                        (ov, "latest_region_values"), (chart_view, "without_title")]:  # fmt: skip
        monkeypatch.setattr(owner, name, computed_again)
    at = open_app(loaded_store)  # fails on any exception of the run
    assert any(m.value.startswith("| source |") for m in at.markdown), "the Overview's table of the latest figures"
    assert at.title[0].value == "Territory of Ukraine held by Russian forces"


def test_the_warm_up_pays_what_a_processs_first_run_pays_once(
    loaded_store: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Streamlit checks, on the first element a process draws, how the script was started, walking
    ``inspect.stack()`` (0.1-0.3 s of the first visitor's run): the warm-up makes that check instead."""
    from streamlit import delta_generator

    monkeypatch.setenv("TERRITORY_DB_URL", loaded_store)
    monkeypatch.setattr(delta_generator, "_use_warning_has_been_displayed", False)
    warm.overview_caches()
    assert delta_generator._use_warning_has_been_displayed
    for module in ("pages.downloads", "metrics.images", "pages.links", "pages.chart_view"):
        assert module in sys.modules, module  # the Overview's own imports


def test_the_warm_up_takes_the_sidebars_first_selection() -> None:
    choices = {"A": ["x", "y"], "B": ["w", "x"]}
    assert warm.default_selection(choices) == (("A", "B"), ("w", "x", "y"))


def test_a_first_start_loads_the_bundled_data_in_a_child_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loading's memory goes back to the system with the child: the server's own call finds nothing
    left to load."""
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    loaded_here: list[list[str]] = []
    real = cached.ensure_bundled_data

    def spy(engine: object, report: object) -> list[str]:
        loaded_here.append(real(engine, report=report))  # type: ignore[arg-type]
        return loaded_here[-1]

    monkeypatch.setattr(cached, "ensure_bundled_data", spy)
    store = cached._engine(url)
    assert missing_bundled(store) == []
    assert loaded_here == [[]], "the server process itself loaded files: the child did not"
    assert len(list_batches(store)) == len(bundled_files()) + len(bundled_event_files())
