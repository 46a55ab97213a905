"""Tests for one event: the t test of a CAR and the sample-quantile (SQ) test.

Single-firm, single-event studies are this package's main use. The t test assumes normal abnormal
returns; the SQ test of Gelbach, Helland and Klick (2013) does not, and keeps its size when returns are
fat-tailed.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from scipy import special

from dealstudy.stats.panel import FloatArray, TestResult

__all__ = ["SQ_MIN_ESTIMATION_CARS", "single_event_t", "sq_test"]

SQ_MIN_ESTIMATION_CARS = 20
"""Fewer estimation-period CARs than this and :func:`sq_test` returns NaN (a 5% two-sided test needs 40)."""


def single_event_t(car: float, car_var: float, dof: int) -> TestResult:
    """t test of one event's CAR (or AR) against zero.

    Parameters
    ----------
    car : float
        Cumulative abnormal return over the window (an AR for a one-day window).
    car_var : float
        Its variance under the null (e.g. the prediction-error variance of the CAR).
    dof : int
        Residual degrees of freedom of the expected-return model (``nobs - k``).

    Returns
    -------
    TestResult
        ``stat`` = t, ``pvalue`` two-sided from Student's t with ``dof`` degrees of freedom; NaN with a
        ``reason`` when the CAR or its variance is missing, the variance is not positive or ``dof < 1``.

    Notes
    -----
    .. math:: t = \\mathrm{CAR} / \\sqrt{\\widehat{\\mathrm{Var}}(\\mathrm{CAR})},\\qquad
              p = 2\\,[1 - F_{t(\\nu)}(|t|)]

    With the prediction-error variance this is the test of Campbell, Lo and MacKinlay (1997, sec. 4.4.3).
    Student's t is exact only for normal, homoskedastic residuals; see :func:`sq_test` for fat tails.

    References
    ----------
    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of Financial Markets*,
    ch. 4. Princeton University Press.
    """
    name = "single_event_t"
    dist = f"t({dof})"
    if not (math.isfinite(car) and math.isfinite(car_var)):
        return TestResult(
            name, math.nan, math.nan, 1, car, "CAR or its variance is missing", distribution=dist
        )
    if car_var <= 0.0:
        return TestResult(name, math.nan, math.nan, 1, car, "zero variance", distribution=dist)
    if dof < 1:
        return TestResult(name, math.nan, math.nan, 1, car, f"dof = {dof}: no residual degrees of freedom")
    t = car / math.sqrt(car_var)
    p = float(2.0 * special.stdtr(dof, -abs(t)))
    return TestResult(name, t, p, 1, car, distribution=dist)


def rolling_sums(x: ArrayLike, length: int) -> FloatArray:
    """All sums of ``length`` consecutive values of ``x`` (overlapping), dropping every sum touching a NaN."""
    values = np.asarray(x, dtype=float).ravel()
    if length < 1 or values.size < length:
        return np.empty(0)
    windows = np.lib.stride_tricks.sliding_window_view(values, length)
    complete = np.isfinite(windows).all(axis=1)
    return np.asarray(windows[complete].sum(axis=1), dtype=float)


def sq_test(event_car: float, estimation_ar: ArrayLike, length: int) -> TestResult:
    """Sample-quantile (SQ) test of Gelbach, Helland and Klick (2013) for one event.

    Parameters
    ----------
    event_car : float
        The event's abnormal return (``length == 1``) or CAR over ``length`` days.
    estimation_ar : (T,) array
        The event's estimation-period residuals in time order (NaN where missing).
    length : int
        Number of days in the event window.

    Returns
    -------
    TestResult
        ``stat`` = the empirical distribution function of the estimation CARs at the event CAR,
        :math:`\\hat F(\\mathrm{CAR}) = M^{-1}\\#\\{S_j \\le \\mathrm{CAR}\\}`; ``pvalue`` two-sided (see
        Notes); ``n`` = M, the number of estimation CARs; ``mean`` = the event CAR. NaN with a reason when
        ``M < 20`` or the event CAR is missing.

    Notes
    -----
    The null distribution is the empirical distribution of the :math:`M` sums :math:`S_j` of ``length``
    consecutive estimation residuals (all rolling windows, overlapping; a window touching a missing day is
    dropped). The two-sided p-value is

    .. math:: p = \\min\\Bigl(1,\\; 2\\min\\bigl(\\tfrac{1}{M}\\#\\{S_j \\ge \\mathrm{CAR}\\},\\;
              \\tfrac{1}{M}\\#\\{S_j \\le \\mathrm{CAR}\\}\\bigr)\\Bigr).

    Ties count as "at least as extreme" (both inequalities are weak). There is no finite-sample ``+1``
    correction: GHK (2013) define the test by comparing the event return with the sample
    :math:`\\alpha/2` and :math:`1-\\alpha/2` quantiles of the estimation residuals, and this p-value
    rejects at level :math:`\\alpha` exactly when the event CAR lies at or beyond those empirical
    quantiles. The test is valid asymptotically in the length of the estimation period whatever the
    residual distribution; overlapping sums are dependent, which does not affect the quantiles'
    consistency. With fewer than 20 estimation CARs a 5% test cannot reject at all, so the result is NaN.

    References
    ----------
    Gelbach, J. B., Helland, E. and Klick, J. (2013). Valid inference in single-firm, single-event
    studies. *American Law and Economics Review* 15(2), 495-541.
    """
    name = "sq_test"
    sums = rolling_sums(estimation_ar, length)
    m = int(sums.size)
    dist = f"empirical ({m} rolling {length}-day sums of estimation residuals)"
    if length < 1:
        return TestResult(name, math.nan, math.nan, m, event_car, f"window length {length} < 1")
    if not math.isfinite(event_car):
        return TestResult(name, math.nan, math.nan, m, event_car, "event CAR is missing", distribution=dist)
    if m < SQ_MIN_ESTIMATION_CARS:
        reason = f"only {m} estimation CARs (need {SQ_MIN_ESTIMATION_CARS})"
        return TestResult(name, math.nan, math.nan, m, event_car, reason, distribution=dist)
    lower = int(np.count_nonzero(sums <= event_car))
    upper = int(np.count_nonzero(sums >= event_car))
    p = min(1.0, 2.0 * min(lower, upper) / m)
    return TestResult(
        name,
        lower / m,
        p,
        m,
        event_car,
        null="event CAR is drawn from the estimation-period CAR distribution",
        distribution=dist,
    )
