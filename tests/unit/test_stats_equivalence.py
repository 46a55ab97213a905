"""Equivalences with scipy, small-N and degenerate panels, and the layout of ``aggregate_table``."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from scipy import stats

from dealstudy.errors import SpecificationError
from dealstudy.stats import (
    AGGREGATE_TESTS,
    EventPanel,
    aggregate_table,
    generalized_sign,
    grank,
    kolari_pynnonen,
    sign,
    t_test,
    wilcoxon,
)
from dealstudy.stats._fast import mean_pairwise_correlation
from dealstudy.stats.parametric import brown_warner_1985
from dealstudy.stats.simulate import market_model_panel

WINDOWS = ((0, 0), (3, 3), (-1, 1), (0, 10))


def panel_of(n: int, seed: int = 7, **kwargs: object) -> EventPanel:
    return market_model_panel(np.random.default_rng(seed), n, **kwargs)  # type: ignore[arg-type]


def cars(panel: EventPanel, window: tuple[int, int]) -> np.ndarray:
    block = panel.ar[:, panel.window_columns(window)]
    return block[np.isfinite(block).all(axis=1)].sum(axis=1)


@pytest.mark.parametrize("window", WINDOWS)
def test_t_test_is_scipy_ttest_1samp(window: tuple[int, int]) -> None:
    panel = panel_of(25, missing=0.02)
    x = cars(panel, window)
    ref = stats.ttest_1samp(x, 0.0)
    r = t_test(panel, window)
    assert r.nobs == x.size
    assert r.stat == pytest.approx(ref.statistic, rel=1e-12)
    assert r.pvalue == pytest.approx(ref.pvalue, rel=1e-12)


def test_one_day_t_test_is_the_aar_test() -> None:
    panel = panel_of(25)
    ar0 = panel.ar[:, panel.day_index(0)]
    ref = stats.ttest_1samp(ar0, 0.0)
    r = t_test(panel, (0, 0))
    assert r.mean == pytest.approx(ar0.mean(), rel=1e-12)
    assert r.stat == pytest.approx(ref.statistic, rel=1e-12)


@pytest.mark.parametrize("name", list(AGGREGATE_TESTS))
def test_one_day_window_does_not_depend_on_the_other_windows(name: str) -> None:
    # A one-day window (k, k) uses car_var[:, (k, k)], which the engine sets to var_ar on day k; a panel that
    # lists only the single days (so the CAR variance falls back to var_ar) gives the same result.
    panel = panel_of(12, missing=0.02)
    singles = tuple(w for w in panel.windows if w[0] == w[1])
    keep = [panel.window_position(w) for w in singles]
    only_days = dataclasses.replace(panel, windows=singles, car_var=panel.car_var[:, keep])
    np.testing.assert_allclose(panel.car_var[:, keep], panel.var_ar[:, panel.is_event], rtol=1e-14)
    for window in ((0, 0), (2, 2)):
        a = AGGREGATE_TESTS[name](panel, window)
        b = AGGREGATE_TESTS[name](only_days, window)
        assert a == b


@pytest.mark.parametrize(("n", "method"), [(25, "exact"), (80, "approx")])
def test_wilcoxon_is_scipy_wilcoxon(n: int, method: str) -> None:
    panel = panel_of(n)
    x = cars(panel, (-1, 1))
    r = wilcoxon(panel, (-1, 1))
    # p-value: scipy's method="auto" (exact for n <= 50, normal approximation without continuity
    # correction above); statistic: the signed z of W+, equal in size to scipy's approx z statistic.
    assert r.pvalue == pytest.approx(stats.wilcoxon(x, method="auto").pvalue, rel=1e-12)
    approx = stats.wilcoxon(x, method="approx", correction=False)
    assert abs(r.stat) == pytest.approx(abs(approx.zstatistic), rel=1e-12)
    w_plus = stats.rankdata(np.abs(x))[x > 0].sum()
    assert np.sign(r.stat) == np.sign(w_plus - n * (n + 1) / 4)
    if method == "approx":
        assert r.pvalue == pytest.approx(2 * stats.norm.sf(abs(r.stat)), rel=1e-12)


def test_sign_is_scipy_binomtest() -> None:
    panel = panel_of(31, effect=0.004)
    for window in WINDOWS:
        x = cars(panel, window)
        k, n = int((x > 0).sum()), int((x != 0).sum())
        r = sign(panel, window)
        assert r.pvalue == pytest.approx(stats.binomtest(k, n, 0.5).pvalue, rel=1e-12)
        assert r.stat == pytest.approx((k - n / 2) / math.sqrt(n / 4), rel=1e-12)


def test_zero_cars_are_dropped_by_sign_and_wilcoxon() -> None:
    panel = panel_of(10)
    ar = panel.ar.copy()
    ar[:3, panel.day_index(0)] = 0.0
    p = dataclasses.replace(panel, ar=ar)
    assert sign(p, (0, 0)).nobs == 7
    assert wilcoxon(p, (0, 0)).nobs == 7
    assert t_test(p, (0, 0)).nobs == 10


def assert_nan_with_reason(r: object, fragment: str = "") -> None:
    assert isinstance(r, type(t_test(panel_of(3), (0, 0))))
    assert math.isnan(r.stat), r
    assert math.isnan(r.pvalue), r
    assert r.reason, r
    assert fragment in r.reason, r


def test_n0_every_test_is_nan_with_a_reason() -> None:
    panel = panel_of(0)
    for name, test in AGGREGATE_TESTS.items():
        r = test(panel, (0, 0))
        assert r.nobs == 0, name
        assert_nan_with_reason(r)
    table = aggregate_table(panel)
    assert table["stat"].isna().all()
    assert (table["reason"] != "").all()


def test_n1_cross_sectional_tests_are_nan_others_finite() -> None:
    panel = panel_of(1)
    cross_sectional = {"t_test", "boehmer", "kolari_pynnonen", "grank"}
    for name, test in AGGREGATE_TESTS.items():
        r = test(panel, (0, 0))
        if name in cross_sectional:
            assert_nan_with_reason(r, "N = 1")
        else:
            assert r.valid, (name, r)
            assert 0.0 <= r.pvalue <= 1.0


def test_n2_every_test_is_finite() -> None:
    panel = panel_of(2)
    for name, test in AGGREGATE_TESTS.items():
        for window in WINDOWS:
            r = test(panel, window)
            assert r.valid, (name, window, r)
            assert 0.0 <= r.pvalue <= 1.0


def test_all_equal_cars() -> None:
    panel = panel_of(5)
    ar = panel.ar.copy()
    ar[:, panel.day_index(0)] = 0.01
    var_ar = panel.var_ar.copy()
    var_ar[:, panel.day_index(0)] = 4e-4
    car_var = panel.car_var.copy()
    car_var[:, panel.window_position((0, 0))] = 4e-4
    p = dataclasses.replace(panel, ar=ar, var_ar=var_ar, car_var=car_var)
    for name in ("t_test", "boehmer", "kolari_pynnonen", "grank"):
        assert_nan_with_reason(AGGREGATE_TESTS[name](p, (0, 0)), "equal")
    # the sign tests still work: 5 of 5 positive
    assert sign(p, (0, 0)).pvalue == pytest.approx(2 / 32, rel=1e-12)
    for name in AGGREGATE_TESTS:
        r = AGGREGATE_TESTS[name](p, (0, 0))
        assert not math.isinf(r.stat)


def test_no_estimation_data() -> None:
    panel = panel_of(6)
    ar = panel.ar.copy()
    ar[:, panel.is_estimation] = np.nan
    p = dataclasses.replace(panel, ar=ar)
    assert_nan_with_reason(brown_warner_1985(p, (0, 0)), "no estimation data")
    assert_nan_with_reason(generalized_sign(p, (0, 0)), "estimation data")
    assert_nan_with_reason(kolari_pynnonen(p, (0, 0)), "cross-correlation")
    assert_nan_with_reason(grank(p, (0, 0)), "no estimation data")
    assert t_test(p, (0, 0)).valid


def test_missing_event_day_drops_the_event_from_every_window_containing_it() -> None:
    panel = panel_of(8)
    ar = panel.ar.copy()
    ar[0, panel.day_index(1)] = np.nan
    p = dataclasses.replace(panel, ar=ar)
    assert t_test(p, (0, 0)).nobs == 8
    assert t_test(p, (0, 1)).nobs == 7
    assert t_test(p, (1, 1)).nobs == 7


def test_aggregate_table_layout() -> None:
    panel = panel_of(12, groups=("b", "a"))
    table = aggregate_table(panel)
    assert list(table.columns) == ["group", "window", "n", "mean", "test", "stat", "p_value", "reason"]
    tests = list(AGGREGATE_TESTS)
    windows = [f"{a}:{b}" for a, b in panel.windows]
    assert len(table) == 3 * len(windows) * len(tests)
    assert list(table["group"].unique()) == ["all", "a", "b"]
    first = table[table["group"] == "all"]
    assert list(first["window"].unique()) == windows
    assert first["test"].tolist()[: len(tests)] == tests
    # n and mean: all 12 events overall, 6 per group; mean is the CAAR of the window
    row = first[(first["window"] == "-1:1") & (first["test"] == "t_test")].iloc[0]
    assert row["n"] == 12
    assert row["mean"] == pytest.approx(cars(panel, (-1, 1)).mean(), rel=1e-12)
    assert (table.loc[table["group"] == "a", "n"] == 6).all()
    # per-group rows equal the tests run on the group's own panel
    sub = panel.subset(np.asarray(panel.groups == "a", dtype=bool))
    a_rows = table[(table["group"] == "a") & (table["window"] == "0:10")]
    for _, r in a_rows.iterrows():
        ref = AGGREGATE_TESTS[r["test"]](sub, (0, 10))
        assert r["stat"] == pytest.approx(ref.stat, rel=1e-12, nan_ok=True)
        assert r["p_value"] == pytest.approx(ref.pvalue, rel=1e-12, nan_ok=True)


def test_aggregate_table_skips_groups_when_ungrouped() -> None:
    table = aggregate_table(panel_of(5))
    assert set(table["group"]) == {"all"}
    single_label = aggregate_table(panel_of(5, groups=("deals",)))
    assert list(single_label["group"].unique()) == ["all", "deals"]


def test_pooled_mean_correlation_equals_pairwise_mean_without_missing_days() -> None:
    # Above 2,000 events Kolari-Pynnonen's rbar is the pooled estimator; on complete data it is exactly the
    # mean of the N(N-1)/2 pairwise correlations (here checked against numpy's corrcoef).
    rng = np.random.default_rng(11)
    common = rng.standard_normal((1, 120))
    x = 0.4 * common + rng.standard_normal((60, 120)) * np.linspace(0.5, 2.0, 60)[:, None]
    corr = np.corrcoef(x)
    expected = corr[np.triu_indices(60, 1)].mean()
    exact, n = mean_pairwise_correlation(x)
    pooled, _ = mean_pairwise_correlation(x, exact_max=10)
    assert n == 60
    assert exact == pytest.approx(expected, rel=1e-12)
    assert pooled == pytest.approx(expected, rel=1e-12)
    # with 5% missing days the two estimators differ only slightly
    x[rng.random(x.shape) < 0.05] = np.nan
    exact, _ = mean_pairwise_correlation(x)
    pooled, _ = mean_pairwise_correlation(x, exact_max=10)
    assert pooled == pytest.approx(exact, abs=0.01)


@pytest.mark.parametrize("window", [(1, 0), (-20, -20), (0, 11), (-6, 0)])
def test_window_outside_the_event_days_is_a_specification_error(window: tuple[int, int]) -> None:
    panel = panel_of(4)
    for test in AGGREGATE_TESTS.values():
        with pytest.raises(SpecificationError, match=f"window {window[0]}:{window[1]}"):
            test(panel, window)
