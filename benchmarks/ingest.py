"""Importing a 100,000-row CSV of figures into a fresh SQLite store (issue 3).

Targets: the import (``metrics.ingest.import_figures``: decode, sniff, check, plan, store) under 5 s and
within 3x of the floor measured in the same run (``pandas.read_csv`` of the file plus a bulk insert of
the same rows into a fresh store of the same kind, with ``store.add_batch``); the peak memory (RSS) of a
process that only imports the file under 500 MB.

Also shown: how long checking takes when every line of the file has problems (no target).

Run from the project root: ``python -m benchmarks.ingest [--rows N]``. Writes only to a temporary folder.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks._common import ROOT, report
from metrics.ingest import import_figures, parse_figures_csv
from metrics.schema import region_areas
from metrics.store import add_batch, create_schema, get_engine, write_transaction

SOURCES = [("DeepStateMap", "occupied"), ("ISW", "assessed control"), ("Example monitor", "claimed")]
METRICS = ["area_controlled_km2", "share_controlled_pct", "net_change_km2"]


def realistic_csv(rows: int, path: Path) -> None:
    """``rows`` figures: 3 sources x (whole territory + 27 regions) x (area, share, daily net change), one
    day after another from 2024-07-01; values with decimals, some notes with commas and Cyrillic."""
    regions = ["", *region_areas("UKR")]
    per_day = len(SOURCES) * len(regions) * len(METRICS)
    days = -(-rows // per_day)
    rng = np.random.default_rng(3)
    grid = pd.MultiIndex.from_product(
        [pd.date_range("2024-07-01", periods=days, freq="D"), range(len(SOURCES)), regions, METRICS],
        names=["date", "source_i", "region", "metric"],
    ).to_frame(index=False)[:rows]
    area = np.where(grid["region"] == "", 116_000.0, 800.0) * rng.uniform(0.5, 1.0, rows)
    value = np.select(
        [grid["metric"] == "area_controlled_km2", grid["metric"] == "share_controlled_pct"],
        [area.round(3), (area / 6036.28).round(3)],
        rng.normal(0, 20, rows).round(2),
    )
    day = grid["date"].dt.strftime("%Y-%m-%d")
    frame = pd.DataFrame({
        "date": day,
        "period_start": day,
        "territory": "UKR",
        "region": grid["region"],
        "actor": "RU",
        "metric": grid["metric"],
        "value": value,
        "unit": np.where(grid["metric"] == "share_controlled_pct", "percent", "km2"),
        "source": [SOURCES[i][0] for i in grid["source_i"]],
        "definition": [SOURCES[i][1] for i in grid["source_i"]],
        "source_url": "https://example.org/figures?page=1",
        "notes": np.where(rng.random(rows) < 0.1, "перевірено, з картою", ""),
    })  # fmt: skip
    frame.to_csv(path, index=False)


def floor_seconds(path: Path, url: str) -> float:
    """pandas.read_csv of the file plus a bulk insert of its rows (add_batch) into a fresh store."""
    engine = get_engine(url)
    create_schema(engine)
    started = time.perf_counter()
    frame = pd.read_csv(path, keep_default_na=False, parse_dates=["date", "period_start"])
    frame = frame.assign(published="", derived=False)
    with write_transaction(engine) as conn:
        add_batch(conn, frame, filename=path.name, sha256=hashlib.sha256(path.read_bytes()).hexdigest())
    return time.perf_counter() - started


def import_seconds(path: Path, url: str) -> tuple[float, str]:
    engine = get_engine(url)
    create_schema(engine)
    started = time.perf_counter()
    result = import_figures(engine, path.read_bytes(), path.name, who="benchmark")
    seconds = time.perf_counter() - started
    assert result.status == "imported", result.parsed.problems[:5]
    return seconds, result.message


# Peak RSS: VmHWM of /proc/self/status where there is one (Linux). ru_maxrss is a fallback only: Linux
# carries the parent's peak over fork + exec into it, so it would count this benchmark's own memory.
_PEAK = """
import json, resource, sys
from pathlib import Path
from metrics.ingest import import_figures, parse_figures_csv
from metrics.store import create_schema, get_engine

def peak_kb():
    try:
        lines = Path("/proc/self/status").read_text().splitlines()
        return int(next(l for l in lines if l.startswith("VmHWM:")).split()[1])
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss

engine = get_engine(sys.argv[2])
create_schema(engine)
before = peak_kb()
result = import_figures(engine, Path(sys.argv[1]).read_bytes(), "peak.csv")
assert result.status == "imported", result.message
print(json.dumps({"before_kb": before, "peak_kb": peak_kb()}))
"""


def peak_memory_mb(path: Path, url: str) -> tuple[float, float]:
    """(peak RSS before the import, modules loaded; peak RSS) in MB of a child process that only imports."""
    out = subprocess.run([sys.executable, "-c", _PEAK, str(path), url], cwd=ROOT, capture_output=True, text=True,
                         check=True)  # fmt: skip
    figures = json.loads(out.stdout.strip().splitlines()[-1])
    return figures["before_kb"] / 1024, figures["peak_kb"] / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "figures.csv"
        realistic_csv(args.rows, path)
        print(f"{args.rows:,} rows, {path.stat().st_size / 2**20:.1f} MB")
        floors, imports = [], []
        for attempt in range(3):  # the best of three of each, interleaved
            floors.append(floor_seconds(path, f"sqlite:///{folder}/floor{attempt}.sqlite"))
            seconds, message = import_seconds(path, f"sqlite:///{folder}/import{attempt}.sqlite")
            imports.append(seconds)
        floor, best = min(floors), min(imports)
        print(message)
        print(f"floor (pandas.read_csv + bulk insert): {floor:.3f} s")
        report("import into a fresh SQLite store", best, 5.0)
        ratio = best / floor
        print(f"import / floor: {ratio:.2f}x (target < 3x) {'ok' if ratio < 3 else 'OVER TARGET'}")
        broken = path.read_bytes().replace(b",UKR,", b",XYZ,").replace(b",km2,", b",acres,")
        started = time.perf_counter()
        problems = len(parse_figures_csv(broken, "broken.csv").problems)
        print(f"checking the same file with a problem on every line: {time.perf_counter() - started:.3f} s "
              f"({problems:,} problems)")  # fmt: skip
        before, peak = peak_memory_mb(path, f"sqlite:///{folder}/peak.sqlite")
        verdict = "ok" if peak < 500 else "OVER TARGET"
        print(f"peak RSS of a process importing the file: {peak:.0f} MB (target < 500 MB) {verdict}; "
              f"{before:.0f} MB before the import (Python, pandas, SQLAlchemy, pandera)")  # fmt: skip


if __name__ == "__main__":
    main()
