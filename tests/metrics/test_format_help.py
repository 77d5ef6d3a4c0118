"""The Upload page's format help is generated from the ingest constants, so it cannot drift from what the
import accepts: every column, unit, metric and period form is named (the docs-cannot-drift idea of
Datasette's tests/test_docs.py)."""

from __future__ import annotations

import pandas as pd

from metrics import events, ingest
from metrics.ingest.cells import metric_units
from metrics.metadata import METRICS
from metrics.periods import period_code
from metrics.review import events_format_help, figures_format_help


def test_the_figures_help_names_every_column_unit_and_metric() -> None:
    text = figures_format_help(50)
    for name in (*ingest.REQUIRED_COLUMNS, *ingest.OPTIONAL_COLUMNS, *ingest.UNITS, *METRICS):
        assert f"`{name}`" in text, name
    assert "Files up to 50 MB" in text


def test_the_figures_help_gives_each_metric_its_units() -> None:
    rows = [line for line in figures_format_help(50).splitlines() if line.startswith("| `")]
    for metric in METRICS:
        (row,) = [line for line in rows if f"`{metric}`" in line.split(" | ")[0]]
        assert row.endswith(" | " + ", ".join(f"`{u}`" for u in metric_units(metric)) + " |"), row
    assert "| `share_controlled_pct` | stock on `date` | `percent` |" in rows
    assert "`glitch` or `break`" in figures_format_help(50)  # the quality marks


def test_the_period_examples_are_codes_the_import_reads() -> None:
    text = figures_format_help(50)
    for code in ("M", "W", "Q", "Y"):
        example = period_code(pd.Timestamp("2025-11-30"), code)
        assert f"`{example}`" in text
        parsed = ingest.parse_figures_csv(
            f"date,period,metric,value,source\n,{example},net_change_km2,10,Test\n".encode(), "x.csv"
        )
        assert parsed.ok, (example, parsed.problems)


def test_the_events_help_names_every_column_and_limit() -> None:
    text = events_format_help()
    for name in (*events.REQUIRED_COLUMNS, *events.OPTIONAL_COLUMNS):
        assert f"`{name}`" in text, name
    assert f"at most {events.MAX_LABEL} characters" in text
    assert f"at most {events.MAX_SHORT_LABEL} characters" in text
