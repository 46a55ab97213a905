"""The full economy layer on a synthetic catalog with planted dollar values: sample, models, tables."""

from __future__ import annotations

import datetime as dt
import math
import re

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog.schema import Deal, Security
from dealstudy.economy import DEAL_VALUE_COLUMNS, EconomySpec, dollar_values, fit_economy, legs_frame
from dealstudy.economy.models import deal_level, fit_models
from dealstudy.economy.sample import regression_sample

WINDOWS = [(-1, 1), (0, 0)]
STATUSES = ["definitive_contract", "non_binding_loi", "equity_subject_to_definitive_docs"]


def _universe(
    rng: np.random.Generator, n: int = 24
) -> tuple[list[Deal], pd.DataFrame, dict[str, pd.DataFrame]]:
    deals, outcomes, ars, cars, closes, shares = [], [], [], [], {}, []
    planted = {}
    for i in range(n):
        ticker = f"T{i}"
        day0 = pd.Timestamp("2025-01-06") + pd.offsets.BDay(7 * i)
        cap = float(rng.uniform(50e9, 500e9))
        headline = float(rng.uniform(1e9, 60e9))
        share = [1.0, 0.5, 0.0][i % 3]
        binding = headline * share
        value = 0.8 * binding + 0.8 * (headline - binding) + float(rng.normal(0, 3e9))
        planted[ticker] = value
        kind = "revision_report" if i == n - 1 else "cloud_contract"
        status = "disclosure_or_report" if kind == "revision_report" else STATUSES[i % 3]
        secs = [Security(ticker, "provider", "XNAS")]
        if i == 0:
            secs.append(Security("RA", "read-across", "XNAS"))
        deals.append(
            Deal(
                id=f"d{i:02d}",
                title="t",
                announced=day0.date(),
                timing="pre_market",
                counterparty="OpenAI" if i % 2 else "Anthropic",
                kind=kind,  # type: ignore[arg-type]
                binding_status=status,  # type: ignore[arg-type]
                securities=tuple(secs),
                sources=("https://x",),
                headline_value_usd=None if i == 1 else headline,
                binding_value_usd=None if i == 1 else binding,
                duration_years=5,
                confounders=("earnings",) if i % 4 == 0 else (),
            )
        )
        dates = pd.bdate_range(day0 - pd.offsets.BDay(8), day0 + pd.offsets.BDay(8))
        closes[ticker] = pd.Series(100.0, index=dates)
        shares.append(
            {"symbol": ticker, "as_of": dt.date(2024, 12, 31), "shares": cap / 100.0, "source": "syn"}
        )
        event = f"d{i:02d}:{ticker}"
        thin = i == 2
        outcomes.append(
            {
                "event_id": event,
                "ticker": ticker,
                "day0": day0,
                "outcome": "thin_estimation" if thin else "ok",
                "reason": "40 < 120" if thin else "",
            }
        )
        if thin:
            continue
        for t in range(-5, 6):
            ars.append(
                {
                    "event_id": event,
                    "ticker": ticker,
                    "event_time": t,
                    "date": dates[8 + t],
                    "ar": value / cap if t == 0 else 0.0,
                }
            )
        for w in ("-1:1", "0:0"):
            cars.append(
                {
                    "event_id": event,
                    "ticker": ticker,
                    "window": w,
                    "car": value / cap,
                    "t_stat": 1.0,
                    "p_value": 0.3,
                }
            )
    frames = {
        "outcomes": pd.DataFrame(outcomes),
        "abnormal_returns": pd.DataFrame(ars),
        "cars": pd.DataFrame(cars),
    }
    values = dollar_values(
        legs_frame(deals),
        frames["outcomes"],
        frames["abnormal_returns"],
        frames["cars"],
        closes,
        pd.DataFrame(shares),
        {},
        WINDOWS,
    )
    return deals, values, frames


def test_sample_rules_and_exclusion_reasons(rng: np.random.Generator) -> None:
    _deals, values, _ = _universe(rng)
    sample, excluded = regression_sample(values, "-1:1")
    reasons = dict(zip(excluded["deal_id"] + ":" + excluded["ticker"], excluded["reason"], strict=True))
    assert reasons["d00:RA"] == "not a direct party (role read-across)"
    assert reasons["d01:T1"] == "headline value undisclosed"
    assert reasons["d02:T2"] == "thin_estimation: 40 < 120"
    assert reasons["d23:T23"].startswith("not a new deal")
    assert len(sample) == 24 - 3
    assert sample["abnormal_value_bn"].abs().max() < 100  # in $bn
    row = sample.set_index("label").loc["d03:T3"]
    assert row["car_pct"] == pytest.approx(100 * values.query("event_id == 'd03:T3'")["car"].iloc[0])
    cap = values.query("event_id == 'd03:T3'")["market_cap_usd"].iloc[0]
    assert row["log_size"] == pytest.approx(math.log(row["headline_bn"] * 1e9 / cap))


def test_models_match_numpy_and_pool_small_levels(rng: np.random.Generator) -> None:
    _, values, _ = _universe(rng)
    sample, _ = regression_sample(values, "-1:1")
    fits = fit_models(sample)
    X = np.column_stack([np.ones(len(sample)), sample["headline_bn"]])
    beta = np.linalg.lstsq(X, sample["abnormal_value_bn"].to_numpy(), rcond=None)[0]
    np.testing.assert_allclose(fits.headline.params.to_numpy(), beta, rtol=1e-9)
    assert fits.headline.params["headline_bn"] == pytest.approx(0.8, abs=0.15)  # planted slope
    assert fits.wald.valid
    terms = list(fits.car_size.params.index)
    assert terms[:2] == ["const", "log_size"]
    assert "binding[non_binding]" in terms  # baseline firm is the most frequent class
    assert any(t.startswith("counterparty[") for t in terms)
    assert fits.car_size.nobs == len(sample)
    collapsed = deal_level(sample)
    assert len(collapsed) == sample["deal_id"].nunique()


def test_fit_economy_tables(rng: np.random.Generator) -> None:
    deals, values, _ = _universe(rng)
    values.loc[values["event_id"] == "d03:T3", "binding_value_usd"] = np.nan  # binding part unknown
    alt = values.assign(abnormal_value_usd=values["abnormal_value_usd"] * 0.9)
    spec = EconomySpec(bootstrap_reps=199)
    results = fit_economy(deals, [], values, spec, model="market", alternatives={"market_adjusted": alt})
    table = results.deal_values()
    assert tuple(table.columns) == DEAL_VALUE_COLUMNS
    assert len(table) == len(legs_frame(deals)) * len(WINDOWS)
    # every row has a dollar value or an outcome code with a reason
    missing = table[table["abnormal_value_usd"].isna()]
    assert (missing["outcome"] != "ok").all()
    assert (missing["reason"].str.len() > 0).all()
    binding_zero = table[
        (table["binding_value_usd"] == 0) & (table["window"] == "-1:1") & (table["outcome"] == "ok")
    ]
    assert binding_zero["reason"].str.contains("binding multiple n/a: binding value is zero").all()
    regressions = results.regressions_frame()
    assert list(regressions.columns) == ["model", "term", "coef", "se", "t", "p", "n", "r2"]
    assert set(regressions["model"]) == {"headline", "binding_split", "car_size"}
    slopes = results.key_slopes().set_index("term")
    assert (
        slopes.loc["headline_bn", "ci_low"]
        < slopes.loc["headline_bn", "coef"]
        < slopes.loc["headline_bn", "ci_high"]
    )
    assert slopes.loc["headline_bn", "most_influential"] != ""
    robust = results.robustness
    assert {"baseline", "no_confounded", "deal_level", "cluster_date", "window", "model"} <= set(
        robust["variant"]
    )
    base = robust[robust["variant"] == "baseline"].iloc[0]
    assert base["headline_bn"] == pytest.approx(results.regression("headline").params["headline_bn"])
    alt_row = robust[robust["variant"] == "model"].iloc[0]
    assert alt_row["model"] == "market_adjusted"
    assert alt_row["headline_bn"] == pytest.approx(0.9 * base["headline_bn"], rel=1e-9)
    no_conf = robust[robust["variant"] == "no_confounded"].iloc[0]
    # only reactions known to be clean stay: here none was assessed, so confounded and unknown ones go
    assert no_conf["n"] == results.sample["clean"].sum() == 0
    # aggregates: abnormal value summed over direct legs of new deals; headline once per deal
    totals = results.totals
    legs = values[(values["window"] == "-1:1") & values["direct"] & (values["kind"] != "revision_report")]
    assert totals["abnormal_value_usd"] == pytest.approx(legs["abnormal_value_usd"].sum())
    heads = {
        d.id: d.headline_value_usd for d in deals if d.kind != "revision_report" and d.headline_value_usd
    }
    assert totals["headline_value_usd"] == pytest.approx(sum(heads.values()))
    assert results.cumulative["cumulative_usd"].iloc[-1] == pytest.approx(totals["abnormal_value_usd"])
    split = results.exclusions[results.exclusions["sample"] == "binding_split"]
    assert list(split["deal_id"] + ":" + split["ticker"]) == ["d03:T3"]
    assert list(split["reason"]) == ["binding value unknown"]
    assert len(results.excluded("binding_split")) == len(results.excluded()) + 1
    assert results.regression("binding_split").nobs == results.regression("headline").nobs - 1
    summaries = results.summary_text()
    assert "Date:" in summaries
    assert not re.search(r"Date:\s+\w{3}, \d", summaries)  # no run date: identical runs, identical files
    assert not re.search(r"Time:\s+\d\d:\d\d", summaries)
    n_split = results.regression("binding_split").nobs
    assert f"N = {n_split}; {len(results.excluded('binding_split'))} excluded" in summaries
    text = results.summary()
    assert f"N = {len(results.sample)}" in text
    assert "headline value undisclosed" in text
    assert "Wald" in text
    assert results.to_frame().shape[0] == len(values)
