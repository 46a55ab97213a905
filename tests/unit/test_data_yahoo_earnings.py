"""Yahoo earnings dates through the data layer: yfinance-shaped frames, the cache, injected faults."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dealstudy.data.yahoo import YahooEarningsSource
from dealstudy.data.yahoo_frames import normalise_earnings_frame
from dealstudy.errors import DownloadError

TODAY = dt.date(2025, 12, 1)


def _yf_frame() -> pd.DataFrame:
    """Shaped like ``yf.Ticker("AMZN").get_earnings_dates()``: newest first, tz-aware index."""
    index = pd.DatetimeIndex(
        [
            "2026-02-05 16:00",
            "2025-10-30 16:00",
            "2025-07-31 16:05",
            "2025-05-01 08:00",
            "2025-02-06 12:30",
            "2024-10-31 00:00",
        ],
        name="Earnings Date",
    ).tz_localize("America/New_York")
    return pd.DataFrame(
        {
            "EPS Estimate": [1.9, 1.57, 1.33, 1.36, 1.49, 1.14],
            "Reported EPS": [np.nan, 1.95, 1.68, 1.59, 1.86, 1.43],
            "Surprise(%)": [np.nan, 24.2, 26.3, 16.9, 24.8, 25.4],
        },
        index=index,
    )


def test_normalise_timing_and_drops_future_dates() -> None:
    frame = normalise_earnings_frame(_yf_frame(), "AMZN", TODAY)
    assert list(frame["date"]) == [
        dt.date(2024, 10, 31),
        dt.date(2025, 2, 6),
        dt.date(2025, 5, 1),
        dt.date(2025, 7, 31),
        dt.date(2025, 10, 30),
    ]
    assert list(frame["timing"]) == ["unknown", "intraday", "pre_market", "after_close", "after_close"]
    assert normalise_earnings_frame(None, "AMZN", TODAY).empty


def test_cache_offline_and_faults(tmp_path: Path) -> None:
    calls: list[str] = []

    def fetch(symbol: str, limit: int, session: Any) -> pd.DataFrame:
        calls.append(symbol)
        return _yf_frame()

    source = YahooEarningsSource(tmp_path, earnings=fetch, today=lambda: TODAY)
    first = source.releases("AMZN")
    assert len(first) == 5
    assert (tmp_path / "AMZN.csv").is_file()
    again = source.releases("AMZN")  # from the cache: no second download
    assert calls == ["AMZN"]
    assert list(again["date"]) == list(first["date"])
    assert list(again["timing"]) == list(first["timing"])
    offline = YahooEarningsSource(tmp_path / "empty", offline=True, earnings=fetch)
    assert offline.releases("MSFT").empty
    assert calls == ["AMZN"]

    attempts: list[int] = []

    class RateLimitError(Exception):
        pass

    RateLimitError.__name__ = "YFRateLimitError"

    def flaky(symbol: str, limit: int, session: Any) -> pd.DataFrame:
        attempts.append(1)
        if len(attempts) < 3:
            raise RateLimitError("Too Many Requests")
        return _yf_frame()

    waits: list[float] = []
    retried = YahooEarningsSource(None, earnings=flaky, sleep=waits.append, today=lambda: TODAY)
    assert len(retried.releases("AMZN")) == 5
    assert waits == [1.0, 2.0]

    def broken(symbol: str, limit: int, session: Any) -> pd.DataFrame:
        raise ValueError("unexpected payload")

    with pytest.raises(DownloadError, match="NVDA: Yahoo earnings dates failed: ValueError"):
        YahooEarningsSource(None, earnings=broken).releases("NVDA")
