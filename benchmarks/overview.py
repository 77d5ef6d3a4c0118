"""Overview script run, warm (AppTest timing) on the shipped data. Target: under 300 ms."""

from __future__ import annotations

import os
import statistics
import tempfile
import time

from streamlit.testing.v1 import AppTest

from benchmarks._common import ROOT, report, use_navigation_in_apptest, warm_runs
from metrics.bundled import ensure_bundled_data
from metrics.store import get_engine


def main(runs: int = 15) -> None:
    use_navigation_in_apptest()
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/territory.sqlite"
        ensure_bundled_data(get_engine(url), report=lambda _line: None)
        os.environ["TERRITORY_DB_URL"] = url
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        started = time.perf_counter()
        at.run()
        cold = time.perf_counter() - started
        assert not at.exception, at.exception
        timings = warm_runs(at, runs)
        assert any(m.value.startswith("| source |") for m in at.markdown), "the Overview should show its table"
    print(f"cold run {cold:.3f} s; warm runs: min {min(timings):.3f} s, max {max(timings):.3f} s")
    report(f"Overview script run, warm (median of {runs})", statistics.median(timings), 0.3)


if __name__ == "__main__":
    main()
