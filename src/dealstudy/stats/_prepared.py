"""Quantities shared by several aggregate tests, computed once per panel (and reused across windows).

:class:`PreparedPanel` caches per-event arrays (ranks, signs, standardized residuals) so that
:func:`dealstudy.stats.aggregate.aggregate_table` ranks a 100,000-event panel once, not once per window and
test. Everything here is vectorised over events.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from dealstudy.errors import SpecificationError
from dealstudy.stats.panel import BoolArray, EventPanel, FloatArray

__all__ = ["PreparedPanel", "WindowSample", "masked_mean", "rank_rows"]

RBAR_EXACT_MAX_EVENTS = 2000
"""Up to this many events the mean pairwise correlation is computed pair by pair (see
:func:`mean_pairwise_correlation`); above it, by the pooled estimator in O(N T)."""


def masked_mean(x: FloatArray, mask: BoolArray, axis: int) -> tuple[FloatArray, FloatArray]:
    """Mean of ``x`` where ``mask`` along ``axis`` and the count; NaN (no warning) where the count is 0."""
    count = mask.sum(axis=axis).astype(float)
    total = np.where(mask, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return mean, count


def rank_rows(x: FloatArray) -> FloatArray:
    """Average ranks (1 = smallest) within each row; non-finite values get NaN and are not counted."""
    return rank_rows_two(x, np.ones(x.shape[1], dtype=bool))[0]


def rank_rows_two(x: FloatArray, part: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Average ranks within each row over all columns and over the columns in ``part`` only.

    One sort serves both rankings: in each sorted row, the rank of a value among the ``part`` columns is
    the running count of ``part`` values. Ties get the average rank of their run (as
    ``scipy.stats.rankdata(..., method="average", nan_policy="omit")``); non-finite values get NaN.

    Returns
    -------
    (ranks over all columns (N, K), ranks over the ``part`` columns (N, part.sum()))
    """
    rank_all, rank_part, _ = _rank_rows_sorted(x, part)
    return rank_all, rank_part


def _rank_rows_sorted(x: FloatArray, part: BoolArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`rank_rows_two` plus each row sorted ascending (non-finite values as NaN, last)."""
    n, k = x.shape
    if x.size == 0:
        return np.full(x.shape, np.nan), np.full((n, int(part.sum())), np.nan), np.full(x.shape, np.nan)
    x = np.where(np.isfinite(x), x, np.nan)
    order = np.argsort(x, axis=1)  # NaN sorts last
    xs = np.take_along_axis(x, order, axis=1)
    fin = np.isfinite(xs)
    in_part = part[order] & fin
    pos_all = np.cumsum(fin, axis=1, dtype=float)
    pos_part = np.cumsum(in_part, axis=1, dtype=float)
    new = np.ones(xs.shape, dtype=bool)
    new[:, 1:] = xs[:, 1:] != xs[:, :-1]  # start of a run of equal values (NaN != NaN)
    if not new[fin].all():  # ties: average each ranking's positions over its members of the run
        gid = np.cumsum(new.ravel()) - 1
        for pos, member in ((pos_all, fin), (pos_part, in_part)):
            weight = member.ravel().astype(float)
            total = np.bincount(gid, weights=pos.ravel() * weight)
            count = np.bincount(gid, weights=weight)
            with np.errstate(invalid="ignore", divide="ignore"):
                pos[...] = (total / count)[gid].reshape(n, k)
    pos_all[~fin] = np.nan
    pos_part[~in_part] = np.nan
    rank_all = np.empty((n, k))
    np.put_along_axis(rank_all, order, pos_all, axis=1)
    rank_part = np.empty((n, k))
    np.put_along_axis(rank_part, order, pos_part, axis=1)
    return rank_all, rank_part[:, part], xs


@dataclass(frozen=True)
class WindowSample:
    """The events that have a complete CAR over one window, and their CARs and CAR variances."""

    window: tuple[int, int]
    columns: slice
    length: int
    used: BoolArray  # (N,) every AR of the window is finite
    car: FloatArray  # (N,) NaN where not used
    car_var: FloatArray  # (N,) NaN where unknown
    n: int  # events used
    mean: float  # CAAR of the used events (AAR for one day); NaN when none


BLOCK_ELEMENTS = 1 << 17
"""Elements of an (events, days) block processed at once (1 MB of float64): per-event passes over the
panel run in row blocks of this size, so their temporaries stay small and in cache."""


def row_blocks(n: int, width: int) -> list[slice]:
    """Consecutive row slices of ``n`` rows, each about :data:`BLOCK_ELEMENTS` / ``width`` rows."""
    step = max(1, BLOCK_ELEMENTS // max(width, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _column_view(x: FloatArray, columns: BoolArray) -> FloatArray:
    """``x[:, columns]``: a view when the selected columns are contiguous, else a copy."""
    idx = np.flatnonzero(columns)
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return x[:, int(idx[0]) : int(idx[-1]) + 1]
    return np.asarray(x[:, columns])


def _rank_code_dtype(width: int) -> type[np.signedinteger]:
    """Smallest signed integer type that holds twice a rank among ``width`` values."""
    return np.int16 if 2 * width <= np.iinfo(np.int16).max else np.int32


class PreparedPanel:
    """A panel plus lazily computed, cached per-event quantities for the aggregate tests.

    Memory: no (N, K) float64 array is cached. Ranks are stored exactly as integer codes (twice the
    average rank, 0 where missing: ranks are integers or halves of integers), Corrado-Zivney signs as
    ``int8`` (0 where missing) and observed masks as ``bool``; the float values the tests sum are
    rebuilt from them block by block when a column sum is needed, and are bit-for-bit the values a
    float cache would hold. Estimation residuals are a view of the panel where the estimation days are
    contiguous.
    """

    _PER_EVENT = (
        "est_finite",
        "est_count",
        "positive_share",
        "combined_count",
        "rank_codes",
        "est_rank_codes",
        "sign_codes",
        "est_sar_finite",
        "sigma_usable",
        "grank_weight",
        "est_sar_count",
    )
    """Cached arrays with one row per event, which :meth:`subset` slices instead of recomputing."""

    def __init__(self, panel: EventPanel) -> None:
        self.panel = panel
        self._windows: dict[tuple[int, int], WindowSample] = {}

    def subset(self, mask: BoolArray) -> PreparedPanel:
        """The prepared panel of the events where ``mask`` is true, reusing per-event caches."""
        sub = PreparedPanel(self.panel.subset(mask))
        for name in self._PER_EVENT:
            if name in self.__dict__:
                sub.__dict__[name] = self.__dict__[name][mask]
        return sub

    def release(self) -> None:
        """Drop every cached array (the panel stays); they are recomputed if needed again."""
        panel = self.panel
        self.__dict__.clear()
        self.panel = panel
        self._windows = {}

    # -- per-window sample -------------------------------------------------------------------------
    def sample(self, window: tuple[int, int]) -> WindowSample:
        """Events with a complete CAR over ``window`` (cached)."""
        if window not in self._windows:
            self._windows[window] = self._make_sample(window)
        return self._windows[window]

    def _make_sample(self, window: tuple[int, int]) -> WindowSample:
        p = self.panel
        a, b = int(window[0]), int(window[1])
        event_days = p.rel_days[p.is_event]
        if b < a or event_days.size == 0 or a < event_days[0] or b > event_days[-1]:
            span = f"{event_days[0]}:{event_days[-1]}" if event_days.size else "none"
            raise SpecificationError(f"window {a}:{b} is not inside the panel's event days ({span})")
        cols = p.window_columns((a, b))
        block = p.ar[:, cols]
        used: BoolArray = np.asarray(np.isfinite(block).all(axis=1), dtype=bool)
        car = np.where(used, np.where(used[:, None], block, 0.0).sum(axis=1), np.nan)
        if (a, b) in p.windows:
            var = np.asarray(p.car_var[:, p.window_position((a, b))], dtype=float)
        elif a == b:
            var = np.asarray(p.var_ar[:, cols.start], dtype=float)
        else:
            var = np.full(p.n_events, np.nan)
        n = int(used.sum())
        mean = float(car[used].mean()) if n else float("nan")
        return WindowSample((a, b), cols, b - a + 1, used, car, var, n, mean)

    # -- estimation period -------------------------------------------------------------------------
    @cached_property
    def est_ar(self) -> FloatArray:
        """(N, T1) estimation residuals (a view of the panel when the estimation days are contiguous)."""
        return _column_view(np.asarray(self.panel.ar, dtype=float), np.asarray(self.panel.is_estimation))

    @cached_property
    def est_finite(self) -> BoolArray:
        return np.isfinite(self.est_ar)

    @cached_property
    def est_count(self) -> FloatArray:
        """(N,) number of non-missing estimation residuals."""
        return np.asarray(self.est_finite.sum(axis=1), dtype=float)

    @cached_property
    def portfolio_est(self) -> FloatArray:
        """(T1,) equally weighted mean residual per estimation day (NaN on days with no event)."""
        x, fin = self.est_ar, self.est_finite
        count = fin.sum(axis=0).astype(float)
        total = np.zeros(x.shape[1])
        for rows in row_blocks(x.shape[0], x.shape[1]):
            total += np.where(fin[rows], x[rows], 0.0).sum(axis=0)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    @cached_property
    def positive_share(self) -> FloatArray:
        """(N,) share of positive estimation residuals per event (Cowan 1992), NaN without data."""
        positive = np.zeros(self.panel.n_events)
        for rows in row_blocks(self.panel.n_events, self.est_ar.shape[1]):
            positive[rows] = ((self.est_ar[rows] > 0) & self.est_finite[rows]).sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.est_count > 0, positive / self.est_count, np.nan)

    # -- combined estimation + event sample (Corrado 1989; Corrado and Zivney 1992) ----------------
    @cached_property
    def combined_mask(self) -> BoolArray:
        """(K,) axis days in the ranking sample: estimation days and event days."""
        return np.asarray(self.panel.is_estimation | self.panel.is_event, dtype=bool)

    @cached_property
    def _codes(self) -> tuple[NDArray[np.signedinteger], NDArray[np.signedinteger], NDArray[np.int8]]:
        """One blocked pass over the ranking sample: rank codes, estimation rank codes, sign codes.

        Per event (row): twice the average rank of each AR over the combined sample and over the
        estimation days only (one sort serves both, see :func:`rank_rows_two`; 0 where missing, and the
        estimation codes 0 on events whose residual sd is unusable), and
        ``sign(AR - median over the combined sample)`` (0 where missing).
        """
        p = self.panel
        combined = self.combined_mask
        in_est = np.asarray(p.is_estimation[combined], dtype=bool)
        kc, te = int(combined.sum()), int(in_est.sum())
        n = p.n_events
        rank_codes = np.zeros((n, kc), dtype=_rank_code_dtype(kc))
        est_codes = np.zeros((n, te), dtype=_rank_code_dtype(te))
        sign_codes = np.zeros((n, kc), dtype=np.int8)
        usable = self.sigma_usable > 0
        ar = np.asarray(p.ar, dtype=float)
        for rows in row_blocks(n, kc):
            x = np.asarray(ar[rows][:, combined], dtype=float)
            rank_all, rank_part, xs = _rank_rows_sorted(x, in_est)
            rank_codes[rows] = np.nan_to_num(2.0 * rank_all, nan=0.0)
            est_codes[rows] = np.where(usable[rows, None], np.nan_to_num(2.0 * rank_part, nan=0.0), 0.0)
            # median over the finite values (sorted first, NaN last): the middle of the finite part
            fin = np.isfinite(x)
            m = fin.sum(axis=1)
            lo = np.clip((m - 1) // 2, 0, max(kc - 1, 0))
            hi = np.clip(m // 2, 0, max(kc - 1, 0))
            if kc:
                r = np.arange(x.shape[0])
                med = np.where(m > 0, 0.5 * (xs[r, lo] + xs[r, hi]), np.nan)
                with np.errstate(invalid="ignore"):
                    sign_codes[rows] = np.where(fin, np.sign(x - med[:, None]), 0.0)
        return rank_codes, est_codes, sign_codes

    @cached_property
    def rank_codes(self) -> NDArray[np.signedinteger]:
        """(N, K_c) twice the average rank of each AR over the combined sample, 0 where missing."""
        return self._codes[0]

    @cached_property
    def est_rank_codes(self) -> NDArray[np.signedinteger]:
        """(N, T1) twice the average rank of each estimation residual (= SAR) within its event, 0 where
        missing or where the event's residual sd is unusable."""
        return self._codes[1]

    @cached_property
    def sign_codes(self) -> NDArray[np.int8]:
        """(N, K_c) ``G_it = sign(AR_it - median_i)``, median over the combined sample; 0 where missing."""
        return self._codes[2]

    @cached_property
    def combined_count(self) -> FloatArray:
        """(N,) number of non-missing ARs in the ranking sample (``M_i``)."""
        return np.asarray((self.rank_codes > 0).sum(axis=1), dtype=float)

    # -- standardized estimation residuals (Kolari and Pynnonen 2011) ------------------------------
    def est_sar_rows(self, rows: slice | NDArray[np.intp]) -> FloatArray:
        """Estimation residuals divided by the event's residual sd, rows ``rows`` (NaN where not finite)."""
        sigma = np.asarray(self.panel.sigma, dtype=float)[rows]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            sar = self.est_ar[rows] / sigma[:, None]
        return np.where(np.isfinite(sar), sar, np.nan)

    @cached_property
    def est_sar_finite(self) -> BoolArray:
        """(N, T1) the estimation SAR is observed (finite)."""
        n, t = self.est_ar.shape
        out = np.empty((n, t), dtype=bool)
        sigma = np.asarray(self.panel.sigma, dtype=float)
        for rows in row_blocks(n, t):
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                out[rows] = np.isfinite(self.est_ar[rows] / sigma[rows, None])
        return out

    @cached_property
    def sigma_usable(self) -> FloatArray:
        """(N,) 1.0 where the residual sd is finite and positive, else 0.0."""
        sigma = np.asarray(self.panel.sigma, dtype=float)
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(sigma) & (sigma > 0)
        return np.asarray(usable, dtype=float)

    @cached_property
    def est_sar_count(self) -> FloatArray:
        """(N,) number of non-missing estimation SARs."""
        return np.asarray(self.est_sar_finite.sum(axis=1), dtype=float)

    @cached_property
    def grank_weight(self) -> FloatArray:
        """(N,) ``1 / (T_i + 1)`` with ``T_i`` = non-missing estimation SARs + 1 (0 where sigma unusable)."""
        return self.sigma_usable / (self.est_sar_count + 2.0)

    @cached_property
    def ones(self) -> FloatArray:
        return np.ones(self.panel.n_events, dtype=float)

    # -- per-event, per-day matrices the column sums use (rebuilt from the codes block by block) -----
    def matrix_rows(self, matrix: str, rows: slice | NDArray[np.intp]) -> FloatArray:
        """Rows ``rows`` of one of the per-event, per-day matrices that :meth:`colsum` sums, as float64.

        ``combined_observed`` (1.0 where the AR is observed in the ranking sample), ``corrado_u_filled``
        (``U_it = rank_it / (1 + M_i) - 1/2``, 0 where missing), ``corrado_g_filled`` (``G_it``, 0 where
        missing), ``est_sar_rank_filled`` (the average rank of each estimation SAR, 0 where missing or
        the sd is unusable) and ``est_sar_finite`` (1.0 where the estimation SAR is observed).
        """
        if matrix == "combined_observed":
            return (self.rank_codes[rows] > 0).astype(float)
        if matrix == "corrado_u_filled":
            codes = self.rank_codes[rows]
            m = self.combined_count[rows]
            u = (codes / 2.0) / (1.0 + m[:, None]) - 0.5
            return np.where(codes > 0, u, 0.0)
        if matrix == "corrado_g_filled":
            return self.sign_codes[rows].astype(float)
        if matrix == "est_sar_rank_filled":
            return self.est_rank_codes[rows] / 2.0
        if matrix == "est_sar_finite":
            return self.est_sar_finite[rows].astype(float)
        raise KeyError(f"unknown per-event matrix {matrix!r}")

    def _row_nonzero(self, matrix: str) -> BoolArray:
        """(N,) events whose row of ``matrix`` can be non-zero (events without data add nothing)."""
        if matrix.startswith(("combined_", "corrado_")):
            return np.asarray(self.combined_count > 0, dtype=bool)
        return np.asarray((self.est_count > 0) & (self.sigma_usable > 0), dtype=bool)

    @cached_property
    def sar_overflow(self) -> bool:
        """Whether some finite estimation residual of an event with a usable sd has a non-finite SAR
        (``AR / sigma`` overflows); then that SAR counts as missing."""
        usable = self.sigma_usable > 0
        return bool((self.est_count[usable] != self.est_sar_count[usable]).any())

    def colsum(self, matrix: str, weight: str, mask: BoolArray) -> FloatArray:
        """``sum_i mask_i * weight_i * matrix[i, :]`` for a per-event ``matrix`` and cached ``weight``.

        The full weighted sum over all events is computed once (in row blocks); each call subtracts the
        few events outside ``mask`` (events a window drops for a missing day), so per-window cost is small.
        """
        key = f"_colsum_{matrix}_{weight}"
        w: FloatArray = getattr(self, weight)
        if key not in self.__dict__:
            width = self.matrix_rows(matrix, slice(0, 0)).shape[1]
            full = np.zeros(width)
            for rows in row_blocks(self.panel.n_events, width):
                full += w[rows] @ self.matrix_rows(matrix, rows)
            self.__dict__[key] = full
        full = self.__dict__[key]
        drop = np.flatnonzero(~mask & (w != 0) & self._row_nonzero(matrix))
        if drop.size:
            return np.asarray(full - w[drop] @ self.matrix_rows(matrix, drop), dtype=float)
        return np.asarray(full.copy(), dtype=float)

    # -- cross-correlation (Kolari and Pynnonen 2010) ----------------------------------------------
    @cached_property
    def rbar(self) -> tuple[float, int]:
        """Mean pairwise correlation of estimation residuals and the number of events it is based on."""
        return mean_pairwise_correlation(self.est_ar)


def mean_pairwise_correlation(x: FloatArray, exact_max: int = RBAR_EXACT_MAX_EVENTS) -> tuple[float, int]:
    """Mean of the pairwise Pearson correlations between the rows of ``x``.

    Rows with fewer than 3 observations are left out. Up to ``exact_max`` rows, each pair's correlation
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
    count = np.zeros(x.shape[0], dtype=np.int64)
    for rows in row_blocks(x.shape[0], x.shape[1]):
        count[rows] = np.isfinite(x[rows]).sum(axis=1)
    keep = count >= 3
    n = int(keep.sum())
    if n > exact_max:
        return _pooled_correlation(x, keep), n
    x = np.asarray(x[keep], dtype=float)
    fin = np.isfinite(x)
    if n < 2:
        return float("nan"), n
    m = fin.astype(float)
    v = np.where(fin, x, 0.0)
    # Centre each row on its own mean for numerical stability (correlations are shift invariant).
    mu, _ = masked_mean(x, fin, axis=1)
    v = np.where(fin, v - mu[:, None], 0.0)
    v2 = v * v
    n_ij = m @ m.T
    sx = v @ m.T  # sum of x_i over days both observe
    sy = sx.T
    sxx = v2 @ m.T
    syy = sxx.T
    sxy = v @ v.T
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy - sx * sy / n_ij
        vx = sxx - sx * sx / n_ij
        vy = syy - sy * sy / n_ij
        r = cov / np.sqrt(vx * vy)
    raw2 = np.where(fin, x * x, 0.0) @ m.T  # scale of x_i on the common days, for a relative tolerance
    ok = (n_ij >= 3) & (vx > 1e-12 * raw2) & (vy > 1e-12 * raw2.T) & np.isfinite(r)
    np.fill_diagonal(ok, False)
    upper = np.triu(ok, 1)
    if not upper.any():
        return float("nan"), n
    return float(np.clip(r[upper], -1.0, 1.0).mean()), n


def _pooled_correlation(x: FloatArray, keep: BoolArray) -> float:
    """The pooled mean pairwise correlation of :func:`mean_pairwise_correlation` (O(N T)) over the rows
    of ``x`` where ``keep``, in row blocks (no (N, T) temporary)."""
    n_rows, t = x.shape
    mu = np.full(n_rows, np.nan)
    count = np.zeros(n_rows)
    sd = np.full(n_rows, np.nan)
    usable = np.zeros(n_rows, dtype=bool)
    blocks = row_blocks(n_rows, t)
    for rows in blocks:  # first pass: each row's mean, sd and whether it is usable
        xb = x[rows]
        fin = np.isfinite(xb)
        mu_b, count_b = masked_mean(xb, fin, axis=1)
        centred = np.where(fin, xb - mu_b[:, None], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd_b = np.sqrt((centred**2).sum(axis=1) / (count_b - 1.0))
            ok = sd_b > 1e-12 * np.sqrt(np.where(fin, xb * xb, 0.0).sum(axis=1) / count_b)
        mu[rows], count[rows], sd[rows] = mu_b, count_b, sd_b
        usable[rows] = ok & keep[rows]
    n = int(usable.sum())
    if n < 2:
        return float("nan")
    col = np.zeros(t)
    squares = 0.0
    n_t = np.zeros(t)
    for rows in blocks:  # second pass: standardized rows, their column sums and sum of squares
        use = usable[rows]
        if not use.any():
            continue
        xb = x[rows][use]
        fin = np.isfinite(xb)
        z = np.where(fin, xb - mu[rows][use, None], 0.0) / sd[rows][use, None]
        col += z.sum(axis=0)
        squares += float((z**2).sum())
        n_t += fin.sum(axis=0)
    numerator = float((col**2).sum()) - squares
    denominator = float((n_t**2 - n_t).sum()) - n * (n - 1.0)
    if not denominator > 0:
        return float("nan")
    return numerator / denominator
