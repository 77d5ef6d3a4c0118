"""Regions: per oblast, area and share held on a date and the change over a period."""

import datetime as dt

import streamlit as st

from metrics.charts import REGION_MEASURES
from pages import cached, links
from pages.chart_view import show_chart
from pages.downloads import chart_downloads

rev = cached.store_revision()
pairs = cached.regional_sources(rev)

st.title("Regions")
st.caption(
    "Per oblast: the area a source marks as held on a date, its share of the oblast, and the change since an "
    "earlier date. Each value is the source's latest figure on or before the date chosen; the table is sortable."
)
if not pairs:
    st.info("No source in the store has per-oblast figures. Import control polygons on the Upload page.")
    st.stop()

links.adopt("source", "regions_source", links.one_of(pairs))  # links made before the keys carried the page's name
choice = st.selectbox("Source", pairs, key="regions_source", bind="query-params")
source, definition = choice.split(" · ", 1)
first, last = cached.region_date_range(rev, source, definition)
for old, new, parse in [("date", "regions_date", links.date_within(first, last)),
                        ("since", "regions_since", links.date_within(first, last)),
                        ("bars", "regions_bars", links.one_of(list(REGION_MEASURES)))]:  # fmt: skip
    links.adopt(old, new, parse)
left, middle, right = st.columns(3)
on = left.date_input("On", value=last, min_value=first, max_value=last, key="regions_date", bind="query-params")
default_since = max(first, on.replace(day=1) - dt.timedelta(days=1))  # the end of the month before
since = middle.date_input(
    "Change since", value=default_since, min_value=first, max_value=last, key="regions_since", bind="query-params",
    help="The change is the figure on 'On' minus the figure on this date (each the latest on or before it).",
)  # fmt: skip
measure = right.selectbox("Bars show", list(REGION_MEASURES), key="regions_bars", bind="query-params")
if since >= on:
    st.warning("'Change since' should be before 'On': the change column is empty otherwise.")

table = cached.regions_table(rev, source, definition, on, since)
chart = cached.regions_chart(rev, source, definition, on, since, measure)
show_chart(chart, key="regions_chart")
chart_downloads(chart, table, name=f"regions-{measure.replace(' ', '-')}-{on:%Y%m%d}", key="regions_dl")
st.dataframe(
    table, hide_index=True, key="regions_table",
    column_config={
        "region": st.column_config.TextColumn("ISO 3166-2"), "oblast": st.column_config.TextColumn("Oblast"),
        "area_km2": st.column_config.NumberColumn("Area held, km²", format="%,.0f"),
        "share_pct": st.column_config.NumberColumn("Share held, %", format="%.2f"),
        "as_of": st.column_config.DateColumn("as of", format="YYYY-MM-DD"),
        "change_km2": st.column_config.NumberColumn("Change, km²", format="%+,.1f"),
        "change_pp": st.column_config.NumberColumn("Change, pp", format="%+.2f"),
        "since": st.column_config.DateColumn("since", format="YYYY-MM-DD"),
    },
)  # fmt: skip
st.caption(
    f"{source} ({definition}). Shares divide by each oblast's area (Natural Earth 10m, equal-area CRS); "
    "pp = percentage points."
)
