"""Helpers shared by the benchmark scripts (run from the project root: python -m benchmarks.NAME)."""

from __future__ import annotations

import os
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
#: The team's data folder (../shared/data beside the project); this variable points elsewhere.
SHARED_DATA_VARIABLE = "TERRITORY_SHARED_DATA"


def shared_data_dir() -> Path:
    """The team's data folder: ``$TERRITORY_SHARED_DATA``, else ../shared/data beside the project."""
    return Path(os.environ.get(SHARED_DATA_VARIABLE) or ROOT.parent / "shared" / "data")


def shared_files(benchmark: str, *relative: str, folder: Path | None = None) -> list[Path] | None:
    """The files of the team's data folder (``folder``, default ``shared_data_dir()``) that ``benchmark``
    reads; None, after printing which benchmark is skipped and why, when any of them is missing."""
    base = folder if folder is not None else shared_data_dir()
    paths = [base / name for name in relative]
    missing = [path for path in paths if not path.exists()]
    if missing:
        print(f"{benchmark}: skipped: it needs the team's data ({', '.join(str(p) for p in missing)} not found); "
              f"get ../shared/data or set {SHARED_DATA_VARIABLE} to the folder that holds it")  # fmt: skip
        return None
    return paths


def report(name: str, seconds: float, target: float) -> None:
    verdict = "ok" if seconds <= target else "OVER TARGET"
    print(f"{name}: {seconds:.3f} s (target < {target:g} s) {verdict}")


def free_port() -> int:
    """A free TCP port on the loopback interface."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int, poll: float = 0.05) -> None:
    """Block until the dashboard on ``port`` answers its health check."""
    import time
    import urllib.request

    while True:
        try:
            with urllib.request.urlopen(f"http://localhost:{port}/_stcore/health", timeout=1) as response:
                if response.read() == b"ok":
                    return
        except OSError:
            time.sleep(poll)


def use_navigation_in_apptest() -> None:
    """Keep AppTest from rerunning a page file alone (see tests/pages/conftest.py)."""
    import streamlit.testing.v1.app_test as app_test_module
    from streamlit.runtime.pages_manager import PagesManager

    class _NavigationPagesManager(PagesManager):
        def __init__(self, *args: object, **kwargs: object) -> None:
            PagesManager.uses_pages_directory = False
            super().__init__(*args, **kwargs)

    app_test_module.PagesManager = _NavigationPagesManager


def warm_runs(at, runs: int) -> list[float]:  # type: ignore[no-untyped-def]  # an AppTest, already run once
    """Seconds of each of ``runs`` further script runs of the AppTest ``at`` (its caches warm)."""
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        at.run()
        timings.append(time.perf_counter() - started)
    return timings
