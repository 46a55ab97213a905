"""The finding under every event window and sample, side by side (``sensitivity.csv``).

One row per (window, sample): windows :data:`SENSITIVITY_WINDOWS`, samples ``all`` (the regression sample:
direct parties of new deals with a disclosed headline value and a dollar value) and ``unconfounded`` (only
the reactions *known* to be clean: confounded reactions and those whose status is unknown are dropped).
Each row has the number of reactions, their summed abnormal value, the headline and binding value of their
deals (each deal once, net of overlaps between the deals of the row), the three slopes and the p-value of
equal binding and non-binding slopes from the inference used for the headline (see
:func:`dealstudy.economy.inference.equal_slopes_p`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from dealstudy.economy.models import fit_value_models
from dealstudy.economy.regressions import CovType, RegressionResult, wald_equal
from dealstudy.economy.sample import BN, regression_sample

__all__ = [
    "SENSITIVITY_COLUMNS",
    "SENSITIVITY_SAMPLES",
    "SENSITIVITY_WINDOWS",
    "EqualSlopesP",
    "sample_of",
    "sensitivity_table",
]

#: Columns of ``sensitivity.csv`` (a contract other tools read).
SENSITIVITY_COLUMNS: tuple[str, ...] = (
    "window",
    "sample",
    "n_reactions",
    "abnormal_value_usd",
    "headline_value_usd",
    "binding_value_usd",
    "slope_headline",
    "slope_binding",
    "slope_nonbinding",
    "p_equal_slopes",
)

SENSITIVITY_WINDOWS: tuple[str, ...] = ("0:0", "0:1", "-1:1", "-5:5")
SENSITIVITY_SAMPLES: tuple[str, ...] = ("all", "unconfounded")

#: ``p(sample)``: p-value of equal binding and non-binding slopes on a regression sample.
EqualSlopesP = Callable[[pd.DataFrame], float]

#: ``net(deal_ids)``: headline and binding value (USD) of a set of deals, each dollar counted once.
NetValue = Callable[[Sequence[str]], tuple[float, float]]


def sample_of(values: pd.DataFrame, window: str, sample: str) -> pd.DataFrame:
    """The regression sample of ``window`` restricted to ``sample`` (``all`` or ``unconfounded``)."""
    rows, _ = regression_sample(values, window)
    return _restricted(rows, sample)


def _restricted(rows: pd.DataFrame, sample: str) -> pd.DataFrame:
    """A regression sample restricted to ``sample`` (``all`` or ``unconfounded``)."""
    if sample not in SENSITIVITY_SAMPLES:
        raise ValueError(f"sample {sample!r} is not one of {', '.join(SENSITIVITY_SAMPLES)}")
    if sample == "unconfounded":
        return rows.loc[rows["clean"].astype(bool)]
    return rows.copy()


def _gross(sample: pd.DataFrame) -> tuple[float, float]:
    deals = sample.drop_duplicates("deal_id")
    headline = float(deals["headline_bn"].sum()) * BN if len(deals) else math.nan
    binding = deals["binding_bn"].to_numpy(dtype=float)
    known = binding[np.isfinite(binding)]
    return headline, float(known.sum()) * BN if known.size else math.nan


def _slope(result: RegressionResult, term: str) -> float:
    return float(result.params[term]) if result.fitted and term in result.params.index else math.nan


def sensitivity_table(
    values: pd.DataFrame,
    *,
    windows: Sequence[str] = SENSITIVITY_WINDOWS,
    samples: Sequence[str] = SENSITIVITY_SAMPLES,
    cov_type: CovType = "HC3",
    equal_slopes_p: EqualSlopesP | None = None,
    net_value: NetValue | None = None,
) -> pd.DataFrame:
    """:data:`SENSITIVITY_COLUMNS`, one row per window and sample (windows absent from ``values`` are
    skipped). ``equal_slopes_p`` defaults to the Wald test with ``cov_type``; ``net_value`` to summing each
    deal's headline and binding value once (no overlaps)."""
    present = set(values["window"].astype(str))
    rows = []
    for window in windows:
        if window not in present:
            continue
        whole, _ = regression_sample(values, window)  # once per window for both samples
        for sample in samples:
            rows_ = _restricted(whole, sample)
            fits = fit_value_models(rows_, cov_type=cov_type)
            split = fits.binding_split
            if equal_slopes_p is not None:
                p_equal = equal_slopes_p(rows_) if split.fitted else math.nan
            else:
                p_equal = wald_equal(split, "binding_bn", "non_binding_bn").pvalue
            ids = list(dict.fromkeys(rows_["deal_id"].astype(str)))
            headline, binding = net_value(ids) if net_value is not None else _gross(rows_)
            rows.append(
                {
                    "window": window,
                    "sample": sample,
                    "n_reactions": len(rows_),
                    "abnormal_value_usd": float(rows_["abnormal_value_bn"].sum()) * BN
                    if len(rows_)
                    else math.nan,
                    "headline_value_usd": headline if ids else math.nan,
                    "binding_value_usd": binding if ids else math.nan,
                    "slope_headline": _slope(fits.headline, "headline_bn"),
                    "slope_binding": _slope(split, "binding_bn"),
                    "slope_nonbinding": _slope(split, "non_binding_bn"),
                    "p_equal_slopes": p_equal,
                }
            )
    return pd.DataFrame(rows, columns=list(SENSITIVITY_COLUMNS))
