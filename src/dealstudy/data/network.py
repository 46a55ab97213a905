"""Bounded network waits: a per-request timeout, a deadline per command and a circuit breaker.

One :class:`NetworkGuard` is shared by every download of a command (prices and share counts from Yahoo). It

* runs each request in a worker thread and waits at most the request timeout (and never past the deadline),
  so a server that accepts a connection and never answers costs one timeout, not the library's own waits;
* counts consecutive connection-type failures (refused, reset, timed out, DNS): after
  ``max_failures`` in a row the circuit opens and every further request fails at once;
* keeps the total time spent on the network under ``deadline`` seconds, retry pauses included.

When the network is given up, :class:`~dealstudy.errors.NetworkUnavailableError` (exit 3) says why in one
message; it is not a :class:`~dealstudy.errors.DownloadError`, so the per-symbol handlers of the pipelines let
it through and the command stops (or a caller falls back to other data) instead of trying every symbol.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

from dealstudy.errors import NetworkUnavailableError

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_REQUEST_TIMEOUT",
    "MAX_FAILURES",
    "NetworkGuard",
    "is_connection_failure",
]

T = TypeVar("T")

#: Default total seconds a command may spend waiting on the network (``--network-timeout``).
DEFAULT_DEADLINE = 60.0
#: Default seconds one request may take.
DEFAULT_REQUEST_TIMEOUT = 20.0
#: Consecutive connection failures that open the circuit.
MAX_FAILURES = 3

_CONNECTION_NAMES = frozenset(
    {"ConnectionError", "ConnectTimeout", "ReadTimeout", "Timeout", "DNSError", "ProxyError", "SSLError"}
)


def is_connection_failure(exc: BaseException) -> bool:
    """True when ``exc`` says the server could not be reached or did not answer (not a data problem)."""
    if isinstance(exc, ConnectionError | TimeoutError):
        return True
    return any(cls.__name__ in _CONNECTION_NAMES for cls in type(exc).__mro__)


class NetworkGuard:
    """Per-request timeout, total deadline and circuit breaker shared by a command's downloads.

    Parameters
    ----------
    deadline : float, default 60
        Total seconds of network waiting allowed, counted from the first request.
    request_timeout : float, default 20
        Seconds one request may take (capped by what is left of the deadline).
    max_failures : int, default 3
        Consecutive connection failures after which no further request is made.
    clock, sleep : callables
        Injected in tests.
    """

    def __init__(
        self,
        deadline: float = DEFAULT_DEADLINE,
        request_timeout: float = DEFAULT_REQUEST_TIMEOUT,
        max_failures: int = MAX_FAILURES,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not deadline > 0 or not request_timeout > 0:
            raise ValueError("the network deadline and the request timeout must be > 0 seconds")
        if max_failures < 1:
            raise ValueError("max_failures must be >= 1")
        self.deadline = float(deadline)
        self.request_timeout = float(request_timeout)
        self.max_failures = max_failures
        self._clock = clock
        self._sleep = sleep
        self._started: float | None = None
        self._failures = 0
        self._last_failure = ""
        self._open: str | None = None
        self._lock = threading.Lock()

    # -- state -----------------------------------------------------------------------------------
    def remaining(self) -> float:
        """Seconds left before the deadline (the full deadline before the first request)."""
        if self._started is None:
            return self.deadline
        return self.deadline - (self._clock() - self._started)

    def _give_up(self, why: str) -> NetworkUnavailableError:
        with self._lock:
            if self._open is None:
                self._open = why
        return NetworkUnavailableError(self._open)

    def check(self, what: str) -> float:
        """Raise if the circuit is open or the deadline passed; else the timeout for the next request."""
        with self._lock:
            if self._started is None:
                self._started = self._clock()
            if self._open is not None:
                raise NetworkUnavailableError(self._open)
        left = self.remaining()
        if left <= 0:
            raise self._give_up(
                f"network deadline of {self.deadline:g} s passed ({what} not done"
                + (f"; last failure: {self._last_failure}" if self._last_failure else "")
                + "); raise it with --network-timeout SECONDS, or work offline (--offline or --prices DIR)"
            )
        return min(self.request_timeout, left)

    def succeeded(self) -> None:
        """A request got an answer: the run of failures ends."""
        with self._lock:
            self._failures = 0

    def failed(self, exc: BaseException, what: str) -> None:
        """Record a failed request; opens the circuit (and raises) at ``max_failures`` connection failures."""
        if not is_connection_failure(exc):
            self.succeeded()  # the server answered (with an error): the network works
            return
        with self._lock:
            self._failures += 1
            self._last_failure = f"{what}: {type(exc).__name__}: {exc}"
            failures = self._failures
        if failures >= self.max_failures:
            raise self._give_up(
                f"Yahoo Finance cannot be reached: {failures} connection failures in a row (last: "
                f"{self._last_failure}); check the network or proxy settings, or work offline (--offline "
                "with a filled cache, or --prices DIR with CSV snapshots)"
            ) from exc

    def pause(self, seconds: float, what: str, sleep: Callable[[float], None] | None = None) -> None:
        """Sleep before a retry, unless that would pass the deadline (then give up now)."""
        if seconds >= self.remaining():
            raise self._give_up(
                f"network deadline of {self.deadline:g} s reached while retrying "
                f"({self._last_failure or what}); raise it with --network-timeout SECONDS, or work "
                "offline (--offline or --prices DIR)"
            )
        (sleep or self._sleep)(seconds)

    # -- one request -------------------------------------------------------------------------------
    def call(self, request: Callable[[], T], what: str) -> T:
        """Run ``request()`` with the timeout :meth:`check` gives; a request still running then is left
        to finish on its own (a daemon thread) and counts as a timed-out connection."""
        timeout = self.check(what)
        box: dict[str, object] = {}

        def run() -> None:
            try:
                box["value"] = request()
            except BaseException as exc:
                box["error"] = exc

        worker = threading.Thread(target=run, name=f"dealstudy-net {what[:40]}", daemon=True)
        worker.start()
        worker.join(timeout)
        if worker.is_alive():
            raise TimeoutError(f"no answer within {timeout:.3g} s")
        if "error" in box:
            raise box["error"]  # type: ignore[misc]
        return box["value"]  # type: ignore[return-value]
