"""Helpers shared by the benchmark scripts (run from the project root: python -m benchmarks.NAME)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data"


def report(name: str, seconds: float, target: float) -> None:
    verdict = "ok" if seconds <= target else "OVER TARGET"
    print(f"{name}: {seconds:.3f} s (target < {target:g} s) {verdict}")
