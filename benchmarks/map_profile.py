"""Where a step of the Map page's Play goes, in headless Chromium: the CPU each Chromium thread spends
over a few steps (from /proc: the renderer's main thread, its workers, the GPU process...), and a
CPU profile of the renderer's main thread (CDP ``Profiler``) summed by the plotly.js source module
(the bundle names its modules) of the function that ran, plus the bundle's heaviest functions.
Numbers are per step (the steps drawn while profiling). Linux only (/proc).
Run from the project root: nice -n 19 python -m benchmarks.map_profile [steps]"""

from __future__ import annotations

import bisect
import collections
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks._common import ROOT, free_port, wait_until_serving
from benchmarks.load import _tree
from benchmarks.map import _DAY, _DRAWN, _PAUSE, _STOPPED, _TITLE, _press
from metrics.bundled import ensure_bundled_data
from metrics.store import get_engine

_TICK = os.sysconf("SC_CLK_TCK")
#: the title's date each time plotly has drawn a new one (the steps)
_LISTEN = ("() => { const g = document.querySelector('.js-plotly-plot'); window.drawn = [];"
           f" let last = ({_TITLE})();"
           " g.on('plotly_afterplot', () => { const t = g.querySelector('.gtitle').textContent;"
           " if (t !== last) { last = t; window.drawn.push([performance.now(), t]); } }); }")  # fmt: skip


def _kind(pid: int) -> str:
    try:
        line = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return "?"
    found = re.search(r"--type=([a-z-]+)", line)
    return found.group(1) if found else "browser"


def _thread_cpu(root: int) -> dict[str, float]:
    """CPU seconds so far per (process kind, thread name) of ``root``'s tree."""
    out: dict[str, float] = collections.defaultdict(float)
    for pid in _tree(root):
        kind = _kind(pid)
        try:
            tasks = list(Path(f"/proc/{pid}/task").iterdir())
        except OSError:
            continue
        for task in tasks:
            try:
                text = (task / "stat").read_text()
            except OSError:
                continue
            name = text[text.index("(") + 1 : text.rindex(")")]
            fields = text.rsplit(")", 1)[1].split()
            name = re.sub(r"\d+$", "#", name)
            out[f"{kind}: {name}"] += (int(fields[11]) + int(fields[12])) / _TICK
    return out


def _modules(source: str) -> tuple[list[int], list[str]]:
    """The offsets at which the bundle's named modules start (``_({"src/x.js"(e,t){``), and their names."""
    starts, names = [], []
    for found in re.finditer(r'"((?:src|node_modules|build)/[^"]+)"\(', source):
        starts.append(found.start())
        names.append(found.group(1))
    return starts, names


def _line_offsets(source: str) -> list[int]:
    return [0] + [m.end() for m in re.finditer("\n", source)]


def _summarise(profile: dict, bundle: dict[str, str], steps: int) -> None:
    nodes = {node["id"]: node for node in profile["nodes"]}
    deltas = profile["timeDeltas"]
    self_ms: dict[int, float] = collections.defaultdict(float)
    for sample, delta in zip(profile["samples"][1:], deltas[1:], strict=False):
        self_ms[sample] += delta / 1000
    by_module: dict[str, float] = collections.defaultdict(float)
    by_function: dict[str, float] = collections.defaultdict(float)
    index = {url: (_modules(text), _line_offsets(text)) for url, text in bundle.items()}
    for node_id, ms in self_ms.items():
        frame = nodes[node_id]["callFrame"]
        url, name = frame["url"], frame["functionName"] or "(anonymous)"
        if url in index:
            (starts, names), lines = index[url]
            at = lines[frame["lineNumber"]] + frame["columnNumber"]
            module = names[bisect.bisect_right(starts, at) - 1] if starts and at >= starts[0] else "(bundle)"
            by_module[module] += ms
            by_function[f"{name} [{module}:{frame['lineNumber']}:{frame['columnNumber']}]"] += ms
        else:
            key = name if name.startswith("(") else f"{name} [{url.rsplit('/', 1)[-1] or 'native'}]"
            by_module[key if name.startswith("(") else url.rsplit("/", 1)[-1] or "(native)"] += ms
            by_function[key] += ms
    total = sum(self_ms.values())
    print(f"\nrenderer main thread, CPU profile: {total / steps:.0f} ms a step sampled (idle included)")
    for title, table in (("by module", by_module), ("by function", by_function)):
        print(f"  {title} (ms a step):")
        for key, ms in sorted(table.items(), key=lambda kv: -kv[1])[:25]:
            print(f"    {ms / steps:7.1f}  {key}")


def main(steps: int = 10) -> None:
    from playwright.sync_api import sync_playwright

    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/territory.sqlite"
        ensure_bundled_data(get_engine(url), report=lambda _line: None)
        port = free_port()
        env = {**os.environ, "TERRITORY_DB_URL": url}
        proc = subprocess.Popen([sys.executable, "app.py", "--server.port", str(port)], cwd=ROOT, env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            wait_until_serving(port)
            chromium = shutil.which("chromium") or shutil.which("google-chrome")
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
                page = browser.new_page(viewport={"width": 1400, "height": 1600})
                scripts: dict[str, str] = {}
                page.on("response", lambda r: scripts.__setitem__(r.url, "") if "PlotlyChart" in r.url else None)
                page.goto(f"http://localhost:{port}/map?map_date={_DAY}")
                page.wait_for_function(_DRAWN, timeout=90_000)
                page.wait_for_timeout(2_000)
                for script in scripts:
                    scripts[script] = page.evaluate("u => fetch(u).then(r => r.text())", script)
                root = next(pid for pid in _tree(os.getpid()) if b"--remote-debugging-pipe" in
                            Path(f"/proc/{pid}/cmdline").read_bytes() and _kind(pid) == "browser")  # fmt: skip
                cdp = page.context.new_cdp_session(page)
                cdp.send("Profiler.enable")
                cdp.send("Profiler.setSamplingInterval", {"interval": 200})
                page.mouse.move(2, 2)
                page.evaluate(_LISTEN)
                before, started = _thread_cpu(root), time.perf_counter()
                cdp.send("Profiler.start")
                _press(page, page.locator(".js-plotly-plot").first, "Play")
                page.wait_for_function(f"() => window.drawn.length > {steps}", timeout=180_000)
                profile = cdp.send("Profiler.stop")["profile"]
                after, wall = _thread_cpu(root), time.perf_counter() - started
                drawn = page.evaluate("() => window.drawn")
                page.evaluate(_PAUSE)
                page.wait_for_function(_STOPPED, timeout=60_000)
                browser.close()
        finally:
            proc.terminate()
            proc.wait()
    times = [at for at, _ in drawn]
    gaps = sorted((b - a) for a, b in zip(times, times[1:], strict=False))
    n = len(drawn)
    print(
        f"{n} steps drawn in {wall:.2f} s; step (ms): median {gaps[len(gaps) // 2]:.0f}, "
        f"min {gaps[0]:.0f}, max {gaps[-1]:.0f}"
    )
    print("CPU per step, per Chromium thread (ms):")
    used = {key: after.get(key, 0) - before.get(key, 0) for key in after}
    for key, seconds in sorted(used.items(), key=lambda kv: -kv[1]):
        if seconds > 0:
            print(f"  {seconds * 1000 / n:7.1f}  {key}")
    print(f"  {sum(used.values()) * 1000 / n:7.1f}  all")
    _summarise(profile, scripts, n)


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10)
