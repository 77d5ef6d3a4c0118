"""What every shipped figure file shares: its folder, its columns and how it is written."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from geodata.boundaries import REGIONS_FILE

__all__ = ["CSV_COLUMNS", "FIGURES_DIR", "write_figures"]

FIGURES_DIR = REGIONS_FILE.parent / "figures"
#: The columns of a shipped figure file: the project's CSV format plus ``quality`` ("", "glitch", "break").
CSV_COLUMNS = [
    "date", "period_start", "territory", "region", "actor", "metric", "value", "source", "definition",
    "source_url", "published", "notes", "quality",
]  # fmt: skip


def write_figures(figures: pd.DataFrame, name: str) -> Path:
    """Write ``figures`` as ``FIGURES_DIR/name`` (gzipped when the name ends in .gz, reproducibly: no
    timestamp in the gzip header), dates as YYYY-MM-DD, rows sorted; returns the path."""
    out = figures.copy()
    for column in ("date", "period_start"):
        out[column] = pd.to_datetime(out[column]).dt.strftime("%Y-%m-%d")
    for column in ("region", "source_url", "published", "notes", "quality"):
        out[column] = out[column].fillna("").astype(str) if column in out else ""
    out = out.sort_values(["source", "definition", "date", "region", "metric"], ignore_index=True)
    path = FIGURES_DIR / name
    path.parent.mkdir(exist_ok=True)
    compression = {"method": "gzip", "mtime": 0} if name.endswith(".gz") else None
    out[CSV_COLUMNS].to_csv(path, index=False, compression=compression, lineterminator="\n")
    return path
