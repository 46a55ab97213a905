"""Regression guard (not a correctness reference): ``aggregate_table`` on a seeded 3-group panel with
missing data, against values frozen before the memory and speed rework of ``dealstudy.stats`` (November
2026). Correctness is checked against hand-worked formulas (``tests/unit/test_stats_hand.py``) and other
software's conventions (``test_stats_estudy2_covid.py``).

Two statistics have since changed their default on purpose, to follow their papers as estudy2 does:
``brown_warner_1980`` (estimation-residual variance) and ``corrado_rank`` (Corrado-Zivney day count). Their
frozen rows are compared with the earlier conventions, kept as the named options
``variance="prediction_error"`` and ``days="ranking_days"``; every other row with ``aggregate_table``.

The expected values in ``data/stats_aggregate_frozen.csv`` were computed by the code at commit 7af4e34
(before the rework) with ``frozen_panel()`` below, by this script run from the repository root::

    from tests.reference.test_stats_aggregate_frozen import frozen_panel
    from dealstudy.stats import aggregate_table
    aggregate_table(frozen_panel()).to_csv(
        "tests/reference/data/stats_aggregate_frozen.csv", index=False, float_format="%.17g"
    )

The panel exercises every path that the rework touches: 2,400 events (the overall Kolari-Pynnonen rbar
uses the pooled estimator above 2,000 events, the groups the pair-by-pair one), three groups of unequal
size, 2% of returns missing at random, events without any data (sigma NaN), an event with zero residual
sd, and tied abnormal returns (rounded to 4 decimals on some events) for the average-rank paths.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.stats import aggregate_table
from dealstudy.stats import panel as stats_panel
from dealstudy.stats.nonparametric import corrado_rank
from dealstudy.stats.panel import EventPanel
from dealstudy.stats.parametric import brown_warner_1980
from dealstudy.stats.simulate import market_model_panel
from dealstudy.window import Window

DATA = Path(__file__).parent / "data" / "stats_aggregate_frozen.csv"
RTOL = 1e-12


def frozen_panel() -> EventPanel:
    """The seeded panel the frozen values belong to (numpy Generator, PCG64, seed 20261129)."""
    rng = np.random.default_rng(20261129)
    base = market_model_panel(
        rng,
        2400,
        event=(-2, 3),
        windows=((-1, 1), (0, 3)),
        effect=0.004,
        noise="t3",
        missing=0.02,
        groups=("chips", "cloud", "chips", "models", "cloud"),
    )
    ar = base.ar.copy()
    sigma = base.sigma.copy()
    ties = rng.random(base.n_events) < 0.1
    ar[ties] = np.round(ar[ties], 4)
    empty = rng.choice(base.n_events, size=25, replace=False)  # no data at all (thin estimation)
    ar[empty] = np.nan
    sigma[empty] = np.nan
    var_ar = base.var_ar.copy()
    car_var = base.car_var.copy()
    var_ar[empty] = np.nan
    car_var[empty] = np.nan
    sigma[7] = 0.0  # zero residual sd: left out of GRANK's estimation SARs
    return EventPanel(
        rel_days=base.rel_days,
        ar=ar,
        var_ar=var_ar,
        sigma=sigma,
        nobs=base.nobs,
        dof=base.dof,
        is_estimation=base.is_estimation,
        is_event=base.is_event,
        windows=base.windows,
        car_var=car_var,
        groups=base.groups,
    )


def brown_warner_1980_earlier(panel: EventPanel, window: Window) -> stats_panel.TestResult:
    return brown_warner_1980(panel, window, variance="prediction_error")


def corrado_rank_earlier(panel: EventPanel, window: Window) -> stats_panel.TestResult:
    return corrado_rank(panel, window, days="ranking_days")


def test_aggregate_table_equals_frozen_values() -> None:
    expected = pd.read_csv(
        DATA,
        dtype={"reason": str},
        keep_default_na=False,
        na_values={"mean": [""], "stat": [""], "p_value": [""]},
    )
    panel = frozen_panel()
    got = aggregate_table(panel)
    earlier = {"brown_warner_1980": brown_warner_1980_earlier, "corrado_rank": corrado_rank_earlier}
    for row in got[got["test"].isin(list(earlier))].itertuples():
        group, window = str(row.group), Window.parse(str(row.window))
        sub = panel if group == "all" else panel.subset(panel.groups == group)
        result = earlier[str(row.test)](sub, window)
        got.loc[row.Index, ["stat", "p_value"]] = [result.stat, result.pvalue]
    assert len(expected) == 4 * 8 * 12
    assert list(got.columns) == list(expected.columns)
    for column in ("group", "window", "test"):
        assert got[column].astype(str).tolist() == expected[column].astype(str).tolist(), column
    assert got["n"].tolist() == expected["n"].tolist()
    assert got["reason"].tolist() == expected["reason"].tolist()
    for column in ("mean", "stat", "p_value"):
        e = expected[column].to_numpy(dtype=float)
        g = got[column].to_numpy(dtype=float)
        assert np.array_equal(np.isnan(e), np.isnan(g)), column
        fin = np.isfinite(e)
        assert np.isfinite(e).sum() > 0.9 * e.size, column  # the table is mostly valid statistics
        np.testing.assert_allclose(g[fin], e[fin], rtol=RTOL, atol=0.0, err_msg=column)


def test_grank_overflowing_sar_counts_as_missing_as_before() -> None:
    """An event whose ``AR / sigma`` overflows (sigma 1e-310 with a finite CAR variance) keeps GRANK's
    value from before the rework (frozen from commit 7af4e34, where such SARs were NaN)."""
    from dealstudy.stats import grank

    base = market_model_panel(np.random.default_rng(5), 60, event=(-2, 3), windows=((-1, 1),), missing=0.02)
    sigma = base.sigma.copy()
    sigma[0] = 1e-310
    p = EventPanel(
        rel_days=base.rel_days,
        ar=base.ar,
        var_ar=base.var_ar,
        sigma=sigma,
        nobs=base.nobs,
        dof=base.dof,
        is_estimation=base.is_estimation,
        is_event=base.is_event,
        windows=base.windows,
        car_var=base.car_var,
        groups=base.groups,
    )
    frozen = {
        (0, 0): (1.0633726948946671, 0.28868619060742134, 59),
        (-1, 1): (0.6269639706604057, 0.5312812990490097, 54),
    }
    for window, (stat, pvalue, n) in frozen.items():
        r = grank(p, window)
        assert r.nobs == n
        assert r.stat == pytest.approx(stat, rel=RTOL, abs=0.0)
        assert r.pvalue == pytest.approx(pvalue, rel=RTOL, abs=0.0)
