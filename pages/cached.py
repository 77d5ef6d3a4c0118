"""The one module of cached wrappers the pages call: the store, the figures and what pages show.

Caches are keyed by the store's revision, so a new or retracted batch shows on the next run.
"""

from __future__ import annotations

import logging

import pandas as pd
import plotly.graph_objects as go
import streamlit as st
from sqlalchemy import Engine

from geodata.maps import region_share_map
from metrics.bundled import ensure_bundled_data
from metrics.charts import monthly_net_change_chart, source_line
from metrics.overview import OverviewData, overview_data, region_values, select_figures
from metrics.store import database_url, get_engine, read_figures, revision

_log = logging.getLogger("territory")


def engine() -> Engine:
    """The engine of the store configured now (``TERRITORY_DB_URL``)."""
    return _engine(database_url())


@st.cache_resource(show_spinner="Preparing the store (the first start loads the bundled data)...")
def _engine(url: str) -> Engine:
    """The store's engine; the first call per process loads the bundled data into an empty store."""
    store = get_engine(url)
    ensure_bundled_data(store, report=_log.warning)
    return store


def store_revision() -> tuple[int, int]:
    return revision(engine())


@st.cache_data(max_entries=4, show_spinner=False)
def figures(rev: tuple[int, int]) -> pd.DataFrame:
    """All current figures of the store at revision ``rev``."""
    return read_figures(engine())


@st.cache_data(max_entries=4, show_spinner=False)
def source_choices(rev: tuple[int, int]) -> dict[str, list[str]]:
    """Per source, its definitions (for the sidebar)."""
    pairs = figures(rev)[["source", "definition"]].drop_duplicates().sort_values(["source", "definition"])
    return {s: list(d) for s, d in pairs.groupby("source")["definition"]}


@st.cache_data(max_entries=16, show_spinner=False)
def overview(rev: tuple[int, int], sources: tuple[str, ...], definitions: tuple[str, ...]) -> OverviewData:
    return overview_data(select_figures(figures(rev), sources, definitions))


@st.cache_data(max_entries=16, show_spinner=False)
def overview_chart(rev: tuple[int, int], sources: tuple[str, ...], definitions: tuple[str, ...]) -> go.Figure:
    data = overview(rev, sources, definitions)
    return monthly_net_change_chart(data.monthly, data.shares)


@st.cache_data(max_entries=16, show_spinner=False)
def sources_with_regions(rev: tuple[int, int], sources: tuple[str, ...], definitions: tuple[str, ...]) -> list[str]:
    """``"source|definition"`` pairs that have per-region figures."""
    rows = select_figures(figures(rev), sources, definitions)
    pairs = rows.loc[rows["region"] != "", ["source", "definition"]].drop_duplicates()
    return [f"{r.source}|{r.definition}" for r in pairs.itertuples()]


@st.cache_data(max_entries=16, show_spinner=False)
def region_map(rev: tuple[int, int], source: str, definition: str) -> go.Figure:
    values = region_values(figures(rev), source, definition)
    as_of = values.assign(source=source, definition=definition).sort_values("date").tail(1)
    date = f"{as_of['date'].iloc[0]:%Y-%m-%d}"
    return region_share_map(
        values,
        title=f"Share of each oblast held by Russian forces, {date}",
        subtitle=f"{source} ({definition}); share = area held in the oblast / oblast area (Natural Earth 10m)",
        source=source_line(as_of),
    )
