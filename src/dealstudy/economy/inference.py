"""Inference fit for a few dozen reactions on a couple of dozen dates: the wild cluster bootstrap (clusters =
announcement dates) with test-inversion confidence intervals, and a permutation test of equal binding and
non-binding slopes.

Reactions announced on the same date share that day's market news, so their errors are not independent:
the number of independent observations is the number of dates G, not N. With G around 20, cluster-robust
t tests over-reject (Cameron, Gelbach and Miller 2008); the restricted wild cluster bootstrap (WCR) with
Rademacher weights -- Webb's six-point weights when G < 12 -- keeps its size (MacKinnon and Webb 2017,
Roodman et al. 2019). This module is the implementation used by the report; it is tested against the
``wildboottest`` package (Fischer and Roodman) on seeded data, drawing the same weights.

References
----------
Cameron, A. C., J. B. Gelbach and D. L. Miller (2008). Bootstrap-based improvements for inference with
clustered errors. *Review of Economics and Statistics* 90, 414-427.
Webb, M. D. (2023). Reworking wild bootstrap-based inference for clustered errors. *Canadian Journal of
Economics* 56, 839-858.
Roodman, D., J. G. MacKinnon, M. Ø. Nielsen and M. D. Webb (2019). Fast and wild: bootstrap inference in
Stata using boottest. *Stata Journal* 19, 4-60.
Freedman, D. and D. Lane (1983). A nonstochastic interpretation of reported significance levels. *Journal
of Business & Economic Statistics* 1, 292-298.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import product
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "WEBB_BELOW_CLUSTERS",
    "Weights",
    "WildResult",
    "draw_weights",
    "permutation_equal_slopes",
    "wild_cluster_test",
    "wild_confidence_interval",
]

FloatArray = NDArray[np.float64]

#: Bootstrap weight distributions.
Weights = Literal["rademacher", "webb"]

#: With fewer clusters than this, Rademacher weights allow too few distinct draws: Webb's are used.
WEBB_BELOW_CLUSTERS = 12

_WEBB_POINTS = np.concatenate(
    [-np.sqrt(np.array([3.0, 2.0, 1.0]) / 2), np.sqrt(np.array([1.0, 2.0, 3.0]) / 2)]
)


def draw_weights(clusters: int, reps: int, kind: Weights, rng: np.random.Generator) -> FloatArray:
    """A ``clusters x reps`` matrix of bootstrap weights, drawn as ``wildboottest`` draws them.

    Rademacher: +-1 with probability 1/2; every one of the 2^G sign patterns is enumerated instead when
    2^G < ``reps``. Webb: the six points +-sqrt(1/2), +-1, +-sqrt(3/2) with equal probability.
    """
    if kind == "rademacher":
        if 2**clusters < reps:
            return np.array(list(product([-1.0, 1.0], repeat=clusters))).T
        return rng.choice(np.array([-1.0, 1.0]), size=clusters * reps, replace=True).reshape(clusters, reps)
    if kind == "webb":
        return rng.choice(_WEBB_POINTS, size=clusters * reps, replace=True).reshape(clusters, reps)
    raise ValueError(f"unknown weights {kind!r} (use 'rademacher' or 'webb')")


@dataclass(frozen=True)
class WildResult:
    """A wild cluster bootstrap test of one coefficient, ``H0: beta_j = null``."""

    term: str
    coef: float
    null: float
    t_stat: float
    pvalue: float
    clusters: int
    reps: int
    weights: str


class _Design:
    """OLS pieces shared by every null value of one test: X, y, cluster codes and the weights matrix."""

    def __init__(self, X: FloatArray, y: FloatArray, codes: NDArray[np.int64], weights: FloatArray) -> None:
        self.X, self.y, self.codes, self.v = X, y, codes, weights
        self.n, self.k = X.shape
        self.groups = int(codes.max()) + 1
        self.xtx_inv = np.linalg.inv(X.T @ X)
        self.indicator = np.zeros((self.groups, self.n))
        self.indicator[codes, np.arange(self.n)] = 1.0
        self.ssc = (self.n - 1) / (self.n - self.k) * self.groups / (self.groups - 1)
        self._paths: dict[int, _NullPath] = {}

    def t_stats(self, j: int, null: float) -> tuple[float, FloatArray]:
        """The observed CRV1 t statistic of ``beta_j = null`` and its WCR bootstrap draws.

        The bootstrap is linear in the weights (Roodman et al. 2019): with ``u`` the restricted residuals,
        ``U`` the N x G matrix holding ``u_i`` in the column of observation i's cluster, ``c' = e_j'
        (X'X)^-1 X'`` and ``M = I - X (X'X)^-1 X'``, the draw ``v`` gives the numerator ``c' U v`` and the
        cluster scores ``S diag(c) M U v`` (``S`` sums rows by cluster), so both are G-vectors times the
        G x B weights. The restricted residuals are linear in the null too: regressing ``y - null x_j`` on
        the other columns gives ``u = u_y - null u_x`` (``u_y``, ``u_x`` the residuals of ``y`` and of
        ``x_j`` on them), so numerator and scores are ``a - null b``: their products with the weights are
        computed once per coefficient (:class:`_NullPath`), and each further null (the confidence
        interval's bisection tries about 40) costs a few operations on B-vectors: the sum of squared
        scores is the quadratic ``sum (s_y - null s_x)^2 = Syy - 2 null Sxy + null^2 Sxx`` per draw.
        """
        path = self._paths.get(j)
        if path is None:
            path = self._paths[j] = _NullPath(self, j)
        return path.t_stats(null)


class _NullPath:
    """The pieces of :meth:`_Design.t_stats` for one coefficient that do not depend on the null."""

    def __init__(self, design: _Design, j: int) -> None:
        X, y = design.X, design.y
        c = X @ design.xtx_inv[j]  # beta_j = c'y
        beta = design.xtx_inv @ (X.T @ y)
        resid = y - X @ beta
        self.beta_j = float(beta[j])
        self.se = math.sqrt(design.ssc * float(np.sum((design.indicator @ (c * resid)) ** 2)))
        self.ssc = design.ssc
        # restricted fit: beta_j = null imposed (regress y - null x_j on the other columns), by linearity
        Xo = X[:, [i for i in range(design.k) if i != j]]
        coefs = np.linalg.lstsq(Xo, np.column_stack([y, X[:, j]]), rcond=None)[0]
        u_y, u_x = y - Xo @ coefs[:, 0], X[:, j] - Xo @ coefs[:, 1]
        hat = X @ design.xtx_inv @ X.T
        sums, scores = [], []
        for u in (u_y, u_x):
            U = design.indicator.T * u[:, None]  # N x G
            # G x B products by einsum, not BLAS: a multi-threaded BLAS call on these small matrices costs
            # ~20x more than one thread on a busy machine
            sums.append(np.einsum("g,gb->b", c @ U, design.v))
            scores.append(np.einsum("gh,hb->gb", design.indicator @ (c[:, None] * (U - hat @ U)), design.v))
        self.numer_y, self.numer_x = sums
        # sum over clusters of (s_y - null s_x)^2 per draw, as a quadratic in the null: three B-vectors
        self.square_y = np.sum(scores[0] ** 2, axis=0)
        self.cross = np.sum(scores[0] * scores[1], axis=0)
        self.square_x = np.sum(scores[1] ** 2, axis=0)

    def t_stats(self, null: float) -> tuple[float, FloatArray]:
        t_obs = (self.beta_j - null) / self.se
        numer = self.numer_y - null * self.numer_x
        squares = self.square_y - 2.0 * null * self.cross + null * null * self.square_x
        return t_obs, numer / np.sqrt(self.ssc * np.maximum(squares, 0.0))


def _design(
    X: pd.DataFrame,
    y: pd.Series,
    clusters: Sequence[object] | pd.Series,
    reps: int,
    weights: Weights | None,
    seed: int,
) -> tuple[_Design, str]:
    # clusters in sorted order (as wildboottest orders them), so that row g of the weights is cluster g
    codes = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)[1].astype(np.int64)
    groups = int(codes.max()) + 1 if codes.size else 0
    if groups < 2:
        raise ValueError(f"the wild cluster bootstrap needs at least 2 clusters, got {groups}")
    kind: Weights = weights or ("webb" if groups < WEBB_BELOW_CLUSTERS else "rademacher")
    v = draw_weights(groups, reps, kind, np.random.default_rng(seed))
    return _Design(X.to_numpy(dtype=float), y.to_numpy(dtype=float), codes, v), kind


def _pvalue(t_obs: float, t_boot: FloatArray) -> float:
    """Symmetric two-sided p: the share of bootstrap |t*| above |t| (``wildboottest``'s definition)."""
    finite = t_boot[np.isfinite(t_boot)]
    return float(np.mean(np.abs(t_obs) < np.abs(finite))) if finite.size else math.nan


def wild_cluster_test(
    X: pd.DataFrame,
    y: pd.Series,
    clusters: Sequence[object] | pd.Series,
    term: str,
    *,
    null: float = 0.0,
    reps: int = 9999,
    weights: Weights | None = None,
    seed: int = 20251103,
) -> WildResult:
    """WCR wild cluster bootstrap test of ``term = null`` in the OLS of ``y`` on ``X`` (with ``const``).

    The t statistic uses the CRV1 covariance with the small-sample factor ``G/(G-1) (N-1)/(N-K)``; the
    bootstrap samples ``y* = X b~ + u~ v_g`` from the fit with the null imposed, with one weight ``v_g``
    per cluster. ``weights`` defaults to Rademacher, or Webb below :data:`WEBB_BELOW_CLUSTERS` clusters.
    """
    design, kind = _design(X, y, clusters, reps, weights, seed)
    j = list(X.columns).index(term)
    t_obs, t_boot = design.t_stats(j, null)
    beta = design.xtx_inv @ (design.X.T @ design.y)
    return WildResult(
        term, float(beta[j]), null, t_obs, _pvalue(t_obs, t_boot), design.groups, t_boot.size, kind
    )


def wild_confidence_interval(
    X: pd.DataFrame,
    y: pd.Series,
    clusters: Sequence[object] | pd.Series,
    term: str,
    *,
    confidence: float = 0.95,
    reps: int = 9999,
    weights: Weights | None = None,
    seed: int = 20251103,
) -> tuple[float, float]:
    """The confidence interval of ``term`` by inverting the WCR test: every null not rejected at
    ``1 - confidence`` (same weights for every null; bisection to 1e-4 of the CRV1 standard error)."""
    design, _ = _design(X, y, clusters, reps, weights, seed)
    j = list(X.columns).index(term)
    alpha = 1.0 - confidence
    beta = float((design.xtx_inv @ (design.X.T @ design.y))[j])
    t0, _ = design.t_stats(j, 0.0)
    se = abs((beta - 0.0) / t0) if t0 != 0 else 1.0

    def accepted(null: float) -> bool:
        t_obs, t_boot = design.t_stats(j, null)
        return _pvalue(t_obs, t_boot) > alpha

    bounds = []
    for direction in (-1.0, 1.0):
        inside, step = beta, se
        outside = beta + direction * step
        tries = 0
        while accepted(outside):
            inside, step = outside, step * 2
            outside = beta + direction * step
            tries += 1
            if tries > 40:
                return (-math.inf, math.inf)
        for _ in range(60):
            middle = (inside + outside) / 2
            if accepted(middle):
                inside = middle
            else:
                outside = middle
            if abs(outside - inside) < 1e-4 * se:
                break
        bounds.append((inside + outside) / 2)
    return bounds[0], bounds[1]


def permutation_equal_slopes(
    y: pd.Series,
    binding: pd.Series,
    non_binding: pd.Series,
    *,
    reps: int = 9999,
    seed: int = 20251103,
) -> float:
    """Freedman-Lane permutation p-value of equal binding and non-binding slopes.

    Under the null the model is ``y = a + b (binding + non_binding) + e``. Its residuals are permuted,
    added back to its fitted values, and the full model ``y = a + b1 binding + b2 non_binding`` is refitted;
    the statistic is the classical t of ``b2 - b1`` (the coefficient on ``non_binding`` when the regressors
    are the headline and the non-binding value). p = (1 + #{|t*| >= |t|}) / (1 + reps). Assumes
    exchangeable errors under the null (no clustering).
    """
    yy = y.to_numpy(dtype=float)
    headline = binding.to_numpy(dtype=float) + non_binding.to_numpy(dtype=float)
    nb = non_binding.to_numpy(dtype=float)
    n = yy.size
    X_full = np.column_stack([np.ones(n), headline, nb])
    X_null = X_full[:, :2]
    if n <= 3 or np.linalg.matrix_rank(X_full) < 3:
        return math.nan
    inv = np.linalg.inv(X_full.T @ X_full)

    def t_of(ys: FloatArray) -> FloatArray:
        beta = inv @ (X_full.T @ ys)
        resid = ys - X_full @ beta
        sigma2 = np.sum(resid**2, axis=0) / (n - 3)
        return np.asarray(beta[2] / np.sqrt(sigma2 * inv[2, 2]), dtype=float)

    t_obs = float(t_of(yy[:, None])[0])
    gamma = np.linalg.lstsq(X_null, yy, rcond=None)[0]
    fitted = X_null @ gamma
    resid = yy - fitted
    rng = np.random.default_rng(seed)
    orders = np.argsort(rng.random((reps, n)), axis=1)
    ystar = fitted[:, None] + resid[orders].T
    t_star = t_of(ystar)
    return float((1 + np.sum(np.abs(t_star) >= abs(t_obs) - 1e-12)) / (1 + reps))
