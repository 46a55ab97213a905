"""Fallback rules on seeded data: each rule rescues the case it is for, checked against a hand computation."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from dealstudy.data import open_sources
from dealstudy.data.calendars import sessions
from dealstudy.pipeline.fallback import (
    FALLBACK_MIN_OBS,
    MARKET_ADJUSTED_MIN_OBS,
    apply_fallbacks,
    to_usd,
)
from dealstudy.pipeline.study import run_study
from dealstudy.study import StudySpec

DAY0_POS = 400


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, write_closes: Callable[..., pd.Series]
) -> dict[str, object]:
    """SPY, a local index, tickers listed 100 / 50 / 20 sessions before day 0, a yen-priced ticker."""
    folder = tmp_path_factory.mktemp("prices")
    rng = np.random.default_rng(20251103)
    days = sessions("XNYS", pd.Timestamp("2023-01-03").date(), pd.Timestamp("2025-06-30").date())
    n = len(days)
    rm = rng.normal(0.0004, 0.01, n)
    closes = {"SPY": write_closes(folder, "SPY", days, 400 * np.cumprod(1 + rm))}
    index = 100 * np.cumprod(1 + 0.8 * rm + rng.normal(0, 0.004, n))
    closes["IDX"] = write_closes(folder, "IDX", days, index)
    for symbol, listed in (("NEW", 100), ("NEWER", 50), ("TINY", 20)):
        start = DAY0_POS - listed
        path = 20 * np.cumprod(1 + 1.3 * rm[start:] + rng.normal(0, 0.02, n - start))
        closes[symbol] = write_closes(folder, symbol, days[start:], path)
    closes["YEN"] = write_closes(folder, "YEN", days, 3000 * np.cumprod(1 + rm + rng.normal(0, 0.015, n)))
    fx = 140 * np.cumprod(1 + rng.normal(0, 0.005, n))
    closes["JPY=X"] = write_closes(folder, "JPY=X", days, fx)
    events = pd.DataFrame(
        {
            "event_id": ["new", "newer", "tiny", "yen", "spy-ok"],
            "ticker": ["NEW", "NEWER", "TINY", "YEN", "SPY"],
            "day0": [days[DAY0_POS]] * 5,
            "market": ["IDX", "IDX", "IDX", "^GONE", "IDX"],
            "group": ["g"] * 5,
        }
    )
    sources = open_sources(prices=folder)
    main = run_study(events, sources, StudySpec())
    result = apply_fallbacks(main, events, sources, {"YEN": "JPY"})
    return {"days": days, "closes": closes, "events": events, "main": main, "result": result}


def _outcomes(world: dict[str, object], key: str) -> pd.DataFrame:
    result = world[key]
    return result.outcomes.set_index("event_id")  # type: ignore[attr-defined]


def _returns(series: pd.Series) -> pd.Series:
    return series.pct_change().dropna()


def test_main_study_codes_name_the_real_causes(world: dict[str, object]) -> None:
    main = _outcomes(world, "main")
    assert main.loc["new", "outcome"] == "thin_estimation"
    assert main.loc["newer", "outcome"] == "thin_estimation"
    assert main.loc["tiny", "outcome"] == "thin_estimation"
    assert main.loc["yen", "outcome"] == "no_benchmark"
    assert main.loc["spy-ok", "outcome"] == "ok"


def test_shorter_estimation_window_matches_ols_on_the_available_returns(world: dict[str, object]) -> None:
    out = _outcomes(world, "result")
    row = out.loc["new"]
    assert row["outcome"] == "fallback_model"
    assert row["fallback"] == "shorter_estimation"
    assert row["reason"].startswith("thin_estimation: ")
    assert f"at least {FALLBACK_MIN_OBS} estimation returns" in row["model_used"]
    assert "own index IDX" in row["model_used"]
    # independent check: OLS of NEW on IDX over days -250..-11 that both have returns (numpy polyfit)
    days: pd.DatetimeIndex = world["days"]  # type: ignore[assignment]
    closes: dict[str, pd.Series] = world["closes"]  # type: ignore[assignment]
    r, m = _returns(closes["NEW"]), _returns(closes["IDX"])
    est = days[DAY0_POS - 250 : DAY0_POS - 10]
    both = r.index.intersection(m.index).intersection(est)
    assert row["estimation_obs"] == len(both) == 89  # listed at day -100: returns on days -99..-11
    beta, alpha = np.polyfit(m[both].to_numpy(), r[both].to_numpy(), 1)
    assert row["beta"] == pytest.approx(beta, abs=1e-10)
    assert row["alpha"] == pytest.approx(alpha, abs=1e-12)
    ars = world["result"].abnormal_returns  # type: ignore[attr-defined]
    day0 = ars[(ars["event_id"] == "new") & (ars["event_time"] == 0)].iloc[0]
    expected = r[days[DAY0_POS]] - (alpha + beta * m[days[DAY0_POS]])
    assert day0["ar"] == pytest.approx(expected, abs=1e-12)
    assert day0["ticker"] == "NEW"


def test_market_adjusted_on_the_own_index_when_below_the_floor(world: dict[str, object]) -> None:
    out = _outcomes(world, "result")
    row = out.loc["newer"]
    assert row["outcome"] == "fallback_model"
    assert row["fallback"] == "market_adjusted_local"
    assert row["estimation_obs"] == 39  # listed at day -50: returns on days -49..-11
    assert MARKET_ADJUSTED_MIN_OBS <= 39 < FALLBACK_MIN_OBS
    days: pd.DatetimeIndex = world["days"]  # type: ignore[assignment]
    closes: dict[str, pd.Series] = world["closes"]  # type: ignore[assignment]
    r, m = _returns(closes["NEWER"]), _returns(closes["IDX"])
    ars = world["result"].abnormal_returns  # type: ignore[attr-defined]
    got = ars[(ars["event_id"] == "newer") & ars["event_time"].between(-1, 1)].set_index("date")["ar"]
    window = days[DAY0_POS - 1 : DAY0_POS + 2]
    np.testing.assert_allclose(got.to_numpy(), (r[window] - m[window]).to_numpy(), atol=1e-14)


def test_too_short_for_every_rule_stays_excluded_with_its_cause(world: dict[str, object]) -> None:
    row = _outcomes(world, "result").loc["tiny"]
    assert row["outcome"] == "thin_estimation"
    assert row["fallback"] == ""


def test_global_benchmark_with_usd_returns_for_a_missing_local_index(world: dict[str, object]) -> None:
    out = _outcomes(world, "result")
    row = out.loc["yen"]
    assert row["outcome"] == "fallback_model"
    assert row["fallback"] == "global_market"
    assert row["reason"].startswith("no_benchmark: ")
    assert "global benchmark SPY, returns in USD (converted from JPY)" in row["model_used"]
    days: pd.DatetimeIndex = world["days"]  # type: ignore[assignment]
    closes: dict[str, pd.Series] = world["closes"]  # type: ignore[assignment]
    usd = closes["YEN"] / closes["JPY=X"]
    ars = world["result"].abnormal_returns  # type: ignore[attr-defined]
    day0 = ars[(ars["event_id"] == "yen") & (ars["event_time"] == 0)].iloc[0]
    assert day0["return"] == pytest.approx(_returns(usd)[days[DAY0_POS]], abs=1e-12)
    assert day0["ticker"] == "YEN"


def test_merged_tables_panel_and_main_rows(world: dict[str, object]) -> None:
    result = world["result"]
    main = world["main"]
    out = result.outcomes  # type: ignore[attr-defined]
    assert out["event_id"].tolist() == ["new", "newer", "tiny", "yen", "spy-ok"]  # input order kept
    assert out.set_index("event_id").loc["spy-ok", "model_used"] == "market on IDX"
    used = out["outcome"].isin(["ok", "fallback_model"])
    assert result.panel.n_events == int(used.sum()) == main.panel.n_events + 3  # type: ignore[attr-defined]
    assert set(result.panel_event_ids) == set(out.loc[used, "event_id"])  # type: ignore[attr-defined]
    cars = result.cars  # type: ignore[attr-defined]
    assert set(cars["event_id"]) == set(out.loc[used, "event_id"])
    assert "NEW" in set(cars["ticker"])
    agg = result.aggregate  # type: ignore[attr-defined]
    assert int(agg[(agg["group"] == "all") & (agg["window"] == "0:0")]["n"].max()) == int(used.sum())


def test_usd_conversion_uses_the_last_earlier_rate() -> None:
    dates = pd.DatetimeIndex(["2025-01-06", "2025-01-07", "2025-01-08"])
    frame = pd.DataFrame({"close": [300.0, 330.0, 320.0], "adj_close": [150.0, 165.0, 160.0]}, index=dates)
    fx = pd.Series([150.0, 165.0], index=pd.DatetimeIndex(["2025-01-03", "2025-01-07"]))
    got = to_usd(frame, fx)
    np.testing.assert_allclose(got["close"].to_numpy(), [2.0, 2.0, 320.0 / 165.0])
    np.testing.assert_allclose(got["adj_close"].to_numpy(), [1.0, 1.0, 160.0 / 165.0])
