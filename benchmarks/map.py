"""The Map page on the shipped data (a fresh install: no polygons): the figure's JSON for one date with
every layer on (target under 1 MB), the page's warm script run (AppTest, target under 300 ms), and in
Chromium the first paint of /map (the map drawn after the page opens on a warm server, target under
2 s), one date step (the fragment's rerun and the new map drawn, as a Play step does, target under
300 ms) and Play's cadence. Run from the project root: python -m benchmarks.map"""

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
from metrics.bundled import ensure_bundled_data
from metrics.store import get_engine

_DRAWN = ("() => { const p = document.querySelector('.js-plotly-plot');"
          " return p && p._fullLayout && p._fullLayout.map; }")  # fmt: skip
_TITLE = "() => { const t = document.querySelector('.js-plotly-plot .gtitle'); return t ? t.textContent : ''; }"
_TITLE_IS = f"day => ({_TITLE})().endsWith(day)"


def _figure_size(url: str) -> int:
    import pandas as pd
    import plotly.io as pio

    from geodata.front_queries import distances, settlement_changes
    from geodata.webmap import LAYERS
    from geodata.webmap_data import map_view
    from metrics.store import read_figures

    engine = get_engine(url)
    shown = map_view(engine, read_figures(engine), settlement_changes(engine, "DeepStateMap", "occupied"),
                     distances(engine, source="DeepStateMap", definition="occupied"), source="DeepStateMap",
                     definition="occupied", on=pd.Timestamp("2025-11-30"), since=pd.Timestamp("2025-10-31"),
                     layers=dict.fromkeys(LAYERS, True))  # fmt: skip
    return len(pio.to_json(shown.figure, validate=False).encode())


def _browser(url: str) -> tuple[float, float, float]:
    """(first paint, one step, Play's seconds per date) in Chromium, medians of three."""
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("google-chrome")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{url}/map?map_date=2025-06-30")  # warm the server's caches
        page.wait_for_function(_DRAWN, timeout=90_000)
        paints = []
        for _ in range(3):
            started = time.perf_counter()
            page.goto(f"{url}/map?map_date=2025-06-30")
            page.wait_for_function(_DRAWN, timeout=60_000)
            page.wait_for_function(_TITLE_IS, arg="2025-06-30", timeout=60_000)
            paints.append(time.perf_counter() - started)
        steps = []
        for _ in range(3):  # back and forth between two dates whose figures are cached after the first
            for key in ("ArrowRight", "ArrowLeft"):
                before = page.evaluate(_TITLE)
                page.locator(".st-key-map_date").get_by_role("slider").focus()
                started = time.perf_counter()
                page.keyboard.press(key)
                page.wait_for_function(f"old => ({_TITLE})() !== old", arg=before, timeout=30_000)
                steps.append(time.perf_counter() - started)
                page.wait_for_timeout(1_000)
        steps = steps[2:]  # the first two computed the figures
        page.locator(".st-key-map_play button").click()
        seen, started = [], time.perf_counter()
        last = page.evaluate(_TITLE)
        while len(seen) < 4 and time.perf_counter() - started < 60:
            page.wait_for_timeout(50)
            now = page.evaluate(_TITLE)
            if now != last:
                seen.append(time.perf_counter())
                last = now
        page.locator(".st-key-map_play button").click()
        browser.close()
    cadence = statistics.median(b - a for a, b in zip(seen, seen[1:], strict=False)) if len(seen) > 1 else float("nan")
    return statistics.median(paints), statistics.median(steps), cadence


def main(runs: int = 7) -> None:
    use_navigation_in_apptest()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/territory.sqlite"
        ensure_bundled_data(get_engine(url), report=lambda _line: None)
        size = _figure_size(url)
        verdict = "ok" if size < 1_000_000 else "OVER TARGET"
        print(
            f"map figure JSON, one date and a comparison, every layer: {size / 1024:.0f} KB (target < 1 MB) {verdict}"
        )
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
            paint, step, cadence = _browser(f"http://localhost:{port}")
            report("first paint of /map in Chromium, warm server (median of 3)", paint, 2.0)
            report("one date step in Chromium: fragment rerun and the new map drawn (median of 3)", step, 0.3)
            print(f"Play in Chromium: {cadence:.2f} s per date (steps every 0.8 s plus the step's own time)")
        finally:
            proc.terminate()
            proc.wait()


if __name__ == "__main__":
    main()
