"""The cached wrappers of the Regions, Map and Front line pages (their maps and the front line, from
``geodata``). The pages call them through ``pages.cached``, which takes every name from here; import
that module, not this one."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from pages.cached import Revision, all_figures, engine

if TYPE_CHECKING:
    import datetime as dt

    import plotly.graph_objects as go

__all__ = [
    "front_cities",
    "front_view",
    "map_changes",
    "map_dates",
    "map_distances",
    "map_export",
    "map_drawn_ahead",
    "map_figure",
    "map_place",
    "region_date_range",
    "regional_sources",
    "regions_chart",
    "regions_table",
]


# -- Regions and Map pages ---------------------------------------------------------------------


@st.cache_data(max_entries=4, show_spinner=False)
def regional_sources(rev: Revision) -> list[str]:
    """``"source · definition"`` of every source with per-oblast figures, DeepStateMap first."""
    from metrics.regions import regional_source_labels

    return regional_source_labels(all_figures(rev))


@st.cache_data(max_entries=16, show_spinner=False)
def region_date_range(rev: Revision, source: str, definition: str) -> tuple:  # (first, last) datetime.date
    """The first and the last date with per-oblast figures of a source."""
    from metrics.regions import region_date_range as date_range

    return date_range(all_figures(rev), source, definition)


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


@st.cache_resource(max_entries=256, show_spinner=False)
def map_drawn_ahead(rev: Revision, source: str, definition: str, on: str, layers: tuple[str, ...],
                    view: tuple[float, float, float, str] | None) -> bool:  # fmt: skip
    """``map_figure`` of that date made ahead (its cache filled), once: a later run asking again is a
    hit here, which returns no figure (a hit of ``map_figure`` itself copies its figure, 0.05-0.1 s)."""
    map_figure(rev, source, definition, on, None, layers, view, False)
    return True


#: A resource, not data: a hit returns the one MapView made (its figure is only read: by
#: ``st.plotly_chart``'s ``to_dict`` and by the exports, which copy it); a ``cache_data`` hit unpickled
#: a copy of the figure, 40 % of a warm run of the Map page. At most 16 maps are kept.
@st.cache_resource(max_entries=16, show_spinner=False)
def map_figure(rev: Revision, source: str, definition: str, on: str, since: str | None, layers: tuple[str, ...],
               view: tuple[float, float, float, str] | None, fit_changes: bool):  # fmt: skip  # a webmap_data.MapView
    """The Map page's map of a date (or of two: ``since``) with the ``layers`` named, looking at
    ``view`` (lat, lon, zoom, key; None: the whole country) or at the changes (``fit_changes``); a
    map of one date has the timeline's frames (month-ends and the latest date) for Play in the browser."""
    from geodata.webmap import LAYERS, UKRAINE_VIEW, View
    from geodata.webmap_data import map_view

    chosen = {name: name in layers for name in LAYERS}
    return map_view(engine(), all_figures(rev), map_changes(rev, source, definition),
                    map_distances(rev, source, definition), source=source, definition=definition,
                    on=on, since=since or None, layers=chosen,
                    view=View(*view) if view else UKRAINE_VIEW, fit_changes=fit_changes,
                    frame_dates=map_dates(rev, source, definition, False),
                    history=map_histories(rev, source, definition))  # fmt: skip


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


# -- the Map page's map (geodata.webmap) ---------------------------------------------------------


@st.cache_data(max_entries=8, show_spinner=False)
def map_changes(rev: Revision, source: str, definition: str):  # type: ignore[no-untyped-def]  # DataFrame
    """The per-settlement change table of a source (shipped, continued from the store's snapshots)."""
    from geodata.front_queries import settlement_changes

    return settlement_changes(engine(), source, definition)


@st.cache_data(max_entries=8, show_spinner=False)
def map_histories(rev: Revision, source: str, definition: str):  # type: ignore[no-untyped-def]  # Series
    """The history text of each settlement a source's change table names (the same on every date)."""
    from geodata.webmap_timeline import histories

    return histories(map_changes(rev, source, definition))


@st.cache_data(max_entries=8, show_spinner=False)
def map_distances(rev: Revision, source: str, definition: str):  # type: ignore[no-untyped-def]  # DataFrame
    """The watched cities' ``distance_to_front_km`` figures of a source (shipped, and from the store's snapshots)."""
    from geodata.front_queries import distances

    return distances(engine(), source=source, definition=definition)


@st.cache_data(max_entries=64, show_spinner=False)
def map_place(query: str, zoom: float) -> tuple[tuple[float, float, float, str] | None, str]:
    """The view (lat, lon, zoom, key) centred on the settlement called ``query``, or None, and a line on it."""
    from geodata.webmap_data import place_view

    view, line = place_view(query, zoom)
    return (view.lat, view.lon, view.zoom, view.key) if view else None, line


def map_export(figure: go.Figure, view: object, width: int) -> go.Figure:
    """The map with a scale bar for ``view`` (a ``geodata.webmap.View``) drawn ``width`` px wide, for
    images: without the timeline (its frames, slider and Play button), the settlements' names inline."""
    from geodata.webmap import scale_bar
    from geodata.webmap_style import inline_names
    from geodata.webmap_timeline import without_timeline

    return scale_bar(inline_names(without_timeline(figure)), view, width_px=width)  # type: ignore[arg-type]
