"""The data API (metrics/api.py) through Starlette's TestClient on a real SQLite store with the bundled
data: the CLI's bytes, paging, ETag and 304, CORS, and 400 with a list of problems."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from metrics import api
from metrics.store import get_engine, list_batches, set_batch_status

ROOT = Path(__file__).resolve().parents[2]


def _cli(store_url: str, *args: str) -> bytes:
    env = {**os.environ, "TERRITORY_DB_URL": store_url}
    result = subprocess.run([sys.executable, "-m", "metrics", *args], cwd=ROOT, env=env, capture_output=True,
                            timeout=120)  # fmt: skip
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('api') / 'territory.sqlite'}"
    _cli(url, "init")
    return url


@pytest.fixture(scope="module")
def client(store_url: str) -> TestClient:
    return TestClient(Starlette(routes=api.routes(lambda: get_engine(store_url))))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"metric": "share_controlled_pct", "source": "DeepStateMap", "region": "", "freq": "M",
         "from": "2025-01-01", "to": "2025-11-30"},
        {"metric": "net_change_km2", "freq": "M", "from": "2025-06-01"},
        {"region": "UA-14", "to": "2024-12-31"},
    ],
)  # fmt: skip
def test_csv_is_byte_for_byte_the_cli_export(client: TestClient, store_url: str, query: dict[str, str]) -> None:
    args = [a for k, v in query.items() for a in (f"--{k}", v)]
    expected = _cli(store_url, "export", *args)
    pages, offset = [], 0
    while True:  # all pages, following the Link header
        response = client.get("/api/v1/figures.csv", params={**query, "offset": offset})
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith("text/csv")
        pages.append(response.content)
        total = int(response.headers["x-total-count"])
        if 'rel="next"' not in response.headers.get("link", ""):
            break
        offset += api.MAX_LIMIT
    body = pages[0] + b"".join(p.split(b"\n", 1)[1] for p in pages[1:])  # one header row
    assert body == expected
    assert total == expected.count(b"\n") - 1 > 0


def test_json_has_the_cli_rows(client: TestClient, store_url: str) -> None:
    expected = _cli(store_url, "export", "--format", "json", "--source", "DeepStateMap", "--freq", "Q")
    response = client.get("/api/v1/figures.json?source=DeepStateMap&freq=Q")
    assert response.status_code == 200
    assert response.content == expected
    assert response.json()[0]["source"] == "DeepStateMap"


def test_paging_caps_rows_and_links_the_next_page(client: TestClient) -> None:
    first = client.get("/api/v1/figures.csv?metric=share_controlled_pct&limit=100")
    frame = pd.read_csv(io.StringIO(first.text), keep_default_na=False)
    assert len(frame) == 100
    total = int(first.headers["x-total-count"])
    assert total > 100
    link = first.headers["link"]
    assert 'rel="next"' in link and "offset=100" in link and "limit=100" in link
    next_url = link.split(">")[0].lstrip("<")
    second = client.get(next_url)
    frame2 = pd.read_csv(io.StringIO(second.text), keep_default_na=False)
    assert 'rel="prev"' in second.headers["link"]
    whole = pd.read_csv(io.StringIO(client.get("/api/v1/figures.csv?metric=share_controlled_pct&limit=200").text),
                        keep_default_na=False)  # fmt: skip
    pd.testing.assert_frame_equal(pd.concat([frame, frame2], ignore_index=True), whole)


def test_bad_parameters_answer_400_with_every_problem(client: TestClient) -> None:
    response = client.get(
        "/api/v1/figures.csv?metric=area&freq=X&from=2025-13-01&to=yesterday&region=Kyiv&limit=0&colour=red"
        "&source=Nobody"
    )
    assert response.status_code == 400
    assert response.headers["access-control-allow-origin"] == "*"
    problems = {p["parameter"]: p for p in response.json()["problems"]}
    assert set(problems) == {"metric", "freq", "from", "to", "region", "limit", "colour", "source"}
    assert problems["from"]["value"] == "2025-13-01" and "YYYY-MM-DD" in problems["from"]["message"]
    assert "share_controlled_pct" in problems["metric"]["message"]
    assert client.get("/api/v1/figures.csv?freq=M&freq=Q").status_code == 400  # one frequency
    assert client.get("/api/v1/figures.csv?from=2025-12-01&to=2025-11-01").status_code == 400
    assert client.get("/api/v1/figures.xml").status_code == 404
    assert client.get("/api/v1/series?x=1").status_code == 400


def test_etag_follows_the_store_revision_and_304_on_a_match(client: TestClient, store_url: str) -> None:
    url = "/api/v1/figures.json?source=DeepStateMap&from=2025-11-01"
    first = client.get(url)
    tag = first.headers["etag"]
    assert first.headers["cache-control"] == api.CACHE_CONTROL
    again = client.get(url, headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.content == b"" and again.headers["etag"] == tag
    assert client.get(url + "&to=2025-11-30").headers["etag"] != tag  # another query, another tag
    series_tag = client.get("/api/v1/series").headers["etag"]
    engine = get_engine(store_url)
    other = next(b.id for b in list_batches(engine).itertuples() if "deepstate" not in b.filename.lower())
    set_batch_status(engine, other, "retracted")  # the store changes: new revision, new tags
    try:
        changed = client.get(url, headers={"If-None-Match": tag})
        assert changed.status_code == 200 and changed.headers["etag"] != tag
        assert client.get("/api/v1/series", headers={"If-None-Match": series_tag}).status_code == 200
    finally:
        set_batch_status(engine, other, "active")
    restored = client.get(url, headers={"If-None-Match": tag})  # restoring is a write too: another revision
    assert restored.status_code == 200 and restored.headers["etag"] not in (tag, changed.headers["etag"])
    assert client.get(url, headers={"If-None-Match": restored.headers["etag"]}).status_code == 304


def test_cors_for_get_and_preflight(client: TestClient) -> None:
    response = client.get("/api/v1/regions", headers={"Origin": "https://newsroom.example"})
    assert response.headers["access-control-allow-origin"] == "*"
    assert "ETag" in response.headers["access-control-expose-headers"]
    preflight = client.options(
        "/api/v1/figures.csv", headers={"Origin": "https://newsroom.example", "Access-Control-Request-Method": "GET"}
    )
    assert preflight.status_code == 204
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert client.post("/api/v1/figures.csv").status_code == 405  # read-only


def test_series_lists_every_source_definition_and_metric(client: TestClient, store_url: str) -> None:
    body = client.get("/api/v1/series").json()
    series = {(s["source"], s["definition"], s["metric"]): s for s in body["series"]}
    deepstate = series[("DeepStateMap", "occupied", "area_controlled_km2")]
    exported = pd.read_csv(io.BytesIO(_cli(store_url, "export", "--source", "DeepStateMap", "--definition",
                                            "occupied", "--metric", "area_controlled_km2")))  # fmt: skip
    assert deepstate["first_date"] == exported["date"].min()
    assert deepstate["last_date"] == exported["date"].max()
    assert deepstate["figures"] == len(exported)
    assert deepstate["regions"] > 20 and deepstate["unit"] == "km2" and deepstate["licence"]
    assert len({s for s, _d, _m in series}) == body["sources"] >= 2


def test_regions_name_every_oblast(client: TestClient) -> None:
    body = client.get("/api/v1/regions").json()
    regions = {r["region"]: r for r in body["regions"]}
    assert len(regions) >= 25
    assert regions["UA-14"]["name"].startswith("Donets")
    assert 25_000 < regions["UA-14"]["area_km2"] < 28_000
    assert body["official_area_km2"] == 603628.0


def test_several_sources_and_metrics_as_the_data_page_filters(client: TestClient, store_url: str) -> None:
    from metrics.export import select_rows, to_bytes
    from metrics.store import read_figures

    link = api.api_link(
        "csv", metrics=["share_controlled_pct", "area_controlled_km2"], sources=["DeepStateMap", "ISW (AFP analysis)"],
        region="", freq="M", start="2025-01-01",
    )  # fmt: skip
    assert link.startswith("/api/v1/figures.csv?metric=share_controlled_pct&metric=area_controlled_km2&source=")
    response = client.get(link)
    assert response.status_code == 200, response.text
    rows = select_rows(
        read_figures(get_engine(store_url)), sources=["DeepStateMap", "ISW (AFP analysis)"],
        metrics=["share_controlled_pct", "area_controlled_km2"], region="", freq="M", start="2025-01-01",
    )  # fmt: skip
    assert response.content == to_bytes(rows, "csv")
    assert {"DeepStateMap", "ISW (AFP analysis)"} <= set(pd.read_csv(io.BytesIO(response.content))["source"])
    assert api.api_link("json") == "/api/v1/figures.json"
