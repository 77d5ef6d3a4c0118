"""Every page's session-state keys carry the page's name (no "date" or "from" shared by two pages), and
links with the names from before still open their view. (A bound widget's URL parameter is its key; the
browser writes it: tests/e2e/test_map_browser.py.)"""

from __future__ import annotations

import ast
import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["overview", "trends", "map", "regions", "sources", "data", "report", "upload"]


def _keys(path: Path) -> list[tuple[int, str]]:
    """(line, key) of every literal ``key=`` and ``st.session_state["..."]`` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.keyword) and node.arg == "key" and isinstance(node.value, ast.Constant):
            found.append((node.value.lineno, str(node.value.value)))
        if (isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute)
                and node.value.attr == "session_state" and isinstance(node.slice, ast.Constant)):  # fmt: skip
            found.append((node.lineno, str(node.slice.value)))
    return found


@pytest.mark.parametrize("page", PAGES)
def test_a_page_s_keys_carry_its_name(page: str) -> None:
    files = [ROOT / "pages" / f"{page}.py", *sorted((ROOT / "pages" / f"_{page}").glob("*.py"))]
    keys = [k for path in files for k in _keys(path)]
    assert keys, page
    assert [(line, key) for line, key in keys if not key.startswith(f"{page}_")] == []


def _open(open_app: Callable[..., AppTest], store: str, page: str, **params: str) -> AppTest:
    at = open_app(store)
    at.query_params.update(params)
    at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def test_an_old_map_link_opens_its_date(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    at = _open(open_app, loaded_store, "pages/map.py", date="2025-11-30", compare="true", **{"from": "2025-10-31"})
    assert at.select_slider(key="map_date").value == "2025-11-30"
    assert at.toggle(key="map_compare").value is True
    assert at.select_slider(key="map_from").value == "2025-10-31"
    assert not {"date", "compare", "from"} & set(at.query_params)  # the old names leave the URL


def test_an_old_trends_link_opens_its_view(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    at = _open(open_app, loaded_store, "pages/trends.py", freq="quarter", **{"from": "2025-01-01"})
    assert at.selectbox(key="trends_freq").value == "quarter"
    assert at.date_input(key="trends_from").value == dt.date(2025, 1, 1)
    assert "freq" not in at.query_params


def test_an_old_link_with_a_value_the_page_does_not_offer_opens_the_default(
    loaded_store: str, open_app: Callable[..., AppTest]
) -> None:
    at = _open(open_app, loaded_store, "pages/map.py", date="1999-01-01")
    assert at.select_slider(key="map_date").value == "2026-10-09"  # the latest date (DeepStateMap's last late file)
    assert "date" not in at.query_params


def test_the_map_and_the_trends_page_keep_their_own_from(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    """Today's collision: the Trends page's "From" (a date) and the Map page's "Compare with" (a date
    string among the slider's) were one key, "from"."""
    at = _open(open_app, loaded_store, "pages/trends.py")
    at.date_input(key="trends_from").set_value(dt.date(2025, 3, 1)).run()
    at.switch_page("pages/map.py").run()
    at.toggle(key="map_compare").set_value(True).run()
    at.select_slider(key="map_from").set_value("2025-10-31").run()
    assert not at.exception, at.exception
    at.switch_page("pages/trends.py").run()
    assert not at.exception, at.exception
