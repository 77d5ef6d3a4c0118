"""The geometry engine on real DeepStateMap snapshots (../shared/data/deepstate), in a temporary SQLite store.

Targets (issue 4): importing all 769 snapshots from the GeoParquet with areas and per-oblast figures
under 20 s, with its ratio to a floor measured in the same run (reprojection plus vectorised shapely
area alone); change between two dates under 0.2 s warm; the simplified snapshot for the map at most
50 KB with an area error under 0.1 %. Also: one raw GeoJSON snapshot imported (target 3 s).
"""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from benchmarks._common import report, shared_files
from geodata import deepstate
from geodata.areas import EQUAL_AREA_CRS
from geodata.boundaries import load_regions
from geodata.change import snapshot_change
from geodata.ingest import import_file
from geodata.snapshots import figures_from_snapshots
from geodata.store import current_snapshots, web_geometry
from geodata.web import simplify_for_web
from metrics.store import create_schema, get_engine

NAME = "benchmarks.geodata"
FILES = ("deepstate/deepstate_occupied_daily.parquet", "deepstate/raw_month_edges/deepstatemap_data_20251201.geojson",
         "deepstate/raw_month_edges/deepstatemap_data_20251101.geojson")  # fmt: skip


def _floor_seconds(parquet: Path) -> float:
    """Reprojection to the equal-area CRS plus shapely's vectorised area of every snapshot (best of 3)."""
    geoms = gpd.read_parquet(parquet).geometry
    times = []
    for _ in range(3):
        started = time.perf_counter()
        shapely.area(geoms.to_crs(EQUAL_AREA_CRS).values)
        times.append(time.perf_counter() - started)
    return min(times)


def _parts(parquet: Path) -> None:
    """Where the import's time goes, each part alone and in one thread (the import runs them in threads)."""
    snapshots = deepstate.read_archive_parquet(str(parquet))
    projected = snapshots.to_crs(EQUAL_AREA_CRS)
    started = time.perf_counter()
    figures_from_snapshots(projected, load_regions(), source="s", definition="d", territory_area_km2=603_628.0)
    overlay = time.perf_counter() - started
    started = time.perf_counter()
    for geometry, metres in zip(snapshots.geometry.values, projected.geometry.values, strict=True):
        simplify_for_web(geometry, projected=metres)
    web = time.perf_counter() - started
    print(f"  parts, one thread: area + 27-oblast overlay {overlay:.2f} s, web simplification {web:.2f} s")


def main(shared: Path | None = None) -> None:
    """``shared``: the team's data folder (default ``benchmarks._common.shared_data_dir()``)."""
    files = shared_files(NAME, *FILES, folder=shared)
    if files is None:
        return
    parquet, raw = files[0], files[1].parent
    with tempfile.TemporaryDirectory(prefix="bench-geodata-") as folder:
        # one raw GeoJSON snapshot, on an empty store (cold: boundaries loaded on first use)
        engine = get_engine(f"sqlite:///{Path(folder) / 'one.sqlite'}")
        create_schema(engine)
        started = time.perf_counter()
        import_file(engine, raw / "deepstatemap_data_20251201.geojson", source=deepstate.SOURCE,
                    definition=deepstate.DEFINITION)  # fmt: skip
        report("import one raw GeoJSON snapshot (read, clean, area, 27 oblasts, web geometry, store), cold",
               time.perf_counter() - started, 3)  # fmt: skip
        started = time.perf_counter()
        import_file(engine, raw / "deepstatemap_data_20251101.geojson", source=deepstate.SOURCE,
                    definition=deepstate.DEFINITION)  # fmt: skip
        report("import one raw GeoJSON snapshot, warm", time.perf_counter() - started, 3)

        # all 769 snapshots from the GeoParquet, as `python -m geodata import FILE --date-field source_file`
        engine = get_engine(f"sqlite:///{Path(folder) / 'all.sqlite'}")
        create_schema(engine)
        started = time.perf_counter()
        result = import_file(engine, parquet, source=deepstate.SOURCE, definition=deepstate.DEFINITION,
                             date_field="source_file")  # fmt: skip
        total = time.perf_counter() - started
        floor = _floor_seconds(parquet)
        print(f"{len(result.snapshots)} snapshots stored as one batch")
        report("import all DeepStateMap snapshots from GeoParquet (areas, per-oblast figures, web geometry, store)",
               total, 20)  # fmt: skip
        print(f"  floor (reprojection + vectorised area alone): {floor:.3f} s; import / floor = {total / floor:.1f}x")
        _parts(parquet)

        # change between two month-ends, from the store
        times = []
        for _ in range(6):
            started = time.perf_counter()
            change = snapshot_change(engine, source=deepstate.SOURCE, start="2025-10-31", end="2025-11-30")
            times.append(time.perf_counter() - started)
        whole = change.whole
        print(f"change 2025-10-31 to 2025-11-30: gained {whole['gained_km2']:,.1f}, lost {whole['lost_km2']:,.1f}, "
              f"net {whole['net_km2']:+,.1f} km2")  # fmt: skip
        report("  change between two dates, cold (first call)", times[0], 2)
        report("  change between two dates, warm (median of 5)", statistics.median(times[1:]), 0.2)

        # web geometry: computed at import, read from the store's cache
        ids = current_snapshots(engine, source=deepstate.SOURCE, geometry=False)["snapshot_id"].tolist()
        started = time.perf_counter()
        webs = [web_geometry(engine, int(i)) for i in ids]
        read = (time.perf_counter() - started) / len(ids)
        sizes = np.array([w.size_bytes for w in webs]) / 1024
        errors = np.array([w.area_error_pct for w in webs])
        verdict = "ok" if sizes.max() <= 50 and errors.max() < 0.1 else "OVER TARGET"
        print(f"web geometry of {len(webs)} snapshots: {sizes.mean():.1f} KB mean, {sizes.max():.1f} KB max "
              f"(target <= 50 KB); area error {errors.mean():.4f} % mean, {errors.max():.4f} % max "
              f"(target < 0.1 %) {verdict}")  # fmt: skip
        print(f"  read from the cache: {read * 1000:.2f} ms per snapshot")
        engine.dispose()


if __name__ == "__main__":
    main()
