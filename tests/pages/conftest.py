"""AppTest fixtures: the app over a store loaded with the bundled data (shared, read-only) or over
a store of the test's own (for pages that change it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import streamlit.testing.v1.app_test as app_test_module
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from pages.in_view import seen_key

#: The charts drawn only once the reader scrolls near them (``pages.in_view``).
SCROLLED_TO = ("overview_chart", "overview_map")

APP = str(Path(__file__).resolve().parents[2] / "app.py")


class _NavigationPagesManager(PagesManager):
    """AppTest resets ``PagesManager.uses_pages_directory`` before every run; with a ``pages/``
    folder beside app.py it then reruns the last page's file alone (the pre-st.navigation
    behaviour), without app.py and its sidebar. A real server never does that: st.navigation turns
    the folder mode off for good. This keeps it off in AppTest too."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        PagesManager.uses_pages_directory = False
        super().__init__(*args, **kwargs)


@pytest.fixture(scope="session")
def loaded_store(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> str:
    """A store with the bundled data, shared by every test that only reads it (one URL for the session,
    so the pages' caches, keyed by the store's URL and revision, are computed once, not once per module).
    A test that changes the store takes ``own_store``."""
    return bundled_sqlite(tmp_path_factory.mktemp("store") / "territory.sqlite")


@pytest.fixture
def own_store(tmp_path: Path, bundled_sqlite: Callable[[Path], str]) -> str:
    """A store with the bundled data for one test, which may change it."""
    return bundled_sqlite(tmp_path / "territory.sqlite")


@pytest.fixture
def open_app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """``open_app(store_url, page=None, scrolled=True)``: the app run once on that store, on its default
    page or switched to ``page`` (e.g. ``"pages/upload.py"``); ``scrolled``: as for a reader who has
    scrolled down the page (AppTest has no screen), every chart drawn when scrolled to is drawn."""
    monkeypatch.setattr(app_test_module, "PagesManager", _NavigationPagesManager)

    def open_(store_url: str, page: str | None = None, *, scrolled: bool = True) -> AppTest:
        monkeypatch.setenv("TERRITORY_DB_URL", store_url)
        at = AppTest.from_file(APP, default_timeout=60)
        for key in SCROLLED_TO if scrolled else ():
            at.session_state[seen_key(key)] = True
        at.run()
        assert not at.exception, at.exception
        if page is not None:
            at.switch_page(page).run()
            assert not at.exception, at.exception
        return at

    return open_
