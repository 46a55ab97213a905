"""Invariances of the event-study engine (hypothesis over seeds and transformations)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from dealstudy.study import EventStudy, StudySpec

SPEC = StudySpec(windows=((0, 0), (-1, 1), (0, 5)))


def _data(seed: int) -> tuple[dict[str, pd.Series], pd.DataFrame]:
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2021-01-01", periods=500)
    rm = rng.normal(0, 0.01, 500)
    returns = {"SPY": pd.Series(rm, index=dates)}
    for t in ("AAA", "BBB"):
        returns[t] = pd.Series(rng.normal(0, 0.002) + 1.1 * rm + rng.standard_t(4, 500) * 0.01, index=dates)
    pos = rng.choice(np.arange(260, 490), size=4, replace=False)
    events = pd.DataFrame(
        {"event_id": list("abcd"), "ticker": ["AAA", "BBB", "AAA", "BBB"], "day0": dates[pos]}
    )
    return returns, events


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), shift=st.floats(-0.01, 0.01), scale=st.floats(0.2, 5.0))
def test_affine_invariance(seed: int, shift: float, scale: float) -> None:
    """R -> scale * R + shift (stock only): the market model absorbs the shift in alpha; AR, CAR and se
    scale by ``scale``; t statistics, p-values and SQ p-values are unchanged (relative 1e-9)."""
    returns, events = _data(seed)
    base = EventStudy(SPEC).fit_returns(events, returns)
    moved = {k: (v * scale + shift if k != "SPY" else v) for k, v in returns.items()}
    other = EventStudy(SPEC).fit_returns(events, moved)
    np.testing.assert_allclose(other.cars["car"], scale * base.cars["car"], rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(other.cars["se"], scale * base.cars["se"], rtol=1e-9)
    np.testing.assert_allclose(other.cars["t_stat"], base.cars["t_stat"], rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(other.cars["sq_p_value"], base.cars["sq_p_value"], atol=1e-12)
    np.testing.assert_allclose(other.outcomes["r_squared"], base.outcomes["r_squared"], rtol=1e-9)


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000), perm_seed=st.integers(0, 1_000))
def test_event_order_is_irrelevant(seed: int, perm_seed: int) -> None:
    returns, events = _data(seed)
    base = EventStudy(SPEC).fit_returns(events, returns).cars.set_index(["event_id", "window"]).sort_index()
    order = np.random.default_rng(perm_seed).permutation(len(events))
    shuffled = EventStudy(SPEC).fit_returns(events.iloc[order].reset_index(drop=True), returns)
    other = shuffled.cars.set_index(["event_id", "window"]).sort_index()
    np.testing.assert_allclose(other[["car", "se", "t_stat"]], base[["car", "se", "t_stat"]], rtol=1e-12)
    assert list(shuffled.outcomes["event_id"]) == list(events["event_id"].iloc[order])


@settings(max_examples=10, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_prediction_error_variance_exceeds_residual_variance(seed: int) -> None:
    """x'(X'X)^{-1}x >= 0, so the prediction-error se is at least the residual-variance se, and the two
    agree within a few percent for 240 estimation days."""
    returns, events = _data(seed)
    pe = EventStudy(SPEC).fit_returns(events, returns).cars["se"].to_numpy()
    plain = EventStudy(StudySpec(windows=SPEC.windows, variance="residual")).fit_returns(events, returns)
    ratio = pe / plain.cars["se"].to_numpy()
    assert (ratio >= 1.0).all()
    assert (ratio < 1.05).all()
