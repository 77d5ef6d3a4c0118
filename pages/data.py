"""Data: filter the stored figures and take them away as CSV, XLSX, JSON or a provenance bundle."""

import datetime as dt
from urllib.parse import urlsplit

import streamlit as st

from metrics.api import api_link
from metrics.display import markdown_text as md
from metrics.export import to_bytes
from metrics.metadata import METRICS, metric_label
from metrics.periods import FREQUENCY_BY_NAME
from metrics.provenance import provenance_bundle
from pages import cached, links

rev = cached.store_revision()
choices = cached.source_choices(rev)
regions = cached.region_names()
batches = cached.batches(rev)
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Options are the words a link carries (a bound widget's URL value is its option's label).
FREQUENCIES = {"as stored": None, **FREQUENCY_BY_NAME}

st.title("Data")
st.caption(
    "Every figure in the store that is current (the latest active batch per key), with its source, definition, "
    "dates and batch. Choose what you need and download it; the provenance bundle adds the sources, "
    "definitions, licences and your query, with a README saying how to cite it."
)

# 1/ the query (every control is in the URL, so a link reproduces it)
left, middle, right = st.columns(3)
sources = left.multiselect("Sources", list(choices), key="data_sources", bind="query-params", placeholder="all")
offered = sorted({d for s in (sources or choices) for d in choices[s]})
definitions = middle.multiselect("Definitions", offered, key="data_definitions", bind="query-params", placeholder="all")
links.adopt_codes("data_metrics", METRICS, many=True)
metrics = right.multiselect(
    "Metrics", list(METRICS), key="data_metrics", bind="query-params", placeholder="all",
    format_func=metric_label,
    help="The table and the files name each metric by its code: "
    + "; ".join(f"{metric_label(m)}: {m}" for m in METRICS),
)  # fmt: skip
left, middle, right = st.columns(3)
region_options = ["all", "whole", *regions]  # words, not "" or "*", so that they read well in a link
region = left.selectbox(
    "Region", region_options, key="data_region", bind="query-params",
    format_func=lambda r: {"all": "all (whole territory and every oblast)", "whole": "whole territory"}.get(
        r, f"{regions.get(r, r)} ({r})"
    ),
)  # fmt: skip
freq = middle.selectbox(
    "Frequency", list(FREQUENCIES), key="data_freq", bind="query-params",
    help="Per period: stocks at the period end, flows summed; net change from reported flows or the change of stocks.",
)  # fmt: skip
batch_ids = right.multiselect(
    "Batches", batches["id"].tolist(), key="data_batches", bind="query-params", placeholder="all active",
    format_func=lambda i: f"{i}: {batches.set_index('id').at[i, 'filename']}",
)  # fmt: skip
left, right = st.columns(2)
start = left.date_input("From", value=None, key="data_from", bind="query-params", min_value=dt.date(2014, 1, 1))
end = right.date_input("To", value=None, key="data_to", bind="query-params", min_value=dt.date(2014, 1, 1))

query = {
    "source": sources, "definition": definitions, "metric": metrics,
    "region": {"all": None, "whole": ""}.get(region, region),
    "freq": FREQUENCIES[freq], "from": f"{start}" if start else None, "to": f"{end}" if end else None,
    "batch": batch_ids,
}  # fmt: skip
rows = cached.data_rows(
    rev, source=sources, definition=definitions, metric=metrics, region=query["region"], freq=query["freq"],
    start=query["from"], end=query["to"], batch=batch_ids,
)  # fmt: skip

# 1b/ the same query from the data API (metrics/api.py), for scripts and newsroom graphics
link = api_link(
    "csv", metrics=metrics, sources=sources, definitions=definitions, region=query["region"], freq=query["freq"],
    start=query["from"], end=query["to"],
)  # fmt: skip
origin = urlsplit(st.context.url or "")
with st.expander("This query from the data API (CSV; .json for JSON)"):
    st.code(f"{origin.scheme}://{origin.netloc}{link}" if origin.netloc else link, language=None)
    if batch_ids:
        st.caption("The API has no batch filter: its answer holds every active batch.")
    st.caption("At most 10,000 rows an answer: follow the Link header (next page) or add limit= and offset=.")

# 2/ what was found, and the downloads
st.subheader(f"{len(rows):,} figures")
if rows.empty:
    st.info("Nothing matches: widen the query (an empty choice means all).")
else:
    st.caption(
        md(
            f"{rows['date'].min():%Y-%m-%d} to {rows['date'].max():%Y-%m-%d}; sources: "
            + "; ".join(
                f"{s} ({d})" for s, d in rows[["source", "definition"]].drop_duplicates().itertuples(index=False)
            )
        )
    )
    stamp = f"{dt.datetime.now(dt.UTC):%Y%m%d}"
    buttons = st.columns(4, width=640)
    formats = [("csv", "CSV", "text/csv"), ("xlsx", "XLSX", XLSX_MIME), ("json", "JSON", "application/json")]
    for column, (fmt, label, mime) in zip(buttons, formats, strict=False):
        column.download_button(
            label, data=lambda fmt=fmt: to_bytes(rows, fmt), file_name=f"territory-figures-{stamp}.{fmt}", mime=mime,
            key=f"data_download_{fmt}", on_click="ignore", width="stretch",
        )  # fmt: skip
    buttons[3].download_button(
        "Provenance bundle (ZIP)", data=lambda: provenance_bundle(rows, query=query),
        file_name=f"territory-figures-{stamp}.zip", mime="application/zip", key="data_download_zip",
        on_click="ignore", width="stretch", help="figures.csv, metadata.json (sources, definitions, licences, "
        "query) and README.md with a citation",
    )  # fmt: skip
    shown = rows.head(2_000).copy()
    if "metric" in shown:  # the code (as in the files) and, next to it, what it is
        shown.insert(shown.columns.get_loc("metric") + 1, "metric_title", shown["metric"].map(metric_label))
    st.dataframe(
        shown, hide_index=True, key="data_table",
        column_config={"metric_title": st.column_config.TextColumn("metric (title, unit)"),
                       "date": st.column_config.DateColumn(format="YYYY-MM-DD"),
                       "period_start": st.column_config.DateColumn(format="YYYY-MM-DD"),
                       "value": st.column_config.NumberColumn(format="%.2f"),
                       "source_url": st.column_config.TextColumn()},  # uploaded: text, not a link
    )  # fmt: skip
    if len(rows) > len(shown):
        st.caption(f"The first {len(shown):,} of {len(rows):,} rows are shown; the downloads hold all of them.")
