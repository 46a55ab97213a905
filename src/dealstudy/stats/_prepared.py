"""Quantities shared by several aggregate tests, computed once per panel (and reused across windows).

:class:`PreparedPanel` caches per-event arrays (ranks, signs, standardized residuals) so that
:func:`dealstudy.stats.aggregate.aggregate_table` ranks a 100,000-event panel once, not once per window and
test. Everything here is vectorised over events.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

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
    n, k = x.shape
    if x.size == 0:
        return np.full(x.shape, np.nan), np.full((n, int(part.sum())), np.nan)
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
    return rank_all, rank_part[:, part]


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


class PreparedPanel:
    """A panel plus lazily computed, cached per-event quantities for the aggregate tests."""

    _PER_EVENT = (
        "est_ar",
        "est_finite",
        "est_count",
        "positive_share",
        "combined_ar",
        "combined_finite",
        "corrado_u",
        "corrado_g",
        "combined_rank",
        "est_sar",
        "est_sar_rank",
        "est_sar_rank_filled",
        "est_sar_finite",
        "sigma_usable",
        "grank_weight",
        "est_sar_count",
        "combined_observed",
        "corrado_u_filled",
        "corrado_g_filled",
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
        """(N, T1) estimation residuals."""
        return np.asarray(self.panel.ar[:, self.panel.is_estimation], dtype=float)

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
        mean, _ = masked_mean(self.est_ar, self.est_finite, axis=0)
        return mean

    @cached_property
    def positive_share(self) -> FloatArray:
        """(N,) share of positive estimation residuals per event (Cowan 1992), NaN without data."""
        positive = (self.est_ar > 0) & self.est_finite
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.est_count > 0, positive.sum(axis=1) / self.est_count, np.nan)

    # -- combined estimation + event sample (Corrado 1989; Corrado and Zivney 1992) ----------------
    @cached_property
    def combined_mask(self) -> BoolArray:
        """(K,) axis days in the ranking sample: estimation days and event days."""
        return np.asarray(self.panel.is_estimation | self.panel.is_event, dtype=bool)

    @cached_property
    def combined_ar(self) -> FloatArray:
        return np.asarray(self.panel.ar[:, self.combined_mask], dtype=float)

    @cached_property
    def combined_finite(self) -> BoolArray:
        return np.isfinite(self.combined_ar)

    @cached_property
    def corrado_u(self) -> FloatArray:
        """(N, K_c) ``U_it = rank_it / (1 + M_i) - 1/2`` over the combined sample (NaN where missing)."""
        m = self.combined_finite.sum(axis=1).astype(float)
        return np.asarray(self.combined_rank / (1.0 + m[:, None]) - 0.5, dtype=float)

    @cached_property
    def corrado_g(self) -> FloatArray:
        """(N, K_c) ``G_it = sign(AR_it - median_i)``, median over the combined sample (NaN where missing)."""
        x = self.combined_ar
        fin = self.combined_finite
        if x.size == 0:
            return np.full(x.shape, np.nan)
        # median without nanmedian's all-NaN warning: sort (NaN last) and pick the middle of the finite part
        srt = np.sort(x, axis=1)
        m = fin.sum(axis=1)
        lo = np.clip((m - 1) // 2, 0, max(x.shape[1] - 1, 0))
        hi = np.clip(m // 2, 0, max(x.shape[1] - 1, 0))
        rows = np.arange(x.shape[0])
        med = np.where(m > 0, 0.5 * (srt[rows, lo] + srt[rows, hi]), np.nan)
        with np.errstate(invalid="ignore"):
            return np.where(fin, np.sign(x - med[:, None]), np.nan)

    # -- standardized estimation residuals (Kolari and Pynnonen 2011) ------------------------------
    @cached_property
    def est_sar(self) -> FloatArray:
        """(N, T1) estimation residuals divided by the event's residual sd."""
        sigma = np.asarray(self.panel.sigma, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            sar = self.est_ar / sigma[:, None]
        return np.where(np.isfinite(sar), sar, np.nan)

    @cached_property
    def _ranks(self) -> tuple[FloatArray, FloatArray]:
        in_est = np.asarray(self.panel.is_estimation[self.combined_mask], dtype=bool)
        return rank_rows_two(self.combined_ar, in_est)

    @cached_property
    def combined_rank(self) -> FloatArray:
        """(N, K_c) average ranks of each event's ARs over the combined sample (NaN where missing)."""
        return self._ranks[0]

    @cached_property
    def est_sar_rank(self) -> FloatArray:
        """(N, T1) average ranks of the estimation residuals (equivalently SARs) within each event."""
        sigma = np.asarray(self.panel.sigma, dtype=float)
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(sigma) & (sigma > 0)
        return np.where(usable[:, None], self._ranks[1], np.nan)

    @cached_property
    def est_sar_rank_filled(self) -> FloatArray:
        """:attr:`est_sar_rank` with NaN replaced by 0 (for masked column sums)."""
        r = self.est_sar_rank
        return np.where(np.isfinite(r), r, 0.0)

    @cached_property
    def est_sar_finite(self) -> FloatArray:
        """(N, T1) 1.0 where the estimation SAR is observed, else 0.0."""
        return np.isfinite(self.est_sar).astype(float)

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

    @cached_property
    def combined_observed(self) -> FloatArray:
        """(N, K_c) 1.0 where the AR is observed in the ranking sample, else 0.0."""
        return self.combined_finite.astype(float)

    @cached_property
    def corrado_u_filled(self) -> FloatArray:
        return np.asarray(np.where(self.combined_finite, self.corrado_u, 0.0), dtype=float)

    @cached_property
    def corrado_g_filled(self) -> FloatArray:
        return np.asarray(np.where(self.combined_finite, self.corrado_g, 0.0), dtype=float)

    def colsum(self, matrix: str, weight: str, mask: BoolArray) -> FloatArray:
        """``sum_i mask_i * weight_i * matrix[i, :]`` for cached per-event ``matrix`` and ``weight``.

        The full weighted sum over all events is computed once; each call subtracts the few events outside
        ``mask`` (events a window drops for a missing day), so per-window cost is small.
        """
        key = f"_colsum_{matrix}_{weight}"
        m: FloatArray = getattr(self, matrix)
        w: FloatArray = getattr(self, weight)
        if key not in self.__dict__:
            self.__dict__[key] = w @ m
        full: FloatArray = self.__dict__[key]
        drop = ~mask & (w != 0)
        if drop.any():
            return np.asarray(full - w[drop] @ m[drop], dtype=float)
        return full.copy()

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
    fin = np.isfinite(x)
    keep = fin.sum(axis=1) >= 3
    x, fin = x[keep], fin[keep]
    n = x.shape[0]
    if n > exact_max:
        return _pooled_correlation(x, fin), n
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


def _pooled_correlation(x: FloatArray, fin: BoolArray) -> float:
    """The pooled mean pairwise correlation of :func:`mean_pairwise_correlation` (O(N T))."""
    n = x.shape[0]
    mu, count = masked_mean(x, fin, axis=1)
    centred = np.where(fin, x - mu[:, None], 0.0)
    sd = np.sqrt((centred**2).sum(axis=1) / (count - 1.0))
    usable = sd > 1e-12 * np.sqrt(np.where(fin, x * x, 0.0).sum(axis=1) / count)
    if usable.sum() < 2:
        return float("nan")
    z = centred[usable] / sd[usable, None]
    n_t = fin[usable].sum(axis=0).astype(float)
    n = int(usable.sum())
    numerator = float((z.sum(axis=0) ** 2).sum() - (z**2).sum())
    denominator = float((n_t**2 - n_t).sum()) - n * (n - 1.0)
    if not denominator > 0:
        return float("nan")
    return numerator / denominator
