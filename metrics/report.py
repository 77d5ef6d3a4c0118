"""A period's report, as a self-contained HTML page or a PDF: the summary sentences, the KPI table per
source, the monthly net change chart, the map of gains and losses over the period, the regions
table, the sources comparison table, the definitions and methods, and the sources and licences.

Every number comes from the same pipelines as the pages. Charts are embedded as SVG drawn by the
warm export server (``metrics.images``), so the HTML needs no script and opens offline, and the PDF
is that same page printed by the local Chromium.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import plotly.graph_objects as go
from sqlalchemy import Engine

from metrics import images
from metrics import overview as ov
from metrics.charts import monthly_net_change_chart
from metrics.metadata import metadata, official_area_km2
from metrics.periods import period_name
from metrics.store import read_figures
from metrics.summary import flow_clause

__all__ = [
    "FORMATS", "NO_MAP_NOTE", "ChangeMap", "Report", "build_report", "default_period", "kpi_table", "period_sentences",
    "regions_table", "report_html", "report_pdf", "sources_table", "write_report",
]  # fmt: skip

FORMATS = ("html", "pdf")
Progress = Callable[[str, float], None]
#: Draws the map of a period from the regions table: ``(regions, start, end) -> (figure or None, note)``.
#: The callers pass it in (``geodata.maps.period_change_map`` bound to the store), so that ``metrics``
#: never imports ``geodata``.
ChangeMap = Callable[[pd.DataFrame, pd.Timestamp, pd.Timestamp], tuple[go.Figure | None, str]]
NO_MAP_NOTE = "No map of the period was drawn (no map function was given)."


@dataclass
class Report:
    """What a report shows, computed once; ``report_html``/``report_pdf`` lay it out."""

    start: pd.Timestamp
    end: pd.Timestamp
    generated_at: dt.datetime
    sentences: list[str]
    kpis: pd.DataFrame  # one row per source and definition
    monthly: pd.DataFrame  # whole-territory net change per complete month (metrics.overview.complete_months)
    monthly_chart: go.Figure
    change_map: go.Figure | None
    change_note: str
    regions: pd.DataFrame
    regions_note: str
    sources_table: pd.DataFrame
    sources: list[dict[str, str]] = field(default_factory=list)  # source, definition, texts, licence...


def default_period(last_date: pd.Timestamp) -> tuple[dt.date, dt.date]:
    """The last complete month on or before ``last_date`` (the newest figure's date)."""
    last = pd.Timestamp(last_date).normalize()
    month_end = last + pd.offsets.MonthEnd(0)
    if last != month_end:
        month_end = last - pd.offsets.MonthEnd(1)
    return (month_end - pd.offsets.MonthBegin(1)).date(), month_end.date()


def _period_months(monthly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """The complete months that lie within [start, end]."""
    inside = (monthly["period_start"] >= start) & (monthly["date"] <= end) & monthly["complete"].astype(bool)
    return monthly[inside]


def kpi_table(whole: pd.DataFrame, monthly: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Per source and definition: area and share held at the end of the period (the Overview's KPIs on
    or before it) and the net change over the period's complete months (reported flows where the source
    reports them, else the change of its month-end stocks)."""
    rows = []
    for (source, definition), figures in whole.groupby(["source", "definition"], sort=True):
        area, share = ov.area_kpi(figures, on=end), ov.share_kpi(figures, on=end)
        months = _period_months(
            monthly[(monthly["source"] == source) & (monthly["definition"] == definition)], start, end
        )
        rows.append({
            "source": source, "definition": definition, "area_km2": area.value, "area_as_of": area.date,
            "share_pct": share.value, "share_as_of": share.date,
            "net_change_km2": float(months["value"].sum()) if len(months) else None,
            "months": ", ".join(period_name(d, "M") for d in months["period_start"]),
            "net_change_how": ov.net_change_how(months) if len(months) else "",
        })  # fmt: skip
    return pd.DataFrame(rows)


def period_sentences(kpis: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> list[str]:
    """One sentence per source from the KPI table (so the text and the table cannot disagree)."""
    one_month = start.day == 1 and end == start + pd.offsets.MonthEnd(0)
    period = period_name(end, "M") if one_month else f"{start:%Y-%m-%d} to {end:%Y-%m-%d}"
    sentences = []
    for row in kpis.itertuples(index=False):
        parts = []
        if row.net_change_km2 is not None and not pd.isna(row.net_change_km2):
            parts.append(f"{flow_clause(row.net_change_km2, 'km²')} net ({row.net_change_how})")
        if row.share_pct is not None and not pd.isna(row.share_pct):
            parts.append(f"they held {row.share_pct:.2f} % of Ukraine on {row.share_as_of}")
        elif row.area_km2 is not None and not pd.isna(row.area_km2):
            parts.append(f"they held {row.area_km2:,.0f} km² on {row.area_as_of}")
        if parts:
            sentences.append(f"In {period}, per {row.source} ({row.definition}), " + "; ".join(parts) + ".")
        else:
            sentences.append(f"{row.source} ({row.definition}) has no figure for {period}.")
    return sentences


def regions_table(figures: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> tuple[pd.DataFrame, str]:
    """Per oblast, for each source with per-region figures: area and share held at the end of the period
    (latest on or before it) and their change since the day before it started (``metrics.regions``)."""
    from metrics.regions import regional_sources, regions_on

    pairs = regional_sources(figures)
    if not pairs:
        return pd.DataFrame(), "No source in the store has per-oblast figures."
    before = start - pd.Timedelta(days=1)
    parts, notes = [], []
    for source, definition in pairs:
        table = regions_on(figures, source, definition, end, since=before).dropna(subset=["area_km2"])
        if table.empty:
            continue
        since = table["since"].max()
        notes.append(f"{source} ({definition}): {table['as_of'].max():%Y-%m-%d} against "
                     + (f"{since:%Y-%m-%d}" if pd.notna(since) else "no earlier figure"))  # fmt: skip
        parts.append(table.assign(source=source)[["source", "region", "oblast", "area_km2", "share_pct",
                                                   "change_km2", "change_pp"]])  # fmt: skip
    if not parts:
        return pd.DataFrame(), "No source has per-oblast figures on or before the end of the period."
    note = "Per oblast: area held at the end of the period and its change over the period. " + "; ".join(notes)
    return pd.concat(parts, ignore_index=True), note


def sources_table(whole: pd.DataFrame, start: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Month by month over the period, the net change per source and definition side by side, with the
    spread between them (``metrics.sources``, as on the Sources page)."""
    from metrics.sources import compare_series, comparison_table, spread_band

    series = compare_series(whole, "net_change_km2", "M", start=start, end=end)
    series = series[series["first_day"] >= start] if len(series) else series
    return comparison_table(series, spread_band(series)).rename(
        columns=lambda c: c if c in ("period",) else f"{c} net change_km2" if c != "spread" else "spread_km2"
    )


def build_report(
    engine: Engine,
    start: dt.date | pd.Timestamp | str,
    end: dt.date | pd.Timestamp | str,
    *,
    sources: list[str] | None = None,
    progress: Progress | None = None,
    generated_at: dt.datetime | None = None,
    change_map: ChangeMap | None = None,
) -> Report:
    """Compute the report of ``start`` to ``end`` (inclusive) from the store's current figures;
    ``change_map`` draws the map of gains and losses (without it the report has no map, and says so)."""
    step = progress or (lambda _stage, _done: None)
    start, end = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if start > end:
        raise ValueError(f"--from {start:%Y-%m-%d} is after --to {end:%Y-%m-%d}")
    step("reading the figures", 0.05)
    figures = read_figures(engine, sources=sources)
    if figures.empty:
        raise ValueError("the store holds no figures; run `python -m metrics init` or import some")
    whole = ov.whole_territory(figures)
    monthly = ov.complete_months(whole)
    step("the KPI table and the summary", 0.2)
    kpis = kpi_table(whole, monthly, start, end)
    step("the monthly chart", 0.35)
    window = monthly[(monthly["date"] <= end) & (monthly["period_start"] >= end - pd.DateOffset(months=24))]
    shares = whole[(whole["metric"] == "share_controlled_pct") & (whole["date"] <= end)]
    shares = shares[shares["date"] >= end - pd.DateOffset(months=24)]
    chart = monthly_net_change_chart(window, shares)
    step("the regions table and the map of gains and losses", 0.5)
    regions, regions_note = regions_table(figures, start, end)
    period_map, change_note = change_map(regions, start, end) if change_map else (None, NO_MAP_NOTE)
    step("the sources table", 0.7)
    comparison = sources_table(whole, start, end)
    return Report(
        start=start, end=end, generated_at=generated_at or dt.datetime.now(dt.UTC),
        sentences=period_sentences(kpis, start, end), kpis=kpis, monthly=monthly, monthly_chart=chart,
        change_map=period_map, change_note=change_note, regions=regions, regions_note=regions_note,
        sources_table=comparison,
        sources=[ov.described(s, d) for s, d in kpis[["source", "definition"]].itertuples(index=False)],
    )  # fmt: skip


# -- layout --------------------------------------------------------------------------------------

_CSS = """
@page { size: A4; margin: 14mm 12mm; }
body { font-family: Helvetica, Arial, sans-serif; color: #222; font-size: 10.5pt; line-height: 1.4; max-width: 1100px;
       margin: 0 auto; padding: 0 12px; }
h1 { font-size: 20pt; margin: 0 0 4px; } h2 { font-size: 14pt; margin: 22px 0 6px; border-bottom: 1px solid #ccc; }
.meta { color: #555; font-size: 9.5pt; }
table { border-collapse: collapse; width: 100%; font-size: 9pt; margin: 6px 0; page-break-inside: auto; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 6px; text-align: left; vertical-align: top; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr { page-break-inside: avoid; }
img.chart { width: 100%; height: auto; page-break-inside: avoid; }
.note { color: #555; font-size: 9pt; }
ul.summary li { margin-bottom: 4px; }
"""


def _number(value: object, fmt: str) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "—"
    return format(value, fmt)


def _table(frame: pd.DataFrame, columns: dict[str, tuple[str, str | None]]) -> str:
    """An HTML table of ``frame``: column -> (heading, number format or None for text)."""
    head = "".join(f'<th class="{"n" if f else ""}">{html.escape(h)}</th>' for h, f in columns.values())
    body = []
    for row in frame[list(columns)].itertuples(index=False, name=None):
        cells = []
        for value, (_heading, fmt) in zip(row, columns.values(), strict=True):
            text = _number(value, fmt) if fmt else html.escape("" if value is None else str(value))
            cells.append(f'<td class="{"n" if fmt else ""}">{text}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _svg(fig: go.Figure, alt: str) -> str:
    data = base64.b64encode(images.image_bytes(fig, "svg")).decode()
    return f'<img class="chart" alt="{html.escape(alt)}" src="data:image/svg+xml;base64,{data}">'


def report_html(report: Report, progress: Progress | None = None) -> str:
    """The report as one self-contained HTML page (charts as embedded SVG; no script, no link)."""
    step = progress or (lambda _stage, _done: None)
    period = f"{report.start:%Y-%m-%d} to {report.end:%Y-%m-%d}"
    meta = metadata()
    parts = [
        f"<h1>Territory of Ukraine held by Russian forces, {period}</h1>",
        f'<p class="meta">Generated {report.generated_at:%Y-%m-%d %H:%M} UTC by the territorial-control dashboard. '
        "Sources that count different things are shown side by side, never merged; every number names its "
        "source, definition and date.</p>",
        "<h2>Summary</h2>",
        '<ul class="summary">' + "".join(f"<li>{html.escape(s)}</li>" for s in report.sentences) + "</ul>",
        "<h2>Key figures per source</h2>",
        _table(
            report.kpis,
            {
                "source": ("Source", None),
                "definition": ("Definition", None),
                "area_km2": ("Area held, km²", ",.0f"),
                "area_as_of": ("as of", None),
                "share_pct": ("Share of Ukraine, %", ".2f"),
                "share_as_of": ("as of", None),
                "net_change_km2": ("Net change over the period, km²", "+,.0f"),
                "months": ("months", None),
                "net_change_how": ("how", None),
            },
        ),  # fmt: skip
        f'<p class="note">Shares divide by the official area of Ukraine, {official_area_km2():,.0f} km², unless '
        "the source reports its own share. Net change over the period sums the complete months inside it.</p>",
    ]
    step("drawing the monthly chart", 0.8)
    parts += ["<h2>Monthly net change and share held</h2>", _svg(report.monthly_chart, "Monthly net change chart")]
    step("drawing the map", 0.85)
    parts.append("<h2>Gains and losses over the period</h2>")
    if report.change_map is not None:
        parts.append(_svg(report.change_map, "Map of gains and losses"))
    parts.append(f'<p class="note">{html.escape(report.change_note)}</p>')
    parts += ["<h2>Regions</h2>", f'<p class="note">{html.escape(report.regions_note)}</p>',
              _table(report.regions, _columns_of(report.regions))]  # fmt: skip
    parts += [
        "<h2>Sources compared, month by month</h2>",
        _table(report.sources_table, _columns_of(report.sources_table)),
    ]
    parts.append("<h2>Definitions and methods</h2>")
    for item in report.sources:
        parts.append(
            f"<p><b>{html.escape(item['source'])}</b> · <i>{html.escape(item['definition'])}</i>: "
            f"{html.escape(item['definition_text'])}<br>Method: {html.escape(item['method'])}</p>"
        )
    territory = meta["territories"]["UKR"]
    official, mapped = html.escape(territory["official_area_note"]), html.escape(territory["mapped_area_note"])
    parts.append(
        f'<p class="note">Denominators: {territory["official_area_km2"]:,.0f} km² ({official}); '
        f"as mapped {territory['mapped_area_km2']:,.0f} km² ({mapped}). "
        "Areas are computed only in an equal-area CRS (Lambert azimuthal equal-area, 48.5N 31.5E). The DeepStateMap "
        "archive file of day D shows the map as of the end of day D-1; its figures are dated D-1.</p>"
    )
    parts.append("<h2>Sources and licences</h2><ul>")
    for item in report.sources:
        parts.append(
            f"<li><b>{html.escape(item['source'])}</b>: {html.escape(item['publisher'])}, {html.escape(item['url'])}. "
            f"Licence: {html.escape(item['licence'] or 'as published by the source')}</li>"
        )
    parts.append(
        "<li><b>Boundaries</b>: Natural Earth 10m admin-1 (public domain), simplified; oblast codes ISO 3166-2."
        "</li></ul>"
    )
    title = f"Territorial control in Ukraine, {period}"
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_CSS}</style></head><body>{''.join(parts)}</body></html>"
    )


def _columns_of(frame: pd.DataFrame) -> dict[str, tuple[str, str | None]]:
    """Headings and formats for a table whose numeric columns name their unit (``_km2``, ``_pct``, ``_pp``)."""
    columns: dict[str, tuple[str, str | None]] = {}
    for column in frame.columns:
        heading = column.replace("_km2", ", km²").replace("_pct", ", %").replace("_pp", ", pp").replace("_", " ")
        numeric = pd.api.types.is_numeric_dtype(frame[column])
        fmt = None
        if numeric:
            fmt = "+,.1f" if ("change" in column or "net" in column) else (",.2f" if "pct" in column else ",.0f")
        columns[column] = (heading[:1].upper() + heading[1:], fmt)
    return columns


def report_pdf(report: Report, progress: Progress | None = None) -> bytes:
    """The report's HTML page printed to PDF by the local Chromium (``images.chromium_path``)."""
    browser = images.chromium_path()
    if browser is None:
        raise images.NoBrowserError(images.BROWSER_HINT)
    page = report_html(report, progress)
    (progress or (lambda _stage, _done: None))("printing the PDF", 0.95)
    with tempfile.TemporaryDirectory(prefix="territory-report-") as folder:
        source, target = Path(folder) / "report.html", Path(folder) / "report.pdf"
        source.write_text(page, encoding="utf-8")
        command = [
            browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
            "--disable-background-networking", "--no-first-run", f"--user-data-dir={folder}/profile",
            f"--print-to-pdf={target}", source.as_uri(),
        ]  # fmt: skip
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if not target.exists():
            raise RuntimeError(f"Chromium did not print the report: {result.stderr.strip()[-500:]}")
        return target.read_bytes()


def write_report(engine: Engine, start: str, end: str, out: Path, progress: Progress | None = None, *,
                 change_map: ChangeMap | None = None) -> Report:  # fmt: skip
    """Build the report and write it to ``out`` (``.pdf`` or ``.html``, by the suffix)."""
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ValueError(f"{out}: the report is written as .pdf or .html; name the file accordingly")
    report = build_report(engine, start, end, progress=progress, change_map=change_map)
    out.write_bytes(report_pdf(report, progress) if fmt == "pdf" else report_html(report, progress).encode())
    return report
