"""The editor gate: the right password opens, wrong ones are refused and slowed down per client."""

from __future__ import annotations

import time

import pytest

from metrics.auth import EditorGate, editor_password, is_loopback


def test_without_a_password_everyone_may_edit() -> None:
    gate = EditorGate(None)
    assert not gate.required
    assert gate.check("", "anyone")


def test_the_right_password_opens_and_wrong_ones_do_not() -> None:
    waits: list[float] = []
    gate = EditorGate("s3cret ünïcode", sleep=waits.append)
    assert gate.required
    assert not gate.check("s3cret", "a")
    assert not gate.check("s3cret ünïcode ", "a")
    assert gate.check("s3cret ünïcode", "a")


def test_wrong_attempts_double_the_wait_per_client_until_a_right_one() -> None:
    waits: list[float] = []
    gate = EditorGate("pw", first_delay=0.5, max_delay=4.0, sleep=waits.append)
    for _ in range(6):
        assert not gate.check("guess", "10.0.0.9")
    # the first attempt answers at once; each further one waits twice as long, up to the cap
    assert waits == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert gate.delay("10.0.0.9") == 4.0
    assert gate.delay("10.0.0.7") == 0.0  # another client is not slowed by this one
    assert gate.check("pw", "10.0.0.9")
    assert gate.failures("10.0.0.9") == 0
    assert gate.delay("10.0.0.9") == 0.0


def test_the_default_really_waits() -> None:
    gate = EditorGate("pw", first_delay=0.2)
    gate.check("wrong", "c")
    started = time.perf_counter()
    gate.check("wrong again", "c")
    assert time.perf_counter() - started >= 0.2


def test_password_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERRITORY_EDITOR_PASSWORD", raising=False)
    assert editor_password() is None
    monkeypatch.setenv("TERRITORY_EDITOR_PASSWORD", "")
    assert editor_password() is None
    monkeypatch.setenv("TERRITORY_EDITOR_PASSWORD", "pw")
    assert editor_password() == "pw"


@pytest.mark.parametrize(
    ("address", "loopback"),
    [("localhost", True), ("127.0.0.1", True), ("::1", True), ("[::1]", True), ("127.0.1.1", True),
     ("", False), (None, False), ("0.0.0.0", False), ("::", False), ("192.168.1.20", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_addresses(address: str | None, loopback: bool) -> None:
    assert is_loopback(address) is loopback
