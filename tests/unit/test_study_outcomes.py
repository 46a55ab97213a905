"""Every outcome code produced by a crafted case, with its reason; and the specification's validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealstudy.errors import SpecificationError
from dealstudy.study import OUTCOMES, EventStudy, StudySpec


def _prices(rng: np.random.Generator, n: int = 600) -> tuple[pd.DatetimeIndex, dict[str, pd.Series]]:
    dates = pd.bdate_range("2021-01-01", periods=n)
    rm = rng.normal(0, 0.01, n)
    out = {"SPY": pd.Series(100 * np.cumprod(1 + rm), index=dates)}
    for t in ("AAA", "BBB"):
        out[t] = pd.Series(30 * np.cumprod(1 + 1.1 * rm + rng.normal(0, 0.02, n)), index=dates)
    return dates, out


def _one(
    events: list[tuple[str, str, pd.Timestamp]],
    prices: dict[str, pd.Series],
    spec: StudySpec | None = None,
    **kw: object,
) -> pd.DataFrame:
    ev = pd.DataFrame(events, columns=["event_id", "ticker", "day0"])
    if "market" in kw:
        ev["market"] = kw.pop("market")
    res = EventStudy(spec or StudySpec()).fit(ev, prices, **kw)  # type: ignore[arg-type]
    assert len(res.outcomes) == len(events)  # nothing dropped
    assert (res.outcomes["reason"].astype(str).str.len() > 0).to_numpy().sum() == (
        res.outcomes["outcome"] != "ok"
    ).sum()
    return res.outcomes.set_index("event_id")


def test_ok(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    out = _one([("e", "AAA", dates[400])], prices)
    assert out.loc["e", "outcome"] == "ok"
    assert out.loc["e", "reason"] == ""


def test_no_prices_carries_the_data_layers_reason(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    out = _one([("e", "ZZZ", dates[400])], prices, unavailable={"ZZZ": "offline: not in the cache"})
    assert out.loc["e", "outcome"] == "no_prices"
    assert "ZZZ" in out.loc["e", "reason"]
    assert "offline: not in the cache" in out.loc["e", "reason"]


def test_no_benchmark_missing_symbol_and_missing_event_day(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    out = _one(
        [("e", "AAA", dates[400])], prices, market=["^XYZ"], unavailable={"^XYZ": "download failed: HTTP 404"}
    )
    assert out.loc["e", "outcome"] == "no_benchmark"
    assert "^XYZ" in out.loc["e", "reason"]
    assert "HTTP 404" in out.loc["e", "reason"]
    short = dict(prices, SPY=prices["SPY"].iloc[:403])  # benchmark ends on day +2
    out = _one([("e", "AAA", dates[400])], short)
    assert out.loc["e", "outcome"] == "no_benchmark"
    assert "SPY" in out.loc["e", "reason"]
    assert "+3" in out.loc["e", "reason"]


def test_no_factors(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    factors = pd.DataFrame(
        {"mkt_rf": rng.normal(0, 0.01, 402), "smb": rng.normal(0, 0.005, 402), "hml": 0.0, "rf": 0.0001},
        index=dates[:402],
    )
    factors["hml"] = rng.normal(0, 0.005, 402)
    out = _one(
        [("e", "AAA", dates[400]), ("f", "AAA", dates[300])], prices, StudySpec(model="ff3"), factors=factors
    )
    assert out.loc["e", "outcome"] == "no_factors"
    assert "+2" in out.loc["e", "reason"]
    assert out.loc["f", "outcome"] == "ok"


def test_day0_outside_data(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    late = dates[-1] + pd.Timedelta(days=30)
    out = _one([("late", "AAA", late), ("early", "AAA", pd.Timestamp("2019-01-02"))], prices)
    assert (out["outcome"] == "day0_outside_data").all()
    assert "outside the price data of AAA" in out.loc["late", "reason"]


def test_thin_estimation_says_how_many(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    out = _one([("e", "AAA", dates[100])], prices)
    assert out.loc["e", "outcome"] == "thin_estimation"
    assert out.loc["e", "estimation_obs"] == 89  # days 1..89 (day 0 of the data has no return)
    reason = out.loc["e", "reason"]
    assert "89 estimation returns" in reason
    assert "120" in reason
    assert "before the first price" in reason
    assert _one([("e", "AAA", dates[100])], prices, StudySpec(min_obs=80)).loc["e", "outcome"] == "ok"


def test_a_short_benchmark_history_is_no_benchmark_not_thin_estimation(rng: np.random.Generator) -> None:
    """The ticker has 399 returns before day 0 but the local index starts 60 days before it (Samsung on a
    ^KS11 file that began in September 2025): the cause is the benchmark, and the code says so."""
    dates, prices = _prices(rng)
    prices["IDX"] = prices["SPY"].iloc[340:]  # the index starts at day -60 of an event on dates[400]
    out = _one([("e", "AAA", dates[400]), ("f", "BBB", dates[400])], prices, market=["IDX", "SPY"])
    assert out.loc["e", "outcome"] == "no_benchmark"
    reason = out.loc["e", "reason"]
    # estimation days -250..-11 = dates[150..389]; the index's first return is on dates[341]: 49 returns
    assert "benchmark IDX has no price on 191 of the 240 estimation days" in reason
    assert "49 estimation returns, fewer than the minimum 120" in reason
    assert out.loc["e", "estimation_obs"] == 49
    assert out.loc["f", "outcome"] == "ok"  # same ticker history, full benchmark


def test_gap_in_event_window(rng: np.random.Generator) -> None:
    """A missing price on day +3 (e.g. 005930.KS misses 2025-09-19): the widest window is incomplete."""
    dates, prices = _prices(rng)
    holed = prices["AAA"].copy()
    holed.iloc[403] = np.nan
    out = _one([("e", "AAA", dates[400])], dict(prices, AAA=holed))
    assert out.loc["e", "outcome"] == "gap_in_event_window"
    assert f"+3 ({dates[403].date()})" in out.loc["e", "reason"]
    # a missing row (the day absent from the data) given as day 0 is a gap too
    out = _one([("e", "AAA", dates[400])], dict(prices, AAA=prices["AAA"].drop(dates[400])))
    assert out.loc["e", "outcome"] == "gap_in_event_window"
    # the widest window running past the end of the data
    out = _one([("e", "AAA", dates[-4])], prices)
    assert out.loc["e", "outcome"] == "gap_in_event_window"
    assert "after the last price" in out.loc["e", "reason"]


def test_overlapping_event_same_day0(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    out = _one(
        [("first", "AAA", dates[400]), ("second", "AAA", dates[400]), ("other", "BBB", dates[400])], prices
    )
    assert out.loc["first", "outcome"] == "ok"
    assert out.loc["other", "outcome"] == "ok"
    assert out.loc["second", "outcome"] == "overlapping_event"
    assert "first" in out.loc["second", "reason"]


def test_zero_variance(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    flat_market = pd.Series(100.0, index=dates)
    out = _one([("e", "AAA", dates[400])], dict(prices, SPY=flat_market))
    assert out.loc["e", "outcome"] == "zero_variance"
    assert "no variation" in out.loc["e", "reason"]
    out = _one([("e", "AAA", dates[400])], dict(prices, AAA=prices["SPY"] * 2.0))  # R = R_m exactly
    assert out.loc["e", "outcome"] == "zero_variance"
    assert "residual variance is zero" in out.loc["e", "reason"]


def test_zero_variance_among_fitted_events_keeps_theirs(rng: np.random.Generator) -> None:
    """A zero-variance event between fitted ones (SPY against itself, say) is dropped from the fitted arrays
    without disturbing the others: each keeps the CAR and t it has when studied alone (this mix once raised
    a broadcast error while the kept rows were moved up)."""
    dates, prices = _prices(rng)
    prices = dict(prices, CCC=prices["SPY"] * 3.0)  # R = R_m exactly: zero residual variance
    events = [("a", "AAA", dates[400]), ("z", "CCC", dates[410]), ("b", "BBB", dates[420])]
    ev = pd.DataFrame(events, columns=["event_id", "ticker", "day0"])
    res = EventStudy(StudySpec()).fit(ev, prices)
    out = res.outcomes.set_index("event_id")
    assert out["outcome"].to_dict() == {"a": "ok", "z": "zero_variance", "b": "ok"}
    cars = res.cars.set_index(["event_id", "window"])
    for eid, ticker, day0 in (events[0], events[2]):
        alone = EventStudy(StudySpec()).fit(
            pd.DataFrame([(eid, ticker, day0)], columns=["event_id", "ticker", "day0"]), prices
        )
        ref = alone.cars.set_index(["event_id", "window"])
        pd.testing.assert_frame_equal(cars.loc[[eid]], ref, check_exact=False, rtol=1e-12)


def test_every_code_is_covered() -> None:
    assert set(OUTCOMES) == {
        "ok", "no_prices", "no_benchmark", "no_factors", "day0_outside_data", "thin_estimation",
        "gap_in_event_window", "overlapping_event", "zero_variance", "fallback_model",
        "suspect_prices",  # set by the study pipeline (tests/faults/test_suspect_prices.py)
    }  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": "capm"}, "model"),
        ({"returns": "pct"}, "returns"),
        ({"estimation": (-250, 0)}, "must end before"),
        ({"estimation": (-11, -250)}, "start must not be after end"),
        ({"windows": ()}, "at least one"),
        ({"windows": ((0, 0), (0, 0))}, "duplicates"),
        ({"min_obs": 1}, "min_obs"),
        ({"min_obs": 500}, "exceeds"),
        ({"model": "custom"}, "needs benchmarks"),
        ({"benchmarks": ("SMH",)}, "only used by model 'custom'"),
        ({"scholes_williams": True, "model": "ff3"}, "market model only"),
        ({"variance": "robust"}, "variance"),
        ({"sigma_ddof": 1}, "sigma_ddof"),
        ({"windows": ((0.5, 1),)}, "integers"),
    ],
)
def test_spec_validation(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(SpecificationError, match=message):
        StudySpec(**kwargs)  # type: ignore[arg-type]


def test_spec_accepts_window_strings_and_is_frozen() -> None:
    spec = StudySpec(windows=("0:0", "-1:1"), estimation="-200:-20", min_obs=100)  # type: ignore[arg-type]
    assert spec.windows == ((0, 0), (-1, 1))
    assert spec.estimation == (-200, -20)
    assert spec.widest_window == (-1, 1)
    with pytest.raises(AttributeError):
        spec.model = "ff3"  # type: ignore[misc]


def test_bad_events_frame(rng: np.random.Generator) -> None:
    dates, prices = _prices(rng)
    study = EventStudy()
    with pytest.raises(SpecificationError, match="missing column"):
        study.fit(pd.DataFrame({"event_id": ["a"], "day0": [dates[0]]}), prices)
    with pytest.raises(SpecificationError, match="duplicate event_id"):
        study.fit(
            pd.DataFrame({"event_id": ["a", "a"], "ticker": ["AAA"] * 2, "day0": [dates[400]] * 2}), prices
        )
    with pytest.raises(SpecificationError, match="needs factor data"):
        EventStudy(StudySpec(model="ff5")).fit(
            pd.DataFrame({"event_id": ["a"], "ticker": ["AAA"], "day0": [dates[400]]}), prices
        )
