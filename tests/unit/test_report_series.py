"""Series behind the report's figures, checked against direct computation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dealstudy.report.series import TradingDays, caar_paths, event_path, price_window


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


def test_event_path_band_is_t_sigma_sqrt_l_without_engine_variance() -> None:
    """Without ``var_cum_ar`` (an older table): 0 ± t(0.975, dof) σ √L, L the days summed."""
    ar = pd.DataFrame({"event_time": range(-10, 11), "ar": [0.01] * 21})
    ar.loc[ar["event_time"] == 2, "ar"] = np.nan
    path = event_path(ar, sigma=0.02, dof=238)
    assert path.attrs["band"] == "sigma_sqrt_l"
    assert len(path) == 21
    np.testing.assert_allclose(path["car"].iloc[:12], 0.01 * np.arange(1, 13))
    assert np.isnan(path["car"].iloc[12])  # the missing day keeps NaN ...
    assert np.isnan(path["car_upper"].iloc[12])  # ... in the band too (a gap)
    assert path["car"].iloc[13] == pytest.approx(0.01 * 13, rel=1e-12)  # ... and adds nothing to the sum
    q = stats.t.ppf(0.975, 238)
    assert path["car_upper"].iloc[0] == pytest.approx(q * 0.02, rel=1e-12)
    assert path["car_upper"].iloc[20] == pytest.approx(q * 0.02 * math.sqrt(20), rel=1e-12)
    assert path["in_window"].iloc[:12].all()
    # unknown dof: the normal quantile
    assert event_path(ar, sigma=0.02)["car_upper"].iloc[0] == pytest.approx(1.959963984540054 * 0.02)


def test_event_path_uses_the_engine_variance_of_the_running_sum(rng: np.random.Generator) -> None:
    """With the engine's rows (display range -10..10, widest window -5..10, a missing day) the band is
    t(0.975, dof) sqrt(var_cum_ar) and the CAR is the engine's running sum; a path starting after the first
    row falls back to the approximation (the engine's sum would include days not shown)."""
    from dealstudy.study import EventStudy, StudySpec

    dates = pd.bdate_range("2020-01-01", periods=600)
    rm = rng.normal(0.0004, 0.01, dates.size)
    r = 0.0003 + 1.1 * rm + rng.normal(0, 0.02, dates.size)
    stock = 50 * np.cumprod(1 + r)
    stock[400 - 9] = np.nan  # no price on day -9: no AR on -9 and -8
    prices = {"SPY": pd.Series(100 * np.cumprod(1 + rm), index=dates), "AAA": pd.Series(stock, index=dates)}
    events = pd.DataFrame({"event_id": ["a"], "ticker": ["AAA"], "day0": [dates[400]]})
    res = EventStudy(StudySpec()).fit(events, prices)
    rows, dof = res.abnormal_returns, float(res.outcomes.loc[0, "dof"])
    path = event_path(rows, float(res.outcomes.loc[0, "sigma"]), dof=dof).set_index("event_time")
    assert res.cars.set_index("window").loc["-5:5", "car"] == pytest.approx(
        path.loc[5, "car"] - path.loc[-6, "car"], rel=1e-10
    )
    engine = rows.set_index("event_time")
    assert path.attrs["band"] == "prediction_error"
    np.testing.assert_allclose(path.loc[engine.index, "car"], engine["cum_ar"], rtol=1e-12)
    q = stats.t.ppf(0.975, dof)
    np.testing.assert_allclose(
        path.loc[engine.index, "car_upper"], q * np.sqrt(engine["var_cum_ar"]), rtol=1e-12
    )
    assert path.loc[[-9, -8], ["ar", "car", "car_upper"]].isna().all().all()
    assert list(path.index[~path["in_window"]]) == [-10, -9, -8, -7, -6]
    # the band is wider than the σ√L approximation (it adds the parameters' estimation error)
    approx = event_path(rows.drop(columns="var_cum_ar"), float(res.outcomes.loc[0, "sigma"]), dof=dof)
    assert (path["car_upper"].dropna().to_numpy() > approx["car_upper"].dropna().to_numpy()).all()
    assert event_path(rows, 0.02, dof=dof, days=(-5, 10)).attrs["band"] == "sigma_sqrt_l"


def _event_path_by_reindex(
    abnormal_returns: pd.DataFrame, sigma: float, dof: float, days: tuple[int, int]
) -> pd.DataFrame:
    """:func:`event_path` as it was written with pandas (drop_duplicates, set_index, reindex, scipy.stats):
    the figure cache's keys are the pickles of its output, so the faster version must give the same."""
    first, last = days
    rows = abnormal_returns.drop_duplicates("event_time").set_index("event_time")
    frame = rows.reindex(range(first, last + 1))
    ar = frame["ar"].to_numpy(dtype=float)
    present = np.isfinite(ar)
    car = np.where(present, np.nancumsum(ar), np.nan)
    q = stats.t.ppf(0.975, dof) if math.isfinite(dof) and dof > 0 else stats.norm.ppf(0.975)
    exact = "var_cum_ar" in rows.columns and not (rows.index < first).any()
    if exact:
        half = q * np.sqrt(frame["var_cum_ar"].to_numpy(dtype=float))
    elif math.isfinite(sigma):
        half = np.where(present, q * sigma * np.sqrt(np.cumsum(present)), np.nan)
    else:
        half = np.full(len(ar), np.nan)
    if "in_window" in rows.columns:
        in_window = frame["in_window"].astype("boolean").fillna(False).to_numpy(dtype=bool)
    else:
        in_window = present
    columns = {"event_time": np.arange(first, last + 1), "ar": ar, "car": car}
    path = pd.DataFrame(columns | {"car_lower": -half, "car_upper": half, "in_window": in_window})
    path.attrs["band"] = "prediction_error" if exact else "sigma_sqrt_l"
    return path


@pytest.mark.parametrize("dof", [238.0, 3.0, 0.5, math.nan, math.inf, 0.0, -2.0])
@pytest.mark.parametrize("days", [(-10, 10), (-3, 5), (-12, 12)])
def test_event_path_is_the_reindexed_path_to_the_bit(rng: np.random.Generator, dof: float, days) -> None:
    """Repeated, missing and out-of-range days, NaN returns, in_window with gaps or missing, with and
    without ``var_cum_ar``: the same frame, pickled byte for byte (the figure cache's key), as the pandas
    version."""
    import pickle

    times = [-11, -10, -10, -9, -7, -6, -6, -5, -4, -3, -1, 0, 1, 2, 3, 4, 6, 8, 9, 10, 11]
    full = pd.DataFrame(
        {
            "event_id": "e",
            "event_time": times,
            "ar": rng.normal(0.0, 0.02, len(times)),
            "in_window": [abs(t) <= 2 for t in times],
            "var_cum_ar": rng.uniform(1e-4, 1e-2, len(times)).cumsum(),
        }
    )
    full.loc[[4, 12], "ar"] = np.nan
    gappy = full.astype({"in_window": object})
    gappy.loc[[3, 11], "in_window"] = None
    inside = full[full["event_time"].between(-10, 10)]  # no row before day -10: the engine's variance
    cases = [full, gappy, inside, inside.drop(columns="in_window"), inside.drop(columns="var_cum_ar")]
    cases += [inside.astype({"event_time": float}), inside.iloc[::-1], full.iloc[:0]]
    for rows in cases:
        for sigma in (0.02, math.nan):
            got = event_path(rows, sigma, dof=dof, days=days)
            want = _event_path_by_reindex(rows, sigma, dof, days)
            assert got.attrs == want.attrs
            assert pickle.dumps(got, protocol=5) == pickle.dumps(want, protocol=5)
    assert event_path(inside, 0.02, dof=dof).attrs["band"] == "prediction_error"  # both bands were compared


def test_price_window_by_trading_day_position() -> None:
    dates = pd.bdate_range("2025-01-01", periods=100)
    closes = pd.Series(np.arange(100.0), index=dates)
    out = price_window(closes, dates[5], days=(-30, 30))
    assert out["event_time"].iloc[0] == -5  # clipped at the start of the data
    assert out["event_time"].iloc[-1] == 30
    assert out.loc[out["event_time"] == 0, "close"].item() == 5.0
    assert price_window(closes, pd.Timestamp("2030-01-01")).empty


def test_trading_days_give_each_event_its_own_window() -> None:
    """Prices cleaned once (NaN days dropped, dates sorted) serve several days 0: each window counts
    trading days from its own day 0, and a day 0 that is not a trading day gives an empty window."""
    dates = pd.bdate_range("2025-01-01", periods=80)
    closes = pd.Series(np.arange(80.0), index=dates)
    closes.iloc[[10, 11]] = np.nan  # no trade: not a trading day of the window
    shuffled = closes.iloc[np.random.default_rng(3).permutation(80)]
    prepared = TradingDays(shuffled)
    out = prepared.window(dates[20], days=(-10, 5))
    assert out["event_time"].tolist() == list(range(-10, 6))
    assert out["close"].tolist() == [8.0, 9.0, *np.arange(12.0, 26.0)]  # days 10 and 11 skipped
    assert out["date"].iloc[10] == dates[20]
    late = prepared.window(dates[75], days=(-2, 30))
    assert late["close"].tolist() == [73.0, 74.0, 75.0, 76.0, 77.0, 78.0, 79.0]  # clipped at the end
    assert prepared.window(dates[10]).empty  # its close is missing
    assert prepared.window(pd.Timestamp("2025-01-04")).empty  # a Saturday
    for day0 in (dates[20], dates[75], dates[0], dates[10]):
        assert prepared.window(day0).equals(price_window(shuffled, day0))


def test_caar_paths_leave_out_bands_of_small_classes(rng: np.random.Generator) -> None:
    ar = _ar_frame(rng, 4)
    out = caar_paths(ar, dict.fromkeys(["e0", "e1", "e2", "e3"], "binding"))  # default: bands from n = 5
    assert out["caar"].notna().all()
    assert out["lower"].isna().all()
