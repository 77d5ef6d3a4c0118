"""The Overview's first-run results kept from one server start to the next (pages/kept.py): a later start
over the same store reads them instead of computing, and any change they depend on makes it compute."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit as st
from sqlalchemy import update

import geodata.maps
import metrics.charts
from metrics import overview as ov
from metrics.store import get_engine, list_batches, set_batch_status
from metrics.tables import Batch
from pages import cached, chart_view, kept, warm


def _new_process() -> None:
    """What a new server process starts with: no cached results and no page copies."""
    st.cache_data.clear()
    st.cache_resource.clear()
    chart_view._PAGE_COPIES.clear()


def _computing_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def computed(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("computed again: the kept results were not used")

    for owner, name in [(ov, "overview_data"), (ov, "latest_table"), (cached, "read_figures"),
                        (cached, "list_series"), (metrics.charts, "monthly_net_change_chart"),
                        (geodata.maps, "latest_share_map"), (ov, "latest_region_values"),
                        (chart_view, "without_title")]:  # fmt: skip
        monkeypatch.setattr(owner, name, computed)


@pytest.fixture
def store(own_store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("TERRITORY_DB_URL", own_store)
    monkeypatch.setenv("TERRITORY_CACHE_DIR", str(tmp_path / "cache"))
    _new_process()
    return own_store


def test_a_later_start_reads_the_overview_from_the_kept_file_and_computes_nothing(
    store: str, open_app: Callable[..., object], monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    first = kept.cache_file(store)
    assert not first.exists()
    warm.overview_caches()  # the first start computes, and keeps what it computed
    assert first.exists() and first.stat().st_mode & 0o777 == 0o600  # the owner's only
    assert first.parent == Path(os.environ["TERRITORY_CACHE_DIR"])

    _new_process()
    _computing_fails(monkeypatch)
    with caplog.at_level(logging.INFO, logger="territory"):
        warm.overview_caches()  # the later start: everything from the file
    assert "0 computed" in caplog.text
    at = open_app(store)  # the first visitor's run computes nothing either
    assert any(m.value.startswith("| source |") for m in at.markdown), "the Overview's table of the latest figures"
    assert len(at.get("plotly_chart")) == 2, "the chart and the map, from the file"
    assert at.title[0].value == "Territory of Ukraine held by Russian forces"
    assert any("DeepStateMap" in m.value for m in at.markdown), "the sources and definitions, from the file"


@pytest.mark.parametrize("change", ["retract a batch", "a batch's status without a new revision"])
def test_a_changed_store_does_not_use_the_kept_file(store: str, change: str) -> None:
    engine = get_engine(store)
    warm.overview_caches()
    path, before = kept.cache_file(store), kept.fingerprint(engine, store)
    assert kept.load(path, before) > 0
    kept.forget()
    batch = int(list_batches(engine)["id"].iloc[0])
    if change == "retract a batch":
        set_batch_status(engine, batch, "retracted")
    else:  # e.g. a store deleted and loaded again with other files: the revision alone would not tell
        with engine.begin() as conn:
            conn.execute(update(Batch).where(Batch.id == batch).values(sha256="0" * 64))
    after = kept.fingerprint(engine, store)
    assert after != before
    assert kept.load(path, after) == 0


def test_other_code_gives_another_fingerprint(store: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code = tmp_path / "code"
    (code / "pages").mkdir(parents=True)
    (code / "app.py").write_text("print('app')\n")
    (code / "pages" / "overview.py").write_text("x = 1\n")
    monkeypatch.setattr(kept, "_ROOT", code)
    engine = get_engine(store)
    before = kept.fingerprint(engine, store)
    assert kept.fingerprint(engine, store) == before  # the same code, the same store: the same
    (code / "pages" / "overview.py").write_text("x = 2\n")
    assert kept.fingerprint(engine, store) != before
    assert kept.fingerprint(engine, store + "?other") != kept.fingerprint(engine, store)  # another store URL


def test_a_damaged_file_is_computed_again_and_replaced(
    store: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    path = kept.cache_file(store)
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING, logger="territory"):
        warm.overview_caches()
    assert "could not read the kept results" in caplog.text
    assert kept.load(path, kept.fingerprint(get_engine(store), store)) > 0  # written again, whole
    kept.forget()
