"""Returns from adjusted closes, on each ticker's own trading days, and benchmark alignment.

Conventions
-----------
* The index of a price series is the symbol's session calendar; a NaN price is a session without a price.
  The return on date ``t`` is computed from the prices on ``t`` and on the previous session of the series
  (``P_t / P_{t-1} - 1``, or ``log(P_t / P_{t-1})``); it is missing when either price is missing or not
  positive. A missing session therefore costs two returns, never a silent multi-day return.
* A benchmark is aligned to the *ticker's* dates: its price on each ticker date is the last available price
  at or before that date (within the benchmark's own data range; outside it, missing). Its return is computed
  over exactly the same intervals as the ticker's. A benchmark holiday on a ticker session therefore gives a
  zero benchmark return that day, and the move is picked up on the next common interval.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.study.spec import ReturnKind

__all__ = ["align_prices", "clean_series", "interval_returns", "price_ratio_returns", "price_returns"]

FloatArray = NDArray[np.float64]


def interval_returns(prices: FloatArray, kind: ReturnKind) -> FloatArray:
    """Returns between consecutive entries of ``prices`` (first entry NaN).

    Missing (NaN) or non-positive prices give missing returns on both adjacent intervals.
    """
    p = np.asarray(prices, dtype=np.float64)
    out = np.full(p.shape, np.nan)
    if p.size < 2:
        return out
    out[1:] = price_ratio_returns(p[1:], p[:-1], kind)
    return out


def price_ratio_returns(cur: FloatArray, prev: FloatArray, kind: ReturnKind) -> FloatArray:
    """Returns from the prices ``prev`` to ``cur``, element by element (missing where either price is missing
    or not positive): the arithmetic of :func:`interval_returns`."""
    ok = np.isfinite(cur) & (cur > 0) & np.isfinite(prev) & (prev > 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(ok, cur / np.where(ok, prev, 1.0), np.nan)
    return np.log(ratio) if kind == "log" else ratio - 1.0


def price_returns(prices: pd.Series, kind: ReturnKind) -> pd.Series:
    """Returns of one adjusted-close series on its own dates (see the module notes)."""
    series = clean_series(prices)
    return pd.Series(interval_returns(series.to_numpy(dtype=np.float64), kind), index=series.index)


def align_prices(benchmark: pd.Series, dates: pd.DatetimeIndex) -> FloatArray:
    """The benchmark's last available price at or before each of ``dates``.

    Dates before the benchmark's first valid price or after its last valid price get NaN (no stale carry
    beyond the data).
    """
    series = clean_series(benchmark).dropna()
    series = series[series > 0]
    out = np.full(len(dates), np.nan)
    if series.empty or len(dates) == 0:
        return out
    idx = series.index
    pos = idx.searchsorted(dates, side="right") - 1
    inside = (pos >= 0) & (dates <= idx[-1])
    values = series.to_numpy(dtype=np.float64)
    out[inside] = values[pos[inside]]
    return out


_DAY_NS = 86_400_000_000_000


def clean_series(prices: pd.Series) -> pd.Series:
    """A float series on a sorted, unique, normalised DatetimeIndex (as is when it already is one)."""
    series = pd.Series(prices, copy=False)
    index = series.index
    if (
        isinstance(index, pd.DatetimeIndex)
        and index.tz is None
        and series.dtype == np.float64
        and index.is_monotonic_increasing
        and index.is_unique
        and not (index.as_unit("ns").asi8 % _DAY_NS).any()
    ):
        return series
    index = pd.DatetimeIndex(pd.to_datetime(series.index))
    if index.tz is not None:
        index = index.tz_localize(None)
    series = pd.Series(pd.to_numeric(series.to_numpy(), errors="coerce"), index=index.normalize())
    series = series[~series.index.duplicated(keep="last")]
    return series.sort_index().astype(np.float64)
