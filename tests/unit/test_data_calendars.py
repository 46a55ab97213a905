"""Exchange mapping, session checks and the day-0 rule on known cases."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pandas as pd
import pytest

from dealstudy.catalog.schema import Deal, Security
from dealstudy.data.calendars import check_sessions, day0_for_security, map_day0, sessions
from dealstudy.data.exchanges import exchange_for_symbol
from dealstudy.errors import MissingDataError, SpecificationError

D = dt.date


@pytest.mark.parametrize(
    ("symbol", "mic"),
    [
        ("AMZN", "XNYS"),
        ("NVDA", "XNYS"),
        ("9984.T", "XTKS"),
        ("005930.KS", "XKRX"),
        ("035720.KQ", "XKRX"),
        ("VOD.L", "XLON"),
        ("SAP.DE", "XETR"),
        ("0700.HK", "XHKG"),
        ("^N225", "XTKS"),
        ("^KS11", "XKRX"),
        ("^GSPC", "XNYS"),
        ("SPY", "XNYS"),
        ("JPY=X", None),
        ("KRW=X", None),
    ],
)
def test_exchange_for_symbol(symbol: str, mic: str | None) -> None:
    assert exchange_for_symbol(symbol) == mic


def test_unknown_suffix_is_an_error() -> None:
    with pytest.raises(SpecificationError, match=r"'\.ZZ'"):
        exchange_for_symbol("ABC.ZZ")


def test_sessions_skip_weekend_and_independence_day() -> None:
    got = sessions("XNAS", D(2025, 7, 2), D(2025, 7, 8))
    assert [d.date() for d in got] == [D(2025, 7, 2), D(2025, 7, 3), D(2025, 7, 7), D(2025, 7, 8)]
    assert got.tz is None


def test_check_sessions_finds_missing_and_extra() -> None:
    dates = [D(2025, 9, 17), D(2025, 9, 18), D(2025, 9, 20), D(2025, 9, 22)]  # no 19th; 20th is a Saturday
    check = check_sessions("XKRX", dates)
    assert check.missing == (D(2025, 9, 19),)
    assert check.extra == (D(2025, 9, 20),)
    assert not check.ok


@pytest.mark.shared
def test_check_sessions_on_real_samsung_file(prices_dir) -> None:
    dates = pd.read_csv(prices_dir / "005930.KS.csv")["date"]
    check = check_sessions("XKRX", pd.to_datetime(dates))
    assert check.missing == (D(2025, 9, 19),)
    assert check.extra == ()


# --- day 0 ----------------------------------------------------------------------------------------


def test_weekend_saturday_maps_to_monday() -> None:
    day0 = map_day0(D(2025, 10, 4), "non_trading_day", "XNAS")
    assert day0.session == D(2025, 10, 6)
    assert not day0.flagged
    assert "next session 2025-10-06" in day0.rule


def test_us_holiday_independence_day_maps_to_monday() -> None:
    assert map_day0(D(2025, 7, 4), "intraday", "XNYS").session == D(2025, 7, 7)
    assert map_day0(D(2025, 7, 4), "non_trading_day", "XNYS").session == D(2025, 7, 7)


def test_thanksgiving_maps_to_friday_and_early_close_counts() -> None:
    assert map_day0(D(2025, 11, 27), "pre_market", "XNYS").session == D(2025, 11, 28)
    # 2025-11-28 closes at 13:00 New York; 14:00 is after that close -> Monday
    at = dt.datetime(2025, 11, 28, 14, 0, tzinfo=ZoneInfo("America/New_York"))
    assert map_day0(D(2025, 11, 28), "unknown", "XNYS", announced_at=at).session == D(2025, 12, 1)


def test_pre_market_and_intraday_on_a_session_are_that_session() -> None:
    assert map_day0(D(2025, 10, 6), "pre_market", "XNAS").session == D(2025, 10, 6)
    assert map_day0(D(2025, 9, 22), "intraday", "XNAS").session == D(2025, 9, 22)


def test_after_close_on_friday_maps_to_monday() -> None:
    day0 = map_day0(D(2025, 10, 3), "after_close", "XNAS")
    assert day0.session == D(2025, 10, 6)
    assert day0.rule == "announced after the XNYS close on 2025-10-03: day 0 is the next session 2025-10-06"


def test_us_after_close_reaches_tokyo_next_local_morning() -> None:
    # Stargate: announced 2025-01-21 after the New York close -> 06:01 on 2025-01-22 in Tokyo
    day0 = map_day0(D(2025, 1, 21), "after_close", "XTKS")
    assert day0.session == D(2025, 1, 22)
    assert "2025-01-22 06:01 Asia/Tokyo" in day0.rule
    assert "before the XTKS open (09:00)" in day0.rule


def test_us_pre_market_reaches_tokyo_after_its_close() -> None:
    # 09:29 New York = 22:29/23:29 Tokyo, after Tokyo's close: next Tokyo session
    assert map_day0(D(2025, 10, 1), "pre_market", "XTKS").session == D(2025, 10, 2)


def test_korean_chuseok_holiday_maps_to_next_krx_session() -> None:
    # KRX closed 2025-10-03 (National Foundation Day), 10-06..10-08 (Chuseok), 10-09 (Hangul Day)
    assert map_day0(D(2025, 10, 6), "pre_market", "XKRX", reference_mic="XKRX").session == D(2025, 10, 10)
    assert map_day0(D(2025, 10, 2), "after_close", "XKRX", reference_mic="XKRX").session == D(2025, 10, 10)
    # a New York after-close announcement on Friday 10-03 reaches Seoul on Saturday morning
    assert map_day0(D(2025, 10, 3), "after_close", "XKRX").session == D(2025, 10, 10)


def test_samsung_sk_loi_after_krx_close() -> None:
    # OpenAI-Samsung/SK hynix letters of intent, 2025-10-01 after the KRX close
    local = map_day0(D(2025, 10, 1), "after_close", "XKRX", reference_mic="XKRX")
    assert local.session == D(2025, 10, 2)
    at = dt.datetime(2025, 10, 1, 17, 30, tzinfo=ZoneInfo("Asia/Seoul"))
    assert map_day0(D(2025, 10, 1), "unknown", "XKRX", announced_at=at).session == D(2025, 10, 2)


def test_unknown_timing_is_flagged() -> None:
    on_session = map_day0(D(2025, 9, 22), "unknown", "XNAS")
    assert on_session.session == D(2025, 9, 22)
    assert on_session.flagged
    weekend = map_day0(D(2025, 9, 20), "unknown", "XNAS")
    assert weekend.session == D(2025, 9, 22)
    assert weekend.flagged


def test_announced_at_is_converted_to_local_time() -> None:
    ny = ZoneInfo("America/New_York")
    before = dt.datetime(2025, 9, 22, 9, 0, tzinfo=ny)
    during = dt.datetime(2025, 9, 22, 15, 59, tzinfo=ny)
    after = dt.datetime(2025, 9, 22, 16, 0, tzinfo=ny)
    assert map_day0(D(2025, 9, 22), "after_close", "XNAS", announced_at=before).session == D(2025, 9, 22)
    assert map_day0(D(2025, 9, 22), "pre_market", "XNAS", announced_at=during).session == D(2025, 9, 22)
    assert map_day0(D(2025, 9, 22), "pre_market", "XNAS", announced_at=after).session == D(2025, 9, 23)
    # the same instant expressed in UTC gives the same answer
    utc = after.astimezone(dt.UTC)
    assert map_day0(D(2025, 9, 22), "unknown", "XNAS", announced_at=utc).session == D(2025, 9, 23)
    # 16:00 New York is 05:00 next day in Tokyo, before its open
    assert map_day0(D(2025, 9, 22), "unknown", "XTKS", announced_at=after).session == D(2025, 9, 24)


def test_naive_announced_at_is_rejected() -> None:
    with pytest.raises(SpecificationError, match="no time zone"):
        map_day0(D(2025, 9, 22), "intraday", "XNAS", announced_at=dt.datetime(2025, 9, 22, 10, 0))


def test_non_trading_day_on_a_session_is_flagged() -> None:
    day0 = map_day0(D(2025, 9, 22), "non_trading_day", "XNAS")
    assert day0.session == D(2025, 9, 23)
    assert day0.flagged
    assert "is an XNYS session" in day0.note


def test_sessions_from_data_move_day0_past_a_missing_row() -> None:
    data = [D(2025, 9, 18), D(2025, 9, 22), D(2025, 9, 23)]
    day0 = map_day0(D(2025, 9, 18), "after_close", "XKRX", reference_mic="XKRX", sessions=data)
    assert day0.session == D(2025, 9, 22)
    assert day0.flagged
    assert "2025-09-19 is missing from the data" in day0.note
    with pytest.raises(MissingDataError, match="no date on or after"):
        map_day0(D(2025, 9, 23), "after_close", "XKRX", reference_mic="XKRX", sessions=data)


def _deal(timing: str, *securities: Security, announced_at: dt.datetime | None = None) -> Deal:
    return Deal(
        id="x",
        title="x",
        announced=D(2025, 10, 1),
        timing=timing,  # type: ignore[arg-type]
        counterparty="OpenAI",
        kind="cloud_contract",
        binding_status="letter_of_intent",
        securities=securities,
        sources=("https://example.com",),
        announced_at=announced_at,
    )  # type: ignore[call-arg]


def test_day0_for_security_uses_first_listing_as_reference_and_overrides() -> None:
    nvda = Security("NVDA", "provider", "XNAS")
    softbank = Security("9984.T", "investor", "XTKS")
    samsung_own = Security("005930.KS", "provider", "XKRX", timing="after_close")
    deal = _deal("pre_market", nvda, softbank, samsung_own)
    assert day0_for_security(deal, nvda).session == D(2025, 10, 1)
    # 09:29 New York on 10-01 is 22:29 Tokyo: after Tokyo's close -> next Tokyo session
    assert day0_for_security(deal, softbank).session == D(2025, 10, 2)
    # the Seoul listing's own timing, relative to KRX: after the 10-01 close -> 10-02
    assert day0_for_security(deal, samsung_own).session == D(2025, 10, 2)
    seoul_first = _deal("after_close", Security("000660.KS", "provider", "XKRX"), nvda)
    # after the Seoul close (15:30 KST = 02:31 New York): before the New York open -> same day in New York
    assert day0_for_security(seoul_first, nvda).session == D(2025, 10, 1)
    timed = _deal(
        "unknown", nvda, announced_at=dt.datetime(2025, 10, 1, 16, 5, tzinfo=ZoneInfo("America/New_York"))
    )
    assert day0_for_security(timed, nvda).session == D(2025, 10, 2)
