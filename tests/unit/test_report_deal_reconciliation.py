"""The deal pages' reconciliation rows: day-0 figures from the 0:0 row, window figures from the window's."""

from __future__ import annotations

import math

import pandas as pd

from dealstudy.report.finding import deal_reconciliation, signed_usd

NAN = math.nan


def _value(event_id: str, window: str, raw: float, abnormal: float, **more: object) -> dict[str, object]:
    deal, _, ticker = event_id.partition(":")
    row: dict[str, object] = {
        "event_id": event_id,
        "deal_id": deal,
        "ticker": ticker,
        "window": window,
        "role": "supplier",
        "direct": True,
        "confounded": None,
        "confounders": "",
        "raw_value_usd": raw,
        "abnormal_value_usd": abnormal,
        "shares": 2e9,
        "shares_as_of": pd.Timestamp("2025-06-30"),
        "shares_source": "10-Q; cover",
        "shares_stale": False,
        "shares_later": NAN,
        "shares_later_as_of": pd.NaT,
        "raw_value_usd_later_shares": NAN,
        "abnormal_value_usd_later_shares": NAN,
    }
    return row | more


VALUES = pd.DataFrame(
    [
        _value("d1:AAA", "0:0", 1e9, 2e9, confounded=True),
        _value("d1:AAA", "0:1", 3e9, 4e9, confounded=True),
        _value("d1:BBB", "0:1", 5e9, 6e9, role="read-across", direct=False, confounded=False),  # no 0:0 row
        _value(
            "d2:CCC",
            "0:0",
            7e9,
            8e9,
            shares_stale=True,
            shares_later=2.2e9,
            shares_later_as_of=pd.Timestamp("2025-09-30"),
            raw_value_usd_later_shares=7.7e9,
            abnormal_value_usd_later_shares=8.8e9,
        ),
        _value("d2:CCC", "0:1", 9e9, 10e9, shares=NAN),
    ]
)
PRESS = pd.DataFrame(
    [
        {
            "deal_id": "d1",
            "ticker": "AAA",
            "window": "0:0",
            "press_claim_usd": 11e9,
            "press_basis": "intraday",
            "press_source": "Reuters",
            "intraday_high_usd": 12e9,
        },
        {
            "deal_id": "d1",
            "ticker": "AAA",
            "window": "0:1",
            "press_claim_usd": NAN,
            "press_basis": None,
            "press_source": None,
            "intraday_high_usd": 13e9,
        },
    ]
)


def test_rows_by_deal_with_day_0_and_window_figures() -> None:
    out = deal_reconciliation(VALUES, PRESS, "0:1")
    assert list(out) == ["d1", "d2"]
    aaa, bbb = out["d1"]
    assert (aaa["ticker"], aaa["direct"], aaa["status"]) == ("AAA", "yes", "confounded")
    assert (aaa["claim"], aaa["claim_basis"], aaa["claim_source"]) == (
        signed_usd(11e9),
        "intraday",
        "Reuters",
    )
    assert (aaa["c2c_0"], aaa["abnormal_0"], aaa["high_0"]) == (
        signed_usd(1e9),
        signed_usd(2e9),
        signed_usd(12e9),
    )
    assert (aaa["c2c_w"], aaa["abnormal_w"], aaa["high_w"]) == (
        signed_usd(3e9),
        signed_usd(4e9),
        signed_usd(13e9),
    )
    assert aaa["shares"] == "2,000m shares as of 2025-06-30 (10-Q)"
    assert aaa["stale"] == ""
    # a spillover without a 0:0 row: its window row stands in for day 0; no press claim
    assert (bbb["direct"], bbb["status"], bbb["claim"], bbb["high_0"]) == (
        "no (spillover)",
        "clean",
        "n/a",
        "n/a",
    )
    assert (bbb["c2c_0"], bbb["c2c_w"]) == (signed_usd(5e9), signed_usd(5e9))
    (ccc,) = out["d2"]
    assert ccc["status"] == "unknown"
    assert ccc["shares"] == "no share count"  # the window row's count
    assert ccc["stale"].startswith("Stale count: 2,200m shares as of 2025-09-30 (10.0%)")  # the 0:0 row's
    assert signed_usd(8.8e9) in ccc["stale"]
