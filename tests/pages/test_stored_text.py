"""Issue 14, hole 1: text that users uploaded is shown as text on every page (AppTest).

A store holds, beside the bundled data, figures whose source is a Markdown link, whose definition is a
Markdown image and whose notes and URL point to evil.example, and an event whose label is an HTML link.
Every text Streamlit renders as Markdown (bodies, labels, help tooltips) is rendered here with a
CommonMark + GFM renderer: none may hold a link or an image to evil.example, nor a Streamlit icon,
colour directive or formula; every chart's JSON holds the uploaded texts only escaped for plotly.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from google.protobuf.message import Message
from markdown_it import MarkdownIt
from streamlit.testing.v1 import AppTest

from tests.hostile import EVENT_LABEL, hostile_store_url

_MD = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])
# fields of Streamlit's element protos whose text the browser renders as Markdown
_MARKDOWN_FIELDS = {"body", "label", "help", "title", "caption"}
# element types whose strings are data, not Markdown (tables, charts, option lists are shown as text)
_DATA_TYPES = {"plotly_chart", "arrow_data_frame", "dataframe", "download_button"}


@pytest.fixture(scope="module")
def hostile_store(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> str:
    return hostile_store_url(tmp_path_factory.mktemp("hostile"), bundled_sqlite)


def _nodes(node: object) -> Iterator[object]:
    yield node
    children = getattr(node, "children", None)
    if isinstance(children, dict):
        for child in children.values():
            yield from _nodes(child)


def _strings(message: Message) -> Iterator[tuple[str, str]]:
    """(field name, text) of every string field of ``message``, nested messages included."""
    for field, value in message.ListFields():
        values = [value] if isinstance(value, (str, bytes, Message, int, float)) else list(value)
        for item in values:
            if isinstance(item, Message):
                yield from _strings(item)
            elif isinstance(item, str):
                yield field.name, item


def _markdown_texts(at: AppTest) -> list[str]:
    texts = []
    for node in _nodes(at._tree):
        if getattr(node, "type", None) in _DATA_TYPES:
            continue
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            texts += [text for name, text in _strings(proto) if name in _MARKDOWN_FIELDS]
    return texts


def _assert_shown_as_text(at: AppTest) -> None:
    texts = _markdown_texts(at)
    shown = " ".join(texts)
    assert "evil.example" in shown.replace("\\", ""), "the uploaded texts are not on the page at all"
    for text in texts:
        html = _MD.render(text)
        assert not re.search(r"<(a|img)\b[^>]*evil\.example", html), (text, html)
        assert ":material/" not in text, text
        # Streamlit's remark-gfm autolinks these in the text after escapes are resolved (seen in Chromium)
        assert not re.search(r"(?i)(https?://|www\.|\w@\w)", re.sub(r"\\(.)", r"\1", text)), text
        assert not re.search(r"(?<!\\):(red|blue|green|orange|violet|gray|grey|rainbow|primary)\[", text), text
        assert not re.search(r"(?<!\\)\$[^$]+(?<!\\)\$", text), text


def _charts(at: AppTest) -> list[dict]:
    return [json.loads(chart.proto.spec) for chart in at.get("plotly_chart")]


def _chart_texts(figure: object) -> Iterator[str]:
    """Every string in a figure's JSON."""
    if isinstance(figure, dict):
        for value in figure.values():
            yield from _chart_texts(value)
    elif isinstance(figure, list):
        for value in figure:
            yield from _chart_texts(value)
    elif isinstance(figure, str):
        yield figure


def _assert_charts_escaped(at: AppTest, *, expect: tuple[str, ...]) -> None:
    charts = _charts(at)
    assert charts
    texts = [t for chart in charts for t in _chart_texts(chart)]
    assert not [t for t in texts if re.search(r"<a\b", t, flags=re.I)]
    assert not [t for t in texts if EVENT_LABEL in t]  # plotly would draw it as a link
    joined = "\n".join(texts)
    for escaped in expect:
        assert escaped in joined, escaped


@pytest.mark.parametrize("page", ["pages/overview.py", "pages/sources.py", "pages/data.py", "pages/trends.py"])
def test_uploaded_text_is_shown_as_text(page: str, hostile_store: str, open_app: Callable[..., AppTest]) -> None:
    at = open_app(hostile_store, page)
    _assert_shown_as_text(at)


def test_the_overview_card_and_sources_hold_the_literal_names(
    hostile_store: str, open_app: Callable[..., AppTest]
) -> None:
    at = open_app(hostile_store, "pages/overview.py")
    rendered = [_MD.render(m.value).replace("\u2060", "") for m in [*at.markdown, *at.caption] if "evil" in m.value]
    assert any("[ISW (AFP analysis)](https://evil.example/p)" in s for s in rendered)  # the name, as text
    assert any("![t](http://evil.example/pixel.png)" in s for s in rendered)  # the definition, as text
    assert not any('href="https://evil' in s or "<img" in s for s in rendered)


def test_the_charts_hold_the_escaped_text(hostile_store: str, open_app: Callable[..., AppTest]) -> None:
    label = '&lt;a href="https://evil.example/x"&gt;S&lt;/a&gt;'
    for page in ("pages/overview.py", "pages/sources.py"):
        at = open_app(hostile_store, page)
        _assert_charts_escaped(at, expect=(label, "[ISW (AFP analysis)](https://evil.example/p)"))
    at = open_app(hostile_store, "pages/trends.py")
    _assert_charts_escaped(at, expect=("[ISW (AFP analysis)](https://evil.example/p)",))
