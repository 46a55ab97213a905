"""Where the engine gets a ticker's returns and its regressors, from prices or from given returns."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.errors import SpecificationError
from dealstudy.study.returns import align_prices, clean_series, interval_returns
from dealstudy.study.spec import ReturnKind

__all__ = ["PriceInputs", "ReturnInputs", "TickerData", "align_factors"]

FloatArray = NDArray[np.float64]


class TickerData:
    """A ticker's session dates and returns on them (``returns[0]`` may be NaN)."""

    __slots__ = ("dates", "returns")

    def __init__(self, dates: pd.DatetimeIndex, returns: FloatArray) -> None:
        self.dates = dates
        self.returns = returns


class PriceInputs:
    """Returns computed from adjusted closes (see :mod:`dealstudy.study.returns`)."""

    def __init__(self, prices: Mapping[str, pd.Series], kind: ReturnKind) -> None:
        if not isinstance(prices, Mapping):
            raise SpecificationError(
                f"prices must be a mapping symbol -> Series, got {type(prices).__name__}"
            )
        self._prices = prices
        self._kind = kind
        self._cache: dict[int, pd.Series | None] = {}  # by id of the caller's Series (alive during the fit)

    def _series(self, symbol: str) -> pd.Series | None:
        raw = self._prices.get(symbol)
        if raw is None:
            return None
        key = id(raw)
        if key not in self._cache:
            series = clean_series(raw)
            self._cache[key] = None if not np.isfinite(series.to_numpy()).any() else series
        return self._cache[key]

    def ticker(self, symbol: str) -> TickerData | None:
        series = self._series(symbol)
        if series is None:
            return None
        # Leading/trailing sessions without prices are outside the data, not gaps.
        values = series.to_numpy(dtype=np.float64)
        finite = np.flatnonzero(np.isfinite(values))
        lo, hi = int(finite[0]), int(finite[-1]) + 1
        index = pd.DatetimeIndex(series.index[lo:hi])
        return TickerData(index, interval_returns(values[lo:hi], self._kind))

    def regressor(self, symbol: str, dates: pd.DatetimeIndex) -> FloatArray | None:
        series = self._series(symbol)
        if series is None:
            return None
        return interval_returns(align_prices(series, dates), self._kind)


class ReturnInputs:
    """Returns given directly (e.g. a published data set of returns).

    Each series is indexed by its symbol's session dates. Regressors are matched to the ticker's dates
    exactly (a date without a regressor return is missing); no forward filling of returns.
    """

    def __init__(self, returns: Mapping[str, pd.Series]) -> None:
        if not isinstance(returns, Mapping):
            raise SpecificationError(
                f"returns must be a mapping symbol -> Series, got {type(returns).__name__}"
            )
        self._returns = returns
        self._cache: dict[int, pd.Series | None] = {}  # by id of the caller's Series (alive during the fit)

    def _series(self, symbol: str) -> pd.Series | None:
        raw = self._returns.get(symbol)
        if raw is None:
            return None
        key = id(raw)
        if key not in self._cache:
            series = clean_series(raw)
            self._cache[key] = None if not np.isfinite(series.to_numpy()).any() else series
        return self._cache[key]

    def ticker(self, symbol: str) -> TickerData | None:
        series = self._series(symbol)
        if series is None:
            return None
        return TickerData(pd.DatetimeIndex(series.index), series.to_numpy(dtype=np.float64))

    def regressor(self, symbol: str, dates: pd.DatetimeIndex) -> FloatArray | None:
        series = self._series(symbol)
        if series is None:
            return None
        have = pd.DatetimeIndex(series.index).asi8
        want = dates.asi8
        pos = np.clip(np.searchsorted(have, want), 0, max(have.size - 1, 0))
        values = series.to_numpy(dtype=np.float64)
        return np.where(have[pos] == want, values[pos], np.nan)


def align_factors(factors: pd.DataFrame, columns: tuple[str, ...], dates: pd.DatetimeIndex) -> FloatArray:
    """Factor returns (and ``rf``) on the ticker's dates, exact date match; ``(T, len(columns))``."""
    return factors.reindex(dates)[list(columns)].to_numpy(dtype=np.float64)


def prepare_factors(factors: pd.DataFrame | None, columns: tuple[str, ...], model: str) -> pd.DataFrame:
    """Check a factor frame (decimal units, required columns) and index it by normalised date."""
    if factors is None:
        raise SpecificationError(f"model {model!r} needs factor data (columns {', '.join(columns)}, rf)")
    if not isinstance(factors, pd.DataFrame):
        raise SpecificationError(f"factors must be a DataFrame, got {type(factors).__name__}")
    frame = factors.copy()
    frame.columns = [str(c).strip().lower().replace("-", "_") for c in frame.columns]
    if "date" in frame.columns:
        frame = frame.set_index("date")
    frame.index = pd.DatetimeIndex(pd.to_datetime(frame.index)).normalize()
    needed = (*columns, "rf")
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise SpecificationError(
            f"model {model!r}: factor data lack column(s) {', '.join(missing)} "
            f"(have {', '.join(frame.columns)})"
        )
    frame = frame[list(needed)].apply(pd.to_numeric, errors="coerce").astype(np.float64)
    frame = frame[~frame.index.duplicated(keep="last")].sort_index()
    biggest = float(np.nanmax(np.abs(frame["mkt_rf"].to_numpy()))) if len(frame) else 0.0
    if biggest >= 0.25:
        raise SpecificationError(
            f"factor data look like percent (largest |mkt_rf| = {biggest:g}); the engine expects decimals"
        )
    return pd.DataFrame(frame)
