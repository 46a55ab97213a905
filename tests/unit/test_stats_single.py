"""Single-event tests: the t test of a CAR and the sample-quantile (SQ) test of Gelbach, Helland and Klick."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy import stats

from dealstudy.stats import single_event_t, sq_test
from dealstudy.stats.single import SQ_MIN_ESTIMATION_CARS, rolling_sums


def test_single_event_t_by_hand() -> None:
    # t = CAR / sqrt(Var(CAR)) = 0.03 / sqrt(0.0002) = 2.1213203435596424; p = 2 * (1 - F_t(|t|; 118))
    r = single_event_t(0.03, 0.0002, 118)
    assert r.stat == pytest.approx(0.03 / math.sqrt(0.0002), rel=1e-12)
    assert r.pvalue == pytest.approx(2 * stats.t.sf(0.03 / math.sqrt(0.0002), 118), rel=1e-12)
    assert r.distribution == "t(118)"
    assert r.valid


@pytest.mark.parametrize(
    ("car", "var", "dof", "reason"),
    [
        (math.nan, 1e-4, 100, "missing"),
        (0.01, math.nan, 100, "missing"),
        (0.01, 0.0, 100, "zero variance"),
        (0.01, 1e-4, 0, "dof = 0"),
    ],
)
def test_single_event_t_invalid(car: float, var: float, dof: int, reason: str) -> None:
    r = single_event_t(car, var, dof)
    assert math.isnan(r.stat)
    assert math.isnan(r.pvalue)
    assert reason in r.reason


def test_rolling_sums_drop_windows_touching_nan() -> None:
    x = [1.0, 2.0, math.nan, 4.0, 5.0, 6.0]
    assert rolling_sums(x, 1).tolist() == [1.0, 2.0, 4.0, 5.0, 6.0]
    assert rolling_sums(x, 2).tolist() == [3.0, 9.0, 11.0]
    assert rolling_sums(x, 3).tolist() == [15.0]
    assert rolling_sums(x, 7).size == 0


def test_sq_test_by_hand() -> None:
    # 30 estimation residuals k / 1024 (k = 1..30, exact in binary) in a scrambled order, 2-day window.
    # The M = 29 rolling 2-day sums (times 1024) of that series are listed below; the p-values follow by
    # counting in that list.
    order = [
        17,
        3,
        29,
        11,
        5,
        23,
        1,
        19,
        27,
        8,
        14,
        30,
        2,
        21,
        9,
        25,
        12,
        6,
        28,
        16,
        4,
        20,
        13,
        26,
        7,
        22,
        10,
        24,
    ]
    order += [18, 15]
    x = np.array(order) / 1024
    sums = [
        20,
        32,
        40,
        16,
        28,
        24,
        20,
        46,
        35,
        22,
        44,
        32,
        23,
        30,
        34,
        37,
        18,
        34,
        44,
        20,
        24,
        33,
        39,
        33,
        29,
    ]
    sums += [32, 34, 42, 33]
    assert (rolling_sums(x, 2) * 1024).tolist() == sums
    r = sq_test(45 / 1024, x, 2)
    # only 46 is >= 45: upper share 1/29, lower share 28/29; p = 2 * 1/29
    assert r.nobs == 29
    assert r.pvalue == pytest.approx(2 / 29, rel=1e-12)
    assert r.stat == pytest.approx(28 / 29, rel=1e-12)
    assert r.mean == 45 / 1024
    # a tie counts as at least as extreme: CAR = 46 -> #{S >= 46} = 1 still
    assert sq_test(46 / 1024, x, 2).pvalue == pytest.approx(2 / 29, rel=1e-12)
    # lower tail: #{S <= 16} = 1; beyond every estimation CAR: p = 0;
    # central (#{S <= 32} = 15, #{S >= 32} = 17): 2 * 15 / 29 > 1 is capped at 1
    assert sq_test(16 / 1024, x, 2).pvalue == pytest.approx(2 / 29, rel=1e-12)
    assert sq_test(15 / 1024, x, 2).pvalue == 0.0
    assert sq_test(32 / 1024, x, 2).pvalue == 1.0
    # a missing day drops the two sums touching it
    x[5] = np.nan
    assert sq_test(45 / 1024, x, 2).nobs == 27


def test_sq_test_too_few_estimation_cars() -> None:
    x = np.linspace(-0.01, 0.01, SQ_MIN_ESTIMATION_CARS)  # 19 two-day sums, 20 one-day values
    assert sq_test(0.0, x, 2).reason.startswith(f"only {SQ_MIN_ESTIMATION_CARS - 1} estimation CARs")
    assert math.isnan(sq_test(0.0, x, 2).pvalue)
    assert sq_test(0.0, x, 1).valid
    assert "missing" in sq_test(math.nan, x, 1).reason
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = sq_test(0.0, np.full(100, np.nan), 1)
    assert math.isnan(r.stat)
    assert r.nobs == 0


def test_sq_test_keeps_its_size_with_fat_tails_where_the_t_test_does_not() -> None:
    """Seeded simulation: 2,000 single events, 250 Student-t(3) residuals, event AR from the same law.

    Exact finite-sample size of the SQ rule for one day (event rank uniform among 251 exchangeable values):
    reject at level a when #{S <= AR} <= a * 250 / 2 (or the upper tail), i.e. 2 * (floor(125 a) + 1) / 251:
    5.58% at a = 5%, 1.59% at a = 1%. Tolerance: 3 binomial standard errors of 2,000 draws.
    The normal-theory t test (residual sd, t(249)) over-rejects in the 1% tail (about 2.6%).
    """
    rng = np.random.default_rng(20251103)
    draws, t_est = 2000, 250
    est = rng.standard_t(3, size=(draws, t_est))
    event = rng.standard_t(3, size=draws)
    p_sq = np.array([sq_test(event[r], est[r], 1).pvalue for r in range(draws)])
    var = est.var(axis=1, ddof=1)
    p_t = np.array([single_event_t(event[r], var[r], t_est - 1).pvalue for r in range(draws)])
    for level in (0.05, 0.01):
        exact = 2 * (math.floor(level * t_est / 2) + 1) / (t_est + 1)
        se = math.sqrt(exact * (1 - exact) / draws)
        rate = float((p_sq <= level).mean())
        assert abs(rate - exact) < 3 * se, (level, rate, exact)
    rate_t_1 = float((p_t <= 0.01).mean())
    assert rate_t_1 > 0.01 + 3 * math.sqrt(0.01 * 0.99 / draws), rate_t_1
