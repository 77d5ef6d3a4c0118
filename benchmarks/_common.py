"""Helpers shared by the benchmark scripts (run from the project root: python -m benchmarks.NAME)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


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
