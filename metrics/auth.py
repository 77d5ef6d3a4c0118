"""Who may change the store: editors, when ``TERRITORY_EDITOR_PASSWORD`` is set; everyone otherwise.

The password is compared in constant time; every wrong attempt from the same client doubles the
wait before the next answer (0.5 s, 1 s, 2 s ... up to 30 s), so guessing is slow even across
browser sessions. Nothing here knows about Streamlit: the Upload page holds one gate per process.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import threading
import time
from collections.abc import Callable

__all__ = ["PASSWORD_VARIABLE", "EditorGate", "editor_password", "is_loopback"]

PASSWORD_VARIABLE = "TERRITORY_EDITOR_PASSWORD"


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


class EditorGate:
    """Checks editor passwords, slowing down repeated wrong attempts per client.

    ``sleep`` is injectable for tests; the default really waits.
    """

    def __init__(
        self,
        password: str | None,
        *,
        first_delay: float = 0.5,
        max_delay: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._digest = hashlib.sha256(password.encode()).digest() if password else None
        self._first_delay = first_delay
        self._max_delay = max_delay
        self._sleep = sleep
        self._failures: dict[str, int] = {}
        self._lock = threading.Lock()

    @property
    def required(self) -> bool:
        """Whether editing needs the password (False: every visitor may edit)."""
        return self._digest is not None

    def failures(self, client: str) -> int:
        """Wrong attempts from ``client`` since its last right one."""
        with self._lock:
            return self._failures.get(client, 0)

    def delay(self, client: str) -> float:
        """How long the next answer to ``client`` waits, in seconds."""
        failures = self.failures(client)
        return 0.0 if failures == 0 else min(self._max_delay, self._first_delay * 2 ** (failures - 1))

    def check(self, attempt: str, client: str = "") -> bool:
        """Whether ``attempt`` is the password; waits first if ``client`` got it wrong before."""
        if self._digest is None:
            return True
        wait = self.delay(client)
        if wait:
            self._sleep(wait)
        # Digests of equal length, compared in constant time: neither length nor prefix leaks.
        right = hmac.compare_digest(hashlib.sha256(attempt.encode()).digest(), self._digest)
        with self._lock:
            if right:
                self._failures.pop(client, None)
            else:
                self._failures[client] = self._failures.get(client, 0) + 1
        return right
