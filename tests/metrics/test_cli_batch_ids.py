"""``python -m metrics retract|restore BATCH_ID`` with ids that cannot be a batch's: too large for the
store's integer ids, negative, not a number. Each exits 2 with "no batch N" and changes nothing, on
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from metrics.__main__ import main
from metrics.bundled import ensure_bundled_data
from metrics.store import list_batches

IDS = ["99999999999999999999", "2147483648", "-5", "abc", "1.5", "", "0x1", "٣"]


@pytest.mark.parametrize("command", ["retract", "restore"])
@pytest.mark.parametrize("batch_id", IDS, ids=[f"id{i}" for i in range(len(IDS))])
def test_an_impossible_batch_id_exits_2_with_no_batch_n(
    engine: Engine, store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    command: str, batch_id: str,
) -> None:  # fmt: skip
    monkeypatch.setenv("TERRITORY_DB_URL", store_url)
    assert main([command, "--", batch_id]) == 2
    captured = capsys.readouterr()
    assert captured.err.startswith(f"no batch {batch_id}: ") and "batches" in captured.err
    assert "Error" not in captured.err and captured.out == ""


def test_ids_in_range_still_retract_restore_and_say_when_missing(
    engine: Engine, store_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TERRITORY_DB_URL", store_url)
    ensure_bundled_data(engine, report=lambda _line: None)
    first = int(list_batches(engine)["id"].min())
    assert main(["retract", str(first)]) == 0
    assert main(["restore", str(first)]) == 0
    assert capsys.readouterr().out.splitlines() == [f"batch {first} retracted", f"batch {first} restored"]
    assert main(["retract", "2147483647"]) == 2  # the largest id the store can hold: looked up, not there
    assert capsys.readouterr().err.startswith("no batch 2147483647: ")
    assert set(list_batches(engine)["status"]) == {"active"}
