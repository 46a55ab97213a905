"""Equivalence tests of the event-study engine against independent computations.

Each test builds seeded synthetic prices and checks the engine against a hand-written or statsmodels
computation; tolerances are stated per test.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from dealstudy.study import EventStudy, StudySpec
from dealstudy.study.ols import batch_ols, scholes_williams_beta

EST = (-250, -11)


def synth_prices(
    rng: np.random.Generator, n_days: int = 700, tickers: tuple[str, ...] = ("AAA", "BBB"), scale: float = 1.0
) -> tuple[pd.DatetimeIndex, dict[str, pd.Series]]:
    """Market-model prices: r = a + b r_m + e on business days."""
    dates = pd.bdate_range("2020-01-01", periods=n_days)
    rm = rng.normal(0.0004 * scale, 0.01 * scale, n_days)
    rm[0] = 0.0
    prices = {"SPY": pd.Series(100 * np.cumprod(1 + rm), index=dates)}
    for j, t in enumerate(tickers):
        r = 0.0003 * scale + (0.8 + 0.4 * j) * rm + rng.normal(0, 0.02 * scale, n_days)
        r[0] = 0.0
        prices[t] = pd.Series(50 * np.cumprod(1 + r), index=dates)
    return dates, prices


def events_frame(rows: list[tuple[str, str, pd.Timestamp]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["event_id", "ticker", "day0"])


def returns_of(prices: dict[str, pd.Series]) -> dict[str, pd.Series]:
    return {k: v.pct_change() for k, v in prices.items()}


def test_market_model_with_alpha0_beta1_equals_market_adjusted(rng: np.random.Generator) -> None:
    """Make R = R_m + e with e orthogonal to [1, R_m] on the estimation sample: OLS then gives alpha 0,
    beta 1 exactly, and the market model's ARs must equal the market-adjusted ARs (to 1e-12)."""
    dates, prices = synth_prices(rng, tickers=("AAA",))
    rets = returns_of(prices)
    rm = rets["SPY"].to_numpy()
    day0_pos = 400
    est = slice(day0_pos - 250, day0_pos - 10)
    e = rng.normal(0, 0.015, len(dates))
    X = np.column_stack([np.ones(240), rm[est]])
    e_est = e[est] - X @ np.linalg.lstsq(X, e[est], rcond=None)[0]  # orthogonal to [1, R_m]
    e[est] = e_est
    r = rm + e
    r[0] = np.nan
    returns = {"AAA": pd.Series(r, index=dates), "SPY": rets["SPY"]}
    ev = events_frame([("e1", "AAA", dates[day0_pos])])
    mm = EventStudy(StudySpec(model="market")).fit_returns(ev, returns)
    ma = EventStudy(StudySpec(model="market_adjusted")).fit_returns(ev, returns)
    o = mm.outcomes.iloc[0]
    assert o["alpha"] == pytest.approx(0.0, abs=1e-14)
    assert o["beta"] == pytest.approx(1.0, abs=1e-12)
    np.testing.assert_allclose(mm.abnormal_returns["ar"], ma.abnormal_returns["ar"], atol=1e-12)
    # rows: the display range -10..10 (the default ar_range), beyond the widest window -5..10
    np.testing.assert_allclose(ma.abnormal_returns["ar"], (r - rm)[day0_pos - 10 : day0_pos + 11], atol=1e-15)
    np.testing.assert_allclose(mm.cars["car"], ma.cars["car"], atol=1e-12)
    # same residuals, different dof: sigma_mm^2 (n - 2) = sigma_ma^2 n
    s_mm, s_ma = mm.outcomes.loc[0, "sigma"], ma.outcomes.loc[0, "sigma"]
    assert s_mm**2 * 238 == pytest.approx(s_ma**2 * 240, rel=1e-12)
    assert ma.outcomes.loc[0, "alpha"] == 0.0
    assert ma.outcomes.loc[0, "beta"] == 1.0
    assert np.isnan(ma.outcomes.loc[0, "r_squared"])


def test_one_day_car_equals_ar(rng: np.random.Generator) -> None:
    dates, prices = synth_prices(rng)
    ev = events_frame([("a", "AAA", dates[400]), ("b", "BBB", dates[500])])
    res = EventStudy(StudySpec(windows=((0, 0), (2, 2), (-1, 1)))).fit(ev, prices)
    ars = res.abnormal_returns.set_index(["event_id", "event_time"])
    for window, day in (("0:0", 0), ("2:2", 2)):
        cars = res.cars[res.cars["window"] == window].set_index("event_id")
        for eid in ("a", "b"):
            assert cars.loc[eid, "car"] == pytest.approx(ars.loc[(eid, day), "ar"], abs=1e-15)
            assert cars.loc[eid, "bhar"] == pytest.approx(ars.loc[(eid, day), "ar"], abs=1e-15)
            assert cars.loc[eid, "se"] ** 2 == pytest.approx(ars.loc[(eid, day), "var_ar"], rel=1e-12)


def test_bhar_equals_car_to_first_order(rng: np.random.Generator) -> None:
    """|BHAR - CAR| is second order in the returns: below 1e-4 with daily sd ~ 2e-4 over 11 days, and it
    grows ~ 100x when returns are 10x larger (ratio between 20 and 500)."""
    gaps = []
    for scale in (0.01, 0.1):
        dates, prices = synth_prices(np.random.default_rng(7), scale=scale)
        ev = events_frame([("a", "AAA", dates[400]), ("b", "BBB", dates[450])])
        res = EventStudy(StudySpec(windows=((-5, 5), (0, 10)))).fit(ev, prices)
        gaps.append(float(np.max(np.abs(res.cars["bhar"] - res.cars["car"]))))
    assert 0 < gaps[0] < 1e-4
    assert 20 < gaps[1] / gaps[0] < 500


def test_batch_ols_equals_statsmodels(rng: np.random.Generator) -> None:
    """Batched normal equations with masks vs statsmodels OLS per event (params, SSR to 1e-10 relative)."""
    n, t, k = 6, 200, 3
    X = np.concatenate([np.ones((n, t, 1)), rng.normal(0, 0.01, (n, t, k - 1))], axis=2)
    beta = rng.normal(0, 1, (n, k))
    y = np.einsum("ntk,nk->nt", X, beta) + rng.normal(0, 0.02, (n, t))
    mask = rng.random((n, t)) > 0.2
    X[~mask] = np.nan  # masked values must be ignored
    fit = batch_ols(X, y, mask)
    for i in range(n):
        ref = sm.OLS(y[i, mask[i]], X[i, mask[i]]).fit()
        np.testing.assert_allclose(fit.params[i], ref.params, rtol=1e-10, atol=1e-12)
        assert fit.ssr[i] == pytest.approx(ref.ssr, rel=1e-10)
        assert fit.nobs[i] == ref.nobs
        np.testing.assert_allclose(fit.xtx_inv[i], ref.normalized_cov_params, rtol=1e-9)


def test_engine_fit_equals_statsmodels_per_event(rng: np.random.Generator) -> None:
    """The engine's alpha, beta, sigma and R^2 vs statsmodels on the estimation sample rebuilt with pandas
    (missing prices punched into the estimation window), to 1e-10 relative."""
    dates, prices = synth_prices(rng, tickers=("AAA", "BBB", "CCC"))
    holes = rng.choice(np.arange(150, 380), size=12, replace=False)
    prices["AAA"].iloc[holes] = np.nan
    day0s = [("a", "AAA", 400), ("b", "BBB", 420), ("c", "CCC", 610), ("d", "AAA", 680)]
    ev = events_frame([(e, t, dates[p]) for e, t, p in day0s])
    res = EventStudy(StudySpec()).fit(ev, prices)
    assert (res.outcomes["outcome"] == "ok").all()
    for i, (_eid, tick, p) in enumerate(day0s):
        r = prices[tick] / prices[tick].shift(1) - 1  # NaN on a hole and on the day after it
        rm = prices["SPY"].pct_change()
        sample = pd.DataFrame({"r": r, "rm": rm}).iloc[p - 250 : p - 10].dropna()
        ref = sm.OLS(sample["r"], sm.add_constant(sample["rm"])).fit()
        o = res.outcomes.iloc[i]
        assert o["estimation_obs"] == len(sample)
        assert o["alpha"] == pytest.approx(ref.params["const"], rel=1e-10)
        assert o["beta"] == pytest.approx(ref.params["rm"], rel=1e-10)
        assert o["sigma"] == pytest.approx(np.sqrt(ref.scale), rel=1e-10)
        assert o["r_squared"] == pytest.approx(ref.rsquared, rel=1e-10)
    assert res.outcomes.loc[0, "estimation_obs"] < 240  # the holes cost observations


def test_prediction_error_variance_equals_matrix_formula(rng: np.random.Generator) -> None:
    """var(CAR) = 1' V 1 with V = sigma^2 (I + X_w (X'X)^{-1} X_w') (Campbell, Lo and MacKinlay 1997,
    eq. 4.4.8-4.4.9), computed directly; and var(AR_t) = diag(V). Relative 1e-10."""
    dates, prices = synth_prices(rng, tickers=("AAA",))
    p = 420
    ev = events_frame([("a", "AAA", dates[p])])
    res = EventStudy(StudySpec(windows=((-5, 5), (0, 10), (0, 1)))).fit(ev, prices)
    r = prices["AAA"].pct_change().to_numpy()
    rm = prices["SPY"].pct_change().to_numpy()
    Xe = np.column_stack([np.ones(240), rm[p - 250 : p - 10]])
    b, *_ = np.linalg.lstsq(Xe, r[p - 250 : p - 10], rcond=None)
    s2 = np.sum((r[p - 250 : p - 10] - Xe @ b) ** 2) / 238
    inv = np.linalg.inv(Xe.T @ Xe)
    for a, z in ((-5, 5), (0, 10), (0, 1)):
        Xw = np.column_stack([np.ones(z - a + 1), rm[p + a : p + z + 1]])
        V = s2 * (np.eye(z - a + 1) + Xw @ inv @ Xw.T)
        se = res.cars.set_index("window").loc[f"{a}:{z}", "se"]
        assert se**2 == pytest.approx(V.sum(), rel=1e-10)
        car = np.sum(r[p + a : p + z + 1] - Xw @ b)
        assert res.cars.set_index("window").loc[f"{a}:{z}", "car"] == pytest.approx(car, rel=1e-10)
    # AR rows: the display range -10..10 (default ar_range); the running sum's variance is 1' V 1 over the
    # leading block of V (the CAR variance formula for the days -10..t)
    Xw = np.column_stack([np.ones(21), rm[p - 10 : p + 11]])
    V = s2 * (np.eye(21) + Xw @ inv @ Xw.T)
    ars = res.abnormal_returns
    np.testing.assert_array_equal(ars["event_time"], np.arange(-10, 11))
    np.testing.assert_allclose(ars["var_ar"], np.diag(V), rtol=1e-10)
    cum = [V[: j + 1, : j + 1].sum() for j in range(21)]
    np.testing.assert_allclose(ars["var_cum_ar"], cum, rtol=1e-10)
    np.testing.assert_allclose(ars["cum_ar"], np.cumsum(r[p - 10 : p + 11] - Xw @ b), rtol=1e-10, atol=1e-15)
    # residual variance: plain sigma^2 and L sigma^2
    plain = EventStudy(StudySpec(windows=((-5, 5),), variance="residual")).fit(ev, prices)
    assert plain.cars.loc[0, "se"] ** 2 == pytest.approx(11 * s2, rel=1e-10)
    np.testing.assert_allclose(plain.abnormal_returns["var_ar"], s2, rtol=1e-10)
    np.testing.assert_allclose(plain.abnormal_returns["var_cum_ar"], s2 * np.arange(1, 22), rtol=1e-10)


def test_estimation_excludes_other_event_windows_of_same_ticker(rng: np.random.Generator) -> None:
    """Event b (day 0 at 300) lies in event a's estimation window (day 0 at 400): b's widest window
    -5..+10 (16 days) must be dropped from a's estimation sample, and not from c's (another ticker)."""
    dates, prices = synth_prices(rng)
    ev = events_frame([("a", "AAA", dates[400]), ("b", "AAA", dates[300]), ("c", "BBB", dates[400])])
    res = EventStudy(StudySpec()).fit(ev, prices)
    out = res.outcomes.set_index("event_id")
    assert out.loc["a", "estimation_obs"] == 240 - 16
    assert out.loc["a", "estimation_excluded"] == 16
    assert out.loc["c", "estimation_obs"] == 240
    # b's own estimation window (50..289) does not reach a's window (395..410)
    assert out.loc["b", "estimation_obs"] == 240
    r = prices["AAA"].pct_change()
    rm = prices["SPY"].pct_change()
    keep = np.r_[150:295, 311:390]  # 150..389 minus 295..310
    ref = sm.OLS(r.iloc[keep].to_numpy(), sm.add_constant(rm.iloc[keep].to_numpy())).fit()
    assert out.loc["a", "beta"] == pytest.approx(ref.params[1], rel=1e-10)
    # the panel shows the excluded days as missing estimation residuals
    row = res.panel_event_ids.index("a")
    cols = [res.panel.day_index(d) for d in range(-105, -89)]  # positions 295..310 relative to 400
    assert np.isnan(res.panel.ar[row, cols]).all()
    assert np.isfinite(res.panel.ar[row, res.panel.day_index(-106)])


def test_overlapping_windows_are_kept_and_flagged(rng: np.random.Generator) -> None:
    dates, prices = synth_prices(rng)
    ev = events_frame([("a", "AAA", dates[400]), ("b", "AAA", dates[405]), ("c", "AAA", dates[500])])
    res = EventStudy(StudySpec()).fit(ev, prices)
    out = res.outcomes.set_index("event_id")
    assert list(out["outcome"]) == ["ok", "ok", "ok"]
    assert out.loc["a", "overlaps"] == "b"
    assert out.loc["b", "overlaps"] == "a"
    assert out.loc["c", "overlaps"] == ""


def test_factor_model_adds_rf_back(rng: np.random.Generator) -> None:
    """ff3: OLS of R - rf on the factors; E[R] = rf + alpha + b'f. Checked against statsmodels."""
    dates, prices = synth_prices(rng, tickers=("AAA",))
    n = len(dates)
    factors = pd.DataFrame(
        {
            "mkt_rf": prices["SPY"].pct_change().fillna(0).to_numpy() - 0.0001,
            "smb": rng.normal(0, 0.005, n),
            "hml": rng.normal(0, 0.005, n),
            "rf": np.full(n, 0.0001),
        },
        index=dates,
    )
    p = 450
    ev = events_frame([("a", "AAA", dates[p])])
    res = EventStudy(StudySpec(model="ff3")).fit(ev, prices, factors=factors)
    r = prices["AAA"].pct_change().to_numpy()
    y = r[p - 250 : p - 10] - 0.0001
    X = sm.add_constant(factors[["mkt_rf", "smb", "hml"]].to_numpy()[p - 250 : p - 10])
    ref = sm.OLS(y, X).fit()
    o = res.outcomes.iloc[0]
    np.testing.assert_allclose(
        [o["alpha"], o["beta_mkt_rf"], o["beta_smb"], o["beta_hml"]], ref.params, rtol=1e-10
    )
    assert o["beta"] == o["beta_mkt_rf"]
    f_ev = factors[["mkt_rf", "smb", "hml"]].to_numpy()[p - 5 : p + 11]
    expected = 0.0001 + ref.params[0] + f_ev @ ref.params[1:]
    in_window = res.abnormal_returns[res.abnormal_returns["in_window"]]
    np.testing.assert_allclose(in_window["expected_return"], expected, rtol=1e-10)
    with pytest.raises(Exception, match="percent"):
        EventStudy(StudySpec(model="ff3")).fit(ev, prices, factors=factors * 100)
    with pytest.raises(Exception, match="mom"):
        EventStudy(StudySpec(model="carhart")).fit(ev, prices, factors=factors)


def test_custom_model_two_benchmarks(rng: np.random.Generator) -> None:
    dates, prices = synth_prices(rng, tickers=("AAA", "SMH"))
    p = 450
    ev = events_frame([("a", "AAA", dates[p])])
    res = EventStudy(StudySpec(model="custom", benchmarks=("SPY", "SMH"))).fit(ev, prices)
    rets = pd.DataFrame({k: v.pct_change() for k, v in prices.items()}).iloc[p - 250 : p - 10]
    ref = sm.OLS(rets["AAA"], sm.add_constant(rets[["SPY", "SMH"]])).fit()
    o = res.outcomes.iloc[0]
    np.testing.assert_allclose([o["alpha"], o["beta_SPY"], o["beta_SMH"]], ref.params, rtol=1e-10)
    assert o["market"] == "SPY+SMH"


def test_constant_mean_model(rng: np.random.Generator) -> None:
    dates, prices = synth_prices(rng, tickers=("AAA",))
    p = 450
    res = EventStudy(StudySpec(model="constant_mean")).fit(events_frame([("a", "AAA", dates[p])]), prices)
    r = prices["AAA"].pct_change().to_numpy()
    mu = r[p - 250 : p - 10].mean()
    assert res.outcomes.loc[0, "alpha"] == pytest.approx(mu, rel=1e-12)
    np.testing.assert_allclose(res.abnormal_returns["ar"], r[p - 10 : p + 11] - mu, rtol=1e-12)
    # prediction-error factor of the constant-mean model: 1 + 1/nobs
    s2 = np.var(r[p - 250 : p - 10], ddof=1)
    np.testing.assert_allclose(res.abnormal_returns["var_ar"], s2 * (1 + 1 / 240), rtol=1e-10)


def test_scholes_williams_beta_by_hand(rng: np.random.Generator) -> None:
    """beta_SW = (b_-1 + b_0 + b_+1) / (1 + 2 rho) (Scholes and Williams 1977), each b a simple OLS slope."""
    t = 300
    rm = rng.normal(0, 0.01, t + 2)
    r = 0.3 * rm[:-2] + 0.7 * rm[1:-1] + rng.normal(0, 0.01, t)  # stock lags the market
    lag, cur, lead = rm[:-2], rm[1:-1], rm[2:]
    slope = [np.polyfit(x, r, 1)[0] for x in (lag, cur, lead)]
    rho = np.corrcoef(cur, lag)[0, 1]
    beta = sum(slope) / (1 + 2 * rho)
    alpha_sw, beta_sw, nobs = scholes_williams_beta(
        r[None], cur[None], lag[None], lead[None], np.ones((1, t), dtype=bool)
    )
    assert beta_sw[0] == pytest.approx(beta, rel=1e-10)
    assert alpha_sw[0] == pytest.approx(r.mean() - beta * cur.mean(), rel=1e-8, abs=1e-15)
    assert nobs[0] == t
    # in the engine: the SW beta of a lagging stock is closer to the true total beta (1.0) than OLS
    dates = pd.bdate_range("2020-01-01", periods=t + 2)
    spy = pd.Series(100 * np.cumprod(1 + np.r_[0, rm[1:]]), index=dates)
    stock = pd.Series(50 * np.cumprod(1 + np.r_[0, 0, r]), index=dates)
    ev = events_frame([("a", "AAA", dates[280])])
    spec = StudySpec(estimation=(-250, -11), windows=((0, 0),))
    ols = EventStudy(spec).fit(ev, {"AAA": stock, "SPY": spy})
    sw = EventStudy(StudySpec(estimation=(-250, -11), windows=((0, 0),), scholes_williams=True)).fit(
        ev, {"AAA": stock, "SPY": spy}
    )
    assert abs(sw.outcomes.loc[0, "beta"] - 1.0) < abs(ols.outcomes.loc[0, "beta"] - 1.0)
    assert sw.outcomes.loc[0, "beta_method"] == "scholes_williams"


def test_day0_from_announcement_date_and_timing(rng: np.random.Generator) -> None:
    dates, prices = synth_prices(rng, tickers=("AAA",))
    sat = dates[400] + pd.Timedelta(days=(5 - dates[400].day_of_week) % 7)  # a Saturday after day 400
    ev = pd.DataFrame(
        {
            "event_id": ["session", "after", "weekend"],
            "ticker": ["AAA"] * 3,
            "date": [dates[400], dates[420], sat],
            "timing": ["pre_market", "after_close", ""],
        }
    )
    res = EventStudy(StudySpec()).fit(ev, prices)
    out = res.outcomes.set_index("event_id")
    assert out.loc["session", "day0"] == dates[400]
    assert out.loc["after", "day0"] == dates[421]
    assert out.loc["after", "day0_rule"] == "after_close: next session"
    assert out.loc["weekend", "day0"] == dates[dates > sat][0]
    assert out.loc["weekend", "day0_rule"] == "not a session: next session"


def test_benchmark_holiday_gives_zero_benchmark_return(rng: np.random.Generator) -> None:
    """A ticker session when the benchmark has no price: the benchmark price is carried (last at or before),
    so its return is 0 that day and the two-day move is assigned to the next session."""
    dates, prices = synth_prices(rng, tickers=("AAA",))
    hol = dates[402]
    spy = prices["SPY"].drop(hol)
    res = EventStudy(StudySpec(model="market_adjusted")).fit(
        events_frame([("a", "AAA", dates[400])]), {"AAA": prices["AAA"], "SPY": spy}
    )
    ars = res.abnormal_returns.set_index("event_time")
    r_aaa = prices["AAA"].pct_change()
    assert ars.loc[2, "expected_return"] == 0.0
    assert ars.loc[2, "ar"] == pytest.approx(r_aaa.iloc[402], rel=1e-12)
    two_day = prices["SPY"].iloc[403] / prices["SPY"].iloc[401] - 1
    assert ars.loc[3, "expected_return"] == pytest.approx(two_day, rel=1e-12)


def test_log_returns(rng: np.random.Generator) -> None:
    dates, prices = synth_prices(rng, tickers=("AAA",))
    p = 450
    res = EventStudy(StudySpec(returns="log", windows=((0, 2),))).fit(
        events_frame([("a", "AAA", dates[p])]), prices
    )
    lr = np.log(prices["AAA"]).diff().to_numpy()
    ars = res.abnormal_returns.set_index("event_time")
    assert ars.loc[0, "return"] == pytest.approx(lr[p], rel=1e-12)
    e = ars.loc[0:2, "expected_return"].to_numpy()
    assert res.cars.loc[0, "bhar"] == pytest.approx(np.exp(lr[p : p + 3].sum()) - np.exp(e.sum()), rel=1e-10)


def test_results_tables_and_summary(rng: np.random.Generator) -> None:
    dates, prices = synth_prices(rng)
    ev = events_frame([("a", "AAA", dates[400]), ("b", "BBB", dates[500]), ("z", "ZZZ", dates[500])])
    ev["group"] = ["g1", "g2", "g1"]
    res = EventStudy(StudySpec()).fit(ev, prices)
    assert list(res.outcomes.columns[:10]) == [
        "event_id", "ticker", "day0", "outcome", "reason", "estimation_obs", "alpha", "beta", "sigma",
        "r_squared",
    ]  # fmt: skip
    assert list(res.abnormal_returns.columns[:7]) == [
        "event_id", "ticker", "event_time", "date", "return", "expected_return", "ar",
    ]  # fmt: skip
    assert list(res.cars.columns[:9]) == [
        "event_id", "ticker", "window", "car", "bhar", "se", "t_stat", "p_value", "sq_p_value",
    ]  # fmt: skip
    assert len(res.outcomes) == 3
    assert len(res.abnormal_returns) == 2 * 21  # display range -10..10
    assert int(res.abnormal_returns["in_window"].sum()) == 2 * 16  # widest window -5..10
    assert len(res.cars) == 2 * 5
    assert list(res.cars["window"][:5]) == ["0:0", "-1:1", "0:1", "-5:5", "0:10"]
    agg = res.aggregate
    assert list(agg.columns[:7]) == ["group", "window", "n", "mean", "test", "stat", "p_value"]
    assert set(agg["group"]) == {"all", "g1", "g2"}
    assert list(dict.fromkeys(agg["window"]))[:16] == [f"{d}:{d}" for d in range(-5, 11)]
    frame = res.to_frame()
    assert len(frame) == len(res.cars)
    assert not any(c.endswith(("_x", "_y")) for c in frame.columns)
    assert "outcome" in frame.columns
    text = res.summary().as_text()
    assert "no_prices: 1" in text
    assert "0:0" in text
    # t and p: two-sided from Student's t with nobs - k dof
    c = res.cars.iloc[0]
    assert c["t_stat"] == pytest.approx(c["car"] / c["se"])
    from scipy import stats

    assert c["p_value"] == pytest.approx(2 * stats.t.sf(abs(c["t_stat"]), 238), rel=1e-12)


def test_vectorised_sq_equals_stats_sq_test(rng: np.random.Generator) -> None:
    """The engine's batched SQ p-values equal :func:`dealstudy.stats.single.sq_test` event by event
    (estimation residuals in time order with missing days; windows of 1, 3 and 11 days), exactly."""
    from dealstudy.stats.single import sq_test
    from dealstudy.study.assemble import sq_pvalues

    resid = rng.standard_t(3, (40, 240)) * 0.02
    resid[rng.random((40, 240)) < 0.05] = np.nan
    resid[0, 15:] = np.nan  # too few windows: NaN
    for length in (1, 3, 11):
        car = rng.normal(0, 0.05, 40)
        car[1] = np.nan
        got = sq_pvalues(car, resid, length)
        want = np.array([sq_test(float(c), r, length).pvalue for c, r in zip(car, resid, strict=True)])
        np.testing.assert_array_equal(np.isnan(got), np.isnan(want))
        np.testing.assert_allclose(got[~np.isnan(got)], want[~np.isnan(want)], rtol=0, atol=0)
    assert np.isnan(got[0])
    assert np.isnan(got[1])
