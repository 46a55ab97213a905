"""Inputs of the per-reaction confounding status: earnings releases mapped to sessions, the catalog's
events by security, and the complete periods of the earnings calendar.

The only step that needs the exchange calendars (I/O) is placing each release on the session that first
trades it, by the day-0 rule of announcements (:func:`dealstudy.data.calendars.map_day0`); the status
itself is computed in :mod:`dealstudy.economy.confounding`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from dealstudy.catalog import Catalog
from dealstudy.catalog.earnings import EarningsCalendar, EarningsCoverage, EarningsRelease
from dealstudy.data import DataSources
from dealstudy.data.calendars import map_day0
from dealstudy.economy.confounding import EARNINGS_SESSION_COLUMNS
from dealstudy.errors import DataError, SpecificationError

__all__ = ["ConfoundingInputs", "confounding_inputs", "online_calendar", "release_sessions"]

_WHEN = {"pre_market": "before the open", "intraday": "during the session", "after_close": "after the close"}


@dataclass(frozen=True)
class ConfoundingInputs:
    """What :func:`dealstudy.economy.confounding.add_confounding` needs besides the study's frames."""

    earnings: pd.DataFrame
    events: pd.DataFrame
    coverage: dict[str, list[tuple[dt.date, dt.date]]]


def release_sessions(release: EarningsRelease, mic: str) -> list[tuple[pd.Timestamp, str]]:
    """The session(s) that may first trade ``release`` on exchange ``mic``, each with a label.

    Known timing: one session by the day-0 rule. Unknown timing: the release date's session and the next
    one (either could be the first to trade it; both are treated as confounded).
    """
    timings: Sequence[str] = (
        ("pre_market", "after_close") if release.timing == "unknown" else (release.timing,)
    )
    when = _WHEN.get(release.timing, "time of day unknown")
    label = f"{release.symbol} {release.period} results ({release.date}, {when})"
    out: list[tuple[pd.Timestamp, str]] = []
    for timing in timings:
        try:
            mapped = map_day0(release.date, timing, mic, reference_mic=mic)  # type: ignore[arg-type]
        except (SpecificationError, DataError):
            continue  # outside the calendar's range: far from every window
        session = pd.Timestamp(mapped.session)
        if all(session != s for s, _ in out):
            out.append((session, label))
    return out


def confounding_inputs(
    catalog: Catalog, events: pd.DataFrame, online: EarningsCalendar | None = None
) -> ConfoundingInputs:
    """Earnings sessions, catalog events and calendar coverage for the catalog's securities.

    ``events`` is :func:`dealstudy.pipeline.catalog_events.catalog_events` (``ticker, deal_id, role, exchange,
    day0, studied``). ``online`` adds releases from Yahoo (merged after the catalog's own calendar).
    """
    calendar = catalog.earnings if online is None else catalog.earnings.merged(online)
    mic_of = dict(zip(events["ticker"].astype(str), events["exchange"].astype(str), strict=True))
    rows = []
    for release in calendar.releases:
        mic = mic_of.get(release.symbol)
        if mic is None:
            continue
        for session, label in release_sessions(release, mic):
            rows.append({"ticker": release.symbol, "session": session, "label": label})
    earnings = pd.DataFrame(rows, columns=list(EARNINGS_SESSION_COLUMNS))
    earnings["session"] = pd.to_datetime(earnings["session"])
    months = {d.id: pd.Timestamp(d.announced) for d in catalog.deals if d.announced_precision == "month"}
    table = pd.DataFrame(
        {
            "ticker": events["ticker"].astype(str),
            "deal_id": events["deal_id"].astype(str),
            "role": events["role"].astype(str),
            "day0": pd.to_datetime(events["day0"]),
            "month": [months.get(str(d), pd.NaT) for d in events["deal_id"]],
        }
    )
    coverage: dict[str, list[tuple[dt.date, dt.date]]] = {}
    for cover in calendar.coverage:
        coverage.setdefault(cover.symbol, []).append((cover.start, cover.end))
    return ConfoundingInputs(earnings, table, coverage)


def online_calendar(sources: DataSources, symbols: Sequence[str]) -> tuple[EarningsCalendar, list[str]]:
    """Yahoo's earnings dates of ``symbols`` as a calendar (empty for snapshot sources), and the symbols
    whose dates could not be read (their status stays as the catalog's calendar makes it).

    Yahoo lists every quarterly release, so the span from a symbol's first to its last listed past release
    is a complete period.
    """
    if sources.earnings is None:
        return EarningsCalendar(), []
    releases: list[EarningsRelease] = []
    coverage: list[EarningsCoverage] = []
    failed: list[str] = []
    for symbol in dict.fromkeys(symbols):
        try:
            frame = sources.earnings.releases(symbol)
        except DataError:
            failed.append(symbol)
            continue
        source = f"https://finance.yahoo.com/quote/{symbol}/"
        for date, timing in zip(frame["date"], frame["timing"], strict=True):
            releases.append(EarningsRelease(symbol, f"release of {date}", date, timing, source, "Yahoo"))
        if len(frame) >= 2:
            first, last = min(frame["date"]), max(frame["date"])
            coverage.append(
                EarningsCoverage(symbol, first, last, "Yahoo earnings dates (every quarter listed)")
            )
    return EarningsCalendar(tuple(releases), tuple(coverage)), failed
