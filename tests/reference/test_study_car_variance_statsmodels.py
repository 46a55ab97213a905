"""Independent review: the engine's prediction-error variance of ARs and CARs against statsmodels.

One real event: AMD on 2025-10-06 (the AMD-OpenAI announcement), simple returns from adjusted closes of the
snapshot ``../shared/data/prices`` (read through the ``prices_dir`` fixture), the engine's default
specification (estimation -250..-11, windows 0:0, -1:1, 0:1, -5:5, 0:10, prediction-error variance) with three
expected-return models: the market model on SPY, the custom model on SPY and SMH (two slopes: the matrix form
of the prediction-error term) and the constant mean.

Reference: ``statsmodels.OLS`` fitted on the same estimation rows; with ``s^2 = SSR / (T - k)`` and
``Cov(b) = s^2 (X'X)^{-1}`` (``cov_params()``), the variance of an event-day AR is ``s^2 + se_mean_t^2``
(``get_prediction(x_t).se_mean``) and that of a CAR over the ``L`` days of window ``w`` is

    Var(CAR) = L s^2 + 1' X_w Cov(b) X_w' 1 = L s^2 + se_mean(sum_t x_t)^2

(Campbell, Lo and MacKinlay 1997, sec. 4.4.3; MacKinlay 1997, eq. 8 and 13). Tolerance: relative 1e-10.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from dealstudy.study import EventStudy, StudySpec

pytestmark = pytest.mark.shared

DAY0 = pd.Timestamp("2025-10-06")
RTOL = 1e-10


def _adj_close(prices_dir: Path, symbol: str) -> pd.Series:
    frame = pd.read_csv(prices_dir / f"{symbol}.csv", index_col="date", parse_dates=True)
    return frame["adj_close"].astype(float)


MODELS = {
    "market": (StudySpec(), ("SPY",)),
    "custom": (StudySpec(model="custom", benchmarks=("SPY", "SMH")), ("SPY", "SMH")),
    "constant_mean": (StudySpec(model="constant_mean"), ()),
}


def _design(frame: pd.DataFrame, regressors: tuple[str, ...]) -> np.ndarray:
    """``[1, R_1, ..., R_m]`` rows (a column of ones alone for the constant-mean model)."""
    ones = np.ones((len(frame), 1))
    return np.hstack([ones, frame[list(regressors)].to_numpy()]) if regressors else ones


@pytest.mark.parametrize("model", sorted(MODELS))
def test_car_se_equals_statsmodels_prediction_variance(prices_dir: Path, model: str) -> None:
    spec, regressors = MODELS[model]
    amd = _adj_close(prices_dir, "AMD")
    bench = {sym: _adj_close(prices_dir, sym) for sym in ("SPY", "SMH")}
    events = pd.DataFrame({"event_id": ["amd-openai"], "ticker": ["AMD"], "day0": [DAY0]})
    res = EventStudy(spec).fit(events, {"AMD": amd, **bench})
    assert res.outcomes["outcome"].tolist() == ["ok"]

    for series in bench.values():
        assert amd.index.equals(series.index)  # same sessions: returns line up row by row
    frame = pd.DataFrame({"r": amd.pct_change(), **{s: v.pct_change() for s, v in bench.items()}})
    p0 = int(np.flatnonzero(frame.index == DAY0)[0])
    est = frame.iloc[p0 + spec.estimation[0] : p0 + spec.estimation[1] + 1]
    assert len(est) == 240
    assert est.notna().all().all()
    fit = sm.OLS(est["r"].to_numpy(), _design(est, regressors)).fit()
    s2 = float(fit.scale)  # SSR / (T - k)
    cov = fit.cov_params()
    assert fit.df_resid == 240 - 1 - len(regressors)

    out = res.outcomes.iloc[0]
    assert out["alpha"] == pytest.approx(fit.params[0], rel=1e-9)
    if model == "market":
        assert out["beta"] == pytest.approx(fit.params[1], rel=RTOL)
    assert out["sigma"] == pytest.approx(np.sqrt(s2), rel=RTOL)

    cars = res.cars.set_index("window")
    for a, b in spec.windows:
        rows = frame.iloc[p0 + a : p0 + b + 1]
        xw = _design(rows, regressors)
        ones = np.ones(len(rows))
        quad = float(ones @ xw @ cov @ xw.T @ ones)  # 1' X_w Cov(b) X_w' 1
        se_sum = float(fit.get_prediction(xw.sum(axis=0, keepdims=True)).se_mean[0])
        assert se_sum**2 == pytest.approx(quad, rel=1e-12)
        var_car = len(rows) * s2 + quad
        car = float((rows["r"] - fit.predict(xw)).sum())
        key = f"{a}:{b}"
        assert cars.loc[key, "se"] == pytest.approx(np.sqrt(var_car), rel=RTOL), key
        assert cars.loc[key, "car"] == pytest.approx(car, rel=1e-9, abs=1e-13), key

    ars = res.abnormal_returns.set_index("event_time")
    widest = spec.widest_window
    rows = frame.iloc[p0 + widest[0] : p0 + widest[1] + 1]
    se_mean = fit.get_prediction(_design(rows, regressors)).se_mean
    for j, day in enumerate(range(widest[0], widest[1] + 1)):
        assert ars.loc[day, "var_ar"] == pytest.approx(s2 + se_mean[j] ** 2, rel=RTOL), day
