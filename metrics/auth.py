"""Who may change the store: editors, when ``TERRITORY_EDITOR_PASSWORD`` is set; everyone otherwise.

Which address a request comes from (``client_address``): the socket peer, unless that peer is one of
the proxies listed in ``TERRITORY_TRUSTED_PROXIES`` (comma-separated addresses or CIDRs, e.g.
``127.0.0.1,10.0.0.0/8``); then the rightmost address in ``X-Forwarded-For`` that is not itself a
trusted proxy. A header sent by anyone else is ignored, so a local client cannot claim to be
``10.1.1.5`` (nor write that into a batch's audit field).

How guessing is slowed down (``EditorGate``), designed so that parallel guessing gains nothing and a
stranger cannot lock the real editor out:

- per session: every wrong attempt in a browser session doubles that session's wait before its next
  attempt is checked (0.5 s, 1 s, 2 s ... up to 30 s). Another session, such as the editor's own, is
  not slowed by it;
- globally: at most ``per_minute`` (10) attempts a minute are checked, whatever the number of
  sessions or addresses: places are handed out steadily, one every 6 s, with at most ``burst`` (3)
  saved up. An attempt waits for a place before it is checked, and a right password gives its place
  back. So ten sessions in parallel get the same 10 guesses a minute as one, and a stranger opening a
  fresh session for every guess gets no more either;
- fairness: of the attempts ready at the same time, the one whose address has failed least goes
  first, then the one whose session has failed least, then the oldest. The editor's fresh session
  therefore goes ahead of a stranger's failing ones, and is checked at once while the stranger backs
  off; under a flood of fresh sessions from the editor's own address the editor waits only for the
  attempts queued before it (6 s each), never for the stranger's 30 s back-off.

Passwords are compared in constant time. Nothing here knows about Streamlit: the Upload page holds
one gate per process and passes the session key and the address.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "PASSWORD_VARIABLE",
    "TRUSTED_PROXIES_VARIABLE",
    "EditorGate",
    "client_address",
    "editor_password",
    "is_loopback",
    "trusted_proxies",
]

PASSWORD_VARIABLE = "TERRITORY_EDITOR_PASSWORD"
TRUSTED_PROXIES_VARIABLE = "TERRITORY_TRUSTED_PROXIES"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def editor_password() -> str | None:
    """The editor password from the environment, or None when editing is open to every visitor."""
    return os.environ.get(PASSWORD_VARIABLE) or None


def is_loopback(address: str | None) -> bool:
    """Whether a server bound to ``address`` is reachable from this machine only.

    An empty address means every interface (Streamlit's default), so it is not loopback.
    """
    if not address:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip().strip("[]")).is_loopback
    except ValueError:
        return False


def trusted_proxies(value: str | None = None) -> tuple[Network, ...]:
    """The proxies whose ``X-Forwarded-For`` counts: ``value`` or ``TERRITORY_TRUSTED_PROXIES``.

    Comma-separated addresses or CIDRs; empty or unset: none (the socket peer always counts).
    Raises ``ValueError`` naming the variable and the entry that is not an address.
    """
    text = os.environ.get(TRUSTED_PROXIES_VARIABLE, "") if value is None else value
    networks = []
    for entry in (e.strip() for e in text.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
        except ValueError:
            raise ValueError(
                f"{TRUSTED_PROXIES_VARIABLE}: {entry!r} is not an address or CIDR; "
                "give e.g. 127.0.0.1,10.0.0.0/8 (or leave it unset when no proxy is in front)"
            ) from None
    return tuple(networks)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [::1]:port
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 1.2.3.4:port
        text = text.split(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, proxies: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in proxies)


def client_address(peer: str | None, forwarded_for: Iterable[str] = (), proxies: Sequence[Network] = ()) -> str:
    """The address a request counts as coming from.

    ``peer`` is the socket peer; ``forwarded_for`` the request's ``X-Forwarded-For`` header values (in
    order); ``proxies`` from ``trusted_proxies()``. Unless the peer is a trusted proxy the header is
    ignored. Through trusted proxies, the rightmost forwarded address that is not a trusted proxy
    counts; an entry that is not an address stops the walk at the last trusted hop.
    """
    if not peer:
        return "unknown"
    current = _address(peer)
    if current is None or not _trusted(current, proxies):
        return str(current) if current is not None else peer
    hops = [h for value in forwarded_for for h in value.split(",") if h.strip()]
    for hop in reversed(hops):
        address = _address(hop)
        if address is None:
            break
        current = address
        if not _trusted(address, proxies):
            break
    return str(current)


@dataclass
class _Record:
    failures: int = 0
    last_failure: float = 0.0


class EditorGate:
    """Checks editor passwords: per-session back-off plus a global cap (see the module's docstring).

    ``per_minute`` places a minute are handed out steadily (one every ``60 / per_minute`` s), at most
    ``burst`` saved up. ``clock`` and ``sleep`` are injectable for tests; the defaults really wait.
    """

    def __init__(
        self,
        password: str | None,
        *,
        first_delay: float = 0.5,
        max_delay: float = 30.0,
        per_minute: float = 10.0,
        burst: int = 3,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        poll: float = 0.05,
    ) -> None:
        self._digest = hashlib.sha256(password.encode()).digest() if password else None
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._rate = per_minute / 60.0
        self._burst = float(max(1, burst))
        self._clock = clock
        self._sleep = sleep
        self._poll = poll
        self._sessions: dict[str, _Record] = {}
        self._addresses: dict[str, _Record] = {}
        self._tokens = self._burst
        self._refilled = clock()
        self._waiting: dict[int, tuple[int, int, int, str]] = {}  # ticket -> its rank
        self._tickets = itertools.count()
        self._checked = 0
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        """Whether editing needs the password (False: every visitor may edit)."""
        return self._digest is not None

    @property
    def checked(self) -> int:
        """How many attempts were checked against the password so far."""
        with self._lock:
            return self._checked

    def failures(self, session: str) -> int:
        """Wrong attempts in ``session`` since its last right one."""
        with self._lock:
            record = self._sessions.get(session)
            return record.failures if record else 0

    def _session_delay(self, failures: int) -> float:
        return 0.0 if failures == 0 else min(self._max_delay, self._first_delay * 2 ** (failures - 1))

    def _refill(self, now: float) -> None:
        self._tokens = min(self._burst, self._tokens + (now - self._refilled) * self._rate)
        self._refilled = now

    def _ready_at(self, session: str, now: float) -> float:
        """When an attempt of ``session`` may be checked (lock held, tokens refilled)."""
        record = self._sessions.get(session)
        at = record.last_failure + self._session_delay(record.failures) if record and record.failures else now
        if self._tokens < 1.0:
            at = max(at, now + (1.0 - self._tokens) / self._rate)
        return at

    def delay(self, session: str) -> float:
        """How long an attempt from ``session`` made now would wait before it is checked, in seconds."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            return max(0.0, self._ready_at(session, now) - now)

    def _rank(self, session: str, address: str, ticket: int) -> tuple[int, int, int, str]:
        by_address, by_session = self._addresses.get(address), self._sessions.get(session)
        return (by_address.failures if by_address else 0, by_session.failures if by_session else 0, ticket, session)

    def check(self, attempt: str, session: str = "", address: str = "") -> bool:
        """Whether ``attempt`` is the password.

        First waits for ``session``'s back-off and a global place; of the attempts ready at once, the
        one whose address, then session, failed least (then the oldest) goes first.
        """
        if self._digest is None:
            return True
        ticket = next(self._tickets)
        try:
            while True:
                with self._lock:
                    now = self._clock()
                    self._refill(now)
                    self._waiting[ticket] = rank = self._rank(session, address, ticket)
                    wait = self._ready_at(session, now) - now
                    ready = [w for w in self._waiting.values() if self._ready_at(w[3], now) <= now]
                    if wait <= 0 and min(ready) == rank:
                        self._tokens -= 1.0
                        self._checked += 1
                        break
                self._sleep(min(wait, self._max_delay) if wait > self._poll else self._poll)
        finally:
            with self._lock:
                self._waiting.pop(ticket, None)
        # Digests of equal length, compared in constant time: neither length nor prefix leaks.
        right = hmac.compare_digest(hashlib.sha256(attempt.encode()).digest(), self._digest)
        with self._lock:
            if right:
                self._sessions.pop(session, None)
                self._tokens = min(self._burst, self._tokens + 1.0)  # a right password uses up no place
            else:
                now = self._clock()
                for records, key in ((self._sessions, session), (self._addresses, address)):
                    record = records.setdefault(key, _Record())
                    record.failures += 1
                    record.last_failure = now
                    if len(records) > 1000:  # forget what failed more than an hour ago
                        for old in [k for k, r in records.items() if r.last_failure < now - 3600]:
                            del records[old]
        return right
