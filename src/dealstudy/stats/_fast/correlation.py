"""Mean pairwise correlation of the events' estimation residuals (Kolari and Pynnonen 2010's rbar).

Pair by pair (exact, pairwise-complete days) up to :data:`RBAR_EXACT_MAX_EVENTS` events, pooled over
standardized rows (O(N T), no N^2 matrix) above; for all events and, from the same pass, for the events
of each part (the groups of :func:`dealstudy.stats.aggregate.aggregate_table`).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats._fast.blocks import masked_mean, row_blocks
from dealstudy.stats._fast.moments import EstimationMoments, estimation_moments
from dealstudy.stats.panel import BoolArray, FloatArray

__all__ = ["RBAR_EXACT_MAX_EVENTS", "mean_pairwise_correlation", "mean_pairwise_correlation_parts"]

RBAR_EXACT_MAX_EVENTS = 2000
"""Up to this many events the mean pairwise correlation is computed pair by pair (see
:func:`mean_pairwise_correlation`); above it, by the pooled estimator in O(N T)."""


def mean_pairwise_correlation(x: FloatArray, exact_max: int | None = None) -> tuple[float, int]:
    """Mean of the pairwise Pearson correlations between the rows of ``x``.

    Rows with fewer than 3 observations are left out. Up to ``exact_max`` rows (default
    :data:`RBAR_EXACT_MAX_EVENTS`), each pair's correlation
    uses only the days both rows observe (at least 3, with non-zero variance on those days in both rows;
    pairs without a defined correlation are left out of the mean), computed for all pairs at once by
    matrix products.

    Above ``exact_max`` rows (the N^2 pairs would not fit in memory), the pooled estimator is used:
    with each row standardized over its own observed days (:math:`z_{it}`, mean 0, sd 1 with ddof 1, 0
    where missing) and :math:`N_t` rows observed on day :math:`t`,

    .. math:: \\bar r = \\frac{\\sum_t \\bigl[(\\sum_i z_{it})^2 - \\sum_i z_{it}^2\\bigr]}
              {\\sum_t (N_t^2 - N_t) - N(N-1)},

    i.e. the sum over ordered pairs of :math:`\\sum_t z_{it} z_{jt}` divided by the sum of their
    :math:`n_{ij} - 1`. Without missing days it equals the mean of the pairwise correlations exactly;
    with missing days it is the pooled version of the same average. It uses every row, so unlike a
    subsample it adds no sampling noise to :math:`\\bar r`, which matters because Kolari-Pynnonen's
    factor :math:`1 + (N-1)\\bar r` multiplies any error by N.

    Returns
    -------
    (rbar, n_rows)
        NaN when no pair has a defined correlation.
    """
    return mean_pairwise_correlation_parts(x, exact_max)[0]


def mean_pairwise_correlation_parts(
    x: FloatArray,
    exact_max: int | None = None,
    parts: NDArray[np.intp] | None = None,
    n_parts: int = 0,
    moments: EstimationMoments | None = None,
) -> tuple[tuple[float, int], dict[int, tuple[float, int]]]:
    """:func:`mean_pairwise_correlation` of all rows and, from the same pass, of the rows of each part
    (``parts``: the part of each row): with the pooled estimator for the parts with more than
    ``exact_max`` usable rows (the other parts are then left out of the dict), or pair by pair when all
    rows are at most ``exact_max`` (each part's pairs are among all rows' pairs). ``moments``: the rows'
    :func:`.moments.estimation_moments` when already known (computed here otherwise)."""
    if exact_max is None:
        exact_max = RBAR_EXACT_MAX_EVENTS
    if moments is None:
        moments = estimation_moments(x)
    keep = moments.count >= 3
    n = int(keep.sum())
    part_n = np.bincount(parts[keep], minlength=n_parts) if parts is not None else np.zeros(0, np.int64)
    if n > exact_max:
        pooled = [p for p in range(n_parts) if part_n[p] > exact_max]
        whole, pooled_values = _pooled_correlation(x, keep, moments, parts, pooled)
        return (whole, n), {p: (pooled_values[p], int(part_n[p])) for p in pooled}
    if n < 2:
        return (float("nan"), n), {p: (float("nan"), int(part_n[p])) for p in range(n_parts)}
    i, j, r, ok = _pairwise_correlations(np.asarray(x[keep], dtype=float))
    whole = float(np.clip(r[ok], -1.0, 1.0).mean()) if ok.any() else float("nan")
    by_part: dict[int, tuple[float, int]] = {}
    if parts is not None:
        kept_parts = parts[keep]
        for p in range(n_parts):
            in_part = ok & (kept_parts[i] == p) & (kept_parts[j] == p)  # the part's pairs, in its order
            value = float(np.clip(r[in_part], -1.0, 1.0).mean()) if in_part.any() else float("nan")
            by_part[p] = (value, int(part_n[p]))
    return (whole, n), by_part


def _pairwise_correlations(
    x: FloatArray,
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray, BoolArray]:
    """Each pair of rows ``(i, j)``, ``i < j``, in row-major order, its correlation over the days both
    observe, and whether that correlation is defined (see :func:`mean_pairwise_correlation`)."""
    n = x.shape[0]
    fin = np.isfinite(x)
    m = fin.astype(float)
    v = np.where(fin, x, 0.0)
    # Centre each row on its own mean for numerical stability (correlations are shift invariant).
    mu, _ = masked_mean(x, fin, axis=1)
    v = np.where(fin, v - mu[:, None], 0.0)
    v2 = v * v
    n_ij = m @ m.T
    sx = v @ m.T  # sum of x_i over days both observe
    sxx = v2 @ m.T
    sxy = v @ v.T
    raw2 = np.where(fin, x * x, 0.0) @ m.T  # scale of x_i on the common days, for a relative tolerance
    # each pair (i < j) once, in row-major order: y = row j, so sum y = sx[j, i] and sum y^2 = sxx[j, i]
    i, j = np.triu_indices(n, 1)
    n_pair, sum_x, sum_y = n_ij[i, j], sx[i, j], sx[j, i]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy[i, j] - sum_x * sum_y / n_pair
        vx = sxx[i, j] - sum_x * sum_x / n_pair
        vy = sxx[j, i] - sum_y * sum_y / n_pair
        r = cov / np.sqrt(vx * vy)
    ok = (n_pair >= 3) & (vx > 1e-12 * raw2[i, j]) & (vy > 1e-12 * raw2[j, i]) & np.isfinite(r)
    return i, j, r, ok


def _pooled_correlation(
    x: FloatArray,
    keep: BoolArray,
    moments: EstimationMoments,
    parts: NDArray[np.intp] | None = None,
    pooled_parts: list[int] | None = None,
) -> tuple[float, dict[int, float]]:
    """The pooled mean pairwise correlation of :func:`mean_pairwise_correlation` (O(N T)) over the rows
    of ``x`` where ``keep``, and over those of each part in ``pooled_parts`` (``parts``: the part of each
    row), in row blocks (no (N, T) temporary) on :func:`dealstudy._parallel.map_blocks` threads; the
    blocks' column sums are added in block order. Each row is standardized by its mean and sd
    (``moments``); a row is usable where its sd is above 1e-12 times its root mean square."""
    n_rows, t = x.shape
    chosen = pooled_parts or []
    _Sums = tuple[int, FloatArray, float, NDArray[np.int64]]
    with np.errstate(invalid="ignore", divide="ignore"):
        sd = np.sqrt(moments.var)
        usable = keep & (sd > 1e-12 * np.sqrt(moments.squares / moments.count))

    def block_sums(rows: slice) -> list[_Sums | None]:
        use = usable[rows]
        if not use.any():
            return [None] * (1 + len(chosen))
        xb = x[rows][use]
        fin_used = np.isfinite(xb)
        z = np.where(fin_used, xb - moments.mean[rows][use, None], 0.0) / sd[rows][use, None]
        out: list[_Sums | None] = [(int(use.sum()), z.sum(axis=0), float((z**2).sum()), fin_used.sum(axis=0))]
        if chosen and parts is not None:
            part_used = parts[rows][use]
            for p in chosen:
                sel = part_used == p
                zp = z[sel]
                out.append((int(sel.sum()), zp.sum(axis=0), float((zp**2).sum()), fin_used[sel].sum(axis=0)))
        return out

    def correlation(sums: list[_Sums | None]) -> float:
        n = 0
        col = np.zeros(t)
        squares = 0.0
        n_t = np.zeros(t)
        for part in sums:  # in block order
            if part is not None:
                n += part[0]
                col += part[1]
                squares += part[2]
                n_t += part[3]
        if n < 2:
            return float("nan")
        numerator = float((col**2).sum()) - squares
        denominator = float((n_t**2 - n_t).sum()) - n * (n - 1.0)
        if not denominator > 0:
            return float("nan")
        return numerator / denominator

    blocks = map_blocks(block_sums, row_blocks(n_rows, t))
    whole = correlation([b[0] for b in blocks])
    return whole, {p: correlation([b[1 + i] for b in blocks]) for i, p in enumerate(chosen)}
