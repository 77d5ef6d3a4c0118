"""The Overview's oblast map and the Map page's map of one date are one function (geodata.maps.share_map):
the same title, subtitle and polygon on the same date."""

from __future__ import annotations

import json

import pytest

from geodata.maps import date_map, latest_share_map
from metrics.store import get_engine, list_series, read_figures


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite):  # type: ignore[no-untyped-def]
    return get_engine(bundled_sqlite(tmp_path_factory.mktemp("maps") / "territory.sqlite"))


def _texts(fig) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    layout = json.loads(fig.to_json())["layout"]
    return layout["title"]["text"], " ".join(a["text"] for a in layout["annotations"])


def test_the_overview_and_the_map_page_draw_the_same_map(engine) -> None:  # type: ignore[no-untyped-def]
    overview = latest_share_map(engine, list_series(engine), "DeepStateMap", "occupied")
    page, note = date_map(
        engine, read_figures(engine), source="DeepStateMap", definition="occupied", on="2026-10-09"
    )  # the latest day (raw_late_2026)
    (overview_title, overview_notes), (page_title, page_notes) = _texts(overview), _texts(page)
    assert overview_title == page_title  # title and subtitle: one text, not two copies
    assert "Share of each oblast held by Russian forces, 2026-10-09" in overview_title.replace("<br> ", " ")
    assert "DeepStateMap (occupied)" in overview_notes and "DeepStateMap (occupied)" in page_notes  # source lines
    shares = {t["name"] for t in overview.data if t.name and "%" in t.name}
    assert shares == {t["name"] for t in page.data if t.name and "%" in t.name}  # the same oblast values
    assert note.startswith("Oblasts coloured from the figures")
