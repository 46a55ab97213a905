"""Series behind the report's figures, checked against direct computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dealstudy.report.series import caar_paths, event_path, price_window


def _ar_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    rows = []
    for i in range(n):
        for t in range(-10, 11):
            rows.append({"event_id": f"e{i}", "event_time": t, "ar": float(rng.normal(0.001 * i, 0.02))})
    return pd.DataFrame(rows)


def test_caar_paths_match_hand_computation(rng: np.random.Generator) -> None:
    ar = _ar_frame(rng, 5)
    ar = ar[~((ar["event_id"] == "e4") & (ar["event_time"] == 3))]  # e4 lacks a day: left out
    groups = {"e0": "binding", "e1": "binding", "e2": "binding", "e3": "non_binding", "e4": "binding"}
    out = caar_paths(ar, groups, min_band_n=2)
    binding = out[out["binding_class"] == "binding"].set_index("event_time")
    wide = ar[ar["event_id"].isin(["e0", "e1", "e2"])].pivot_table(
        index="event_id", columns="event_time", values="ar"
    )
    paths = wide.to_numpy().cumsum(axis=1)
    mean = paths.mean(axis=0)
    half = stats.t.ppf(0.975, 2) * paths.std(axis=0, ddof=1) / math.sqrt(3)
    np.testing.assert_allclose(binding["caar"].to_numpy(), mean, rtol=1e-12)
    np.testing.assert_allclose(binding["upper"].to_numpy(), mean + half, rtol=1e-12)
    assert set(binding["n"]) == {3}
    single = out[out["binding_class"] == "non_binding"]
    assert single["lower"].isna().all()  # n = 1: no band, never a crash
    assert single["caar"].notna().all()


def test_event_path_band_is_z_sigma_sqrt_l() -> None:
    ar = pd.DataFrame({"event_time": range(-10, 11), "ar": [0.01] * 21})
    ar.loc[ar["event_time"] == 2, "ar"] = np.nan
    path = event_path(ar, sigma=0.02)
    assert len(path) == 21
    np.testing.assert_allclose(path["car"].iloc[:12], 0.01 * np.arange(1, 13))
    assert np.isnan(path["car"].iloc[12])  # the missing day keeps NaN ...
    assert path["car"].iloc[13] == pytest.approx(0.01 * 13, rel=1e-12)  # ... and adds nothing to the sum
    np.testing.assert_allclose(path["car_upper"].iloc[0], 1.959963984540054 * 0.02)
    np.testing.assert_allclose(path["car_upper"].iloc[20], 1.959963984540054 * 0.02 * math.sqrt(20))


def test_price_window_by_trading_day_position() -> None:
    dates = pd.bdate_range("2025-01-01", periods=100)
    closes = pd.Series(np.arange(100.0), index=dates)
    out = price_window(closes, dates[5], days=(-30, 30))
    assert out["event_time"].iloc[0] == -5  # clipped at the start of the data
    assert out["event_time"].iloc[-1] == 30
    assert out.loc[out["event_time"] == 0, "close"].item() == 5.0
    assert price_window(closes, pd.Timestamp("2030-01-01")).empty


def test_caar_paths_leave_out_bands_of_small_classes(rng: np.random.Generator) -> None:
    ar = _ar_frame(rng, 4)
    out = caar_paths(ar, dict.fromkeys(["e0", "e1", "e2", "e3"], "binding"))  # default: bands from n = 5
    assert out["caar"].notna().all()
    assert out["lower"].isna().all()
