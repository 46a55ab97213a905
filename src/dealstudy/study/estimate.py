"""Estimate every event's expected-return model at once: the estimation samples, the outcomes decided
before the fit (:mod:`dealstudy.study.screen`), closed-form OLS, abnormal returns and residual moments, and
the ``zero_variance`` outcome."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dealstudy._parallel import map_blocks
from dealstudy.study.aligned import Aligned, BoolArray, FloatArray, IntArray, blocks, row_counts
from dealstudy.study.ols import batch_ols, masked_sst, scholes_williams_beta, simple_ols
from dealstudy.study.screen import screen_estimation, screen_event_windows
from dealstudy.study.spec import StudySpec

__all__ = ["ZERO_SIGMA", "Fitted", "estimate"]

#: Residual standard deviations below this are treated as zero (``zero_variance``).
ZERO_SIGMA = 1e-12


@dataclass
class Fitted:
    """Model estimates of the events that reached estimation (internal)."""

    rows: IntArray  # event rows that are ok
    X: FloatArray  # (n_ok, D, k) regressors on the display days (columns where al.is_display holds)
    ar: FloatArray  # (n_ok, K) abnormal returns / residuals (NaN where inputs missing)
    est_mask: BoolArray  # (n_ok, K)
    params: FloatArray  # (n_ok, k)
    xtx_inv: FloatArray  # (n_ok, k, k)
    sigma: FloatArray  # (n_ok,)
    nobs: IntArray  # (n_ok,)
    dof: IntArray  # (n_ok,)
    r_squared: FloatArray  # (n_ok,)
    nobs_all: IntArray  # (N,) estimation observations of every event (0 where never aligned)
    excluded_all: IntArray  # (N,) estimation days excluded as inside other events' windows


def estimate(al: Aligned, spec: StudySpec) -> Fitted:
    """Fit every event's model: estimation samples, outcomes before the fit, OLS (or Scholes-Williams),
    abnormal returns, residual standard deviations and ``zero_variance``; ``ok`` for the rest."""
    n_est = int(al.is_est.sum())
    assert al.is_est[:n_est].all()  # the estimation days are the first columns of the axis
    assert not al.is_est[n_est:].any()
    est_mask, nobs_all, excluded_all = _estimation_masks(al, spec, n_est)
    screen_event_windows(al, spec)
    screen_estimation(al, spec, nobs_all)
    work = _CandidateFit(al, spec, np.flatnonzero(al.outcome == ""), est_mask, n_est)
    params, inv, ols_singular, X_disp = work.fit_simple() if work.simple else work.fit_design()
    if spec.scholes_williams:
        params = work.scholes_williams(ols_singular)
    if not work.fused:
        work.p0 = np.nan_to_num(params)
        map_blocks(work.ar_block, blocks(work.n_c))
    k = spec.n_params
    nobs = work.nobs
    dof = nobs - k
    denom = dof if spec.sigma_ddof == "model" else nobs
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(work.ssr / denom)
        r2 = (
            np.where((work.sst > 0) & (k > 0), 1.0 - work.ssr / work.sst, np.nan)
            if k
            else np.full(work.n_c, np.nan)
        )
    keep = _zero_variance(al, work.cand, params, ols_singular, sigma, nobs)
    sel: BoolArray | slice = slice(None) if keep.all() else keep
    return Fitted(
        rows=work.cand[keep],
        X=X_disp[sel],
        ar=_compact(work.ar, keep),
        est_mask=work.mc[sel],
        params=params[sel],
        xtx_inv=inv[sel],
        sigma=sigma[sel],
        nobs=nobs[sel],
        dof=dof[sel],
        r_squared=r2[sel],
        nobs_all=nobs_all,
        excluded_all=excluded_all,
    )


def _estimation_masks(al: Aligned, spec: StudySpec, n_est: int) -> tuple[BoolArray, IntArray, IntArray]:
    """Each event's estimation sample (days with every input, outside other events' windows), its size and
    the number of estimation days excluded as inside other events' windows."""
    n_all, k_axis = al.R.shape
    est = slice(0, n_est)
    est_mask = np.empty((n_all, k_axis), dtype=bool)
    nobs_all = np.empty(n_all, dtype=np.int64)
    excluded_all = np.empty(n_all, dtype=np.int64)

    def masks(sl: slice) -> None:
        m = np.isfinite(al.R[sl])
        if al.B.shape[2] == 1:
            m &= np.isfinite(al.B[sl, :, 0])
        elif al.B.shape[2]:
            m &= np.isfinite(al.B[sl]).all(axis=2)
        if al.F.shape[2]:
            m &= np.isfinite(al.F[sl]).all(axis=2)
        m &= ~al.excluded[sl]
        m[:, n_est:] = False
        if spec.scholes_williams:
            m &= np.isfinite(al.B_lag[sl]) & np.isfinite(al.B_lead[sl])
        est_mask[sl] = m
        nobs_all[sl] = row_counts(m)
        excluded_all[sl] = row_counts(al.excluded[sl, est])

    map_blocks(masks, blocks(n_all))
    return est_mask, nobs_all, excluded_all


class _CandidateFit:
    """The fit of the candidate events (those without an outcome) and its working arrays (internal)."""

    def __init__(self, al: Aligned, spec: StudySpec, cand: IntArray, est_mask: BoolArray, n_est: int) -> None:
        n_all, k_axis = al.R.shape
        self.al, self.spec, self.cand = al, spec, cand
        self.est = slice(0, n_est)
        self.every = cand.size == n_all
        # no fancy-index copies when all are candidates
        self.rows: IntArray | slice = slice(None) if self.every else cand
        self.mc = est_mask if self.every else est_mask[cand]
        self.disp = np.flatnonzero(al.is_display)
        self.simple = spec.model == "market" or (spec.model == "custom" and len(spec.benchmarks) == 1)
        self.fused = self.simple and not spec.scholes_williams  # the ARs of a block right after its fit
        self.n_c = n_c = cand.size
        self.k = spec.n_params
        self.X: FloatArray = np.empty((0, 0, 0))
        self.y: FloatArray = np.empty((0, 0))
        self.ar = np.empty((n_c, k_axis))
        self.ssr = np.empty(n_c)
        self.sst = np.empty(n_c)
        self.nobs = row_counts(self.mc)
        self.p0 = np.empty((n_c, self.k))  # the parameters with NaN as 0 (filled by the fit)

    def block_rows(self, sl: slice) -> IntArray | slice:
        """The event rows of a block of candidates."""
        return sl if self.every else self.cand[sl]

    def ar_block(self, sl: slice) -> None:
        """ARs and residual moments of a block of candidates, from the parameters ``p0``."""
        al, est, p0 = self.al, self.est, self.p0
        if self.simple:
            rb = self.block_rows(sl)
            yb = al.R[rb]
            self._simple_ar(sl, yb, al.B[rb, :, 0])
        else:
            k, X = self.k, self.X
            yb = self.y[sl]
            fitted = np.einsum("ntk,nk->nt", np.nan_to_num(X[sl]), p0[sl]) if k else np.zeros(yb.shape)
            known = np.asarray(np.isfinite(X[sl]).all(axis=2)) if k else np.ones(yb.shape, dtype=bool)
            # NaN wherever R or a regressor is missing (a display day beyond a benchmark's last price must
            # not get R - alpha as its abnormal return)
            self.ar[sl] = np.where(known, yb - fitted, np.nan)
            self._ssr(sl)
        self.sst[sl] = masked_sst(yb[:, est], self.mc[sl, est], self.nobs[sl])

    def _simple_ar(self, sl: slice, yb: FloatArray, regressors: FloatArray) -> None:
        """ARs and residual sums of squares of a block of candidates of the design ``[1, x]``: ``R - (alpha
        + beta x)``, NaN where the regressor is missing (a display day beyond a benchmark's last price must
        not get R - alpha as its abnormal return), written into ``ar`` without temporaries of the block."""
        p0 = self.p0
        ar = self.ar[sl]
        with np.errstate(invalid="ignore", over="ignore"):  # values where a regressor is missing unused
            fitted = np.multiply(regressors, p0[sl, 1:])
            np.add(p0[sl, :1], fitted, out=fitted)
            np.subtract(yb, fitted, out=ar)
        np.copyto(ar, np.nan, where=~np.isfinite(regressors))
        self._ssr(sl)

    def _ssr(self, sl: slice) -> None:
        """The residual sums of squares of a block of candidates, from its ARs."""
        resid = np.where(self.mc[sl, self.est], self.ar[sl, self.est], 0.0)
        self.ssr[sl] = np.einsum("nt,nt->n", resid, resid)

    def fit_simple(self) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
        """Design ``[1, x]``: closed-form OLS block by block, no (N, K, 2) design nor copies of R, B (with the
        ARs of each block right after its fit unless Scholes-Williams replaces the parameters)."""
        al, est, n_c, disp = self.al, self.est, self.n_c, self.disp
        params = np.empty((n_c, 2))
        inv = np.empty((n_c, 2, 2))
        ols_singular = np.empty(n_c, dtype=bool)
        X_disp = np.empty((n_c, disp.size, 2))

        def fit_block(sl: slice) -> None:
            rb = self.block_rows(sl)
            xb, yb = al.B[rb, :, 0], al.R[rb]  # gathered once for the fit and the ARs
            sst = self.sst[sl] if self.fused else None  # the fit's centred returns give it
            ob = simple_ols(
                xb[:, est], yb[:, est], self.mc[sl, est], with_ssr=False, nobs=self.nobs[sl], sst=sst
            )
            params[sl], inv[sl], ols_singular[sl] = ob.params, ob.xtx_inv, ob.singular
            X_disp[sl, :, 0] = 1.0
            X_disp[sl, :, 1] = xb[:, disp]
            if self.fused:
                self.p0[sl] = np.nan_to_num(params[sl])
                self._simple_ar(sl, yb, xb)

        map_blocks(fit_block, blocks(n_c))
        return params, inv, ols_singular, X_disp

    def fit_design(self) -> tuple[FloatArray, FloatArray, BoolArray, FloatArray]:
        """Any other design: the (candidates, days, k) regressors and batched OLS."""
        X, offset = _design(self.al, self.spec, self.cand)
        self.X = X
        self.y = self.al.R[self.cand] - offset
        del offset
        est = self.est
        ols = batch_ols(X[:, est], self.y[:, est], self.mc[:, est])
        return ols.params, ols.xtx_inv, ols.singular, X[:, self.disp]

    def scholes_williams(self, ols_singular: BoolArray) -> FloatArray:
        """Scholes-Williams alpha and beta in place of the OLS ones (NaN where OLS is singular)."""
        al, rows, est = self.al, self.rows, self.est
        alpha, beta, _ = scholes_williams_beta(
            al.R[rows][:, est],
            al.B[rows][:, est, 0],
            al.B_lag[rows][:, est],
            al.B_lead[rows][:, est],
            self.mc[:, est],
        )
        params: FloatArray = np.where(ols_singular[:, None], np.nan, np.stack([alpha, beta], axis=1))
        return params


def _zero_variance(
    al: Aligned,
    cand: IntArray,
    params: FloatArray,
    ols_singular: BoolArray,
    sigma: FloatArray,
    nobs: IntArray,
) -> BoolArray:
    """Give ``zero_variance`` to the candidates with a singular design or a zero residual variance and
    ``ok`` to the others; return which candidates are kept."""
    singular = ols_singular | ~np.isfinite(params).all(axis=1)
    flat = ~singular & ~(np.isfinite(sigma) & (sigma >= ZERO_SIGMA))
    for q in np.flatnonzero(singular):
        al.set(
            int(cand[q]),
            "zero_variance",
            "a regressor has no variation in the estimation window (X'X is singular)",
        )
    for q in np.flatnonzero(flat):
        al.set(
            int(cand[q]), "zero_variance", f"residual variance is zero over the {nobs[q]} estimation returns"
        )
    keep: BoolArray = ~singular & ~flat
    al.outcome[cand[keep]] = "ok"
    return keep


def _design(al: Aligned, spec: StudySpec, rows: IntArray | slice) -> tuple[FloatArray, FloatArray]:
    """Regressors ``X`` (n, K, k) and offset (n, K) of the events ``rows``."""
    R = al.R[rows]
    n, k_axis = R.shape
    ones = np.ones((n, k_axis, 1))
    offset = np.zeros((n, k_axis))
    if spec.model == "market_adjusted":
        X = np.empty((n, k_axis, 0))
        offset = al.B[rows][:, :, 0]
    elif spec.model == "constant_mean":
        X = ones
    elif spec.uses_factors:
        F = al.F[rows]
        X = np.concatenate([ones, F[:, :, :-1]], axis=2)
        offset = F[:, :, -1]
    else:
        X = np.concatenate([ones, al.B[rows]], axis=2)
    return X, offset


def _compact(a: FloatArray, keep: BoolArray) -> FloatArray:
    """``a[keep]`` without a second copy of ``a``: kept rows moved up in place, block by block."""
    idx = np.flatnonzero(keep)
    if idx.size == keep.size:
        return a
    for block in blocks(idx.size):  # destination rows never pass the source rows still to move
        a[block] = a[idx[block]]
    return a[: idx.size]
