"""Shareable views in a real browser: a link with query parameters sets the controls, and changing
a control writes it into the address bar, so a copied link reproduces the view."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser


def test_a_link_with_query_parameters_sets_the_sidebar(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1600})
    page.goto(f"{app_url}/?sources={quote('ISW (AFP analysis)')}")
    expect(page.locator(".st-key-overview_table table")).to_be_visible(timeout=60_000)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("button", name="Remove ISW (AFP analysis)")).to_be_visible()
    expect(sidebar.get_by_role("button", name="Remove DeepStateMap")).to_have_count(0)
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Last full month per series")
    expect(caption).to_contain_text("ISW (AFP analysis) (assessed control+claimed)")  # its one series
    expect(caption).not_to_contain_text("DeepStateMap")


def test_changing_a_control_writes_the_address(page: Page, app_url: str) -> None:
    page.goto(app_url)
    expect(page.locator(".st-key-overview_table table")).to_be_visible(timeout=60_000)
    page.get_by_test_id("stSidebar").get_by_role("button", name="Remove DeepStateMap").click()
    expect(page).to_have_url(re.compile(r"[?&]sources=ISW"), timeout=30_000)
    shared = page.url
    page.goto("about:blank")
    page.goto(shared)  # the copied link
    caption = page.get_by_test_id("stCaptionContainer").filter(has_text="Last full month per series")
    expect(caption).to_contain_text("ISW (AFP analysis)", timeout=60_000)
    expect(caption).not_to_contain_text("DeepStateMap (occupied)")
