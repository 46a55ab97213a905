"""Per-event standardized and ranked abnormal-return series, as the aggregate tests see them.

One row per event and event day (the days of the widest window) of the ok events of a panel. The values are
those the cross-sectional tests are built from, so a user (or the driver of a distributed run) can check or
recompute a statistic from them:

``sar``
    The standardized abnormal return ``AR_it / sqrt(var_AR_it)``, with the variance under the null of the
    study's variance rule (prediction-error by default; Patell 1976, Boehmer, Musumeci and Poulsen 1991).
``rank``
    The average rank (1 = lowest, ties averaged) of ``AR_it`` among the event's observed abnormal returns of
    the ranking sample, every estimation day and every event day of the panel (Corrado 1989).
``rank_days``
    ``M_i``, the event's observed days in the ranking sample.
``u``
    The standardized rank ``U_it = rank_it / (M_i + 1) - 1/2`` of Corrado and Zivney (1992), the score of the
    ``corrado_rank`` test.
``g``
    The sign ``G_it = sign(AR_it - median_i)`` against the median abnormal return of the ranking sample
    (Corrado and Zivney 1992), the score of the ``corrado_sign`` test.

Values are NaN where the abnormal return is missing (and ``sar`` where its variance is not positive).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from dealstudy.stats.panel import EventPanel

__all__ = ["SERIES_COLUMNS", "event_series"]

SERIES_COLUMNS: tuple[str, ...] = (
    "event_id",
    "ticker",
    "event_time",
    "ar",
    "sar",
    "rank",
    "rank_days",
    "u",
    "g",
)

#: Events ranked at once: bounds the (events x ranking days) float work arrays to about 64 MB.
_BLOCK_EVENTS = 32_768


def _ranked_block(ar: np.ndarray, event_cols: np.ndarray) -> tuple[np.ndarray, ...]:
    """Rank, observed-day count, standardized rank and median sign of one block of events' ranking
    samples ``ar`` (events x ranking days), on the columns ``event_cols`` of that sample."""
    from scipy.stats import rankdata  # scipy.stats costs 0.5 s to import; only the series need it

    observed = np.isfinite(ar)
    m = observed.sum(axis=1).astype(np.int64)
    clean = np.where(observed, ar, np.nan)  # +-inf would rank; the tests treat it as missing
    ranks = rankdata(clean, axis=1, nan_policy="omit")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an event with no observed day: NaN median
        median = np.nanmedian(clean, axis=1)
    ev = clean[:, event_cols]
    rank = ranks[:, event_cols]
    u = rank / (m[:, None] + 1.0) - 0.5
    with np.errstate(invalid="ignore"):
        g = np.sign(ev - median[:, None])
    return rank, m, u, g


def event_series(panel: EventPanel, event_ids: tuple[str, ...], tickers: pd.Series) -> pd.DataFrame:
    """The standardized and ranked series of every panel event over the event days (module docstring).

    Parameters
    ----------
    panel : EventPanel
        The ok events' abnormal returns on the relative-day axis.
    event_ids : tuple of str
        The event id of each panel row.
    tickers : Series
        Ticker by event id (at least the panel's events).

    Returns
    -------
    DataFrame
        :data:`SERIES_COLUMNS`, sorted by panel row then event time (``event_time`` in trading days).
    """
    n = len(event_ids)
    is_event = np.asarray(panel.is_event, dtype=bool)
    combined = np.asarray(panel.is_estimation, dtype=bool) | is_event
    days = np.asarray(panel.rel_days)[is_event]
    k = int(days.size)
    event_cols = np.flatnonzero(is_event[combined])
    ar = np.asarray(panel.ar[:, is_event], dtype=float) if n else np.empty((0, k))
    var = np.asarray(panel.var_ar[:, is_event], dtype=float) if n else np.empty((0, k))
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = np.where(var > 0.0, ar / np.sqrt(var), np.nan)
    rank, u, g = (np.empty((n, k)) for _ in range(3))
    m = np.empty(n, dtype=np.int64)
    for lo in range(0, n, _BLOCK_EVENTS):
        rows = slice(lo, min(n, lo + _BLOCK_EVENTS))
        block = np.asarray(panel.ar[rows][:, combined])
        rank[rows], m[rows], u[rows], g[rows] = _ranked_block(block, event_cols)
    ids = np.repeat(np.asarray(event_ids, dtype=object), k)
    return pd.DataFrame(
        {
            "event_id": ids,
            "ticker": pd.Series(ids).map(tickers).to_numpy(dtype=object),
            "event_time": np.tile(days.astype(np.int64), n),
            "ar": ar.ravel(),
            "sar": sar.ravel(),
            "rank": rank.ravel(),
            "rank_days": np.repeat(m, k),
            "u": u.ravel(),
            "g": g.ravel(),
        },
        columns=list(SERIES_COLUMNS),
    )
