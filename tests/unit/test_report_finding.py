"""The index's plain answer is generated from the numbers: each sentence follows the tables."""

from __future__ import annotations

import pandas as pd

from dealstudy.economy.finding import EQUAL_SLOPES_TERM, INFERENCE_COLUMNS, LOO_COLUMNS
from dealstudy.economy.sensitivity import SENSITIVITY_COLUMNS
from dealstudy.report.finding import finding_text, signed_usd


def _sensitivity(totals: list[float]) -> pd.DataFrame:
    rows = []
    for (window, sample), total in zip(
        [(w, s) for w in ("0:0", "0:1", "-1:1", "-5:5") for s in ("all", "unconfounded")], totals, strict=True
    ):
        rows.append(
            dict.fromkeys(SENSITIVITY_COLUMNS, 0.5)
            | {
                "window": window,
                "sample": sample,
                "n_reactions": 20 if sample == "all" else 12,
                "abnormal_value_usd": total,
                "headline_value_usd": 1e12,
                "binding_value_usd": 4e11,
                "p_equal_slopes": 0.3,
            }
        )
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))


def _inference(p_binding: float) -> pd.DataFrame:
    base = dict.fromkeys(INFERENCE_COLUMNS, float("nan")) | {"n": 20, "clusters": 14, "weights": "rademacher"}
    rows = [
        base
        | {
            "model": "headline",
            "term": "headline_bn",
            "coef": 0.1,
            "p_wild": 0.4,
            "ci_low": -0.1,
            "ci_high": 0.3,
        },
        base
        | {
            "model": "binding_split",
            "term": "binding_bn",
            "coef": 0.6,
            "p_wild": p_binding,
            "ci_low": 0.1,
            "ci_high": 1.1,
        },
        base
        | {
            "model": "binding_split",
            "term": "non_binding_bn",
            "coef": 0.05,
            "p_wild": 0.7,
            "ci_low": -0.2,
            "ci_high": 0.3,
        },
        base
        | {
            "model": "binding_split",
            "term": EQUAL_SLOPES_TERM,
            "coef": -0.55,
            "p_wild": 0.04,
            "p_permutation": 0.03,
            "p_cluster": 0.001,
            "p_hc3": 0.02,
        },
    ]
    return pd.DataFrame(rows, columns=list(INFERENCE_COLUMNS))


def _sample(confounded: int, clean: int, n: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "confounded": [True] * confounded + [False] * (n - confounded),
            "clean": [False] * (n - clean) + [True] * clean,
        }
    )


def test_sign_change_is_said_plainly_and_the_headline_row_is_quoted() -> None:
    table = _sensitivity([5e9, 1e9, 3.2e11, -2e9, 4e9, 2e9, -1e11, -5e9])
    loo = pd.DataFrame(
        [
            {
                "left_out_deal": "a-deal",
                "n": 19,
                "term": "binding_bn",
                "coef_full": 0.6,
                "coef_without": 0.5,
                "p_wild_full": 0.02,
                "p_wild_without": 0.03,
                "flips_sign": False,
                "flips_significance": False,
            }
        ],
        columns=list(LOO_COLUMNS),
    )
    text = finding_text(table, _inference(0.02), loo, _sample(3, 12, 20), "0:1")
    assert f"net {signed_usd(3.2e11)} beyond" in text["found"]  # the 0:1 / all row
    assert "the 20 reactions" in text["found"]
    assert "12 reactions known to be free" in text["found"]
    assert text["found"].endswith(f"the net is {signed_usd(-2e9)}.")
    assert text["holds"].startswith("It does not hold across event windows")
    assert "changes sign" in text["holds"]
    assert "Significant at 5%: binding slope" in text["sure"]
    assert "over 14 announcement dates" in text["sure"]
    assert "p = 0.04" in text["sure"] or "p = 0.040" in text["sure"]
    assert "No single deal's removal" in text["sure"]
    assert "3 of the 20 reactions share their window" in text["limits"]
    assert "5 more have an unknown status" in text["limits"]


def test_a_stable_sign_and_a_flipping_deal_are_reported() -> None:
    table = _sensitivity([5e9, 1e9, 3e9, 2e9, 4e9, 2e9, 1e9, 5e9])
    loo = pd.DataFrame(
        [
            {
                "left_out_deal": "big-deal",
                "n": 19,
                "term": "binding_bn",
                "coef_full": 0.6,
                "coef_without": -0.1,
                "p_wild_full": 0.3,
                "p_wild_without": 0.5,
                "flips_sign": True,
                "flips_significance": False,
            }
        ],
        columns=list(LOO_COLUMNS),
    )
    text = finding_text(table, _inference(0.3), loo, _sample(0, 20, 20), "0:1")
    assert text["holds"].startswith("The sign of the net abnormal value holds in all 8")
    assert "Neither slope is distinguishable from zero" in text["sure"]
    assert "without big-deal the binding slope changes sign" in text["sure"]
