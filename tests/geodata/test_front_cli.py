"""``python -m geodata settlements`` and ``python -m geodata frontline``: on a store loaded with the
bundled figures (the shipped change table and front-line figures), and on a store holding imported
snapshots only (the change table computed from them)."""

from __future__ import annotations

import json
from collections.abc import Callable

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from geodata.build_front import DEEPSTATE_FRONT_FILE
from geodata.front_figures import DISTANCE_FILE
from geodata.gazetteer import load_settlements
from tests.geodata.conftest import GEO_DATA, Run


@pytest.fixture(scope="module")
def bundled_url(tmp_path_factory: pytest.TempPathFactory, bundled_sqlite) -> str:  # type: ignore[no-untyped-def]
    return bundled_sqlite(tmp_path_factory.mktemp("front") / "store.sqlite")


def test_settlements_taken_in_november_2025_per_deepstatemap(
    cli_on: Callable[[str], Callable[..., Run]], bundled_url: str
) -> None:
    run = cli_on(bundled_url)
    csv = run("settlements", "--source", "DeepStateMap", "--from", "2025-11-01", "--to", "2025-11-30")
    assert csv.code == 0, csv.err
    rows = pd.read_csv(pd.io.common.StringIO(csv.out))
    assert list(rows.columns[:6]) == ["change", "date", "name", "oblast", "region", "population"]
    pokrovsk = rows[rows["name"] == "Pokrovsk"].iloc[0]
    assert (pokrovsk["change"], pokrovsk["oblast"], pokrovsk["population"]) == ("taken", "Donetsk Oblast", 60127)
    assert pokrovsk["date"].startswith("2025-11")
    assert f"{(rows['change'] == 'taken').sum()} settlements of 500+ people taken" in csv.err
    assert "census-era" in csv.err
    as_json = run("settlements", "--source", "DeepStateMap", "--definition", "occupied", "--from", "2025-11-01",
                  "--to", "2025-11-30", "--format", "json")  # fmt: skip
    assert [r["name"] for r in json.loads(as_json.out)] == rows["name"].tolist()


def test_frontline_per_date_from_the_store(cli_on: Callable[[str], Callable[..., Run]], bundled_url: str) -> None:
    run = cli_on(bundled_url)
    out = run("frontline", "--source", "DeepStateMap", "--from", "2025-11-01", "--to", "2025-11-30")
    assert out.code == 0, out.err
    rows = pd.read_csv(pd.io.common.StringIO(out.out))
    assert len(rows) == 29 and rows["date"].is_monotonic_increasing  # the archive lacks 2025-11-25
    shipped = pd.read_csv(DEEPSTATE_FRONT_FILE, keep_default_na=False)
    expected = shipped[(shipped["metric"] == "frontline_length_km") & (shipped["region"] == "")]
    expected = expected.set_index("date")["value"]
    assert rows.set_index("date")["frontline_length_km"].to_dict() == expected.loc[rows["date"]].to_dict()
    assert "front" in out.err and "settlements held" in out.err


def test_bad_input_exits_2_with_one_line(cli_on: Callable[[str], Callable[..., Run]], bundled_url: str) -> None:
    run = cli_on(bundled_url)
    backwards = run("settlements", "--source", "DeepStateMap", "--from", "2025-12-01", "--to", "2025-11-01")
    assert backwards.code == 2 and backwards.err.strip() == "--from 2025-12-01 is after --to 2025-11-01"
    unknown = run("settlements", "--source", "Nobody", "--from", "2025-11-01", "--to", "2025-11-30")
    assert unknown.code == 2 and "no settlement data for 'Nobody'" in unknown.err
    nothing = run("frontline", "--source", "Nobody")
    assert nothing.code == 2 and "no front-line figures for 'Nobody'" in nothing.err
    not_a_date = run("frontline", "--source", "DeepStateMap", "--from", "soon")
    assert not_a_date.code == 2 and "--from: 'soon' is not a date" in not_a_date.err


def test_imported_snapshots_give_their_own_changes_and_front(
    cli_on: Callable[[str], Callable[..., Run]], store_url: str
) -> None:
    run = cli_on(store_url)  # SQLite and PostgreSQL
    path = GEO_DATA / "two_dates.geojson"
    imported = run("import", path, "--source", "Test", "--definition", "occupied", "--date-field", "as_of")
    assert imported.code == 0, imported.err
    # the expected answer, computed independently from the fixture file and the gazetteer
    shapes = gpd.read_file(path)
    before = shapely.union_all(shapes[shapes["as_of"] == "2025-10-31"].geometry.values)
    after = shapely.union_all(shapes[shapes["as_of"] == "2025-11-30"].geometry.values)
    places = load_settlements()
    points = shapely.points(places["lon"], places["lat"])
    was, now = shapely.intersects(before, points), shapely.intersects(after, points)
    expected_taken = set(places.loc[now & ~was, "geonameid"])
    expected_lost = set(places.loc[was & ~now, "geonameid"])
    assert expected_taken and expected_lost  # the fixture moves over real places
    out = run("settlements", "--source", "Test", "--from", "2025-11-01", "--to", "2025-11-30")
    assert out.code == 0, out.err
    rows = pd.read_csv(pd.io.common.StringIO(out.out))
    assert set(rows.loc[rows["change"] == "taken", "geonameid"]) == expected_taken
    assert set(rows.loc[rows["change"] == "lost", "geonameid"]) == expected_lost
    assert (rows["date"] == "2025-11-30").all()
    front = run("frontline", "--source", "Test")
    assert front.code == 0, front.err
    lengths = pd.read_csv(pd.io.common.StringIO(front.out))
    assert lengths["date"].tolist() == ["2025-10-31", "2025-11-30"]
    assert lengths["settlements_held"].tolist() == [int(was.sum()), int(now.sum())]
    assert lengths["frontline_length_km"].iloc[0] == pytest.approx(400.0, rel=0.01)  # a 100 km square inside


def test_metrics_export_writes_the_distance_to_each_city(
    bundled_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from metrics.__main__ import main as metrics_main

    monkeypatch.setenv("TERRITORY_DB_URL", bundled_url)
    shipped = pd.read_csv(DISTANCE_FILE, keep_default_na=False)
    kramatorsk = shipped[(shipped["place"] == 704508) & (shipped["source"] == "DeepStateMap")].set_index("date")

    capsys.readouterr()
    args = ["export", "--metric", "distance_to_front_km", "--source", "DeepStateMap", "--from", "2025-11-01"]
    assert metrics_main(args) == 0
    rows = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert list(rows.columns[:5]) == ["date", "period_start", "territory", "region", "place"]
    assert set(rows["metric"]) == {"distance_to_front_km"} and rows["date"].min() >= "2025-11-01"
    mine = rows[rows["place"] == 704508].set_index("date")["value"]
    assert mine.to_dict() == kramatorsk.loc[mine.index, "value"].to_dict() and len(mine) > 290
    assert rows[rows["place"] == 704508]["notes"].str.contains("Kramatorsk").all()
    assert rows.groupby(["date", "place"]).size().max() == 1  # one figure per city and day

    args = ["export", "--metric", "distance_to_front_km", "--source", "DeepStateMap", "--definition", "occupied",
            "--freq", "M", "--from", "2025-11-01", "--to", "2025-11-30", "--region", "UA-14"]  # fmt: skip
    assert metrics_main(args) == 0
    month = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out), keep_default_na=False)
    assert set(month["region"]) == {"UA-14"} and set(month["date"]) == {"2025-11-30"}
    assert month.set_index("place").loc[704508, "value"] == kramatorsk.loc["2025-11-30", "value"]
