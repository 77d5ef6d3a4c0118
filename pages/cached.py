"""The one module of cached wrappers the pages call: the store, the figures and what pages show.

Caches are keyed by the store's revision, so a new or retracted batch shows on the next run.
The chart and map modules (plotly, geopandas) are imported on first use, so the KPI cards of the
first page view do not wait for them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy import Engine

from metrics import overview as ov
from metrics.auth import EditorGate
from metrics.bundled import ensure_bundled_data
from metrics.metadata import METRICS
from metrics.store import database_url, get_engine, list_batches, list_series, read_figures, revision

if TYPE_CHECKING:
    import datetime as dt

    import plotly.graph_objects as go

_log = logging.getLogger("territory")

Revision = tuple[int, int]
#: The metrics of the area pages (Overview, Trends, Map, Regions, Sources): every metric but the
#: front line's, which the Front line page shows (a count or a length is not an area).
AREA_PAGE_METRICS = tuple(m for m in METRICS if m not in
                          ("frontline_length_km", "settlements_held", "population_held", "distance_to_front_km"))


def engine() -> Engine:
    """The engine of the store configured now (``TERRITORY_DB_URL``)."""
    return _engine(database_url())


@st.cache_resource(show_spinner="Preparing the store (the first start loads the bundled data)...")
def _engine(url: str) -> Engine:
    """The store's engine; the first call per process loads the bundled data into an empty store."""
    store = get_engine(url)
    ensure_bundled_data(store, report=_log.warning)
    return store


@st.cache_resource
def editor_gate(password: str | None) -> EditorGate:
    """One gate per process and password, so wrong attempts count across browser sessions."""
    return EditorGate(password)


def store_revision() -> Revision:
    return revision(engine())


@st.cache_data(max_entries=4, show_spinner=False)
def series(rev: Revision):  # a DataFrame (metrics.store.list_series)
    """Each source and definition in the store, with its latest dates."""
    return list_series(engine())


def source_choices(rev: Revision) -> dict[str, list[str]]:
    """Per source, its definitions (for the sidebar)."""
    return ov.definitions_by_source(series(rev))


@st.cache_data(max_entries=4, show_spinner=False)
def whole_territory_figures(rev: Revision):  # a DataFrame of figures
    """The current figures of the whole territory (empty region)."""
    return read_figures(engine(), regions=[""], metrics=AREA_PAGE_METRICS)


@st.cache_data(max_entries=16, show_spinner=False)
def overview(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> ov.OverviewData:
    return ov.overview_data(ov.select_figures(whole_territory_figures(rev), sources, definitions))


@st.cache_data(max_entries=16, show_spinner=False)
def overview_sentences(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> list[str]:
    """One summary sentence per source, from the frames the Overview chart draws."""
    from metrics.summary import overview_sentences as sentences

    data = overview(rev, sources, definitions)
    return sentences(data.monthly, data.shares)


@st.cache_data(max_entries=16, show_spinner=False)
def overview_chart(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> go.Figure:
    from metrics.charts import add_event_markers, monthly_net_change_chart

    data = overview(rev, sources, definitions)
    return add_event_markers(monthly_net_change_chart(data.monthly, data.shares), events(rev))


# -- events and the Sources page ----------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def events(rev: Revision):  # a DataFrame (metrics.events.read_events)
    """The current events (markers on the time charts)."""
    from metrics.events import read_events  # the CSV checks (pandera): on first use

    return read_events(engine())


def figures_span(rev: Revision) -> tuple[dt.date, dt.date] | None:
    """First and last date of the whole-territory figures (the Sources page's date range)."""
    figures = whole_territory_figures(rev)
    return (figures["date"].min().date(), figures["date"].max().date()) if not figures.empty else None


@st.cache_data(max_entries=32, show_spinner=False)
def sources_view(
    rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...], metric: str, freq: str,
    start: dt.date | None, end: dt.date | None,
):  # fmt: skip  # a metrics.sources.SourcesView
    from metrics.sources import sources_view as view

    figures = ov.select_figures(whole_territory_figures(rev), sources, definitions)
    return view(figures, metric, freq, start=start, end=end)


@st.cache_data(max_entries=32, show_spinner=False)
def sources_chart(
    rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...], metric: str, freq: str,
    start: dt.date | None, end: dt.date | None,
) -> go.Figure:  # fmt: skip
    from metrics.charts import add_event_markers
    from metrics.charts import sources_chart as chart

    data = sources_view(rev, sources, definitions, metric, freq, start, end)
    return add_event_markers(chart(data.series, data.band, metric=metric, freq=freq), events(rev))


def sources_with_regions(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> list[str]:
    """``"source|definition"`` pairs among the chosen ones that have per-region figures."""
    return ov.sources_with_regions(series(rev), sources, definitions)


def overview_chart_data(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]):  # a DataFrame
    """The figures behind the Overview chart (for its CSV download)."""
    return ov.chart_data(overview(rev, sources, definitions))


@st.cache_data(max_entries=16, show_spinner=False)
def region_map_data(rev: Revision, source: str, definition: str):  # a DataFrame
    """The per-oblast figures the map is coloured by (for its CSV download)."""
    values = ov.latest_region_values(engine(), series(rev), source, definition)
    return values.assign(source=source, definition=definition)


@st.cache_data(max_entries=16, show_spinner=False)
def region_map(rev: Revision, source: str, definition: str) -> go.Figure:
    """Oblasts coloured by the share held on the source's latest date with per-region figures."""
    from geodata.maps import region_share_map
    from metrics.charts import source_line

    values = ov.latest_region_values(engine(), series(rev), source, definition)
    as_of = values.assign(source=source, definition=definition).sort_values("date").tail(1)
    day = as_of["date"].iloc[0]
    fig = region_share_map(
        values,
        title=f"Share of each oblast held by Russian forces, {day:%Y-%m-%d}",
        subtitle=f"{source} ({definition}); share = area held in the oblast / oblast area (Natural Earth 10m)",
        source=source_line(as_of),
    )
    from geodata.maps import add_control_polygon
    from geodata.store import snapshot_for_map

    snapshot = snapshot_for_map(engine(), source=source, definition=definition, on_or_before=day)
    if snapshot is not None:  # the source's own polygon, where the store holds its snapshots
        date, area, web = snapshot
        label = f"Area held per {source}'s polygon, {date:%Y-%m-%d}: {area:,.0f} km²"
        add_control_polygon(fig, web.geometry, label=label)
    return fig


# -- Data page ---------------------------------------------------------------------------------


@st.cache_data(show_spinner=False)
def region_names() -> dict[str, str]:
    """ISO 3166-2 code -> name of the shipped regions of Ukraine."""
    from metrics.schema import region_areas

    return {code: name for code, (name, _area) in region_areas("UKR").items()}


@st.cache_data(max_entries=4, show_spinner=False)
def batches(rev: Revision):  # a DataFrame (metrics.store.list_batches)
    """Every batch, newest first."""
    return list_batches(engine())


@st.cache_data(max_entries=4, show_spinner=False)
def all_figures(rev: Revision):  # a DataFrame of figures
    """Every current area figure (``AREA_PAGE_METRICS``), whole territory and regions."""
    return read_figures(engine(), metrics=AREA_PAGE_METRICS)


@st.cache_data(max_entries=2, show_spinner=False)
def every_figure(rev: Revision):  # a DataFrame of figures
    """Every current figure, the front line's included (the Data page and its exports)."""
    return read_figures(engine())


@st.cache_data(max_entries=32, show_spinner="Selecting figures...")
def data_rows(
    rev: Revision,
    *,
    source: list[str],
    definition: list[str],
    metric: list[str],
    region: str | None,
    freq: str | None,
    start: str | None,
    end: str | None,
    batch: list[int],
):  # a DataFrame of export rows
    """The Data page's query (``metrics.export.select_rows``) on the current figures."""
    from metrics.export import select_rows

    return select_rows(
        every_figure(rev), sources=source, definitions=definition, batches=batch, metrics=metric, region=region,
        freq=freq, start=start, end=end,
    )  # fmt: skip


# -- Report page -------------------------------------------------------------------------------


def build_report(rev: Revision, start, end, progress=None):  # type: ignore[no-untyped-def]  # a metrics.report.Report
    """The report of a period (not cached: the page keeps the last one in the session)."""
    from metrics.report import build_report as build

    return build(engine(), start, end, progress=progress)


# -- Regions and Map pages ---------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def regional_sources(rev: Revision) -> list[str]:
    """``"source · definition"`` of every source with per-oblast figures, DeepStateMap first."""
    from metrics.regions import regional_sources as pairs

    return [f"{s} · {d}" for s, d in pairs(all_figures(rev))]


@st.cache_data(max_entries=16, show_spinner=False)
def region_dates(rev: Revision, source: str, definition: str) -> list:  # of datetime.date
    """The dates with per-oblast figures of a source, oldest first."""
    from metrics.regions import region_dates as dates

    return [d.date() for d in dates(all_figures(rev), source, definition)]


def region_date_range(rev: Revision, source: str, definition: str) -> tuple:  # (first, last) datetime.date
    dates = region_dates(rev, source, definition)
    return dates[0], dates[-1]


@st.cache_data(max_entries=64, show_spinner=False)
def regions_table(rev: Revision, source: str, definition: str, on, since):  # type: ignore[no-untyped-def]  # DataFrame
    """``metrics.regions.regions_on`` for the pages."""
    from metrics.regions import regions_on

    return regions_on(all_figures(rev), source, definition, on, since or None)


@st.cache_data(max_entries=64, show_spinner=False)
def regions_chart(rev: Revision, source: str, definition: str, on, since, measure: str) -> go.Figure:  # type: ignore[no-untyped-def]
    from metrics.charts import regions_bar_chart

    return regions_bar_chart(regions_table(rev, source, definition, on, since), measure=measure, source=source,
                             definition=definition)  # fmt: skip


@st.cache_data(max_entries=16, show_spinner=False)
def map_dates(rev: Revision, source: str, definition: str, daily: bool) -> list[str]:
    """The Map slider's dates (YYYY-MM-DD): every date with per-oblast figures, or month-ends and the latest."""
    from metrics.regions import map_dates as dates

    return dates(all_figures(rev), source, definition, daily=daily)


@st.cache_data(max_entries=64, show_spinner=False)
def map_figure(rev: Revision, source: str, definition: str, on: str, since: str | None):  # (go.Figure, note)
    """``geodata.maps.date_map`` for the Map page."""
    from geodata.maps import date_map

    return date_map(engine(), all_figures(rev), source=source, definition=definition, on=on,
                    compare_from=since or None)  # fmt: skip


# -- Trends page -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TrendView:
    series: object  # a DataFrame (metrics.trends.trend_series)
    chart: object  # a plotly Figure
    sentences: list[str]


@st.cache_data(max_entries=64, show_spinner=False)
def trend_view(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...], metric: str, freq: str,
               region: str, start, end, unit: str, rolling: int, cumulative: bool) -> TrendView:  # type: ignore[no-untyped-def]  # fmt: skip
    """The Trends page's series, chart (with event markers) and sentences, from one pipeline."""
    from metrics.charts import add_event_markers, trend_chart
    from metrics.summary import trend_sentence
    from metrics.trends import trend_series

    figures = ov.select_figures(all_figures(rev), sources, definitions)
    series = trend_series(
        figures, metric, freq, region=region, start=start, end=end, unit=unit, rolling=rolling,
        cumulative=cumulative,
    )  # fmt: skip
    if series.empty:
        return TrendView(series, None, [])
    names = region_names()
    chart = trend_chart(series, metric=metric, freq=freq, unit=unit,
                        region_name=f"{names[region]} ({region})" if region else "Ukraine")  # fmt: skip
    chart = add_event_markers(chart, events(rev))
    sentences = [trend_sentence(rows, metric, freq, unit) for _, rows in series.groupby("label", sort=True)]
    return TrendView(series, chart, [s for s in sentences if s])


# -- the Front line page -------------------------------------------------------------------------


@st.cache_data(max_entries=2, show_spinner=False)
def front_cities() -> tuple[dict[str, int], list[str]]:
    """The watched cities offered on the Front line page (label -> GeoNames id, largest first) and the
    labels shown before a user picks (Kramatorsk, Sloviansk, Zaporizhzhia, Kharkiv, Kherson, Sumy)."""
    from geodata.front_queries import city_choices
    from geodata.front_view import DEFAULT_CITIES

    choices = city_choices()
    return choices, [label for label, place in choices.items() if place in DEFAULT_CITIES]


@st.cache_data(max_entries=16, show_spinner="Measuring the front line...")
def front_view(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...], start: dt.date | None,
               end: dt.date | None, cities: tuple[int, ...]):  # fmt: skip  # a geodata.front_view.FrontView
    """The Front line page's frames, charts and sentences, from one set of frames."""
    from geodata.front_queries import page_view

    return page_view(engine(), sources=sources, definitions=definitions, start=start, end=end, cities=cities)
