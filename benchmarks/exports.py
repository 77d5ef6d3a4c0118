"""Chart and map exports on the shipped data (issue 6 targets): a warm PNG of the Overview chart
under 0.5 s, of the oblast map under 1 s, a month's PDF report under 15 s; also SVG, PDF and HTML
timings and sizes.

Run from the project root: python -m benchmarks.exports (needs Chromium or Chrome).
"""

from __future__ import annotations

import statistics
import tempfile
import time

from benchmarks._common import report
from geodata.maps import change_map_of, region_share_map
from metrics import images
from metrics import overview as ov
from metrics.bundled import ensure_bundled_data
from metrics.charts import monthly_net_change_chart
from metrics.report import build_report, report_pdf
from metrics.store import get_engine, list_series, read_figures


def _timed(make, runs: int = 5) -> tuple[float, int]:  # type: ignore[no-untyped-def]
    timings, size = [], 0
    for _ in range(runs):
        started = time.perf_counter()
        size = len(make())
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), size


def main() -> None:
    if images.chromium_path() is None:
        print(images.BROWSER_HINT)
        return
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/territory.sqlite")
        ensure_bundled_data(engine, report=lambda _line: None)
        data = ov.overview_data(read_figures(engine, regions=[""]))
        chart = monthly_net_change_chart(data.monthly, data.shares)
        values = ov.latest_region_values(engine, list_series(engine), "DeepStateMap", "occupied")
        oblasts = region_share_map(values, title="Share of each oblast", subtitle="DeepStateMap (occupied)",
                                   source="Source: DeepStateMap (occupied)")  # fmt: skip
    started = time.perf_counter()
    images.warm()
    print(f"export server and browser start (first image): {time.perf_counter() - started:.2f} s, once per process")
    for name, fig, target in (("chart", chart, 0.5), ("map", oblasts, 1.0)):
        seconds, size = _timed(lambda fig=fig: images.image_bytes(fig, "png"))
        report(f"warm PNG export of the {name} (median of 5, {size / 1024:.0f} KB)", seconds, target)
        for fmt in ("svg", "pdf"):
            seconds, size = _timed(lambda fig=fig, fmt=fmt: images.image_bytes(fig, fmt), runs=3)
            print(f"  {fmt.upper()} of the {name}: {seconds:.3f} s, {size / 1024:.0f} KB")
        seconds, size = _timed(lambda fig=fig: images.html_bytes(fig), runs=3)
        print(f"  HTML of the {name}: {seconds:.3f} s, {size / 1024:.0f} KB (plotly.js inlined)")
    with tempfile.TemporaryDirectory() as tmp:
        engine = get_engine(f"sqlite:///{tmp}/territory.sqlite")
        ensure_bundled_data(engine, report=lambda _line: None)
        started = time.perf_counter()
        pdf = report_pdf(build_report(engine, "2025-11-01", "2025-11-30", change_map=change_map_of(engine)))
        report_seconds = time.perf_counter() - started
        report(f"a month's PDF report (November 2025, {len(pdf) / 1024:.0f} KB)", report_seconds, 15)


if __name__ == "__main__":
    main()
