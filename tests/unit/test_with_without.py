"""The front page's with/without-fallbacks table computes the CAAR t test of one window alone: the same
numbers as the ``t_test`` row of group ``all`` in the study's whole aggregate table."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dealstudy.pipeline.with_without import _caar
from dealstudy.study import EventStudy, StudySpec


def test_caar_is_the_aggregate_tables_t_test_row() -> None:
    rng = np.random.default_rng(3)
    dates = pd.bdate_range("2020-01-01", periods=700)
    rm = rng.normal(0.0004, 0.01, len(dates))
    prices = {"SPY": pd.Series(100 * np.cumprod(1 + rm), index=dates)}
    rows = []
    for j in range(12):
        r = 0.0003 + (0.6 + 0.1 * j) * rm + rng.normal(0, 0.02, len(dates))
        prices[f"T{j}"] = pd.Series(50 * np.cumprod(1 + r), index=dates)
        rows.append((f"e{j}", f"T{j}", dates[300 + 25 * j]))
    events = pd.DataFrame(rows, columns=["event_id", "ticker", "day0"])
    events["group"] = ["g1", "g2", "g3"] * 4
    study = EventStudy(StudySpec()).fit(events, prices)
    table = study.aggregate
    for window in ("0:0", "-1:1", "0:1", "-5:5", "0:10"):
        row = table[(table["group"] == "all") & (table["window"] == window) & (table["test"] == "t_test")]
        first = row.iloc[0]
        expected = (int(first["n"]), float(first["mean"]), float(first["stat"]), float(first["p_value"]))
        assert _caar(study, window) == expected
        assert expected[0] == 12
    n, mean, stat, p = _caar(study, "3:4")  # not a window of the study
    assert n == 0
    assert all(math.isnan(x) for x in (mean, stat, p))
    assert _caar(study, "0:1") != _caar(study, "-1:1")  # each window its own row
