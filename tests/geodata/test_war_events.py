"""The shipped turning points of the war (geodata/data/events/events_2022-2026.csv): clean under the
events CSV rules, about 30 of them from the invasion to 2025, each with its source (publisher and
date), no made-up links, and loaded once into a store like the other bundled files."""

from __future__ import annotations

import re

import pandas as pd
import pytest
from sqlalchemy import Engine

import metrics.bundled as bundled
from metrics.bundled import BUNDLED_EVENTS_DIR, ensure_bundled_data
from metrics.events import MAX_SHORT_LABEL, parse_events_csv, read_events

WAR = BUNDLED_EVENTS_DIR / "events_2022-2026.csv"
_PUBLISHER_AND_DATE = re.compile(r"^[A-Z][\w .'&()-]+, \d{1,2}(-\d{1,2})? [A-Z][a-z]+ 20\d\d$")


@pytest.fixture(scope="module")
def events() -> pd.DataFrame:
    parsed = parse_events_csv(WAR.read_bytes(), WAR.name)
    assert parsed.ok, [p.as_text(WAR.name) for p in parsed.problems]
    return parsed.events


def test_about_thirty_turning_points_from_the_invasion_each_with_its_source(events: pd.DataFrame) -> None:
    assert 28 <= len(events) <= 35
    assert events["date"].is_monotonic_increasing and events["date"].is_unique
    assert events["date"].iloc[0] == pd.Timestamp("2022-02-24")
    assert events["date"].dt.year.value_counts().sort_index().index.tolist() == [2022, 2023, 2024, 2025]
    assert events["source"].str.match(_PUBLISHER_AND_DATE).all(), events.loc[
        ~events["source"].str.match(_PUBLISHER_AND_DATE), "source"
    ]
    assert (events["url"] == "").all()  # no links that could not be checked
    assert (events["short_label"].str.len() <= MAX_SHORT_LABEL).all() and (events["notes"] != "").all()
    labels = " ".join(events["label"])
    for place in ("invasion", "Kyiv region", "Mariupol", "Kharkiv", "Kherson", "Bakhmut", "counteroffensive",
                  "Avdiivka", "Kursk"):  # fmt: skip
        assert place in labels, place


def test_the_source_date_is_the_event_date_or_just_after(events: pd.DataFrame) -> None:
    for day, source in zip(events["date"], events["source"], strict=True):
        first_day = int(re.search(r", (\d{1,2})", source).group(1))
        month_year = source.rsplit(" ", 2)[-2:]
        reported = pd.Timestamp(f"{first_day} {month_year[0]} {month_year[1]}")
        assert pd.Timedelta(days=-2) <= reported - day <= pd.Timedelta(days=1), (day, source)


def test_the_war_events_load_once_as_a_bundled_batch(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bundled, "bundled_files", lambda: [])  # the figures are tested elsewhere
    monkeypatch.setattr(bundled, "bundled_event_files", lambda: [WAR])
    assert ensure_bundled_data(engine, report=lambda _line: None) == [WAR.name]
    assert ensure_bundled_data(engine, report=lambda _line: None) == []
    stored = read_events(engine)
    assert len(stored) == len(parse_events_csv(WAR.read_bytes(), WAR.name).events)
    assert stored.loc[stored["date"] == "2022-11-11", "short_label"].tolist() == ["Kherson liberated"]
