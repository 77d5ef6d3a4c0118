"""The front line in the data API (metrics/api_front.py with geodata's answers, as app.py serves it):
the settlements of a period and the distances to the cities, byte for byte what the CLIs write."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from geodata.api import front_answers
from metrics import api
from metrics.store import get_engine

ROOT = Path(__file__).resolve().parents[2]


def _cli(store_url: str, *args: str) -> bytes:
    env = {**os.environ, "TERRITORY_DB_URL": store_url}
    result = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture(scope="module")
def store_url(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite: Callable[[Path], str]) -> str:
    return bundled_sqlite(tmp_path_factory.mktemp("api-front") / "territory.sqlite")


def _answers_as_the_cli(client: TestClient, store_url: str, path: str, query: dict[str, str], *cli: str):  # type: ignore[no-untyped-def]
    """The API's answer to ``query``, checked to be byte for byte ``python -m *cli`` on the same store."""
    response = client.get(path, params=query)
    assert response.status_code == 200, response.text
    assert response.content == _cli(store_url, *cli)
    return response


@pytest.fixture(scope="module")
def client(store_url: str) -> TestClient:
    return TestClient(Starlette(routes=api.routes(lambda: get_engine(store_url), front=front_answers())))


def test_settlements_are_the_cli_rows_and_cache_by_revision(client: TestClient, store_url: str) -> None:
    query = {"source": "DeepStateMap", "from": "2025-11-01", "to": "2025-11-30"}
    response = _answers_as_the_cli(
        client,
        store_url,
        "/api/v1/settlements.csv",
        query,
        "geodata",
        "settlements",
        "--source",
        "DeepStateMap",
        "--from",
        "2025-11-01",
        "--to",
        "2025-11-30",
    )
    rows = pd.read_csv(io.BytesIO(response.content), keep_default_na=False)
    assert "Pokrovsk" in set(rows[rows["change"] == "taken"]["name"])
    assert response.headers["x-total-count"] == str(len(rows)) and response.headers["access-control-allow-origin"]
    again = client.get("/api/v1/settlements.csv", params=query, headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    records = client.get("/api/v1/settlements.json", params=query).json()
    assert [r["name"] for r in records] == list(rows["name"])
    assert "settlements" in client.get("/api/v1").json()


@pytest.mark.parametrize(
    ("query", "parameter", "words"),
    [
        ({"from": "2025-11-01", "to": "2025-11-30"}, "source", "required"),
        ({"source": "DeepStateMap", "from": "2025-11-31", "to": "2025-12-01"}, "from", "YYYY-MM-DD"),
        ({"source": "DeepStateMap", "from": "2025-12-01", "to": "2025-11-01"}, "to", "swap"),
        ({"source": "Nobody", "from": "2025-11-01", "to": "2025-11-30"}, "source", "no settlement data"),
        ({"source": "DeepStateMap", "from": "2025-11-01", "to": "2025-11-30", "zoom": "3"}, "zoom", "unknown"),
    ],
)  # fmt: skip
def test_bad_settlement_queries_are_400_with_problems(
    client: TestClient, query: dict[str, str], parameter: str, words: str
) -> None:
    response = client.get("/api/v1/settlements.csv", params=query)
    assert response.status_code == 400, response.text
    problems = response.json()["problems"]
    assert any(p["parameter"] == parameter and words in p["message"] for p in problems), problems


def test_distances_in_the_figures_endpoint_are_the_cli_export(client: TestClient, store_url: str) -> None:
    query = {"metric": "distance_to_front_km", "source": "DeepStateMap", "from": "2026-09-01"}
    response = _answers_as_the_cli(
        client,
        store_url,
        "/api/v1/figures.csv",
        query,
        "metrics",
        "export",
        "--metric",
        "distance_to_front_km",
        "--source",
        "DeepStateMap",
        "--from",
        "2026-09-01",
    )
    rows = pd.read_csv(io.BytesIO(response.content))
    assert "place" in rows.columns and 704508 in set(rows["place"])  # Kramatorsk
