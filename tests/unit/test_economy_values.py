"""Dollar value of market reactions: hand-worked examples, currency conversion and missing-data paths."""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealstudy.catalog.schema import Deal, Security
from dealstudy.economy.currency import rate_on
from dealstudy.economy.legs import legs_frame
from dealstudy.economy.shares import shares_as_of
from dealstudy.economy.values import dollar_values, multiple

DATES = pd.bdate_range("2025-09-29", periods=10)  # Mon 29 Sep .. Fri 10 Oct 2025


def _deal(
    ticker: str = "AAA",
    exchange: str = "XNAS",
    headline: float | None = 10e9,
    binding: float | None = 4e9,
    deal_id: str = "d1",
) -> Deal:
    return Deal(
        id=deal_id,
        title="t",
        announced=dt.date(2025, 10, 6),
        timing="pre_market",
        counterparty="OpenAI",
        kind="chip_supply",
        binding_status="contract_with_options",
        securities=(Security(ticker=ticker, role="supplier", exchange=exchange),),
        sources=("https://x",),
        headline_value_usd=headline,
        binding_value_usd=binding,
    )


def _study(event_id: str, ticker: str, ars: dict[int, float], day0_pos: int = 5) -> tuple[pd.DataFrame, ...]:
    outcomes = pd.DataFrame(
        [{"event_id": event_id, "ticker": ticker, "day0": DATES[day0_pos], "outcome": "ok", "reason": ""}]
    )
    abnormal = pd.DataFrame(
        [
            {"event_id": event_id, "ticker": ticker, "event_time": t, "date": DATES[day0_pos + t], "ar": a}
            for t, a in ars.items()
        ]
    )
    cars = pd.DataFrame(
        [
            {
                "event_id": event_id,
                "ticker": ticker,
                "window": "-1:1",
                "car": sum(ars[t] for t in (-1, 0, 1)),
                "t_stat": 2.0,
                "p_value": 0.05,
            },
            {
                "event_id": event_id,
                "ticker": ticker,
                "window": "0:0",
                "car": ars[0],
                "t_stat": 3.0,
                "p_value": 0.01,
            },
        ]
    )
    return outcomes, abnormal, cars


CLOSES = pd.Series([100.0, 101, 102, 103, 104, 120, 125, 122, 121, 123], index=DATES)
ARS = {-2: 0.001, -1: 0.005, 0: 0.15, 1: 0.03, 2: -0.01}
SHARES = pd.DataFrame(
    [
        {"symbol": "AAA", "as_of": dt.date(2025, 6, 30), "shares": 1e9, "source": "old"},
        {"symbol": "AAA", "as_of": dt.date(2025, 10, 3), "shares": 2e9, "source": "cover"},  # == day -1: used
        {"symbol": "AAA", "as_of": dt.date(2025, 10, 6), "shares": 5e9, "source": "too late"},
    ]
)


def test_usd_listing_values_by_hand() -> None:
    outcomes, abnormal, cars = _study("d1:AAA", "AAA", ARS)
    values = dollar_values(
        legs_frame([_deal()]), outcomes, abnormal, cars, {"AAA": CLOSES}, SHARES, {}, [(-1, 1), (0, 0)]
    )
    row = values[values["window"] == "-1:1"].iloc[0]
    # day -1 = 2025-10-03 (close 104); the share row dated 2025-10-03 is the latest on or before it.
    assert row["date_m1"] == pd.Timestamp("2025-10-03")
    assert row["shares"] == 2e9
    assert row["shares_source"] == "cover"
    assert row["market_cap_usd"] == pytest.approx(104 * 2e9, rel=1e-12)
    # compounded: AR_-1 x cap(-2) + AR_0 x cap(-1) + AR_1 x cap(0)
    expected = (0.005 * 103 + 0.15 * 104 + 0.03 * 120) * 2e9
    assert row["abnormal_value_usd"] == pytest.approx(expected, rel=1e-12)
    assert row["car_value_usd"] == pytest.approx((0.005 + 0.15 + 0.03) * 104 * 2e9, rel=1e-12)
    assert row["raw_value_usd"] == pytest.approx((125 - 103) * 2e9, rel=1e-12)
    assert row["outcome"] == "ok"
    assert row["reason"] == ""
    assert row["press_release_multiple"] == pytest.approx(expected / 10e9, rel=1e-12)
    assert row["binding_multiple"] == pytest.approx(expected / 4e9, rel=1e-12)
    single = values[values["window"] == "0:0"].iloc[0]
    assert single["abnormal_value_usd"] == pytest.approx(0.15 * 104 * 2e9, rel=1e-12)
    assert single["car"] == pytest.approx(0.15)
    assert single["t_stat"] == 3.0


def test_jpy_listing_converted_at_previous_days_rate() -> None:
    closes = CLOSES * 50  # yen
    shares = SHARES.assign(symbol="9984.T")
    # JPY=X has no row on 2025-10-02 (Thursday): that day's dollars use 2025-10-01's rate.
    rates = pd.Series(
        [150.0, 148.0, 149.0, 151.0, 147.0, 146.0],
        index=pd.to_datetime(
            ["2025-09-30", "2025-10-01", "2025-10-03", "2025-10-06", "2025-10-07", "2025-10-08"]
        ),
    )
    outcomes, abnormal, cars = _study("d1:9984.T", "9984.T", ARS)
    values = dollar_values(
        legs_frame([_deal("9984.T", "XTKS")]),
        outcomes,
        abnormal,
        cars,
        {"9984.T": closes},
        shares,
        {"JPY": rates},
        [(-1, 1)],
    )
    row = values.iloc[0]
    assert row["currency"] == "JPY"
    assert row["outcome"] == "ok"
    cap = {d: c * 2e9 for d, c in closes.items()}
    day = pd.Timestamp
    expected = (
        0.005 * cap[day("2025-10-02")] / 148.0
        + 0.15 * cap[day("2025-10-03")] / 149.0
        + 0.03 * cap[day("2025-10-06")] / 151.0
    )
    assert row["abnormal_value_usd"] == pytest.approx(expected, rel=1e-12)
    assert row["market_cap_usd"] == pytest.approx(104 * 50 * 2e9 / 149.0, rel=1e-12)
    assert row["market_cap_local"] == pytest.approx(104 * 50 * 2e9, rel=1e-12)
    raw = (
        (closes[day("2025-10-03")] - closes[day("2025-10-02")]) / 148.0
        + (closes[day("2025-10-06")] - closes[day("2025-10-03")]) / 149.0
        + (closes[day("2025-10-07")] - closes[day("2025-10-06")]) / 151.0
    ) * 2e9
    assert row["raw_value_usd"] == pytest.approx(raw, rel=1e-12)


def test_krw_listing_and_missing_rate_keeps_local_currency_with_flag() -> None:
    closes = CLOSES * 1000
    shares = SHARES.assign(symbol="005930.KS")
    outcomes, abnormal, cars = _study("d1:005930.KS", "005930.KS", ARS)
    legs = legs_frame([_deal("005930.KS", "XKRX")])
    rates = pd.Series([1400.0], index=pd.to_datetime(["2025-09-01"]))
    ok = dollar_values(
        legs, outcomes, abnormal, cars, {"005930.KS": closes}, shares, {"KRW": rates}, [(-1, 1)]
    )
    assert ok.iloc[0]["fx_rate_m1"] == 1400.0
    assert ok.iloc[0]["fx_rate_date"] == pd.Timestamp("2025-09-01")
    assert ok.iloc[0]["abnormal_value_usd"] == pytest.approx(ok.iloc[0]["abnormal_value_local"] / 1400.0)
    missing = dollar_values(legs, outcomes, abnormal, cars, {"005930.KS": closes}, shares, {}, [(-1, 1)])
    row = missing.iloc[0]
    assert row["outcome"] == "no_fx_rate"
    assert "KRW=X" in row["reason"]
    assert "kept in KRW" in row["reason"]
    assert math.isnan(row["abnormal_value_usd"])
    assert math.isnan(row["market_cap_usd"])
    local = (0.005 * 103 + 0.15 * 104 + 0.03 * 120) * 1000 * 2e9
    assert row["abnormal_value_local"] == pytest.approx(local, rel=1e-12)
    assert row["press_release_multiple_reason"] == "no dollar value"
    # a rate series that starts after day -1 is missing too
    late = pd.Series([1400.0], index=pd.to_datetime(["2025-10-20"]))
    assert rate_on(late, "KRW", dt.date(2025, 10, 3)) is None


def test_rate_on_uses_last_earlier_row_and_usd_is_one() -> None:
    rates = pd.Series(
        [150.0, np.nan, 152.0], index=pd.to_datetime(["2025-01-02", "2025-01-03", "2025-01-06"])
    )
    found = rate_on(rates, "JPY", dt.date(2025, 1, 5))
    assert found is not None
    assert found.rate == 150.0
    assert found.rate_date == dt.date(2025, 1, 2)
    assert found.stale_days == 3
    usd = rate_on(None, "USD", dt.date(2025, 1, 5))
    assert usd is not None
    assert usd.rate == 1.0


def test_missing_shares_and_failed_study_give_outcome_codes() -> None:
    outcomes, abnormal, cars = _study("d1:AAA", "AAA", ARS)
    no_shares = dollar_values(
        legs_frame([_deal()]), outcomes, abnormal, cars, {"AAA": CLOSES}, SHARES.iloc[0:0], {}, [(-1, 1)]
    )
    row = no_shares.iloc[0]
    assert row["outcome"] == "no_shares"
    assert "no shares outstanding for AAA on or before 2025-10-03" in row["reason"]
    assert row["car"] == pytest.approx(0.185)  # the study's CAR is still reported
    thin = outcomes.assign(outcome="thin_estimation", reason="80 estimation returns < 120")
    failed = dollar_values(
        legs_frame([_deal()]),
        thin,
        abnormal.iloc[0:0],
        cars.iloc[0:0],
        {"AAA": CLOSES},
        SHARES,
        {},
        [(-1, 1)],
    )
    assert failed.iloc[0]["outcome"] == "thin_estimation"
    assert failed.iloc[0]["market_cap_usd"] == pytest.approx(104 * 2e9)  # known even without a study
    assert math.isnan(failed.iloc[0]["abnormal_value_usd"])
    absent = dollar_values(
        legs_frame([_deal()]), outcomes.iloc[0:0], abnormal, cars, {}, SHARES, {}, [(-1, 1)]
    )
    assert absent.iloc[0]["outcome"] == "not_studied"


def test_multiples_not_available_reasons() -> None:
    assert multiple(5.0, 10.0, "headline value") == (0.5, "")
    assert multiple(5.0, math.nan, "headline value")[1] == "headline value undisclosed"
    assert multiple(5.0, 0.0, "binding value")[1] == "binding value is zero"
    assert multiple(math.nan, 10.0, "binding value")[1] == "no dollar value"
    outcomes, abnormal, cars = _study("d1:AAA", "AAA", ARS)
    values = dollar_values(
        legs_frame([_deal(headline=None, binding=0.0)]),
        outcomes,
        abnormal,
        cars,
        {"AAA": CLOSES},
        SHARES,
        {},
        [(-1, 1)],
    )
    row = values.iloc[0]
    assert math.isfinite(row["abnormal_value_usd"])  # the dollar reaction is there
    assert math.isnan(row["press_release_multiple"])
    assert row["press_release_multiple_reason"] == "headline value undisclosed"
    assert math.isnan(row["binding_multiple"])
    assert row["binding_multiple_reason"] == "binding value is zero"


def test_shares_as_of_picks_latest_on_or_before() -> None:
    found = shares_as_of(SHARES, "AAA", dt.date(2025, 10, 5))
    assert found is not None
    assert found.shares == 2e9
    assert found.as_of == dt.date(2025, 10, 3)
    assert shares_as_of(SHARES, "AAA", dt.date(2025, 1, 1)) is None
    assert shares_as_of(SHARES, "BBB", dt.date(2025, 10, 5)) is None


@pytest.mark.shared
def test_amd_openai_dollar_value_by_hand_from_snapshot(prices_dir: Path) -> None:
    """AMD on 2025-10-06 (pre-market AMD-OpenAI 6 GW deal): market model on SPY, window -1:1, by hand."""
    amd = pd.read_csv(prices_dir / "AMD.csv", parse_dates=["date"]).set_index("date")
    spy = pd.read_csv(prices_dir / "SPY.csv", parse_dates=["date"]).set_index("date")
    shares = pd.read_csv(prices_dir / "shares_outstanding.csv")
    r = amd["adj_close"].pct_change()
    m = spy["adj_close"].pct_change().reindex(r.index)
    pos0 = list(amd.index).index(pd.Timestamp("2025-10-06"))
    est = slice(pos0 - 250, pos0 - 10)  # event days -250..-11
    x, y = m.iloc[est].to_numpy(), r.iloc[est].to_numpy()
    beta = np.cov(x, y, ddof=1)[0, 1] / np.var(x, ddof=1)
    alpha = y.mean() - beta * x.mean()
    ars = {t: float(r.iloc[pos0 + t] - alpha - beta * m.iloc[pos0 + t]) for t in range(-1, 2)}
    # shares: the latest AMD row on or before day -1 (2025-10-03) is 2025-09-30, 1,628,000,000
    count = (
        shares[(shares["symbol"] == "AMD") & (shares["as_of"] <= "2025-10-03")].sort_values("as_of").iloc[-1]
    )
    assert count["as_of"] == "2025-09-30"
    assert count["shares"] == 1_628_000_000
    closes = amd["close"]
    hand = sum(ars[t] * closes.iloc[pos0 + t - 1] * count["shares"] for t in range(-1, 2))
    assert closes.iloc[pos0 - 1] == pytest.approx(164.67)
    assert ars[0] > 0.2  # the +23.7% day
    outcomes = pd.DataFrame(
        [
            {
                "event_id": "amd-openai-6gw:AMD",
                "ticker": "AMD",
                "day0": amd.index[pos0],
                "outcome": "ok",
                "reason": "",
            }
        ]
    )
    abnormal = pd.DataFrame(
        [
            {
                "event_id": "amd-openai-6gw:AMD",
                "ticker": "AMD",
                "event_time": t,
                "date": amd.index[pos0 + t],
                "ar": a,
            }
            for t, a in ars.items()
        ]
    )
    deal = Deal(
        id="amd-openai-6gw",
        title="t",
        announced=dt.date(2025, 10, 6),
        timing="pre_market",
        counterparty="OpenAI",
        kind="chip_supply",
        binding_status="contract_plus_conditional_equity",
        securities=(Security("AMD", "supplier", "XNAS"),),
        sources=("https://x",),
    )
    values = dollar_values(
        legs_frame([deal]),
        outcomes,
        abnormal,
        abnormal.iloc[0:0].assign(window=[]),
        {"AMD": closes},
        shares,
        {},
        [(-1, 1)],
    )
    row = values.iloc[0]
    assert row["abnormal_value_usd"] == pytest.approx(hand, rel=1e-10)
    assert row["market_cap_usd"] == pytest.approx(164.67 * 1_628_000_000, rel=1e-10)
    assert 55e9 < hand < 75e9  # about $64bn of abnormal value over three days


@settings(max_examples=40, deadline=None)
@given(
    closes=st.lists(st.floats(10.0, 500.0), min_size=10, max_size=10),
    first=st.integers(-3, 0),
    length=st.integers(0, 3),
)
def test_property_abnormal_equals_raw_when_ar_is_the_raw_return(
    closes: list[float], first: int, length: int
) -> None:
    """Equivalence: with AR_t = P_t / P_{t-1} - 1 the compounded dollars telescope to (P_b - P_{a-1}) S."""
    series = pd.Series(closes, index=DATES)
    ars = {t: closes[5 + t] / closes[4 + t] - 1 for t in range(-4, 5)}
    outcomes, abnormal, _ = _study("d1:AAA", "AAA", ars)
    window = (first, min(first + length, 4))
    values = dollar_values(
        legs_frame([_deal()]),
        outcomes,
        abnormal,
        abnormal.iloc[0:0].assign(window=[]),
        {"AAA": series},
        SHARES,
        {},
        [window],
    )
    row = values.iloc[0]
    expected = (closes[5 + window[1]] - closes[4 + window[0]]) * 2e9
    assert row["abnormal_value_usd"] == pytest.approx(expected, rel=1e-9, abs=1e-3)
    assert row["raw_value_usd"] == pytest.approx(expected, rel=1e-9, abs=1e-3)


def test_unstudied_legs_carry_the_pipelines_reason() -> None:
    outcomes, abnormal, cars = _study("d1:AAA", "AAA", ARS)
    why = {"d1:AAA": ("day_unknown", "announcement day unknown (month precision)")}
    values = dollar_values(
        legs_frame([_deal()]),
        outcomes.iloc[0:0],
        abnormal.iloc[0:0],
        cars.iloc[0:0],
        {"AAA": CLOSES},
        SHARES,
        {},
        [(-1, 1)],
        why,
    )
    assert values.iloc[0]["outcome"] == "day_unknown"
    assert values.iloc[0]["reason"] == "announcement day unknown (month precision)"
    assert math.isnan(values.iloc[0]["abnormal_value_usd"])


def test_closes_cleaned_and_shares_indexed_beforehand_give_the_same_values() -> None:
    """A caller valuing several studies cleans the closes and indexes the share counts once and hands over
    the Closes and ShareTable objects."""
    from dealstudy.economy.shares import ShareTable
    from dealstudy.economy.window_value import clean_closes

    outcomes, abnormal, cars = _study("d1:AAA", "AAA", ARS)
    legs = legs_frame([_deal()])
    raw = dollar_values(legs, outcomes, abnormal, cars, {"AAA": CLOSES}, SHARES, {}, [(-1, 1), (0, 0)])
    cleaned = {"AAA": clean_closes(CLOSES)}
    table = ShareTable(SHARES)
    again = dollar_values(legs, outcomes, abnormal, cars, cleaned, table, {}, [(-1, 1), (0, 0)])
    pd.testing.assert_frame_equal(again, raw, check_exact=True)
    tripled = ShareTable(SHARES.assign(shares=SHARES["shares"] * 3))
    other = dollar_values(legs, outcomes, abnormal, cars, cleaned, tripled, {}, [(0, 0)])
    assert other["market_cap_usd"].iloc[0] == pytest.approx(3 * 104 * 2e9, rel=1e-12)
    # the handed-over object is what is read (doubled closes: doubled capitalisation)
    doubled = dollar_values(
        legs, outcomes, abnormal, cars, {"AAA": clean_closes(CLOSES * 2)}, SHARES, {}, [(0, 0)]
    )
    assert doubled["market_cap_usd"].iloc[0] == pytest.approx(2 * 104 * 2e9, rel=1e-12)


def test_day_minus_one_from_the_ar_rows_else_the_session_before_day_0() -> None:
    outcomes, abnormal, cars = _study("d1:AAA", "AAA", ARS)
    legs = legs_frame([_deal()])
    # the study's row of event day -1 names the date (here moved to 2025-10-02 to tell the two apart)
    moved = abnormal.assign(date=abnormal["date"].where(abnormal["event_time"] != -1, DATES[3]))
    values = dollar_values(legs, outcomes, moved, cars, {"AAA": CLOSES}, SHARES, {}, [(0, 0)])
    assert values["date_m1"].iloc[0] == DATES[3]
    assert values["close_m1"].iloc[0] == 103.0
    # without a row of event day -1: the last session before day 0
    no_m1 = abnormal[abnormal["event_time"] != -1]
    values = dollar_values(legs, outcomes, no_m1, cars, {"AAA": CLOSES}, SHARES, {}, [(0, 0)])
    assert values["date_m1"].iloc[0] == DATES[4]
    assert values["close_m1"].iloc[0] == 104.0


def test_event_rows_give_an_events_sessions_and_days_from_the_table() -> None:
    from dealstudy.economy.window_value import EventRows

    table = pd.DataFrame(
        {
            "event_id": ["a", "b", "a", "a", "b"],
            "event_time": [-1, 0, 0, 1, 1],
            "date": pd.to_datetime(
                [
                    "2025-01-02 16:00",
                    "2025-02-03 00:00",
                    "2025-01-03 00:00",
                    "2025-01-06 00:00",
                    "2025-02-04 00:00",
                ]
            ),
            "ar": [0.01, 0.02, 0.03, np.nan, 0.05],
        }
    )
    rows = EventRows(table)
    assert rows.sessions("a", 0, 1) == [pd.Timestamp("2025-01-03"), pd.Timestamp("2025-01-06")]
    assert rows.sessions("a", -1, -1) == [pd.Timestamp("2025-01-02")]  # normalised
    assert rows.sessions("b", 2, 5) == []
    assert rows.sessions("c", 0, 1) is None
    days = rows.days("a")
    assert days is not None
    assert days.day == {
        -1: pd.Timestamp("2025-01-02"),
        0: pd.Timestamp("2025-01-03"),
        1: pd.Timestamp("2025-01-06"),
    }
    assert days.ar[0] == 0.03
    assert np.isnan(days.ar[1])
    assert rows.days("a") is days  # built once
    assert rows.days("c") is None
