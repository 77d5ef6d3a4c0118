"""The export browser starts on the first export and stops when idle, so an idle instance holds no
browser; the next export starts it again. Runs in a child process: the server is per process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from metrics.images import chromium_path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = r"""
import os, time
from pathlib import Path
import plotly.graph_objects as go
from metrics import images

def browsers():
    # this process's descendants: the export browser's processes
    children = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = 0, [os.getpid()]
    while todo:
        kids = children.get(todo.pop(), [])
        found += len(kids)
        todo.extend(kids)
    return found

before = browsers()
assert not images.running()
assert images.image_bytes(go.Figure(), "png", scale=1, width=100).startswith(b"\x89PNG")
assert images.running()
up = browsers()
# wait for the idle stop (1.5 s) and the browser's exit, up to a minute, instead of a fixed pause
deadline = time.monotonic() + 60
while (images.running() or browsers() != before) and time.monotonic() < deadline:
    time.sleep(0.1)
print(before, up, browsers(), images.running())
assert images.image_bytes(go.Figure(), "svg", width=100).lstrip().startswith(b"<")
print(images.running())
"""


def test_the_export_browser_stops_when_idle_and_starts_again() -> None:
    if chromium_path() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("no Chromium under CI")
        pytest.skip("no Chromium or Chrome (image exports need one)")
    env = {**os.environ, "TERRITORY_EXPORT_IDLE_S": "1.5"}
    result = subprocess.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    counts, again = result.stdout.strip().splitlines()
    before, up, after, running = counts.split()
    assert int(up) > int(before)  # the browser's processes came up with the first export
    assert int(after) == int(before) and running == "False"  # and went away when idle
    assert again == "True"  # the next export starts it again
