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
