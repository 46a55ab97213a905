"""Where the engine gets a ticker's returns and its regressors, from prices or from given returns."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.errors import SpecificationError
from dealstudy.study.returns import clean_series, interval_returns, price_ratio_returns
from dealstudy.study.spec import ReturnKind

__all__ = ["PriceInputs", "ReturnInputs", "TickerData", "TickerPanel", "align_factors"]

FloatArray = NDArray[np.float64]

_DAY_NS = 86_400_000_000_000
#: Nanoseconds per unit of a DatetimeIndex.
_NS_PER_UNIT = {"ns": 1, "us": 1_000, "ms": 1_000_000, "s": 1_000_000_000}
#: Range of datetime64[ns] (NaT, the smallest int64, excluded).
_MIN_NS, _MAX_NS = -(2**63) + 1, 2**63 - 1


class TickerData:
    """A ticker's session dates (``datetime64[ns]``) and returns on them (``returns[0]`` may be NaN)."""

    __slots__ = ("dates", "returns")

    def __init__(self, dates: NDArray[np.datetime64], returns: FloatArray) -> None:
        self.dates = dates
        self.returns = returns


class TickerPanel:
    """Several tickers' dates and data, concatenated (internal).

    Ticker ``j``'s sessions are ``ns[start[j] : start[j] + length[j]]`` (nanoseconds since the epoch) with
    ``data`` there (prices or returns, as the inputs were given); ``length[j]`` is 0 where there is no
    data. ``is_first`` / ``is_last`` mark each ticker's first and last session. Positions outside every
    ticker's range are never read.
    """

    __slots__ = ("data", "is_first", "is_last", "length", "ns", "start")

    def __init__(
        self, ns: NDArray[np.int64], data: FloatArray, start: NDArray[np.int64], length: NDArray[np.int64]
    ) -> None:
        self.ns = ns
        self.data = data
        self.start = start
        self.length = length
        have = length > 0
        self.is_first = np.zeros(ns.size, dtype=bool)
        self.is_first[start[have]] = True
        self.is_last = np.zeros(ns.size, dtype=bool)
        self.is_last[start[have] + length[have] - 1] = True


class _Series:
    """A cleaned series as arrays: dates in ns since the epoch, values.

    A series whose index is already a tz-naive, normalised, sorted and unique ``DatetimeIndex`` with float64
    values is read through views (no new Series); any other goes through :func:`clean_series`.
    """

    __slots__ = ("ns", "vals")

    def __init__(self, series: pd.Series) -> None:
        fast = _clean_arrays(series)
        if fast is None:
            series = clean_series(series)
            fast = pd.DatetimeIndex(series.index).as_unit("ns").asi8, series.to_numpy(dtype=np.float64)
        self.ns, self.vals = fast


def _float_on_naive_dates(series: object) -> tuple[pd.DatetimeIndex, int | None] | None:
    """The index of a float64 Series on a tz-naive DatetimeIndex and its ns per unit (None if the unit is
    unknown); ``None`` for anything else."""
    if not isinstance(series, pd.Series) or series.dtype != np.float64:
        return None
    index = series.index
    if not isinstance(index, pd.DatetimeIndex) or index.tz is not None:
        return None
    return index, _NS_PER_UNIT.get(str(index.unit))


def _clean_arrays(series: pd.Series) -> tuple[NDArray[np.int64], FloatArray] | None:
    """``(ns, values)`` of a series that is already clean (values a view), else ``None``."""
    found = _float_on_naive_dates(series)
    if found is None:
        return None
    index, factor = found
    raw = index.asi8  # integers in the index's own unit
    if raw.size > 1 and not (raw[1:] > raw[:-1]).all():  # sorted and unique
        return None
    if factor is None or factor == 1 or not raw.size:
        ns = raw if factor == 1 or not raw.size else index.as_unit("ns").asi8
    elif _MIN_NS // factor < raw[0] and raw[-1] < _MAX_NS // factor:
        ns = raw * factor  # exactly what ``as_unit("ns")`` gives inside its range
    else:
        ns = index.as_unit("ns").asi8
    if (ns % _DAY_NS).any():
        return None
    return ns, series.to_numpy(dtype=np.float64)


def _fast_parts(series: object) -> tuple[NDArray[np.int64], int, FloatArray] | None:
    """``(integers of the index in its unit, ns per unit, values)`` of a float Series on a tz-naive
    DatetimeIndex of a known unit, else None (no pass over the data: :func:`_clean_arrays` checks the rest).
    """
    found = _float_on_naive_dates(series)
    if found is None or found[1] is None or not len(found[0]):
        return None
    assert isinstance(series, pd.Series)
    return found[0].asi8, found[1], series.to_numpy(dtype=np.float64)


class _Inputs:
    """Each caller Series is cleaned once per fit (keyed by its id; the mapping keeps it alive)."""

    def __init__(self, data: Mapping[str, pd.Series], what: str) -> None:
        if not isinstance(data, Mapping):
            raise SpecificationError(f"{what} must be a mapping symbol -> Series, got {type(data).__name__}")
        self._data = data
        self._cache: dict[int, _Series | None] = {}

    def _series(self, symbol: str) -> _Series | None:
        raw = self._data.get(symbol)
        if raw is None:
            return None
        key = id(raw)
        if key not in self._cache:
            arrays = _Series(raw)
            self._cache[key] = arrays if np.isfinite(arrays.vals).any() else None
        return self._cache[key]

    def _concat_series(
        self, symbols: list[str]
    ) -> tuple[NDArray[np.int64], FloatArray, NDArray[np.int64], NDArray[np.int64]]:
        """Every symbol's :meth:`_series` (dates in ns, values) end to end: ``(ns, values, offset, size)``,
        size 0 where :meth:`_series` is None. Series that are clean are checked together (sorted, unique,
        whole days, some finite value) in passes over the concatenation; any other goes through
        :meth:`_series`. Positions outside every symbol's range may hold anything."""
        n = len(symbols)
        fast: list[tuple[int, NDArray[np.int64], int, FloatArray]] = []
        slow: list[tuple[int, _Series]] = []
        for j, symbol in enumerate(symbols):
            raw = self._data.get(symbol)
            parts = None if raw is None or id(raw) in self._cache else _fast_parts(raw)
            if parts is not None:
                fast.append((j, *parts))
                continue
            cached = self._series(symbol)
            if cached is not None:
                slow.append((j, cached))
        offset = np.zeros(n, dtype=np.int64)
        size = np.zeros(n, dtype=np.int64)
        ns = np.empty(0, dtype=np.int64)
        vals = np.empty(0)
        if fast:
            sizes = np.array([f[1].size for f in fast], dtype=np.int64)
            offs = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
            factors = np.array([f[2] for f in fast], dtype=np.int64)
            raw_all = np.concatenate([f[1] for f in fast])
            vals = np.concatenate([f[3] for f in fast])
            bad = ~((_MIN_NS // factors < raw_all[offs]) & (raw_all[offs + sizes - 1] < _MAX_NS // factors))
            starts = np.zeros(raw_all.size, dtype=bool)
            starts[offs] = True
            down = (
                np.flatnonzero(raw_all[1:] <= raw_all[:-1]) + 1
            )  # not increasing (at a series' start: fine)
            bad[np.searchsorted(offs, down[~starts[down]], side="right") - 1] = True
            same_unit = bool((factors == factors[0]).all())
            ns = raw_all * (factors[0] if same_unit else np.repeat(factors, sizes))
            if bad.any():  # out of the ns range: keep the ints as they are; those series are redone below
                ns = np.where(np.repeat(bad, sizes), raw_all, ns)
            off_day = np.flatnonzero(ns - (ns // _DAY_NS) * _DAY_NS)  # not a whole day
            bad[np.searchsorted(offs, off_day, side="right") - 1] = True
            finite = np.add.reduceat(np.isfinite(vals).view(np.uint8), offs, dtype=np.int64) > 0
            for q, (j, *_rest) in enumerate(fast):
                if bad[q]:
                    cached = self._series(symbols[j])  # the general path decides (and may raise)
                    if cached is not None:
                        slow.append((j, cached))
                elif finite[q]:
                    offset[j], size[j] = offs[q], sizes[q]
        if slow:
            base = ns.size
            ns = np.concatenate([ns, *(c.ns for _, c in slow)])
            vals = np.concatenate([vals, *(c.vals for _, c in slow)])
            for j, cached in slow:
                offset[j], size[j] = base, cached.ns.size
                base += cached.ns.size
        return ns, vals, offset, size


#: Largest value taken as a price; above it (or at most 0, or infinite) a value is missing, not a price.
MAX_PRICE = 1e12


def _without_impossible_prices(prices: object) -> object:
    """``prices`` with values that cannot be prices (<= 0, > :data:`MAX_PRICE`, infinite) set to NaN, so a
    close of 1e300 becomes a missing session (the engine reports the gap) instead of overflowing."""
    if not isinstance(prices, Mapping):
        return prices  # the base class names the problem
    out: dict[str, pd.Series] | None = None
    for symbol, series in prices.items():
        try:
            values = np.asarray(series.to_numpy(dtype=float, na_value=np.nan))
        except (TypeError, ValueError, AttributeError):
            continue  # not numeric: _Series says so
        impossible = ~np.isnan(values) & ~((values > 0) & (values <= MAX_PRICE))
        if impossible.any():
            out = out if out is not None else dict(prices)
            out[symbol] = series.where(~impossible)
    return out if out is not None else prices


class PriceInputs(_Inputs):
    """Returns computed from adjusted closes (see :mod:`dealstudy.study.returns`)."""

    def __init__(self, prices: Mapping[str, pd.Series], kind: ReturnKind) -> None:
        super().__init__(_without_impossible_prices(prices), "prices")  # type: ignore[arg-type]
        self._kind = kind
        self._good_cache: dict[int, tuple[NDArray[np.int64], FloatArray, FloatArray]] = {}

    def ticker(self, symbol: str) -> TickerData | None:
        data = self._series(symbol)
        if data is None:
            return None
        # Leading/trailing sessions without prices are outside the data, not gaps.
        finite = np.flatnonzero(np.isfinite(data.vals))
        lo, hi = int(finite[0]), int(finite[-1]) + 1
        dates = data.ns[lo:hi].view("datetime64[ns]")
        return TickerData(dates, interval_returns(data.vals[lo:hi], self._kind))

    def tickers(self, symbols: list[str]) -> TickerPanel:
        """Every symbol's dates and prices, concatenated (the dates of :meth:`ticker`)."""
        ns, vals, offset, sizes = self._concat_series(symbols)
        start = np.zeros(len(symbols), dtype=np.int64)
        length = np.zeros(len(symbols), dtype=np.int64)
        have = np.flatnonzero(sizes > 0)
        if have.size:  # leading/trailing sessions without prices are outside the data, not gaps
            finite = np.flatnonzero(np.isfinite(vals))  # every series present has a finite price
            first = finite[np.searchsorted(finite, offset[have], side="left")]
            last = finite[np.searchsorted(finite, offset[have] + sizes[have], side="left") - 1]
            start[have], length[have] = first, last + 1 - first
        return TickerPanel(ns, vals, start, length)

    def returns_at(self, panel: TickerPanel, at: NDArray[np.int64]) -> FloatArray:
        """The returns of :meth:`ticker` at the positions ``at`` of ``panel`` (the same arithmetic)."""
        out = price_ratio_returns(panel.data[at], panel.data[at - 1], self._kind)
        out[panel.is_first[at]] = np.nan
        return out

    def regressor_at(self, symbol: str, panel: TickerPanel, at: NDArray[np.int64]) -> FloatArray | None:
        """:meth:`regressor` on the tickers' dates at the ascending positions ``at`` of ``panel``."""
        data = self._series(symbol)
        if data is None:
            return None
        good_ns, good_vals, _ = self._good(symbol, data)

        def aligned(want: NDArray[np.int64]) -> FloatArray:
            pos = np.searchsorted(good_ns, want, side="right") - 1
            inside = (pos >= 0) & (want <= good_ns[-1])
            return np.where(inside, good_vals[np.maximum(pos, 0)], np.nan)

        cur = aligned(panel.ns[at])
        prev = np.empty_like(cur)  # the aligned price one session earlier: mostly the previous position
        prev[1:] = cur[:-1]
        jumps = np.flatnonzero(np.concatenate([[True], at[1:] != at[:-1] + 1]))
        prev[jumps] = aligned(panel.ns[at[jumps] - 1])
        out = price_ratio_returns(cur, prev, self._kind)  # elementwise as in :meth:`regressor`
        out[panel.is_first[at]] = np.nan
        return out

    def regressor(self, symbol: str, dates: NDArray[np.datetime64]) -> FloatArray | None:
        data = self._series(symbol)
        if data is None:
            return None
        good_ns, good_vals, good_ret = self._good(symbol, data)
        want = dates.astype("datetime64[ns]").view(np.int64)
        n = want.size
        start = int(np.searchsorted(good_ns, want[0], side="left")) if n else 0
        if n > 1 and start + n <= good_ns.size and np.array_equal(good_ns[start : start + n], want):
            # The ticker's dates are a run of the benchmark's dates with prices: the aligned prices are
            # good_vals[start:start + n], so their returns are the benchmark's own returns there.
            out = good_ret[start : start + n].copy()
            out[0] = np.nan
            return out
        pos = np.searchsorted(good_ns, want, side="right") - 1
        inside = (pos >= 0) & (want <= good_ns[-1])
        aligned = np.where(inside, good_vals[np.maximum(pos, 0)], np.nan)
        return interval_returns(aligned, self._kind)

    def _good(self, symbol: str, data: _Series) -> tuple[NDArray[np.int64], FloatArray, FloatArray]:
        """The benchmark's dates and prices where the price is usable, and its returns between them."""
        key = id(data)
        if key not in self._good_cache:
            good = np.isfinite(data.vals) & (data.vals > 0)
            ns, vals = data.ns[good], data.vals[good]
            self._good_cache[key] = (ns, vals, interval_returns(vals, self._kind))
        return self._good_cache[key]


class ReturnInputs(_Inputs):
    """Returns given directly (e.g. a published data set of returns).

    Each series is indexed by its symbol's session dates. Regressors are matched to the ticker's dates
    exactly (a date without a regressor return is missing); no forward filling of returns.
    """

    def __init__(self, returns: Mapping[str, pd.Series]) -> None:
        super().__init__(returns, "returns")

    def ticker(self, symbol: str) -> TickerData | None:
        data = self._series(symbol)
        if data is None:
            return None
        return TickerData(data.ns.view("datetime64[ns]"), data.vals)

    def tickers(self, symbols: list[str]) -> TickerPanel:
        """Every symbol's dates and returns (those of :meth:`ticker`), concatenated."""
        ns, vals, offset, sizes = self._concat_series(symbols)
        return TickerPanel(ns, vals, offset, sizes)

    def returns_at(self, panel: TickerPanel, at: NDArray[np.int64]) -> FloatArray:
        """The returns at the positions ``at`` of ``panel``."""
        return panel.data[at]

    def regressor_at(self, symbol: str, panel: TickerPanel, at: NDArray[np.int64]) -> FloatArray | None:
        """:meth:`regressor` on the tickers' dates at the positions ``at`` of ``panel``."""
        data = self._series(symbol)
        if data is None:
            return None
        want = panel.ns[at]
        pos = np.minimum(np.searchsorted(data.ns, want), data.ns.size - 1)
        return np.where(data.ns[pos] == want, data.vals[pos], np.nan)

    def regressor(self, symbol: str, dates: NDArray[np.datetime64]) -> FloatArray | None:
        data = self._series(symbol)
        if data is None:
            return None
        want = dates.astype("datetime64[ns]").view(np.int64)
        pos = np.minimum(np.searchsorted(data.ns, want), data.ns.size - 1)
        return np.where(data.ns[pos] == want, data.vals[pos], np.nan)


def align_factors(
    factors: pd.DataFrame, columns: tuple[str, ...], dates: NDArray[np.datetime64]
) -> FloatArray:
    """Factor returns (and ``rf``) on the ticker's dates, exact date match; ``(T, len(columns))``."""
    return factors.reindex(pd.DatetimeIndex(dates))[list(columns)].to_numpy(dtype=np.float64)


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
