"""Property: CSV -> store -> export -> CSV gives back every valid figure exactly (values bit for bit; text
with commas, quotes, newlines, formula-like starts and any Unicode; regions; periods), on SQLite and
PostgreSQL."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
import struct

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from metrics.export import export_figures, to_bytes
from metrics.ingest import import_figures, parse_figures_csv
from metrics.metadata import FIGURE_COLUMNS, KEY_COLUMNS, METRICS, metric_kind, official_area_km2
from metrics.schema import region_areas
from metrics.store import read_figures

_REGIONS = region_areas("UKR")
_ODD = [",", ";", '"', "'", "\n", "\t", "=", "+", "-", "@", "«", "»", "ї", "é", "\u00a0", "\u2028", " ", "%"]
#: Controls (Cc) and invisible format characters (Cf) are refused or stripped on import (metrics.ingest.table).
_CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Cf")) | st.sampled_from(_ODD)
#: Trimmed text (cells are trimmed on import). Left out: text that itself starts with an apostrophe and
#: then = + - @, which an export writes the same way as such text neutralised (the import removes one).
_TEXT = st.text(_CHARACTERS, max_size=24).map(str.strip).filter(lambda t: not re.match(r"'[=+\-@]", t))
#: Names (source, definition): tab and line breaks are refused there (metrics.ingest.table), not in notes.
_NAME = _TEXT.filter(lambda t: not re.search(r"[\t\n\r]", t))
_DAY = st.dates(dt.date(1990, 1, 1), dt.date.today())  # later dates are refused as typos
#: Web addresses (only http and https are taken), with characters an export must keep as they are.
_URLS = st.sampled_from(
    [
        "",
        "https://www.understandingwar.org/backgrounder/russian-offensive-campaign",
        "http://example.org/a?b=1&c=%C3%A9;d=«»",
        "https://example.org/=+-@",
    ]
)
_counter = itertools.count()


@st.composite
def _figure(draw: st.DrawFn) -> dict[str, object]:
    metric = draw(st.sampled_from(METRICS))
    region = draw(st.sampled_from(["", *_REGIONS]))
    bound = official_area_km2("UKR") if region == "" else _REGIONS[region][1]
    low = -bound if metric == "net_change_km2" else 0.0
    high = 100.0 if metric == "share_controlled_pct" else bound
    value = draw(st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)) + 0.0  # no -0.0
    date = draw(_DAY)
    span = draw(st.integers(0, 400)) if metric_kind(metric) == "flow" else 0
    published = draw(st.none() | _DAY)
    return {
        "date": pd.Timestamp(date), "period_start": pd.Timestamp(date - dt.timedelta(days=span)), "territory": "UKR",
        "region": region, "actor": draw(st.sampled_from(["RU", "UA", "BY"])), "metric": metric, "value": value,
        "source": draw(_NAME.filter(bool)), "definition": draw(_NAME), "source_url": draw(_URLS),
        "published": "" if published is None else published.isoformat(), "notes": draw(_TEXT), "batch_id": 0,
        "derived": draw(st.booleans()), "quality": draw(st.sampled_from(["", "glitch", "break"])),
    }  # fmt: skip


def _key(row: dict[str, object]) -> tuple[object, ...]:
    return tuple(row[c] for c in KEY_COLUMNS)


_FIGURES = st.lists(_figure(), min_size=1, max_size=8, unique_by=_key)


def _cells(data: bytes) -> list[list[str]]:
    """The cells of an export, without its batch_id column."""
    rows = list(csv.reader(io.StringIO(data.decode(), newline="")))
    drop = rows[0].index("batch_id")
    return [r[:drop] + r[drop + 1 :] for r in rows]


def _bits(values: pd.Series) -> list[bytes]:
    return [struct.pack("<d", v) for v in values]


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=_FIGURES)
def test_csv_store_export_csv_round_trips_every_figure_exactly(engine: Engine, rows: list[dict[str, object]]) -> None:
    suffix = f" #{next(_counter)}"  # examples share the store: sources of their own
    figures = pd.DataFrame([{**r, "source": f"{r['source']}{suffix}"} for r in rows], columns=FIGURE_COLUMNS)
    written = to_bytes(export_figures(figures), "csv")  # the export's own format, formulas neutralised

    result = import_figures(engine, written, "roundtrip.csv")
    assert result.status == "imported", [p.as_text("roundtrip.csv") for p in result.parsed.problems]
    stored = read_figures(engine, sources=sorted(figures["source"].unique()))
    exported = to_bytes(export_figures(stored), "csv")

    assert _cells(exported) == _cells(written)  # the same text, cell for cell
    back = parse_figures_csv(exported, "exported.csv").figures
    expected = export_figures(figures)
    for column in [c for c in FIGURE_COLUMNS if c not in ("batch_id", "value")]:
        assert back[column].tolist() == expected[column].tolist(), column
    assert _bits(back["value"]) == _bits(expected["value"])  # bit for bit
    assert _bits(stored.sort_values(KEY_COLUMNS)["value"]) == _bits(figures.sort_values(KEY_COLUMNS)["value"])
