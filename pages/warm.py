"""The Overview's first run, done once in the background when the server starts (``python app.py``).

A browser needs about a second to load Streamlit's scripts before it asks for the first page; the
server is idle meanwhile. This thread spends it importing the libraries and filling the caches of
what the Overview shows by default (every source and definition, the whole war, the first source
with oblast figures), so that the first visitor's run reads them instead of computing them.
"""

from __future__ import annotations

import datetime as dt
import logging
import sys
import threading
import time

__all__ = ["default_selection", "overview_caches", "start"]

_log = logging.getLogger("territory")


def default_selection(choices: dict[str, list[str]]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The sidebar's selection on a first visit: every source, and every definition they offer."""
    sources = tuple(choices)
    return sources, tuple(sorted({d for s in sources for d in choices[s]}))


def overview_caches() -> float:
    """Compute, through the pages' cached functions, what the Overview's first run asks for; returns
    the seconds it took."""
    started = time.perf_counter()
    from metrics.trends import preset_range
    from pages import cached
    from pages.chart_view import page_copy

    rev = cached.store_revision()  # the store's engine: on a first start, the bundled data is loaded here
    sources, definitions = default_selection(cached.source_choices(rev))
    if not sources or not definitions:
        return time.perf_counter() - started
    cached.overview(rev, sources, definitions)
    cached.overview_table(rev, sources, definitions, dt.date.today())
    cached.overview_sentences(rev, sources, definitions)
    cached.overview_extremes(rev, sources, definitions)
    span = cached.figures_span(rev)
    start, end = preset_range("whole war", *span) if span else (None, None)
    page_copy(cached.overview_chart(rev, sources, definitions, start, end))
    cached.overview_chart_data(rev, sources, definitions)
    with_regions = cached.sources_with_regions(rev, sources, definitions)
    if with_regions:
        source, definition = with_regions[0].split("|", 1)
        page_copy(cached.region_map(rev, source, definition))
        cached.region_map_data(rev, source, definition)
    return time.perf_counter() - started


def _run() -> None:
    from pages import memory

    memory.release_to_system()  # before the libraries allocate: freed memory goes back after a burst
    # Outside a script run Streamlit warns of a "missing ScriptRunContext" on every cached call.
    context_log = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    level = context_log.level
    context_log.setLevel(logging.ERROR)
    # While this thread computes, the server's event loop sends the browser Streamlit's scripts: hand
    # it the interpreter every millisecond (Python's default is 5 ms) so the two overlap.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(0.001)
    try:
        _log.info("warmed the Overview's caches in %.2f s", overview_caches())
    except Exception:  # the page itself will show the error to whoever opens it
        _log.exception("warming the Overview's caches failed")
    finally:
        sys.setswitchinterval(interval)
        context_log.setLevel(level)


def start() -> threading.Thread:
    """Start :func:`overview_caches` in a daemon thread (the server does not wait for it)."""
    thread = threading.Thread(target=_run, name="warm-overview", daemon=True)
    thread.start()
    return thread
