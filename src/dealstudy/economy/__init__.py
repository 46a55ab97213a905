"""The press-release economy layer: dollar value of market reactions, multiples, cross-sectional regressions,
aggregates, the commitments ledger and revision round trips.

Pure computation on frames (no I/O, no ``dealstudy.data``): the pipeline hands over the study's frames,
closes, share counts and FX rates.
"""

from __future__ import annotations

from dealstudy.economy.currency import currency_for_mic, rate_on
from dealstudy.economy.fit import fit_economy
from dealstudy.economy.legs import deals_frame, event_id_for, legs_frame
from dealstudy.economy.regressions import RegressionResult, WaldTest, fit_ols, wald_equal
from dealstudy.economy.resampling import bootstrap_ci, leave_one_out
from dealstudy.economy.results import DEAL_VALUE_COLUMNS, EconomyResults, EconomySpec
from dealstudy.economy.values import dollar_values

__all__ = [
    "DEAL_VALUE_COLUMNS",
    "EconomyResults",
    "EconomySpec",
    "RegressionResult",
    "WaldTest",
    "bootstrap_ci",
    "currency_for_mic",
    "deals_frame",
    "dollar_values",
    "event_id_for",
    "fit_economy",
    "fit_ols",
    "leave_one_out",
    "legs_frame",
    "rate_on",
    "wald_equal",
]
