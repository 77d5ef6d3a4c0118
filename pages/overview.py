"""Overview: where things stand, per source, with the source, definition and date on every number."""

import streamlit as st

from metrics.display import markdown_text as md
from metrics.metadata import denominator_note
from pages import cached, links
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

# 1/ data
data = cached.overview(rev, sources, definitions)

for sentence in cached.overview_sentences(rev, sources, definitions):
    st.markdown(f"**{md(sentence)}**")

# 2/ KPI cards, one row per source and definition
for group in data.kpis:
    with st.container(border=True, key=f"overview_kpis_{group.source}_{group.definition}"):
        st.subheader(md(f"{group.source} · {group.definition}"))
        st.caption(md(group.definition_text))
        cards = (group.area, group.share, group.last_month, group.last_30_days)
        for column, kpi in zip(st.columns(4), cards, strict=True):
            column.metric(md(kpi.label), kpi.text, help=md(f"{group.source} ({group.definition}): {kpi.note}"))
            column.caption(md(f"{kpi.as_of} · {kpi.note}" if kpi.as_of else kpi.note))

# 3/ monthly net change with the share over time
chart = cached.overview_chart(rev, sources, definitions)
st.plotly_chart(chart, key="overview_chart", theme=None)
chart_downloads(
    chart, cached.overview_chart_data(rev, sources, definitions), name="monthly-net-change-and-share",
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
    st.plotly_chart(oblast_map, key="overview_map", theme=None)
    chart_downloads(
        oblast_map, cached.region_map_data(rev, source, definition), name="oblast-shares-map", key="overview_dl_map"
    )
else:
    st.info("None of the chosen sources has per-oblast figures, so there is no map.")

# 5/ sources and definitions
st.header("Sources and definitions")
for item in data.sources:
    st.markdown(
        f"**{md(item['source'])}** · *{md(item['definition'])}*: {md(item['definition_text'])}  \n"
        f"Publisher: {md(item['publisher'])} ({md(item['url'])}).  \n"
        f"Method: {md(item['method'])}  \n"
        f"Licence: {md(item['licence'])}"
    )
st.caption(denominator_note())
