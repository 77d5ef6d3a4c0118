"""Report: a period's report (summary, KPIs, charts, map, tables, definitions, sources) as PDF or HTML."""

import streamlit as st

from metrics import images
from metrics.display import markdown_text as md
from metrics.metadata import metric_label
from metrics.report import default_period, report_html, report_pdf
from pages import cached
from pages.chart_view import show_chart

rev = cached.store_revision()
default_start, default_end = default_period(cached.series(rev)["last_date"].max())

st.title("Report")
st.caption(
    "Everything a period's write-up needs, in one file: the summary sentences, the key figures per source, the "
    "monthly net change chart, the map of gains and losses, the regions and sources tables, and the "
    "definitions, methods, sources and licences. Numbers are those of the pages."
)
left, right = st.columns(2)
start = left.date_input("From", value=default_start, key="report_from", bind="query-params")
end = right.date_input("To", value=default_end, key="report_to", bind="query-params")
if start > end:
    st.error("'From' is after 'To': choose a period that ends after it starts.")
    st.stop()

wanted = (rev, start, end)
if (
    st.button("Build the report", type="primary", key="report_build")
    or st.session_state.get("report_built_key") == wanted
):
    if st.session_state.get("report_built_key") != wanted:
        bar = st.progress(0.0, text="Building the report...")
        report = cached.build_report(
            rev, start, end, progress=lambda stage, done: bar.progress(min(done, 1.0), text=f"Building: {stage}")
        )
        bar.progress(0.9, text="Laying out the HTML...")
        st.session_state["report_built_html"] = report_html(report)
        bar.empty()
        st.session_state["report_built_key"] = wanted
        st.session_state["report_built"] = report
    report = st.session_state["report_built"]
    name = f"territorial-control-{start:%Y%m%d}-{end:%Y%m%d}"
    have_browser = images.chromium_path() is not None
    pdf_col, html_col = st.columns(2, width=460)
    pdf_col.download_button(
        "Download PDF", data=lambda: report_pdf(report), file_name=f"{name}.pdf", mime="application/pdf",
        key="report_pdf", on_click="ignore", disabled=not have_browser, type="primary", width="stretch",
        help=images.BROWSER_HINT if not have_browser else "The HTML page printed by Chromium (A4).",
    )  # fmt: skip
    html_col.download_button(
        "Download HTML", data=st.session_state["report_built_html"].encode(), file_name=f"{name}.html",
        mime="text/html",
        key="report_html", on_click="ignore", width="stretch", help="One self-contained page: opens offline.",
    )  # fmt: skip
    st.subheader(f"Summary, {start:%Y-%m-%d} to {end:%Y-%m-%d}")
    for sentence in report.sentences:
        st.markdown(f"- {md(sentence)}")
    st.dataframe(
        report.kpis, hide_index=True, key="report_kpis",
        column_config={
            "area_km2": st.column_config.NumberColumn(metric_label("area_controlled_km2"), format="%,.0f"),
            "area_as_of": st.column_config.DateColumn("area as of", format="YYYY-MM-DD"),
            "share_pct": st.column_config.NumberColumn(metric_label("share_controlled_pct"), format="%.2f"),
            "share_as_of": st.column_config.DateColumn("share as of", format="YYYY-MM-DD"),
            "net_change_km2": st.column_config.NumberColumn(metric_label("net_change_km2"), format="%+,.1f"),
            "net_change_how": st.column_config.TextColumn("net change: how"),
        },
    )  # fmt: skip
    show_chart(report.monthly_chart, key="report_chart")
    if report.change_map is not None:
        show_chart(report.change_map, key="report_map")
    st.caption(md(report.change_note))
else:
    st.info(f"Choose the period (default: {default_start:%B %Y}, the last complete month) and build the report.")
