"""The per-event standardized and ranked series (``StudyResults.series``) against a direct computation.

Reference: for each event separately, ``scipy.stats.rankdata`` of its observed abnormal returns over the
ranking sample (estimation and event days), ``numpy.median`` of the same values, and ``AR / sqrt(var_AR)``;
and the Patell (1976) statistic of one day recomputed from the series' ``sar`` against the aggregate test.
Tolerance: 1e-12 absolute (the same arithmetic in another order).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy.stats import rankdata

from dealstudy.stats import AGGREGATE_TESTS, EventPanel
from dealstudy.stats.simulate import market_model_panel
from dealstudy.study.series import SERIES_COLUMNS, event_series


@pytest.fixture(scope="module")
def panel() -> EventPanel:
    rng = np.random.default_rng(7)
    base = market_model_panel(rng, 40, estimation=(-60, -11), event=(-3, 3), missing=0.05)
    ar = base.ar.copy()
    combined = base.is_estimation | base.is_event
    ar[3, combined] = np.round(ar[3, combined], 3)  # ties in one event's ranking sample
    ar[5, base.is_event] = np.nan  # an event with no event day
    ar[6, base.rel_days == 0] = np.nan  # a missing day 0
    return dataclasses.replace(base, ar=ar)


def _reference(panel: EventPanel, i: int) -> pd.DataFrame:
    combined = panel.is_estimation | panel.is_event
    row = panel.ar[i, combined]
    observed = np.isfinite(row)
    ranks = np.full(row.size, np.nan)
    ranks[observed] = rankdata(row[observed])
    m = int(observed.sum())
    median = float(np.median(row[observed]))
    on_event = panel.is_event[combined]
    ev = row[on_event]
    var = panel.var_ar[i, panel.is_event]
    return pd.DataFrame(
        {
            "event_time": panel.rel_days[panel.is_event],
            "ar": ev,
            "sar": ev / np.sqrt(var),
            "rank": ranks[on_event],
            "rank_days": m,
            "u": ranks[on_event] / (m + 1) - 0.5,
            "g": np.sign(ev - median),
        }
    )


def test_series_equal_a_per_event_computation(panel: EventPanel) -> None:
    ids = tuple(f"e{i}" for i in range(panel.n_events))
    tickers = pd.Series({e: f"T{i % 7}" for i, e in enumerate(ids)})
    series = event_series(panel, ids, tickers)
    assert tuple(series.columns) == SERIES_COLUMNS
    k = int(panel.is_event.sum())
    assert len(series) == panel.n_events * k
    for i, eid in enumerate(ids):
        got = series.iloc[i * k : (i + 1) * k].reset_index(drop=True)
        assert (got["event_id"] == eid).all()
        assert (got["ticker"] == tickers[eid]).all()
        expected = _reference(panel, i)
        for col in expected.columns:
            np.testing.assert_allclose(got[col], expected[col], rtol=0, atol=1e-12, err_msg=f"{eid} {col}")
    # the fixture has ties (averaged ranks) and missing days (NaN in every derived column)
    tied = panel.ar[3, panel.is_estimation | panel.is_event]
    assert np.unique(tied[np.isfinite(tied)]).size < np.isfinite(tied).sum()
    day0 = series[(series["event_id"] == "e6") & (series["event_time"] == 0)]
    assert day0[["ar", "sar", "rank", "u", "g"]].isna().all(axis=None)
    assert series[series["event_id"] == "e5"][["rank", "u"]].isna().all(axis=None)


def test_patell_statistic_recomputed_from_the_series(panel: EventPanel) -> None:
    ids = tuple(f"e{i}" for i in range(panel.n_events))
    series = event_series(panel, ids, pd.Series(dict.fromkeys(ids, "X")))
    day = series[series["event_time"] == 1].set_index("event_id")["sar"]
    dof = pd.Series(panel.dof, index=ids).astype(float)
    use = day.notna() & (dof > 2)
    z = day[use].sum() / np.sqrt((dof[use] / (dof[use] - 2)).sum())
    test = AGGREGATE_TESTS["patell"](panel, (1, 1))
    assert test.nobs == int(use.sum())
    assert z == pytest.approx(test.stat, abs=1e-12)


def test_an_empty_panel_gives_an_empty_series(panel: EventPanel) -> None:
    empty = panel.subset(np.zeros(panel.n_events, dtype=bool))
    series = event_series(empty, (), pd.Series(dtype=object))
    assert series.empty
    assert tuple(series.columns) == SERIES_COLUMNS
