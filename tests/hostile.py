"""A store holding uploaded text that would be markup if shown as Markdown or plotly text (issue 14,
hole 1), for the tests that check it is shown as text everywhere."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from metrics.bundled import ensure_bundled_data
from metrics.events import import_events
from metrics.ingest import import_figures
from metrics.store import get_engine
from metrics.text import write_csv

__all__ = [
    "DEFINITION", "EVENT_LABEL", "EVENT_SOURCE", "HTML_DEFINITION", "HTML_SOURCE", "NOTES", "SOURCE",
    "hostile_store_url",
]  # fmt: skip

SOURCE = "[ISW (AFP analysis)](https://evil.example/p)"
DEFINITION = "![t](http://evil.example/pixel.png)"
NOTES = "see [here](https://evil.example/n) :material/warning: :red[alarm] $x$"
HTML_SOURCE = '<a href="https://evil.example/q">Q</a>'
HTML_DEFINITION = "<b>bold</b> &amp; %{y} $t$"
EVENT_LABEL = '<a href="https://evil.example/x">S</a>'
EVENT_SOURCE = "[press](https://evil.example/s)"


def _figures_csv() -> bytes:
    rows = [
        ["2025-10-31", "", "area_controlled_km2", "116000", SOURCE, DEFINITION, "https://evil.example/u", NOTES],
        ["2025-11-30", "", "area_controlled_km2", "116500", SOURCE, DEFINITION, "https://evil.example/u", NOTES],
        ["2025-10-31", "", "share_controlled_pct", "19.2", SOURCE, DEFINITION, "https://evil.example/u", NOTES],
        ["2025-11-30", "", "share_controlled_pct", "19.3", SOURCE, DEFINITION, "https://evil.example/u", NOTES],
        ["2025-11-30", "2025-11", "net_change_km2", "500", SOURCE, DEFINITION, "https://evil.example/u", NOTES],
    ]
    rows += [
        [date, period, metric, value, HTML_SOURCE, HTML_DEFINITION, "", NOTES]
        for date, period, metric, value in [
            ("2025-10-31", "", "share_controlled_pct", "18.9"), ("2025-11-30", "", "share_controlled_pct", "19.0"),
            ("2025-11-30", "2025-11", "net_change_km2", -40.0),  # a number: write_csv quotes a "-40" text
        ]
    ]  # fmt: skip
    columns = ["date", "period", "metric", "value", "source", "definition", "source_url", "notes"]
    return write_csv(rows, columns=columns)


def _events_csv() -> bytes:
    columns = ["date", "label", "short_label", "source", "url", "notes"]
    row = ["2025-11-15", EVENT_LABEL, EVENT_LABEL, EVENT_SOURCE, "https://evil.example/e", NOTES]
    return write_csv([row], columns=columns)


def hostile_store_url(folder: Path, bundled: Callable[[Path], str] | None = None) -> str:
    """A SQLite store in ``folder``: the bundled data plus the hostile figures and event, imported
    through the real importers (they accept such text: it is legitimate text).

    ``bundled``: the ``bundled_sqlite`` fixture, to start from a copy of the session's loaded store
    instead of loading the bundled data again."""
    url = f"sqlite:///{folder / 'territory.sqlite'}"
    if bundled is not None:
        bundled(folder / "territory.sqlite")
    engine = get_engine(url)
    ensure_bundled_data(engine, report=lambda _line: None)  # with a copy: nothing left to load
    figures = import_figures(engine, _figures_csv(), "[f](https://evil.example/file).csv", who="tester")
    assert figures.status == "imported", figures.message
    events = import_events(engine, _events_csv(), "events.csv", who="tester")
    assert events.status == "imported", events.message
    return url
