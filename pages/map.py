"""Map: oblasts coloured by the share held on a date, the control polygon where the store holds one,
and a two-date comparison of gained and lost areas. Offline: no tiles, no CDN."""

import time

import streamlit as st

from metrics.display import markdown_text as md
from pages import cached, links
from pages.downloads import chart_downloads

rev = cached.store_revision()
pairs = cached.regional_sources(rev)

st.title("Map")
st.caption(
    "Oblasts coloured by the share a source marks as held, on the date chosen (each oblast's latest figure on or "
    "before it). Where the store holds the source's polygons, the controlled area itself is drawn; compare two "
    "dates to see what changed hands."
)
if not pairs:
    st.info("No source in the store has per-oblast figures. Import control polygons on the Upload page.")
    st.stop()

for old, new, parse in [("source", "map_source", links.one_of(pairs)), ("daily", "map_daily", links.as_bool),
                        ("compare", "map_compare", links.as_bool)]:  # fmt: skip
    links.adopt(old, new, parse)  # links made before the keys carried the page's name
left, middle, right = st.columns([2, 1, 1], vertical_alignment="bottom")
choice = left.selectbox("Source", pairs, key="map_source", bind="query-params")
source, definition = choice.split(" · ", 1)
daily = middle.toggle("Every day", key="map_daily", bind="query-params", help="Off: month-ends and the latest date.")
compare = right.toggle("Compare two dates", key="map_compare", bind="query-params")
dates = cached.map_dates(rev, source, definition, daily)
links.adopt("date", "map_date", links.one_of(dates))

# Play: advance the date slider one step per second until the last date (set before the slider is drawn).
if st.session_state.get("map_playing") and st.session_state.get("map_date") in dates:
    position = dates.index(st.session_state["map_date"])
    if position + 1 < len(dates):
        st.session_state["map_date"] = dates[position + 1]
    else:
        st.session_state["map_playing"] = False

if st.session_state.get("map_date") not in dates:  # a day that is not a month-end once "Every day" is off
    st.session_state.pop("map_date", None)
default = {} if "map_date" in st.session_state else {"value": dates[-1]}
on = st.select_slider("Date", dates, key="map_date", bind="query-params", **default)
since = None
if compare:
    earlier = dates[: dates.index(on)] or dates[:1]
    links.adopt("from", "map_from", links.one_of(earlier))
    if st.session_state.get("map_from") not in earlier:  # e.g. after a later "Date" or "Every day" off
        st.session_state.pop("map_from", None)
    default = {} if "map_from" in st.session_state else {"value": earlier[-1]}
    since = st.select_slider(
        "Compare with", earlier, key="map_from", bind="query-params",
        help="Gained and lost between this date and the date above.", **default,
    )  # fmt: skip
play, _ = st.columns([1, 5])
if play.button("Stop" if st.session_state.get("map_playing") else "Play", key="map_play"):
    st.session_state["map_playing"] = not st.session_state.get("map_playing")
    if st.session_state["map_playing"] and on == dates[-1]:
        st.session_state["map_date"] = dates[0]
    st.rerun()

figure, note = cached.map_figure(rev, source, definition, on, since)
st.plotly_chart(figure, key="map_chart", theme=None)
st.caption(md(note))
chart_downloads(
    figure, cached.regions_table(rev, source, definition, on, since),
    name=f"map-{on}" + (f"-vs-{since}" if since else ""), key="map_dl",
)  # fmt: skip

if st.session_state.get("map_playing"):
    time.sleep(1.0)
    st.rerun()
