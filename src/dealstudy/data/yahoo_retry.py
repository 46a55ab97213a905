"""Retries of Yahoo calls: which failures are transient, and bounded exponential backoff under a guard.

Every request runs under a :class:`~dealstudy.data.network.NetworkGuard` (per-request timeout, a deadline for
the command, a circuit breaker after consecutive connection failures); transient failures (rate limits,
connection problems, HTTP 5xx) are retried with backoff, any other failure becomes a
:class:`~dealstudy.errors.DownloadError` naming the call, and a network given up stays
:class:`~dealstudy.errors.NetworkUnavailableError`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TypeVar

from dealstudy.data.network import NetworkGuard
from dealstudy.errors import DownloadError, NetworkUnavailableError

__all__ = ["is_transient", "with_retries"]

#: The retry lines are the Yahoo source's: they keep its logger's name.
log = logging.getLogger("dealstudy.data.yahoo")

T = TypeVar("T")


def is_transient(exc: BaseException) -> bool:
    """True for failures worth retrying: rate limits, timeouts, connection errors, HTTP 5xx/429.

    A DNS failure is *not* retried: it almost always means no network (or a proxy problem), and retrying
    every symbol with backoff would only delay the error.
    """
    name = type(exc).__name__
    if name == "DNSError":
        return False
    if name in {"YFRateLimitError", "Timeout", "ReadTimeout", "ConnectTimeout", "ConnectionError"}:
        return True
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return True
    try:  # yfinance 1.x talks through curl_cffi
        from curl_cffi.requests import exceptions as curl_errors

        if isinstance(exc, (curl_errors.ConnectionError, curl_errors.Timeout)):
            return True
    except ImportError:  # pragma: no cover - curl_cffi ships with yfinance 1.x
        pass
    status = getattr(getattr(exc, "response", None), "status_code", None)
    return isinstance(status, int) and (status == 429 or status >= 500)


def with_retries(
    call: Callable[[], T],
    what: str,
    *,
    max_retries: int,
    backoff: float,
    sleep: Callable[[float], None],
    guard: NetworkGuard,
) -> T:
    """``call()`` under ``guard`` (timeout, deadline, circuit breaker), retried on transient errors.

    Attempt ``k`` (0-based) that fails transiently waits ``backoff * 2**k`` seconds, up to ``max_retries``
    retries, never past the guard's deadline. Any other error, or the last transient one, becomes a
    :class:`DownloadError` that starts with ``what`` (e.g. ``"AMD: Yahoo download 2025-10-01..2025-10-06"``)
    and names the cause; when the guard gives the network up, :class:`NetworkUnavailableError` instead. At
    most one line per symbol is logged about retrying.
    """
    attempt = 0
    while True:
        try:
            value = guard.call(call, what)
        except NetworkUnavailableError:
            raise
        except Exception as exc:
            guard.failed(exc, what)  # raises NetworkUnavailableError when the circuit opens
            if not is_transient(exc):
                raise DownloadError(f"{what} failed: {type(exc).__name__}: {exc}") from exc
            if attempt >= max_retries:
                raise DownloadError(
                    f"{what} failed after {attempt + 1} attempts ({type(exc).__name__}: {exc})"
                ) from exc
            delay = backoff * (2**attempt)
            if attempt == 0:
                log.warning("%s: %s, retrying (at most %d times)", what, type(exc).__name__, max_retries)
            else:
                log.debug("%s: %s, retry %d in %.1f s", what, type(exc).__name__, attempt + 1, delay)
            guard.pause(delay, what, sleep)
            attempt += 1
        else:
            guard.succeeded()
            return value
