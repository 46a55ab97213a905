"""One day-0 rule: the engine, given an announcement date and timing, picks the day 0 that
:func:`dealstudy.data.calendars.map_day0` picks for a New York listing on the same data dates."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

from dealstudy.data.calendars import map_day0, sessions
from dealstudy.study import EventStudy, StudySpec

TIMINGS = ("pre_market", "intraday", "after_close", "non_trading_day", "unknown")


def _engine_timing(timing: str) -> str:
    """The engine's spelling: no timing ("") is map_day0's ``unknown``."""
    return "" if timing == "unknown" else timing


def test_engine_day0_equals_map_day0_on_nyse_sessions() -> None:
    days = sessions("XNYS", "2024-01-02", "2025-12-31")
    dates = [
        dt.date(2025, 6, 11),  # a Wednesday session
        dt.date(2025, 6, 14),  # a Saturday
        dt.date(2025, 7, 4),  # Independence Day
        dt.date(2025, 11, 28),  # the day after Thanksgiving (early close, a session)
    ]
    cases = [(d, t) for d in dates for t in TIMINGS]
    rng = np.random.default_rng(20261204)
    symbols = ["SPY", *(f"T{k}" for k in range(len(cases)))]  # one ticker per event: no overlaps
    closes = {s: pd.Series(np.exp(np.cumsum(rng.normal(0, 0.01, days.size))), index=days) for s in symbols}
    rows = [
        {
            "event_id": f"{d}-{t}",
            "ticker": f"T{k}",
            "date": pd.Timestamp(d),
            "timing": t.replace("unknown", ""),
        }
        for k, (d, t) in enumerate(cases)
    ]
    spec = StudySpec(windows=("0:0",), estimation=(-200, -11), min_obs=100)
    out = EventStudy(spec).fit(pd.DataFrame(rows), closes).outcomes.set_index("event_id")
    assert (out["outcome"] == "ok").all()
    for d, t in cases:
        expected = map_day0(d, t, "XNYS", sessions=days).session  # type: ignore[arg-type]
        assert pd.Timestamp(out.loc[f"{d}-{t}", "day0"]).date() == expected, (d, t)
    assert out.loc["2025-06-11-non_trading_day", "day0_rule"] == "non_trading_day: next session"
    assert pd.Timestamp(out.loc["2025-06-11-non_trading_day", "day0"]).date() == dt.date(2025, 6, 12)


@pytest.mark.parametrize("timing", ["pre_market", "intraday", ""])
def test_a_session_date_is_day_0_unless_after_close(timing: str) -> None:
    days = pd.bdate_range("2024-01-01", periods=300)
    closes = {
        s: pd.Series(np.linspace(100, 130, days.size) + (s == "SPY"), index=days) for s in ("AAA", "SPY")
    }
    ev = pd.DataFrame({"event_id": ["e"], "ticker": ["AAA"], "date": [days[280]], "timing": [timing]})
    out = EventStudy(StudySpec(windows=("0:0",))).fit(ev, closes).outcomes
    assert out["day0"].iloc[0] == days[280]
