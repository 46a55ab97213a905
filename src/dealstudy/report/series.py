"""Series the figures show, derived from the study's tables: CAAR paths, one event's AR/CAR path, prices.

These are presentation summaries of results the engine already computed (abnormal returns, residual
standard deviations); the event-study statistics themselves live in :mod:`dealstudy.study`/:mod:`stats`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import special

from dealstudy.study.caar import caar_bands

__all__ = ["PATH_DAYS", "PRICE_DAYS", "TradingDays", "caar_paths", "event_path", "price_window"]

#: Event days of the AR/CAR and CAAR figures.
PATH_DAYS: tuple[int, int] = (-10, 10)
#: Event days of the price charts.
PRICE_DAYS: tuple[int, int] = (-30, 30)


def caar_paths(
    abnormal_returns: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    days: tuple[int, int] = PATH_DAYS,
    confidence: float = 0.95,
    min_band_n: int = 5,
) -> pd.DataFrame:
    """The CAAR paths of :func:`dealstudy.study.caar.caar_bands` (the statistic lives with the study) with
    the group column named ``binding_class``, as the report's CAAR figure reads it:
    ``binding_class, event_time, caar, lower, upper, n``."""
    bands = caar_bands(abnormal_returns, groups, days=days, confidence=confidence, min_band_n=min_band_n)
    return bands.rename(columns={"group": "binding_class"})


def event_path(
    abnormal_returns: pd.DataFrame,
    sigma: float,
    *,
    dof: float = math.nan,
    days: tuple[int, int] = PATH_DAYS,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """One event's ARs, the CAR cumulated from the first day shown, and its 95% band under the null.

    Parameters
    ----------
    abnormal_returns : DataFrame
        ``event_time, ar`` of one event; optionally ``in_window`` (day of the study's widest window) and
        ``var_cum_ar`` (the engine's variance of the running sum of the ARs, from its first row).
    sigma : float
        Residual standard deviation of the event's expected-return model (decimal daily return); used for
        the band only when ``var_cum_ar`` is absent.
    dof : float
        Residual degrees of freedom of the model (``nobs - k``); the band uses the t quantile with them
        (the normal quantile when unknown).
    days : (int, int)
        Event days shown.
    confidence : float
        Two-sided level of the band.

    Returns
    -------
    DataFrame
        ``event_time, ar, car, car_lower, car_upper, in_window`` on every day of ``days``; days without an
        AR keep NaN (a gap) and do not add to the CAR. ``attrs["band"]`` names the variance of the band:
        ``"prediction_error"`` (from ``var_cum_ar``) or ``"sigma_sqrt_l"`` (the approximation).

    Notes
    -----
    :math:`CAR(t) = \\sum AR_s` over the days :math:`s \\le t` of ``days`` that have an AR (*L* of them).
    Under H0 of no abnormal return the band is :math:`0 \\pm t_{dof, 0.975} \\sqrt{\\mathrm{Var}(CAR(t))}`:
    a CAR outside it differs from zero at the 5% level (pointwise). With ``var_cum_ar`` (and no AR row
    before ``days[0]``, so the engine's running sum is this CAR) the variance is the engine's
    prediction-error variance :math:`\\sigma^2 (L + s'(X'X)^{-1}s)`, *s* the sum of the regressor rows of the
    days summed (Campbell, Lo and MacKinlay 1997, eq. 4.4.9), the formula of the reported window CARs.
    Otherwise :math:`L\\sigma^2`, which omits the estimation error of the model's parameters (slightly
    narrower; MacKinlay 1997, eq. 9).
    """
    first, last = days
    shown = range(first, last + 1)
    times = abnormal_returns["event_time"].to_numpy()
    row_of: dict[object, int] = {}
    for row, time in enumerate(times.tolist()):  # the first row of a repeated day, as drop_duplicates
        row_of.setdefault(time, row)
    take = np.array([row_of.get(day, -1) for day in shown], dtype=np.intp)  # -1: no row that day
    found = take >= 0

    def on_days(values: np.ndarray, fill: float | bool) -> np.ndarray:
        """A column's ``values`` on each day shown; ``fill`` on days without a row (as reindex leaves)."""
        out = np.full(len(take), fill, dtype=values.dtype)
        out[found] = values[take[found]]
        return out

    def floats(column: str) -> np.ndarray:
        return on_days(abnormal_returns[column].to_numpy(dtype=float), np.nan)

    ar = floats("ar")
    present = np.isfinite(ar)
    car = np.where(present, np.nancumsum(ar), np.nan)
    q = (
        special.stdtrit(dof, 0.5 + confidence / 2)  # what stats.t.ppf computes, without its overhead
        if math.isfinite(dof) and dof > 0
        else special.ndtri(0.5 + confidence / 2)  # stats.norm.ppf
    )
    exact = "var_cum_ar" in abnormal_returns.columns and not (times < first).any()
    if exact:
        half = q * np.sqrt(floats("var_cum_ar"))
    elif math.isfinite(sigma):
        half = np.where(present, q * sigma * np.sqrt(np.cumsum(present)), np.nan)
    else:
        half = np.full(len(ar), np.nan)
    if "in_window" in abnormal_returns.columns:
        flags = abnormal_returns["in_window"]
        if flags.dtype != bool:  # missing flags (None, NA) are False
            flags = flags.astype("boolean").fillna(False)
        in_window = on_days(flags.to_numpy(dtype=bool), False)
    else:
        in_window = present
    path = pd.DataFrame(
        {
            "event_time": np.arange(first, last + 1),
            "ar": ar,
            "car": car,
            "car_lower": -half,
            "car_upper": half,
            "in_window": in_window,
        }
    )
    path.attrs["band"] = "prediction_error" if exact else "sigma_sqrt_l"
    return path


def price_window(
    closes: pd.Series, day0: pd.Timestamp, *, days: tuple[int, int] = PRICE_DAYS
) -> pd.DataFrame:
    """Closing prices from ``days[0]`` to ``days[1]`` trading days around ``day0`` (by position).

    Returns ``event_time, date, close``; empty when ``day0`` is not a date of the series.
    """
    return TradingDays(closes).window(day0, days=days)


class TradingDays:
    """A security's closing prices, cleaned once for the :func:`price_window` of each of its events."""

    def __init__(self, closes: pd.Series) -> None:
        self.series = closes.dropna().sort_index()
        self.index = pd.DatetimeIndex(self.series.index)

    def window(self, day0: pd.Timestamp, *, days: tuple[int, int] = PRICE_DAYS) -> pd.DataFrame:
        """:func:`price_window` of these prices around ``day0``."""
        series = self.series
        position = self.index.get_indexer(pd.DatetimeIndex([pd.Timestamp(day0)]))[0]
        if position < 0:
            return pd.DataFrame(columns=["event_time", "date", "close"])
        lo = max(position + days[0], 0)
        hi = min(position + days[1], len(series) - 1)
        part = series.iloc[lo : hi + 1]
        return pd.DataFrame(
            {
                "event_time": np.arange(lo - position, hi - position + 1),
                "date": part.index,
                "close": part.to_numpy(),
            }
        )
