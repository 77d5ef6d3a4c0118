"""The store on a real SQLite file: round trip, supersession, and the bundled data loaded once."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from metrics.bundled import bundled_files, ensure_bundled_data
from metrics.schema import validate_figures
from metrics.store import (
    Batch,
    Figure,
    add_batch,
    list_batches,
    read_figures,
    revision,
    set_batch_status,
    write_transaction,
)
from tests.conftest import ROOT


def _figures(**overrides: object) -> pd.DataFrame:
    row = {
        "date": "2025-11-30", "period_start": "2025-11-01", "territory": "UKR", "region": "", "actor": "RU",
        "metric": "net_change_km2", "value": 701.25, "source": "ISW", "definition": "assessed control",
        "source_url": "https://example.org/a", "published": "2025-12-01", "notes": "=not a formula", "derived": False,
    }  # fmt: skip
    return validate_figures(pd.DataFrame([{**row, **overrides}]))


def _store(engine: Engine, figures: pd.DataFrame, sha: str) -> int:
    with write_transaction(engine) as conn:
        return add_batch(conn, figures, filename=f"{sha}.csv", sha256=sha)


def test_round_trip_keeps_every_column(engine: Engine) -> None:
    original = pd.concat([_figures(), _figures(metric="share_controlled_pct", value=19.3, region="UA-14",
                                               period_start="2025-11-30", derived=True)])  # fmt: skip
    batch_id = _store(engine, original, "a" * 64)
    back = read_figures(engine).sort_values("metric", ignore_index=True)
    expected = original.sort_values("metric", ignore_index=True)
    for column in ["date", "period_start", "territory", "region", "actor", "metric", "value", "source",
                   "definition", "source_url", "published", "notes", "derived"]:  # fmt: skip
        assert back[column].tolist() == expected[column].tolist(), column
    assert (back["batch_id"] == batch_id).all()
    batches = list_batches(engine)
    assert batches[["id", "rows", "status"]].values.tolist() == [[batch_id, 2, "active"]]


def test_a_later_batch_supersedes_and_the_old_figure_stays(engine: Engine) -> None:
    _store(engine, _figures(value=700), "a" * 64)
    before = revision(engine)
    second = _store(engine, _figures(value=701), "b" * 64)
    assert revision(engine) != before
    current = read_figures(engine)
    assert current[["value", "batch_id"]].values.tolist() == [[701, second]]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Figure)) == 2


def test_retracting_a_batch_brings_back_what_it_superseded_and_restore_undoes_it(engine: Engine) -> None:
    first = _store(engine, _figures(value=700), "a" * 64)
    second = _store(engine, _figures(value=701), "b" * 64)
    assert set_batch_status(engine, second, "retracted") == "active"
    assert read_figures(engine)[["value", "batch_id"]].values.tolist() == [[700, first]]
    assert set_batch_status(engine, second, "active") == "retracted"
    assert read_figures(engine)["value"].tolist() == [701]
    assert set_batch_status(engine, first, "retracted") == "active"  # an old batch: nothing visible changes
    assert read_figures(engine)["value"].tolist() == [701]
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Figure)) == 2  # nothing was deleted
    with pytest.raises(LookupError, match="no batch 99"):
        set_batch_status(engine, 99, "retracted")


def test_the_same_bytes_cannot_form_two_batches(engine: Engine) -> None:
    _store(engine, _figures(), "c" * 64)
    with pytest.raises(IntegrityError):
        _store(engine, _figures(), "c" * 64)
    assert len(read_figures(engine)) == 1  # the failed batch left nothing


def test_bundled_data_loads_once(engine: Engine) -> None:
    files = bundled_files()
    assert {f.name for f in files} >= {"deepstatemap_occupied.csv.gz", "isw_afp_2025-12.csv"}
    lines: list[str] = []
    assert ensure_bundled_data(engine, report=lines.append) == [f.name for f in files]
    assert any("43,064/43,064 figures stored" in line for line in lines)  # progress is reported
    count = len(read_figures(engine))
    assert ensure_bundled_data(engine, report=lines.append) == []
    assert len(read_figures(engine)) == count == 43_066


def test_two_processes_starting_together_load_the_bundled_data_once(store_url: str) -> None:
    code = (
        "import sys; from metrics.store import get_engine; from metrics.bundled import ensure_bundled_data; "
        f"print(len(ensure_bundled_data(get_engine({store_url!r}), report=lambda line: None)))"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]  # fmt: skip
    loaded = sorted(int(p.communicate(timeout=120)[0]) for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert sum(loaded) == len(bundled_files())  # each file landed exactly once, whoever landed it
    from metrics.store import get_engine

    engine = get_engine(store_url)
    with engine.connect() as conn:
        assert conn.scalar(select(func.count()).select_from(Batch)) == len(bundled_files())
        assert conn.scalar(select(func.count()).select_from(Figure)) == 43_066
