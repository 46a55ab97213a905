"""The economy layer on degenerate inputs: empty and tiny samples, constant regressors, odd catalogs.

Rule under test: every table builder returns a clearly reported result (``not estimable: N = k`` and the
reason) instead of raising, and nothing silently turns into a number that is not identified.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog.schema import Counterparty, Deal, Security
from dealstudy.economy import EconomySpec, dollar_values, fit_economy, legs_frame
from dealstudy.economy.models import KEY_TERMS, FittedSample, fit_models, robustness_table
from dealstudy.economy.regressions import CovType, fit_ols, wald_equal
from dealstudy.economy.resampling import bootstrap_ci, leave_one_out
from dealstudy.economy.sample import SAMPLE_COLUMNS, regression_sample

COV_TYPES: tuple[CovType, ...] = ("HC3", "HC1", "cluster", "nonrobust")
WINDOWS = [(-1, 1), (0, 0)]


# ------------------------------------------------------------------------------------- synthetic inputs


def _deal(i: int, **changes: object) -> Deal:
    base: dict[str, object] = {
        "id": f"d{i:02d}",
        "title": "t",
        "announced": (pd.Timestamp("2025-01-06") + pd.offsets.BDay(7 * i)).date(),
        "timing": "pre_market",
        "counterparty": "OpenAI" if i % 2 else "Anthropic",
        "kind": "cloud_contract",
        "binding_status": ("definitive_contract", "non_binding_loi", "term_sheet")[i % 3],
        "securities": (Security(f"T{i}", "provider", "XNAS"),),
        "sources": ("https://example.com",),
        "headline_value_usd": 10e9 + 3e9 * i,
        "binding_value_usd": (10e9 + 3e9 * i) * (1.0, 0.0, 0.5)[i % 3],
        "duration_years": 5.0,
        "confounders": ("earnings",) if i % 4 == 0 else (),
    }
    base.update(changes)
    return Deal(**base)  # type: ignore[arg-type]


def _study_frames(
    deals: list[Deal], rng: np.random.Generator, *, without_ars: frozenset[str] = frozenset()
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, pd.Series]]:
    """Outcomes, ARs, CARs and constant closes of 100 for every security (planted AR on day 0)."""
    outcomes, ars, cars, closes = [], [], [], {}
    for deal in deals:
        day0 = pd.Timestamp(deal.announced)
        dates = pd.bdate_range(day0 - pd.offsets.BDay(8), day0 + pd.offsets.BDay(8))
        for security in deal.securities:
            event = f"{deal.id}:{security.ticker}"
            closes[security.ticker] = pd.Series(100.0, index=dates)
            outcomes.append(
                {"event_id": event, "ticker": security.ticker, "day0": day0, "outcome": "ok", "reason": ""}
            )
            if event in without_ars:
                continue
            ar0 = float(rng.normal(0.02, 0.03))
            for t in range(-5, 6):
                ars.append(
                    {"event_id": event, "event_time": t, "date": dates[8 + t], "ar": ar0 if t == 0 else 0.0}
                )
            for window in ("-1:1", "0:0"):
                cars.append({"event_id": event, "window": window, "car": ar0, "t_stat": 1.0, "p_value": 0.3})
    columns = ["event_id", "event_time", "date", "ar"]
    return pd.DataFrame(outcomes), pd.DataFrame(ars, columns=columns), pd.DataFrame(cars), closes


def _values(
    deals: list[Deal],
    rng: np.random.Generator,
    *,
    drop_closes: tuple[str, ...] = (),
    fx: dict[str, pd.Series] | None = None,
) -> pd.DataFrame:
    outcomes, ars, cars, closes = _study_frames(deals, rng)
    shares = pd.DataFrame(
        [
            {"symbol": s.ticker, "as_of": dt.date(2024, 12, 31), "shares": 1e9, "source": "synthetic"}
            for d in deals
            for s in d.securities
        ],
        columns=["symbol", "as_of", "shares", "source"],
    )
    for ticker in drop_closes:
        closes.pop(ticker, None)
    return dollar_values(legs_frame(deals), outcomes, ars, cars, closes, shares, fx or {}, WINDOWS)


def _sample(n: int, rng: np.random.Generator) -> pd.DataFrame:
    deals = [_deal(i) for i in range(max(n, 1))]
    sample, _ = regression_sample(_values(deals, rng), "-1:1")
    return sample.iloc[:n].reset_index(drop=True)


# ------------------------------------------------------------------------------------------- fit_ols


@pytest.mark.parametrize("cov_type", COV_TYPES)
@pytest.mark.parametrize("n", [0, 1, 2])
def test_too_few_observations_are_not_estimable_for_every_covariance(n: int, cov_type: CovType) -> None:
    X = pd.DataFrame({"const": np.ones(n), "x": np.arange(n, dtype=float)})
    y = pd.Series(np.arange(n, dtype=float) * 2.0, name="y")
    result = fit_ols(y, X, name="m", cov_type=cov_type, clusters=pd.Series(list("ab")[:n]), keep=["x"])
    assert not result.fitted
    assert result.reason == f"not estimable: N = {n} observation(s) for 2 coefficient(s)"
    assert result.nobs == n
    frame = result.to_frame()
    assert len(frame) == 1
    assert math.isnan(frame["coef"].iloc[0])
    assert frame["n"].iloc[0] == n
    assert result.summary_text == ""
    wald = wald_equal(result, "x", "const")
    assert not wald.valid
    assert wald.reason == result.reason
    assert bootstrap_ci(result, ["x"], reps=20).empty
    assert leave_one_out(result, ["x"]).empty
    assert list(bootstrap_ci(result, ["x"], reps=20).columns)[:3] == ["model", "term", "coef"]


@pytest.mark.parametrize("cov_type", COV_TYPES)
def test_constant_key_regressor_is_not_estimable(cov_type: CovType) -> None:
    # Before the fix statsmodels returned a pseudo-inverse "slope" of 1.0 with a finite SE for x = 2 always.
    X = pd.DataFrame({"const": 1.0, "x": [2.0, 2.0, 2.0, 2.0, 2.0]})
    y = pd.Series([1.0, 2.0, 3.0, 4.0, 5.0], name="y")
    result = fit_ols(y, X, name="m", cov_type=cov_type, clusters=pd.Series(list("abcde")), keep=["x"])
    assert not result.fitted
    assert result.reason == "not estimable: x constant over the N = 5 observations"
    assert not wald_equal(result, "x", "const").valid


def test_collinear_key_regressors_are_not_estimable() -> None:
    x = np.array([0.0, 1.0, 2.0, 4.0, 5.0, 7.0])
    X = pd.DataFrame({"const": 1.0, "binding_bn": x, "non_binding_bn": 2.0 * x})
    y = pd.Series([1.0, 2.0, 3.5, 0.3, 1.0, 2.0], name="y")
    result = fit_ols(y, X, name="binding_split", keep=["binding_bn", "non_binding_bn"])
    assert result.reason == "not estimable: binding_bn, non_binding_bn collinear over the N = 6 observations"
    wald = wald_equal(result, "binding_bn", "non_binding_bn")
    assert math.isnan(wald.stat)
    assert "collinear" in wald.reason


def test_hc3_with_a_leverage_one_observation_is_not_estimable_but_hc1_is() -> None:
    # x = (0, 0, 1): the third observation has h = 1/3 + (2/3)^2 / (2/3) = 1, so HC3's 1/(1-h)^2 is undefined.
    X = pd.DataFrame({"const": 1.0, "x": [0.0, 0.0, 1.0]})
    y = pd.Series([1.0, 2.0, 3.0], name="y")
    hc3 = fit_ols(y, X, name="m", keep=["x"], labels=["a", "b", "c"])
    assert hc3.reason.startswith("not estimable with HC3: c has leverage 1")
    hc1 = fit_ols(y, X, name="m", cov_type="HC1", keep=["x"])
    assert hc1.fitted
    # hand HC1: residuals (-0.5, 0.5, 0), bread (X'X)^-1, scale N/(N-K) = 3
    Xa = X.to_numpy()
    e = np.array([-0.5, 0.5, 0.0])
    bread = np.linalg.inv(Xa.T @ Xa)
    cov = bread @ (Xa * e[:, None] ** 2).T @ Xa @ bread * 3.0
    np.testing.assert_allclose(hc1.params.to_numpy(), [1.5, 1.5], rtol=1e-12)
    np.testing.assert_allclose(hc1.bse.to_numpy(), np.sqrt(np.diag(cov)), rtol=1e-10)


def test_a_dummy_singling_out_one_observation_is_dropped_not_fitted(rng: np.random.Generator) -> None:
    n = 12
    x = rng.normal(size=n)
    y = 0.3 + 0.7 * x + rng.normal(0, 0.1, n)
    lone = np.zeros(n)
    lone[4] = 1.0  # e.g. the only confounded event of a subsample
    X = pd.DataFrame({"const": 1.0, "x": x, "confounded": lone})
    result = fit_ols(pd.Series(y, name="y"), X, name="m", keep=["x"])
    assert result.fitted
    assert result.dropped_terms == ("confounded",)
    beta = np.linalg.lstsq(np.column_stack([np.ones(n), x]), y, rcond=None)[0]
    np.testing.assert_allclose(result.params.to_numpy(), beta, rtol=1e-10)
    assert np.isfinite(result.bse.to_numpy()).all()


def test_a_single_cluster_is_not_estimable() -> None:
    X = pd.DataFrame({"const": 1.0, "x": [0.0, 1.0, 2.0, 3.0]})
    y = pd.Series([1.0, 2.0, 3.5, 4.0], name="y")
    result = fit_ols(y, X, name="m", cov_type="cluster", clusters=pd.Series(["2025-01-06"] * 4), keep=["x"])
    assert result.reason == "not estimable with clustered errors: N = 4 observations in 1 cluster(s)"


def test_non_finite_values_are_not_estimable() -> None:
    X = pd.DataFrame({"const": 1.0, "x": [0.0, 1.0, 2.0, 4.0, np.nan]})
    y = pd.Series([1.0, 2.0, 3.0, 5.0, 6.0], name="y")
    assert fit_ols(y, X, name="m", keep=["x"]).reason == "not estimable: non-finite values in x (N = 5)"


def test_smallest_estimable_sample_runs_bootstrap_and_leave_one_out(rng: np.random.Generator) -> None:
    X = pd.DataFrame({"const": 1.0, "x": [0.0, 1.0, 2.0, 4.0]})  # N = K + 2, no leverage-one point
    y = pd.Series([0.1, 1.2, 1.9, 4.3], name="y")
    result = fit_ols(y, X, name="m", keep=["x"], labels=["a", "b", "c", "d"])
    assert result.fitted
    boot = bootstrap_ci(result, ["x"], reps=200, seed=1)
    assert len(boot) == 1
    assert 0 <= int(boot["skipped"].iloc[0]) < 200
    low, high = float(boot["ci_low"].iloc[0]), float(boot["ci_high"].iloc[0])
    assert low <= float(result.params["x"]) <= high
    loo = leave_one_out(result, ["x"])
    assert list(loo["left_out"]) == ["a", "b", "c", "d"]
    without_d = np.polyfit([0.0, 1.0, 2.0], [0.1, 1.2, 1.9], 1)[0]
    assert float(loo.loc[loo["left_out"] == "d", "coef_without"].iloc[0]) == pytest.approx(
        without_d, rel=1e-10
    )
    assert int(loo["most_influential"].sum()) == 1


# ----------------------------------------------------------------------------- models and robustness


@pytest.mark.parametrize("n", [0, 1, 2])
def test_models_and_robustness_on_tiny_samples(n: int, rng: np.random.Generator) -> None:
    sample = _sample(n, rng)
    assert len(sample) == n
    assert list(sample.columns) == list(SAMPLE_COLUMNS)
    for cov_type in COV_TYPES:
        fits = fit_models(sample, cov_type=cov_type)
        for result in fits.results:
            assert result.reason.startswith(f"not estimable: N = {n} observation(s)"), result.reason
        assert not fits.wald.valid
    deals = [_deal(i) for i in range(max(n, 1))]
    values = _values(deals, rng)
    keep = set(sample["deal_id"])
    values = values[values["deal_id"].isin(keep)] if n else values.assign(outcome="no_data")
    table = robustness_table({"market": values, "ff3": values}, model="market", window="-1:1")
    assert list(table["variant"]) == [
        "baseline",
        "no_confounded",
        "deal_level",
        "cluster_date",
        "window",
        "model",
    ]
    assert (table["n"] <= n).all()
    assert table["note"].str.contains("not estimable: N = ").all()
    deal_row = table[table["variant"] == "deal_level"].iloc[0]
    assert "car_size: not fitted at deal level (a CAR belongs to one firm)" in deal_row["note"]
    for terms in KEY_TERMS.values():
        for term in terms:
            assert table[term].isna().all()


def test_robustness_rows_read_the_fits_given(rng: np.random.Generator) -> None:
    deals = [*(_deal(i) for i in range(12)), _deal(12, headline_value_usd=None)]  # d12: excluded
    values = _values(deals, rng)
    by_model = {"market": values, "ff3": values}
    plain = robustness_table(by_model, model="market", window="-1:1")
    sample, exclusions = regression_sample(values, "-1:1")
    assert len(sample) == 12
    assert len(exclusions) == 1
    fitted = FittedSample(sample, exclusions, fit_models(sample), fit_models(sample, cov_type="cluster"))
    again = robustness_table(by_model, model="market", window="-1:1", fitted=fitted)
    pd.testing.assert_frame_equal(again, plain, check_exact=True)
    # the baseline and cluster_date rows show what is given (here the two fits swapped, no exclusions)
    swapped = FittedSample(sample, exclusions.iloc[:0], fitted.clustered, fitted.fits)
    table = robustness_table(by_model, model="market", window="-1:1", fitted=swapped).set_index("variant")
    before = plain.set_index("variant")
    assert before.loc["baseline", "headline_bn_se"] != before.loc["cluster_date", "headline_bn_se"]
    assert table.loc["baseline", "headline_bn_se"] == before.loc["cluster_date", "headline_bn_se"]
    assert table.loc["cluster_date", "headline_bn_se"] == before.loc["baseline", "headline_bn_se"]
    assert (before.loc["baseline", "excluded"], table.loc["baseline", "excluded"]) == (1, 0)
    assert table.loc["window", "headline_bn_se"] == before.loc["window", "headline_bn_se"]  # split anew


def test_fit_economy_with_everything_excluded_reports_an_empty_result(rng: np.random.Generator) -> None:
    deals = [_deal(i) for i in range(5)]
    values = _values(deals, rng).assign(outcome="no_data", reason="no prices", abnormal_value_usd=np.nan)
    results = fit_economy(deals, [], values, EconomySpec(bootstrap_reps=50))
    assert results.sample.empty
    assert len(results.excluded()) == 5
    assert results.bootstrap.empty
    assert results.influence.empty
    frame = results.regressions_frame()
    assert list(frame["model"]) == ["headline", "binding_split", "car_size"]
    assert frame["coef"].isna().all()
    assert (frame["n"] == 0).all()
    summary = results.summary()
    assert "headline      headline_bn     not estimable: N = 0 observation(s) for 2 coefficient(s)" in summary
    assert "abnormal value (compounded): n/a" in summary
    assert "N = 0 deal x security observations; 5 excluded" in summary
    assert "not fitted: not estimable: N = 0" in results.summary_text()
    assert results.cumulative.empty
    assert results.key_slopes()["coef"].isna().all()


def test_constant_headline_in_the_sample_is_reported_not_fitted(rng: np.random.Generator) -> None:
    deals = [_deal(i, headline_value_usd=20e9, binding_value_usd=10e9) for i in range(6)]
    results = fit_economy(deals, [], _values(deals, rng), EconomySpec(bootstrap_reps=50))
    assert len(results.sample) == 6
    for name in ("headline", "binding_split", "car_size"):
        reason = results.regression(name).reason
        assert reason.startswith("not estimable: "), (name, reason)
        assert "constant over the N = 6" in reason, (name, reason)
    assert "not estimable" in results.robustness["note"].iloc[0]


# ---------------------------------------------------------------------------------- odd catalogs


def test_odd_catalog_deals_each_get_an_outcome_or_a_reason(rng: np.random.Generator) -> None:
    deals = [_deal(i) for i in range(6)]
    deals += [
        _deal(6, securities=()),  # a deal with no listed security (the catalog allows [])
        _deal(7, securities=(Security("NOPX", "provider", "XNAS"),)),  # its only security has no prices
        _deal(8, securities=(Security("9999.T", "partner", "XTKS"),)),  # Tokyo listing, no JPY=X file
        _deal(9, headline_value_usd=None, binding_value_usd=0.0, binding_status="non_binding_loi"),
    ]
    values = _values(deals, rng, drop_closes=("NOPX",))
    main = values[values["window"] == "-1:1"].set_index("deal_id")
    assert "d06" not in main.index  # no leg, so no row
    assert main.loc["d07", "outcome"] == "no_close"
    assert main.loc["d07", "reason"] == "no closes for NOPX"
    tokyo = main.loc["d08"]
    assert tokyo["outcome"] == "no_fx_rate"
    assert "no JPY=X rate" in tokyo["reason"]
    assert math.isfinite(tokyo["abnormal_value_local"])
    assert math.isnan(tokyo["abnormal_value_usd"])
    zero = main.loc["d09"]
    assert zero["outcome"] == "ok"
    assert math.isfinite(zero["abnormal_value_usd"])
    assert zero["press_release_multiple_reason"] == "headline value undisclosed"
    assert zero["binding_multiple_reason"] == "binding value is zero"
    party = Counterparty(name="OpenAI", figures=())
    results = fit_economy(deals, [party], values, EconomySpec(bootstrap_reps=50))
    reasons = results.excluded().set_index("deal_id")["reason"]
    assert reasons["d07"].startswith("no_close")
    assert reasons["d08"].startswith("no_fx_rate")
    assert reasons["d09"] == "headline value undisclosed"
    assert set(results.sample["deal_id"]) == {f"d{i:02d}" for i in range(6)}
    assert results.regression("headline").fitted
    assert results.regression("binding_split").fitted
    # d02 is the only Anthropic deal without a confounder: the counterparty and confounded indicators
    # together fit it exactly (leverage 1), so HC3 is undefined for car_size -- reported, not computed.
    assert results.regression("car_size").reason.startswith("not estimable with HC3: d02:T2 has leverage 1")
    deal_values = results.deal_values()
    deal_values = deal_values[deal_values["window"] == "-1:1"].set_index("deal_id")
    assert "binding multiple n/a: binding value is zero" in deal_values.loc["d09", "reason"]
    totals = results.ledger_totals.set_index("partner")
    assert totals.loc["(unlisted)", "exposure_reason"] == "no listed partner"
    assert totals.loc["NOPX", "exposure_reason"] == "no market capitalisation (no shares or prices)"
    assert results.summary().count("not estimable with HC3") == 1


def test_missing_car_leaves_only_the_car_regression_with_its_reason(rng: np.random.Generator) -> None:
    # Before: a NaN CAR reached statsmodels, which returned NaN for every coefficient of car_size.
    deals = [_deal(i) for i in range(8)]
    values = _values(deals, rng)
    values.loc[(values["deal_id"] == "d03") & (values["window"] == "-1:1"), "car"] = np.nan
    results = fit_economy(deals, [], values, EconomySpec(bootstrap_reps=50))
    assert results.regression("headline").nobs == 8
    car_size = results.regression("car_size")
    assert car_size.fitted, car_size.reason
    assert car_size.nobs == 7
    assert "d03:T3" not in car_size.labels
    extra = results.exclusions[results.exclusions["sample"] == "car_size"]
    assert list(extra["deal_id"]) == ["d03"]
    assert list(extra["reason"]) == ["CAR missing in the window"]


def test_sample_records_are_the_frames_records() -> None:
    """regression_sample reads the rows column by column: the same Python scalars as to_dict("records")."""
    from dealstudy.economy.sample import _READ, _records

    frame = pd.DataFrame(
        {
            "window": ["0:1", "-1:1", "0:1", "0:1"],
            "deal_id": ["d1", "d1", "d2", "d3"],
            "direct": [True, True, False, True],
            "day0": pd.to_datetime(["2025-01-06", "2025-01-06", None, "2025-02-03"]),
            "car": [0.01, 0.02, np.nan, -0.5],
            "confounded": [True, None, np.nan, False],
            "reason": ["", "x", None, "y"],
            "not_read": [1, 2, 3, 4],
        }
    )
    got = _records(frame, "0:1")
    chosen = frame.loc[frame["window"] == "0:1", [c for c in frame.columns if c in _READ]]
    expected = chosen.to_dict("records")
    assert [list(r) for r in got] == [list(r) for r in expected]
    assert "not_read" not in got[0]
    for mine, theirs in zip(got, expected, strict=True):
        for key, value in theirs.items():
            assert type(mine[key]) is type(value), key
            assert mine[key] == value or (pd.isna(mine[key]) and pd.isna(value)), key
    assert _records(frame, "5:5") == []
