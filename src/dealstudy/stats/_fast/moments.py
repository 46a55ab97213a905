"""Per-event and per-day moments of the estimation residuals, from one blocked pass over them.

The sample variance of each event (Brown and Warner 1980), the share of positive residuals (Cowan 1992),
the equally weighted portfolio per day (Brown and Warner 1985) and the means, variances and scales that
Kolari and Pynnonen's pooled correlation standardizes with (:mod:`.correlation`) all read the same
(N, T1) residuals; :func:`estimation_moments` reads them once, in row blocks, and gives each the values
its own pass gave (the same expressions on the same blocks, so the same bits).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats._fast.blocks import row_blocks
from dealstudy.stats.panel import FloatArray

__all__ = ["EstimationMoments", "estimation_moments"]


@dataclass(frozen=True)
class EstimationMoments:
    """Moments of each event's non-missing estimation residuals, and of each estimation day's."""

    count: FloatArray
    """(N,) number of non-missing residuals."""
    mean: FloatArray
    """(N,) their mean; NaN without any."""
    var: FloatArray
    """(N,) their sample variance (ddof 1, about the event's own mean); NaN with fewer than two."""
    squares: FloatArray
    """(N,) the sum of their squares (the scale a variance is compared with)."""
    positive: FloatArray
    """(N,) how many are positive."""
    day_total: FloatArray
    """(T1,) the sum of each day's non-missing residuals over events (added in block order)."""
    day_count: NDArray[np.int64]
    """(T1,) how many events have a residual on each day."""


def estimation_moments(x: FloatArray) -> EstimationMoments:
    """:class:`EstimationMoments` of the (N, T1) residuals ``x`` (NaN where missing), in the row blocks of
    :func:`.blocks.row_blocks` on :func:`dealstudy._parallel.map_blocks` threads."""
    n, t = x.shape
    count, mean, var, squares, positive = (np.full(n, np.nan) for _ in range(5))

    def run(rows: slice) -> tuple[FloatArray, NDArray[np.int64]]:
        xb = x[rows]
        fin = np.isfinite(xb)
        values = np.where(fin, xb, 0.0)
        m = fin.sum(axis=1).astype(float)
        total = values.sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            mu = np.where(m > 0, total / m, np.nan)
            dev = np.where(fin, xb - mu[:, None], 0.0)
            var[rows] = np.where(m > 1, (dev * dev).sum(axis=1) / (m - 1), np.nan)
        count[rows], mean[rows] = m, mu
        squares[rows] = np.where(fin, xb * xb, 0.0).sum(axis=1)
        positive[rows] = ((xb > 0) & fin).sum(axis=1)
        return values.sum(axis=0), fin.sum(axis=0)

    day_total = np.zeros(t)
    day_count = np.zeros(t, dtype=np.int64)
    for block_total, block_count in map_blocks(run, row_blocks(n, t)):  # in block order: same sums
        day_total += block_total
        day_count += block_count
    return EstimationMoments(count, mean, var, squares, positive, day_total, day_count)
