"""Sources: one metric from several sources and definitions side by side, the spread between them, and
the checks of each source's figures against its own areas. Every control is in the URL."""

import streamlit as st

from metrics.display import markdown_text as md
from metrics.events import between
from metrics.metadata import denominator_note, metadata
from metrics.periods import FREQUENCY_NAMES
from metrics.source_checks import TOLERANCE_KM2, TOLERANCE_PP, TOLERANCE_SHARE, denominators
from metrics.trends import RANGE_PRESETS, preset_range
from pages import cached, links
from pages.cached import AREA_PAGE_METRICS as METRICS  # the front line's metrics: on /front
from pages.chart_view import show_chart
from pages.downloads import chart_downloads

DASH = "–"  # a value a source does not have
DAY = "YYYY-MM-DD"

# 0/ selection (the shared sidebar in app.py) and the page's own controls
rev = cached.store_revision()
sources, definitions = st.session_state.get("selection", ((), ()))

st.title("Sources side by side")
st.caption(
    "The same metric from each chosen source and definition, per period, with the spread between them "
    "shaded. Sources count different things (see the definitions): a spread is a difference of definitions, "
    "not an error. Below, each source's own figures are checked against each other."
)
span = cached.figures_span(rev)
if not sources or not definitions:
    st.info("Choose at least one source and one definition in the sidebar.")
    st.stop()
if span is None:
    st.info("The store holds no figures yet: add some on the Upload page.")
    st.stop()
first, last = span
meta = metadata()["metrics"]

for old, new, parse in [("metric", "sources_metric", links.one_of(METRICS, lambda m: meta[m]["title"])),
                        ("freq", "sources_freq", links.one_of(list(FREQUENCY_NAMES), FREQUENCY_NAMES.get)),
                        ("from", "sources_from", links.date_within(first, last)),
                        ("to", "sources_to", links.date_within(first, last))]:  # fmt: skip
    links.adopt(old, new, parse)  # links made before the keys carried the page's name
metric_col, freq_col, from_col, to_col = st.columns([3, 4, 2, 2], vertical_alignment="bottom")
metric = metric_col.selectbox(
    "Metric",
    METRICS,
    index=METRICS.index("net_change_km2"),
    format_func=lambda m: meta[m]["title"],
    key="sources_metric",
    bind="query-params",
)
freq = freq_col.segmented_control(
    "Per",
    list(FREQUENCY_NAMES),
    default="M",
    format_func=FREQUENCY_NAMES.get,
    required=True,
    key="sources_freq",
    bind="query-params",
)
dated = {"sources_from", "sources_to"} & set(st.query_params) and "sources_range" not in st.query_params  # a link's
preset = st.segmented_control("Range", [*RANGE_PRESETS, "custom"], key="sources_range", bind="query-params",
                              default="custom" if dated else "whole war", required=True,
                              help="Up to the latest figure; custom: the From and To dates.")  # fmt: skip
if preset != "custom":  # the dates a preset covers, shown in From and To
    st.session_state["sources_from"], st.session_state["sources_to"] = preset_range(preset, first, last)
for key, day in (("sources_from", first), ("sources_to", last)):
    if key not in st.session_state and key not in st.query_params:
        st.session_state[key] = day


def _custom() -> None:  # a date set by hand: the range is From .. To
    st.session_state["sources_range"] = "custom"


start = from_col.date_input(
    "From",
    value=None,
    min_value=first,
    max_value=last,
    format="YYYY-MM-DD",
    key="sources_from",
    bind="query-params",
    on_change=_custom,
)
end = to_col.date_input(
    "To",
    value=None,
    min_value=first,
    max_value=last,
    format="YYYY-MM-DD",
    key="sources_to",
    bind="query-params",
    on_change=_custom,
)
start, end = start or first, end or last
if start > end:
    st.error(f"'From' ({start:%Y-%m-%d}) is after 'To' ({end:%Y-%m-%d}): choose a From date before the To date.")
    st.stop()
period = FREQUENCY_NAMES[freq]

# 1/ the comparison: chart with the spread shaded, then the table
view = cached.sources_view(rev, sources, definitions, metric, freq, start, end)
if view.series.empty:
    st.info(
        f"None of the chosen sources has {meta[metric]['title'].lower()} for a whole {period} between "
        f"{start:%Y-%m-%d} and {end:%Y-%m-%d}. Try another metric, a longer period or a wider range."
    )
else:
    chart = cached.sources_chart(rev, sources, definitions, metric, freq, start, end)
    show_chart(chart, key="sources_chart")
    chart_downloads(chart, view.series, name=f"sources-{metric}-per-{period}", key="sources_dl")
for note in view.notes:
    st.caption(md(note))

unit = "%" if meta[metric]["unit"] == "percent" else "km²"
if meta[metric]["kind"] == "flow":
    number = "%+,.1f"
    how = (
        f"Flows are whole {period}s only: reported where the source reports them, else the change of its "
        f"{period}-end area stocks."
    )
else:
    number = "%.2f %%" if unit == "%" else "%,.0f"
    how = f"Stocks are the last figure on or before the end of each {period}."
st.subheader(f"Per {period}, newest first")
st.caption(
    f"One column per source · definition, in {unit}; 'spread' is the highest minus the lowest where two or "
    f"more have a value; {DASH} where a source has no figure. {how}"
)
st.dataframe(
    view.table,
    hide_index=True,
    key="sources_table",
    placeholder=DASH,
    column_config={
        "period": st.column_config.TextColumn(period.capitalize()),
        **{label: st.column_config.NumberColumn(label, format=number) for label in view.table.columns[1:-1]},
        "spread": st.column_config.NumberColumn(
            "Spread", format="%.2f pp" if unit == "%" else "%,.1f", help="Highest minus lowest value in the period"
        ),
    },
)

# 2/ consistency checks, each with the difference
official, mapped = denominators()
st.header("Consistency checks")
st.caption(
    "Each source's figures against its own areas. Where a source publishes no area the check cannot be made; "
    "the other chosen sources' figures then stand beside it for comparison (they count something else, so a "
    "difference there is not a contradiction)."
)

st.subheader("Share against area / denominator")
st.caption(
    f"The last share of each {period} against the same source's area on the same date divided by "
    f"{official:,.0f} km² (official area) and by {mapped:,.0f} km² (as mapped). Agreement: within "
    f"{TOLERANCE_PP} percentage points (pp)."
)
if view.shares.empty:
    st.info(f"None of the chosen sources reports a share between {start:%Y-%m-%d} and {end:%Y-%m-%d}.")
else:
    for sentence in view.share_summary:
        (st.warning if "cannot check" in sentence else st.success)(md(sentence))
    st.dataframe(
        view.shares,
        hide_index=True,
        key="sources_share_checks",
        placeholder=DASH,
        column_order=[
            "date", "source", "definition", "reported_pct", "origin", "area_from", "area_date", "area_km2",
            "official_pct", "diff_official_pp", "mapped_pct", "diff_mapped_pp", "verdict",
        ],
        column_config={
            "date": st.column_config.DateColumn("Date", format=DAY),
            "source": "Source", "definition": "Definition", "origin": "Share is", "area_from": "Area of",
            "reported_pct": st.column_config.NumberColumn("Share, %", format="%.3f"),
            "area_date": st.column_config.DateColumn("Area on", format=DAY),
            "area_km2": st.column_config.NumberColumn("Area, km²", format="%,.1f"),
            "official_pct": st.column_config.NumberColumn(f"Area / {official:,.0f}, %", format="%.3f"),
            "diff_official_pp": st.column_config.NumberColumn("Difference, pp", format="%+.3f"),
            "mapped_pct": st.column_config.NumberColumn(f"Area / {mapped:,.0f}, %", format="%.3f"),
            "diff_mapped_pp": st.column_config.NumberColumn("Difference (as mapped), pp", format="%+.3f"),
            "verdict": st.column_config.TextColumn("Outcome", width="large"),
        },
    )  # fmt: skip

st.subheader("Reported flows against the change of stocks")
st.caption(
    "Each reported net change against the change of the same source's area stocks from the day before its "
    f"period to its last day. Agreement: within {TOLERANCE_KM2:g} km² or {TOLERANCE_SHARE:.1%} of the reported "
    "figure, whichever is larger."
)
if view.flows.empty:
    st.info(
        f"None of the chosen sources reports a net change (a flow) ending between {start:%Y-%m-%d} and "
        f"{end:%Y-%m-%d}: the changes above are computed from stocks, so there is nothing to check them against."
    )
else:
    for sentence in view.flow_summary:
        (st.warning if "cannot check" in sentence else st.success)(md(sentence))
    st.dataframe(
        view.flows,
        hide_index=True,
        key="sources_flow_checks",
        placeholder=DASH,
        column_order=[
            "period", "source", "definition", "reported_km2", "stocks_from", "start_observed", "end_observed",
            "stock_change_km2", "difference_km2", "verdict",
        ],
        column_config={
            "period": "Period", "source": "Source", "definition": "Definition", "stocks_from": "Stocks of",
            "reported_km2": st.column_config.NumberColumn("Reported, km²", format="%+,.1f"),
            "start_observed": st.column_config.DateColumn("Stock before", format=DAY),
            "end_observed": st.column_config.DateColumn("Stock at end", format=DAY),
            "stock_change_km2": st.column_config.NumberColumn("Change of stocks, km²", format="%+,.1f"),
            "difference_km2": st.column_config.NumberColumn("Difference, km²", format="%+,.1f"),
            "verdict": st.column_config.TextColumn("Outcome", width="large"),
        },
    )  # fmt: skip

# 3/ published series beside the computed series they should match; the marked figures
st.subheader("Published beside computed")
st.caption(
    "Each published series (or derived one) beside the computed series it should match, per month where both "
    "have a value, as stored: nothing is corrected. The difference is published minus computed; the reason is "
    "the known difference of method, where there is one."
)
beside = cached.beside_checks(rev)
beside = beside[beside["reported"].isin({f"{s} · {d}" for s in sources for d in definitions})]
if beside.empty:
    st.info("None of the chosen sources has a published series with a computed one to stand beside it.")
for (reported, computed), rows in beside.groupby(["reported", "computed"], sort=False):
    close = int((rows["difference"].abs() <= 1).sum())
    median, ratio = rows["difference"].median(), rows["ratio_pct"].median()
    with st.expander(f"{reported} beside {computed}: {len(rows)} months, {close} within 1 km², median "
                     f"difference {median:+,.1f} km² ({ratio:+.2f} %)"):  # fmt: skip
        st.caption(rows["why"].iloc[0])
        st.dataframe(
            rows.drop(columns=["reported", "computed", "why"]), hide_index=True, key=f"sources_beside_{reported}",
            column_config={
                "reported_value": st.column_config.NumberColumn("Published", format="%+,.1f"),
                "computed_value": st.column_config.NumberColumn("Computed", format="%+,.1f"),
                "difference": st.column_config.NumberColumn("Difference", format="%+,.2f"),
                "ratio_pct": st.column_config.NumberColumn("Difference, %", format="%+.2f"),
            },
        )  # fmt: skip

marks = cached.quality_marks(rev)
marks = marks[marks["source"].isin(sources) & marks["definition"].isin(definitions)]
st.subheader(f"Glitches and series breaks ({len(marks)})")
st.caption(
    "Figures marked as a glitch are left out of the charts and of every change; at a series break no change is "
    "computed across the date (the charts draw a red dashed line). Each with the rule that found it."
)
st.dataframe(marks, hide_index=True, key="sources_marks", placeholder=DASH,
             column_config={"value": st.column_config.NumberColumn("Value as stored", format="%,.1f"),
                            "reason": st.column_config.TextColumn("Reason", width="large")})  # fmt: skip

# 4/ the events drawn on the chart
shown_events = between(cached.events(rev), start, end)
with st.expander(f"Events on the chart ({len(shown_events)})"):
    if shown_events.empty:
        st.caption("No events in this range. Events are uploaded on the Upload page.")
    else:
        st.dataframe(
            shown_events,
            hide_index=True,
            key="sources_events",
            placeholder="",
            column_order=["date", "label", "source", "url", "notes"],
            column_config={
                "date": st.column_config.DateColumn("Date", format=DAY),
                "label": st.column_config.TextColumn("Event", width="large"),
                "source": "Source",
                "notes": "Notes",
                "url": st.column_config.TextColumn("Link"),  # as text: uploaded, never a live link
            },
        )
st.caption(denominator_note())
