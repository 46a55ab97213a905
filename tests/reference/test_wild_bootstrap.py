"""The wild cluster bootstrap of ``dealstudy.economy.inference`` against the ``wildboottest`` package.

Same seeded data, same seed: both draw the weights the same way, so the observed t statistic agrees to
1e-10 and the bootstrap p-values agree exactly (tolerance: one bootstrap draw, 1/B). The confidence
interval is checked by the definition of test inversion, and the permutation test by its size under the
null on simulated data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from wildboottest.wildboottest import wildboottest

from dealstudy.economy.inference import (
    permutation_equal_slopes,
    wild_cluster_test,
    wild_confidence_interval,
)


def _data(seed: int, n: int = 32, groups: int = 20) -> tuple[pd.DataFrame, pd.Series, np.ndarray]:
    rng = np.random.default_rng(seed)
    clusters = np.sort(rng.integers(0, groups, size=n))
    shock = rng.normal(0, 1.0, groups)[clusters]
    X = pd.DataFrame(
        {"const": 1.0, "binding": rng.gamma(1.0, 20.0, n), "nonbinding": rng.gamma(1.0, 40.0, n)}
    )
    y = pd.Series(0.3 * X["binding"] + 0.05 * X["nonbinding"] + shock + rng.standard_t(4, n) * 5.0, name="y")
    return X, y, np.array([f"2025-{1 + c // 28:02d}-{1 + c % 28:02d}" for c in clusters])


@pytest.mark.parametrize(
    ("seed", "weights", "term", "reps"),
    [
        (1, "rademacher", "binding", 999),
        (2, "rademacher", "nonbinding", 1999),
        (3, "webb", "binding", 999),
    ],
)
def test_agrees_with_wildboottest(seed: int, weights: str, term: str, reps: int) -> None:
    X, y, clusters = _data(seed)
    ours = wild_cluster_test(X, y, clusters, term, reps=reps, weights=weights, seed=seed)  # type: ignore[arg-type]
    theirs = wildboottest(
        sm.OLS(y, X),
        B=reps,
        cluster=clusters,
        param=term,
        weights_type=weights,
        seed=seed,
        show=False,
        parallel=False,
    )
    assert ours.clusters == len(np.unique(clusters))
    assert ours.t_stat == pytest.approx(float(np.squeeze(theirs["statistic"].iloc[0])), rel=1e-10)
    assert abs(ours.pvalue - float(np.squeeze(theirs["p-value"].iloc[0]))) <= 1.0 / reps


def test_full_enumeration_with_few_clusters_agrees() -> None:
    X, y, clusters = _data(5, n=18, groups=8)
    ours = wild_cluster_test(X, y, clusters, "binding", reps=999, weights="rademacher", seed=5)
    with pytest.warns(UserWarning, match="full_enumeration"):
        theirs = wildboottest(
            sm.OLS(y, X), B=999, cluster=clusters, param="binding", seed=5, show=False, parallel=False
        )
    assert ours.reps == 2 ** len(np.unique(clusters))
    assert ours.pvalue == pytest.approx(float(np.squeeze(theirs["p-value"].iloc[0])), abs=1e-12)


def test_confidence_interval_inverts_the_test() -> None:
    X, y, clusters = _data(11)
    low, high = wild_confidence_interval(X, y, clusters, "binding", reps=999, seed=4)
    coef = float(np.linalg.lstsq(X.to_numpy(), y.to_numpy(), rcond=None)[0][1])
    assert low < coef < high
    inside = [
        wild_cluster_test(X, y, clusters, "binding", null=v, reps=999, seed=4).pvalue
        for v in (low + 1e-3, high - 1e-3)
    ]
    outside = [
        wild_cluster_test(X, y, clusters, "binding", null=v, reps=999, seed=4).pvalue
        for v in (low - 1e-3, high + 1e-3)
    ]
    assert min(inside) > 0.05 >= max(outside)


def test_permutation_test_size_and_power() -> None:
    rejections = 0
    trials = 200
    for seed in range(trials):
        rng = np.random.default_rng(1000 + seed)
        b, nb = rng.gamma(1.0, 20.0, 30), rng.gamma(1.0, 40.0, 30)
        y = pd.Series(0.2 * (b + nb) + rng.normal(0, 5.0, 30))
        rejections += permutation_equal_slopes(y, pd.Series(b), pd.Series(nb), reps=199, seed=seed) <= 0.05
    # size 5%: 200 trials give a 99.9% band of about 0.5% .. 11%
    assert 1 <= rejections <= 22
    rng = np.random.default_rng(7)
    b, nb = rng.gamma(1.0, 20.0, 30), rng.gamma(1.0, 40.0, 30)
    y = pd.Series(1.0 * b + 0.0 * nb + rng.normal(0, 5.0, 30))
    assert permutation_equal_slopes(y, pd.Series(b), pd.Series(nb), reps=999, seed=1) < 0.01


def _crv1_t(X: np.ndarray, y: np.ndarray, codes: np.ndarray, j: int, null: float) -> float:
    """CRV1 t of beta_j = null from its definition (statsmodels' small-sample factor)."""
    n, k = X.shape
    groups = codes.max() + 1
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ X.T @ y
    e = y - X @ beta
    meat = sum(
        np.outer(X[codes == g].T @ e[codes == g], X[codes == g].T @ e[codes == g]) for g in range(groups)
    )
    cov = (n - 1) / (n - k) * groups / (groups - 1) * bread @ meat @ bread
    return float((beta[j] - null) / np.sqrt(cov[j, j]))


@pytest.mark.parametrize("weights", ["rademacher", "webb"])
def test_bootstrap_t_by_its_definition_at_any_null(weights: str) -> None:
    """Every bootstrap t at several nulls against the WCR bootstrap done draw by draw: the restricted fit
    ``y - null x_j`` on the other columns, ``y* = fitted + u v_g``, the unrestricted OLS of ``y*`` and its
    CRV1 t of ``beta_j = null`` (tolerance 1e-9 relative: only the order of the floating-point sums differs).
    """
    from dealstudy.economy.inference import _design

    X, y, clusters = _data(21)
    design, _ = _design(X, y, clusters, 99, weights, 21)  # type: ignore[arg-type]
    Xa, ya = X.to_numpy(float), y.to_numpy(float)
    codes = np.unique(clusters, return_inverse=True)[1]
    j = 1
    others = [0, 2]
    for null in (0.0, 0.31, -0.4, 2.5, 0.31):  # 0.31 twice: the second from the cached pieces
        t_obs, t_boot = design.t_stats(j, null)
        assert t_obs == pytest.approx(_crv1_t(Xa, ya, codes, j, null), rel=1e-9)
        gamma = np.linalg.lstsq(Xa[:, others], ya - null * Xa[:, j], rcond=None)[0]
        fitted = Xa[:, others] @ gamma + null * Xa[:, j]
        u = ya - fitted
        expected = [
            _crv1_t(Xa, fitted + u * design.v[codes, b], codes, j, null) for b in range(design.v.shape[1])
        ]
        np.testing.assert_allclose(t_boot, expected, rtol=1e-9)
