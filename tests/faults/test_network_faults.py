"""Network faults at the yfinance boundary (issue 14, item 3): refused connections, a server that accepts and
never answers, and the deadline. The real yfinance download runs; only the proxy it talks through is a
loopback address (nothing leaves the machine). Bounds on wall-clock time are asserted through the guard's own
mechanism (which limit stopped the run, how many attempts and pauses it allowed), never by timing.
"""

from __future__ import annotations

import datetime as dt
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd
import pytest

from dealstudy.data.network import NetworkGuard, is_connection_failure
from dealstudy.data.snapshot import Snapshot
from dealstudy.data.yahoo import YahooSharesSource, YahooSource, _yfinance_download
from dealstudy.errors import DownloadError, NetworkUnavailable, NetworkUnavailableError
from fixtures.offline_runs import catalog_events_csv, retry_lines_per_symbol, snapshot_notes

RunCli = Callable[..., Any]  # the run_cli fixture (tests/faults/conftest.py)
D = dt.date
#: A DNS failure must stop a command in far less than its network deadline (pauses of 1 + 2 s, no waits).
FAST = 15.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port  # closed again: connecting to it is refused


def _use_proxy(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    """Send every request of yfinance (curl) through ``url``, a loopback address."""
    for name in ("HTTPS_PROXY", "HTTP_PROXY", "https_proxy", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.setenv(name, url)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)


@pytest.fixture
def refusing_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"http://127.0.0.1:{_free_port()}"
    _use_proxy(monkeypatch, url)
    return url


@pytest.fixture
def unresolvable_proxy(monkeypatch: pytest.MonkeyPatch) -> str:
    """A proxy whose name cannot resolve: ``.invalid`` is reserved (RFC 6761), so every resolver answers
    "no such name" at once and curl fails with "Could not resolve proxy" (a DNS failure, nothing sent)."""
    url = "http://dealstudy-proxy.invalid:3128"
    _use_proxy(monkeypatch, url)
    return url


@pytest.fixture
def silent_proxy(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[socket.socket]]:
    """A loopback server that accepts every connection and never sends a byte; yields what it accepted."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.settimeout(0.2)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            accepted.append(conn)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.getsockname()[1]}"
    _use_proxy(monkeypatch, url)
    yield accepted
    stop.set()
    thread.join(2)
    for conn in accepted:
        conn.close()
    server.close()


class _Calls:
    """The real yfinance download, counting its calls."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self.symbols: list[str] = []

    def __call__(self, symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.DataFrame:
        self.symbols.append(symbol)
        return _yfinance_download(symbol, start, end, session, timeout=self.timeout)


def test_connection_refused_opens_the_circuit_after_three_failures(refusing_proxy: str) -> None:
    pauses: list[float] = []
    calls = _Calls(timeout=10)
    guard = NetworkGuard(deadline=60, request_timeout=10)
    source = YahooSource(sleep=pauses.append, download=calls, guard=guard)

    def run_like_the_pipeline() -> None:
        for symbol in ("AMZN", "NVDA", "SPY"):
            source.history(symbol, D(2025, 1, 2), D(2025, 3, 31))

    with pytest.raises(NetworkUnavailableError) as caught:
        run_like_the_pipeline()
    message = str(caught.value)
    assert message.startswith("Yahoo Finance cannot be reached: 3 connection failures in a row (last: AMZN: ")
    assert "--offline" in message
    assert "--prices DIR" in message
    assert calls.symbols == ["AMZN", "AMZN", "AMZN"]  # three attempts, then no more requests at all
    assert pauses == [1.0, 2.0]
    with pytest.raises(NetworkUnavailableError, match="3 connection failures in a row"):
        source.history("NVDA", D(2025, 1, 2), D(2025, 3, 31))  # the circuit stays open: no request
    assert calls.symbols == ["AMZN", "AMZN", "AMZN"]
    shares = YahooSharesSource(sleep=pauses.append, guard=guard)  # one guard per command: shares stop too
    with pytest.raises(NetworkUnavailable):
        shares.shares_on("NVDA", D(2025, 3, 31))


def test_a_server_that_never_answers_costs_one_request_timeout_per_attempt(
    silent_proxy: list[socket.socket],
) -> None:
    pauses: list[float] = []
    calls = _Calls(timeout=30)  # yfinance's own timeout is long; the guard's wait of 0.5 s bounds it
    guard = NetworkGuard(deadline=30, request_timeout=0.5)
    source = YahooSource(sleep=pauses.append, download=calls, guard=guard)
    with pytest.raises(NetworkUnavailableError) as caught:
        source.history("AMZN", D(2025, 1, 2), D(2025, 3, 31))
    assert "3 connection failures in a row" in str(caught.value)
    assert "TimeoutError: no answer within 0.5 s" in str(caught.value)
    assert calls.symbols == ["AMZN", "AMZN", "AMZN"]
    assert pauses == [1.0, 2.0]
    assert len(silent_proxy) >= 1  # the requests did reach the silent server


class _FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class _RateLimitedError(Exception):
    """Yahoo answering 429: the server works, so the circuit stays closed; only the deadline ends it."""

    def __init__(self) -> None:
        super().__init__("Too Many Requests")
        self.response = type("Response", (), {"status_code": 429})()


def test_the_deadline_bounds_the_whole_command(refusing_proxy: str) -> None:
    clock = _FakeClock()
    guard = NetworkGuard(deadline=10, request_timeout=5, clock=clock, sleep=clock.sleep)
    tried: list[str] = []

    def slow_rate_limit(symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.DataFrame:
        tried.append(symbol)
        clock.now += 2.0  # each answer takes 2 s
        raise _RateLimitedError()

    source = YahooSource(sleep=clock.sleep, download=slow_rate_limit, guard=guard, max_retries=1)
    failures: list[str] = []

    def run_like_the_pipeline() -> None:
        for symbol in ("AMZN", "NVDA", "SPY", "AVGO"):
            try:
                source.history(symbol, D(2025, 1, 2), D(2025, 3, 31))
            except DownloadError as exc:  # one symbol failed: the pipeline goes on with the next
                failures.append(str(exc))

    with pytest.raises(NetworkUnavailableError) as caught:
        run_like_the_pipeline()
    # per symbol: 2 s, a pause of 1 s, 2 s = 5 s; the 10 s budget allows two symbols, not the third
    assert tried == ["AMZN", "AMZN", "NVDA", "NVDA"]
    assert [f.split(":")[0] for f in failures] == ["AMZN", "NVDA"]
    assert str(caught.value).startswith("network deadline of 10 s passed (SPY: Yahoo download")
    assert "--network-timeout SECONDS" in str(caught.value)
    assert clock.now - 1000.0 == 10.0


def test_a_pause_that_would_pass_the_deadline_is_not_taken() -> None:
    clock = _FakeClock()
    guard = NetworkGuard(deadline=5, request_timeout=5, clock=clock, sleep=clock.sleep)

    def rate_limited(symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.DataFrame:
        raise _RateLimitedError()

    source = YahooSource(sleep=clock.sleep, download=rate_limited, guard=guard, max_retries=4)
    with pytest.raises(NetworkUnavailableError, match="network deadline of 5 s reached while retrying"):
        source.history("AMZN", D(2025, 1, 2), D(2025, 3, 31))
    assert clock.now - 1000.0 == 3.0  # pauses of 1 and 2 s taken; the next one, 4 s, would pass 5 s


def test_an_answer_resets_the_run_of_failures() -> None:
    guard = NetworkGuard(deadline=60, request_timeout=5, max_failures=3)
    refused = ConnectionRefusedError(111, "Connection refused")
    guard.failed(refused, "a")
    guard.failed(refused, "b")
    guard.succeeded()
    guard.failed(refused, "c")
    guard.failed(refused, "d")
    with pytest.raises(NetworkUnavailableError, match=r"3 connection failures in a row \(last: e: "):
        guard.failed(refused, "e")
    assert is_connection_failure(TimeoutError())
    assert not is_connection_failure(_RateLimitedError())


def test_prices_fetch_with_connections_refused_stops_with_one_message(
    refusing_proxy: str, run_cli: RunCli, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    symbols = ("AMZN", "NVDA", "SPY", "AVGO", "MSFT")
    done = run_cli(
        *("prices", "fetch", *symbols, "--start", "2025-01-02", "--end", "2025-03-31"),
        *("--cache", str(tmp_path / "cache"), "--network-timeout", "30"),
    )
    assert done.code == 3, done
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done
    assert errors[0].startswith("error: Yahoo Finance cannot be reached: 3 connection failures in a row")
    retry_lines = [r.getMessage() for r in caplog.records if "retrying" in r.getMessage()]
    retry_lines += [line for line in done.stderr.splitlines() if "retrying" in line]
    assert len(retry_lines) <= 1  # at most one line per symbol; the circuit opened inside the first symbol
    assert not (tmp_path / "cache" / "manifest.json").exists()


def test_network_timeout_must_be_positive(run_cli: RunCli, tmp_path: Any) -> None:
    from dealstudy.cli._options import DEFAULT_NETWORK_TIMEOUT
    from dealstudy.data.network import DEFAULT_DEADLINE

    assert DEFAULT_NETWORK_TIMEOUT == DEFAULT_DEADLINE == 60.0
    done = run_cli("prices", "fetch", "AMZN", "--cache", str(tmp_path / "c"), "--network-timeout", "0")
    assert done.code == 2, done
    assert "--network-timeout 0: must be > 0 seconds" in done.stderr


def _retry_lines(stderr: str, caplog: pytest.LogCaptureFixture) -> dict[str, int]:
    logged = "\n".join(r.getMessage() for r in caplog.records)
    counts = retry_lines_per_symbol(stderr)
    for symbol, n in retry_lines_per_symbol(logged).items():
        counts[symbol] = counts.get(symbol, 0) + n
    return counts


def test_a_dns_failure_stops_prices_fetch_at_once_with_one_message(
    unresolvable_proxy: str, run_cli: RunCli, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    started = time.monotonic()
    done = run_cli(
        *("prices", "fetch", "AMZN", "NVDA", "SPY", "--start", "2025-01-02", "--end", "2025-03-31"),
        *("--cache", str(tmp_path / "cache"), "--network-timeout", "60"),
    )
    seconds = time.monotonic() - started
    assert done.code == 3, done  # data unavailable (README: When things go wrong)
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, done
    assert errors[0].startswith("error: Yahoo Finance cannot be reached: 3 connection failures in a row")
    assert "Could not resolve proxy: dealstudy-proxy.invalid" in errors[0]  # names the failure: DNS
    assert "--offline" in errors[0]
    assert seconds < FAST, seconds  # the breaker, not the 60 s deadline
    assert max(_retry_lines(done.stderr, caplog).values(), default=0) <= 1
    assert not (tmp_path / "cache" / "manifest.json").exists()


def test_a_dns_failure_in_study_falls_back_to_the_snapshot_once(
    unresolvable_proxy: str, run_cli: RunCli, tmp_path: Any, caplog: pytest.LogCaptureFixture
) -> None:
    events = tmp_path / "events.csv"
    chosen = catalog_events_csv(events, n=3)
    started = time.monotonic()
    done = run_cli("study", str(events), "--cache", str(tmp_path / "cache"), "--out", str(tmp_path / "net"))
    seconds = time.monotonic() - started
    assert done.code == 0, done
    notes = snapshot_notes(done.stderr)
    assert len(notes) == 1, done  # said once, for every symbol the snapshot served
    snap = Snapshot()
    assert notes[0].startswith("note: Yahoo Finance is unreachable (")
    assert "Could not resolve proxy" in notes[0]
    assert f"using the pinned data {snap.label} for what the cache lacks" in notes[0]
    assert f"(as of {snap.as_of})" in notes[0]
    assert seconds < FAST, seconds
    assert max(_retry_lines(done.stderr, caplog).values(), default=0) <= 1
    pinned = run_cli("study", str(events), "--snapshot", "--out", str(tmp_path / "pin"))
    assert pinned.code == 0, pinned
    cars = pd.read_csv(tmp_path / "net" / "cars.csv")
    assert set(cars["event_id"]) == set(chosen["event_id"])
    assert cars["car"].notna().all()
    pd.testing.assert_frame_equal(cars, pd.read_csv(tmp_path / "pin" / "cars.csv"))
