"""Map: pan and zoom from the whole country to a village, offline (a MapLibre map with our own layers,
no tiles, no fonts from elsewhere): settlements coloured by who holds them on a date per the chosen
source, their names by size as you zoom, the held area and the front line where the store holds
polygons, and the changes between two dates.

Play and Pause are the map's own (plotly animation frames, ``geodata.webmap_timeline``): the
month-ends step in the browser with no server round trip and keep the reader's own pan and zoom. The
date slider above the map sets the date of the page (its link, its downloads, the held area and the
comparison: a fragment, so only the date, the map and its downloads rerun; the dates either side are
drawn ahead, so one step of that slider finds its map ready). Streamlit does not report a reader's own
pan and zoom back to Python, and it draws a new chart when the figure changes (the chart's id hashes
the figure), so the view the controls set (the whole country, the changes, or a place and its zoom
level) is what a new date from that slider keeps, and what the URL holds."""

import streamlit as st

from geodata.webmap import LAYERS, View
from metrics import images
from metrics.display import markdown_text as md
from pages import cached, links

LAYER_NAMES = {"settlements": "Settlements", "labels": "Names", "held": "Held area", "front": "Front line",
               "shares": "Oblast shares", "cities": "Watched cities"}  # fmt: skip
VIEWS = ["Ukraine", "The changes", "A place"]

rev = cached.store_revision()
pairs = cached.regional_sources(rev)

st.title("Map")
st.caption(
    "Who holds each settlement (GeoNames places of 500+ people) on the date chosen, per the source's polygons; "
    "where the store holds the polygons themselves, the held area and the front line. Zoom with the wheel, a "
    "pinch or the buttons; ▶ Play under the map steps through the month-ends in your browser, keeping your "
    "zoom. A date from the slider above the map goes back to the view set below (the whole country, the "
    "changes, or a place and its zoom level), which the page's link keeps; compare two dates to see what "
    "changed hands."
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
layers = st.pills(
    "Layers", list(LAYER_NAMES), format_func=LAYER_NAMES.get, selection_mode="multi",
    default=[name for name, on in LAYERS.items() if on], key="map_layers", bind="query-params",
)  # fmt: skip
where, place_box, zoom_box = st.columns([2, 2, 2], vertical_alignment="bottom")
view_mode = where.segmented_control(
    "View", VIEWS, default=VIEWS[0], key="map_view", bind="query-params",
    help="“The changes” fits the map to what changed between the two dates.",
)  # fmt: skip


def _to_place() -> None:
    """Typing a place zooms to it."""
    if st.session_state.get("map_place"):
        st.session_state["map_view"] = "A place"


place = place_box.text_input("Zoom to a place", key="map_place", bind="query-params", on_change=_to_place,
                             placeholder="e.g. Pokrovsk, Покровськ, Krasnoarmeysk")  # fmt: skip
zoom = zoom_box.select_slider("Zoom level on the place", list(range(6, 15)), value=11, key="map_zoom",
                              bind="query-params")  # fmt: skip
view, place_line = None, ""
if view_mode == "A place" and place:
    view, place_line = cached.map_place(place, float(zoom))
    if view is None:
        st.warning(place_line)
dates = cached.map_dates(rev, source, definition, daily)
links.adopt("date", "map_date", links.one_of(dates))
if st.session_state.get("map_date") not in dates:  # a day that is not a month-end once "Every day" is off
    st.session_state.pop("map_date", None)


@st.fragment
def timeline() -> None:
    """The date, the map and its downloads: a new date reruns only this."""
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
    fit = compare and view_mode == "The changes"
    shown = cached.map_figure(rev, source, definition, on, since, tuple(layers), view, fit)
    st.plotly_chart(shown.figure, key="map_chart", theme=None, config={"displaylogo": False})
    st.caption(md(" ".join(part for part in (place_line if view else "", shown.note) if part)))
    if compare and view_mode == "The changes" and shown.bounds is None:
        st.caption("Nothing changed hands between the two dates, so the view stays on the whole country.")
    if compare and not shown.moved.empty:
        with st.expander(f"Settlements that changed hands ({len(shown.moved)})", expanded=len(shown.moved) <= 12):
            st.dataframe(
                shown.moved[["change", "name", "name_uk", "oblast", "population", "date"]],
                hide_index=True, width="stretch",
                column_config={"date": st.column_config.DateColumn("changed by", format="YYYY-MM-DD"),
                               "population": st.column_config.NumberColumn("population (GeoNames)", format="%d")},
            )  # fmt: skip
    _downloads(shown, f"map-{on}" + (f"-vs-{since}" if since else ""))
    if since is None:  # the dates either side, drawn ahead (0.3 s each, once): a step of the slider is a cache hit
        at = dates.index(on)
        for near in dates[max(at - 1, 0) : at + 2]:
            if near != on:
                cached.map_drawn_ahead(rev, source, definition, near, tuple(layers), view)


def _downloads(shown: object, name: str) -> None:
    """PNG (2x), SVG and PDF of the view the controls set, with a scale bar; the interactive map as an
    HTML page that opens offline; the view's settlements as CSV."""
    view_now: View = shown.view  # type: ignore[attr-defined]
    fig = shown.figure  # type: ignore[attr-defined]
    have_browser = images.chromium_path() is not None
    buttons = [(fmt, (lambda fmt=fmt: images.image_bytes(cached.map_export(fig, view_now, images.EXPORT_WIDTH), fmt)),
                fmt.upper()) for fmt in images.IMAGE_FORMATS]  # fmt: skip
    buttons.append(("html", lambda: images.html_bytes(shown.html_figure(), title=name), "HTML"))
    buttons.append(("csv", lambda: images.chart_csv(shown.table), "Data (CSV)"))  # type: ignore[attr-defined]
    columns = st.columns(len(buttons), gap="small", width=110 * len(buttons))
    for column, (fmt, make, label) in zip(columns, buttons, strict=True):
        image = fmt in images.IMAGE_FORMATS
        column.download_button(label, data=make, file_name=f"{name}.{fmt}", mime=images.MIME_TYPES[fmt],
                               key=f"map_dl_{fmt}", on_click="ignore", disabled=image and not have_browser,
                               help=images.BROWSER_HINT if image and not have_browser else f"Download as {label}",
                               width="stretch")  # fmt: skip


timeline()
