"""The headline figures with and without the fallback models, side by side (for the report's front page)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dealstudy.economy import deals_frame
from dealstudy.economy.aggregates import announcement_total
from dealstudy.pipeline.analyze import NO_FALLBACKS, AnalysisResults
from dealstudy.stats.parametric import t_test
from dealstudy.study import StudyResults

__all__ = ["WITH_WITHOUT_COLUMNS", "with_and_without"]

WITH_WITHOUT_COLUMNS: tuple[str, ...] = (
    "sample",
    "events",
    "fallback_events",
    "window",
    "mean_car",
    "t_stat",
    "p_value",
    "valued_legs",
    "abnormal_value_usd",
)


def _caar(study: StudyResults, window: str) -> tuple[int, float, float, float]:
    """``n, mean, t, p`` of the cross-sectional t test of all events' CAAR over ``window``: the ``t_test``
    row of group ``all`` of ``study.aggregate``, computed alone (the whole table of the study without
    fallbacks is not needed)."""
    match = [w for w in study.panel.windows if f"{w[0]}:{w[1]}" == window]
    if not match:
        return 0, math.nan, math.nan, math.nan
    result = t_test(study.panel, match[0])
    return int(result.nobs), float(result.mean), float(result.stat), float(result.pvalue)


def with_and_without(results: AnalysisResults) -> pd.DataFrame:
    """Two rows, ``with fallback models`` and ``without fallback models``: events with abnormal returns,
    mean CAR over the headline window with its cross-sectional t test, and the total abnormal dollar value
    of the announcements (the front page's total) computed with and without the fallback events."""
    window = results.window
    study = results.study
    without = results.alternatives.get(f"{study.spec.model}{NO_FALLBACKS}", study)
    values = results.economy.valuations
    masked = values.copy()
    fallback = (masked["outcome"] == "fallback_model").to_numpy()
    for column in ("abnormal_value_usd", "car_value_usd", "raw_value_usd"):
        masked.loc[fallback, column] = np.nan
    deals = deals_frame(results.catalog.deals)
    n_fallback = int((study.outcomes["outcome"] == "fallback_model").sum())
    rows = []
    for label, st, vals, k in (
        ("with fallback models", study, values, n_fallback),
        ("without fallback models", without, masked, 0),
    ):
        n, mean, stat, p = _caar(st, window)
        head = pd.Series(announcement_total(deals, vals, window))
        rows.append(
            {
                "sample": label,
                "events": n,
                "fallback_events": k,
                "window": window,
                "mean_car": mean,
                "t_stat": stat,
                "p_value": p,
                "valued_legs": int(head["valued"]),
                "abnormal_value_usd": float(head["abnormal_value_usd"]),
            }
        )
    return pd.DataFrame(rows, columns=list(WITH_WITHOUT_COLUMNS))
