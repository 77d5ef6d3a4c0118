"""Front line: the front's length and the settlements held over time, settlements taken and lost per
month, the distance of the front to chosen cities, and the settlements that changed hands in a period."""

import streamlit as st

from metrics.display import markdown_text as md
from metrics.images import chart_csv
from metrics.metadata import metadata
from pages import cached
from pages.chart_view import show_chart
from pages.downloads import chart_downloads

rev = cached.store_revision()
sources, definitions = st.session_state.get("selection", ((), ()))
st.title("Front line")
st.caption(
    "The front's length, the settlements held and those that changed hands, and how close the front is to "
    "each city, computed by this project from each source's polygons. Settlements: GeoNames places of 500+ "
    "people; populations are GeoNames' (mostly census-era) figures."
)
if not sources or not definitions:
    st.info("Choose at least one source and one definition in the sidebar.")
    st.stop()

# 0/ selection: the period of the table and sentences, and the cities (all in the URL)
cities, defaults = cached.front_cities()
labels = list(cities)
left, middle, right = st.columns([1, 1, 3])
start = left.date_input("From", value=None, key="front_from", bind="query-params",
                        help="Empty: the latest full month of the chosen sources.")  # fmt: skip
end = middle.date_input("To", value=None, key="front_to", bind="query-params")
chosen = right.multiselect("Cities", labels, default=defaults, key="front_cities", bind="query-params",
                           help="Oblast centres and places of 50,000+ people within 150 km of the front.")  # fmt: skip
if (start is None) != (end is None):
    st.warning("Give both 'From' and 'To', or neither (the latest full month).")
    start = end = None
if start is not None and end is not None and start > end:
    st.warning("'From' is after 'To': showing the latest full month instead.")
    start = end = None

# 1/ data: one set of frames for every chart, table and sentence
view = cached.front_view(rev, tuple(sources), tuple(definitions), start, end, tuple(cities[c] for c in chosen))
if view.series.empty:
    st.info("None of the chosen sources has front-line figures. They come with the shipped DeepStateMap and "
            "liveuamap data, and with control polygons imported on the Upload page.")  # fmt: skip
    st.stop()

# 2/ show
for sentence in view.sentences:
    st.markdown(md(sentence))

st.subheader("The front's length")
show_chart(view.length_chart, key="front_length_chart")
chart_downloads(view.length_chart, view.series, name="front-length", key="dl_front_length")
st.caption(metadata()["metrics"]["frontline_length_km"]["method"])

st.subheader("Settlements held")
show_chart(view.held_chart, key="front_held_chart")
chart_downloads(view.held_chart, view.series, name="front-settlements-held", key="dl_front_held")

if view.monthly_chart is not None:
    st.subheader("Settlements taken and lost per month")
    show_chart(view.monthly_chart, key="front_monthly_chart")
    chart_downloads(view.monthly_chart, view.monthly, name="front-settlements-per-month", key="dl_front_monthly")
    st.caption(metadata()["metrics"]["settlements_held"]["method"])

if view.distance_chart is not None:
    st.subheader("Distance to the front")
    show_chart(view.distance_chart, key="front_distance_chart")
    chart_downloads(view.distance_chart, view.distances, name="front-distance", key="dl_front_distance")
    st.dataframe(view.closest, hide_index=True, key="front_closest_table",
                 column_config={"date": st.column_config.DateColumn("closest on", format="YYYY-MM-DD"),
                                "distance_km": st.column_config.NumberColumn("closest, km", format="%.1f"),
                                "place": st.column_config.NumberColumn("GeoNames id", format="%d")})  # fmt: skip

st.subheader("Settlements that changed hands in the period")
st.dataframe(
    view.changed, hide_index=True, key="front_changed_table",
    column_config={"date": st.column_config.DateColumn("date of change", format="YYYY-MM-DD"),
                   "previous_date": st.column_config.DateColumn("not yet on", format="YYYY-MM-DD"),
                   "population": st.column_config.NumberColumn("population (GeoNames)", format="%,d"),
                   "geonameid": st.column_config.NumberColumn("GeoNames id", format="%d")},
)  # fmt: skip
st.download_button("Table (CSV)", data=chart_csv(view.changed), file_name="front-settlements-changed.csv",
                   mime="text/csv", key="dl_front_changed", on_click="ignore")  # fmt: skip
st.caption("A change is dated by the first snapshot showing it; it happened after the 'not yet on' snapshot.")
