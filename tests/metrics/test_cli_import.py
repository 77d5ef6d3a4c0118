"""``python -m metrics import FILE.csv [--dry-run]`` as users and scripts call it (contract in DESIGN.md):
exit codes, the one-line-per-problem format, the bad corpus leaving the store as it was, month-end stocks
giving the monthly net change through ``export``, an import killed half-way, and two imports at once."""

from __future__ import annotations

import io
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, func, select

from benchmarks.ingest import realistic_csv
from metrics.__main__ import main
from metrics.bundled import bundled_event_files, bundled_files
from metrics.ingest import import_figures, parse_figures_csv, plan_import
from metrics.store import Batch, Figure, get_engine, list_batches, read_figures
from tests.metrics.test_ingest import BAD, BAD_FILES, GOOD

ROOT = Path(__file__).resolve().parents[2]


def _metrics(store_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TERRITORY_DB_URL": store_url, **env}
    return subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, env=environment, capture_output=True,
                          text=True, timeout=120)  # fmt: skip


def _counts(url: str) -> tuple[int, int]:
    with get_engine(url).connect() as conn:
        return conn.scalar(select(func.count()).select_from(Batch)), conn.scalar(
            select(func.count()).select_from(Figure)
        )


@pytest.fixture(scope="module")
def loaded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """An SQLite store with the bundled data, shared by the tests of this module that only read it or
    leave it as it was."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'territory.sqlite'}"
    result = _metrics(url, "init")
    assert result.returncode == 0, result.stderr
    return url


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_each_bad_file_exits_2_with_one_line_per_problem_and_changes_nothing(
    name: str, loaded_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERRITORY_DB_URL", loaded_url)
    before = _counts(loaded_url)
    path = str(BAD / name)
    assert main(["import", path]) == 2  # the CLI's own entry point, in this process (fast)
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert len(lines) == len(BAD_FILES[name])
    for line, (number, column, _words) in zip(lines, BAD_FILES[name], strict=True):
        assert line.startswith(f"{path}:{number}: " + (f"{column}: " if column else ""))
    assert "nothing stored" in out
    assert _counts(loaded_url) == before


def _main(url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str):
    """The CLI's entry point in this process (fast): (exit code, stdout, stderr)."""
    monkeypatch.setenv("TERRITORY_DB_URL", url)
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_import_prints_a_summary_and_a_re_import_is_a_no_op(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'territory.sqlite'}"
    path = GOOD / "periods.csv"
    code, out, err = _main(url, monkeypatch, capsys, "import", str(path), "--dry-run")
    assert (code, err) == (0, "")
    assert "Loading bundled data" in out  # the first start loads the bundled data (on stdout)
    assert "8 figures: 8 new, 0 superseding, 0 unchanged" in out and "dry run: nothing stored" in out
    before = _counts(url)
    assert before[0] == len(bundled_files()) + len(bundled_event_files())  # the bundled files of figures and events

    first = _metrics(url, "import", str(path))  # the real command line, once
    assert first.returncode == 0, first.stderr
    batch = list_batches(get_engine(url)).iloc[0]
    assert (
        first.stdout.strip() == f"{path}: 8 figures: 8 new, 0 superseding, 0 unchanged; stored as batch {batch['id']}"
    )
    assert (batch["filename"], batch["rows"], batch["status"]) == ("periods.csv", 8, "active")
    assert batch["who"]  # the OS user name
    assert _counts(url) == (before[0] + 1, before[1] + 8)

    code, out, err = _main(url, monkeypatch, capsys, "import", str(path))
    assert (code, err) == (0, "")
    assert f"already imported as batch {batch['id']}" in out and "nothing changed" in out
    assert _counts(url) == (before[0] + 1, before[1] + 8)

    changed = tmp_path / "periods-v2.csv"
    changed.write_bytes(path.read_bytes().replace(b"4700", b"4750"))
    code, out, err = _main(url, monkeypatch, capsys, "import", str(changed))
    assert code == 0 and "8 figures: 0 new, 1 superseding, 7 unchanged" in out


def test_bad_input_exit_codes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite:///{tmp_path / 'territory.sqlite'}"
    missing = _metrics(url, "import", str(tmp_path / "nowhere.csv"))  # the real command line
    assert missing.returncode == 2
    assert (
        missing.stderr
        == f"{tmp_path / 'nowhere.csv'}:1: cannot read the file (No such file or directory); check the path\n"
    )
    code, _, err = _main(url, monkeypatch, capsys, "import", str(tmp_path))
    assert code == 2 and "cannot read the file" in err
    bad = BAD / "bad_dates.csv"
    code, out, err = _main(url, monkeypatch, capsys, "import", str(bad))
    assert code == 2
    assert [line.split(": ")[0] for line in err.splitlines()] == [f"{bad}:{n}" for n in (2, 3, 4, 5)]
    assert out.splitlines()[-1] == f"{bad}: 4 problems; nothing stored"
    monkeypatch.setenv("TERRITORY_MAX_UPLOAD_MB", "0.0001")
    code, _, err = _main(url, monkeypatch, capsys, "import", str(GOOD / "periods.csv"))
    assert code == 2 and "TERRITORY_MAX_UPLOAD_MB" in err
    monkeypatch.setenv("TERRITORY_MAX_UPLOAD_MB", "lots")
    code, _, err = _main(url, monkeypatch, capsys, "import", str(GOOD / "periods.csv"))
    assert code == 1 and err.startswith("error: ")  # any other failure: 1


_MONTH_END_STOCKS = """date,region,metric,value,source,definition
2025-08-31,,area_controlled_km2,1000,Test monitor,occupied
2025-09-15,,area_controlled_km2,1050,Test monitor,occupied
2025-09-30,,area_controlled_km2,1100.5,Test monitor,occupied
2025-10-31,,area_controlled_km2,1050.25,Test monitor,occupied
2025-11-30,,area_controlled_km2,1200,Test monitor,occupied
2025-08-31,UA-14,area_controlled_km2,500,Test monitor,occupied
2025-09-30,UA-14,area_controlled_km2,510,Test monitor,occupied
2025-10-31,UA-14,area_controlled_km2,530.5,Test monitor,occupied
2025-11-30,UA-14,area_controlled_km2,530.5,Test monitor,occupied
"""


def test_month_end_stocks_give_the_monthly_net_change_through_export(
    store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "stocks.csv"
    path.write_text(_MONTH_END_STOCKS)
    code, out, err = _main(store_url, monkeypatch, capsys, "import", str(path))
    assert (code, err) == (0, ""), out
    exported = _metrics(store_url, "export", "--metric", "net_change_km2", "--source", "Test monitor", "--freq", "M")
    assert exported.returncode == 0, exported.stderr
    rows = pd.read_csv(io.StringIO(exported.stdout), keep_default_na=False, dtype={"region": str})
    got = list(rows[["date", "period_start", "region", "value"]].itertuples(index=False, name=None))
    assert got == [
        ("2025-09-30", "2025-09-01", "", 100.5), ("2025-09-30", "2025-09-01", "UA-14", 10.0),
        ("2025-10-31", "2025-10-01", "", -50.25), ("2025-10-31", "2025-10-01", "UA-14", 20.5),
        ("2025-11-30", "2025-11-01", "", 149.75), ("2025-11-30", "2025-11-01", "UA-14", 0.0),
    ]  # fmt: skip
    assert set(rows["metric"]) == {"net_change_km2"} and set(rows["definition"]) == {"occupied"}
    assert rows["derived"].all()  # flows derived from the stocks


_KILLED = """
import sys
from pathlib import Path
from metrics.ingest import import_figures
from metrics.store import get_engine

def progress(stage, fraction):
    if stage == "storing":
        print(f"storing {fraction}", flush=True)

import_figures(get_engine(sys.argv[1]), Path(sys.argv[2]).read_bytes(), "big.csv", progress=progress)
print("done", flush=True)
"""


def test_an_import_killed_while_it_stores_leaves_the_store_as_before(
    engine: Engine, store_url: str, tmp_path: Path
) -> None:
    import_figures(engine, (GOOD / "periods.csv").read_bytes(), "periods.csv")
    before = _counts(store_url)
    big = tmp_path / "big.csv"
    realistic_csv(40_000, big)  # 8 chunks of 5,000 rows
    proc = subprocess.Popen([sys.executable, "-c", _KILLED, store_url, str(big)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)  # fmt: skip
    seen = []
    for line in proc.stdout:
        seen.append(line.strip())
        if line.startswith("storing") and 0 < float(line.split()[1]) < 1:
            os.kill(proc.pid, signal.SIGKILL)  # half-way: some chunks inserted, not committed
            break
    proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL, (seen, proc.stderr.read())
    assert "done" not in seen and any(s.startswith("storing 0.") for s in seen)
    assert _counts(store_url) == before
    if store_url.startswith("sqlite"):
        with sqlite3.connect(store_url.split("///", 1)[1]) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert plan_import(engine, parse_figures_csv(big.read_bytes(), "big.csv")).existing_batch is None
    after = import_figures(engine, (GOOD / "latin1_comma.csv").read_bytes(), "latin1_comma.csv")
    assert after.status == "imported"  # the store takes writes again (no lock left behind)
    assert _counts(store_url) == (before[0] + 1, before[1] + 2)


_RACER = """
import sys
from pathlib import Path
from metrics.ingest import import_figures
from metrics.store import get_engine
engine = get_engine(sys.argv[1])
data = Path(sys.argv[2]).read_bytes()
print("ready", flush=True)
sys.stdin.readline()  # the parent says go once every racer is ready
print(import_figures(engine, data, Path(sys.argv[2]).name).status, flush=True)
"""


def _race(store_url: str, *files: Path) -> list[str]:
    """Import the files in as many processes started together; their statuses."""
    procs = [
        subprocess.Popen([sys.executable, "-c", _RACER, store_url, str(f)], cwd=ROOT, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for f in files
    ]  # fmt: skip
    for proc in procs:
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read()
    for proc in procs:
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
    return [out.strip() for out, _ in outputs]


def test_imports_at_the_same_time_all_land_and_the_same_bytes_land_once(
    engine: Engine, store_url: str, tmp_path: Path
) -> None:
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    realistic_csv(10_000, first)
    frame = pd.read_csv(first, keep_default_na=False, dtype=str)
    frame.assign(source=frame["source"] + " (second)").to_csv(second, index=False)
    statuses = _race(store_url, first, second, second)  # three processes started together
    assert statuses[0] == "imported"
    assert sorted(statuses[1:]) == ["already imported", "imported"]  # the same bytes: one batch
    batches = list_batches(engine)
    assert sorted(batches["filename"]) == ["first.csv", "second.csv"]
    assert _counts(store_url) == (2, 20_000)
    assert len(read_figures(engine)) == 20_000
