"""A provenance bundle: the exported figures with what a reader needs to trust and cite them.

One ZIP with three parts: ``figures.csv`` (the rows, as ``python -m metrics export`` writes them),
``metadata.json`` (sources, definitions, licences, metrics and units, denominators, the query that
selected the rows) and ``README.md`` (what is inside and how to cite it).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile
from collections.abc import Mapping

import pandas as pd

from metrics.display import markdown_text as md
from metrics.export import to_bytes
from metrics.metadata import definition_text, metadata, source_info

__all__ = ["BUNDLE_FILES", "provenance_bundle", "provenance_metadata"]

BUNDLE_FILES = ("figures.csv", "metadata.json", "README.md")
_COLUMNS = {
    "date": "as-of date of a stock; last day of the period of a flow (YYYY-MM-DD)",
    "period_start": "first day of a flow's period; equals date for a stock",
    "territory": "ISO 3166-1 alpha-3 of the country measured",
    "region": "ISO 3166-2 code of the region; empty for the whole territory",
    "actor": "who holds or takes the territory (ISO alpha-2)",
    "metric": "what the value measures (see metrics)",
    "value": "the figure, in the metric's unit",
    "source": "who published it",
    "definition": "what the source counts (see definitions)",
    "source_url": "where it was published",
    "published": "publication date, where known",
    "notes": "provenance notes",
    "batch_id": "the upload (batch) the figure came from in the dashboard's store",
    "derived": "true where the dashboard computed the figure (from polygons or other figures)",
}


def provenance_metadata(
    rows: pd.DataFrame, *, query: Mapping[str, object], generated_at: dt.datetime | None = None
) -> dict[str, object]:
    """What ``metadata.json`` holds for these exported rows (see the module)."""
    meta = metadata()
    generated = generated_at or dt.datetime.now(dt.UTC)
    pairs = rows[["source", "definition"]].drop_duplicates().sort_values(["source", "definition"])
    sources = []
    for source, group in pairs.groupby("source", sort=True):
        info = source_info(source)
        sources.append({"source": source, **info, "definitions": sorted(group["definition"])})
    definitions = {d: definition_text(d) for d in sorted(pairs["definition"].unique())}
    metrics = {m: meta["metrics"][m] for m in sorted(rows["metric"].unique()) if m in meta["metrics"]}
    territories = {
        t: {k: v for k, v in meta["territories"][t].items()}
        for t in sorted(rows["territory"].unique())
        if t in meta["territories"]
    }
    dates = pd.to_datetime(rows["date"]) if len(rows) else pd.Series(dtype="datetime64[ns]")
    return {
        "generated_at": generated.isoformat(timespec="seconds"),
        "query": dict(query),
        "rows": len(rows),
        "first_date": f"{dates.min():%Y-%m-%d}" if len(rows) else None,
        "last_date": f"{dates.max():%Y-%m-%d}" if len(rows) else None,
        "batches": sorted(int(b) for b in rows["batch_id"].dropna().unique()) if "batch_id" in rows else [],
        "columns": _COLUMNS,
        "sources": sources,
        "definitions": definitions,
        "metrics": metrics,
        "territories": territories,
        "conventions": {
            "areas": "computed only in an equal-area CRS (Lambert azimuthal equal-area, 48.5N 31.5E)",
            "shares": "area / the territory's official area unless a figure's notes say otherwise",
            "DeepStateMap dates": "the archive file of day D shows the map as of the end of day D-1; figures are "
            "dated D-1",
        },
    }


def _readme(info: Mapping[str, object]) -> str:
    query = info["query"]
    assert isinstance(query, Mapping)
    # stored and queried text is Markdown-escaped (metrics.display): a source named [x](url) is no link
    chosen = md("; ".join(f"{k} = {v}" for k, v in query.items() if v not in (None, "", [], ()))) or "all figures"
    lines = [
        "# Territorial control: exported figures",
        "",
        f"Exported {info['generated_at']} from the territorial-control dashboard: {info['rows']} figures"
        + (f", {info['first_date']} to {info['last_date']}." if info["rows"] else "."),
        "",
        f"Query: {chosen}.",
        "",
        "## Files",
        "- `figures.csv`: one figure a row (columns described in `metadata.json`, `columns`).",
        "- `metadata.json`: sources, definitions, licences, metrics and units, denominators, the query.",
        "- `README.md`: this file.",
        "",
        "## Sources and licences",
    ]
    for item in info["sources"]:  # type: ignore[attr-defined]
        lines.append(
            f"- **{md(item['source'])}** ({md(', '.join(item['definitions']))}): {md(item['publisher'])} "
            f"{md(item['url'])}. Licence: {md(item['licence'] or 'as published by the source')}"
        )
    lines += ["", "## Definitions"]
    lines += [f"- **{md(name)}**: {md(text)}" for name, text in info["definitions"].items()]  # type: ignore[attr-defined]
    names = md(", ".join(item["source"] for item in info["sources"]))  # type: ignore[attr-defined]
    lines += [
        "",
        "## How to cite",
        f"Cite the original sources ({names or 'see above'}) with their definitions, and the export: "
        f'"Territorial-control dashboard, figures exported {str(info["generated_at"])[:10]} ({chosen})." '
        "Sources that count different things are never merged: keep the source and definition with every number.",
        "",
    ]
    return "\n".join(lines)


def provenance_bundle(
    rows: pd.DataFrame, *, query: Mapping[str, object], generated_at: dt.datetime | None = None
) -> bytes:
    """The ZIP bundle of exported ``rows`` (from ``metrics.export.export_figures``)."""
    info = provenance_metadata(rows, query=query, generated_at=generated_at)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("figures.csv", to_bytes(rows, "csv"))
        bundle.writestr("metadata.json", json.dumps(info, ensure_ascii=False, indent=1, default=str) + "\n")
        bundle.writestr("README.md", _readme(info))
    return buffer.getvalue()
