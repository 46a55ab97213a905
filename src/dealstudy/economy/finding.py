"""The slopes of the finding with the inference valid for the design, and leave-one-deal-out stability.

For the headline window and sample, each key slope (headline; binding and non-binding) gets its HC3 and
date-clustered standard errors and p-values, the wild cluster bootstrap p-value and test-inversion
confidence interval (clusters = announcement dates; :mod:`dealstudy.economy.inference`), and the number of
clusters. Equal binding and non-binding slopes are tested three ways: Wald (HC3), wild cluster bootstrap
(the coefficient on non-binding value when the regressors are headline and non-binding value equals
``b_nonbinding - b_binding``), and a Freedman-Lane permutation test.

Leave-one-deal-out drops every reaction of one deal and refits: a deal whose removal changes the sign of a
slope, or moves its wild-bootstrap p-value across 5%, is named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.economy.inference import (
    permutation_equal_slopes,
    wild_cluster_test,
    wild_confidence_interval,
)
from dealstudy.economy.models import ValueModels, fit_value_models

__all__ = [
    "EQUAL_SLOPES_TERM",
    "INFERENCE_COLUMNS",
    "LOO_COLUMNS",
    "FindingInference",
    "equal_slopes_wild_p",
    "finding_inference",
]

INFERENCE_COLUMNS: tuple[str, ...] = (
    "model",
    "term",
    "coef",
    "n",
    "clusters",
    "se_hc3",
    "p_hc3",
    "se_cluster",
    "p_cluster",
    "p_wild",
    "ci_low",
    "ci_high",
    "p_permutation",
    "weights",
    "reps",
)

LOO_COLUMNS: tuple[str, ...] = (
    "left_out_deal",
    "n",
    "term",
    "coef_full",
    "coef_without",
    "p_wild_full",
    "p_wild_without",
    "flips_sign",
    "flips_significance",
)

EQUAL_SLOPES_TERM = "binding_bn = non_binding_bn"

#: Significance level at which a leave-one-out "flip" is judged.
ALPHA = 0.05

_TERMS = {"headline": ("headline_bn",), "binding_split": ("binding_bn", "non_binding_bn")}


@dataclass(frozen=True)
class FindingInference:
    """The slopes with all their inference (``table``) and the leave-one-deal-out refits (``loo``)."""

    table: pd.DataFrame
    loo: pd.DataFrame

    def row(self, term: str) -> dict[str, object]:
        """The ``table`` row of ``term`` (``headline_bn``, ``binding_bn``, ``non_binding_bn`` or
        :data:`EQUAL_SLOPES_TERM`); empty when absent."""
        rows = self.table[self.table["term"] == term]
        return {str(k): v for k, v in rows.iloc[0].items()} if len(rows) else {}

    def flips(self) -> pd.DataFrame:
        """Leave-one-out rows where a slope changes sign or significance."""
        return pd.DataFrame(self.loo[self.loo["flips_sign"] | self.loo["flips_significance"]])


def _model_rows(sample: pd.DataFrame, model: str) -> NDArray[np.bool_]:
    """The rows of ``sample`` that ``model`` uses: all for ``headline``, those with a known binding value
    for the split."""
    if model == "headline":
        return np.ones(len(sample), dtype=bool)
    finite: NDArray[np.bool_] = np.isfinite(sample["binding_bn"].to_numpy(dtype=float))
    return finite


def _design(sample: pd.DataFrame, model: str) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    rows = sample if model == "headline" else sample[_model_rows(sample, model)]
    X = pd.DataFrame({"const": 1.0}, index=rows.index).join(rows[list(_TERMS[model])])
    return X, rows["abnormal_value_bn"].astype(float), rows["announced"].astype(str)


def _equal_design(sample: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series, pd.Series]:
    X, y, clusters = _design(sample, "binding_split")
    Xe = pd.DataFrame(
        {
            "const": 1.0,
            "headline_bn": X["binding_bn"] + X["non_binding_bn"],
            "non_binding_bn": X["non_binding_bn"],
        }
    )
    return Xe, y, clusters


def _estimable(X: pd.DataFrame, clusters: pd.Series) -> bool:
    return (
        len(X) > X.shape[1] + 1
        and clusters.nunique() >= 2
        and np.linalg.matrix_rank(X.to_numpy(float)) == X.shape[1]
    )


def equal_slopes_wild_p(sample: pd.DataFrame, *, reps: int = 9999, seed: int = 20251103) -> float:
    """Wild cluster bootstrap p-value of equal binding and non-binding slopes (NaN when not estimable)."""
    X, y, clusters = _equal_design(sample)
    if not _estimable(X, clusters):
        return math.nan
    return wild_cluster_test(X, y, clusters, "non_binding_bn", reps=reps, seed=seed).pvalue


def _slope_rows(
    sample: pd.DataFrame, hc3: ValueModels, cluster: ValueModels, reps: int, seed: int, confidence: float
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for model, terms in _TERMS.items():
        X, y, clusters = _design(sample, model)
        ok = _estimable(X, clusters)
        for term in terms:
            a = getattr(hc3, model)
            b = getattr(cluster, model)
            wild = wild_cluster_test(X, y, clusters, term, reps=reps, seed=seed) if ok else None
            low, high = (
                wild_confidence_interval(X, y, clusters, term, reps=reps, seed=seed, confidence=confidence)
                if ok
                else (math.nan, math.nan)
            )
            rows.append(
                {
                    "model": model,
                    "term": term,
                    "coef": float(a.params[term]) if a.fitted else math.nan,
                    "n": len(X),
                    "clusters": int(clusters.nunique()),
                    "se_hc3": float(a.bse[term]) if a.fitted else math.nan,
                    "p_hc3": float(a.pvalues[term]) if a.fitted else math.nan,
                    "se_cluster": float(b.bse[term]) if b.fitted else math.nan,
                    "p_cluster": float(b.pvalues[term]) if b.fitted else math.nan,
                    "p_wild": wild.pvalue if wild else math.nan,
                    "ci_low": low,
                    "ci_high": high,
                    "p_permutation": math.nan,
                    "weights": wild.weights if wild else "",
                    "reps": wild.reps if wild else 0,
                }
            )
    return rows


def _equal_row(
    sample: pd.DataFrame, hc3_fits: ValueModels, cluster_fits: ValueModels, reps: int, seed: int
) -> dict[str, object]:
    from dealstudy.economy.regressions import wald_equal

    Xe, y, clusters = _equal_design(sample)
    ok = _estimable(Xe, clusters)
    hc3 = wald_equal(hc3_fits.binding_split, "binding_bn", "non_binding_bn")
    clu = wald_equal(cluster_fits.binding_split, "binding_bn", "non_binding_bn")
    wild = wild_cluster_test(Xe, y, clusters, "non_binding_bn", reps=reps, seed=seed) if ok else None
    return {
        "model": "binding_split",
        "term": EQUAL_SLOPES_TERM,
        "coef": wild.coef if wild else math.nan,  # b_nonbinding - b_binding
        "n": len(Xe),
        "clusters": int(clusters.nunique()),
        "se_hc3": math.nan,
        "p_hc3": hc3.pvalue,
        "se_cluster": math.nan,
        "p_cluster": clu.pvalue,
        "p_wild": wild.pvalue if wild else math.nan,
        "ci_low": math.nan,
        "ci_high": math.nan,
        "p_permutation": permutation_equal_slopes(
            y, Xe["headline_bn"] - Xe["non_binding_bn"], Xe["non_binding_bn"], reps=reps, seed=seed
        )
        if ok
        else math.nan,
        "weights": wild.weights if wild else "",
        "reps": wild.reps if wild else 0,
    }


def _leave_one_deal_out(sample: pd.DataFrame, table: pd.DataFrame, reps: int, seed: int) -> pd.DataFrame:
    rows = []
    full = {str(r["term"]): r for r in table.to_dict("records")}
    deal_ids = sample["deal_id"].astype(str).to_numpy()
    # each model's design on the whole sample, with its rows' deals: a deal left out is a row mask
    designs = {model: (_design(sample, model), deal_ids[_model_rows(sample, model)]) for model in _TERMS}
    for deal in dict.fromkeys(deal_ids):
        n_rest = int(np.count_nonzero(deal_ids != deal))
        for model, terms in _TERMS.items():
            (X_all, y_all, clusters_all), ids = designs[model]
            keep = ids != deal
            X, y, clusters = X_all[keep], y_all[keep], clusters_all[keep]
            ok = _estimable(X, clusters)
            beta = np.linalg.lstsq(X.to_numpy(float), y.to_numpy(float), rcond=None)[0] if ok else None
            for term in terms:
                coef = float(beta[list(X.columns).index(term)]) if beta is not None else math.nan
                p = wild_cluster_test(X, y, clusters, term, reps=reps, seed=seed).pvalue if ok else math.nan
                base = full[term]
                c0, p0 = float(base["coef"]), float(base["p_wild"])
                rows.append(
                    {
                        "left_out_deal": deal,
                        "n": n_rest,
                        "term": term,
                        "coef_full": c0,
                        "coef_without": coef,
                        "p_wild_full": p0,
                        "p_wild_without": p,
                        "flips_sign": bool(math.isfinite(coef) and np.sign(coef) != np.sign(c0)),
                        "flips_significance": bool(
                            math.isfinite(p) and math.isfinite(p0) and (p <= ALPHA) != (p0 <= ALPHA)
                        ),
                    }
                )
    return pd.DataFrame(rows, columns=list(LOO_COLUMNS))


def finding_inference(
    sample: pd.DataFrame,
    *,
    reps: int = 9999,
    loo_reps: int = 999,
    seed: int = 20251103,
    confidence: float = 0.95,
    fits: tuple[ValueModels | None, ValueModels | None] = (None, None),
) -> FindingInference:
    """:data:`INFERENCE_COLUMNS` for the key slopes and equal slopes on ``sample`` (a regression sample
    with ``announced`` as the cluster), and :data:`LOO_COLUMNS` for every deal left out.

    ``fits`` are the value models already fitted on ``sample`` with HC3 and clustered standard errors
    (:func:`~dealstudy.economy.models.fit_value_models`); those not given are fitted here."""
    hc3 = fits[0] or fit_value_models(sample, cov_type="HC3")
    cluster = fits[1] or fit_value_models(sample, cov_type="cluster")
    rows = _slope_rows(sample, hc3, cluster, reps, seed, confidence)
    rows.append(_equal_row(sample, hc3, cluster, reps, seed))
    table = pd.DataFrame(rows, columns=list(INFERENCE_COLUMNS))
    return FindingInference(table, _leave_one_deal_out(sample, table, loo_reps, seed))
