"""Nonparametric aggregate tests: sign, generalized sign, Corrado rank and sign, Wilcoxon (and GRANK,
:mod:`dealstudy.stats.generalized_rank`, re-exported here).

Every public test is ``test(panel, window) -> TestResult`` with the same event sample as the parametric
tests: the events whose abnormal returns are non-missing on every day of the window.
"""

from __future__ import annotations

import functools
import math
from typing import Literal, get_args

import numpy as np
from numpy.typing import NDArray
from scipy import special

from dealstudy.stats._fast import Matrix, PreparedPanel, Weight
from dealstudy.stats._result import invalid, normal_result
from dealstudy.stats.generalized_rank import grank, kolari_pynnonen_rank, prefetch
from dealstudy.stats.panel import EventPanel, FloatArray, TestResult

__all__ = [
    "corrado_rank",
    "corrado_sign",
    "corrado_zivney_sign",
    "generalized_sign",
    "grank",
    "kolari_pynnonen_rank",
    "prefetch",
    "sign",
    "wilcoxon",
]

Window = tuple[int, int]


def sign_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    name = "sign"
    s = prep.sample(window)
    x = s.car[s.used]
    nonzero = x[x != 0.0]
    n = int(nonzero.size)
    if n == 0:
        reason = "no event with a complete window" if x.size == 0 else "all CARs are exactly zero"
        return invalid(name, n, s.mean, reason)
    w = int((nonzero > 0).sum())
    z = (2.0 * w - n) / math.sqrt(n)
    # exact two-sided binomial p for p0 = 1/2 (symmetric: both tails as far from n/2 as w), which is
    # scipy.stats.binomtest(w, n, 0.5).pvalue without its per-call overhead
    p = min(1.0, 2.0 * float(special.bdtr(min(w, n - w), n, 0.5)))
    return TestResult(name, z, p, n, s.mean, distribution="binomial(n, 1/2), exact")


def sign(panel: EventPanel, window: Window) -> TestResult:
    """Sign test: is the share of positive CARs one half?

    Notes
    -----
    With :math:`w` positive CARs among the :math:`n` non-zero ones (zeros are dropped), the p-value is
    the exact two-sided binomial one, ``scipy.stats.binomtest(w, n, 0.5).pvalue``. The reported
    statistic is the normal score :math:`z = (w - n/2)/\\sqrt{n/4}`, for display and sign.

    References
    ----------
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance and
    Accounting* 2, 343-358.
    """
    return sign_prepared(PreparedPanel(panel), window)


def generalized_sign_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    name = "generalized_sign"
    s = prep.sample(window)
    share = prep.positive_share
    ok = s.used & np.isfinite(share)
    n = int(ok.sum())
    if n == 0:
        return invalid(name, 0, s.mean, "no event with a complete window and estimation data")
    p_hat = float(share[ok].mean())
    if p_hat <= 0.0 or p_hat >= 1.0:
        return invalid(name, n, s.mean, f"share of positive estimation residuals is {p_hat:g}")
    w = float((s.car[ok] > 0).sum())
    z = (w - n * p_hat) / math.sqrt(n * p_hat * (1.0 - p_hat))
    return normal_result(name, z, n, s.mean)


def generalized_sign(panel: EventPanel, window: Window) -> TestResult:
    """Cowan's (1992) generalized sign test.

    Notes
    -----
    .. math:: \\hat p = \\frac{1}{N}\\sum_i \\frac{1}{T_i}\\sum_{t\\in\\mathrm{est}} 1[\\mathrm{AR}_{it}>0],
              \\qquad Z = \\frac{w - N\\hat p}{\\sqrt{N\\hat p(1-\\hat p)}} \\sim N(0,1)

    with :math:`w` the number of positive CARs and :math:`T_i` the event's non-missing estimation
    residuals. No continuity correction.

    References
    ----------
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance and
    Accounting* 2, 343-358.
    """
    return generalized_sign_prepared(PreparedPanel(panel), window)


#: How :func:`corrado_rank` scales its day sums and counts the days of its variance.
CorradoDays = Literal["mean_observed", "ranking_days"]


def _daily_score_test(
    name: str, prep: PreparedPanel, window: Window, scores: Matrix, days_rule: CorradoDays = "ranking_days"
) -> TestResult:
    """Corrado-type test on per-event, per-day scores over the combined estimation + event sample.

    ``days_rule="ranking_days"``: ``D_t = sum_i score_it / sqrt(N_t)`` and ``S^2 = sum_t D_t^2 / T`` with
    ``T`` the days of the ranking sample with any observation. ``"mean_observed"`` (Corrado and Zivney
    1992 as estudy2's ``modified_rank_test``): ``D_t = (N / N_t) sum_i score_it / sqrt(N_t)`` (the day's
    mean score times the number of events) and ``S^2 = sum_t D_t^2 / M`` with ``M`` the mean number of
    observed days per event."""
    if days_rule not in get_args(CorradoDays):
        raise ValueError(f"days {days_rule!r}: choose one of {', '.join(get_args(CorradoDays))}")
    s = prep.sample(window)
    if s.n == 0:
        return invalid(name, 0, s.mean, "no event with a complete window")
    if not prep.combined_mask[s.columns].all():
        return invalid(name, s.n, s.mean, "window is not inside the event days")
    n_t = prep.colsum(Matrix.COMBINED_OBSERVED, Weight.ONES, s.used)  # events observed on each day
    total = prep.colsum(scores, Weight.ONES, s.used)
    days = n_t > 0
    d = np.zeros_like(total)
    if days_rule == "mean_observed":
        d[days] = s.n * total[days] / n_t[days] / np.sqrt(n_t[days])
        s2 = float((d[days] ** 2).sum()) / (float(n_t.sum()) / s.n)  # sum_t N_t / N = mean M_i
    else:
        d[days] = total[days] / np.sqrt(n_t[days])
        s2 = float((d[days] ** 2).sum()) / int(days.sum())
    if not s2 > 0.0:
        return invalid(name, s.n, s.mean, "zero variance of the scores over the ranking sample")
    cols = (np.cumsum(prep.combined_mask) - 1)[s.columns]  # the window inside the combined sample
    stat = float(d[cols].sum()) / (math.sqrt(s.length) * math.sqrt(s2))
    return normal_result(name, stat, s.n, s.mean)


def corrado_rank_prepared(
    prep: PreparedPanel, window: Window, days: CorradoDays = "mean_observed"
) -> TestResult:
    return _daily_score_test("corrado_rank", prep, window, Matrix.CORRADO_U, days)


def corrado_rank(panel: EventPanel, window: Window, *, days: CorradoDays = "mean_observed") -> TestResult:
    """Corrado (1989) rank test in the form of Corrado and Zivney (1992) (standardized ranks).

    Notes
    -----
    Each event's abnormal returns over the ranking sample (all estimation days and all event days of
    the panel) are ranked (average ranks for ties); with :math:`M_i` the event's non-missing days,
    :math:`U_{it} = \\mathrm{rank}_{it}/(M_i+1) - 1/2`. With :math:`N` events, :math:`N_t` of them
    observed on day :math:`t`, and :math:`\\bar M` the mean of :math:`M_i` (default ``days="mean_observed"``,
    Corrado and Zivney 1992 as estudy2's ``modified_rank_test`` implements it),

    .. math:: D_t = \\frac{N}{N_t}\\,\\frac{1}{\\sqrt{N_t}}\\sum_i U_{it},\\qquad
              S_U^2 = \\frac{1}{\\bar M}\\sum_t D_t^2,\\qquad
              Z = \\frac{\\sum_{t=\\tau_1}^{\\tau_2} D_t}{\\sqrt{L}\\,S_U} \\sim N(0,1).

    For one day :math:`Z` is estudy2's ``mrank_stat``; the sum over a window divided by
    :math:`\\sqrt{L}` is Cowan's (1992) cumulative rank statistic. ``days="ranking_days"`` is the earlier
    dealstudy variant: :math:`D_t = \\sum_i U_{it}/\\sqrt{N_t}` and :math:`S_U^2 = \\sum_t D_t^2 / T` with
    :math:`T` the days of the ranking sample with any observation. The two agree when every event is
    observed on every day of the ranking sample; with missing days (listings shorter than the estimation
    window) they differ (by 3.2% on estudy2's COVID data, where two of seven firms list late). The sample
    is the events with a complete window.

    References
    ----------
    Corrado, C. J. (1989). A nonparametric test for abnormal security-price performance in event
    studies. *Journal of Financial Economics* 23(2), 385-395.
    Corrado, C. J. and Zivney, T. L. (1992). The specification and power of the sign test in event study
    hypothesis tests using daily stock returns. *Journal of Financial and Quantitative Analysis* 27(3),
    465-478.
    Cowan, A. R. (1992). Nonparametric event study tests. *Review of Quantitative Finance and
    Accounting* 2, 343-358.
    """
    return corrado_rank_prepared(PreparedPanel(panel), window, days)


def corrado_sign_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    return _daily_score_test("corrado_sign", prep, window, Matrix.CORRADO_G)


def corrado_zivney_sign(panel: EventPanel, window: Window) -> TestResult:
    """Corrado and Zivney (1992) sign test against each event's median abnormal return.

    Notes
    -----
    :math:`G_{it} = \\mathrm{sign}(\\mathrm{AR}_{it} - \\mathrm{median}_i)`, the median taken over the
    event's ranking sample (estimation and event days, as Corrado and Zivney and estudy2's
    ``corrado_sign_test``). With :math:`N_t` events observed on day :math:`t` and :math:`T` days,

    .. math:: D_t = \\frac{1}{\\sqrt{N_t}}\\sum_i G_{it},\\qquad S_G^2 = \\frac{1}{T}\\sum_t D_t^2,
              \\qquad Z = \\frac{\\sum_{t=\\tau_1}^{\\tau_2} D_t}{\\sqrt{L}\\,S_G} \\sim N(0,1).

    References
    ----------
    Corrado, C. J. and Zivney, T. L. (1992). The specification and power of the sign test in event study
    hypothesis tests using daily stock returns. *Journal of Financial and Quantitative Analysis* 27(3),
    465-478.
    """
    return corrado_sign_prepared(PreparedPanel(panel), window)


#: The name of :func:`corrado_zivney_sign` in result tables (``aggregate.csv`` test ``corrado_sign``).
corrado_sign = corrado_zivney_sign


WILCOXON_EXACT_MAX_N = 50
"""Up to this many non-zero CARs the Wilcoxon p-value is exact (as scipy's ``method="auto"``)."""


@functools.lru_cache(maxsize=64)
def _signed_rank_cdf(n: int) -> tuple[float, ...]:
    """Null distribution function of the Wilcoxon signed-rank statistic W+ for n untied observations.

    The number of subsets of {1..n} with sum w, by dynamic programming, divided by 2^n.
    """
    top = n * (n + 1) // 2
    counts = np.zeros(top + 1)
    counts[0] = 1.0
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[: top + 1 - k].copy()
    return tuple(np.cumsum(counts) / 2.0**n)


def _signed_rank_sum(x: FloatArray) -> tuple[float, NDArray[np.int64]]:
    """``W+``, the sum of the average ranks of ``|x|`` (1 = smallest) over the positive values of ``x``,
    and the sizes of the runs of equal ``|x|`` in ascending order (as ``np.unique(..., return_counts=True)``).

    The same numbers as ``scipy.stats.rankdata(abs(x))[x > 0].sum()``, from one sort: the bits of a
    non-negative float sort like its value, so ``bits(|x|) * 2 + (x > 0)`` sorts the values with the sign
    of each in the lowest bit. A run of equal ``|x|`` from position ``s`` (0-based) of length ``L`` has the
    average rank ``s + (L + 1) / 2``; W+ adds it once per positive member (exact: sums of half integers).
    """
    n = x.size
    if n == 0:
        return 0.0, np.zeros(0, dtype=np.int64)
    key = np.abs(x).view(np.uint64) << np.uint64(1)
    key |= (x > 0).view(np.uint8).astype(np.uint64)
    key.sort()
    value = key >> np.uint64(1)
    starts = np.flatnonzero(np.r_[True, value[1:] != value[:-1]])
    lengths = np.diff(np.r_[starts, n])
    positive = np.add.reduceat((key & np.uint64(1)).astype(np.int64), starts)
    w_plus = float(int((positive * (2 * starts + lengths + 1)).sum())) / 2.0
    return w_plus, lengths.astype(np.int64)


def wilcoxon_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    name = "wilcoxon"
    s = prep.sample(window)
    x = s.car[s.used]
    nonzero = x[x != 0.0]
    n = int(nonzero.size)
    dist = "Wilcoxon signed rank (exact for n <= 50, else normal)"
    if n == 0:
        reason = "no event with a complete window" if x.size == 0 else "all CARs are exactly zero"
        return invalid(name, n, s.mean, reason, dist)
    w_plus, counts = _signed_rank_sum(nonzero)
    var = n * (n + 1) * (2 * n + 1) / 24.0 - float((counts**3 - counts).sum()) / 48.0
    z = (w_plus - n * (n + 1) / 4.0) / math.sqrt(var) if var > 0 else math.nan
    if n > WILCOXON_EXACT_MAX_N:
        p = float(2.0 * special.ndtr(-abs(z)))
    elif counts.size == n and w_plus == int(w_plus):  # no ties: exact null of W+ (integer ranks)
        w = int(w_plus)  # P(W+ >= w) = P(W+ <= n(n+1)/2 - w) by symmetry
        p = min(1.0, 2.0 * _signed_rank_cdf(n)[min(w, n * (n + 1) // 2 - w)])
    else:
        from scipy import stats  # ties with n <= 50 only: not worth 0.5 s of every import

        p = float(stats.wilcoxon(nonzero, zero_method="wilcox", correction=False, method="auto").pvalue)
    return TestResult(name, z, p, n, s.mean, distribution=dist)


def wilcoxon(panel: EventPanel, window: Window) -> TestResult:
    """Wilcoxon (1945) signed-rank test on the CARs.

    Notes
    -----
    Zero CARs are dropped (Wilcoxon's convention, scipy's ``zero_method="wilcox"``). With :math:`n`
    non-zero CARs, :math:`W^+` the sum of the ranks of :math:`|\\mathrm{CAR}_i|` (average ranks for ties)
    over the positive ones and :math:`t_j` the sizes of tied groups, the reported statistic is

    .. math:: z = \\frac{W^+ - n(n+1)/4}{\\sqrt{n(n+1)(2n+1)/24 - \\sum_j (t_j^3-t_j)/48}}

    and the p-value is ``scipy.stats.wilcoxon(car, zero_method="wilcox", correction=False,
    method="auto").pvalue``: the exact null distribution for :math:`n \\le 50`, otherwise
    :math:`2[1-\\Phi(|z|)]`.

    References
    ----------
    Wilcoxon, F. (1945). Individual comparisons by ranking methods. *Biometrics Bulletin* 1(6), 80-83.
    """
    return wilcoxon_prepared(PreparedPanel(panel), window)
