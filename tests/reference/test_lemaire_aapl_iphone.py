"""Golden test: J.-B. Lemaire's ``eventstudy`` package, AAPL iPhone announcement 2007-01-09.

Provenance: ``../shared/reference_cases/lemaire_eventstudy_aapl_iphone_2007/`` (see the README there). Inputs
are the package's ``example/returns_GAFAM.csv`` (daily simple returns, trading days only); the expected values
are ``derived_full_precision.csv`` (10 significant digits, agreeing with the notebook's printed table to every
digit) and alpha/beta from the README.

Matching conventions: returns given (``EventStudy.fit_returns``), market model on SPY, estimation 300 rows
ending 31 rows before day -2 (relative days -332..-33), CARs cumulated from day -2 (windows ``-2:k``),
``sigma_ddof="none"`` (population sd of the residuals) and ``variance="residual"`` (Var(CAR) = L sigma^2).
The prediction-error standardized AR column uses the default sigma (SSR / (nobs - 2)).

Tolerance: relative 2e-9 (the expected values carry 10 significant digits).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dealstudy.study import EventStudy, StudyResults, StudySpec

pytestmark = pytest.mark.shared

CASE = "lemaire_eventstudy_aapl_iphone_2007"
RTOL = 2e-9
WINDOWS = tuple((-2, k) for k in range(-2, 11))


def _fit(reference_dir: Path, **options: Any) -> tuple[StudyResults, pd.DataFrame]:
    folder = reference_dir / CASE
    returns = pd.read_csv(folder / "returns_GAFAM.csv", index_col="date", parse_dates=True)
    expected = pd.read_csv(folder / "derived_full_precision.csv")
    events = pd.DataFrame({"event_id": ["iphone"], "ticker": ["AAPL"], "day0": [pd.Timestamp("2007-01-09")]})
    spec = StudySpec(model="market", estimation=(-332, -33), min_obs=300, windows=WINDOWS, **options)
    results = EventStudy(spec).fit_returns(events, {"AAPL": returns["AAPL"], "SPY": returns["SPY"]})
    return results, expected


def test_lemaire_model_fit(reference_dir: Path) -> None:
    results, _ = _fit(reference_dir, variance="residual", sigma_ddof="none")
    row = results.outcomes.iloc[0]
    assert row["outcome"] == "ok"
    assert row["estimation_obs"] == 300
    assert row["alpha"] == pytest.approx(0.001358411578, rel=1e-9)
    assert row["beta"] == pytest.approx(1.523939112, rel=1e-9)


def test_lemaire_ar_car_se_t(reference_dir: Path) -> None:
    results, expected = _fit(reference_dir, variance="residual", sigma_ddof="none")
    ars = results.abnormal_returns
    ars = ars[ars["event_time"] >= -2]
    np.testing.assert_array_equal(ars["event_time"].to_numpy(), expected["rel_day"].to_numpy())
    assert list(ars["date"].dt.strftime("%Y-%m-%d")) == list(expected["date"])
    np.testing.assert_allclose(ars["ar"].to_numpy(), expected["AR"].to_numpy(), rtol=RTOL, atol=1e-12)
    cars = results.cars
    assert list(cars["window"]) == [f"-2:{k}" for k in range(-2, 11)]
    np.testing.assert_allclose(cars["car"].to_numpy(), expected["CAR"].to_numpy(), rtol=RTOL, atol=1e-12)
    np.testing.assert_allclose(cars["se"].to_numpy(), expected["SE_CAR_lemaire"].to_numpy(), rtol=RTOL)
    np.testing.assert_allclose(cars["t_stat"].to_numpy(), expected["t_lemaire"].to_numpy(), rtol=RTOL)
    # Lemaire's SE of a single AR is sigma (ddof 0): 0.02244606119 on every day.
    sd_ar = np.sqrt(ars["var_ar"].to_numpy())
    np.testing.assert_allclose(sd_ar, 0.02244606119, rtol=RTOL)


def test_lemaire_prediction_error_standardized_ar(reference_dir: Path) -> None:
    results, expected = _fit(reference_dir, variance="prediction_error", sigma_ddof="model")
    ars = results.abnormal_returns
    ars = ars[ars["event_time"] >= -2]
    sar = (ars["ar"] / np.sqrt(ars["var_ar"])).to_numpy()
    np.testing.assert_allclose(sar, expected["SAR_CLM_prediction_error"].to_numpy(), rtol=RTOL, atol=1e-12)
    # and the residual-variance t differs: the prediction-error term matters at the 1e-3 level here
    plain = _fit(reference_dir, variance="residual", sigma_ddof="model")[0]
    plain_ar = plain.abnormal_returns
    plain_sar = (plain_ar["ar"] / np.sqrt(plain_ar["var_ar"])).to_numpy()[-13:]
    assert np.max(np.abs(plain_sar - sar)) > 1e-4
