"""The texts around a house-style chart (title, subtitle, source line) laid out for a width, and the
colours of gains and losses.

Plotly never wraps a title: a line longer than the figure is cut at its edge, and a title taller than
the top margin is cut at the top. So ``metrics.charts.house_layout`` keeps the plain texts in the
figure's ``layout.meta`` and lays them out here:

- ``fit_to_width``: for an image of a known width (exports, the report): the title and subtitle are
  wrapped to what that width holds, and the top margin is computed from their lines (plotly's own
  ``title.automargin`` moves a multi-line title's first line above the figure's top edge, so it is
  not used);
- ``without_title``: for the page, whose width is unknown (a 1400 px screen or a 390 px phone): the
  page shows the title and subtitle as text (``page_texts``), which the browser wraps, and the chart
  keeps its source line (wrapped for a phone) and the plot.

Plotly's text metrics, measured in Chromium (plotly 7.1): a one-line title anchored in the container
with ``yanchor="top"`` has its top there, but a title of several lines its first *baseline* (so its
first line would stand above the top edge: ``title_anchor_px``); lines are ``1.3`` font sizes
apart; the subtitle starts under the title's last line. tests/e2e/test_offline_browser.py measures
the exported images.
"""

from __future__ import annotations

import copy
import html
import re
import textwrap
from collections.abc import Sequence
from typing import Any

import plotly.graph_objects as go

__all__ = [
    "GAINED_COLOUR",
    "LINE_SPACING",
    "LOSS_PATTERN",
    "LEGEND_CHARS",
    "LOST_COLOUR",
    "PHONE_WIDTH_PX",
    "SUBTITLE_SIZE",
    "TITLE_SIZE",
    "TITLE_TOP_PX",
    "chars_per_line",
    "fit_to_width",
    "legend_name",
    "legend_px",
    "legend_px_at",
    "loss_pattern",
    "outlier_cut",
    "page_texts",
    "source_parts",
    "text_block_px",
    "title_anchor_px",
    "wrap",
    "without_title",
]

#: Gained (by Russian forces) and lost: the dark red and the mid blue of ColorBrewer's RdBu. Told
#: apart by lightness in greyscale print (relative luminance 0.03 against 0.26, contrast 3.9) and with
#: the common colour-vision deficiencies (simulated deuteranopia 3.3, protanopia 5.1; warm against
#: cool): tests/metrics/test_chart_layout.py.
GAINED_COLOUR, LOST_COLOUR = "#67001f", "#4393c3"
#: Hatching of what was lost (bars below zero, lost areas), so that it reads without colour at all.
LOSS_PATTERN = "/"


def loss_pattern(values: Sequence[float]) -> dict[str, Any]:
    """``marker.pattern`` of bars of ``values``: white hatching over the bars below zero (losses), none
    over the others, so a loss reads as one in greyscale whatever the bar's colour."""
    return {"shape": [LOSS_PATTERN if v < 0 else "" for v in values], "fillmode": "overlay", "fgcolor": "#ffffff",
            "size": 7, "solidity": 0.35}  # fmt: skip


TITLE_SIZE, SUBTITLE_SIZE = 18, 12
#: Width the figure's own title and subtitle are wrapped to (a phone's chart): the page shows them as
#: text instead (``without_title``), and images re-wrap them to their width (``fit_to_width``).
PHONE_WIDTH_PX = 360
#: Characters of a legend entry per line: what a phone's chart (358 px) shows after the y axis's
#: 70 px and the entry's symbol (12 px text).
LEGEND_CHARS = 36
LINE_SPACING = 1.3
#: Distance of the title's first line from the figure's top edge.
TITLE_TOP_PX = 10
_ASCENT_EM = 0.8  # a line's letters above its baseline, as a share of the font size (with accents)
_GAP_PX = 14  # between the subtitle's last line and the plot (or the event strip)
#: Mean advance of a character as a share of the font size: Helvetica/Arial (Liberation Sans in
#: Chromium on Linux) average about 0.5 over English text; 0.56 leaves room for capitals and digits.
_CHAR_EM = 0.56
_TITLE_X = 0.01  # the title's left edge, as a share of the figure's width


def chars_per_line(width_px: float, font_px: float) -> int:
    """How many characters of text at ``font_px`` fit on one line of a figure ``width_px`` wide, from
    the title's left edge to a right edge as far in."""
    return max(20, int(width_px * (1 - 2 * _TITLE_X) / (font_px * _CHAR_EM)))


def title_anchor_px(title: str) -> float:
    """Where the title is anchored, from the figure's top edge. Plotly puts a one-line title's top at
    its anchor, but a title of several lines its first line's *baseline* (the line's letters would
    stand above the anchor, cut off at the top edge): such a title is anchored one ascent lower."""
    return TITLE_TOP_PX + (_ASCENT_EM * TITLE_SIZE if "<br>" in title else 0.0)


def text_block_px(title: str, subtitle: str) -> int:
    """Top margin that holds the title and subtitle (lines separated by ``<br>``) and a gap under them."""
    lines = (title.count("<br>") + 1) if title else 0
    sub_lines = (subtitle.count("<br>") + 1) if subtitle else 0
    return round(title_anchor_px(title) + LINE_SPACING * (TITLE_SIZE * lines + SUBTITLE_SIZE * sub_lines) + _GAP_PX)


def _texts(fig: go.Figure) -> dict[str, Any] | None:
    meta = fig.layout.meta
    return meta.get("house") if isinstance(meta, dict) else None


def _relayout(fig: go.Figure, title: str, subtitle: str) -> go.Figure:
    """A copy of ``fig`` with this title and subtitle; the plot keeps its size (the top margin and the
    height change by the same amount), so everything placed relative to the plot stays in place."""
    out = go.Figure(fig)
    house = copy.deepcopy(_texts(fig))
    old_block = house["block_px"]
    block = text_block_px(title, subtitle) if (title or subtitle) else _GAP_PX
    delta = block - old_block
    house["block_px"] = block
    _make_legend_room(out, house)
    height = int(out.layout.height) + delta
    out.update_layout(
        title={"text": title, "subtitle": {"text": subtitle}, "y": 1 - title_anchor_px(title) / height},
        margin={"t": int(fig.layout.margin.t) + delta}, height=height, meta={"house": house},
    )  # fmt: skip
    return out


def legend_name(name: str) -> str:
    """A legend entry wrapped for a phone's chart (names that hold ``<br>`` are kept)."""
    return name if "<br>" in name else wrap(name, LEGEND_CHARS)


def _under_the_plot(fig: go.Figure) -> bool:
    return fig.layout.showlegend is not False and (fig.layout.legend.y is None or fig.layout.legend.y < 0)


def legend_px(fig: go.Figure) -> int:
    """Height of the legend under the plot at a phone's width, where every entry takes a row of its
    own: 26 px an entry and 20 px each further line of a wrapped one."""
    listed = {(t.legendgroup or t.name): t.name for t in fig.data if t.name and t.showlegend is not False}
    return round(sum(26 + 20 * name.count("<br>") for name in listed.values()))


def _make_legend_room(fig: go.Figure, house: dict[str, Any]) -> None:
    """Grow the bottom margin (and the height: the plot keeps its size) when traces were added after
    ``house_layout`` (event markers, series breaks), moving the source line down below the legend."""
    if not _under_the_plot(fig):  # a legend on the plot (a map's) takes no room
        return
    for trace in fig.data:  # under the plot, its entries wrap for a phone
        if trace.name and trace.showlegend is not False:
            trace.name = legend_name(trace.name)
    needed = legend_px(fig)
    delta = needed - house.get("legend_px", needed)
    if delta <= 0:
        return
    plot = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
    for annotation in fig.layout.annotations:
        if annotation.text == house.get("source") and annotation.yref == "paper":
            annotation.y -= delta / plot
    fig.update_layout(margin={"b": fig.layout.margin.b + delta}, height=fig.layout.height + delta)
    house["legend_px"] = needed


def fit_to_width(fig: go.Figure, width_px: int) -> go.Figure:
    """A copy of a house-style figure laid out for an image ``width_px`` wide: its title and subtitle
    wrapped to that width (and the top margin to match), and under the plot the legend and the source
    line as that width shows them (``_fit_bottom``); other figures are returned as they are."""
    house = _texts(fig)
    if house is None:
        return fig
    title, subtitle = house["title"], house["subtitle"]
    if not house["kept"]:
        title = wrap(title, chars_per_line(width_px, TITLE_SIZE))
    if not house["kept_sub"]:
        subtitle = wrap(subtitle, chars_per_line(width_px, SUBTITLE_SIZE))
    out = _relayout(fig, title, subtitle)
    _fit_bottom(out, width_px)
    return out


_LEGEND_SIZE, _SOURCE_SIZE = 12, 11
_LEGEND_ROW_PX, _SOURCE_LINE_PX = 29, 15  # as plotly 7.1 draws them (12 px and 11 px text)
_LEGEND_ITEM_PX = 46  # an entry's symbol and the gaps around it
_LEGEND_LINE_PX = 16  # each further line of a wrapped entry (12 px text, 1.3 apart)


def _unwrapped(text: str) -> str:
    return text.replace("<br> ", " ")


def _entry_px(name: str) -> float:
    lines = html.unescape(name).split("<br> ")
    return _LEGEND_ITEM_PX + max(len(line) for line in lines) * _LEGEND_SIZE * _CHAR_EM


def legend_px_at(names: Sequence[str], width_px: float) -> int:
    """Height of a horizontal legend of ``names`` (lines split by ``<br>``) as plotly packs it into
    ``width_px``: entries side by side while they fit, a row as tall as its tallest entry."""
    height, used, tallest = 0, width_px, 0
    for name in names:
        item, lines = _entry_px(name), name.count("<br>") + 1
        if used + item > width_px:
            height, used, tallest = height + tallest, 0.0, 0
        used += item
        tallest = max(tallest, _LEGEND_ROW_PX + _LEGEND_LINE_PX * (lines - 1))
    return height + tallest


def _entry_for(name: str, width_px: float) -> str:
    """A legend entry on one line where the width holds it, else wrapped to the width."""
    whole = _unwrapped(name)
    if _entry_px(whole) <= width_px:
        return whole
    return wrap(whole, max(12, int((width_px - _LEGEND_ITEM_PX) / (_LEGEND_SIZE * _CHAR_EM))))


def _fit_bottom(fig: go.Figure, width_px: int) -> None:
    """The legend under the plot and the source line under it, as an image ``width_px`` wide shows them:
    legend entries on one line each, packed into rows; each source of the source line on its own line,
    wrapped to the width. The bottom margin shrinks (or grows) to what they take; the plot keeps its size.
    A phone-wide layout (``metrics.charts.house_layout``) would leave a band of empty rows in a wide image."""
    house = fig.layout.meta.get("house") if isinstance(fig.layout.meta, dict) else None
    source = house.get("source") if house else None
    notes = [a for a in fig.layout.annotations if source and a.text == source and a.yref == "paper"]
    if not _under_the_plot(fig) or not notes:
        return
    inner = width_px - int(fig.layout.margin.l or 0) - int(fig.layout.margin.r or 0)
    entries: dict[str, str] = {}
    for trace in fig.data:
        if trace.name and trace.showlegend is not False:
            trace.name = _entry_for(trace.name, inner)
            entries.setdefault(trace.legendgroup or trace.name, trace.name)
    legend = legend_px_at(list(entries.values()), inner)
    parts = [_unwrapped(part) for part in re.split(r"<br>(?! )", source)]
    # from the plot's left edge into the right margin: 0.5 em a character, as house_layout wraps it for a phone
    per_line = int((width_px - int(fig.layout.margin.l or 0)) / (_SOURCE_SIZE * 0.5))
    text = "<br>".join(wrap(part, per_line) for part in parts)
    lines = text.count("<br>") + 1
    plot = int(fig.layout.height) - int(fig.layout.margin.t) - int(fig.layout.margin.b)
    bottom = round(40 + legend + _SOURCE_LINE_PX * lines + 14)
    notes[0].update(text=text, y=-(40 + legend + 8) / plot)
    house["source"], house["legend_px"] = text, legend
    height = int(fig.layout.margin.t) + plot + bottom
    title = fig.layout.title.text or ""
    fig.update_layout(margin={"b": bottom}, height=height, meta={"house": house},
                      title_y=1 - title_anchor_px(title) / height)  # fmt: skip


def without_title(fig: go.Figure) -> go.Figure:
    """A copy of a house-style figure without its title and subtitle (the page shows them as text,
    ``page_texts``); the plot, its legend and its source line stay."""
    return _relayout(fig, "", "") if _texts(fig) is not None else fig


def page_texts(fig: go.Figure) -> tuple[str, str]:
    """The title and subtitle of a figure as plain text (no ``<br>``, entities decoded), for the page to
    show (escaped for Markdown by the caller)."""
    house = _texts(fig)
    if house is None:
        title = fig.layout.title.text or ""
        subtitle = (fig.layout.title.subtitle.text or "") if fig.layout.title.subtitle else ""
    else:
        title, subtitle = house["title"], house["subtitle"]

    def plain(text: str) -> str:
        return " ".join(html.unescape(re.sub(r"<br\s*/?>", " ", text)).split())

    return plain(title), plain(subtitle)


# "; " between the sources of a source line, not the end of an entity (``&gt; ``) in an escaped name
_SOURCE_SEPARATOR = re.compile(r"(?<!&lt)(?<!&gt)(?<!&amp)(?<!&#37)(?<!&#36); ")


def source_parts(source: str) -> list[str]:
    """A source line's parts, one per source."""
    return _SOURCE_SEPARATOR.split(source)


_ENTITY = re.compile(r"&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")
_HIDDEN = re.compile("[\ue000-\uf8ff]")  # Unicode's private use area: stands for one entity while wrapping


def wrap(text: str, width: int) -> str:
    """``text`` broken into lines of at most ``width`` characters with ``<br>``; an entity (``&lt;``,
    from ``plotly_text``) counts as one character and is never broken."""
    if _HIDDEN.search(text):  # cannot stand for entities: keep words (and entities) whole
        return "<br> ".join(textwrap.wrap(text, width, break_on_hyphens=False, break_long_words=False)) or text
    entities: list[str] = []

    def hide(match: re.Match[str]) -> str:
        entities.append(match.group())
        return chr(0xE000 + len(entities) - 1)

    hidden = _ENTITY.sub(hide, text) if len(_ENTITY.findall(text)) <= 6400 else text
    lines = textwrap.wrap(hidden, width, break_on_hyphens=False)
    lines = [_HIDDEN.sub(lambda m: entities[ord(m.group()) - 0xE000], line) for line in lines]
    # "<br> ": the space keeps the words on either side apart in the SVG text (and in its textContent)
    return "<br> ".join(lines) or text


def outlier_cut(values: Sequence[float], *, factor: float = 3.0, share: float = 0.9) -> float | None:
    """Where to cut a bar axis so that ordinary months can be read beside a few far larger ones (the
    invasion's first weeks: +90,000 km2 against a few hundred a month since): ``factor`` times the
    ``share`` quantile of the absolute values, rounded up to a round number; None when no value goes
    beyond 4 times that limit (the axis then shows every bar whole)."""
    ordered = sorted(abs(v) for v in values if v == v)
    if len(ordered) < 12:
        return None
    typical = ordered[min(len(ordered) - 1, int(share * (len(ordered) - 1)))]
    if typical <= 0:
        return None
    limit = factor * typical
    step = 10 ** max(0, len(str(int(limit))) - 2)
    limit = (int(limit // step) + 1) * step
    return float(limit) if ordered[-1] > 4 * limit else None
