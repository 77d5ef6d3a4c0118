"""The dashboard under load, on loopback (python -m benchmarks.load [--skip-browser] [--viewers 20]).

One server (``python app.py``, as ``make run`` serves) over a temporary SQLite store with the bundled
data, then:

- server capacity, with a protocol-level client (Streamlit's own WebSocket protocol; nothing is
  rendered): server CPU per new session (target < 0.15 s), and 20 sessions opened at once, each fully
  answered (every delta of the first page run, up to ``script_finished``): p95 < 3 s;
- the API: 500 requests, 20 at a time, over a mix of endpoints: p95 < 100 ms;
- memory: the server and its children (the export browser, when up) idle: < 400 MB;
- a reader's device (unless --skip-browser): ``benchmarks.viewers`` (the Overview's main-thread time in
  Chromium, and ``--viewers`` viewers opening it at once in one headless Chromium: p95 < 10 s, beside
  the same for a bare Streamlit page).

Every loop is bounded; every process it starts it stops by its own pid.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from benchmarks._common import ROOT, free_port, wait_until_serving

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")


def _report(name: str, value: float, target: float, unit: str) -> None:
    verdict = "ok" if value <= target else "OVER TARGET"
    print(f"{name}: {value:.3f} {unit} (target < {target:g} {unit}) {verdict}", flush=True)


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _tree(pid: int) -> list[int]:
    """``pid`` and its descendants (from /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents.setdefault(int(fields[1]), []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of the process ``pid`` (its own threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def rss_mb(pid: int) -> tuple[float, int]:
    """Resident memory of ``pid`` and its descendants in MB, and how many processes that is."""
    total, count = 0, 0
    for member in _tree(pid):
        try:
            total += int(Path(f"/proc/{member}/statm").read_text().split()[1]) * PAGE_SIZE
            count += 1
        except OSError:
            continue
    return total / 2**20, count


async def open_session(port: int, timeout: float = 60.0) -> tuple[float, int]:
    """One new session on the Overview through Streamlit's WebSocket protocol: seconds until its first
    script run finished, and the number of deltas received."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    started = time.perf_counter()
    deltas = 0
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"], max_size=2**28,
        origin=f"http://127.0.0.1:{port}", open_timeout=timeout,
    ) as socket:  # fmt: skip
        message = BackMsg()
        message.rerun_script.query_string = ""
        message.rerun_script.page_script_hash = ""
        await socket.send(message.SerializeToString())
        deadline = started + timeout
        while time.perf_counter() < deadline:
            raw = await asyncio.wait_for(socket.recv(), timeout=max(0.1, deadline - time.perf_counter()))
            forward = ForwardMsg()
            forward.ParseFromString(raw)
            kind = forward.WhichOneof("type")
            if kind == "delta" or kind == "ref_hash":
                deltas += 1
            elif kind == "script_finished":
                if forward.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
                    return time.perf_counter() - started, deltas
                if forward.script_finished not in (ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY,):
                    raise RuntimeError(f"the script run ended with {forward.script_finished}")
    raise TimeoutError(f"no script_finished within {timeout} s")


def server_capacity(pid: int, port: int, sequential: int = 10, parallel: int = 20) -> None:
    asyncio.run(open_session(port))  # the first session pays for the caches: not counted
    asyncio.run(open_session(port))
    before = cpu_seconds(pid)
    deltas = 0
    for _ in range(sequential):
        deltas = asyncio.run(open_session(port))[1]
    per_session = (cpu_seconds(pid) - before) / sequential
    print(f"  a session's first run: {deltas} deltas")
    _report(f"server CPU per new session (mean of {sequential}, one at a time)", per_session, 0.15, "s")

    async def many() -> list[tuple[float, int]]:
        return await asyncio.gather(*(open_session(port) for _ in range(parallel)))

    before = cpu_seconds(pid)
    results = asyncio.run(many())
    used = cpu_seconds(pid) - before
    times = [t for t, _d in results]
    assert all(d == results[0][1] for _t, d in results), "every session should get every delta"
    print(f"  {parallel} at once: server CPU {used:.2f} s ({used / parallel:.3f} s a session), "
          f"median {statistics.median(times):.2f} s, max {max(times):.2f} s")  # fmt: skip
    _report(f"{parallel} sessions at once, fully answered, p95", _p95(times), 3.0, "s")


def api_latency(port: int, requests: int = 500, concurrency: int = 20) -> None:
    base = f"http://127.0.0.1:{port}/api/v1"
    paths = [
        "/series", "/regions", "/figures.csv?metric=share_controlled_pct&region=&freq=M",
        "/figures.json?source=DeepStateMap&region=UA-14", "/figures.csv?freq=Q&from=2025-01-01",
        "/figures.csv?metric=area_controlled_km2&limit=1000&offset=2000",
    ]  # fmt: skip

    def get(path: str) -> float:
        started = time.perf_counter()
        with urllib.request.urlopen(base + path, timeout=30) as response:
            response.read()
            assert response.status == 200
        return time.perf_counter() - started

    for path in paths:  # each query once first: the cache per store revision fills
        get(path)
    with ThreadPoolExecutor(concurrency) as pool:
        started = time.perf_counter()
        times = list(pool.map(get, (paths[i % len(paths)] for i in range(requests))))
        wall = time.perf_counter() - started
    median = statistics.median(times) * 1e3
    print(f"  {requests} requests in {wall:.2f} s ({requests / wall:.0f}/s), median {median:.1f} ms")
    _report(f"API p95, {requests} requests {concurrency} at a time", _p95(times) * 1e3, 100, "ms")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.load")
    parser.add_argument("--skip-browser", action="store_true")
    parser.add_argument("--viewers", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        env = {**os.environ, "TERRITORY_DB_URL": f"sqlite:///{tmp}/territory.sqlite"}
        log = Path(tmp, "server.log").open("w")  # noqa: SIM115 - open while the server runs
        server = subprocess.Popen(
            [sys.executable, "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            started = time.perf_counter()
            wait_until_serving(port)
            print(f"server answering after {time.perf_counter() - started:.1f} s")
            # ready: the bundled data loaded and the Overview's caches warm (pages/warm.py), and the
            # API's handlers made (on its first request): the load measures a running server
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/series", timeout=120).read()
            asyncio.run(open_session(port, timeout=120))
            mb, count = rss_mb(server.pid)
            print(f"server ready in {time.perf_counter() - started:.1f} s: {mb:.0f} MB ({count} processes)")
            server_capacity(server.pid, port)
            api_latency(port)
            if not args.skip_browser:
                from benchmarks.viewers import browser

                browser(port, args.viewers, server.pid)
            time.sleep(8)  # what starts late (the export browser, if it does) is up by now
            mb, count = rss_mb(server.pid)
            _report(f"idle instance memory after the load ({count} processes)", mb, 400, "MB")
        finally:
            server.terminate()
            server.wait(timeout=30)
            log.close()


if __name__ == "__main__":
    main()
