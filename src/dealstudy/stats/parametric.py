"""Parametric aggregate tests: cross-sectional t, Brown-Warner, Patell, BMP, Kolari-Pynnonen.

Every public test is ``test(panel, window) -> TestResult``. A window ``(k, k)`` tests the average
abnormal return of day ``k``; a longer window tests the cumulative average abnormal return (CAAR) over it.
The sample of every test is the events whose abnormal returns are non-missing on every day of the window
(their CAR is complete); ``n`` says how many. Notation: :math:`N` events, :math:`\\mathrm{CAR}_i` over a
window of :math:`L` days, :math:`\\hat\\sigma^2_{\\mathrm{CAR}_i}` = ``panel.car_var`` (for one day,
``var_ar``: the prediction-error variance).
"""

from __future__ import annotations

import math
import threading
from typing import Literal, get_args

import numpy as np

from dealstudy.stats._fast import PreparedPanel
from dealstudy.stats._result import invalid, normal_result, t_result
from dealstudy.stats.panel import EventPanel, FloatArray, TestResult

__all__ = [
    "bmp",
    "boehmer",
    "boehmer_musumeci_poulsen",
    "brown_warner_1980",
    "brown_warner_1985",
    "kolari_pynnonen",
    "patell",
    "t_test",
]

Window = tuple[int, int]

#: Variance of each event's CAR in :func:`brown_warner_1980`.
BW1980Variance = Literal["estimation_residuals", "prediction_error"]


def _cross_sectional_t(name: str, x: FloatArray, mean: float) -> TestResult:
    """mean / (sd / sqrt(n)) with t(n-1), or NaN with a reason."""
    n = int(x.size)
    if n == 0:
        return invalid(name, 0, mean, "no event with a complete window")
    if n == 1:
        return invalid(name, 1, mean, "N = 1: cross-sectional sd undefined")
    if np.ptp(x) == 0.0:
        return invalid(name, n, mean, "zero variance: all values are equal")
    sd = float(x.std(ddof=1))
    stat = float(x.mean()) / (sd / math.sqrt(n))
    return t_result(name, stat, n - 1, n, mean)


def _standardized_cars(prep: PreparedPanel, window: Window) -> tuple[FloatArray, FloatArray, float]:
    """Standardized CARs ``CAR_i / sd(CAR_i)`` of the usable events, their dof, and the CAAR (the last
    window's are kept in ``prep.caches.memo``, per thread: Patell, BMP and Kolari-Pynnonen use them in
    turn)."""
    key = ("standardized_cars", threading.get_ident())
    last = prep.caches.memo.get(key)
    if last is None or last[0] != window:
        last = (window, _compute_standardized_cars(prep, window))
        prep.caches.memo[key] = last
    result: tuple[FloatArray, FloatArray, float] = last[1]
    return result


def _compute_standardized_cars(prep: PreparedPanel, window: Window) -> tuple[FloatArray, FloatArray, float]:
    s = prep.sample(window)
    var = s.car_var
    with np.errstate(invalid="ignore"):
        ok = s.used & np.isfinite(var) & (var > 0)
    scar = s.car[ok] / np.sqrt(var[ok])
    dof = np.asarray(prep.panel.dof, dtype=float)[ok]
    return scar, dof, s.mean


def t_test_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    s = prep.sample(window)
    return _cross_sectional_t("t_test", s.car[s.used], s.mean)


def t_test(panel: EventPanel, window: Window) -> TestResult:
    """Cross-sectional t test of the CAAR (AAR for one day).

    Notes
    -----
    .. math:: t = \\frac{\\overline{\\mathrm{CAR}}}{s_{\\mathrm{CAR}}/\\sqrt{N}},\\qquad
              s^2_{\\mathrm{CAR}} = \\frac{1}{N-1}\\sum_i(\\mathrm{CAR}_i-\\overline{\\mathrm{CAR}})^2,
              \\qquad t \\sim t(N-1).

    Identical to ``scipy.stats.ttest_1samp(car, 0)``. Robust to event-induced variance, assumes
    cross-sectional independence. NaN for ``N < 2`` or equal CARs.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under conditions of
    event-induced variance. *Journal of Financial Economics* 30(2), 253-272 (the "cross-sectional" test).
    """
    return t_test_prepared(PreparedPanel(panel), window)


def brown_warner_1980_prepared(
    prep: PreparedPanel, window: Window, variance: BW1980Variance = "estimation_residuals"
) -> TestResult:
    name = "brown_warner_1980"
    if variance not in get_args(BW1980Variance):
        raise ValueError(f"variance {variance!r}: choose one of {', '.join(get_args(BW1980Variance))}")
    s = prep.sample(window)
    var = s.length * prep.est_var if variance == "estimation_residuals" else s.car_var
    with np.errstate(invalid="ignore"):
        ok = s.used & np.isfinite(var) & (var > 0)
    n = int(ok.sum())
    mean = float(s.car[ok].mean()) if n else math.nan
    if n == 0:
        return invalid(name, 0, mean, "no event with a complete window and a CAR variance")
    df = float(np.mean(np.asarray(prep.panel.nobs, dtype=float)[ok])) - 1.0
    stat = mean / (math.sqrt(float(var[ok].sum())) / n)
    return t_result(name, stat, df, n, mean)


def brown_warner_1980(
    panel: EventPanel, window: Window, *, variance: BW1980Variance = "estimation_residuals"
) -> TestResult:
    """Brown and Warner (1980) test with each event's own estimation variance (independence assumed).

    Notes
    -----
    .. math:: t = \\frac{\\overline{\\mathrm{CAR}}}{\\sqrt{\\sum_i \\hat\\sigma^2_{\\mathrm{CAR}_i}}/N},
              \\qquad t \\sim t(\\bar T - 1)

    with :math:`\\bar T` the mean number of estimation observations and, by default
    (``variance="estimation_residuals"``, as Brown and Warner 1980 and estudy2's ``brown_warner_1980``),
    :math:`\\hat\\sigma^2_{\\mathrm{CAR}_i} = L\\,s_i^2` with :math:`s_i^2` the sample variance (ddof 1,
    about its mean) of event :math:`i`'s estimation-period abnormal returns and :math:`L` the window
    length. For one day this is estudy2's ``mean / (sqrt(sum_i var_i) / N)``, Student t with the mean
    estimation length minus one degrees of freedom. ``variance="prediction_error"`` uses instead the
    panel's CAR variance (``SSR/(T-k)`` with the prediction-error term and, for windows, the covariance
    of prediction errors across days; dealstudy's convention before it followed the paper). Events with
    a missing or non-positive variance are left out.

    References
    ----------
    Brown, S. J. and Warner, J. B. (1980). Measuring security price performance. *Journal of Financial
    Economics* 8(3), 205-258.
    Rudnytskyi, I. estudy2: an implementation of parametric and nonparametric event study tests (R).
    """
    return brown_warner_1980_prepared(PreparedPanel(panel), window, variance)


def brown_warner_1985_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    name = "brown_warner_1985"
    s = prep.sample(window)
    if s.n == 0:
        return invalid(name, 0, s.mean, "no event with a complete window")
    port = prep.portfolio_est
    port = port[np.isfinite(port)]
    if port.size < 2:
        return invalid(name, s.n, s.mean, "no estimation data: fewer than 2 estimation days")
    if np.ptp(port) == 0.0:
        return invalid(name, s.n, s.mean, "zero variance of the estimation-period mean residual")
    sd = float(port.std(ddof=1))
    stat = s.mean / (math.sqrt(s.length) * sd)
    return t_result(name, stat, port.size - 1, s.n, s.mean)


def brown_warner_1985(panel: EventPanel, window: Window) -> TestResult:
    """Brown and Warner (1985) test with crude dependence adjustment.

    Notes
    -----
    With :math:`\\bar A_t = N_t^{-1}\\sum_i \\mathrm{AR}_{it}` the equally weighted mean residual on
    estimation day :math:`t` (events aligned on relative days) over the :math:`T` estimation days with
    data,

    .. math:: S = \\sqrt{\\tfrac{1}{T-1}\\sum_t (\\bar A_t - \\bar{\\bar A})^2},\\qquad
              t = \\frac{\\overline{\\mathrm{CAR}}}{\\sqrt{L}\\,S},\\qquad t \\sim t(T-1).

    The portfolio variance absorbs cross-sectional correlation on the same relative day (events sharing
    a day 0). The same construction as estudy2's ``brown_warner_1985`` (``sd`` of the row means of the
    estimation residuals), times :math:`\\sqrt{L}` for a multi-day window (the sd of a sum of :math:`L`
    serially independent daily portfolio residuals).

    References
    ----------
    Brown, S. J. and Warner, J. B. (1985). Using daily stock returns: the case of event studies.
    *Journal of Financial Economics* 14(1), 3-31.
    """
    return brown_warner_1985_prepared(PreparedPanel(panel), window)


def patell_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    name = "patell"
    scar, dof, mean = _standardized_cars(prep, window)
    keep = dof > 2
    scar, dof = scar[keep], dof[keep]
    n = int(scar.size)
    if n == 0:
        return invalid(name, 0, mean, "no event with a complete window, a CAR variance and dof > 2")
    stat = float(scar.sum()) / math.sqrt(float((dof / (dof - 2.0)).sum()))
    return normal_result(name, stat, n, mean)


def patell(panel: EventPanel, window: Window) -> TestResult:
    """Patell (1976) standardized residual test.

    Notes
    -----
    With :math:`\\mathrm{SCAR}_i = \\mathrm{CAR}_i/\\hat\\sigma_{\\mathrm{CAR}_i}` (for one day the
    standardized AR with the prediction-error variance) and :math:`\\nu_i` = ``dof`` (``nobs - k``), each
    :math:`\\mathrm{SCAR}_i` is :math:`t(\\nu_i)` under normality with variance :math:`\\nu_i/(\\nu_i-2)`:

    .. math:: Z = \\frac{\\sum_i \\mathrm{SCAR}_i}{\\sqrt{\\sum_i \\nu_i/(\\nu_i-2)}} \\sim N(0,1).

    (Patell's :math:`(T_i-2)/(T_i-4)` for the market model, :math:`k = 2`.) Events with
    :math:`\\nu_i \\le 2` are left out. Not robust to event-induced variance.

    References
    ----------
    Patell, J. M. (1976). Corporate forecasts of earnings per share and stock price behavior: empirical
    tests. *Journal of Accounting Research* 14(2), 246-276.
    """
    return patell_prepared(PreparedPanel(panel), window)


def boehmer_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    scar, _, mean = _standardized_cars(prep, window)
    return _cross_sectional_t("boehmer", scar, mean)


def boehmer_musumeci_poulsen(panel: EventPanel, window: Window) -> TestResult:
    """Boehmer, Musumeci and Poulsen (1991) standardized cross-sectional test.

    Notes
    -----
    .. math:: t = \\frac{\\overline{\\mathrm{SCAR}}}{s_{\\mathrm{SCAR}}/\\sqrt{N}},\\qquad
              s^2_{\\mathrm{SCAR}} = \\frac{1}{N-1}\\sum_i(\\mathrm{SCAR}_i - \\overline{\\mathrm{SCAR}})^2,
              \\qquad t \\sim t(N-1)

    with :math:`\\mathrm{SCAR}_i` as in :func:`patell`. Robust to event-induced variance.

    References
    ----------
    Boehmer, E., Musumeci, J. and Poulsen, A. B. (1991). Event-study methodology under conditions of
    event-induced variance. *Journal of Financial Economics* 30(2), 253-272.
    """
    return boehmer_prepared(PreparedPanel(panel), window)


#: Short name of :func:`boehmer_musumeci_poulsen`.
bmp = boehmer_musumeci_poulsen
#: The name of :func:`boehmer_musumeci_poulsen` in result tables (``aggregate.csv`` test ``boehmer``).
boehmer = boehmer_musumeci_poulsen


def kolari_pynnonen_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    name = "kolari_pynnonen"
    bmp = boehmer_prepared(prep, window)
    if not bmp.valid:
        return TestResult(
            name, math.nan, math.nan, bmp.nobs, bmp.mean, bmp.reason, distribution=bmp.distribution
        )
    rbar, _ = prep.rbar
    n = bmp.nobs
    if not math.isfinite(rbar):
        return invalid(name, n, bmp.mean, "mean cross-correlation of estimation residuals undefined")
    denom = 1.0 + (n - 1) * rbar
    if denom <= 0.0:
        return invalid(name, n, bmp.mean, f"1 + (N-1) rbar = {denom:.3g} <= 0 (rbar = {rbar:.3g})")
    stat = bmp.stat * math.sqrt((1.0 - rbar) / denom)
    return t_result(name, stat, n - 1, n, bmp.mean)


def kolari_pynnonen(panel: EventPanel, window: Window) -> TestResult:
    """Kolari and Pynnonen (2010) adjusted BMP test for cross-correlated abnormal returns.

    Notes
    -----
    .. math:: t_{KP} = t_{BMP}\\sqrt{\\frac{1-\\bar r}{1+(N-1)\\bar r}},\\qquad t_{KP}\\sim t(N-1)

    with :math:`\\bar r` the mean of the pairwise correlations of the events' estimation residuals, the
    events aligned on the panel's relative-day axis and each pair using the days both observe (at least
    3). Events sharing a calendar day 0 then contribute their true contemporaneous correlation. Above
    2,000 events :math:`\\bar r` is the pooled estimator of
    :func:`dealstudy.stats._fast.mean_pairwise_correlation` (exact without missing days).
    :math:`\\bar r` uses all events of the (group) panel with at least 3 estimation residuals.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2010). Event study testing with cross-sectional correlation of
    abnormal returns. *Review of Financial Studies* 23(11), 3996-4025.
    """
    return kolari_pynnonen_prepared(PreparedPanel(panel), window)
