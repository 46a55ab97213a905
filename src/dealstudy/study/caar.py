"""Cumulative average abnormal returns (CAAR) by event day with cross-sectional confidence bands.

Pure computation on the study's ``abnormal_returns`` table; used by :meth:`StudyResults.caar` and by the
report's CAAR figure.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

__all__ = ["CAAR_COLUMNS", "caar_bands"]

#: Columns of :func:`caar_bands`.
CAAR_COLUMNS: tuple[str, ...] = ("group", "event_time", "caar", "lower", "upper", "n")


def caar_bands(
    abnormal_returns: pd.DataFrame,
    groups: Mapping[str, str],
    *,
    days: tuple[int, int],
    confidence: float = 0.95,
    min_band_n: int = 5,
) -> pd.DataFrame:
    """Cumulative average abnormal return per group with a cross-sectional confidence band.

    Parameters
    ----------
    abnormal_returns : DataFrame
        ``event_id, event_time, ar`` (the study's ``abnormal_returns`` table).
    groups : mapping
        ``event_id -> group``; events not in it are left out.
    days : (int, int)
        First and last event day; only events with an AR on every one of these days are used.
    confidence : float
        Two-sided level of the band.
    min_band_n : int
        Smallest group with a band: with 1 to 3 degrees of freedom the t interval is too wide to inform.

    Returns
    -------
    DataFrame
        ``group, event_time, caar, lower, upper, n`` (groups sorted, days in order).

    Notes
    -----
    For event *i*, :math:`CAR_i(t) = \\sum_{s=t_1}^{t} AR_{i,s}`. The path is
    :math:`CAAR(t) = \\bar{CAR}(t)` over the *n* events of a group and the band is
    :math:`CAAR(t) \\pm t_{n-1, 1-\\alpha/2}\\, s_t/\\sqrt{n}` with :math:`s_t` the cross-sectional standard
    deviation of :math:`CAR_i(t)` (the cross-sectional t test, Brown and Warner 1985). It ignores the
    cross-correlation of events that share a day 0, so it is too narrow when they do; the aggregate tests
    (Kolari-Pynnönen) account for it. No band when *n* < ``min_band_n``.
    """
    first, last = days
    span = last - first + 1
    ar = abnormal_returns[
        (abnormal_returns["event_time"] >= first) & (abnormal_returns["event_time"] <= last)
    ]
    wide = ar.pivot_table(index="event_id", columns="event_time", values="ar", aggfunc="first")
    wide = wide.reindex(columns=range(first, last + 1))
    wide = wide[wide.notna().sum(axis=1) == span]
    from scipy import stats  # imported where used: 0.5 s that a plain study does not need

    rows: list[dict[str, object]] = []
    labels = pd.Series(groups, dtype=object)
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
                    "group": group,
                    "event_time": t,
                    "caar": mean[k],
                    "lower": mean[k] - half[k],
                    "upper": mean[k] + half[k],
                    "n": n,
                }
            )
    return pd.DataFrame(rows, columns=list(CAAR_COLUMNS))
