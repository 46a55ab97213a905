"""Series the figures show, derived from the study's tables: CAAR paths, one event's AR/CAR path, prices.

These are presentation summaries of results the engine already computed (abnormal returns, residual
standard deviations); the event-study statistics themselves live in :mod:`dealstudy.study`/:mod:`stats`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
from scipy import stats

__all__ = ["PATH_DAYS", "PRICE_DAYS", "caar_paths", "event_path", "price_window"]

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
    """Cumulative average abnormal return per group with a cross-sectional confidence band.

    Parameters
    ----------
    abnormal_returns : DataFrame
        ``event_id, event_time, ar`` (the study's ``abnormal_returns.csv``).
    groups : mapping
        ``event_id -> group`` (e.g. binding class); events not in it are left out.
    days : (int, int)
        First and last event day; only events with an AR on every one of these days are used.
    confidence : float
        Two-sided level of the band.
    min_band_n : int
        Smallest group with a band: with 1 to 3 degrees of freedom the t interval is too wide to inform.

    Returns
    -------
    DataFrame
        ``binding_class, event_time, caar, lower, upper, n``.

    Notes
    -----
    For event *i*, :math:`CAR_i(t) = \\sum_{s=t_1}^{t} AR_{i,s}`. The path is
    :math:`CAAR(t) = \\bar{CAR}(t)` over the *n* events of a group and the band is
    :math:`CAAR(t) \\pm t_{n-1, 1-\\alpha/2}\\, s_t/\\sqrt{n}` with :math:`s_t` the cross-sectional standard
    deviation of :math:`CAR_i(t)` (the cross-sectional t test of Brown & Warner, 1985). It ignores the
    cross-correlation of events that share a day 0, so it is too narrow when they do; the aggregate tests
    (Kolari-Pynnönen) on the regressions page account for it. No band when *n* < ``min_band_n``.
    """
    first, last = days
    span = last - first + 1
    ar = abnormal_returns[
        (abnormal_returns["event_time"] >= first) & (abnormal_returns["event_time"] <= last)
    ]
    wide = ar.pivot_table(index="event_id", columns="event_time", values="ar", aggfunc="first")
    wide = wide.reindex(columns=range(first, last + 1))
    wide = wide[wide.notna().sum(axis=1) == span]
    rows: list[dict[str, object]] = []
    labels = pd.Series(groups)
    for group in sorted(set(labels.reindex(wide.index).dropna())):
        members = wide[labels.reindex(wide.index) == group]
        paths = members.to_numpy(dtype=float).cumsum(axis=1)
        n = paths.shape[0]
        mean = paths.mean(axis=0)
        if n >= max(min_band_n, 2):
            half = stats.t.ppf(0.5 + confidence / 2, n - 1) * paths.std(axis=0, ddof=1) / math.sqrt(n)
        else:
            half = np.full(span, np.nan)
        for k, t in enumerate(range(first, last + 1)):
            rows.append(
                {
                    "binding_class": group,
                    "event_time": t,
                    "caar": mean[k],
                    "lower": mean[k] - half[k],
                    "upper": mean[k] + half[k],
                    "n": n,
                }
            )
    return pd.DataFrame(rows, columns=["binding_class", "event_time", "caar", "lower", "upper", "n"])


def event_path(
    abnormal_returns: pd.DataFrame,
    sigma: float,
    *,
    days: tuple[int, int] = PATH_DAYS,
    z: float = 1.959963984540054,
) -> pd.DataFrame:
    """One event's ARs, the CAR cumulated from the first day shown, and its 95% band under the null.

    Parameters
    ----------
    abnormal_returns : DataFrame
        ``event_time, ar`` of one event.
    sigma : float
        Residual standard deviation of the event's expected-return model (decimal daily return).
    days : (int, int)
        Event days shown.
    z : float
        Normal quantile of the band (1.96 for 95%).

    Returns
    -------
    DataFrame
        ``event_time, ar, car, car_lower, car_upper``; days without an AR keep NaN and do not add to the CAR.

    Notes
    -----
    Under H0 of no abnormal return, with independent ARs of variance :math:`\\sigma^2`,
    :math:`\\mathrm{Var}(CAR(t_1, t)) = L\\sigma^2` where *L* is the number of ARs summed, so the band is
    :math:`\\pm z\\,\\sigma\\sqrt{L}`. It omits the prediction-error term of the market model, which is
    small for 240-day estimation windows (MacKinlay, 1997, eq. 9), so it is slightly narrower than the
    interval behind the reported t statistic.
    """
    first, last = days
    frame = (
        abnormal_returns[["event_time", "ar"]]
        .drop_duplicates("event_time")
        .set_index("event_time")
        .reindex(range(first, last + 1))
    )
    ar = frame["ar"].to_numpy(dtype=float)
    present = np.isfinite(ar)
    car = np.where(present, np.nancumsum(ar), np.nan)
    count = np.cumsum(present)
    half = z * sigma * np.sqrt(count) if math.isfinite(sigma) else np.full(len(ar), np.nan)
    return pd.DataFrame(
        {
            "event_time": np.arange(first, last + 1),
            "ar": ar,
            "car": car,
            "car_lower": -half,
            "car_upper": half,
        }
    )


def price_window(
    closes: pd.Series, day0: pd.Timestamp, *, days: tuple[int, int] = PRICE_DAYS
) -> pd.DataFrame:
    """Closing prices from ``days[0]`` to ``days[1]`` trading days around ``day0`` (by position).

    Returns ``event_time, date, close``; empty when ``day0`` is not a date of the series.
    """
    series = closes.dropna().sort_index()
    index = pd.DatetimeIndex(series.index)
    position = index.get_indexer(pd.DatetimeIndex([pd.Timestamp(day0)]))[0]
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
