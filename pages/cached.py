"""The one module of cached wrappers the pages call: the store, the figures and what pages show.

Caches are keyed by the store's revision, so a new or retracted batch shows on the next run.
The chart and map modules (plotly, geopandas) are imported on first use, so the KPI cards of the
first page view do not wait for them.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from sqlalchemy import Engine

from metrics import overview as ov
from metrics.auth import EditorGate
from metrics.bundled import ensure_bundled_data, missing_bundled
from metrics.metadata import METRICS
from metrics.store import database_url, get_engine, list_batches, list_series, read_figures, revision
from pages.kept import kept

if TYPE_CHECKING:
    import datetime as dt

    import plotly.graph_objects as go

__all__ = [
    "AREA_PAGE_METRICS",
    "Revision",
    "all_figures",
    "batches",
    "beside_checks",
    "breaks",
    "build_report",
    "data_rows",
    "editor_gate",
    "engine",
    "every_figure",
    "events",
    "figures_span",
    "front_cities",
    "front_view",
    "map_changes",
    "map_dates",
    "map_distances",
    "map_drawn_ahead",
    "map_export",
    "map_figure",
    "map_place",
    "overview",
    "overview_chart",
    "overview_chart_data",
    "overview_extremes",
    "overview_sentences",
    "overview_sources",
    "overview_table",
    "quality_marks",
    "region_date_range",
    "region_map",
    "region_map_data",
    "region_names",
    "regional_sources",
    "regions_chart",
    "regions_table",
    "series",
    "source_choices",
    "sources_chart",
    "sources_view",
    "sources_with_regions",
    "store_revision",
    "trend_view",
    "whole_territory_figures",
]

_log = logging.getLogger("territory")

#: A cache key: the store's URL and its revision (two stores may share a revision number).
Revision = tuple[str, int]
#: The metrics of the area pages (Overview, Trends, Map, Regions, Sources): every metric but the
#: front line's, which the Front line page shows (a count or a length is not an area).
AREA_PAGE_METRICS = tuple(
    m
    for m in METRICS
    if m not in ("frontline_length_km", "settlements_held", "population_held", "distance_to_front_km")
)


def engine() -> Engine:
    """The engine of the store configured now (``TERRITORY_DB_URL``)."""
    return _engine(database_url())


@st.cache_resource(show_spinner="Preparing the store (the first start loads the bundled data)...")
def _engine(url: str) -> Engine:
    """The store's engine; the first call per process loads the bundled data into an empty store.

    The loading runs in a child process (``python -m metrics init``, what ``make run`` runs first): the
    memory it takes (about 200 MB while it reads the files) goes back to the system when it ends, rather
    than staying in the server's heap. Whatever it could not load (e.g. an in-memory store, which a
    child cannot see) is loaded here."""
    store = get_engine(url)
    if not missing_bundled(store):  # a later start: every shipped file is stored (hashed once, here)
        return store
    in_memory = url.rstrip("/") == "sqlite:" or ":memory:" in url or "mode=memory" in url
    if not in_memory:
        subprocess.run([sys.executable, "-m", "metrics", "init"], env={**os.environ, "TERRITORY_DB_URL": url},
                       cwd=Path(__file__).resolve().parents[1], check=False)  # fmt: skip
    ensure_bundled_data(store, report=_log.warning)
    return store


@st.cache_resource
def editor_gate(password: str | None) -> EditorGate:
    """One gate per process and password, so wrong attempts count across browser sessions."""
    return EditorGate(password)


def store_revision() -> Revision:
    return database_url(), revision(engine())


@st.cache_data(max_entries=4, show_spinner=False)
@kept
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


@st.cache_resource(max_entries=16, show_spinner=False)  # shared, not copied per call: read only
def overview(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> ov.OverviewData:
    """The frames of the Overview (the wrappers below read them; the page itself does not)."""
    return ov.overview_data(ov.select_figures(whole_territory_figures(rev), sources, definitions))


@st.cache_data(max_entries=16, show_spinner=False)
@kept
def overview_sources(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> list[dict[str, str]]:
    """What the Overview says of each chosen source and definition (publisher, method, licence...)."""
    return overview(rev, sources, definitions).sources


@st.cache_data(max_entries=16, show_spinner=False)
@kept
def overview_sentences(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> list[str]:
    """One summary sentence per source, from the frames the Overview chart draws."""
    from metrics.summary import overview_sentences as sentences

    data = overview(rev, sources, definitions)
    return sentences(data.monthly, data.shares)


@st.cache_data(max_entries=16, show_spinner=False)
@kept
def overview_extremes(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> list[str]:
    """The largest monthly gain and loss of the whole war per series, from the Overview chart's frame."""
    from metrics.summary import extremes_sentences

    return extremes_sentences(overview(rev, sources, definitions).monthly)


@st.cache_data(max_entries=16, show_spinner=False)
@kept
def overview_table(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...], today: dt.date):
    """The Overview's table of the latest figure per series, with its age on ``today`` (a DataFrame)."""
    return ov.latest_table(overview(rev, sources, definitions), today)


@st.cache_resource(max_entries=16, show_spinner=False)  # shared, not copied per session: read only
@kept
def overview_chart(
    rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...], start: dt.date | None = None,
    end: dt.date | None = None,
) -> go.Figure:  # fmt: skip
    """The Overview's chart of the months ending in ``start`` .. ``end`` (None: no bound), breaks drawn."""
    from metrics.charts import monthly_net_change_chart

    data = overview(rev, sources, definitions)
    monthly, shares = ov.in_range(data.monthly, start, end), ov.drawn_shares(ov.in_range(data.shares, start, end))
    return monthly_net_change_chart(monthly, shares, events=events(rev), breaks=breaks(rev, sources, definitions))


@st.cache_data(max_entries=16, show_spinner=False)
def breaks(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]):  # a DataFrame
    """The series breaks of the chosen whole-territory series (``metrics.event_markers.series_breaks``)."""
    from metrics.event_markers import series_breaks

    return series_breaks(ov.select_figures(whole_territory_figures(rev), sources, definitions))


# -- events and the Sources page ----------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def events(rev: Revision):  # a DataFrame (metrics.events.read_events)
    """The current events (markers on the time charts)."""
    from metrics.events import read_events  # the CSV checks (pandera): on first use

    return read_events(engine())


@st.cache_data(max_entries=4, show_spinner=False)  # every time page asks on every run
@kept
def figures_span(rev: Revision) -> tuple[dt.date, dt.date] | None:
    """First and last date of the whole-territory figures (the Sources page's date range)."""
    return ov.date_span(whole_territory_figures(rev))


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
    from metrics.charts import sources_chart as chart

    data = sources_view(rev, sources, definitions, metric, freq, start, end)
    return chart(data.series, data.band, metric=metric, freq=freq, events=events(rev),
                 breaks=breaks(rev, sources, definitions))  # fmt: skip


@st.cache_data(max_entries=4, show_spinner=False)
def beside_checks(rev: Revision):  # a DataFrame (metrics.source_checks.beside_checks)
    """Each published series beside the computed series it should match, per month."""
    from metrics.source_checks import beside_checks as checks

    return checks(whole_territory_figures(rev))


@st.cache_data(max_entries=4, show_spinner=False)
def quality_marks(rev: Revision):  # a DataFrame (metrics.source_checks.quality_marks)
    """The whole-territory figures marked as a glitch or a series break, with their reasons."""
    from metrics.source_checks import quality_marks as marks

    return marks(whole_territory_figures(rev))


@st.cache_data(max_entries=16, show_spinner=False)
@kept
def sources_with_regions(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]) -> list[str]:
    """``"source|definition"`` pairs among the chosen ones that have per-region figures."""
    return ov.sources_with_regions(series(rev), sources, definitions)


@st.cache_resource(max_entries=16, show_spinner=False)  # read only (the CSV download)
def overview_chart_data(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...]):  # a DataFrame
    """The figures behind the Overview chart (for its CSV download)."""
    return ov.chart_data(overview(rev, sources, definitions))


@st.cache_resource(max_entries=16, show_spinner=False)  # read only (the CSV download)
@kept
def region_map_data(rev: Revision, source: str, definition: str):  # a DataFrame
    """The per-oblast figures the map is coloured by (for its CSV download)."""
    return ov.latest_region_values(engine(), series(rev), source, definition)


@st.cache_resource(max_entries=16, show_spinner=False)  # shared, not copied per session: read only
@kept
def region_map(rev: Revision, source: str, definition: str) -> go.Figure:
    """Oblasts coloured by the share held on the source's latest date with per-region figures."""
    from geodata.maps import latest_share_map

    return latest_share_map(engine(), series(rev), source, definition)


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
    from geodata.maps import change_map_of
    from metrics.report import build_report as build

    return build(engine(), start, end, progress=progress, change_map=change_map_of(engine()))


# -- Trends page -------------------------------------------------------------------------------


@st.cache_data(max_entries=64, show_spinner=False)
def trend_view(rev: Revision, sources: tuple[str, ...], definitions: tuple[str, ...], metric: str, freq: str,
               region: str, start, end, unit: str, rolling: int, cumulative: bool):  # type: ignore[no-untyped-def]  # fmt: skip
    """The Trends page's series, chart (with event markers) and sentences (``metrics.trends.trend_view``)."""
    from metrics.trends import trend_view as view

    return view(ov.select_figures(all_figures(rev), sources, definitions), events(rev), metric, freq, region=region,
                start=start, end=end, unit=unit, rolling=rolling, cumulative=cumulative)  # fmt: skip


# The Regions, Map and Front line pages' wrappers live in pages/cached_maps.py (this module stays under
# 400 lines); they are names of this module all the same, for the pages.
from pages.cached_maps import (  # noqa: E402
    front_cities,
    front_view,
    map_changes,
    map_dates,
    map_distances,
    map_drawn_ahead,
    map_export,
    map_figure,
    map_place,
    region_date_range,
    regional_sources,
    regions_chart,
    regions_table,
)
