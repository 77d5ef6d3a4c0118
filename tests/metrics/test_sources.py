"""Sources side by side (metrics.sources) and its chart (metrics.charts.sources_chart, add_event_markers):
hand-built figures with known answers, then the shipped data (ISW 19.3 % vs DeepStateMap 19.17 % on
2025-11-30; ISW 701 km2 vs DeepStateMap +482.9 km2 over November 2025)."""

from __future__ import annotations

import pandas as pd
import pytest

from metrics.chart_layout import page_texts
from metrics.charts import sources_chart
from metrics.event_markers import add_event_markers
from metrics.metadata import FIGURE_COLUMNS
from metrics.periods import period_codes
from metrics.source_checks import check_summaries, denominators, flow_checks, share_checks
from metrics.sources import compare_series, comparison_table, sources_view, spread_band
from metrics.store import get_engine, read_figures

OFFICIAL, MAPPED = 603_628.0, 599_095.0


def _fig(date: str, metric: str, value: float, source: str, definition: str = "d", *, start: str | None = None,
         derived: bool = False) -> dict[str, object]:  # fmt: skip
    return {
        "date": pd.Timestamp(date), "period_start": pd.Timestamp(start or date), "territory": "UKR", "region": "",
        "actor": "RU", "metric": metric, "value": float(value), "source": source, "definition": definition,
        "source_url": "", "published": "", "notes": "", "batch_id": 1, "derived": derived,
    }  # fmt: skip


def _figures(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows), columns=FIGURE_COLUMNS)


def _flow(month: str, value: float, source: str, definition: str = "d") -> dict[str, object]:
    first = pd.Timestamp(f"{month}-01")
    last = first + pd.offsets.MonthEnd(0)
    return _fig(f"{last:%Y-%m-%d}", "net_change_km2", value, source, definition, start=f"{first:%Y-%m-%d}")


# --- the comparison ------------------------------------------------------------------------------------


def test_denominators_are_the_official_and_the_mapped_area() -> None:
    assert denominators() == (OFFICIAL, MAPPED)


def test_spread_band_and_table_of_three_flows() -> None:
    figures = _figures(
        _flow("2025-10", 300, "A"), _flow("2025-10", 500, "B", "e"), _flow("2025-10", 450, "C", "f"),
        _flow("2025-11", 700, "A"), _flow("2025-11", 480, "B", "e"),
        _flow("2025-12", 100, "C", "f"),
    )  # fmt: skip
    series = compare_series(figures, "net_change_km2", "M")
    assert series["label"].unique().tolist() == ["A · d", "B · e", "C · f"]
    band = spread_band(series)
    assert band["period"].tolist() == ["2025-10", "2025-11"]  # December has one series: no band
    assert band["low"].tolist() == [300, 480]
    assert band["high"].tolist() == [500, 700]
    assert band["spread"].tolist() == [200, 220]
    assert band["count"].tolist() == [3, 2]
    assert band[["low_label", "high_label"]].values.tolist() == [["A · d", "B · e"], ["B · e", "A · d"]]

    table = comparison_table(series, band)
    assert table.columns.tolist() == ["period", "A · d", "B · e", "C · f", "spread"]
    assert table["period"].tolist() == ["2025-12", "2025-11", "2025-10"]  # newest first
    assert table.iloc[1][["A · d", "B · e", "spread"]].tolist() == [700, 480, 220]
    assert pd.isna(table.iloc[1]["C · f"])
    assert pd.isna(table.iloc[0]["spread"])


def test_stocks_are_period_end_values_carried_forward() -> None:
    figures = _figures(
        _fig("2025-10-15", "share_controlled_pct", 19.0, "A"),
        _fig("2025-10-30", "share_controlled_pct", 19.1, "A"),
        _fig("2025-12-05", "share_controlled_pct", 19.4, "A"),
        _fig("2025-11-30", "share_controlled_pct", 19.3, "B"),
    )
    series = compare_series(figures, "share_controlled_pct", "M")
    a = series[series["source"] == "A"]
    assert a["period"].tolist() == ["2025-10", "2025-11", "2025-12"]
    assert a["value"].tolist() == [19.1, 19.1, 19.4]  # November carried forward from 30 October
    assert a["carried_forward"].tolist() == [False, True, False]
    assert a["observed_date"].dt.day.tolist() == [30, 30, 5]
    band = spread_band(series)
    assert band["spread"].round(6).tolist() == [0.2]  # November: 19.3 - 19.1
    only_december = compare_series(figures, "share_controlled_pct", "M", start="2025-12-01")
    assert only_december["period"].unique().tolist() == ["2025-12"]
    until_october = compare_series(figures, "share_controlled_pct", "M", end="2025-10-20")
    assert until_october["value"].tolist() == [19.0]  # observations after the end are left out


def test_period_codes() -> None:
    dates = pd.Series(pd.to_datetime(["2025-11-30", "2025-12-31"]))
    assert period_codes(dates, "D").tolist() == ["2025-11-30", "2025-12-31"]
    assert period_codes(dates, "W").tolist() == ["2025-W48", "2026-W01"]
    assert period_codes(dates, "M").tolist() == ["2025-11", "2025-12"]
    assert period_codes(dates, "Q").tolist() == ["2025-Q4", "2025-Q4"]
    assert period_codes(dates, "Y").tolist() == ["2025", "2025"]


# --- checks --------------------------------------------------------------------------------------------


def test_share_against_area_and_denominator() -> None:
    area = 116_500.0
    figures = _figures(
        _fig("2025-11-30", "area_controlled_km2", area, "A"),
        _fig("2025-11-30", "share_controlled_pct", 19.30, "A"),  # area / official = 19.29997
        _fig("2025-11-30", "area_controlled_km2", area, "B"),
        _fig("2025-11-30", "share_controlled_pct", 19.45, "B"),  # area / mapped = 19.44600
        _fig("2025-11-30", "area_controlled_km2", area, "C"),
        _fig("2025-11-30", "share_controlled_pct", 20.0, "C"),
        _fig("2025-11-30", "share_controlled_pct", 19.5, "D"),  # no area
    )
    checks = share_checks(figures).set_index(["source", "area_from"])
    official, mapped = 100 * area / OFFICIAL, 100 * area / MAPPED
    a = checks.loc[("A", "A · d")]
    assert a["official_pct"] == pytest.approx(official)
    assert a["diff_official_pp"] == pytest.approx(19.30 - official)
    assert a["diff_mapped_pp"] == pytest.approx(19.30 - mapped)
    assert a["verdict"] == "matches area / 603,628 km² (official)"
    assert checks.loc[("B", "B · d"), "verdict"] == "matches area / 599,095 km² (as mapped)"
    c = checks.loc[("C", "C · d")]
    assert c["diff_official_pp"] == pytest.approx(20.0 - official)
    assert (
        c["verdict"]
        == f"differs: {20 - official:+.2f} pp against 603,628 km², {20 - mapped:+.2f} pp against 599,095 km²"
    )
    d = checks.loc["D"]
    assert d.index.tolist() == ["", "A · d", "B · d", "C · d"]  # cannot check, then the others for comparison
    assert d.loc["", "verdict"] == "cannot check: D reports no area stock"
    assert d.loc["A · d", "diff_official_pp"] == pytest.approx(19.5 - official)
    assert d.loc["A · d", "verdict"].startswith("for comparison (counts something else): +0.20 pp")
    sentences = check_summaries(share_checks(figures), "share")
    assert (
        sentences[0] == "A · d: 1 share checked, all match its area / the official area (largest difference 0.0000 pp)."
    )
    assert sentences[-1].startswith("D · d: cannot check its share of 19.50 % on 2025-11-30: D reports no area stock.")
    assert "A · d: 19.30 % (+0.20 pp)" in sentences[-1]


def test_a_share_without_an_area_that_day_says_so() -> None:
    figures = _figures(
        _fig("2025-11-29", "area_controlled_km2", 116_000, "A"),
        _fig("2025-11-30", "share_controlled_pct", 19.3, "A"),
    )
    (verdict,) = share_checks(figures)["verdict"]
    assert verdict == "cannot check: no area figure of A on 2025-11-30"


def test_reported_flows_against_the_change_of_stocks() -> None:
    figures = _figures(
        _fig("2025-10-31", "area_controlled_km2", 100_000, "A"),
        _fig("2025-11-30", "area_controlled_km2", 100_480, "A"),
        _flow("2025-11", 500, "A"),
        _fig("2025-10-31", "area_controlled_km2", 100_000, "B"),
        _fig("2025-11-28", "area_controlled_km2", 100_480, "B"),  # the last stock before the end
        _flow("2025-11", 482, "B"),
        _flow("2025-11", 701, "C"),  # no stocks
        _fig("2025-11-15", "area_controlled_km2", 100_000, "E"),  # no stock before the period
        _flow("2025-11", 10, "E"),
    )
    checks = flow_checks(figures).set_index(["source", "stocks_from"])
    a = checks.loc[("A", "A · d")]
    assert (a["period"], a["reported_km2"], a["stock_change_km2"], a["difference_km2"]) == ("2025-11", 500, 480, 20)
    assert a["verdict"] == "differs by +20.0 km² (+4% of the change of stocks)"
    assert (a["start_observed"], a["end_observed"]) == (pd.Timestamp("2025-10-31"), pd.Timestamp("2025-11-30"))
    b = checks.loc[("B", "B · d")]
    assert (b["difference_km2"], b["verdict"]) == (2, "agrees (within 2.4 km²)")  # 0.5 % of 482
    assert b["end_observed"] == pd.Timestamp("2025-11-28")
    c = checks.loc["C"]
    assert c.index.tolist() == ["", "A · d", "B · d"]
    assert c.loc["", "verdict"] == "cannot check: C reports no area stock"
    assert c.loc["A · d", "difference_km2"] == 221
    assert (
        c.loc["A · d", "verdict"] == "for comparison (counts something else): +221.0 km² against its change of stocks"
    )
    assert checks.loc[("E", ""), "verdict"] == "cannot check: no area stock of E on or before 2025-10-31 and 2025-11-30"
    sentences = check_summaries(flow_checks(figures), "flow")
    assert sentences[0] == (
        "A · d: 1 reported net change checked, 1 differ from the change of its stocks (largest difference 20.0 km²; "
        "see the table)."
    )
    assert "B · d: 1 reported net change checked, all agree" in sentences[1]


def test_derived_flows_are_not_checked_against_their_own_stocks() -> None:
    figures = _figures(
        _fig("2025-10-31", "area_controlled_km2", 100_000, "A"),
        _fig("2025-11-30", "area_controlled_km2", 100_480, "A"),
        {**_flow("2025-11", 480, "A"), "derived": True},
    )
    assert flow_checks(figures).empty


# --- the shipped data ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shipped(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite) -> pd.DataFrame:  # type: ignore[no-untyped-def]
    url = bundled_sqlite(tmp_path_factory.mktemp("store") / "territory.sqlite")
    return read_figures(get_engine(url), regions=[""])


def _first_two_series(shipped: pd.DataFrame) -> pd.DataFrame:
    """The two series these checks were written for, without the press reports (published ones): the
    bundled data holds five sources since."""
    return shipped[shipped["definition"].isin(["occupied", "assessed control+claimed"]) & (shipped["published"] == "")]


def test_shipped_shares_on_2025_11_30(shipped: pd.DataFrame) -> None:
    view = sources_view(_first_two_series(shipped), "share_controlled_pct", "M", start="2025-11-01", end="2025-11-30")
    (row,) = view.table.to_dict("records")
    isw, dsm = "ISW (AFP analysis) · assessed control+claimed", "DeepStateMap · occupied"
    assert row["period"] == "2025-11"
    assert row[isw] == 19.3
    assert round(row[dsm], 2) == 19.17
    assert row["spread"] == pytest.approx(19.3 - 19.173)
    checks = view.shares.set_index(["source", "area_from"])
    assert checks.loc[("ISW (AFP analysis)", ""), "verdict"] == "cannot check: ISW (AFP analysis) reports no area stock"
    beside = checks.loc[("ISW (AFP analysis)", dsm)]
    assert round(beside["official_pct"], 2) == 19.17
    assert beside["diff_official_pp"] == pytest.approx(19.3 - 100 * 115_736.588 / OFFICIAL)
    assert checks.loc[("DeepStateMap", dsm), "verdict"] == "matches area / 603,628 km² (official)"
    assert abs(checks.loc[("DeepStateMap", dsm), "diff_official_pp"]) < 0.001  # shares computed from areas
    assert checks.loc[("DeepStateMap", dsm), "diff_mapped_pp"] == pytest.approx(-0.1456, abs=1e-4)


def test_shipped_net_change_over_november_2025(shipped: pd.DataFrame) -> None:
    shipped = _first_two_series(shipped)
    view = sources_view(shipped, "net_change_km2", "M", start="2025-10-01", end="2025-12-31")
    isw, dsm = "ISW (AFP analysis) · assessed control+claimed", "DeepStateMap · occupied"
    table = view.table.set_index("period")
    assert table.index.tolist() == ["2025-12", "2025-11", "2025-10"]
    assert table.loc["2025-11", isw] == 701
    assert round(table.loc["2025-11", dsm], 1) == 482.9
    assert round(table.loc["2025-11", "spread"], 1) == 218.1
    assert pd.isna(table.loc["2025-10", isw])
    assert view.band["period"].tolist() == ["2025-11"]
    flows = view.flows.set_index(["source", "stocks_from"])
    assert flows.loc[("ISW (AFP analysis)", ""), "verdict"] == "cannot check: ISW (AFP analysis) reports no area stock"
    beside = flows.loc[("ISW (AFP analysis)", dsm)]
    assert round(beside["stock_change_km2"], 1) == 482.9
    assert round(beside["difference_km2"], 1) == 218.1
    assert view.flow_summary == [
        "ISW (AFP analysis) · assessed control+claimed: cannot check its reported net change of +701 km² over "
        "2025-11: ISW (AFP analysis) reports no area stock. For comparison, counting something else: "
        "DeepStateMap · occupied: +482.9 km² (+218.1 km²)."
    ]
    quarterly = sources_view(shipped, "net_change_km2", "Q", start="2025-10-01", end="2025-12-31")
    assert quarterly.notes == [f"{isw}: no net change in area controlled for a whole quarter in this range."]


# --- the chart and the event markers -------------------------------------------------------------------


def _events(*rows: tuple[str, str]) -> pd.DataFrame:
    return pd.DataFrame(
        [{"date": pd.Timestamp(d), "label": f"{s} (long label)", "short_label": s, "source": "AFP", "url": ""}
         for d, s in rows]
    )  # fmt: skip


def test_sources_chart_draws_the_band_and_each_series() -> None:
    figures = _figures(_flow("2025-10", 300, "A"), _flow("2025-10", 500, "B", "e"), _flow("2025-11", 700, "A"))
    series = compare_series(figures, "net_change_km2", "M")
    fig = sources_chart(series, spread_band(series), metric="net_change_km2", freq="M")
    band, a, b = fig.data
    assert (band.type, band.name) == ("bar", "Spread between the series")
    assert list(band.base) == [300] and list(band.y) == [200]
    assert band.width[0] == 31 * 86_400_000  # spans October
    assert (a.name, list(a.y)) == ("A · d", [300, 700])
    assert (b.name, list(b.y), b.mode) == ("B · e", [500], "markers")
    title, subtitle = page_texts(fig)  # as the page shows them (the figure's own are wrapped)
    assert title == "Net change in area controlled per month"
    assert "Definitions: A: d; B: e" in subtitle
    assert "A (d), as of 2025-11-30" in fig.layout.annotations[0].text


def test_event_markers_lines_labels_and_hover() -> None:
    figures = _figures(_flow("2025-10", 300, "A"), _flow("2025-12", 500, "A"))
    series = compare_series(figures, "net_change_km2", "M")
    fig = sources_chart(series, spread_band(series), metric="net_change_km2", freq="M")
    annotations = len(fig.layout.annotations)
    events = _events(("2025-11-01", "Pokrovsk claimed"), ("2025-11-02", "Talks in Moscow"), ("2024-01-01", "Old"))
    add_event_markers(fig, events)
    markers = fig.data[-1]
    assert markers.name == "Events"
    assert [str(d)[:10] for d in markers.x] == ["2025-11-01", "2025-11-02"]  # the one outside the range is left out
    assert markers.customdata[0][0] == "Pokrovsk claimed (long label)"
    assert "%{customdata[0]}" in markers.hovertemplate and "%{customdata[1]}" in markers.hovertemplate
    lines = [s for s in fig.layout.shapes if s.line.dash == "dot"]
    assert len(lines) == 2
    labels = fig.layout.annotations[annotations:]
    assert [a.text for a in labels] == ["Pokrovsk claimed", "Talks in Moscow"]
    assert labels[0].yshift != labels[1].yshift  # one day apart: staggered, not on top of each other
    assert fig.layout.margin.t > 110  # the labels sit in a strip above the plot


def test_many_events_are_hover_only() -> None:
    figures = _figures(_flow("2025-01", 300, "A"), _flow("2025-12", 500, "A"))
    series = compare_series(figures, "net_change_km2", "M")
    fig = sources_chart(series, spread_band(series), metric="net_change_km2", freq="M")
    annotations = len(fig.layout.annotations)
    add_event_markers(fig, _events(*((f"2025-{m:02d}-10", f"event {m}") for m in range(2, 11))))
    assert len(fig.layout.annotations) == annotations  # nine events: no labels drawn
    assert fig.data[-1].name == "Events (hover the ▼ markers)"
    assert len(fig.data[-1].x) == 9


def test_event_markers_span_every_panel_of_the_overview_chart(shipped: pd.DataFrame) -> None:
    from metrics.charts import monthly_net_change_chart
    from metrics.overview import overview_data

    data = overview_data(shipped)
    fig = add_event_markers(monthly_net_change_chart(data.monthly, data.shares), _events(("2025-12-01", "Pokrovsk")))
    assert {(s.xref, s.yref) for s in fig.layout.shapes if s.line.dash == "dot"} == {
        ("x", "y domain"),
        ("x2", "y2 domain"),
    }
    assert fig.data[-1].yaxis == "y3" and fig.layout.yaxis3.overlaying == "y"  # the markers on top of the first panel


def test_published_series_stand_beside_the_computed_ones_with_the_known_differences() -> None:
    import tempfile

    from metrics.bundled import ensure_bundled_data as load
    from metrics.source_checks import beside_checks, quality_marks
    from metrics.store import get_engine as engine_of
    from metrics.store import read_figures as read

    with tempfile.TemporaryDirectory() as folder:
        engine = engine_of(f"sqlite:///{folder}/t.sqlite")
        load(engine, report=lambda _line: None)
        whole = read(engine, regions=[""])
        engine.dispose()
    beside = beside_checks(whole)
    afp = beside[beside["reported"] == "ISW (AFP analysis) · assessed control+claimed"].set_index("period")
    assert afp["computed"].iloc[0] == "ISW (map layers) · assessed control+advances+claimed"
    assert (afp["reported_value"]["November 2025"], round(afp["computed_value"]["November 2025"])) == (701, 698)
    assert (afp["difference"].abs() <= 1).sum() > len(afp) / 2  # within 1 km2 in most months
    economist = beside[beside["reported"].str.startswith("The Economist")]
    assert economist["ratio_pct"].median() == pytest.approx(3.3, abs=0.1)  # its projection, not corrected
    crimea = beside[beside["reported"].str.contains("with Crimea constant")]
    assert crimea["difference"].round(2).eq(26_689.32).all()
    assert set(beside["why"].str.len() > 50) == {True}  # each pair says why
    marks = quality_marks(whole)
    liveuamap = marks[(marks["date"] == "2024-03-14") & marks["definition"].str.contains("without Crimea")]
    assert liveuamap["quality"].tolist() == ["break"] and "-16,619 km2" in liveuamap["reason"].iloc[0]
    assert {"2023-10-24", "2024-12-21", "2026-04-04"} <= set(marks[marks["quality"] == "glitch"]["date"])
