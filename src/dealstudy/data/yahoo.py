"""Yahoo Finance through yfinance: the only module of dealstudy that imports yfinance.

Every yfinance option that changes the data is passed explicitly (yfinance's defaults have changed between
versions, notably ``auto_adjust``). yfinance logs errors and returns empty frames by default; here every
failure surfaces as a :class:`~dealstudy.errors.DownloadError` naming the symbol and the range, after
bounded exponential-backoff retries for transient failures (rate limits, connection problems). Every request
runs under a :class:`~dealstudy.data.network.NetworkGuard` (per-request timeout, a deadline for the command,
a circuit breaker after consecutive connection failures), which gives up with
:class:`~dealstudy.errors.NetworkUnavailableError`.

Notes
-----
yfinance 1.x: ``yf.download`` catches every per-ticker exception and only logs it (its errors dict is
private), so a rate limit and an unknown symbol both come back as an empty frame. This module therefore
downloads one symbol at a time with ``Ticker.history`` under ``yf.config.debug.hide_exceptions = False``
(set for the duration of the call only), which raises ``YFRateLimitError``, ``YFPricesMissingError``,
``YFTzMissingError`` and connection errors. Frames shaped like ``yf.download``'s (``Price``/``Ticker``
MultiIndex columns) are normalised too (:mod:`dealstudy.data.yahoo_frames`), so a download function returning
either shape can be injected. The retry policy is :mod:`dealstudy.data.yahoo_retry`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd

from dealstudy._atomic import atomic_write_csv
from dealstudy.data.network import DEFAULT_REQUEST_TIMEOUT, NetworkGuard
from dealstudy.data.source import PriceHistory, Provenance, SharesCount, check_symbol
from dealstudy.data.yahoo_frames import EARNINGS_COLUMNS, normalise_earnings_frame, normalise_yahoo_frame
from dealstudy.data.yahoo_retry import with_retries
from dealstudy.errors import DownloadError

__all__ = [
    "DownloadFn",
    "EarningsFn",
    "SharesFn",
    "YahooEarningsSource",
    "YahooSharesSource",
    "YahooSource",
    "yfinance_version",
]

#: ``download(symbol, start, end_exclusive, session) -> yfinance-shaped DataFrame``.
DownloadFn = Callable[[str, dt.date, dt.date, Any], pd.DataFrame]
#: ``shares(symbol, start, end, session) -> Series of share counts indexed by (tz-aware) timestamps``.
SharesFn = Callable[[str, dt.date, dt.date, Any], "pd.Series | None"]


def yfinance_version() -> str:
    """``"yfinance X.Y.Z"`` for provenance records."""
    import yfinance

    return f"yfinance {getattr(yfinance, '__version__', 'unknown')}"


@contextlib.contextmanager
def _exceptions_visible() -> Iterator[None]:
    """Make yfinance raise instead of logging, for the duration of one call.

    Its own warnings (e.g. one "Cookie/crumb fetch failed" line per symbol when offline) are held back to
    errors for the same duration: the failure reaches the user once, as our DownloadError with the symbol
    and range.
    """
    import yfinance as yf

    yf_log = logging.getLogger("yfinance")
    previous = yf.config.debug.hide_exceptions
    previous_level = yf_log.level
    yf.config.debug.hide_exceptions = False
    yf_log.setLevel(max(previous_level, logging.ERROR))
    try:
        yield
    finally:
        yf.config.debug.hide_exceptions = previous
        yf_log.setLevel(previous_level)


def _yfinance_download(
    symbol: str,
    start: dt.date,
    end_exclusive: dt.date,
    session: Any,
    *,
    timeout: float = DEFAULT_REQUEST_TIMEOUT,
) -> pd.DataFrame:
    """One symbol's daily bars from ``Ticker.history`` with every data-shaping option explicit.

    yfinance's own ``timeout`` only frees the request's thread: the wait is bounded by the guard
    (:meth:`dealstudy.data.network.NetworkGuard.call`).
    """
    import yfinance as yf

    with _exceptions_visible():
        ticker = yf.Ticker(symbol, session=session)
        frame: pd.DataFrame = ticker.history(
            start=start.isoformat(),
            end=end_exclusive.isoformat(),  # exclusive in yfinance
            interval="1d",
            auto_adjust=False,  # keep both Close and Adj Close
            back_adjust=False,
            actions=True,
            prepost=False,
            repair=False,
            keepna=False,
            rounding=False,
            timeout=timeout,
        )
    return frame


def _yfinance_shares(symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.Series | None:
    import yfinance as yf

    with _exceptions_visible():
        ticker = yf.Ticker(symbol, session=session)
        series: pd.Series | None = ticker.get_shares_full(start=start.isoformat(), end=end.isoformat())
    return series


class YahooSource:
    """Daily prices from Yahoo Finance via yfinance, with retries and loud failures.

    Parameters
    ----------
    session : optional
        An HTTP session handed to ``yfinance.Ticker`` (yfinance 1.x wants a ``curl_cffi`` session).
    max_retries : int, default 4
        Retries after the first attempt for transient failures (rate limit, connection, timeout, 5xx).
    backoff : float, default 1.0
        Base delay in seconds; attempt ``k`` (0-based) waits ``backoff * 2**k`` seconds before retrying.
    sleep : callable, default time.sleep
        Injected so tests do not sleep.
    guard : NetworkGuard, optional
        Per-request timeout, total deadline and circuit breaker (shared with the share-count source by
        :func:`dealstudy.data.open_sources`); default a fresh :class:`NetworkGuard`.
    download : callable, optional
        ``download(symbol, start, end_exclusive, session) -> DataFrame`` returning a yfinance-shaped frame.
        Defaults to ``yfinance.Ticker(symbol).history(...)`` with every option explicit.
    max_edge_gap_days : int, default 10
        A download whose last row is more than this many calendar days before the requested end (when that
        end is not in the last few days) is "short" and raises :class:`DownloadError`. A late *first* row is
        accepted (an IPO or listing inside the range) and recorded in the provenance detail.
    """

    name = "yahoo"

    def __init__(
        self,
        session: Any = None,
        max_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        *,
        download: DownloadFn | None = None,
        max_edge_gap_days: int = 10,
        today: Callable[[], dt.date] | None = None,
        guard: NetworkGuard | None = None,
    ) -> None:
        if max_retries < 0:
            raise ValueError("max_retries must be >= 0")
        self.session = session
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self.guard = guard or NetworkGuard()
        self._download = download or _yfinance_download
        self.max_edge_gap_days = max_edge_gap_days
        self._today = today or (lambda: dt.datetime.now(dt.UTC).date())

    def _fetch(self, symbol: str, start: dt.date, end: dt.date) -> pd.DataFrame:
        end_exclusive = end + dt.timedelta(days=1)
        return with_retries(
            lambda: self._download(symbol, start, end_exclusive, self.session),
            f"{symbol}: Yahoo download {start}..{end}",
            max_retries=self.max_retries,
            backoff=self.backoff,
            sleep=self.sleep,
            guard=self.guard,
        )

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        """Daily prices for sessions ``start <= date <= end`` (both inclusive).

        Raises
        ------
        DownloadError
            The download failed (after retries for transient errors), came back empty or with no valid
            close, or ends well before ``end``; the message names the symbol and range.
        """
        check_symbol(symbol)
        if end < start:
            raise DownloadError(f"{symbol}: empty range {start}..{end}")
        fetched_at = dt.datetime.now(dt.UTC)
        raw = self._fetch(symbol, start, end)
        if raw is None or raw.empty:
            raise DownloadError(f"{symbol}: Yahoo returned no rows for {start}..{end}")
        frame = normalise_yahoo_frame(raw, symbol)
        frame = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        if frame.empty:
            raise DownloadError(
                f"{symbol}: Yahoo returned no valid close for {start}..{end} (all NaN or out of range)"
            )
        last = frame.index[-1].date()
        recent = (self._today() - end).days <= self.max_edge_gap_days
        if (end - last).days > self.max_edge_gap_days and not recent:
            raise DownloadError(
                f"{symbol}: short Yahoo download for {start}..{end}: last row {last} "
                f"({(end - last).days} days before the end)"
            )
        first = frame.index[0].date()
        detail = f"rows {first}..{last}"
        if (first - start).days > self.max_edge_gap_days:
            detail += f"; first row {(first - start).days} days after the requested start (listing date?)"
        provenance = Provenance(
            source="yahoo", fetched_at=fetched_at, library_version=yfinance_version(), detail=detail
        )
        return PriceHistory(symbol=symbol, frame=frame, provenance=provenance)


class YahooSharesSource:
    """Shares outstanding from Yahoo (``Ticker.get_shares_full``), the latest count on or before a date.

    Parameters
    ----------
    session, max_retries, backoff, sleep, guard
        As for :class:`YahooSource`.
    shares : callable, optional
        ``shares(symbol, start, end, session) -> Series`` (tz-aware timestamps -> counts); injected in tests.
    lookback_days : int, default 550
        How far before the requested date to ask for counts.
    """

    name = "yahoo"

    def __init__(
        self,
        session: Any = None,
        max_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        *,
        shares: SharesFn | None = None,
        lookback_days: int = 550,
        guard: NetworkGuard | None = None,
    ) -> None:
        self.session = session
        self.guard = guard or NetworkGuard()
        self.max_retries = max_retries
        self.backoff = backoff
        self.sleep = sleep
        self._shares = shares or _yfinance_shares
        self.lookback_days = lookback_days
        self._memo: dict[tuple[str, dt.date], SharesCount | None] = {}

    def shares_on(self, symbol: str, on: dt.date) -> SharesCount | None:
        """The latest Yahoo count dated on or before ``on``; ``None`` when Yahoo has none."""
        key = (symbol, on)
        if key in self._memo:
            return self._memo[key]
        start = on - dt.timedelta(days=self.lookback_days)
        series = with_retries(
            lambda: self._shares(symbol, start, on + dt.timedelta(days=1), self.session),
            f"{symbol}: Yahoo shares outstanding {start}..{on}",
            max_retries=self.max_retries,
            backoff=self.backoff,
            sleep=self.sleep,
            guard=self.guard,
        )
        result: SharesCount | None = None
        if series is not None and len(series):
            values = pd.Series(series).dropna()
            index = pd.DatetimeIndex(values.index)
            if index.tz is not None:
                index = index.tz_localize(None)
            values.index = index.normalize()
            values = values.loc[values > 0].sort_index().loc[: pd.Timestamp(on)]
            if len(values):
                result = SharesCount(
                    symbol=symbol,
                    as_of=values.index[-1].date(),
                    shares=float(values.iloc[-1]),
                    source=f"Yahoo shares outstanding (get_shares_full, {yfinance_version()})",
                )
        self._memo[key] = result
        return result


#: ``earnings(symbol, limit, session) -> yfinance get_earnings_dates frame`` (or None).
EarningsFn = Callable[[str, int, Any], "pd.DataFrame | None"]


def _yfinance_earnings(symbol: str, limit: int, session: Any) -> pd.DataFrame | None:
    import yfinance as yf

    with _exceptions_visible():
        frame: pd.DataFrame | None = yf.Ticker(symbol, session=session).get_earnings_dates(limit=limit)
    return frame


class YahooEarningsSource:
    """Past earnings release dates from Yahoo (``Ticker.get_earnings_dates``), cached per symbol.

    The cache holds one ``<symbol>.csv`` per symbol under ``cache_dir``; a file younger than
    ``max_age_days`` is used without the network. ``offline`` never touches the network (a symbol without
    a cached file gives an empty frame: its confounding status stays unknown). Failures after the retries
    raise :class:`DownloadError`, as prices do.
    """

    name = "yahoo"

    def __init__(
        self,
        cache_dir: Path | None = None,
        *,
        offline: bool = False,
        refresh: bool = False,
        session: Any = None,
        max_retries: int = 4,
        backoff: float = 1.0,
        sleep: Callable[[float], None] = time.sleep,
        earnings: EarningsFn | None = None,
        limit: int = 24,
        max_age_days: int = 7,
        today: Callable[[], dt.date] = dt.date.today,
        guard: NetworkGuard | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        self.guard = guard or NetworkGuard()
        self.offline, self.refresh = offline, refresh
        self.session, self.max_retries, self.backoff, self.sleep = session, max_retries, backoff, sleep
        self._earnings = earnings or _yfinance_earnings
        self.limit, self.max_age_days, self.today = limit, max_age_days, today

    def _cached(self, symbol: str) -> pd.DataFrame | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / f"{symbol}.csv"
        if not path.is_file():
            return None
        age = dt.datetime.now().timestamp() - path.stat().st_mtime
        if not self.offline and (self.refresh or age > self.max_age_days * 86400):
            return None
        frame = pd.read_csv(path, dtype={"symbol": str, "timing": str})
        frame["date"] = pd.to_datetime(frame["date"]).dt.date
        return frame

    def releases(self, symbol: str) -> pd.DataFrame:
        """``symbol, date, timing`` of the symbol's past releases (empty when unknown offline)."""
        cached = self._cached(symbol)
        if cached is not None:
            return cached
        if self.offline:
            return pd.DataFrame(columns=list(EARNINGS_COLUMNS))
        raw = with_retries(
            lambda: self._earnings(symbol, self.limit, self.session),
            f"{symbol}: Yahoo earnings dates",
            max_retries=self.max_retries,
            backoff=self.backoff,
            sleep=self.sleep,
            guard=self.guard,
        )
        frame = normalise_earnings_frame(raw, symbol, self.today())
        if self.cache_dir is not None:
            atomic_write_csv(self.cache_dir / f"{symbol}.csv", frame)
        return frame
