"""Chart texts laid out for a width (never longer than the width holds, never above the top edge), the
page's copy without them, the colours of gains and losses (greyscale and colour-blind readers) and
the metrics' labels."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from metrics.chart_layout import (
    GAINED_COLOUR,
    LEGEND_CHARS,
    LOSS_PATTERN,
    LOST_COLOUR,
    PHONE_WIDTH_PX,
    SUBTITLE_SIZE,
    TITLE_SIZE,
    chars_per_line,
    fit_to_width,
    page_texts,
    text_block_px,
    title_anchor_px,
    without_title,
)
from metrics.charts import house_layout, monthly_net_change_chart, regions_bar_chart, sources_chart, trend_chart
from metrics.display import plotly_text
from metrics.metadata import FIGURE_COLUMNS, METRICS, metadata, metric_label
from metrics.sources import compare_series, spread_band
from metrics.trends import trend_series

_LONG = (
    "Net change in area controlled per full month (top) and share of Ukraine held (bottom), 2022-02-24 to 2026-10-09"
)


def _lines(text: str) -> list[str]:
    """Lines of plotly text as shown: ``<br>`` splits, an entity is one character."""
    return [re.sub(r"&#?\w+;", "x", line).strip() for line in text.split("<br>")]


def _monthly() -> go.Figure:
    months = pd.to_datetime(["2025-09-01", "2025-10-01", "2025-11-01"])
    monthly = pd.DataFrame({"period_start": months, "date": months + pd.offsets.MonthEnd(0),
                            "value": [300.0, -120.0, 480.0], "source": "DeepStateMap",
                            "definition": "occupied"})  # fmt: skip
    shares = monthly.assign(value=[19.1, 19.0, 19.2], date=monthly["date"])
    return monthly_net_change_chart(monthly, shares)


def _figures() -> dict[str, go.Figure]:
    """One figure of each house-style builder that needs no store."""
    rows = []
    for source, values in (("A", [300, -700]), ("B with a rather long name (and a longer definition)", [500, 100])):
        for month, value in zip(("2025-10", "2025-11"), values, strict=True):
            period = pd.Period(month, "M")
            rows.append({"date": period.end_time.normalize(), "period_start": period.start_time, "territory": "UKR",
                         "region": "", "actor": "RU", "metric": "net_change_km2",
                         "value": float(value), "source": source, "definition": "d", "source_url": "", "published": "",
                         "notes": "", "batch_id": 1, "derived": False, "quality": ""})  # fmt: skip
    figures = pd.DataFrame(rows, columns=FIGURE_COLUMNS)
    series = compare_series(figures, "net_change_km2", "M")
    trend = trend_series(figures, "net_change_km2", "M")
    table = pd.DataFrame({"oblast": ["Donetsk Oblast", "Kharkiv Oblast"], "region": ["UA-14", "UA-63"],
                          "change_km2": [210.5, -35.0], "as_of": pd.Timestamp("2025-11-30"),
                          "since": pd.Timestamp("2025-10-31")})  # fmt: skip
    return {
        "monthly": _monthly(),
        "sources": sources_chart(series, spread_band(series), metric="net_change_km2", freq="M"),
        "regions": regions_bar_chart(table, measure="change in area", source="DeepStateMap", definition="occupied"),
        "trend": trend_chart(trend, metric="net_change_km2", freq="M", unit="km2", region_name="Ukraine"),
        "long": house_layout(
            go.Figure(go.Scatter(x=[1, 2], y=[1, 2], name="x")),
            title=_LONG,
            subtitle=_LONG * 2,
            source="Source: A (d), as of 2025-11-30",
        ),  # fmt: skip
    }


@pytest.fixture(scope="module")
def figures() -> dict[str, go.Figure]:
    return _figures()


@pytest.mark.parametrize("width", [PHONE_WIDTH_PX, 700, 1100])
def test_titles_fit_the_width_and_the_top_margin_holds_them(figures: dict[str, go.Figure], width: int) -> None:
    for name, fig in figures.items():
        fitted = fit_to_width(fig, width)
        title, subtitle = fitted.layout.title.text, fitted.layout.title.subtitle.text
        assert max(map(len, _lines(title))) <= chars_per_line(width, TITLE_SIZE), (name, title)
        assert max(map(len, _lines(subtitle))) <= chars_per_line(width, SUBTITLE_SIZE), (name, subtitle)
        # a line's worth of characters fills at most the width (0.56 em a character, from the left edge)
        assert chars_per_line(width, TITLE_SIZE) * TITLE_SIZE * 0.56 <= width * 0.98
        assert fitted.layout.margin.t >= text_block_px(title, subtitle), name
        # the plot keeps its size, so what is placed relative to it (legend, source line) stays put
        plot = fig.layout.height - fig.layout.margin.t - fig.layout.margin.b
        assert fitted.layout.height - fitted.layout.margin.t - fitted.layout.margin.b == plot, name
        assert fitted.layout.title.yref == "container" and fitted.layout.title.yanchor == "top"
        assert fitted.layout.title.y == pytest.approx(1 - title_anchor_px(title) / fitted.layout.height)
        if "<br>" in title:  # plotly anchors such a title at its first baseline: an ascent below the top
            assert title_anchor_px(title) >= 10 + 0.75 * TITLE_SIZE
        assert fitted.layout.title.automargin is False  # plotly's own moves a long title's first line off the top
        assert page_texts(fitted) == page_texts(fig)


def test_a_wide_image_uses_its_width(figures: dict[str, go.Figure]) -> None:
    wide, phone = fit_to_width(figures["long"], 1100), fit_to_width(figures["long"], PHONE_WIDTH_PX)
    assert wide.layout.title.text.count("<br>") == 1 < phone.layout.title.text.count("<br>") == 3
    assert wide.layout.margin.t < phone.layout.margin.t


def test_the_page_copy_has_no_title_and_a_small_top(figures: dict[str, go.Figure]) -> None:
    for name, fig in figures.items():
        bare = without_title(fig)
        assert not bare.layout.title.text and not bare.layout.title.subtitle.text, name
        assert bare.layout.margin.t < fig.layout.margin.t, name
        assert fig.layout.title.text, "the original keeps its title (for the downloads)"
        assert any(a.text.startswith("Source:") for a in bare.layout.annotations), name


def test_event_strips_stay_above_the_plot_when_the_title_goes(figures: dict[str, go.Figure]) -> None:
    from metrics.event_markers import add_event_markers

    events = pd.DataFrame({"date": [pd.Timestamp("2025-11-15")], "label": ["An event"], "short_label": ["Event"],
                           "url": [""], "source": ["test"]})  # fmt: skip
    fig = add_event_markers(go.Figure(figures["trend"]), events)
    strip = fig.layout.margin.t - fig.layout.meta["house"]["block_px"]
    assert strip > 0
    assert without_title(fig).layout.margin.t == strip + 14  # the strip and a small gap


def test_page_texts_are_plain_text() -> None:
    fig = house_layout(go.Figure(), title=plotly_text("Area <a href='x'>held</a> & 5 %"), subtitle="S<br>T",
                       source="Source: x")  # fmt: skip
    assert page_texts(fig) == ("Area <a href='x'>held</a> & 5 %", "S T")


def test_legend_entries_wrap_for_a_phone(figures: dict[str, go.Figure]) -> None:
    names = [t.name for t in without_title(figures["sources"]).data if t.name]  # as the page and images show them
    long = [n for n in names if n.startswith("B with")]
    assert long and all(max(map(len, _lines(n))) <= LEGEND_CHARS for n in long)


# -- colours -------------------------------------------------------------------------------------


def _linear(hex_colour: str) -> np.ndarray:
    srgb = np.array([int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)])
    return np.where(srgb <= 0.04045, srgb / 12.92, ((srgb + 0.055) / 1.055) ** 2.4)


def _luminance(rgb_linear: np.ndarray) -> float:
    return float(np.clip(rgb_linear, 0, 1) @ [0.2126, 0.7152, 0.0722])


#: Machado, Oliveira and Fernandes (2009), severity 1.0, on linear RGB.
_DEUTERANOPIA = np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                          [-0.011820, 0.042940, 0.968881]])  # fmt: skip
_PROTANOPIA = np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                        [-0.003882, -0.048116, 1.051998]])  # fmt: skip


def _contrast(a: float, b: float) -> float:
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def test_gained_and_lost_differ_in_greyscale() -> None:
    gained, lost = _luminance(_linear(GAINED_COLOUR)), _luminance(_linear(LOST_COLOUR))
    assert abs(gained - lost) >= 0.2, (gained, lost)
    assert _contrast(gained, lost) >= 3
    # the pair before this change (RdBu's two dark ends) was nearly one grey: the test tells them apart
    assert abs(_luminance(_linear("#b2182b")) - _luminance(_linear("#2166ac"))) < 0.05


@pytest.mark.parametrize("matrix", [_DEUTERANOPIA, _PROTANOPIA], ids=["deuteranopia", "protanopia"])
def test_gained_and_lost_differ_for_colour_blind_readers(matrix: np.ndarray) -> None:
    gained, lost = np.clip(matrix @ _linear(GAINED_COLOUR), 0, 1), np.clip(matrix @ _linear(LOST_COLOUR), 0, 1)
    assert _contrast(_luminance(gained), _luminance(lost)) >= 2.5
    # and in hue: one is warm (red > blue), the other cool (blue > red)
    assert (gained[0] - gained[2]) * (lost[0] - lost[2]) < 0, (gained, lost)


def test_every_chart_marks_losses_by_colour_and_hatching(figures: dict[str, go.Figure]) -> None:
    (bars,) = figures["regions"].data
    assert list(bars.marker.color) == [LOST_COLOUR, GAINED_COLOUR]  # sorted: the loss first
    assert list(bars.marker.pattern.shape) == [LOSS_PATTERN, ""]
    monthly = next(t for t in figures["monthly"].data if t.type == "bar")
    assert list(monthly.marker.pattern.shape) == ["", LOSS_PATTERN, ""]  # October 2025 is a net loss
    trend_bars = [t for t in figures["trend"].data if t.type == "bar"]
    assert trend_bars and LOSS_PATTERN in trend_bars[0].marker.pattern.shape


def test_the_front_line_s_lost_settlements_are_hatched() -> None:
    from geodata.front_view import _monthly_chart

    monthly = pd.DataFrame({"month": pd.to_datetime(["2025-10-01", "2025-11-01"]), "source": "DeepStateMap",
                            "definition": "occupied", "taken": [5, 8], "lost": [1, 0]})  # fmt: skip
    taken, lost = _monthly_chart(monthly).data
    assert (taken.marker.color, lost.marker.color) == (GAINED_COLOUR, LOST_COLOUR)
    assert set(lost.marker.pattern.shape) == {LOSS_PATTERN} and taken.marker.pattern.shape is None


def test_the_change_maps_use_the_pair() -> None:
    from geodata.maps import region_change_map

    fig = region_change_map(pd.DataFrame({"region": ["UA-14"], "change_km2": [100.0]}), title="t", subtitle="s",
                            source="Source: x")  # fmt: skip
    scale = next(t.marker.colorscale for t in fig.data if t.marker is not None and t.marker.colorscale)
    assert (scale[0][1], scale[-1][1]) == (LOST_COLOUR, GAINED_COLOUR)


# -- metric labels -------------------------------------------------------------------------------


def test_metric_labels_are_titles_with_units() -> None:
    assert metric_label("area_controlled_km2") == "Area controlled, km²"
    assert metric_label("share_controlled_pct") == "Share of territory controlled, %"
    assert metric_label("settlements_held") == "Settlements held"
    for metric in METRICS:
        label = metric_label(metric)
        assert label.startswith(metadata()["metrics"][metric]["title"]) and "_" not in label
    assert metric_label("no_such_metric") == "no_such_metric"


def test_markers_added_later_get_room_in_the_legend(figures: dict[str, go.Figure]) -> None:
    before = figures["trend"]
    fig = go.Figure(before)  # a legend entry added after house_layout, as the series breaks' is
    fig.add_scatter(x=[None], y=[None], mode="markers", name="Series break (hover the ✕)")
    bare = without_title(fig)
    assert bare.layout.margin.b == before.layout.margin.b + 26
    (source,) = [a for a in bare.layout.annotations if a.text.startswith("Source:")]
    (was,) = [a for a in before.layout.annotations if a.text.startswith("Source:")]
    plot = bare.layout.height - bare.layout.margin.t - bare.layout.margin.b
    assert (was.y - source.y) * plot == pytest.approx(26)  # the source line moved down by the new row


def test_a_few_huge_months_cut_the_bar_axis_and_the_subtitle_says_how_far_they_go() -> None:
    from metrics.chart_layout import outlier_cut

    ordinary = [300.0, -120.0, 450.0, 80.0, 510.0, 260.0, 390.0, -60.0, 700.0, 420.0, 150.0, 330.0, 610.0]
    assert outlier_cut(ordinary) is None  # nothing dwarfs the rest: every bar whole
    assert outlier_cut([90_000.0, 300.0]) is None  # too few months to call any one an outlier
    war = [69_540.0, -36_331.0, *ordinary]
    limit = outlier_cut(war)
    assert limit is not None and 610 < limit < 5_000 and limit == round(limit, -2)  # a round number
    months = pd.DataFrame({
        "period_start": pd.to_datetime(["2022-03-01", "2022-04-01", *pd.date_range("2023-01-01", periods=13,
                                                                                   freq="MS").strftime("%Y-%m-%d")]),
        "value": war, "source": "S", "definition": "d", "metric": "net_change_km2",
    })  # fmt: skip
    months["date"] = months["period_start"] + pd.offsets.MonthEnd(0)
    shares = pd.DataFrame({"date": months["date"], "value": 19.0, "source": "S", "definition": "d"})
    fig = monthly_net_change_chart(months, shares)
    low, high = fig.layout.yaxis.range
    assert -limit * 1.1 <= low < 0 < high <= limit * 1.1
    subtitle = fig.layout.meta["house"]["subtitle"]
    assert f"Bar axis cut at ±{limit:,.0f} km²" in subtitle
    assert "March 2022 up to +69,540 km²" in subtitle and "April 2022 down to -36,331 km²" in subtitle
    assert sorted(fig.data[0].y) == sorted(war)  # the bars keep their values (hover, CSV)
    calm = monthly_net_change_chart(months.iloc[2:], shares.iloc[2:])
    assert calm.layout.yaxis.range is None and "cut" not in calm.layout.meta["house"]["subtitle"]
