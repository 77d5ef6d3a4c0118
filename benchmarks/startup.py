"""Start-up of the dashboard, measured as a user sees it: from `python app.py` (what `make run` runs)
to the first rendered Overview (KPI cards visible in headless Chromium), on an empty store and
again on a loaded one.

Targets (issue 2): first start on an empty store (loading the shipped figures) under 10 s; a later
start under 3 s to the first rendered Overview. Also times `python -m metrics init` on an empty store.

A later start is timed twice: for a reader who has opened the dashboard before (the same address, a
browser profile that keeps Streamlit's scripts in its cache, as a returning reader's browser does) and
for a new reader (an empty browser cache: every script fetched and compiled).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

from benchmarks._common import ROOT, free_port, report, wait_until_serving

_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def _time_to_overview(store: Path, browser, port: int | None = None) -> float:  # type: ignore[no-untyped-def]
    port = port or free_port()
    env = {**os.environ, "TERRITORY_DB_URL": f"sqlite:///{store}"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--server.port", str(port)],  # as `make run` starts it
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_until_serving(port)
        serving = time.perf_counter() - started
        page = browser.new_page()
        page.goto(f"http://localhost:{port}/")
        page.locator(".st-key-overview_table table").wait_for(timeout=60_000)  # the table of the latest figures
        elapsed = time.perf_counter() - started
        print(f"  server answered after {serving:.2f} s, Overview rendered after {elapsed:.2f} s")
        page.close()
        return elapsed
    finally:
        proc.terminate()
        proc.wait()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "TERRITORY_DB_URL": f"sqlite:///{tmp}/init.sqlite"}
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "metrics", "init"], cwd=ROOT, env=env, check=True, capture_output=True)
        report("python -m metrics init on an empty store", time.perf_counter() - started, 10)

        chromium = shutil.which("chromium") or shutil.which("google-chrome")
        if chromium is None:
            print("no Chromium: skipping the time-to-Overview figures")
            return
        store = Path(tmp) / "app.sqlite"
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=_ARGS)
            report("first start, empty store, to rendered Overview", _time_to_overview(store, browser), 10)
            later = [_time_to_overview(store, browser) for _ in range(3)]
            report("later start to rendered Overview, new reader (median of 3)", sorted(later)[1], 3)
            browser.close()
            profile, port = Path(tmp) / "profile", free_port()
            returning = pw.chromium.launch_persistent_context(profile, executable_path=chromium, args=_ARGS)
            _time_to_overview(store, returning, port)  # the reader's first visit fills the browser's cache
            later = [_time_to_overview(store, returning, port) for _ in range(3)]
            report("later start to rendered Overview, returning reader (median of 3)", sorted(later)[1], 3)
            returning.close()


if __name__ == "__main__":
    main()
