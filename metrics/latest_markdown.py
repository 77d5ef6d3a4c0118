"""The Overview's table of the latest figures (``metrics.overview.latest_table``) as a Markdown table.

Why Markdown and not a data grid: the table is the first thing a reader waits for. ``st.dataframe``
draws with a canvas grid whose bundle a browser loads, compiles and runs only once the table's message
arrives; a Markdown table is drawn by the page's own Markdown renderer, which the page needs anyway. In
Chromium here a new reader saw the Overview's table 0.76 s sooner (warm server, interleaved, median of 6:
1.55 s from opening the page, against 2.31 s with the grid and its preloaded bundles). A Markdown table
is also text: a reader can select it and paste it into a report or a spreadsheet, and a screen reader
reads it as a table.

Stored text (source, definition) is escaped with :func:`metrics.display.markdown_text`, so it shows as
itself; numbers are formatted here. The sparkline of each row is a small SVG drawn from the row's
numbers alone (never from text) and inlined as a ``data:`` image: nothing is fetched for it.
"""

from __future__ import annotations

import base64
import math
from collections.abc import Sequence

import pandas as pd

from metrics.display import markdown_text as md

__all__ = ["COLUMNS", "LEGEND", "MISSING", "latest_markdown", "sparkline_svg"]

#: What a cell shows when the source does not publish the figure.
MISSING = "–"

#: The table's column headings, in order.
COLUMNS = ("source", "definition", "area, km²", "share", "month, km²", "30 days, km²", "as of", "age, days",
           "monthly, whole war")  # fmt: skip

#: What each column holds (shown under the table: a data grid had these as tooltips).
LEGEND = (
    "area: the latest figure; share: of Ukraine's area (see the note below); month: net change of the last "
    "complete month; 30 days: the area's change over the 30 days to the latest figure; as of: the series' "
    "latest date; age: days from that date to today; monthly: the net change of each complete month since "
    "the series began (the grey line is zero)."
)

_ALIGN = ("---", "---", "--:", "--:", "--:", "--:", "---", "--:", "---")
_WIDTH, _HEIGHT = 120, 24  # px: the sparkline
_LINE, _ZERO = "#1f77b4", "#b0b0b0"
_NBSP, _NB_HYPHEN = "\u00a0", "\u2011"  # the table's cells wrap at spaces and hyphens: not inside a figure


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA


def _number(value: object, spec: str, unit: str = "") -> str:
    return MISSING if _missing(value) else f"{format(float(value), spec)}{unit}"  # type: ignore[arg-type]


def sparkline_svg(values: Sequence[float]) -> str:
    """An SVG line of ``values`` (oldest first, NaN left out) across ``_WIDTH`` x ``_HEIGHT`` px, with a
    grey zero line where zero lies within them; the empty string for fewer than two values."""
    points = [float(v) for v in values if not _missing(v) and math.isfinite(float(v))]
    if len(points) < 2:
        return ""
    low, high = min(points), max(points)
    span = (high - low) or 1.0

    def y(v: float) -> str:
        return f"{_HEIGHT - 2 - (v - low) * (_HEIGHT - 4) / span:.1f}"

    step = (_WIDTH - 2) / (len(points) - 1)
    line = " ".join(f"{1 + i * step:.1f},{y(v)}" for i, v in enumerate(points))
    zero = (f'<line x1="0" x2="{_WIDTH}" y1="{y(0.0)}" y2="{y(0.0)}" stroke="{_ZERO}" stroke-width="0.6"/>'
            if low < 0 < high else "")  # fmt: skip
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
            f'viewBox="0 0 {_WIDTH} {_HEIGHT}">{zero}<polyline points="{line}" fill="none" stroke="{_LINE}" '
            'stroke-width="1.2"/></svg>')  # fmt: skip


def _sparkline(values: Sequence[float]) -> str:
    svg = sparkline_svg(values)
    if not svg:
        return MISSING
    count = sum(1 for v in values if not _missing(v))
    return f"![{count} months](data:image/svg+xml;base64,{base64.b64encode(svg.encode()).decode()})"


def latest_markdown(table: pd.DataFrame) -> str:
    """``table`` (``metrics.overview.latest_table``) as a GFM table of ``COLUMNS``, one row per series."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "| " + " | ".join(_ALIGN) + " |"]
    for row in table.itertuples(index=False):
        as_of = md(row.as_of).replace("-", _NB_HYPHEN) if row.as_of else MISSING
        cells = [
            md(row.source), md(row.definition), _number(row.area_km2, ",.0f"),
            _number(row.share_pct, ".2f", f"{_NBSP}%"), _number(row.last_month_km2, "+,.0f"),
            _number(row.last_30_days_km2, "+,.0f"), as_of, _number(row.age_days, ".0f"), _sparkline(row.monthly),
        ]  # fmt: skip
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
