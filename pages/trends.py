"""Trends: one metric over time per source and definition, at the frequency, unit and range chosen."""

import datetime as dt

import streamlit as st

from metrics.display import markdown_text as md
from metrics.metadata import metadata, metric_label
from metrics.periods import FREQUENCY_BY_NAME
from metrics.trends import RANGE_PRESETS, preset_range
from pages import cached, links
from pages.cached import AREA_PAGE_METRICS as METRICS  # the front line's metrics: on /front
from pages.chart_view import show_chart
from pages.downloads import chart_downloads

rev = cached.store_revision()
sources, definitions = st.session_state.get("selection", ((), ()))
regions = cached.region_names()
FREQUENCIES = FREQUENCY_BY_NAME  # the names are the URL values
UNITS = {"km²": "km2", "sq mi": "sq_mi"}

st.title("Trends")
if not sources or not definitions:
    st.info("Choose at least one source and one definition in the sidebar.")
    st.stop()

region_options = ["whole territory", *(f"{name} ({code})" for code, name in regions.items())]
# links made before the keys carried the page's name (?metric=...&from=...) still open their view
for old, new, parse in [
    ("metric", "trends_metric", links.one_of(METRICS)), ("region", "trends_region", links.one_of(region_options)),
    ("freq", "trends_freq", links.one_of(FREQUENCIES)), ("unit", "trends_unit", links.one_of(UNITS)),
    ("from", "trends_from", links.as_date), ("to", "trends_to", links.as_date),
    ("rolling", "trends_rolling", links.as_int), ("cumulative", "trends_cumulative", links.as_bool),
]:  # fmt: skip
    links.adopt(old, new, parse)

top = st.columns([2, 2, 1, 1])
links.adopt_codes("trends_metric", METRICS)
metric = top[0].selectbox("Metric", list(METRICS), key="trends_metric", bind="query-params",
                          format_func=metric_label)  # fmt: skip
region = top[1].selectbox("Region", region_options, key="trends_region", bind="query-params")
freq_label = top[2].selectbox("Frequency", list(FREQUENCIES), index=2, key="trends_freq", bind="query-params")
unit_label = top[3].radio("Unit", list(UNITS), key="trends_unit", bind="query-params", horizontal=True,
                          disabled=metadata()["metrics"][metric]["unit"] == "percent")  # fmt: skip
span = cached.figures_span(rev) or (dt.date(2022, 2, 24), dt.date.today())
dated = {"trends_from", "trends_to"} & set(st.query_params) and "trends_range" not in st.query_params  # a link's dates
preset = st.segmented_control("Range", [*RANGE_PRESETS, "custom"], key="trends_range", bind="query-params",
                              default="custom" if dated else "whole war", required=True,
                              help="Up to the latest figure; custom: the From and To dates.")  # fmt: skip
if preset != "custom":  # the dates a preset covers, shown in From and To
    st.session_state["trends_from"], st.session_state["trends_to"] = preset_range(preset, *span)[0], None
elif "trends_from" not in st.session_state and "trends_from" not in st.query_params:
    st.session_state["trends_from"] = span[0]


def _custom() -> None:  # a date set by hand: the range is From .. To
    st.session_state["trends_range"] = "custom"


low = st.columns([1, 1, 1, 1], vertical_alignment="bottom")
start = low[0].date_input("From", value=None, key="trends_from", bind="query-params", on_change=_custom)
end = low[1].date_input("To", value=None, key="trends_to", bind="query-params", on_change=_custom,
                        help="Empty: up to the latest figure.")  # fmt: skip
rolling = low[2].number_input("Rolling mean (periods; 0 = off)", min_value=0, max_value=24, value=0, step=1,
                              key="trends_rolling", bind="query-params")  # fmt: skip
is_flow = metadata()["metrics"][metric]["kind"] == "flow"
cumulative = low[3].toggle("Cumulative", key="trends_cumulative", bind="query-params", disabled=not is_flow,
                           help="Flows only: the running total from the first period shown.")  # fmt: skip

code = "" if region == "whole territory" else region.rsplit("(", 1)[1].rstrip(")")
freq = FREQUENCIES[freq_label]
view = cached.trend_view(
    rev, sources, definitions, metric, freq, code, start, end, UNITS[unit_label], int(rolling),
    bool(cumulative) and is_flow,
)  # fmt: skip
if view.series.empty:
    st.info(
        f"None of the chosen sources has {metadata()['metrics'][metric]['title'].lower()} for "
        f"{region} per {freq_label} in this range. Try another metric, region or frequency."
    )
    st.stop()
for sentence in view.sentences:
    st.markdown(f"**{md(sentence)}**")
show_chart(view.chart, key="trends_chart")
chart_downloads(view.chart, view.series, name=f"trend-{metric}-{code or 'UKR'}-{freq_label}", key="trends_dl")
st.dataframe(
    view.series.drop(columns=["source", "definition"]), hide_index=True, key="trends_table",
    column_config={"date": st.column_config.DateColumn("period end", format="YYYY-MM-DD"),
                   "period_start": st.column_config.DateColumn("period start", format="YYYY-MM-DD"),
                   "as_of": st.column_config.DateColumn("as of", format="YYYY-MM-DD"),
                   "value": st.column_config.NumberColumn(format="%.2f")},
    placeholder="–",
)  # fmt: skip
st.caption(
    "Empty cells are periods without a figure: drawn as gaps, never as zero. Stocks are the last figure in each "
    "period; net change is the reported flow where a source reports one, else the change of its period-end area."
)
