"""Every page's script run, warm, on the shipped data (AppTest timing; target under 300 ms each; the Sources
page's figure was a wall-clock assertion in tests/pages/test_sources.py before), the
Map figure's JSON size for one date (target under 1 MB, issue 13; benchmarks.map has the details), and
the Map slider's redraw in Chromium (target under 1 s). Run from the project root: python -m benchmarks.pages"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from streamlit.testing.v1 import AppTest

from benchmarks._common import ROOT, free_port, report, use_navigation_in_apptest, wait_until_serving
from metrics.bundled import ensure_bundled_data
from metrics.store import get_engine

PAGES = ["pages/overview.py", "pages/trends.py", "pages/map.py", "pages/regions.py", "pages/sources.py",
         "pages/data.py", "pages/report.py", "pages/upload.py"]  # fmt: skip


_TITLE_CHANGED = (
    "old => { const t = document.querySelector('.js-plotly-plot .gtitle'); return t && t.textContent !== old; }"
)


def _slider_redraw(url: str) -> float:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or shutil.which("google-chrome")
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1600})
        page.goto(f"{url}/map")
        plot = page.locator(".js-plotly-plot").first
        plot.wait_for(timeout=60_000)  # the latest date moves as days are added: wait for the map itself
        page.wait_for_timeout(2_000)
        timings = []
        thumb = page.locator(".st-key-map_date").get_by_role("slider")  # the zoom slider comes first
        title = plot.locator(".gtitle").first
        for _ in range(3):  # three steps back from the latest date, whichever dates the store holds
            before = title.text_content()
            thumb.focus()
            started = time.perf_counter()
            thumb.press("ArrowLeft")
            page.wait_for_function(_TITLE_CHANGED, arg=before, timeout=30_000)
            timings.append(time.perf_counter() - started)
        browser.close()
    return statistics.median(timings)


def main(runs: int = 7) -> None:
    use_navigation_in_apptest()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/territory.sqlite"
        ensure_bundled_data(get_engine(url), report=lambda _line: None)
        os.environ["TERRITORY_DB_URL"] = url
        for page in PAGES:
            at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
            at.run()
            if page != "pages/overview.py":
                at.switch_page(page).run()
            assert not at.exception, (page, at.exception)
            timings = []
            for _ in range(runs):
                started = time.perf_counter()
                at.run()
                timings.append(time.perf_counter() - started)
            report(f"{page} script run, warm (median of {runs})", statistics.median(timings), 0.3)
            if page == "pages/map.py":
                size = max(len(chart.proto.spec) for chart in at.get("plotly_chart"))
                print(f"  map figure JSON for one date: {size / 1024:.0f} KB (target < 1 MB)")
        if shutil.which("chromium") or shutil.which("google-chrome"):
            port = free_port()
            proc = subprocess.Popen([sys.executable, "app.py", "--server.port", str(port)], cwd=ROOT,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
            try:
                wait_until_serving(port)
                report("Map slider redraw in Chromium (median of 3)", _slider_redraw(f"http://localhost:{port}"), 1.0)
            finally:
                proc.terminate()
                proc.wait()


if __name__ == "__main__":
    main()
