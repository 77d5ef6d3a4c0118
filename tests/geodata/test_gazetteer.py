"""The settlements gazetteer: the shipped extract (geodata/data/settlements.csv.gz) and the build
function that made it, on hand-built GeoNames records with known answers."""

from __future__ import annotations

import pandas as pd
import pytest

from geodata.gazetteer import (
    COLUMNS,
    MIN_POPULATION,
    SETTLEMENTS_FILE,
    extract_places,
    find_settlements,
    label,
    load_settlements,
    normalise,
    romanise,
    ukrainian_name,
)

OFFICIAL_AND_GEONAMES = [
    ("Sloviansk", "Slovyansk", "UA-14"),
    ("Zaporizhzhia", "Zaporizhzhya", "UA-23"),
    ("Kostiantynivka", "Kostyantynivka", "UA-14"),
    ("Huliaipole", "Hulyaypole", "UA-23"),
    ("Kupiansk", "Kupyansk", "UA-63"),
]


def test_the_shipped_gazetteer_is_small_and_complete() -> None:
    places = load_settlements()
    assert list(places.columns) == COLUMNS
    assert SETTLEMENTS_FILE.stat().st_size < 400 * 1024
    assert 5_000 < len(places) < 5_500 and places["geonameid"].is_unique
    assert (places["population"] >= MIN_POPULATION).all()
    assert (places["region"].str.match(r"^UA-\d{2}$")).all()  # every place in a shipped oblast
    assert places["lon"].between(22, 41).all() and places["lat"].between(44, 53).all()
    assert (places["name_from"] == "uk").mean() > 0.95


@pytest.mark.parametrize(("official", "geonames", "region"), OFFICIAL_AND_GEONAMES)
def test_a_place_is_found_by_either_spelling(official: str, geonames: str, region: str) -> None:
    by_official, by_geonames = find_settlements(official), find_settlements(geonames)
    assert len(by_official) >= 1
    pd.testing.assert_frame_equal(by_official, by_geonames)
    largest = by_official.iloc[0]  # largest first: the city, not a village of the same name
    assert (largest["name"], largest["alias"], largest["region"]) == (official, geonames, region)
    assert largest["population"] > 10_000


def test_search_ignores_case_apostrophes_and_script() -> None:
    assert find_settlements("sloviansk")["geonameid"].tolist() == [693468]
    assert find_settlements("Слов'янськ")["geonameid"].tolist() == [693468]
    assert find_settlements("Kiev")["name"].tolist() == ["Kyiv"]  # a kept alternate spelling
    assert find_settlements("Pokrovsk").iloc[0]["name_uk"] == "Покровськ"  # the Ukrainian, not the Russian
    assert find_settlements("Nowhere-on-Dnipro").empty


def test_namesakes_are_told_apart_by_geonameid_and_oblast() -> None:
    namesakes = find_settlements("Kostiantynivka")
    assert len(namesakes) >= 4 and namesakes["geonameid"].is_unique
    assert set(namesakes["name"]) == {"Kostiantynivka"}
    assert {"UA-14", "UA-23", "UA-48"} <= set(namesakes["region"])
    assert label("Kostiantynivka", "UA-14") == "Kostiantynivka (Donetsk Oblast)"
    assert len({label(r.name, r.region) for r in namesakes.itertuples()}) >= 3


def test_romanisation_follows_the_official_table() -> None:
    assert romanise("Запоріжжя") == "Zaporizhzhia"
    assert romanise("Гуляйполе") == "Huliaipole"
    assert romanise("Згурівка") == "Zghurivka"  # зг -> zgh
    assert romanise("Єнакієве") == "Yenakiieve"  # є at the start -> Ye, inside -> ie
    assert normalise("Kup’yans'k") == normalise("kupyansk")


def test_extract_places_on_hand_built_records() -> None:
    records = [
        {"geonameid": 1, "name": "Kupyansk", "population": 27169, "longitude": 37.61, "latitude": 49.71,
         "alternatenames": ["Kupiansk", "Kiev-ish", "Купьянск", "Купянськ", "Kupyans'k"]},
        {"geonameid": 2, "name": "Vishnyovka", "population": 1441, "longitude": 32.53, "latitude": 45.38,
         "alternatenames": ["Вишнёвка", "Qaragy"]},  # only a Russian spelling: keeps GeoNames' name
        {"geonameid": 3, "name": "Tiny", "population": 499, "longitude": 30.5, "latitude": 50.4,
         "alternatenames": []},  # under the threshold
    ]  # fmt: skip
    places = extract_places(records)
    assert places["geonameid"].tolist() == [1, 2]
    kupiansk, crimean = places.iloc[0], places.iloc[1]
    assert (kupiansk["name"], kupiansk["alias"], kupiansk["name_uk"]) == ("Kupiansk", "Kupyansk", "Купянськ")
    assert kupiansk["region"] == "UA-63" and kupiansk["name_from"] == "uk"
    assert "Купьянск" in kupiansk["alternates"].split("|")  # kept for search
    assert (crimean["name"], crimean["name_uk"], crimean["name_from"], crimean["region"]) == (
        "Vishnyovka", "", "geonames", "UA-43")  # fmt: skip


def test_ukrainian_name_refuses_a_different_name() -> None:
    assert ukrainian_name("Selyshche", ["Заболотье", "Selishche"]) == ""
    assert ukrainian_name("Pokrovsk", ["Красноармейск", "Покровск", "Покровськ"]) == "Покровськ"
