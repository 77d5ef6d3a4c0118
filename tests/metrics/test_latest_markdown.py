"""The Overview's table of the latest figures as Markdown (metrics.latest_markdown): hand-built rows
with known cells, stored text shown as text, and sparklines drawn from numbers alone."""

from __future__ import annotations

import base64
import math
import re
import xml.etree.ElementTree as ET

import pandas as pd
from markdown_it import MarkdownIt

from metrics.latest_markdown import COLUMNS, MISSING, latest_markdown, sparkline_svg

_MD = MarkdownIt("commonmark").enable(["table"])
_MD.validateLink = lambda url: not url.startswith(("javascript:", "vbscript:"))  # Streamlit shows data: images


def _row(**values: object) -> dict[str, object]:
    row: dict[str, object] = {
        "source": "DeepStateMap", "definition": "occupied", "area_km2": 117135.171, "share_pct": 19.405,
        "last_month_km2": 55.953, "last_month": "September 2026", "last_30_days_km2": -6.4, "as_of": "2026-10-09",
        "age_days": 53, "monthly": [1487.3, -4654.0, 340.2, 55.9],
    }  # fmt: skip
    row.update(values)
    return row


def _cells(markdown: str) -> list[list[str]]:
    html = _MD.render(markdown)
    return [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", tr, re.S) for tr in re.findall(r"<tr>(.*?)</tr>", html, re.S)]


def test_a_row_reads_as_the_figures_formatted() -> None:
    header, row = _cells(latest_markdown(pd.DataFrame([_row()])))
    assert header == list(COLUMNS)
    assert row[:8] == ["DeepStateMap", "occupied", "117,135", "19.41\u00a0%", "+56", "-6", "2026\u201110\u201109", "53"]
    assert row[8].startswith('<img src="data:image/svg+xml;base64,') and 'alt="4 months"' in row[8]


def test_figures_a_source_does_not_publish_show_a_dash() -> None:
    table = pd.DataFrame([_row(area_km2=math.nan, last_month_km2=None, last_30_days_km2=math.nan, monthly=[1.0])])
    [row] = _cells(latest_markdown(table))[1:]
    assert row[2] == row[4] == row[5] == row[8] == MISSING  # one month: no line to draw
    assert row[3] == "19.41\u00a0%"


def test_stored_text_is_shown_as_text_not_as_a_link_an_image_or_a_new_cell() -> None:
    hostile = {"source": "[ISW](https://evil.example/p)", "definition": "![t](http://evil.example/x.png) | x"}
    table = pd.DataFrame([_row(**hostile)])
    html = _MD.render(latest_markdown(table))
    assert "evil.example" in html
    assert not re.search(r"<(a|img)\b[^>]*evil\.example", html)
    [row] = _cells(latest_markdown(table))[1:]
    assert len(row) == len(COLUMNS)  # the '|' in the definition stays in its cell


def test_the_sparkline_spans_its_box_from_the_lowest_to_the_highest_month() -> None:
    svg = ET.fromstring(sparkline_svg([-10.0, 0.0, 30.0]))
    line = svg.find("{http://www.w3.org/2000/svg}polyline")
    assert line is not None
    points = [tuple(map(float, p.split(","))) for p in line.get("points", "").split()]
    assert points == [(1.0, 22.0), (60.0, 17.0), (119.0, 2.0)]  # oldest left; higher is up
    zero = svg.find("{http://www.w3.org/2000/svg}line")
    assert zero is not None and zero.get("y1") == "17.0"  # zero lies within: a grey line
    assert sparkline_svg([5.0, math.nan, 7.0]).count(",") == 2  # a missing month is left out
    assert sparkline_svg([3.0]) == ""


def test_the_sparkline_image_holds_only_the_svg() -> None:
    [row] = _cells(latest_markdown(pd.DataFrame([_row()])))[1:]
    encoded = re.search(r"base64,([A-Za-z0-9+/=]+)", row[8])
    assert encoded
    assert base64.b64decode(encoded[1]).decode() == sparkline_svg([1487.3, -4654.0, 340.2, 55.9])
