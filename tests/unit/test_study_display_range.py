"""The display range (``StudySpec.ar_range``): abnormal returns on event days outside the study windows, for
charts, that change no outcome, window, CAR, panel or test statistic.

Values are checked by hand against the market model fitted with ``numpy.linalg.lstsq`` on the estimation
window (relative 1e-10); invariance is exact equality of the tables.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealstudy.errors import SpecificationError
from dealstudy.study import EventStudy, StudySpec

P = 420  # position of day 0


def _prices(
    rng: np.random.Generator, gap: int | None = None
) -> tuple[pd.DatetimeIndex, dict[str, pd.Series]]:
    """Market-model prices on business days; ``gap``: event day (relative to ``P``) without a price."""
    dates = pd.bdate_range("2020-01-01", periods=700)
    rm = rng.normal(0.0004, 0.01, dates.size)
    rm[0] = 0.0
    r = 0.0003 + 1.1 * rm + rng.normal(0, 0.02, dates.size)
    r[0] = 0.0
    stock = 50 * np.cumprod(1 + r)
    if gap is not None:
        stock[P + gap] = np.nan
    return dates, {
        "SPY": pd.Series(100 * np.cumprod(1 + rm), index=dates),
        "AAA": pd.Series(stock, index=dates),
    }


def _events(dates: pd.DatetimeIndex) -> pd.DataFrame:
    return pd.DataFrame({"event_id": ["a"], "ticker": ["AAA"], "day0": [dates[P]]})


def test_display_days_by_hand_with_a_missing_price(rng: np.random.Generator) -> None:
    """Day -8 (outside the widest window -5..10): AR = R - alpha - beta R_m with the fitted parameters and
    var(AR) = s^2 (1 + x'(X'X)^{-1} x). No price on day -7: no AR on -7 and -6 (both returns touch it), no
    row, and the event is still ``ok`` (the study windows do not reach it)."""
    dates, prices = _prices(rng, gap=-7)
    res = EventStudy(StudySpec()).fit(_events(dates), prices)
    assert res.outcomes.loc[0, "outcome"] == "ok"
    close, spy = prices["AAA"].to_numpy(), prices["SPY"].to_numpy()
    r = close[1:] / close[:-1] - 1  # r[j] is the return of dates[j + 1]
    rm = spy[1:] / spy[:-1] - 1
    est = slice(P - 251, P - 11)  # days -250..-11
    X = np.column_stack([np.ones(240), rm[est]])
    (alpha, beta), *_ = np.linalg.lstsq(X, r[est], rcond=None)
    s2 = np.sum((r[est] - X @ [alpha, beta]) ** 2) / 238
    o = res.outcomes.iloc[0]
    assert (o["alpha"], o["beta"]) == pytest.approx((alpha, beta), rel=1e-10)

    ars = res.abnormal_returns.set_index("event_time")
    assert list(ars.index) == [-10, -9, -8, *range(-5, 11)]  # -7 and -6 missing
    assert list(ars.loc[ars["in_window"]].index) == list(range(-5, 11))
    j = P - 8 - 1
    row = ars.loc[-8]
    assert row["date"] == dates[P - 8]
    assert row["return"] == pytest.approx(r[j], rel=1e-12)
    assert row["expected_return"] == pytest.approx(alpha + beta * rm[j], rel=1e-10)
    assert row["ar"] == pytest.approx(r[j] - alpha - beta * rm[j], rel=1e-10)
    x = np.array([1.0, rm[j]])
    assert row["var_ar"] == pytest.approx(s2 * (1 + x @ np.linalg.inv(X.T @ X) @ x), rel=1e-10)
    # running sum over the days present, from day -10; its variance sums the present days' design rows
    present = [-10, -9, -8, *range(-5, 1)]
    Xp = np.column_stack([np.ones(len(present)), [rm[P + d - 1] for d in present]])
    arp = np.array([r[P + d - 1] for d in present]) - Xp @ [alpha, beta]
    assert ars.loc[0, "cum_ar"] == pytest.approx(arp.sum(), rel=1e-10)
    V = s2 * (np.eye(len(present)) + Xp @ np.linalg.inv(X.T @ X) @ Xp.T)
    assert ars.loc[0, "var_cum_ar"] == pytest.approx(V.sum(), rel=1e-10)
    # the CARs use the widest window only: the -5:5 CAR is the sum of its own ARs
    car = res.cars.set_index("window").loc["-5:5", "car"]
    assert car == pytest.approx(ars.loc[-5:5, "ar"].sum(), rel=1e-12)


@pytest.mark.parametrize(
    ("windows", "narrow"),
    [
        (((0, 0), (-1, 1), (0, 1), (-5, 5), (0, 10)), (-5, 10)),  # display days before the widest window
        (((0, 0), (-1, 1)), (-1, 1)),  # and after it: the engine's day axis grows to +10
    ],
)
def test_display_range_changes_no_statistic(
    rng: np.random.Generator, windows: tuple[tuple[int, int], ...], narrow: tuple[int, int]
) -> None:
    """ar_range -10..10 against ar_range = the widest window: identical outcomes, CARs, panel, aggregate
    tests and in-window AR rows; a missing price on display day -8 and on day +7 is not a gap."""
    dates, prices = _prices(rng, gap=-8)
    if narrow == (-1, 1):
        prices["AAA"].iloc[P + 7] = np.nan
    second = pd.DataFrame({"event_id": ["b"], "ticker": ["SPY"], "day0": [dates[P + 100]], "market": ["AAA"]})
    events = pd.concat([_events(dates), second], ignore_index=True)
    wide = EventStudy(StudySpec(windows=windows)).fit(events, prices)
    base = EventStudy(StudySpec(windows=windows, ar_range=narrow)).fit(events, prices)
    assert wide.spec.ar_range == (-10, 10)
    assert wide.n_ok == 2
    pd.testing.assert_frame_equal(wide.outcomes, base.outcomes)
    pd.testing.assert_frame_equal(wide.cars, base.cars)
    pd.testing.assert_frame_equal(wide.aggregate, base.aggregate)
    for name in ("rel_days", "ar", "var_ar", "car_var", "is_event", "is_estimation"):
        np.testing.assert_array_equal(getattr(wide.panel, name), getattr(base.panel, name))
    assert wide.panel.rel_days[-1] == narrow[1]
    inside = wide.abnormal_returns[wide.abnormal_returns["in_window"]].reset_index(drop=True)
    columns = ["event_id", "ticker", "event_time", "date", "return", "expected_return", "ar", "var_ar"]
    pd.testing.assert_frame_equal(inside[columns], base.abnormal_returns[columns])
    assert base.abnormal_returns["in_window"].all()
    shown = wide.abnormal_returns.groupby("event_id")["event_time"].agg(list)
    assert -8 not in shown["a"]
    assert -10 in shown["a"]
    assert shown["b"] == list(range(-10, 11))
    assert (7 in shown["a"]) is (narrow != (-1, 1))


def test_ar_range_validation_and_clipping() -> None:
    spec = StudySpec(estimation=(-100, -3), min_obs=60, windows=((0, 1),))
    assert spec.ar_range == (-2, 10)  # clipped to the day after the estimation window
    assert spec.last_day == 10
    assert StudySpec(ar_range="-3:3").ar_range == (-3, 3)
    assert StudySpec(ar_range=(-3, 3)).last_day == 10  # the widest window -5..10 still ends at +10
    for bad, words in (
        ((-20, -11), "inside the estimation window"),
        ((3, 1), "start must not be after end"),
        ((0, 1.5), "integers"),
        ("1", "START:END"),
    ):
        with pytest.raises(SpecificationError, match=words):
            StudySpec(ar_range=bad)  # type: ignore[arg-type]


def test_display_day_beyond_the_benchmarks_last_price_has_no_ar() -> None:
    """A display-only day where the benchmark has no return gets no AR (not R - alpha)."""
    rng = np.random.default_rng(7)
    dates = pd.bdate_range("2024-01-01", periods=320)
    market = pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, 320)), index=dates)
    stock = pd.Series(50 * np.cumprod(1 + rng.normal(0, 0.02, 320)), index=dates)
    day0 = dates[300]
    prices = {"X": stock, "SPY": market.iloc[:304]}  # the benchmark's last price is on day +3
    events = pd.DataFrame({"event_id": ["e"], "ticker": ["X"], "day0": [day0]})
    results = EventStudy(StudySpec(windows=("0:1",), ar_range=(-10, 10))).fit(events, prices)
    assert results.outcomes["outcome"].iloc[0] == "ok"
    shown = set(results.abnormal_returns["event_time"])
    assert shown == set(range(-10, 4))  # days +4..+10 have a stock return but no benchmark return
