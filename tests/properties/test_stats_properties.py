"""Properties every aggregate test must have: scale invariance, antisymmetry, order of events irrelevant."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealstudy.stats import AGGREGATE_TESTS, EventPanel
from dealstudy.stats.simulate import market_model_panel

WINDOWS = ((0, 0), (-1, 1), (0, 10))


def panel_for(seed: int, n: int) -> EventPanel:
    return market_model_panel(np.random.default_rng(seed), n, effect=0.005, missing=0.02)


def results(panel: EventPanel) -> dict[tuple[str, tuple[int, int]], tuple[float, float]]:
    return {
        (name, w): (t(panel, w).stat, t(panel, w).mean)
        for name, t in AGGREGATE_TESTS.items()
        for w in WINDOWS
    }


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 25), scale=st.floats(1e-3, 1e3))
def test_scale_invariance(seed: int, n: int, scale: float) -> None:
    # Every statistic is unchanged when all abnormal returns are multiplied by c > 0 (variances by c^2).
    panel = panel_for(seed, n)
    scaled = dataclasses.replace(
        panel,
        ar=panel.ar * scale,
        var_ar=panel.var_ar * scale**2,
        car_var=panel.car_var * scale**2,
        sigma=panel.sigma * scale,
    )
    base, other = results(panel), results(scaled)
    for key, (stat, mean) in base.items():
        assert other[key][0] == pytest.approx(stat, rel=1e-9, abs=1e-12, nan_ok=True), key
        assert other[key][1] == pytest.approx(mean * scale, rel=1e-9, nan_ok=True), key


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 25))
def test_antisymmetry(seed: int, n: int) -> None:
    # Negating every abnormal return negates every statistic: the t-type tests trivially, the sign tests
    # because w -> n - w and p_hat -> 1 - p_hat, the rank tests because rank -> M + 1 - rank.
    panel = panel_for(seed, n)
    flipped = dataclasses.replace(panel, ar=-panel.ar)
    base, other = results(panel), results(flipped)
    for key, (stat, _) in base.items():
        assert other[key][0] == pytest.approx(-stat, rel=1e-9, abs=1e-12, nan_ok=True), key


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(3, 25), perm_seed=st.integers(0, 1000))
def test_order_of_events_is_irrelevant(seed: int, n: int, perm_seed: int) -> None:
    panel = panel_for(seed, n)
    order = np.random.default_rng(perm_seed).permutation(n)
    shuffled = dataclasses.replace(
        panel,
        ar=panel.ar[order],
        var_ar=panel.var_ar[order],
        sigma=panel.sigma[order],
        nobs=panel.nobs[order],
        dof=panel.dof[order],
        car_var=panel.car_var[order],
        groups=panel.groups[order],
    )
    base, other = results(panel), results(shuffled)
    for key, (stat, mean) in base.items():
        assert other[key][0] == pytest.approx(stat, rel=1e-9, abs=1e-12, nan_ok=True), key
        assert other[key][1] == pytest.approx(mean, rel=1e-9, nan_ok=True), key


def test_synthetic_panel_follows_the_panel_contract() -> None:
    # The simulator used by the size/power tests fills the panel as the engine must: OLS residuals with an
    # intercept sum to zero, sigma^2 = SSR / (nobs - 2), event-day variances carry the prediction-error
    # factor (> sigma^2), and a one-day window's CAR variance is that day's AR variance.
    panel = market_model_panel(np.random.default_rng(3), 6, missing=0.03)
    est = panel.ar[:, panel.is_estimation]
    np.testing.assert_allclose(np.nansum(est, axis=1), 0.0, atol=1e-14)
    nobs = np.isfinite(est).sum(axis=1)
    np.testing.assert_array_equal(panel.nobs, nobs)
    np.testing.assert_allclose(panel.sigma**2, np.nansum(est**2, axis=1) / (nobs - 2), rtol=1e-12)
    event_var = panel.var_ar[:, panel.is_event]
    assert (event_var > panel.sigma[:, None] ** 2).all()
    singles = [panel.window_position((d, d)) for d in panel.rel_days[panel.is_event]]
    np.testing.assert_allclose(panel.car_var[:, singles], event_var, rtol=1e-14)
    # a multi-day CAR variance exceeds the sum of its days' residual variances (estimation error of alpha)
    pos = panel.window_position((-1, 1))
    assert (panel.car_var[:, pos] > 3 * panel.sigma**2).all()
