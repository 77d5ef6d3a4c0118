"""AppTest of the Upload page: check a file, see the report or the preview, commit, retract,
restore; editors only when a password is set; a plain warning when served publicly without one."""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from collections.abc import Callable
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from streamlit import config
from streamlit.testing.v1 import AppTest

from geodata.store import current_snapshots
from metrics.store import get_engine, list_batches, read_figures

PAGE = "pages/upload.py"

GOOD = (
    b"date,period,metric,value,unit,source,definition,notes\n"
    b"2025-12-31,2025-12,net_change_km2,250,sq_mi,Test Desk,assessed control,monthly figure\n"
    b"2025-12-31,,share_controlled_pct,19.4,percent,Test Desk,assessed control,\n"
)
BAD = (
    b"date,metric,value,source\n"
    b"2025-12-31,share_controlled_pct,120,Test Desk\n"
    b"2025-13-45,area_controlled_km2,1000,Test Desk\n"
)
SUPERSEDING = (
    b"date,metric,value,source,definition\n"
    b"2025-11-30,share_controlled_pct,19.5,ISW (AFP analysis),assessed control+claimed\n"
)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upload_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def _batches(url: str) -> list[tuple[int, str, str]]:
    return [(b.id, b.filename, b.status) for b in list_batches(get_engine(url)).itertuples()]


def test_a_good_file_is_previewed_then_stored_and_can_be_retracted_and_restored(
    own_store: str, open_app: Callable[..., AppTest]
) -> None:
    at = _upload(open_app(own_store, PAGE), "december.csv", GOOD)
    before = _batches(own_store)
    counts = {m.label: m.value for m in at.metric}
    assert counts["New figures"] == "2"
    assert counts["Superseding stored figures"] == "0"
    assert not at.error
    assert len(at.get("plotly_chart")) == 1  # the chosen series before and after
    assert _batches(own_store) == before  # previewing stores nothing

    at.button(key="upload_commit").click().run()
    assert not at.exception, at.exception
    batches = _batches(own_store)
    assert len(batches) == len(before) + 1
    new_id, filename, status = batches[0]
    assert (filename, status) == ("december.csv", "active")
    assert any(f"batch {new_id}" in s.value for s in at.success)
    stored = read_figures(get_engine(own_store), sources=["Test Desk"])
    net = stored[stored["metric"] == "net_change_km2"].iloc[0]
    assert net["value"] == pytest.approx(250 * 2.589988110336)  # sq_mi converted to km2
    assert f"{net['period_start']:%Y-%m-%d}" == "2025-12-01"

    at.selectbox(key="upload_batch").set_value(new_id).run()
    at.button(key="upload_retract").click().run()
    assert not at.exception, at.exception
    assert _batches(own_store)[0][2] == "retracted"
    assert read_figures(get_engine(own_store), sources=["Test Desk"]).empty

    at.selectbox(key="upload_batch").set_value(new_id).run()
    at.button(key="upload_restore").click().run()
    assert _batches(own_store)[0][2] == "active"
    assert len(read_figures(get_engine(own_store), sources=["Test Desk"])) == 2


def test_a_bad_file_shows_every_problem_and_stores_nothing(own_store: str, open_app: Callable[..., AppTest]) -> None:
    before = _batches(own_store)
    at = _upload(open_app(own_store, PAGE), "bad.csv", BAD)
    assert "nothing was stored" in at.error[0].value
    report = at.dataframe[0].value  # the report comes before the batch history
    assert list(report.columns) == ["line", "column", "problem", "what to do"]
    assert report["line"].tolist() == [2, 3]
    assert report["column"].tolist() == ["value", "date"]
    assert "120" in report.iloc[0]["problem"]
    assert not [b for b in at.button if b.key == "upload_commit"]
    assert _batches(own_store) == before


def test_a_superseding_file_says_what_it_replaces(own_store: str, open_app: Callable[..., AppTest]) -> None:
    at = _upload(open_app(own_store, PAGE), "isw-fix.csv", SUPERSEDING)
    counts = {m.label: m.value for m in at.metric}
    assert counts["Superseding stored figures"] == "1"
    changes = at.dataframe[0].value  # "What changes" comes before the batch history
    row = changes.iloc[0]
    assert (row["change"], row["value"], row["previous_value"]) == ("supersedes", 19.5, 19.3)


def test_the_same_bytes_twice_change_nothing(own_store: str, open_app: Callable[..., AppTest]) -> None:
    at = _upload(open_app(own_store, PAGE), "december.csv", GOOD)
    at.button(key="upload_commit").click().run()
    count = len(_batches(own_store))
    at = _upload(open_app(own_store, PAGE), "december-again.csv", GOOD)
    assert any("already stored as batch" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "upload_commit"]
    assert len(_batches(own_store)) == count


def test_with_a_password_viewers_are_read_only_until_they_sign_in(
    own_store: str, open_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TERRITORY_EDITOR_PASSWORD", "correct horse")
    at = open_app(own_store, PAGE)
    assert not at.get("file_uploader")
    assert not [b for b in at.button if b.key == "upload_retract"]
    assert at.dataframe[-1].value["filename"].str.startswith("bundled:").all()

    at.text_input(key="upload_password").input("wrong")
    at.button[0].click().run()  # the form's submit button sends the password with it
    assert "Wrong password" in at.error[0].value
    assert not at.get("file_uploader")

    at.text_input(key="upload_password").input("correct horse")
    at.button[0].click().run()
    assert not at.exception, at.exception
    assert at.get("file_uploader")
    assert [b for b in at.button if b.key == "upload_retract"]


def test_served_publicly_without_a_password_the_page_says_so(
    own_store: str, open_app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TERRITORY_EDITOR_PASSWORD", raising=False)
    previous = config.get_option("server.address")
    try:
        for address, warned in (("0.0.0.0", True), ("", True), ("127.0.0.1", False), ("localhost", False)):
            config.set_option("server.address", address)
            at = open_app(own_store, PAGE)
            assert any("TERRITORY_EDITOR_PASSWORD" in w.value for w in at.warning) is warned, address
    finally:
        config.set_option("server.address", previous)


GEO = Path(__file__).resolve().parents[1] / "data" / "geo"


def _upload_polygons(at: AppTest, path: Path, *, date_field: str = "", date: dt.date | None = None) -> AppTest:
    at.text_input(key="upload_geo_source").input("Test Polygons")
    at.text_input(key="upload_geo_definition").input("claimed")
    at.text_input(key="upload_geo_field").input(date_field)
    if date is not None:
        at.date_input(key="upload_geo_date").set_value(date)
    at.file_uploader(key="upload_geo_file").set_value((path.name, path.read_bytes(), "application/geo+json")).run()
    assert not at.exception, at.exception
    return at


def test_a_polygon_file_is_previewed_then_stored_with_its_figures(
    own_store: str, open_app: Callable[..., AppTest]
) -> None:
    before = _batches(own_store)
    at = _upload_polygons(open_app(own_store, PAGE), GEO / "two_dates.geojson", date_field="as_of")
    preview = at.dataframe[0].value
    assert preview["date"].tolist() == ["2025-10-31", "2025-11-30"]
    assert _batches(own_store) == before

    at.button(key="upload_geo_commit").click().run()
    assert not at.exception, at.exception
    assert any("2 snapshots stored as batch" in s.value for s in at.success)
    snapshots = current_snapshots(get_engine(own_store), source="Test Polygons", geometry=False)
    assert snapshots["date"].dt.strftime("%Y-%m-%d").tolist() == ["2025-10-31", "2025-11-30"]
    figures = read_figures(get_engine(own_store), sources=["Test Polygons"], regions=[""])
    assert set(figures["metric"]) == {
        "area_controlled_km2",
        "share_controlled_pct",
        "frontline_length_km",
        "settlements_held",
        "population_held",
    }  # areas and the front line's figures
    assert figures["derived"].all()


def test_a_bad_polygon_file_shows_its_problems_and_stores_nothing(
    own_store: str, open_app: Callable[..., AppTest]
) -> None:
    before = _batches(own_store)
    at = _upload_polygons(open_app(own_store, PAGE), GEO / "bad" / "points.geojson", date=dt.date(2025, 11, 30))
    assert "nothing was stored" in at.error[0].value
    report = at.dataframe[0].value
    assert list(report.columns) == ["feature", "problem", "what to do"]
    assert "polygon" in " ".join(report["problem"]).lower()
    assert not [b for b in at.button if b.key == "upload_geo_commit"]
    assert _batches(own_store) == before


def test_pulling_deepstatemap_days_from_an_archive_stores_them(
    own_store: str,
    open_app: Callable[..., AppTest],
    monkeypatch: pytest.MonkeyPatch,
    shared_data: Callable[[str], Path],
) -> None:
    folder = shared_data("deepstate/raw_month_edges")
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("TERRITORY_DEEPSTATE_URL", f"http://127.0.0.1:{server.server_address[1]}")
        at = open_app(own_store, PAGE)
        at.date_input(key="upload_sync_from").set_value(dt.date(2025, 11, 29))
        at.date_input(key="upload_sync_to").set_value(dt.date(2025, 11, 30))
        at.button(key="upload_sync").click().run()
        assert not at.exception, at.exception
    finally:
        server.shutdown()
        server.server_close()
    dates = current_snapshots(get_engine(own_store), source="DeepStateMap", geometry=False)["date"]
    assert dates.dt.strftime("%Y-%m-%d").tolist() == ["2025-11-29", "2025-11-30"]
    labels = [s.label for s in at.status]
    assert any("2 day(s) stored, 0 gap(s)" in label for label in labels), labels


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *_: object) -> None:
        pass


# --- events --------------------------------------------------------------------------------------------

EVENTS = b"date,label,source,url\n2025-12-20,Test talks in Geneva,Test Desk,https://example.org/talks\n"
BAD_EVENTS = b"date;label;source\n2025-12-32;Test talks;Test Desk\n2025-12-21;;Test Desk\n"


def _upload_events(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="upload_events_file").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def test_an_events_file_is_previewed_then_stored_and_can_be_retracted(
    own_store: str, open_app: Callable[..., AppTest]
) -> None:
    from metrics.events import read_events

    before = _batches(own_store)
    at = _upload_events(open_app(own_store, PAGE), "talks.csv", EVENTS)
    preview = at.dataframe[0].value  # the preview comes before the batch history
    assert preview[["line", "change", "label", "source"]].values.tolist() == [
        [2, "new", "Test talks in Geneva", "Test Desk"]
    ]
    assert _batches(own_store) == before  # previewing stores nothing

    at.button(key="upload_events_commit").click().run()
    assert not at.exception, at.exception
    new_id, filename, status = _batches(own_store)[0]
    assert (filename, status) == ("talks.csv", "active")
    # the message names the uploaded file, so it is Markdown-escaped (metrics.display): read it unescaped
    shown = [re.sub(r"\\(.)", r"\1", s.value) for s in at.success]
    assert any(f"1 event: 1 new, 0 updating, 0 unchanged; stored as batch {new_id}" in s for s in shown)
    assert "Test talks in Geneva" in read_events(get_engine(own_store))["label"].tolist()

    at = _upload_events(open_app(own_store, PAGE), "talks-again.csv", EVENTS)  # the same bytes: nothing to do
    assert any(f"already stored as batch {new_id}" in i.value for i in at.info)
    assert not [b for b in at.button if b.key == "upload_events_commit"]

    at.selectbox(key="upload_batch").set_value(new_id).run()
    at.button(key="upload_retract").click().run()
    assert "Test talks in Geneva" not in read_events(get_engine(own_store))["label"].tolist()


def test_a_bad_events_file_shows_every_problem_and_stores_nothing(
    own_store: str, open_app: Callable[..., AppTest]
) -> None:
    before = _batches(own_store)
    at = _upload_events(open_app(own_store, PAGE), "bad-events.csv", BAD_EVENTS)
    assert "nothing was stored" in at.error[0].value
    report = at.dataframe[0].value
    assert report[["line", "column"]].values.tolist() == [[2, "date"], [3, "label"]]
    assert '"2025-12-32"' in report.iloc[0]["problem"]
    assert not [b for b in at.button if b.key == "upload_events_commit"]
    assert _batches(own_store) == before


def test_the_format_help_is_the_generated_text(loaded_store: str, open_app: Callable[..., AppTest]) -> None:
    from metrics.ingest import max_upload_bytes
    from metrics.review import events_format_help, figures_format_help

    at = open_app(loaded_store, PAGE)
    shown = [m.value for m in at.markdown]
    assert figures_format_help(max_upload_bytes() // 2**20) in shown
    assert events_format_help() in shown


def _jumping(mark: str) -> bytes:
    rows = [("2025-12-01", 100_000), ("2025-12-02", 100_010), ("2025-12-03", 108_000), ("2025-12-04", 100_020),
            ("2025-12-05", 100_030)]  # fmt: skip
    lines = [b"date,metric,value,unit,source,definition,quality,notes"]
    for day, value in rows:
        quality, note = (mark, "glitch: a redraw undone the next day") if day == "2025-12-03" and mark else ("", "")
        lines.append(f"{day},area_controlled_km2,{value},km2,Test Desk,occupied,{quality},{note}".encode())
    return b"\n".join(lines) + b"\n"


def test_the_preview_warns_of_new_glitch_suspects_unless_the_file_marks_them(
    own_store: str, open_app: Callable[..., AppTest]
) -> None:
    at = _upload(open_app(own_store, PAGE), "jump.csv", _jumping(""))
    [warning] = [w.value for w in at.warning if "look like glitches" in w.value]
    assert warning.startswith("1 figure(s) of this file look like glitches")
    [suspects] = [d.value for d in at.dataframe if list(d.value.columns) == ["source", "definition", "region",
                                                                            "date", "value"]]  # fmt: skip
    assert suspects[["source", "date", "value"]].to_dict("records") == [
        {"source": "Test Desk", "date": "2025-12-03", "value": 108_000.0}
    ]
    at = _upload(open_app(own_store, PAGE), "jump-marked.csv", _jumping("glitch"))
    assert not [w for w in at.warning if "look like glitches" in w.value]
