"""Closed-form OLS for many event regressions at once, on stacked and masked estimation windows.

Every event ``i`` has its own sample of ``T`` estimation days (a boolean mask marks the days used). The
normal equations ``(X_i' X_i) b_i = X_i' y_i`` are formed for all events with ``einsum`` and solved in one
batched call, followed by one step of iterative refinement (which brings the normal-equation solution to the
accuracy of a QR solve for well-conditioned designs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = ["BatchOLS", "batch_ols", "masked_sst", "scholes_williams_beta", "simple_ols"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]

#: Smallest eigenvalue of the scaled X'X (unit diagonal) below which a design is treated as singular.
SINGULAR_TOL = 1e-10


@dataclass(frozen=True)
class BatchOLS:
    """OLS fits of ``N`` events with ``k`` regressors each.

    Attributes
    ----------
    params : (N, k)
        Coefficients (NaN for singular designs).
    xtx_inv : (N, k, k)
        ``(X'X)^{-1}`` (NaN for singular designs).
    ssr : (N,)
        Sum of squared residuals over the masked sample.
    nobs : (N,)
        Observations used.
    singular : (N,)
        True where ``X'X`` is (numerically) singular or ``nobs <= k``.
    """

    params: FloatArray
    xtx_inv: FloatArray
    ssr: FloatArray
    nobs: NDArray[np.int64]
    singular: BoolArray


def batch_ols(X: FloatArray, y: FloatArray, mask: BoolArray) -> BatchOLS:
    """Solve ``N`` least-squares problems ``y_i ~ X_i b_i`` over the days where ``mask_i`` is true.

    Parameters
    ----------
    X : (N, T, k) float
        Regressors (values where ``mask`` is false are ignored and may be NaN).
    y : (N, T) float
        Dependent variable.
    mask : (N, T) bool
        Observations to use.

    Notes
    -----
    ``b_i = (X_i' M_i X_i)^{-1} X_i' M_i y_i`` with ``M_i = diag(mask_i)``. Singularity is judged on the
    scaled matrix ``D^{-1/2} X'X D^{-1/2}`` (unit diagonal), whose smallest eigenvalue must exceed
    :data:`SINGULAR_TOL`.
    """
    n, _, k = X.shape
    m = mask.astype(np.float64)
    Xm = np.where(mask[:, :, None], X, 0.0)
    ym = np.where(mask, y, 0.0)
    nobs = mask.sum(axis=1).astype(np.int64)
    if k == 0:
        ssr = np.einsum("nt,nt->n", ym, ym)
        return BatchOLS(np.empty((n, 0)), np.empty((n, 0, 0)), ssr, nobs, np.zeros(n, dtype=bool))
    xtx = np.einsum("ntk,ntl->nkl", Xm, Xm)
    xty = np.einsum("ntk,nt->nk", Xm, ym)
    diag = np.einsum("nkk->nk", xtx)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = np.where(diag > 0, 1.0 / np.sqrt(diag), 0.0)
    scaled = xtx * scale[:, :, None] * scale[:, None, :]
    singular = (diag <= 0).any(axis=1) | (nobs <= k)
    good = ~singular
    if good.any():
        eig_min = np.linalg.eigvalsh(scaled[good])[:, 0]
        singular[np.flatnonzero(good)[eig_min < SINGULAR_TOL]] = True
    safe = np.where(singular[:, None, None], np.eye(k), xtx)
    inv = np.linalg.inv(safe)
    params = np.einsum("nkl,nl->nk", inv, xty)
    resid = (ym - np.einsum("ntk,nk->nt", Xm, params)) * m
    params = params + np.einsum("nkl,nl->nk", inv, np.einsum("ntk,nt->nk", Xm, resid))  # refinement
    resid = (ym - np.einsum("ntk,nk->nt", Xm, params)) * m
    ssr = np.einsum("nt,nt->n", resid, resid)
    params[singular] = np.nan
    inv[singular] = np.nan
    ssr[singular] = np.nan
    return BatchOLS(params, inv, ssr, nobs, singular)


def scholes_williams_beta(
    r: FloatArray, rm: FloatArray, rm_lag: FloatArray, rm_lead: FloatArray, mask: BoolArray
) -> tuple[FloatArray, FloatArray, NDArray[np.int64]]:
    """Scholes-Williams (1977) alpha and beta for ``N`` events at once.

    Parameters
    ----------
    r, rm, rm_lag, rm_lead : (N, T)
        Stock return ``R_t``, market return ``R_{m,t}``, ``R_{m,t-1}`` and ``R_{m,t+1}``.
    mask : (N, T) bool
        Days to use; only days where all four values are finite enter.

    Returns
    -------
    alpha, beta : (N,)
    nobs : (N,)

    Notes
    -----
    ``beta = (b_{-1} + b_0 + b_{+1}) / (1 + 2 rho_m)``, where ``b_j`` is the OLS slope of ``R_t`` on
    ``R_{m,t+j}`` and ``rho_m`` the first-order autocorrelation of the market return, all over one common
    sample; ``alpha = mean(R) - beta mean(R_m)``.

    References
    ----------
    Scholes, M. and Williams, J. (1977). Estimating betas from nonsynchronous data. *Journal of Financial
    Economics* 5(3), 309-327.
    """
    use = mask & np.isfinite(r) & np.isfinite(rm) & np.isfinite(rm_lag) & np.isfinite(rm_lead)
    nobs = use.sum(axis=1).astype(np.int64)
    cnt = np.maximum(nobs, 1).astype(np.float64)

    def mean(a: FloatArray) -> FloatArray:
        return np.asarray(np.where(use, a, 0.0).sum(axis=1) / cnt, dtype=np.float64)

    def cov(a: FloatArray, b: FloatArray) -> FloatArray:
        ca = np.where(use, a - mean(a)[:, None], 0.0)
        cb = np.where(use, b - mean(b)[:, None], 0.0)
        return np.asarray((ca * cb).sum(axis=1) / cnt, dtype=np.float64)

    with np.errstate(divide="ignore", invalid="ignore"):
        b_lag = cov(r, rm_lag) / cov(rm_lag, rm_lag)
        b_0 = cov(r, rm) / cov(rm, rm)
        b_lead = cov(r, rm_lead) / cov(rm_lead, rm_lead)
        rho = cov(rm, rm_lag) / np.sqrt(cov(rm, rm) * cov(rm_lag, rm_lag))
        beta = (b_lag + b_0 + b_lead) / (1.0 + 2.0 * rho)
    alpha = mean(r) - beta * mean(rm)
    return alpha, beta, nobs


def simple_ols(
    x: FloatArray,
    y: FloatArray,
    mask: BoolArray,
    block: int = 8192,
    *,
    with_ssr: bool = True,
    nobs: NDArray[np.int64] | None = None,
    sst: FloatArray | None = None,
) -> BatchOLS:
    """:func:`batch_ols` for the design ``[1, x]`` (one regressor and a constant), in closed form.

    Parameters
    ----------
    x, y : (N, T) float
        Regressor and dependent variable (values where ``mask`` is false are ignored and may be NaN).
    mask : (N, T) bool
        Observations to use.
    block : int
        Events handled at a time (bounds the temporaries to ``block x T``).
    with_ssr : bool
        Compute the residual sums of squares (``ssr`` is NaN when False).
    nobs : (N,) int, optional
        ``mask.sum(axis=1)`` when the caller has it already.
    sst : (N,) float, optional
        Filled with :func:`masked_sst` of ``y`` (every row, singular or not), from the centred values the
        fit computes anyway.

    Returns
    -------
    BatchOLS
        As :func:`batch_ols` with ``k = 2`` (``params`` = alpha, beta).

    Notes
    -----
    With the masked means ``xbar``, ``ybar`` and centred moments ``Sxx = sum (x - xbar)^2``,
    ``Sxy = sum (x - xbar)(y - ybar)`` (two passes, no cancellation): ``beta = Sxy / Sxx``,
    ``alpha = ybar - beta xbar``, and ``(X'X)^{-1} = [[1/n + xbar^2/Sxx, -xbar/Sxx], [-xbar/Sxx, 1/Sxx]]``.
    This equals ``beta = (n Sxy' - Sx Sy) / (n Sxx' - Sx^2)`` in raw sums. Singularity is judged as in
    :func:`batch_ols`: the smallest eigenvalue of the unit-diagonal scaled ``X'X``, ``1 - |Sx| / sqrt(n
    Sxx')``, must exceed :data:`SINGULAR_TOL`, and ``nobs > 2``.
    """
    n = x.shape[0]
    params = np.full((n, 2), np.nan)
    inv = np.full((n, 2, 2), np.nan)
    ssr = np.full(n, np.nan)
    nobs = mask.sum(axis=1).astype(np.int64) if nobs is None else nobs
    singular = np.ones(n, dtype=bool)
    for lo in range(0, n, block):
        sl = slice(lo, lo + block)
        m = mask[sl]
        cnt = nobs[sl].astype(np.float64)
        xm = np.where(m, x[sl], 0.0)
        ym = np.where(m, y[sl], 0.0)
        with np.errstate(divide="ignore", invalid="ignore"):
            sx = xm.sum(axis=1)
            sxx_raw = np.einsum("nt,nt->n", xm, xm)
            xbar = sx / cnt
            ybar = ym.sum(axis=1) / cnt
            xc = np.where(m, xm - xbar[:, None], 0.0)
            yc = np.where(m, ym - ybar[:, None], 0.0)
            sxx = np.einsum("nt,nt->n", xc, xc)
            sxy = np.einsum("nt,nt->n", xc, yc)
            if sst is not None:
                sst[sl] = _sum_of_squares(yc)
            beta = sxy / sxx
            alpha = ybar - beta * xbar
            eig_min = 1.0 - np.abs(sx) / np.sqrt(cnt * sxx_raw)
            sing = (cnt <= 2) | ~(sxx_raw > 0) | ~(sxx > 0) | ~(eig_min >= SINGULAR_TOL)
            if with_ssr:
                resid = np.where(m, ym - alpha[:, None] - beta[:, None] * xm, 0.0)
                ssr_b = np.einsum("nt,nt->n", resid, resid)
            else:
                ssr_b = np.full(alpha.size, np.nan)
            inv_b = np.empty((alpha.size, 2, 2))
            inv_b[:, 0, 0] = 1.0 / cnt + xbar * xbar / sxx
            inv_b[:, 0, 1] = inv_b[:, 1, 0] = -xbar / sxx
            inv_b[:, 1, 1] = 1.0 / sxx
        good = ~sing
        params[sl][good] = np.stack([alpha, beta], axis=1)[good]
        inv[sl][good] = inv_b[good]
        ssr[sl][good] = ssr_b[good]
        singular[sl] = sing
    return BatchOLS(params, inv, ssr, nobs, singular)


def masked_sst(y: FloatArray, mask: BoolArray, nobs: NDArray[np.int64]) -> FloatArray:
    """Each row's sum of squared deviations of ``y`` from its mean over ``mask`` (``nobs`` days), 0 for a
    row without days; as :func:`simple_ols` finds it (``sst=``)."""
    ym = np.where(mask, y, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        ybar = ym.sum(axis=1) / nobs
        return _sum_of_squares(np.where(mask, ym - ybar[:, None], 0.0))


def _sum_of_squares(centred: FloatArray) -> FloatArray:
    """``(centred**2).sum(axis=1)`` of a C-contiguous array (NumPy's pairwise sums along each row)."""
    return np.asarray(np.square(centred).sum(axis=1), dtype=np.float64)
