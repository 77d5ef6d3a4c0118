"""The editor gate: the right password opens; wrong ones back off per session under a global cap that
parallel sessions cannot multiply; the address that counts is the socket peer unless a trusted proxy
forwards one."""

from __future__ import annotations

import threading
import time

import pytest

from metrics.auth import EditorGate, client_address, editor_password, is_loopback, trusted_proxies


class FakeTime:
    """A clock that moves only when someone sleeps."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def _gate(fake: FakeTime, **options: float) -> EditorGate:
    return EditorGate("pw", clock=fake.clock, sleep=fake.sleep, **options)


def test_without_a_password_everyone_may_edit() -> None:
    gate = EditorGate(None)
    assert not gate.required
    assert gate.check("", "anyone")


def test_the_right_password_opens_and_wrong_ones_do_not() -> None:
    fake = FakeTime()
    gate = EditorGate("s3cret ünïcode", clock=fake.clock, sleep=fake.sleep)
    assert gate.required
    assert not gate.check("s3cret", "a")
    assert not gate.check("s3cret ünïcode ", "a")
    assert gate.check("s3cret ünïcode", "a")


def test_wrong_attempts_double_the_session_wait_until_a_right_one() -> None:
    fake = FakeTime()
    gate = _gate(fake, first_delay=0.5, max_delay=4.0, per_minute=600)
    for _ in range(6):
        assert not gate.check("guess", "session-1")
    # the first attempt answers at once; each further one waits twice as long, up to the cap
    assert fake.slept == [0.5, 1.0, 2.0, 4.0, 4.0]
    assert gate.delay("session-1") == 4.0
    assert gate.delay("session-2") == 0.0  # another session is not slowed by this one
    assert gate.check("pw", "session-1")
    assert gate.failures("session-1") == 0
    assert gate.delay("session-1") == 0.0


def test_the_editor_signs_in_at_once_while_a_stranger_on_the_same_address_is_locked_out() -> None:
    fake = FakeTime()
    gate = _gate(fake)  # the defaults: 0.5 s doubling to 30 s, 10 a minute
    for _ in range(3):
        assert not gate.check("guess", "stranger", "127.0.0.1")
    fake.now += 40  # the places used up come back
    for _ in range(6):
        gate.check("guess", "stranger", "127.0.0.1")
    assert gate.delay("stranger") > 8
    before = fake.now
    assert gate.check("pw", "editor", "127.0.0.1")
    assert fake.now - before < 6.01  # at most the next global place, never the stranger's back-off


def test_fresh_sessions_for_every_guess_get_no_more_than_the_global_cap() -> None:
    fake = FakeTime()
    gate = _gate(fake, per_minute=10, burst=3)
    start = fake.now
    for n in range(33):
        gate.check("guess", f"fresh-{n}", f"10.0.0.{n}")
    # 3 saved places, then one every 6 s: 30 more take 180 s
    assert fake.now - start == pytest.approx(180.0, abs=0.2)


@pytest.mark.serial  # real threads and real time: a busy machine would bunch the answers
def test_ten_sessions_in_parallel_share_one_rate() -> None:
    # real threads and real time, scaled: 240 a minute is one place every 0.25 s, 2 saved up
    gate = EditorGate("pw", first_delay=0.01, max_delay=0.02, per_minute=240, burst=2, poll=0.01)
    answered: list[float] = []
    lock = threading.Lock()

    def guess(session: str) -> None:
        for _ in range(2):
            assert not gate.check("guess", session, "127.0.0.1")
            with lock:
                answered.append(time.monotonic())

    started = time.monotonic()
    threads = [threading.Thread(target=guess, args=(f"s{n}",)) for n in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert gate.checked == 20
    # ten sessions each on their own would be done in 0.03 s; 20 guesses at 4 a second (2 saved) take 4.5 s
    assert max(answered) - started >= 4.3
    answered.sort()
    for i, at in enumerate(answered):
        assert sum(1 for other in answered[i:] if other - at < 0.95) <= 2 + 4  # 2 saved + one every 0.25 s


def test_the_default_really_waits() -> None:
    gate = EditorGate("pw", first_delay=0.2)
    gate.check("wrong", "c")
    started = time.perf_counter()
    gate.check("wrong again", "c")
    assert time.perf_counter() - started >= 0.2


def test_a_forwarded_address_counts_only_from_a_trusted_proxy() -> None:
    none = trusted_proxies("")
    local = trusted_proxies("127.0.0.1, ::1")
    # a local client spoofing the header: the header is ignored
    assert client_address("127.0.0.1", ["10.1.1.5"], none) == "127.0.0.1"
    assert client_address("192.0.2.7", ["10.1.1.5"], local) == "192.0.2.7"
    # the trusted proxy's header is honoured
    assert client_address("127.0.0.1", ["10.1.1.5"], local) == "10.1.1.5"
    assert client_address("::1", ["2001:db8::5"], local) == "2001:db8::5"
    # a client's own header is kept by the proxy, which appends the real address: the rightmost counts
    assert client_address("127.0.0.1", ["6.6.6.6, 203.0.113.9"], local) == "203.0.113.9"
    # through a chain of trusted proxies
    chain = trusted_proxies("10.0.0.0/8")
    assert client_address("10.0.0.1", ["203.0.113.9, 10.0.0.2"], chain) == "203.0.113.9"
    assert client_address("10.0.0.1", ["10.0.0.3", "10.0.0.2"], chain) == "10.0.0.3"
    # garbage stops the walk at the last trusted hop; no peer at all is 'unknown'
    assert client_address("127.0.0.1", ["<script>"], local) == "127.0.0.1"
    assert client_address("127.0.0.1", [], local) == "127.0.0.1"
    assert client_address(None, ["10.1.1.5"], local) == "unknown"


def test_trusted_proxies_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TERRITORY_TRUSTED_PROXIES", raising=False)
    assert trusted_proxies() == ()
    monkeypatch.setenv("TERRITORY_TRUSTED_PROXIES", "127.0.0.1,10.0.0.0/8")
    assert [str(n) for n in trusted_proxies()] == ["127.0.0.1/32", "10.0.0.0/8"]
    monkeypatch.setenv("TERRITORY_TRUSTED_PROXIES", "127.0.0.1,nginx")
    with pytest.raises(ValueError, match="TERRITORY_TRUSTED_PROXIES: 'nginx' is not an address"):
        trusted_proxies()


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
