"""The API as ``python app.py`` mounts it (metrics/api_routes.py): light to import, the same routes as
``metrics.api.routes``, and on the first request the store prepared and the real handlers answering."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.testclient import TestClient

from geodata.api import front_answers
from metrics import api, api_routes
from metrics.store import list_batches

ROOT = Path(__file__).resolve().parents[2]


def test_the_mounted_routes_are_the_apis_own() -> None:
    mounted = {(r.path, tuple(sorted(r.methods))) for r in api_routes.routes()}
    real = {(r.path, tuple(sorted(r.methods))) for r in api.routes(front=front_answers())}
    assert mounted == real


def test_importing_the_routes_loads_neither_pandas_nor_sqlalchemy() -> None:
    code = "import sys, metrics.api_routes; print(sorted(m for m in ('pandas', 'sqlalchemy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_first_request_loads_the_bundled_data_then_answers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from metrics.store import get_engine

    url = f"sqlite:///{tmp_path / 'territory.sqlite'}"
    monkeypatch.setenv("TERRITORY_DB_URL", url)
    client = TestClient(Starlette(routes=api_routes.routes(front_answers)))
    series = client.get("/api/v1/series")
    assert series.status_code == 200, series.text
    assert series.json()["sources"] >= 5 and len(list_batches(get_engine(url))) > 0
    settlements = client.get("/api/v1/settlements.json", params={"source": "DeepStateMap", "from": "2025-11-01",
                                                                   "to": "2025-11-30"})  # fmt: skip
    assert settlements.status_code == 200 and "Pokrovsk" in {r["name"] for r in settlements.json()}
    assert client.get("/api/v1/figures.csv", params={"freq": "X"}).status_code == 400
