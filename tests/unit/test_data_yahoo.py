"""YahooSource at its boundary with yfinance: frames shaped as yfinance 1.x returns them, and failures."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd
import pytest
from yfinance.exceptions import YFPricesMissingError, YFRateLimitError

from dealstudy.data.source import PRICE_COLUMNS
from dealstudy.data.yahoo import YahooSharesSource, YahooSource
from dealstudy.data.yahoo_frames import normalise_yahoo_frame
from dealstudy.errors import DownloadError

D = dt.date
DAYS = ["2025-10-01", "2025-10-02", "2025-10-03", "2025-10-06"]
CLOSE = [164.01, 169.73, 164.67, 203.71]


def _fields(n: int) -> dict[str, list[float]]:
    close = np.array(CLOSE[:n])
    return {
        "Open": list(close - 1),
        "High": list(close + 2),
        "Low": list(close - 2),
        "Close": list(close),
        "Adj Close": list(close * 0.99),
        "Volume": [1e6 * (i + 1) for i in range(n)],
        "Dividends": [0.0] * n,
        "Stock Splits": [0.0] * n,
    }


def download_shaped(symbol: str = "AMD") -> pd.DataFrame:
    """What ``yf.download(symbol, multi_level_index=True, ignore_tz=True)`` returns in yfinance 1.x."""
    fields = _fields(len(DAYS))
    columns = pd.MultiIndex.from_tuples([(f, symbol) for f in sorted(fields)], names=["Price", "Ticker"])
    data = np.column_stack([fields[f] for f in sorted(fields)])
    return pd.DataFrame(data, index=pd.DatetimeIndex(pd.to_datetime(DAYS), name="Date"), columns=columns)


def history_shaped(tz: str, days: list[str] = DAYS) -> pd.DataFrame:
    """What ``Ticker.history(auto_adjust=False, actions=True)`` returns: flat columns, tz-aware index."""
    index = pd.DatetimeIndex(pd.to_datetime(days), name="Date").tz_localize(tz)
    return pd.DataFrame(_fields(len(days)), index=index)


class FakeDownload:
    """Records calls; raises the queued exceptions first, then returns ``frame``."""

    def __init__(self, frame: pd.DataFrame, errors: list[BaseException] | None = None) -> None:
        self.frame = frame
        self.errors = list(errors or [])
        self.calls: list[tuple[str, dt.date, dt.date]] = []

    def __call__(self, symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.DataFrame:
        self.calls.append((symbol, start, end))
        if self.errors:
            raise self.errors.pop(0)
        return self.frame


def _source(download: FakeDownload, sleeps: list[float], **kw: Any) -> YahooSource:
    return YahooSource(sleep=sleeps.append, download=download, today=lambda: D(2026, 11, 29), **kw)


def test_multiindex_columns_are_normalised() -> None:
    fake = FakeDownload(download_shaped("AMD"))
    got = _source(fake, []).history("AMD", D(2025, 10, 1), D(2025, 10, 6))
    assert list(got.frame.columns) == list(PRICE_COLUMNS)
    assert got.frame["close"].tolist() == pytest.approx(CLOSE)
    assert got.frame["adj_close"].tolist() == pytest.approx([c * 0.99 for c in CLOSE])
    assert got.frame.index.name == "date"
    # end is inclusive for us, exclusive for yfinance: one day is added
    assert fake.calls == [("AMD", D(2025, 10, 1), D(2025, 10, 7))]
    assert got.provenance.source == "yahoo"
    assert got.provenance.library_version is not None
    assert got.provenance.library_version.startswith("yfinance 1.")
    assert got.provenance.fetched_at is not None
    assert got.provenance.fetched_at.tzinfo is not None


def test_multiindex_with_ticker_level_first_and_other_symbols() -> None:
    frame = download_shaped("AMD").swaplevel(0, 1, axis=1)
    other = download_shaped("NVDA").swaplevel(0, 1, axis=1) * 10
    both = pd.concat([frame, other], axis=1)
    out = normalise_yahoo_frame(both, "AMD")
    assert out["close"].tolist() == pytest.approx(CLOSE)


@pytest.mark.parametrize("tz", ["America/New_York", "Asia/Tokyo"])
def test_tz_aware_index_keeps_local_session_dates(tz: str) -> None:
    fake = FakeDownload(history_shaped(tz))
    frame = _source(fake, []).history("9984.T", D(2025, 10, 1), D(2025, 10, 6)).frame
    assert frame.index.tz is None
    # Tokyo midnight is the previous day in UTC; the local date must survive
    assert [d.date().isoformat() for d in frame.index] == DAYS
    assert (frame.index == frame.index.normalize()).all()


def test_empty_frame_is_an_error_naming_symbol_and_range() -> None:
    fake = FakeDownload(pd.DataFrame())
    with pytest.raises(DownloadError, match=r"^AMD: Yahoo returned no rows for 2025-10-01\.\.2025-10-06$"):
        _source(fake, []).history("AMD", D(2025, 10, 1), D(2025, 10, 6))


def test_all_nan_close_is_an_error() -> None:
    frame = download_shaped("AMD")
    frame[("Close", "AMD")] = np.nan
    with pytest.raises(
        DownloadError, match=r"AMD: Yahoo returned no valid close for 2025-10-01\.\.2025-10-06"
    ):
        _source(FakeDownload(frame), []).history("AMD", D(2025, 10, 1), D(2025, 10, 6))


def test_all_nan_adj_close_column_kept_as_nan_but_close_present() -> None:
    frame = download_shaped("AMD")
    frame[("Volume", "AMD")] = np.nan
    got = _source(FakeDownload(frame), []).history("AMD", D(2025, 10, 1), D(2025, 10, 6)).frame
    assert got["volume"].isna().all()
    assert len(got) == 4


def test_rate_limit_is_retried_with_backoff_then_succeeds() -> None:
    fake = FakeDownload(download_shaped("AMD"), [YFRateLimitError(), YFRateLimitError()])
    sleeps: list[float] = []
    got = _source(fake, sleeps, backoff=0.5).history("AMD", D(2025, 10, 1), D(2025, 10, 6))
    assert len(got.frame) == 4
    assert sleeps == [0.5, 1.0]
    assert len(fake.calls) == 3


def test_retries_exhausted_raise_download_error() -> None:
    fake = FakeDownload(download_shaped("AMD"), [YFRateLimitError() for _ in range(10)])
    sleeps: list[float] = []
    with pytest.raises(
        DownloadError, match=r"AMD: Yahoo download 2025-10-01\.\.2025-10-06 failed after 5 attempts"
    ):
        _source(fake, sleeps).history("AMD", D(2025, 10, 1), D(2025, 10, 6))
    assert sleeps == [1.0, 2.0, 4.0, 8.0]
    assert len(fake.calls) == 5


def test_connection_error_is_transient_but_missing_prices_is_not() -> None:
    fake = FakeDownload(download_shaped("AMD"), [ConnectionError("reset")])
    assert len(_source(fake, []).history("AMD", D(2025, 10, 1), D(2025, 10, 6)).frame) == 4
    sleeps: list[float] = []
    missing = FakeDownload(download_shaped("AMD"), [YFPricesMissingError("ZZZZ", "")])
    with pytest.raises(DownloadError, match=r"ZZZZ: Yahoo download .* failed: YFPricesMissingError"):
        _source(missing, sleeps).history("ZZZZ", D(2025, 10, 1), D(2025, 10, 6))
    assert sleeps == []


def test_dns_failure_is_not_retried_but_curl_timeout_is() -> None:
    from curl_cffi.requests.exceptions import DNSError, Timeout

    sleeps: list[float] = []
    fake = FakeDownload(download_shaped("AMD"), [DNSError("Could not resolve host")])
    with pytest.raises(DownloadError, match="DNSError"):
        _source(fake, sleeps).history("AMD", D(2025, 10, 1), D(2025, 10, 6))
    assert sleeps == []
    fake = FakeDownload(download_shaped("AMD"), [Timeout("slow")])
    assert len(_source(fake, sleeps).history("AMD", D(2025, 10, 1), D(2025, 10, 6)).frame) == 4
    assert sleeps == [1.0]


def test_short_download_is_an_error_but_a_late_listing_is_recorded() -> None:
    fake = FakeDownload(download_shaped("AMD"))
    with pytest.raises(
        DownloadError, match=r"short Yahoo download for 2025-09-01\.\.2025-12-31: last row 2025-10-06"
    ):
        _source(fake, []).history("AMD", D(2025, 9, 1), D(2025, 12, 31))
    got = _source(fake, []).history("AMD", D(2025, 1, 1), D(2025, 10, 6))
    assert "days after the requested start" in (got.provenance.detail or "")


def test_default_download_passes_explicit_options_and_surfaces_errors(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import yfinance as yf

    seen: dict[str, Any] = {}

    class FakeTicker:
        def __init__(self, symbol: str, session: Any = None) -> None:
            seen["symbol"] = symbol

        def history(self, **kwargs: Any) -> pd.DataFrame:
            seen.update(kwargs)
            seen["hide_exceptions"] = yf.config.debug.hide_exceptions
            return history_shaped("America/New_York")

    monkeypatch.setattr(yf, "Ticker", FakeTicker)
    before = yf.config.debug.hide_exceptions
    got = YahooSource(today=lambda: D(2026, 11, 29)).history("AMD", D(2025, 10, 1), D(2025, 10, 6))
    assert len(got.frame) == 4
    assert seen["auto_adjust"] is False
    assert seen["actions"] is True
    assert seen["interval"] == "1d"
    assert seen["start"] == "2025-10-01"
    assert seen["end"] == "2025-10-07"
    assert seen["hide_exceptions"] is False
    assert yf.config.debug.hide_exceptions == before


def test_shares_latest_count_on_or_before() -> None:
    index = pd.DatetimeIndex(
        ["2025-07-01 00:00", "2025-08-22 00:00", "2025-08-22 12:00", "2025-10-01 00:00"]
    ).tz_localize("America/New_York")
    series = pd.Series([24.4e9, 24.3e9, 24.31e9, 24.2e9], index=index)
    calls: list[tuple[str, dt.date, dt.date]] = []

    def shares(symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.Series:
        calls.append((symbol, start, end))
        return series

    source = YahooSharesSource(shares=shares, sleep=lambda s: None)
    count = source.shares_on("NVDA", D(2025, 9, 21))
    assert count is not None
    assert count.as_of == D(2025, 8, 22)
    assert count.shares == pytest.approx(24.31e9)
    assert count.source.startswith("Yahoo shares outstanding")
    assert source.shares_on("NVDA", D(2025, 6, 1)) is None


def test_yfinance_warnings_held_back_and_settings_restored_during_a_call(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Inside a call yfinance raises (not logs) and its warnings stay quiet; both are restored after."""
    import logging

    import yfinance as yf

    from dealstudy.data.yahoo import _exceptions_visible

    yf_log = logging.getLogger("yfinance")
    before_hide, before_level = yf.config.debug.hide_exceptions, yf_log.level
    with caplog.at_level(logging.WARNING, logger="yfinance"):
        with _exceptions_visible():
            assert yf.config.debug.hide_exceptions is False
            yf_log.warning("Cookie/crumb fetch failed (DNSError), continuing without crumb")
            yf_log.error("a real yfinance error")
        yf_log.warning("outside the call")
    messages = [r.getMessage() for r in caplog.records]
    assert "a real yfinance error" in messages
    assert "outside the call" in messages
    assert not any("crumb" in m for m in messages)
    assert (yf.config.debug.hide_exceptions, yf_log.level) == (before_hide, before_level)


def test_shares_are_retried_like_prices_and_a_permanent_error_is_not() -> None:
    series = pd.Series([24.2e9], index=pd.DatetimeIndex(["2025-08-22"]))
    failures: list[Exception] = [YFRateLimitError(), ConnectionError("reset")]

    def shares(symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.Series:
        if failures:
            raise failures.pop(0)
        return series

    sleeps: list[float] = []
    source = YahooSharesSource(shares=shares, sleep=sleeps.append, backoff=0.5)
    count = source.shares_on("NVDA", D(2025, 9, 1))
    assert count is not None
    assert count.shares == 24.2e9
    assert sleeps == [0.5, 1.0]

    def always_limited(symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.Series:
        raise YFRateLimitError()

    sleeps.clear()
    limited = YahooSharesSource(shares=always_limited, sleep=sleeps.append, max_retries=2)
    with pytest.raises(DownloadError, match=r"NVDA: Yahoo shares outstanding .* failed after 3 attempts"):
        limited.shares_on("NVDA", D(2025, 9, 1))
    assert sleeps == [1.0, 2.0]

    def missing(symbol: str, start: dt.date, end: dt.date, session: Any) -> pd.Series:
        raise KeyError("no such symbol")

    sleeps.clear()
    with pytest.raises(DownloadError, match=r"ZZZZ: Yahoo shares outstanding .* failed: KeyError"):
        YahooSharesSource(shares=missing, sleep=sleeps.append).shares_on("ZZZZ", D(2025, 9, 1))
    assert sleeps == []
