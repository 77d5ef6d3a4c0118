"""The CSV import takes the front line's count and length metrics like the area ones (issue 12)."""

from __future__ import annotations

from pathlib import Path

from metrics.ingest import import_figures
from metrics.store import create_schema, get_engine, read_figures

CSV = b"""date,metric,value,source,definition,region
2025-11-30,frontline_length_km,1289.5,Desk,occupied,
2025-11-30,settlements_held,1243,Desk,occupied,
2025-11-30,population_held,11896011,Desk,occupied,
2025-11-30,settlements_held,512,Desk,occupied,UA-14
"""


def test_count_and_length_metrics_import_exactly(tmp_path: Path) -> None:
    engine = get_engine(f"sqlite:///{tmp_path / 'territory.sqlite'}")
    create_schema(engine)
    result = import_figures(engine, CSV, "front.csv", who="tester")
    assert result.status == "imported", result.message
    stored = read_figures(engine, sources=["Desk"])
    values = {(r.metric, r.region): r.value for r in stored.itertuples()}
    assert values == {("frontline_length_km", ""): 1289.5, ("settlements_held", ""): 1243.0,
                      ("population_held", ""): 11896011.0, ("settlements_held", "UA-14"): 512.0}  # fmt: skip
