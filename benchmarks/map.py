"""The Map page on the shipped data (a fresh install: no polygons): the figure's JSON for one date with
every layer on and the timeline's frames, and for a comparison (target under 1 MB each), the page's
warm script run (AppTest, target under 300 ms), and in Chromium the first paint of /map (the map drawn
after the page opens on a warm server, target under 2 s) and one step of the map's own Play (from
one frame's date drawn in the title to the next's, in the browser: target under 300 ms), with how
many of the frames stepped to were drawn (plotly skips drawing a frame whose redraw is not done
when the next is due), and the page's own date slider: a key press one date back to the map of that
date drawn (a server round trip, a new chart: Streamlit remounts a chart whose figure changed; the
page draws the dates either side ahead, as it does for a reader). Timings in headless Chromium are
software WebGL on a shared machine: note the load average with them.
Run from the project root: nice -n 19 python -m benchmarks.map"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from streamlit.testing.v1 import AppTest

from benchmarks._common import ROOT, free_port, report, use_navigation_in_apptest, wait_until_serving, warm_runs
from geodata.webmap_timeline import FRAME_MS
from metrics.bundled import ensure_bundled_data
from metrics.store import get_engine

_DRAWN = ("() => { const p = document.querySelector('.js-plotly-plot');"
          " return p && p._fullLayout && p._fullLayout.map; }")  # fmt: skip
_TITLE = "() => { const t = document.querySelector('.js-plotly-plot .gtitle'); return t ? t.textContent : ''; }"
_TITLE_IS = f"day => ({_TITLE})().endsWith(day)"
#: the page's date in Chromium
_DAY = "2025-06-30"


def slider_days(url: str, count: int = 3) -> list[str]:
    """The ``count`` dates of the page's slider (month-ends: the last date of a month with figures)
    before ``_DAY``, latest first: the dates one key press after another steps back to."""
    from metrics.regions import map_dates
    from metrics.store import read_figures

    dates = map_dates(read_figures(get_engine(url)), "DeepStateMap", "occupied", daily=False)
    return dates[: dates.index(_DAY)][::-1][:count]


def _figure_sizes(url: str) -> tuple[int, int]:
    """JSON bytes of the map of 2025-11-30 with every layer and its frames, and of the comparison
    with 2025-10-31 (no frames)."""
    import pandas as pd
    import plotly.io as pio

    from geodata.front_queries import distances, settlement_changes
    from geodata.webmap import LAYERS
    from geodata.webmap_data import map_view
    from metrics.regions import map_dates
    from metrics.store import read_figures

    engine = get_engine(url)
    figures = read_figures(engine)
    frames = map_dates(figures, "DeepStateMap", "occupied", daily=False)
    sizes = []
    for since in (None, pd.Timestamp("2025-10-31")):
        shown = map_view(engine, figures, settlement_changes(engine, "DeepStateMap", "occupied"),
                         distances(engine, source="DeepStateMap", definition="occupied"), source="DeepStateMap",
                         definition="occupied", on=pd.Timestamp("2025-11-30"), since=since,
                         layers=dict.fromkeys(LAYERS, True), frame_dates=frames)  # fmt: skip
        sizes.append(len(pio.to_json(shown.figure, validate=False).encode()))
    return sizes[0], sizes[1]


#: the times (ms) at which the title shows a new date (not the date shown when Play is pressed: the
#: button's own relayout redraws that one, which once made "14 of the 13 frames" drawn), and the
#: frames plotly steps to
_LISTEN = ("() => { const g = document.querySelector('.js-plotly-plot'); window.drawn = []; window.shown = [];"
           f" let last = ({_TITLE})();"
           " g.on('plotly_animatingframe', e => window.shown.push(e.name));"
           " g.on('plotly_afterplot', () => { const t = g.querySelector('.gtitle').textContent;"
           " if (t !== last) { last = t; window.drawn.push([performance.now(), t]); } }); }")  # fmt: skip


def drawn_of_shown(drawn: list[str], shown: list[str]) -> tuple[int, int]:
    """(frames drawn, frames stepped to): ``drawn``, the titles drawn in turn (each ends with its
    date), ``shown``, the names (dates) of the frames plotly stepped to; a date counts as drawn once,
    and only when it was stepped to."""
    stepped = set(shown)
    return len({title[-10:] for title in drawn} & stepped), len(stepped)


def _press(page, plot, label: str) -> None:  # type: ignore[no-untyped-def]
    """Press one of the map's own buttons (Play, Pause) with the mouse: a locator's click waits for
    navigations, and Streamlit's URL updates count as such."""
    box = plot.locator(".updatemenu-button", has_text=label).bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)


_PAUSE = (
    "() => [...document.querySelectorAll('.js-plotly-plot .updatemenu-button')]"
    ".find(b => b.textContent.includes('Pause')).dispatchEvent(new MouseEvent('click', {bubbles: true}))"
)
#: Play has stopped: no animation loop, no transition, no redraw pending (the step begun just before
#: Pause may be drawn after the loop stops, or dropped: tests/e2e/test_map_browser.py)
_STOPPED = ("() => { const g = document.querySelector('.js-plotly-plot');"
            " return !g._transitionData._animationRaf && !g._transitioning"
            " && !(g._promises && g._promises.length); }")  # fmt: skip
#: the map drawn for the page's date: the title shows it and MapLibre has drawn every source
_REDRAWN = ("day => { const g = document.querySelector('.js-plotly-plot'); const m = g && g._fullLayout.map"
            " && g._fullLayout.map._subplot && g._fullLayout.map._subplot.map;"
            f" return m && ({_TITLE})().endsWith(day) && m.loaded() && !g._transitioning; }}")  # fmt: skip


def _slider_redraws(page, days: list[str]) -> list[float]:  # type: ignore[no-untyped-def]
    """Seconds from a key press on the page's own date slider (one date earlier: a date the server
    has not drawn yet) to the map of that date drawn in the browser, for each of ``days``."""
    thumb = page.locator(".st-key-map_date input[type='range']").first
    out = []
    for day in days:
        thumb.focus()
        started = time.perf_counter()
        page.keyboard.press("ArrowLeft")
        page.wait_for_function(_REDRAWN, arg=day, timeout=60_000, polling=20)
        out.append(time.perf_counter() - started)
    return out


def _browser(url: str, slider_days: list[str], steps: int = 12) -> tuple[float, float, int, int, float]:
    """(first paint, one Play step) in Chromium, medians (three paints; ``steps`` steps), how many
    of the frames stepped to were drawn, of how many, and the median redraw after the page's own date
    slider moves one date earlier, to each of ``slider_days``."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("google-chrome")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{url}/map?map_date={_DAY}")  # warm the server's caches
        page.wait_for_function(_DRAWN, timeout=90_000)
        paints = []
        for _ in range(3):
            started = time.perf_counter()
            page.goto(f"{url}/map?map_date={_DAY}")
            page.wait_for_function(_DRAWN, timeout=60_000)
            page.wait_for_function(_TITLE_IS, arg=_DAY, timeout=60_000)
            paints.append(time.perf_counter() - started)
        page.wait_for_timeout(1_000)  # the map's first draw settles
        page.mouse.move(2, 2)
        page.evaluate(_LISTEN)
        plot = page.locator(".js-plotly-plot").first
        _press(page, plot, "Play")
        page.wait_for_function(f"() => window.drawn.length > {steps}", timeout=180_000)
        page.evaluate(_PAUSE)  # the button's own click event: a mouse press during a redraw may be lost
        page.wait_for_function(_STOPPED, timeout=60_000)
        drawn, shown = page.evaluate("() => window.drawn"), page.evaluate("() => window.shown")
        page.wait_for_timeout(1_000)
        redraws = _slider_redraws(page, slider_days)
        browser.close()
    times = [at for at, _title in drawn]
    gaps = [(b - a) / 1000 for a, b in zip(times, times[1:], strict=False)]
    done, stepped = drawn_of_shown([title for _at, title in drawn], shown)
    return statistics.median(paints), statistics.median(gaps), done, stepped, statistics.median(redraws)


def main(runs: int = 7) -> None:
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    use_navigation_in_apptest()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/territory.sqlite"
        ensure_bundled_data(get_engine(url), report=lambda _line: None)
        for what, size in zip(("one date with its frames", "a comparison"), _figure_sizes(url), strict=True):
            verdict = "ok" if size < 1_000_000 else "OVER TARGET"
            print(f"map figure JSON, {what}, every layer: {size / 1024:.0f} KB (target < 1 MB) {verdict}")
        os.environ["TERRITORY_DB_URL"] = url
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
        at.run()
        at.switch_page("pages/map.py").run()
        assert not at.exception, at.exception
        timings = warm_runs(at, runs)
        report(f"pages/map.py script run, warm (median of {runs})", statistics.median(timings), 0.3)
        if not (shutil.which("chromium") or shutil.which("google-chrome")):
            print("browser timings: skipped (no Chromium)")
            return
        port = free_port()
        proc = subprocess.Popen([sys.executable, "app.py", "--server.port", str(port)], cwd=ROOT,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_until_serving(port)
            days = slider_days(url)
            paint, step, drawn, shown, redraw = _browser(f"http://localhost:{port}", days)
            report("first paint of /map in Chromium, warm server (median of 3)", paint, 2.0)
            report("one step of the map's Play in Chromium, date to date in the title (median)", step, 0.3)
            print(
                f"Play in Chromium: {drawn} of the {shown} frames stepped to were drawn (a frame is due every "
                f"{FRAME_MS} ms; a redraw not done by then skips frames)"
            )
            report(f"the page's date slider one date back to the map drawn, a date not shown before (median of "
                   f"{len(days)}; the page draws the dates either side ahead)", redraw, 1.0)  # fmt: skip
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
