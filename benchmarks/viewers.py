"""What readers' browsers pay for the Overview (python -m benchmarks.viewers [--viewers 20]; also run by
``benchmarks.load``), on a warm server over a store with the bundled data:

- one viewer at 1400 x 900 (CDP Performance metrics of its page): the main thread's work until the
  table is drawn and the page's run is over (the chart and the map are 1,500 px down: drawn only when
  scrolled to, ``pages.in_view``), then what scrolling to the chart and the map adds;
- ``--viewers`` viewers opening the Overview at once in one headless Chromium, until each sees its
  table: as tabs of one browser profile (their scripts' cache shared, as the issue's first figures were
  taken) and as separate profiles (each a new reader with an empty cache); target p95 < 10 s; with the
  CPU time each kind of Chromium process and the server used;
- the same for a bare Streamlit page (``benchmarks/bare_app.py``: a title and a three-row table): what
  Streamlit's own page costs on this machine, under anything the dashboard draws.

Every process it starts it stops by its own pid.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from benchmarks._common import ROOT, free_port, wait_until_serving

ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--no-first-run", "--disable-sync"]  # fmt: skip
TARGET_S = 10.0
#: The table a viewer waits for: the Overview's latest figures (a Markdown table), or the bare page's grid.
TABLE = ".st-key-overview_table table, [data-testid=stDataFrame]"


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _cpu_by_kind(pids: list[int], server_pid: int) -> Counter[str]:
    """CPU seconds (user + system) per kind of process: the server, Chromium's ``--type`` (renderer,
    gpu-process, utility; ``browser`` for its main process), else the program's name (node: playwright)."""
    from benchmarks.load import cpu_seconds

    used: Counter[str] = Counter()
    for pid in pids:
        try:
            words = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().split()
            kind = (
                "server"
                if pid == server_pid
                else next((w.split("=", 1)[1] for w in words if w.startswith("--type=")), None)
            )
            if kind is None:
                kind = "browser" if "chrom" in words[0] else Path(words[0]).name
            used[kind] += cpu_seconds(pid)
        except (OSError, IndexError):
            continue
    return used


def one_viewer(chromium, url: str) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import Error as PlaywrightError

    context = chromium.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Performance.enable")

    def metrics() -> dict[str, float]:
        return {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}

    started = time.perf_counter()
    page.goto(url)
    page.locator(TABLE).first.wait_for(timeout=60_000)
    shown = time.perf_counter() - started
    page.get_by_text("Sources and definitions").first.wait_for(timeout=60_000)  # the run's last element
    page.wait_for_timeout(1500)
    top = metrics()
    print(f"  one viewer, 1400 x 900: table in {shown:.2f} s; main thread until the page is at rest: tasks "
          f"{top['TaskDuration']:.2f} s, script {top['ScriptDuration']:.2f} s, layout {top['LayoutDuration']:.2f} s,"
          f" style {top['RecalcStyleDuration']:.2f} s; {top['Nodes']:.0f} DOM nodes, JS heap "
          f"{top['JSHeapUsedSize'] / 2**20:.0f} MB")  # fmt: skip
    boxes, plots = page.locator(".in-view"), page.locator(".js-plotly-plot")
    started = time.perf_counter()
    while plots.count() < 2 and time.perf_counter() - started < 60:
        if boxes.count():
            with contextlib.suppress(PlaywrightError):  # replaced by its chart meanwhile
                boxes.first.scroll_into_view_if_needed(timeout=5_000)
        page.wait_for_timeout(100)
    drawn = time.perf_counter() - started
    page.wait_for_timeout(1500)
    after = metrics()
    print(f"  scrolling to the chart and the map: both drawn in {drawn:.2f} s, adding tasks "
          f"{after['TaskDuration'] - top['TaskDuration']:.2f} s, script "
          f"{after['ScriptDuration'] - top['ScriptDuration']:.2f} s")  # fmt: skip
    context.close()


def many_viewers(chromium, url: str, viewers: int, *, shared: bool, server_pid: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds until the last of the first 95 % of ``viewers`` saw its table; prints the CPU used."""
    from benchmarks.load import _tree

    profile = chromium.new_context() if shared else None
    warm = (profile or chromium.new_context()).new_page()  # the server's caches, the shared profile's cache
    warm.goto(url)
    warm.locator(TABLE).first.wait_for(timeout=60_000)
    warm.close()
    pages = [(profile or chromium.new_context()).new_page() for _ in range(viewers)]
    pids = _tree(os.getpid()) + [server_pid]
    before = _cpu_by_kind(pids, server_pid)
    started = time.perf_counter()
    for viewer in pages:
        viewer.goto(url, wait_until="commit")
    times = []
    for viewer in pages:
        viewer.locator(TABLE).first.wait_for(timeout=240_000)
        times.append(time.perf_counter() - started)
    used = _cpu_by_kind(pids, server_pid)
    used.subtract(before)
    for viewer in pages:
        if shared:
            viewer.close()
        else:
            viewer.context.close()
    if profile is not None:
        profile.close()
    cpu = ", ".join(f"{kind} {seconds:.1f}" for kind, seconds in used.most_common() if seconds >= 0.1)
    print(f"    CPU seconds used meanwhile: {cpu}")
    return _p95(times)


def measure(chromium, url: str, viewers: int, server_pid: int, label: str) -> None:  # type: ignore[no-untyped-def]
    for shared, how in ((True, "as tabs of one profile"), (False, "each in its own profile")):
        p95 = many_viewers(chromium, url, viewers, shared=shared, server_pid=server_pid)
        verdict = "ok" if p95 <= TARGET_S else "OVER TARGET"
        print(f"  {label}: {viewers} viewers at once, {how}, table shown, p95: {p95:.1f} s "
              f"(target < {TARGET_S:g} s) {verdict}", flush=True)  # fmt: skip


def _serve(command: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    proc = subprocess.Popen(
        [*command, "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    wait_until_serving(port)
    return proc, port


def bare_floor(chromium, viewers: int) -> None:  # type: ignore[no-untyped-def]
    proc, port = _serve([sys.executable, "-m", "streamlit", "run", "benchmarks/bare_app.py"], dict(os.environ))
    try:
        measure(chromium, f"http://127.0.0.1:{port}/", viewers, proc.pid, "bare Streamlit page (the floor)")
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def browser(port: int, viewers: int, server_pid: int) -> None:
    """The Overview's figures for the server on ``port``, then the bare page's."""
    from playwright.sync_api import sync_playwright

    url = f"http://127.0.0.1:{port}/"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=ARGS)
        try:
            one_viewer(chromium, url)
            measure(chromium, url, viewers, server_pid, "Overview")
            bare_floor(chromium, viewers)
        finally:
            chromium.close()


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.viewers")
    parser.add_argument("--viewers", type=int, default=20)
    args = parser.parse_args()
    from metrics.bundled import ensure_bundled_data
    from metrics.store import get_engine

    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/territory.sqlite"
        with contextlib.redirect_stdout(io.StringIO()):  # its progress lines
            ensure_bundled_data(get_engine(url))
        proc, port = _serve([sys.executable, "app.py"], {**os.environ, "TERRITORY_DB_URL": url})
        try:
            import urllib.request

            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/series", timeout=120).read()  # warm
            browser(port, args.viewers, proc.pid)
        finally:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
