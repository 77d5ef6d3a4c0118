"""metrics.display: uploaded text shown as text in Markdown and in plotly."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from metrics.display import markdown_text, plotly_text

# CommonMark with GFM tables and strikethrough, plus autolinked URLs (linkify): what Streamlit's
# react-markdown does with remark-gfm, near enough to see a link, image or emphasis appear.
_MD = MarkdownIt("commonmark", {"linkify": True}).enable(["table", "strikethrough", "linkify"])

HOSTILE = [
    "[ISW (AFP analysis)](https://evil.example/p)",
    "![t](http://evil.example/pixel.png)",
    '<a href="https://evil.example/x">S</a>',
    "<img src=x onerror=alert(1)>",
    "https://evil.example/bare and www.evil.example and mail@evil.example",
    "*emphasis* __strong__ ~~struck~~ `code`",
    "# heading",
    "- list item",
    "1. ordered",
    "> quote",
    "| a | b |",
    "&amp; &lt;b&gt; &#x41;",
    ":material/home: :red[red] :blue-background[x] :smile: $x^2$ $$y$$",
    "[ref]: https://evil.example/r",
    "line one\n\n# line two\r\n- three",
    "back\\slash \\[x\\](y)",
    "3. item",
    "4) item",
    "   + item",
    "Www.evil.example/x (www.evil.example)",
]


def _rendered_text(html: str) -> str:
    """The text a browser shows for ``html`` that holds only <p> and text."""
    inner = re.fullmatch(r"<p>(.*)</p>\n", html, flags=re.S)
    assert inner, html
    text = inner.group(1)
    assert "<" not in text, html
    return text.replace("&quot;", '"').replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_text_renders_as_the_literal_text(value: str) -> None:
    html = _MD.render(markdown_text(value))
    assert "<a" not in html and "<img" not in html and "<em" not in html and "<h1" not in html
    # the text reads the same: the word joiners (U+2060) that stop Streamlit's autolinks are invisible
    expected = re.sub(r"\s*[\r\n]+\s*", " ", value).strip()  # a paragraph drops edge spaces
    assert _rendered_text(html).replace("\u2060", "") == expected


@pytest.mark.parametrize("value", HOSTILE)
def test_markdown_text_leaves_no_streamlit_directive(value: str) -> None:
    source = markdown_text(value)
    # Streamlit replaces ":material/" in the raw source, and directives, emoji and math need an unescaped
    # ':' or '$' before them
    assert ":material/" not in source
    assert not re.search(r"(?<!\\):", source)
    assert not re.search(r"(?<!\\)\$", source)
    assert "https://" not in source and "www." not in source and "mail@" not in source
    # what remark-gfm's autolink transform looks for in the text once the escapes are resolved
    resolved = re.sub(r"\\(.)", r"\1", source)
    assert not re.search(r"(?i)(https?://|www\.|\w@\w)", resolved), resolved


def test_markdown_text_keeps_plain_text_readable() -> None:
    assert markdown_text("ISW, AFP analysis; 2025-01-01 'quoted' 50 %") == "ISW, AFP analysis; 2025-01-01 'quoted' 50 %"
    assert markdown_text("- a - b") == "\\- a - b"
    assert markdown_text("DeepStateMap · occupied") == "DeepStateMap · occupied"
    assert markdown_text(None) == ""
    assert markdown_text(3.5) == "3\\.5"  # would start an ordered list ("3. ")
    assert markdown_text("GPL-3.0, see https://x.example/a") == "GPL-3.0, see https\\:\u2060//x.example/a"
    assert markdown_text("WWW.evil.example :material/home:") == "WWW\u2060\\.evil.example \\:material\\/home\\:"
    assert markdown_text("mail@evil.example") == "mail\u2060\\@evil.example"


def test_markdown_text_inside_project_markup() -> None:
    html = _MD.render(f"**{markdown_text('*x* [a](https://evil.example)')}** · *{markdown_text('_d_')}*")
    html = html.replace("\u2060", "")
    assert html == "<p><strong>*x* [a](https://evil.example)</strong> · <em>_d_</em></p>\n"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ('<a href="https://evil.example/x">S</a>', '&lt;a href="https://evil.example/x"&gt;S&lt;/a&gt;'),
        ("A & B <br> C", "A &amp; B &lt;br&gt; C"),
        ("&amp;", "&amp;amp;"),
        ("%{y} and %{customdata[0]}", "&#37;{y} and &#37;{customdata[0]}"),
        ("$x^2$", "&#36;x^2&#36;"),
        ("two\nlines", "two lines"),
        ("ISW (AFP analysis)", "ISW (AFP analysis)"),
        (None, ""),
    ],
)
def test_plotly_text(value: object, expected: str) -> None:
    assert plotly_text(value) == expected


def test_plotly_text_decodes_back_to_the_text() -> None:
    """What plotly shows: its own entity decoding (``convertEntities``: named amp/lt/gt and numeric)."""
    value = '<a href="https://evil.example/x">S</a> & %{y} $t$'

    def decode(text: str) -> str:
        named = {"amp": "&", "lt": "<", "gt": ">"}
        return re.sub(r"&(#\d+|[a-z]+);", lambda m: chr(int(m[1][1:])) if m[1][0] == "#" else named[m[1]], text)

    shown = plotly_text(value)
    assert "<" not in shown and "%{" not in shown and "$" not in shown
    assert decode(shown) == value
