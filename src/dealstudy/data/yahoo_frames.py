"""Yahoo frames turned into the package's frames: daily prices and earnings release dates.

Pure reshaping of what yfinance returns (``yf.download``'s MultiIndex columns or ``Ticker.history``'s flat
ones; ``get_earnings_dates``'s instants); the downloads themselves are in :mod:`dealstudy.data.yahoo`, the
only module that imports yfinance.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from dealstudy.data.source import PRICE_COLUMNS
from dealstudy.errors import DownloadError

__all__ = ["EARNINGS_COLUMNS", "normalise_earnings_frame", "normalise_yahoo_frame"]

#: Columns of an earnings-dates frame: one row per past release.
EARNINGS_COLUMNS: tuple[str, ...] = ("symbol", "date", "timing")

_OPEN, _CLOSE = dt.time(9, 30), dt.time(16, 0)

_YAHOO_NAMES = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adj close": "adj_close",
    "adj_close": "adj_close",
    "adjclose": "adj_close",
    "volume": "volume",
}


def normalise_yahoo_frame(raw: pd.DataFrame, symbol: str) -> pd.DataFrame:
    """Turn a yfinance frame into the package's price frame.

    Handles ``yf.download``'s MultiIndex columns (``('Close', 'AMZN')`` with levels ``Price``/``Ticker``, in
    either order), ``Ticker.history``'s flat columns (``Open ... Adj Close, Volume, Dividends, Stock
    Splits``) and a tz-aware index: each timestamp is read in its own (exchange) time zone and its local
    date kept, so a Tokyo session stays on its Tokyo date. Columns become :data:`PRICE_COLUMNS`;
    ``adj_close`` falls back to ``close`` only when Yahoo sends no Adj Close at all (indices, FX), and rows
    without a close are dropped.
    """
    frame = raw.copy()
    if isinstance(frame.columns, pd.MultiIndex):
        levels = [frame.columns.get_level_values(i) for i in range(frame.columns.nlevels)]
        ticker_level = None
        for i, values in enumerate(levels):
            if symbol.upper() in {str(v).upper() for v in values}:
                ticker_level = i
                break
        if ticker_level is not None:
            keep = [str(v).upper() == symbol.upper() for v in levels[ticker_level]]
            frame = frame.loc[:, keep]
            columns: Any = frame.columns
            frame.columns = columns.droplevel(ticker_level)
        if isinstance(frame.columns, pd.MultiIndex):
            frame.columns = frame.columns.get_level_values(0)
    frame.columns = [str(c) for c in frame.columns]
    rename = {c: _YAHOO_NAMES[c.strip().lower()] for c in frame.columns if c.strip().lower() in _YAHOO_NAMES}
    frame = frame.rename(columns=rename)
    if "close" not in frame.columns:
        raise DownloadError(f"{symbol}: Yahoo frame has no Close column (columns: {list(raw.columns)})")
    if "adj_close" not in frame.columns:
        frame["adj_close"] = frame["close"]
    for column in PRICE_COLUMNS:
        if column not in frame.columns:
            frame[column] = np.nan
    frame = pd.DataFrame(
        {c: pd.to_numeric(frame[c].to_numpy(), errors="coerce") for c in PRICE_COLUMNS}, index=frame.index
    ).astype("float64")
    index = pd.DatetimeIndex(frame.index)
    if index.tz is not None:
        index = index.tz_localize(None)  # wall-clock local time in the exchange's zone
    frame.index = pd.DatetimeIndex(index.normalize(), name="date")
    frame = frame.loc[frame["close"].notna()]
    frame = frame.loc[~frame.index.duplicated(keep="last")].sort_index()
    return frame


def normalise_earnings_frame(raw: pd.DataFrame | None, symbol: str, today: dt.date) -> pd.DataFrame:
    """Past releases of a yfinance ``get_earnings_dates`` frame: ``symbol, date, timing``, by date.

    The index (``Earnings Date``) holds the release instants in the exchange's time zone: before 09:30 ->
    ``pre_market``, from 16:00 -> ``after_close``, in between -> ``intraday``; a bare midnight (date only) ->
    ``unknown``. Future dates (after ``today``, or without a reported EPS) are dropped.
    """
    if raw is None or raw.empty:
        return pd.DataFrame(columns=list(EARNINGS_COLUMNS))
    index = pd.DatetimeIndex(raw.index)
    reported = raw["Reported EPS"] if "Reported EPS" in raw.columns else pd.Series(1.0, index=raw.index)
    rows = []
    for stamp, eps in zip(index, reported.to_numpy(), strict=True):
        if pd.isna(stamp) or stamp.date() > today or pd.isna(eps):
            continue
        clock = stamp.time()
        if clock == dt.time(0, 0):
            timing = "unknown"
        elif clock < _OPEN:
            timing = "pre_market"
        elif clock >= _CLOSE:
            timing = "after_close"
        else:
            timing = "intraday"
        rows.append({"symbol": symbol, "date": stamp.date(), "timing": timing})
    frame = pd.DataFrame(rows, columns=list(EARNINGS_COLUMNS))
    return frame.drop_duplicates(["symbol", "date"]).sort_values("date").reset_index(drop=True)
