"""The Overview's first run, done once in the background when the server starts (``python app.py``).

A browser needs about a second to load Streamlit's scripts before it asks for the first page; the
server is idle meanwhile. This thread spends it importing the libraries and filling the caches of
what the Overview shows by default (every source and definition, the whole war, the first source
with oblast figures), so that the first visitor's run reads them instead of computing them.
"""

from __future__ import annotations

import datetime as dt
import gc
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
    """Fill, through the pages' cached functions, what the Overview's first run asks for: from the results
    an earlier start kept on disk where they still hold (``pages.kept``), else computed (and kept for the
    next start). Returns the seconds it took."""
    started = time.perf_counter()
    from pages import cached, kept

    rev = cached.store_revision()  # the store's engine: on a first start, the bundled data is loaded here
    path, made_with = kept.cache_file(rev[0]), kept.fingerprint(cached.engine(), rev[0])
    read = kept.load(path, made_with)
    try:
        _once_per_process()  # first: cheap, and on a first start the run below takes seconds
        with kept.recording() as record:
            _first_run(rev)
        if record.computed:
            try:
                kept.save(path, made_with)
            except OSError as exc:  # e.g. a read-only home: the next start computes again
                _log.warning("could not keep the Overview's results in %s: %s", path, exc)
    finally:
        kept.forget()
    _log.info("Overview's caches: %d results read from %s, %d computed", read, path, record.computed)
    return time.perf_counter() - started


def _once_per_process() -> None:
    """Pay here what a process's first script run pays once, whatever it shows: importing the
    Overview's own modules (its downloads import the image export), and Streamlit's check, on the first
    element a process draws, for a script not started by ``streamlit run``: it walks ``inspect.stack()``,
    reading the source of every frame of the run (0.1-0.3 s of the first visitor's run here; from this
    thread's short stack it is quick, and the runtime exists, so it warns of nothing)."""
    from streamlit import delta_generator

    import pages.chart_view
    import pages.downloads
    import pages.links  # noqa: F401  (the Overview's modules, imported for their first run)

    check = getattr(delta_generator, "_maybe_print_use_warning", None)  # private: absent, nothing to pay
    if check is not None:
        check()


def _first_run(rev: tuple[str, int]) -> None:
    from metrics.trends import preset_range
    from pages import cached, kept
    from pages.chart_view import adopt_copy, page_copy

    def copy(fig, name: str, *args: object) -> None:  # type: ignore[no-untyped-def]
        adopt_copy(fig, kept.remembered((f"page_copy.{name}", args), lambda: page_copy(fig)))

    sources, definitions = default_selection(cached.source_choices(rev))
    if not sources or not definitions:
        return
    cached.overview_sources(rev, sources, definitions)
    cached.overview_table(rev, sources, definitions, dt.date.today())
    cached.overview_sentences(rev, sources, definitions)
    cached.overview_extremes(rev, sources, definitions)
    span = cached.figures_span(rev)
    start, end = preset_range("whole war", *span) if span else (None, None)
    chart = cached.overview_chart(rev, sources, definitions, start, end)
    copy(chart, "overview_chart", rev, sources, definitions, start, end)
    with_regions = cached.sources_with_regions(rev, sources, definitions)
    if with_regions:
        source, definition = with_regions[0].split("|", 1)
        copy(cached.region_map(rev, source, definition), "region_map", rev, source, definition)
        cached.region_map_data(rev, source, definition)


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
    # Streamlit collects garbage after every script run (``runner.postScriptGC``): a full collection
    # walks every object of the libraries and the caches, about 0.1-0.2 s of each visitor's first run
    # here. What exists now (modules, the Overview's caches) lives as long as the server: moved out of
    # the collector's sight, a run's collection walks only what runs made since.
    gc.collect()
    gc.freeze()


def start() -> threading.Thread:
    """Start :func:`overview_caches` in a daemon thread (the server does not wait for it)."""
    thread = threading.Thread(target=_run, name="warm-overview", daemon=True)
    thread.start()
    return thread
