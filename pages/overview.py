"""Overview: where things stand, per source, with the source, definition and date on every number."""

import datetime as dt

import streamlit as st

from metrics.display import markdown_text as md
from metrics.latest_markdown import LEGEND, MISSING, latest_markdown
from metrics.metadata import denominator_note
from metrics.overview import UPDATE_HOWTO
from metrics.trends import RANGE_PRESETS, preset_range
from pages import cached, links
from pages.chart_view import show_chart
from pages.downloads import chart_downloads

# 0/ selection (from the shared sidebar in app.py)
rev = cached.store_revision()
sources, definitions = st.session_state.get("selection", ((), ()))

st.title("Territory of Ukraine held by Russian forces")
st.caption(
    "Each source counts something different; their figures are shown side by side with their "
    "definitions, never merged. Every number names its source and date."
)
if not sources or not definitions:
    st.info("Choose at least one source and one definition in the sidebar.")
    st.stop()


# 2/ the latest figure per source and definition, one row each, with its freshness
today = dt.date.today()
table = cached.overview_table(rev, sources, definitions, today)
with st.container(key="overview_table"):  # a Markdown table: no grid bundle to load (metrics.latest_markdown)
    st.markdown(latest_markdown(table))
# wider than a phone: the table scrolls sideways in its own box, as a data grid would (the page does not)
st.html("<style>.st-key-overview_table div:has(> table) { overflow-x: auto; }</style>")
months = ", ".join(f"{r.source} ({r.definition}): {r.last_month}" for r in table.itertuples() if r.last_month)
st.caption(f"Columns: {LEGEND} Last full month per series: {md(months)}. {MISSING} : not published by this source. "
           "Net changes as reported where a source reports one, else the stock change.")  # fmt: skip
howto = [text for source, text in UPDATE_HOWTO.items() if source in set(table["source"])]
if howto:
    st.caption("Newer figures: " + "; ".join(howto) + ".")

with st.expander("The latest full month of each series, in words"):  # one element: less for the browser
    st.markdown("\n\n".join(f"**{md(sentence)}**" for sentence in cached.overview_sentences(rev, sources, definitions)))
st.markdown("**The largest monthly gains and losses of the whole war**")
st.markdown("\n".join(f"- {md(sentence)}" for sentence in cached.overview_extremes(rev, sources, definitions)))

# 3/ monthly net change with the share over time
span = cached.figures_span(rev)
preset = st.segmented_control("Range", [*RANGE_PRESETS], default="whole war", required=True, key="overview_range",
                              bind="query-params")  # fmt: skip
start, end = preset_range(preset, *span) if span else (None, None)
chart = cached.overview_chart(rev, sources, definitions, start, end)
# 1,500 px down the page: the chart and its downloads are drawn when the reader scrolls near them
if show_chart(chart, key="overview_chart", when_in_view=True):
    chart_downloads(
        chart,
        lambda: cached.overview_chart_data(rev, sources, definitions),  # made when the CSV is asked for
        name="monthly-net-change-and-share",
        key="overview_dl_chart",
    )

# 4/ map of the oblasts on the latest date
with_regions = cached.sources_with_regions(rev, sources, definitions)
if with_regions:
    # links made before the key carried the page's name (?map_source=...)
    links.adopt("map_source", "overview_map_source", links.one_of(with_regions, lambda p: p.replace("|", " · ")))
    chosen = st.selectbox(
        "Oblast figures from",
        with_regions,
        format_func=lambda pair: pair.replace("|", " · "),
        key="overview_map_source",
        bind="query-params",
    )
    source, definition = chosen.split("|", 1)
    oblast_map = cached.region_map(rev, source, definition)
    if show_chart(oblast_map, key="overview_map", when_in_view=True):
        chart_downloads(
            oblast_map, cached.region_map_data(rev, source, definition), name="oblast-shares-map", key="overview_dl_map"
        )
else:
    st.info("None of the chosen sources has per-oblast figures, so there is no map.")

# 5/ sources and definitions
st.header("Sources and definitions")
st.markdown(  # one element for all of them: each element is work for the reader's browser
    "\n\n".join(
        f"**{md(item['source'])}** · *{md(item['definition'])}*: {md(item['definition_text'])}  \n"
        f"Publisher: {md(item['publisher'])} ({md(item['url'])}).  \n"
        f"Method: {md(item['method'])}  \n"
        f"Licence: {md(item['licence'])}"
        for item in cached.overview_sources(rev, sources, definitions)
    )
)
st.caption(denominator_note())
