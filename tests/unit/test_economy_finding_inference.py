"""The finding's inference: the leave-one-deal-out rows of ``finding_inference`` against refits on the
sample without each deal, and the two dollar-value regressions it and the sensitivity table fit alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealstudy.economy.finding import ALPHA, finding_inference
from dealstudy.economy.inference import wild_cluster_test
from dealstudy.economy.models import fit_models, fit_value_models


def _sample(seed: int = 3, deals: int = 9) -> pd.DataFrame:
    """Regression-sample rows: one to three legs per deal, a few unknown binding values, dates as clusters."""
    rng = np.random.default_rng(seed)
    rows = []
    for d in range(deals):
        headline = float(rng.gamma(1.5, 20.0))
        binding = np.nan if d % 4 == 3 else headline * float(rng.uniform(0.1, 0.9))
        for leg in range(1 + d % 3):
            rows.append(
                {
                    "deal_id": f"deal-{d}",
                    "label": f"deal-{d}:T{leg}",
                    "announced": f"2025-0{1 + d % 5}-1{d % 7}",
                    "headline_bn": headline,
                    "binding_bn": binding,
                    "non_binding_bn": headline - binding if np.isfinite(binding) else np.nan,
                    "abnormal_value_bn": 0.4 * headline + float(rng.normal(0.0, 6.0)),
                    "car_pct": float(rng.normal(0.0, 3.0)),
                    "log_size": float(rng.normal(-3.0, 1.0)),
                    "counterparty": "OpenAI" if d % 2 else "Meta",
                    "binding_class": "firm" if d % 3 else "loi",
                    "kind": "compute",
                    "confounded": bool(d % 5 == 0),
                }
            )
    return pd.DataFrame(rows)


def test_value_models_given_are_the_ones_read() -> None:
    sample = _sample()
    reps, seed = 99, 5
    plain = finding_inference(sample, reps=reps, loo_reps=reps, seed=seed)
    hc3, cluster = fit_value_models(sample, cov_type="HC3"), fit_value_models(sample, cov_type="cluster")
    given = finding_inference(sample, reps=reps, loo_reps=reps, seed=seed, fits=(hc3, cluster))
    pd.testing.assert_frame_equal(given.table, plain.table, check_exact=True)
    pd.testing.assert_frame_equal(given.loo, plain.loo, check_exact=True)
    swapped = finding_inference(sample, reps=reps, loo_reps=reps, seed=seed, fits=(cluster, hc3)).table
    assert not np.allclose(plain.table["se_hc3"], plain.table["se_cluster"])
    np.testing.assert_array_equal(swapped["se_hc3"], plain.table["se_cluster"])
    np.testing.assert_array_equal(swapped["se_cluster"], plain.table["se_hc3"])
    half = finding_inference(sample, reps=reps, loo_reps=reps, seed=seed, fits=(None, hc3)).table
    np.testing.assert_array_equal(half["se_hc3"], plain.table["se_hc3"])  # fitted here
    np.testing.assert_array_equal(half["se_cluster"], plain.table["se_hc3"])


def test_each_left_out_deal_is_a_refit_without_its_rows() -> None:
    sample = _sample()
    reps, seed = 199, 11
    result = finding_inference(sample, reps=reps, loo_reps=reps, seed=seed)
    loo = result.loo
    deals = list(dict.fromkeys(sample["deal_id"]))
    assert list(dict.fromkeys(loo["left_out_deal"])) == deals
    terms = {"headline": ["headline_bn"], "binding_split": ["binding_bn", "non_binding_bn"]}
    full = result.table.set_index("term")
    for deal in deals:
        rest = sample[sample["deal_id"] != deal]
        got = loo[loo["left_out_deal"] == deal].set_index("term")
        assert (got["n"] == len(rest)).all()
        for model, names in terms.items():
            rows = rest if model == "headline" else rest[np.isfinite(rest["binding_bn"])]
            X = pd.concat([pd.Series(1.0, index=rows.index, name="const"), rows[names]], axis=1)
            y = rows["abnormal_value_bn"]
            beta = np.linalg.lstsq(X.to_numpy(float), y.to_numpy(float), rcond=None)[0]
            for j, term in enumerate(names, start=1):
                assert got.loc[term, "coef_without"] == pytest.approx(beta[j], rel=1e-12)
                p = wild_cluster_test(X, y, rows["announced"], term, reps=reps, seed=seed).pvalue
                assert got.loc[term, "p_wild_without"] == p
                assert got.loc[term, "coef_full"] == full.loc[term, "coef"]
                flips = np.sign(beta[j]) != np.sign(full.loc[term, "coef"])
                assert bool(got.loc[term, "flips_sign"]) == bool(flips)
                flips_p = (p <= ALPHA) != (full.loc[term, "p_wild"] <= ALPHA)
                assert bool(got.loc[term, "flips_significance"]) == bool(flips_p)


@pytest.mark.parametrize("cov_type", ["HC3", "cluster"])
def test_value_models_are_those_of_the_full_set(cov_type: str) -> None:
    sample = _sample(seed=5, deals=12)
    full = fit_models(sample, cov_type=cov_type)  # type: ignore[arg-type]
    value = fit_value_models(sample, cov_type=cov_type)  # type: ignore[arg-type]
    for name in ("headline", "binding_split"):
        a, b = getattr(full, name), getattr(value, name)
        assert a.fitted
        assert b.fitted
        assert b.labels == a.labels
        for attribute in ("params", "bse", "pvalues"):
            pd.testing.assert_series_equal(getattr(b, attribute), getattr(a, attribute), rtol=0, atol=0)
    X = np.column_stack([np.ones(len(sample)), sample["headline_bn"]])
    beta = np.linalg.lstsq(X, sample["abnormal_value_bn"].to_numpy(float), rcond=None)[0]
    assert value.headline.params["headline_bn"] == pytest.approx(beta[1], rel=1e-12)
