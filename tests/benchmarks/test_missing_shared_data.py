"""``make benchmarks`` on a machine without the team's data folder: the benchmarks that read it say that
they are skipped and why, and exit 0, instead of a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks import geodata as geodata_benchmark
from benchmarks import shipped_figures

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("benchmark", [shipped_figures, geodata_benchmark])
def test_a_benchmark_says_it_is_skipped(benchmark, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no-shared-data"
    benchmark.main(shared=missing)
    out = capsys.readouterr().out
    assert out.startswith(f"{benchmark.NAME}: skipped: it needs the team's data")
    assert str(missing / "deepstate" / "deepstate_occupied_daily.parquet") in out
    assert "TERRITORY_SHARED_DATA" in out


def test_the_command_exits_0_without_a_traceback(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "benchmarks.shipped_figures"], cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "TERRITORY_SHARED_DATA": str(tmp_path / "nothing")},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "benchmarks.shipped_figures: skipped" in result.stdout
