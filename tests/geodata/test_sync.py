"""``geodata sync deepstate`` against a loopback HTTP server serving raw archive files from
../shared/data/deepstate/raw_month_edges (nothing here touches the internet): the days present are
pulled, gaps (404) skipped and reported, a flaky 503 retried, a second run pulls nothing, and a run cut
short (a limit, or a server that keeps failing) leaves what it stored and is completed by the next run."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import Engine

from geodata import deepstate
from geodata.store import current_snapshots
from geodata.sync import SyncError, archive_file_name, base_url, fetch, sync_deepstate
from metrics.store import read_figures, set_batch_status
from tests.geodata.conftest import RAW_MONTH_EDGES, Run, counts

# four files in the raw month edges around November 2025: maps as of 10-30, 10-31, 11-29 and 11-30
FILE_DAYS = ["20251031", "20251101", "20251130", "20251201"]
AS_OF = [pd.Timestamp(d) for d in ("2025-10-30", "2025-10-31", "2025-11-29", "2025-11-30")]
START, END = "2025-10-28", "2025-11-30"  # 34 as-of days: 4 files, 30 gaps


class Archive:
    """Files served under /data/, with failures to order: ``flaky[name] = n`` answers 503 n times
    first; ``broken`` names answer 500 always; ``corrupt`` names get bytes that are not GeoJSON."""

    def __init__(self, files: dict[str, bytes]) -> None:
        self.files = files
        self.flaky: Counter[str] = Counter()
        self.broken: set[str] = set()
        self.corrupt: set[str] = set()
        self.requests: Counter[str] = Counter()
        self.url = ""


@pytest.fixture
def archive(shared_data: Callable[[str], Path]) -> Iterator[Archive]:
    files = {f"deepstatemap_data_{d}.geojson": shared_data(f"{RAW_MONTH_EDGES}/deepstatemap_data_{d}.geojson")
             for d in FILE_DAYS}  # fmt: skip
    state = Archive({name: path.read_bytes() for name, path in files.items()})

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the http.server API
            name = self.path.rsplit("/", 1)[-1]
            state.requests[name] += 1
            if not self.path.startswith("/data/") or name not in state.files:
                self.send_error(404)
            elif name in state.broken:
                self.send_error(500)
            elif state.flaky[name] > 0:
                state.flaky[name] -= 1
                self.send_error(503)
            else:
                body = b'{"type": "FeatureCollection", "features": [' if name in state.corrupt else state.files[name]
                self.send_response(200)
                self.send_header("Content-Type", "application/geo+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/data"
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _sync(engine: Engine, archive: Archive, lines: list[str] | None = None, **options: object):  # type: ignore[no-untyped-def]
    report = lines.append if lines is not None else lambda _: None
    return sync_deepstate(engine, url=archive.url, start=START, end=END, backoff=0.01, report=report, **options)  # type: ignore[arg-type]


def _stored_dates(engine: Engine) -> list[pd.Timestamp]:
    return current_snapshots(engine, source=deepstate.SOURCE, geometry=False)["date"].tolist()


def test_sync_pulls_the_days_present_skips_gaps_retries_a_503_and_a_second_run_pulls_nothing(
    engine: Engine, archive: Archive, shared_data: Callable[[str], Path]
) -> None:
    archive.flaky["deepstatemap_data_20251101.geojson"] = 1
    lines: list[str] = []
    result = _sync(engine, archive, lines)
    assert sorted(result.stored) == AS_OF
    assert len(result.gaps) == 30 and not set(result.gaps) & set(AS_OF)
    assert not result.failed and not result.stopped
    assert archive.requests["deepstatemap_data_20251101.geojson"] == 2  # 503, then 200
    assert any("deepstatemap_data_20251101.geojson: HTTP 503" in line and "retrying" in line for line in lines)
    assert any(line.startswith("[3/34] 2025-10-30 deepstatemap_data_20251031.geojson: 1") for line in lines), lines
    assert lines[-1].startswith("done: 4 days stored, 30 gaps in the archive (2025-10-28, 2025-10-29, 2025-11-01")
    assert _stored_dates(engine) == AS_OF
    assert len(set(result.stored.values())) == 4  # each day its own batch

    # the areas stored equal the reference of each file
    reference = pd.read_csv(shared_data("deepstate/deepstate_daily_area_derived.csv"), parse_dates=["date"])
    expected = reference.set_index("date")["area_km2_laea"].reindex([d + pd.Timedelta(days=1) for d in AS_OF])
    figures = read_figures(engine, sources=[deepstate.SOURCE], regions=[""], metrics=["area_controlled_km2"])
    assert np.abs(figures["value"].to_numpy() / expected.to_numpy() - 1).max() < 0.0005
    assert figures["source_url"].str.startswith(archive.url).all()

    before, requested = counts(engine), sum(archive.requests.values())
    again = _sync(engine, archive)
    assert not again.stored and again.present == 4 and len(again.gaps) == 30
    assert counts(engine) == before
    asked_again = sum(archive.requests.values()) - requested
    assert asked_again == 30  # only the gaps are asked again, none of the stored days


def test_an_interrupted_sync_resumes_where_it_stopped(engine: Engine, archive: Archive) -> None:
    first = _sync(engine, archive, limit=2)
    assert first.stopped and sorted(first.stored) == AS_OF[:2]
    assert _stored_dates(engine) == AS_OF[:2]
    second = _sync(engine, archive)
    assert sorted(second.stored) == AS_OF[2:] and second.present == 2
    assert _stored_dates(engine) == AS_OF


def test_a_server_failing_mid_way_keeps_the_days_stored_and_the_next_run_completes(
    engine: Engine, archive: Archive
) -> None:
    archive.broken.add("deepstatemap_data_20251130.geojson")
    with pytest.raises(SyncError, match=r"deepstatemap_data_20251130.geojson: HTTP 500 .* \(after 3 attempts\)"):
        _sync(engine, archive, retries=2)
    assert archive.requests["deepstatemap_data_20251130.geojson"] == 3
    assert _stored_dates(engine) == AS_OF[:2]  # the days before the failure stay stored
    archive.broken.clear()
    result = _sync(engine, archive)
    assert sorted(result.stored) == AS_OF[2:]
    assert _stored_dates(engine) == AS_OF


def test_a_file_that_does_not_parse_is_not_stored_and_the_others_are(engine: Engine, archive: Archive) -> None:
    archive.corrupt.add("deepstatemap_data_20251101.geojson")
    lines: list[str] = []
    result = _sync(engine, archive, lines)
    assert list(result.failed) == [pd.Timestamp("2025-10-31")]
    assert "not a spatial file" in result.failed[pd.Timestamp("2025-10-31")]
    assert any("FAILED the checks, not stored" in line for line in lines)
    assert _stored_dates(engine) == [AS_OF[0], *AS_OF[2:]]
    archive.corrupt.clear()
    assert list(_sync(engine, archive).stored) == [pd.Timestamp("2025-10-31")]


def test_a_day_a_user_retracted_is_not_stored_again(engine: Engine, archive: Archive) -> None:
    result = _sync(engine, archive)
    day = pd.Timestamp("2025-10-31")
    set_batch_status(engine, result.stored[day], "retracted")
    lines: list[str] = []
    again = _sync(engine, archive, lines)
    assert not again.stored and list(again.skipped) == [day]
    assert any(f"batch {result.stored[day]} holds this day and was retracted" in line for line in lines)
    assert day not in _stored_dates(engine)


def test_fetch_reads_file_urls_and_treats_a_missing_file_as_a_gap(tmp_path: Path) -> None:
    (tmp_path / "a.geojson").write_bytes(b"{}")
    assert fetch(f"file://{tmp_path}/a.geojson") == b"{}"
    assert fetch(f"file://{tmp_path}/missing.geojson") is None


def test_base_url_explicit_then_environment_then_the_public_archive(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERRITORY_DEEPSTATE_URL", raising=False)
    assert base_url() == "https://raw.githubusercontent.com/cyterat/deepstate-map-data/main/data"
    monkeypatch.setenv("TERRITORY_DEEPSTATE_URL", "http://127.0.0.1:9/mirror/")
    assert base_url() == "http://127.0.0.1:9/mirror"
    assert base_url("http://elsewhere/data") == "http://elsewhere/data"
    assert archive_file_name(pd.Timestamp("2025-12-01")) == "deepstatemap_data_20251201.geojson"


def test_cli_sync_uses_the_environment_url_and_prints_progress(
    sqlite_url: str, archive: Archive, cli_on: Callable[[str], Callable[..., Run]], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERRITORY_DEEPSTATE_URL", archive.url)
    run = cli_on(sqlite_url)
    result = run("sync", "deepstate", "--from", "2025-11-28", "--to", "2025-11-30")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    head = f"DeepStateMap archive {archive.url}: 3 days 2025-11-28 to 2025-11-30, 0 already stored, 3 to fetch"
    assert lines[0] == head
    assert lines[1] == "[1/3] 2025-11-28 deepstatemap_data_20251129.geojson: not in the archive (gap), skipped"
    assert lines[2].startswith("[2/3] 2025-11-29 deepstatemap_data_20251130.geojson: 115,741.4 km2, stored (batch ")
    assert lines[-1] == "done: 2 days stored, 1 gaps in the archive (2025-11-28)"
    again = run("sync", "deepstate", "--from", "2025-11-28", "--to", "2025-11-30")
    assert again.code == 0 and "2 already stored, 1 to fetch" in again.out
    assert run("sync", "deepstate", "--from", "2025-11-30", "--to", "2025-11-01").code == 2
    archive.corrupt.add("deepstatemap_data_20251031.geojson")
    failed = run("sync", "deepstate", "--base-url", archive.url, "--from", "2025-10-30", "--to", "2025-10-30")
    assert failed.code == 1 and "FAILED the checks" in failed.out
