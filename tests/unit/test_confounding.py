"""Earnings calendar parsing and the per-reaction confounding status on hand-made inputs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dealstudy.catalog import load_catalog, validate_catalog
from dealstudy.catalog.earnings import EarningsRelease, parse_earnings
from dealstudy.economy.confounding import window_status
from dealstudy.pipeline.confounders import release_sessions

REPO = Path(__file__).resolve().parents[2]

RELEASE = {
    "symbol": "AAA",
    "period": "Q3 2025",
    "date": dt.date(2025, 10, 30),
    "timing": "after_close",
    "source": "https://example.com/q3",
}


def _doc(**changes: object) -> dict[str, object]:
    release = {**RELEASE, **changes}
    return {"releases": [release], "complete": []}


def test_parse_reports_file_entry_and_field() -> None:
    calendar, problems = parse_earnings(
        _doc(timing="evening", source="http://example.com/x"), "earnings.yaml"
    )
    assert not calendar.releases
    messages = {(p.entry, p.field): p.message for p in problems}
    assert messages[("releases[0] AAA Q3 2025", "timing")].startswith("'evening' is not one of")
    assert messages[("releases[0] AAA Q3 2025", "source")].startswith("not an https URL")
    assert all(p.file == "earnings.yaml" for p in problems)


def test_complete_period_with_a_missing_quarter_is_refused() -> None:
    later = {**RELEASE, "period": "Q1 2026", "date": dt.date(2026, 4, 29)}
    doc = {
        "releases": [RELEASE, later],
        "complete": [{"symbol": "AAA", "from": "2025-10-30", "to": "2026-04-29", "basis": "both listed"}],
    }
    _, problems = parse_earnings(doc)
    assert len(problems) == 1
    assert "no AAA release listed between 2025-10-30 and 2026-04-29 (181 days" in problems[0].message
    doc["releases"] = [RELEASE, {**later, "period": "Q4 2025", "date": dt.date(2026, 2, 5)}]
    doc["complete"] = [{"symbol": "AAA", "from": "2025-10-30", "to": "2026-02-05", "basis": "both listed"}]
    calendar, problems = parse_earnings(doc)
    assert problems == []
    assert calendar.covered("AAA", dt.date(2025, 11, 3), dt.date(2025, 11, 10)) is not None
    assert calendar.covered("AAA", dt.date(2025, 11, 3), dt.date(2026, 2, 10)) is None


def test_duplicate_period_is_refused() -> None:
    _, problems = parse_earnings({"releases": [RELEASE, RELEASE], "complete": []})
    assert [p.field for p in problems] == ["period"]
    assert "listed twice" in problems[0].message


def test_shipped_calendar_is_valid_and_loaded() -> None:
    assert validate_catalog(REPO / "events") == []
    calendar = load_catalog(REPO / "events").earnings
    amzn = [r for r in calendar.for_symbol("AMZN") if r.period == "Q3 2025"]
    assert [(r.date, r.timing) for r in amzn] == [(dt.date(2025, 10, 30), "after_close")]
    assert all(r.source.startswith("https://") for r in calendar.releases)


def test_release_sessions_follow_the_day0_rule() -> None:
    after = EarningsRelease("AMZN", "Q3 2025", dt.date(2025, 10, 30), "after_close", "https://e.com")
    assert [s for s, _ in release_sessions(after, "XNAS")] == [pd.Timestamp("2025-10-31")]
    before = EarningsRelease("DIS", "Q4", dt.date(2025, 11, 13), "pre_market", "https://e.com")
    assert [s for s, _ in release_sessions(before, "XNYS")] == [pd.Timestamp("2025-11-13")]
    unknown = EarningsRelease("NBIS", "Q3", dt.date(2025, 11, 11), "unknown", "https://e.com")
    assert [s for s, _ in release_sessions(unknown, "XNAS")] == [
        pd.Timestamp("2025-11-11"),
        pd.Timestamp("2025-11-12"),
    ]
    friday = EarningsRelease("X", "Q", dt.date(2025, 10, 31), "after_close", "https://e.com")
    assert [s for s, _ in release_sessions(friday, "XNYS")] == [pd.Timestamp("2025-11-03")]


EARNINGS = pd.DataFrame(
    {"ticker": ["AAA"], "session": [pd.Timestamp("2025-10-31")], "label": ["AAA Q3 results (after close)"]}
)
EVENTS = pd.DataFrame(
    {
        "ticker": ["AAA", "AAA", "AAA", "BBB"],
        "deal_id": ["mine", "competitor", "own-news", "mine"],
        "role": ["provider", "read-across", "buyer", "buyer"],
        "day0": pd.to_datetime(["2025-11-03", "2025-11-04", "2025-11-10", "2025-11-03"]),
        "month": [pd.NaT] * 4,
    }
)
COVER = {"AAA": [(dt.date(2025, 7, 31), dt.date(2026, 2, 5))]}


def _days(*days: str) -> list[pd.Timestamp]:
    return [pd.Timestamp(d) for d in days]


@pytest.mark.parametrize(
    ("sessions", "expected", "text"),
    [
        (
            _days("2025-10-31", "2025-11-03", "2025-11-04"),
            True,
            "AAA Q3 results (after close), traded 2025-10-31",
        ),
        (_days("2025-11-03", "2025-11-04"), False, ""),  # the competitor's deal is a read-across: not news
        (_days("2025-11-03", "2025-11-10"), True, "catalog event own-news (day 0 2025-11-10)"),
        ([], None, "window sessions unknown (no abnormal returns for this reaction)"),
    ],
)
def test_window_status(sessions: list[pd.Timestamp], expected: bool | None, text: str) -> None:
    status = window_status("AAA", "mine", sessions, EARNINGS, EVENTS, COVER)
    assert status.confounded is expected
    assert status.confounders == text


def test_status_is_unknown_without_a_complete_calendar() -> None:
    status = window_status("BBB", "mine", _days("2025-11-03"), EARNINGS, EVENTS, COVER)
    assert status.confounded is None
    assert (
        status.confounders
        == "BBB earnings dates from 2025-10-29 to 2025-11-03 not known (no complete calendar period)"
    )
    # a listed release inside the window is a known confounder even outside a complete period
    status = window_status("AAA", "mine", _days("2025-10-31"), EARNINGS, EVENTS, {})
    assert status.confounded is True


def test_month_precision_event_makes_its_month_unknown() -> None:
    events = pd.concat(
        [
            EVENTS,
            pd.DataFrame(
                {
                    "ticker": ["AAA"],
                    "deal_id": ["undated"],
                    "role": ["provider"],
                    "day0": [pd.NaT],
                    "month": [pd.Timestamp("2025-11-01")],
                }
            ),
        ],
        ignore_index=True,
    )
    status = window_status("AAA", "mine", _days("2025-11-03", "2025-11-04"), EARNINGS, events, COVER)
    assert status.confounded is None
    assert status.confounders == "catalog event undated is dated only to 2025-11"
