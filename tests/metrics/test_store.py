"""The store (metrics.store) on a real database: round trip, supersession by key, revisions, and the
bundled data loaded once, also by two processes starting at the same moment."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.exc import IntegrityError

from metrics.bundled import bundled_event_files, bundled_files, ensure_bundled_data
from metrics.figure_model import validate_figures
from metrics.store import (
    Batch,
    Figure,
    add_batch,
    get_engine,
    list_batches,
    read_figures,
    revision,
    set_batch_status,
    write_transaction,
)

ROOT = Path(__file__).resolve().parents[2]

_ROW = {
    "date": "2025-11-30", "period_start": "2025-11-01", "territory": "UKR", "region": "", "actor": "RU",
    "metric": "net_change_km2", "value": 701.25, "source": "ISW", "definition": "assessed control",
    "source_url": "https://example.org/a?b=1", "published": "2025-12-01", "notes": "seized in November",
    "derived": False,
}  # fmt: skip


def _figures(*overrides: dict[str, object]) -> pd.DataFrame:
    return validate_figures(pd.DataFrame([{**_ROW, **o} for o in overrides or ({},)]))


def _store(engine: Engine, figures: pd.DataFrame, sha: str) -> int:
    with write_transaction(engine) as conn:
        return add_batch(conn, figures, filename=f"{sha[:8]}.csv", sha256=sha)


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(table))


def _rows_in_files(files: list[Path]) -> int:
    return sum(len(pd.read_csv(f, dtype=str, keep_default_na=False)) for f in files)


def test_round_trip_returns_the_same_values_dates_text_and_flags(engine: Engine) -> None:
    original = _figures(
        {},
        {"metric": "share_controlled_pct", "value": 19.3, "region": "UA-14", "date": "2025-11-30",
         "period_start": "2025-11-30", "derived": True, "notes": "Донецька область, 19,3 % — «derived»",
         "published": "", "source_url": ""},
        {"metric": "area_controlled_km2", "value": 0.001, "date": "2024-02-29", "period_start": "2024-02-29",
         "source": "DeepStateMap", "definition": "occupied", "actor": "RU", "notes": ""},
    )  # fmt: skip
    batch_id = _store(engine, original, "a" * 64)
    back = read_figures(engine)
    assert len(back) == 3
    assert back["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-02-29", "2025-11-30", "2025-11-30"]  # oldest first
    assert pd.api.types.is_datetime64_any_dtype(back["date"])
    assert pd.api.types.is_datetime64_any_dtype(back["period_start"])
    key = ["date", "metric"]
    back, expected = back.sort_values(key, ignore_index=True), original.sort_values(key, ignore_index=True)
    for column in ("date", "period_start", "territory", "region", "actor", "metric", "source", "definition",
                   "source_url", "published", "notes"):  # fmt: skip
        assert back[column].tolist() == expected[column].tolist(), column
    assert back["value"].tolist() == expected["value"].tolist()  # floats stored exactly
    assert back["derived"].tolist() == [False, False, True]
    assert back["derived"].dtype == bool
    assert (back["batch_id"] == batch_id).all()
    batches = list_batches(engine)
    assert batches[["id", "filename", "rows", "status"]].values.tolist() == [[batch_id, "aaaaaaaa.csv", 3, "active"]]


def test_read_figures_filters(engine: Engine) -> None:
    _store(engine, _figures({}, {"region": "UA-14"}, {"source": "Other", "date": "2025-10-31",
                                                      "period_start": "2025-10-01"}), "a" * 64)  # fmt: skip
    assert read_figures(engine, regions=[""])["region"].tolist() == ["", ""]
    assert read_figures(engine, regions=["UA-14"])["region"].tolist() == ["UA-14"]
    assert read_figures(engine, sources=["Other"])["source"].tolist() == ["Other"]
    assert len(read_figures(engine, since=dt.date(2025, 11, 1))) == 2
    assert read_figures(engine, metrics=["share_controlled_pct"]).empty


def test_a_later_batch_with_the_same_key_wins_and_the_old_row_stays(engine: Engine) -> None:
    first = _store(engine, _figures({"value": 700}, {"definition": "other definition", "value": 5}), "a" * 64)
    second = _store(engine, _figures({"value": 701}), "b" * 64)
    current = read_figures(engine).set_index("definition")
    assert current.loc["assessed control", ["value", "batch_id"]].tolist() == [701, second]
    assert current.loc["other definition", ["value", "batch_id"]].tolist() == [5, first]  # another key: kept
    assert _count(engine, Figure) == 3  # the superseded figure is still in the table
    with engine.connect() as conn:
        values = conn.scalars(select(Figure.value).where(Figure.definition == "assessed control")).all()
    assert sorted(values) == [700, 701]


def test_a_figure_with_another_period_start_is_another_key(engine: Engine) -> None:
    _store(engine, _figures({"value": 701}), "a" * 64)
    _store(engine, _figures({"value": 160, "period_start": "2025-11-24"}), "b" * 64)  # the last week, not the month
    assert sorted(read_figures(engine)["value"].tolist()) == [160, 701]


def test_revision_changes_after_a_batch_and_after_a_retraction(engine: Engine) -> None:
    empty = revision(engine)
    assert revision(engine) == empty  # stable while nothing changes
    first = _store(engine, _figures(), "a" * 64)
    after_first = revision(engine)
    assert after_first != empty
    _store(engine, _figures({"value": 702}), "b" * 64)
    after_second = revision(engine)
    assert after_second not in (empty, after_first)
    set_batch_status(engine, first, "retracted")
    assert revision(engine) != after_second


def test_retracting_a_batch_brings_back_what_it_superseded(engine: Engine) -> None:
    first = _store(engine, _figures({"value": 700}), "a" * 64)
    second = _store(engine, _figures({"value": 701}), "b" * 64)
    assert set_batch_status(engine, second, "retracted") == "active"
    assert read_figures(engine)[["value", "batch_id"]].values.tolist() == [[700, first]]
    assert set_batch_status(engine, second, "active") == "retracted"
    assert read_figures(engine)["value"].tolist() == [701]
    assert _count(engine, Figure) == 2  # nothing deleted
    with pytest.raises(LookupError, match="no batch 99"):
        set_batch_status(engine, 99, "retracted")


def test_the_same_bytes_cannot_form_two_batches(engine: Engine) -> None:
    _store(engine, _figures(), "c" * 64)
    with pytest.raises(IntegrityError):
        _store(engine, _figures({"value": 1}), "c" * 64)
    assert read_figures(engine)["value"].tolist() == [701.25]  # the failed batch left nothing
    assert _count(engine, Batch) == 1


def test_bundled_data_loads_each_shipped_file_once(engine: Engine) -> None:
    files = bundled_files()
    assert {f.name for f in files} >= {"deepstatemap_occupied.csv.gz", "isw_afp_2025-12.csv"}
    lines: list[str] = []
    landed = [*files, *bundled_event_files()]  # the events file lands as a batch of events
    assert ensure_bundled_data(engine, report=lines.append) == [f.name for f in landed]
    batches = list_batches(engine)
    assert sorted(batches["filename"]) == sorted(f"bundled:{f.name}" for f in landed)
    rows_per_file = {f"bundled:{f.name}": _rows_in_files([f]) for f in landed}
    assert dict(zip(batches["filename"], batches["rows"], strict=True)) == rows_per_file
    expected = _rows_in_files(files)
    assert _count(engine, Figure) == expected == len(read_figures(engine))
    assert any(line.startswith("Loading bundled data") for line in lines)
    shipped = _rows_in_files([f for f in files if f.name == "deepstatemap_occupied.csv.gz"])
    assert any(f"{shipped:,}/{shipped:,} figures stored" in line for line in lines)  # progress is reported
    revision_before = revision(engine)

    again: list[str] = []
    assert ensure_bundled_data(engine, report=again.append) == []
    assert again == []  # nothing to say: nothing loaded
    assert _count(engine, Batch) == len(landed) and _count(engine, Figure) == expected
    assert revision(engine) == revision_before


def test_a_retracted_bundled_file_is_not_loaded_again(engine: Engine) -> None:
    ensure_bundled_data(engine, report=lambda line: None)
    isw = list_batches(engine).set_index("filename").loc["bundled:isw_afp_2025-12.csv", "id"]
    set_batch_status(engine, int(isw), "retracted")
    assert ensure_bundled_data(engine, report=lambda line: None) == []
    figures = read_figures(engine)
    assert int(isw) not in set(figures["batch_id"])  # none of the retracted file's figures is active


_RACER = """
import sys
from metrics.store import get_engine
from metrics.bundled import ensure_bundled_data
engine = get_engine(sys.argv[1])
print("ready", flush=True)
sys.stdin.readline()  # imports done: the parent says go once both racers are ready
print(",".join(ensure_bundled_data(engine, report=lambda line: None)))
"""


def test_two_processes_starting_together_load_the_bundled_data_once(store_url: str) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", _RACER, store_url], cwd=ROOT, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]  # fmt: skip
    for proc in procs:  # both interpreters are up and have imported: start together
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    loaded = [name for out, _ in outputs for name in out.strip().split(",") if name]
    files = bundled_files()
    shipped = [*files, *bundled_event_files()]
    assert sorted(loaded) == sorted(f.name for f in shipped)  # each file landed once, whoever landed it
    engine = get_engine(store_url)
    batches = list_batches(engine)
    assert sorted(batches["filename"]) == sorted(f"bundled:{f.name}" for f in shipped)
    assert _count(engine, Figure) == _rows_in_files(files)


def test_the_default_engine_follows_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = f"sqlite:///{tmp_path / 'a.sqlite'}", f"sqlite:///{tmp_path / 'b.sqlite'}"
    monkeypatch.setenv("TERRITORY_DB_URL", first)
    assert str(get_engine().url) == first
    monkeypatch.setenv("TERRITORY_DB_URL", second)
    assert str(get_engine().url) == second
    assert get_engine() is get_engine(second)  # still one engine per URL
