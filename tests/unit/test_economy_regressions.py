"""Cross-sectional regressions checked against direct numpy computations and seeded simulations."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dealstudy.economy.regressions import fit_ols, wald_equal
from dealstudy.economy.resampling import bootstrap_ci, leave_one_out


def _frame(
    rng: np.random.Generator, n: int = 30, b1: float = 1.0, b2: float = 1.0
) -> tuple[pd.Series, pd.DataFrame]:
    x1 = rng.gamma(2.0, 5.0, n)
    x2 = rng.gamma(2.0, 5.0, n)
    y = 0.5 + b1 * x1 + b2 * x2 + rng.normal(0, 1.0 + 0.2 * x1, n)  # heteroskedastic
    X = pd.DataFrame({"const": 1.0, "binding_bn": x1, "non_binding_bn": x2})
    return pd.Series(y, name="abnormal_value_bn"), X


def _hand(y: np.ndarray, X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ X.T @ y
    e = y - X @ beta
    h = np.einsum("ij,jk,ik->i", X, bread, X)
    meat = (X * (e**2 / (1 - h) ** 2)[:, None]).T @ X
    return beta, e, bread @ meat @ bread


def test_ols_hc3_matches_numpy_sandwich(rng: np.random.Generator) -> None:
    y, X = _frame(rng)
    result = fit_ols(y, X, name="binding_split", cov_type="HC3")
    beta, e, cov = _hand(y.to_numpy(), X.to_numpy())
    np.testing.assert_allclose(result.params.to_numpy(), beta, rtol=1e-10)
    np.testing.assert_allclose(result.bse.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-10)
    # t statistics are referred to t(N - K) (use_t=True), the small-sample choice
    t = beta / np.sqrt(np.diag(cov))
    np.testing.assert_allclose(result.pvalues.to_numpy(), 2 * stats.t.sf(np.abs(t), 30 - 3), rtol=1e-8)
    tss = ((y - y.mean()) ** 2).sum()
    assert result.rsquared == pytest.approx(1 - (e**2).sum() / tss, rel=1e-12)
    frame = result.to_frame()
    assert list(frame.columns) == ["model", "term", "coef", "se", "t", "p", "n", "r2"]
    assert list(frame["term"]) == ["const", "binding_bn", "non_binding_bn"]
    assert (frame["n"] == 30).all()
    assert "binding_bn" in result.summary_text
    assert "HC3" in result.summary_text


def test_ols_nonrobust_and_cluster_match_hand_formulas(rng: np.random.Generator) -> None:
    y, X = _frame(rng, n=40)
    Xa, ya = X.to_numpy(), y.to_numpy()
    beta, e, _ = _hand(ya, Xa)
    n, k = Xa.shape
    classical = fit_ols(y, X, name="m", cov_type="nonrobust")
    s2 = (e**2).sum() / (n - k)
    np.testing.assert_allclose(
        classical.bse.to_numpy(), np.sqrt(np.diag(s2 * np.linalg.inv(Xa.T @ Xa))), rtol=1e-10
    )
    clusters = pd.Series(np.repeat(np.arange(10), 4))
    clustered = fit_ols(y, X, name="m", cov_type="cluster", clusters=clusters)
    bread = np.linalg.inv(Xa.T @ Xa)
    scores = np.vstack([Xa[clusters == g].T @ e[clusters == g] for g in range(10)])
    g = 10
    cov = bread @ (scores.T @ scores) @ bread * g / (g - 1) * (n - 1) / (n - k)
    np.testing.assert_allclose(clustered.bse.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-10)
    tstat = beta / np.sqrt(np.diag(cov))
    np.testing.assert_allclose(clustered.pvalues.to_numpy(), 2 * stats.t.sf(np.abs(tstat), g - 1), rtol=1e-8)


def test_wald_equal_slopes_equals_restricted_vs_unrestricted_f(rng: np.random.Generator) -> None:
    y, X = _frame(rng, n=35, b1=1.0, b2=0.6)
    result = fit_ols(y, X, name="binding_split", cov_type="nonrobust")
    test = wald_equal(result, "binding_bn", "non_binding_bn")
    Xa, ya = X.to_numpy(), y.to_numpy()
    ssr_u = ((ya - Xa @ np.linalg.lstsq(Xa, ya, rcond=None)[0]) ** 2).sum()
    Xr = np.column_stack([np.ones(35), Xa[:, 1] + Xa[:, 2]])  # restriction b1 = b2
    ssr_r = ((ya - Xr @ np.linalg.lstsq(Xr, ya, rcond=None)[0]) ** 2).sum()
    f = (ssr_r - ssr_u) / (ssr_u / (35 - 3))
    assert test.stat == pytest.approx(f, rel=1e-9)
    assert test.pvalue == pytest.approx(stats.f.sf(f, 1, 32), rel=1e-9)
    assert test.df_denom == 32
    # with HC3: (R b)^2 / (R V R')
    robust = fit_ols(y, X, name="binding_split", cov_type="HC3")
    beta, _, cov = _hand(ya, Xa)
    r = np.array([0.0, 1.0, -1.0])
    w = (r @ beta) ** 2 / (r @ cov @ r)
    assert wald_equal(robust, "binding_bn", "non_binding_bn").stat == pytest.approx(w, rel=1e-9)


def test_wald_size_and_power_in_simulation(rng: np.random.Generator) -> None:
    equal = []
    for _ in range(200):
        y, X = _frame(rng, n=40, b1=1.0, b2=1.0)
        equal.append(
            wald_equal(fit_ols(y, X, name="s", cov_type="HC3"), "binding_bn", "non_binding_bn").pvalue
        )
    rejection = float(np.mean(np.array(equal) < 0.05))
    print(f"Wald HC3 rejection at 5% under equal slopes: {rejection:.3f} (200 samples of 40)")
    assert 0.01 <= rejection <= 0.10
    assert stats.kstest(equal, "uniform").pvalue > 0.001  # p-values uniform-ish under the null
    y, X = _frame(rng, n=40, b1=1.0, b2=0.0)
    assert wald_equal(fit_ols(y, X, name="s"), "binding_bn", "non_binding_bn").pvalue < 1e-4


def test_bootstrap_ci_covers_the_true_slope(rng: np.random.Generator) -> None:
    y, X = _frame(rng, n=40, b1=1.0, b2=0.3)
    result = fit_ols(y, X, name="binding_split")
    ci = bootstrap_ci(result, ["binding_bn", "non_binding_bn"], reps=999, seed=7)
    row = ci.set_index("term").loc["binding_bn"]
    assert row["ci_low"] < 1.0 < row["ci_high"]
    assert row["ci_low"] < row["coef"] < row["ci_high"]
    again = bootstrap_ci(result, ["binding_bn"], reps=999, seed=7)
    assert again.iloc[0]["ci_low"] == row["ci_low"]  # seeded: reproducible
    covered = 0
    sims = 60
    for _ in range(sims):
        y, X = _frame(rng, n=40, b1=1.0, b2=0.3)
        one = bootstrap_ci(fit_ols(y, X, name="b"), ["binding_bn"], reps=199, seed=int(rng.integers(1e9)))
        covered += int(one.iloc[0]["ci_low"] <= 1.0 <= one.iloc[0]["ci_high"])
    print(f"pairs-bootstrap 95% CI coverage: {covered}/{sims}")
    assert covered >= 0.85 * sims


def test_leave_one_out_matches_refits_and_flags_outlier(rng: np.random.Generator) -> None:
    y, X = _frame(rng, n=20)
    X.loc[7, "binding_bn"] = 200.0  # a huge deal (the Oracle of this sample)
    y.loc[7] = 0.5 + 4.0 * 200.0
    labels = [f"deal{i}" for i in range(20)]
    result = fit_ols(y, X, name="binding_split", labels=labels)
    loo = leave_one_out(result, ["binding_bn"])
    for i in (0, 7, 19):
        keep = np.arange(20) != i
        beta = np.linalg.lstsq(X.to_numpy()[keep], y.to_numpy()[keep], rcond=None)[0]
        got = loo[loo["left_out"] == f"deal{i}"].iloc[0]
        assert got["coef_without"] == pytest.approx(beta[1], rel=1e-9)
    flagged = loo[loo["most_influential"]]
    assert list(flagged["left_out"]) == ["deal7"]


def test_constant_and_collinear_dummies_are_dropped(rng: np.random.Generator) -> None:
    y, X = _frame(rng, n=12)
    X["confounded"] = 1.0  # constant
    X["copy"] = X["binding_bn"] * 2.0  # collinear
    result = fit_ols(y, X, name="m", keep=["binding_bn"])
    assert set(result.dropped_terms) == {"confounded", "copy"}
    assert list(result.params.index) == ["const", "binding_bn", "non_binding_bn"]
    tiny = fit_ols(y.iloc[:2], X.iloc[:2], name="m")
    assert not tiny.fitted
    assert "observation" in tiny.reason
    assert np.isnan(wald_equal(tiny, "binding_bn", "non_binding_bn").stat)
