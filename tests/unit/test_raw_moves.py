"""Raw day-0 moves: hand-worked figures, for excluded events too, with what is missing said."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dealstudy.pipeline.raw_moves import raw_moves


def test_raw_move_and_dollar_change_whatever_the_outcome() -> None:
    dates = pd.DatetimeIndex(["2025-10-02", "2025-10-03", "2025-10-06"])
    closes = {
        "AAA": pd.Series([100.0, 164.67, 203.71], index=dates),
        "JJJ.T": pd.Series([5000.0, 4995.0, 5200.0], index=dates),
    }
    events = pd.DataFrame(
        {
            "event_id": ["a", "j", "z"],
            "ticker": ["AAA", "JJJ.T", "ZZZ"],
            "exchange": ["XNAS", "XTKS", "XNYS"],
            "day0": [dates[2], dates[2], dates[2]],
        }
    )
    codes = ["overlapping_event", "ok", "no_prices"]
    outcomes = pd.DataFrame({"event_id": ["a", "j", "z"], "outcome": codes})
    shares = pd.DataFrame(
        {
            "symbol": ["AAA", "AAA"],
            "as_of": pd.to_datetime(["2025-06-30", "2025-10-04"]),
            "shares": [1.6e9, 9.9e9],
            "source": ["10-Q", "later"],
        }
    )
    fx = {"JPY": pd.Series([147.0, 150.0], index=pd.DatetimeIndex(["2025-10-01", "2025-10-06"]))}
    got = raw_moves(events, outcomes, closes, shares, fx).set_index("event_id")
    a = got.loc["a"]
    assert a["outcome"] == "overlapping_event"  # excluded from the statistics, still reported
    assert a["raw_return"] == pytest.approx(203.71 / 164.67 - 1)  # +23.71%, the AMD-OpenAI day
    assert a["shares"] == 1.6e9  # the count on or before day -1 (2025-10-03), not the later one
    assert a["raw_change_usd"] == pytest.approx((203.71 - 164.67) * 1.6e9)
    j = got.loc["j"]
    assert j["raw_return"] == pytest.approx(5200 / 4995 - 1)
    assert math.isnan(j["raw_change_usd"])
    assert "no shares outstanding for JJJ.T on or before 2025-10-03" in j["note"]
    assert j["currency"] == "JPY"
    assert got.loc["z", "note"] == "no prices for ZZZ"
