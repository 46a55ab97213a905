"""Exchange calendars: which exchange a Yahoo symbol trades on, its sessions, and day 0 of an announcement.

Sessions come from :mod:`exchange_calendars`, through the session tables of
:mod:`dealstudy.data.calendar_table` (computed once, then read from the user cache folder). The listing
exchange is an ISO 10383 MIC derived from the Yahoo suffix (:func:`exchange_for_symbol`, in
:mod:`dealstudy.data.exchanges` and importable from here as before). :func:`map_day0` is
*the* rule that turns an announcement (date, timing, optional time with zone) into the first session on which
the market could react; every other module uses it, and its result carries a sentence describing the rule
that was applied, so the report can show it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

import pandas as pd

from dealstudy.catalog.schema import Deal, Security, Timing
from dealstudy.data.calendar_table import SessionTable, session_table
from dealstudy.data.exchanges import US_MICS, calendar_mic, exchange_for_symbol
from dealstudy.errors import MissingDataError, SpecificationError

__all__ = [  # US_MICS, calendar_mic, exchange_for_symbol: from dealstudy.data.exchanges
    "US_MICS",
    "Day0",
    "SessionCheck",
    "calendar_mic",
    "check_sessions",
    "day0_for_security",
    "exchange_for_symbol",
    "exchange_timezone",
    "map_day0",
    "sessions",
]


def _calendar(mic: str) -> SessionTable:
    """The session table of a MIC's calendar (memoised per process, cached on disk)."""
    return session_table(calendar_mic(mic))


def exchange_timezone(mic: str) -> ZoneInfo:
    """The local time zone of an exchange."""
    return ZoneInfo(_calendar(mic).tz)


def _ts(day: dt.date | pd.Timestamp | str) -> pd.Timestamp:
    return pd.Timestamp(day).tz_localize(None).normalize() if pd.Timestamp(day).tzinfo else pd.Timestamp(day)


def _check_bounds(mic: str, day: pd.Timestamp) -> None:
    cal = _calendar(mic)
    if day < cal.first_session or day > cal.last_session:
        raise MissingDataError(
            f"{calendar_mic(mic)} calendar covers {cal.first_session.date()}.."
            f"{cal.last_session.date()} only; {day.date()} is outside it"
        )


def sessions(mic: str, start: dt.date | str, end: dt.date | str) -> pd.DatetimeIndex:
    """Trading sessions of ``mic`` with ``start <= session <= end``, as naive midnight timestamps."""
    cal = _calendar(mic)
    lo = max(_ts(start).normalize(), cal.first_session)
    hi = min(_ts(end).normalize(), cal.last_session)
    if lo > hi:
        return pd.DatetimeIndex([], name="date")
    return cal.sessions_in_range(lo, hi)


def _is_session(mic: str, day: pd.Timestamp) -> bool:
    _check_bounds(mic, day)
    return _calendar(mic).is_session(day)


def _next_session(mic: str, day: pd.Timestamp) -> pd.Timestamp:
    """First session strictly after ``day`` (``day`` need not be a session)."""
    _check_bounds(mic, day)
    nxt = _calendar(mic).session_after(day)
    if nxt is None:
        cal = _calendar(mic)
        raise MissingDataError(
            f"{calendar_mic(mic)} calendar covers {cal.first_session.date()}.."
            f"{cal.last_session.date()} only; no session after {day.date()} in it"
        )
    return nxt


def _session_on_or_after(mic: str, day: pd.Timestamp) -> pd.Timestamp:
    return day if _is_session(mic, day) else _next_session(mic, day)


@dataclass(frozen=True)
class SessionCheck:
    """Dates in a price file compared with the exchange calendar over the file's own range.

    ``extra`` are dates present in the data that are not sessions (stale or wrongly dated rows, or FX/index
    rows on local holidays); ``missing`` are sessions absent from the data (e.g. 005930.KS lacks 2025-09-19).
    """

    mic: str
    first: dt.date | None
    last: dt.date | None
    extra: tuple[dt.date, ...]
    missing: tuple[dt.date, ...]

    @property
    def ok(self) -> bool:
        """True when the data hold exactly the calendar's sessions."""
        return not self.extra and not self.missing


def check_sessions(mic: str, dates: Iterable[dt.date | pd.Timestamp]) -> SessionCheck:
    """Compare the dates present in data with the sessions of ``mic`` between their first and last date."""
    idx = pd.DatetimeIndex([_ts(d) for d in dates]).unique().sort_values()
    if len(idx) == 0:
        return SessionCheck(mic, None, None, (), ())
    cal_sessions = sessions(mic, idx[0], idx[-1])
    extra = tuple(d.date() for d in idx.difference(cal_sessions))
    missing = tuple(d.date() for d in cal_sessions.difference(idx))
    return SessionCheck(mic, idx[0].date(), idx[-1].date(), extra, missing)


@dataclass(frozen=True)
class Day0:
    """Day 0 of an announcement on one listing.

    Attributes
    ----------
    session : datetime.date
        The first session on which the listing could react.
    rule : str
        A sentence saying which rule produced ``session`` (shown in the report).
    flagged : bool
        True when day 0 is uncertain: unknown timing, timing inconsistent with the calendar, or a session
        missing from the data.
    note : str
        Extra explanation (empty when nothing to add).
    """

    session: dt.date
    rule: str
    flagged: bool
    note: str = ""


def _instant_rule(mic: str, instant: pd.Timestamp, origin: str) -> tuple[pd.Timestamp, str]:
    """Map a tz-aware instant to the session that first trades after it, with a sentence."""
    cal = _calendar(mic)
    tz = cal.tz
    local = instant.tz_convert(tz)
    day = pd.Timestamp(local.date())
    code = calendar_mic(mic)
    when = f"{origin} = {local:%Y-%m-%d %H:%M} {tz} local time"
    if not _is_session(mic, day):
        nxt = _next_session(mic, day)
        return (
            nxt,
            f"{when}; {day.date()} is not an {code} session, so day 0 is the next session {nxt.date()}",
        )
    open_ = cal.session_open(day)
    close = cal.session_close(day)
    if instant < open_:
        return day, f"{when}, before the {code} open ({open_.tz_convert(tz):%H:%M}): day 0 is that session"
    if instant < close:
        return day, f"{when}, during the {code} session: day 0 is that session"
    nxt = _next_session(mic, day)
    return nxt, (
        f"{when}, after the {code} close ({close.tz_convert(tz):%H:%M}): "
        f"day 0 is the next session {nxt.date()}"
    )


def _reference_instant(announced: dt.date, timing: Timing, reference_mic: str) -> pd.Timestamp:
    """An approximate instant for a timing stated relative to the reference exchange."""
    cal = _calendar(reference_mic)
    tz = cal.tz
    day = pd.Timestamp(announced)
    if timing == "non_trading_day":
        return pd.Timestamp(dt.datetime.combine(announced, dt.time(12, 0)), tz=tz)
    if _is_session(reference_mic, day):
        open_ = cal.session_open(day)
        close = cal.session_close(day)
    else:  # use the regular hours the exchange would have had that day
        open_ = pd.Timestamp(dt.datetime.combine(announced, cal.regular_open), tz=tz)
        close = pd.Timestamp(dt.datetime.combine(announced, cal.regular_close), tz=tz)
    if timing == "pre_market":
        return open_ - pd.Timedelta(minutes=1)
    if timing == "intraday":
        return open_ + (close - open_) / 2
    return close + pd.Timedelta(minutes=1)  # after_close


_TIMING_WORDS = {
    "pre_market": "before the open",
    "intraday": "during trading hours",
    "after_close": "after the close",
    "non_trading_day": "on a non-trading day",
}


def map_day0(
    announced: dt.date,
    timing: Timing,
    mic: str,
    *,
    announced_at: dt.datetime | None = None,
    reference_mic: str = "XNYS",
    sessions: pd.DatetimeIndex | Iterable[dt.date] | None = None,
) -> Day0:
    """Map an announcement to day 0 on a listing: the first session whose prices could reflect it.

    Parameters
    ----------
    announced : datetime.date
        Announcement date, as the catalog states it (a date on the reference exchange's clock).
    timing : {"pre_market", "intraday", "after_close", "non_trading_day", "unknown"}
        When the announcement fell relative to trading on ``reference_mic``.
    mic : str
        MIC of the listing (``XNAS``, ``XNYS``, ``XTKS``, ``XKRX``...).
    announced_at : datetime, optional
        The announcement instant (timezone-aware). When given it wins over ``timing``.
    reference_mic : str, default "XNYS"
        The exchange whose trading hours ``timing`` refers to.
    sessions : DatetimeIndex or iterable of dates, optional
        Dates actually present in the listing's data. Day 0 from the calendar is moved to the first of these
        on or after it when the data lack that session (flagged, explained in ``note``).

    Returns
    -------
    Day0

    Raises
    ------
    SpecificationError
        A naive ``announced_at`` or an unknown timing.
    MissingDataError
        A date outside the calendar's range, or no data date on or after the calendar's day 0.

    Notes
    -----
    Rules, in order:

    1. ``announced_at`` known: convert it to the listing's local time. Before that day's open or during the
       session -> that session; after the close, or on a non-session day -> the next session.
    2. ``unknown`` timing: the announcement date's session, or the next session if the date is not one;
       always flagged.
    3. Listing on the reference calendar (NYSE and Nasdaq share one): ``pre_market`` or ``intraday`` on a
       session -> that session; ``after_close``, ``non_trading_day`` or a non-session date -> the next
       session. ``non_trading_day`` on a date that is a session is flagged as inconsistent.
    4. Listing on another exchange: the timing is turned into an approximate instant on the reference
       exchange (pre-market = open - 1 min, intraday = midday, after close = close + 1 min, non-trading day
       = noon local), converted to the listing's local time, and rule 1 applies. So a New York after-close
       announcement reaches Tokyo and Seoul at their next local session.

    Examples
    --------
    >>> map_day0(dt.date(2025, 1, 21), "after_close", "XTKS").session
    datetime.date(2025, 1, 22)
    """
    if timing not in (*_TIMING_WORDS, "unknown"):
        raise SpecificationError(f"unknown timing {timing!r} for the announcement of {announced}")
    if announced_at is not None:
        found = _day0_from_instant(announced, announced_at, mic)
    elif timing == "unknown":
        found = _day0_unknown(announced, mic)
    elif calendar_mic(mic) == calendar_mic(reference_mic):
        found = _day0_on_reference(announced, timing, mic)
    else:
        found = _day0_via_reference(announced, timing, mic, reference_mic)
    session, flagged, notes = found.session, found.flagged, list(found.notes)
    if sessions is not None:
        moved = _first_data_date(session, sessions, announced, mic)
        if moved != session:
            flagged = True
            notes.append(
                f"calendar session {session.date()} is missing from the data; day 0 moved to the next date "
                f"present, {moved.date()}"
            )
            session = moved
    return Day0(session=session.date(), rule=found.rule, flagged=flagged, note="; ".join(notes))


class _Found(NamedTuple):
    """Day 0 by one of :func:`map_day0`'s rules, with its sentence, flag and notes (internal)."""

    session: pd.Timestamp
    rule: str
    flagged: bool = False
    notes: tuple[str, ...] = ()


def _day0_from_instant(announced: dt.date, announced_at: dt.datetime, mic: str) -> _Found:
    """Rule 1: the announcement instant known, converted to the listing's local time (flagged when its date
    is more than a day from the announcement date)."""
    if announced_at.tzinfo is None or announced_at.utcoffset() is None:
        raise SpecificationError(
            f"announced_at {announced_at.isoformat()} has no time zone; give an offset or zone"
        )
    instant = pd.Timestamp(announced_at).tz_convert("UTC")
    session, rule = _instant_rule(mic, instant, f"announced at {announced_at.isoformat()}")
    if announced_at.date() != announced and abs((announced_at.date() - announced).days) > 1:
        note = f"announced_at date {announced_at.date()} differs from the announcement date {announced}"
        return _Found(session, rule, True, (note,))
    return _Found(session, rule)


def _day0_unknown(announced: dt.date, mic: str) -> _Found:
    """Rule 2: timing unknown: the announcement date's session or the next one, always flagged."""
    day = pd.Timestamp(announced)
    code = calendar_mic(mic)
    session = _session_on_or_after(mic, day)
    if session == day:
        rule = f"timing unknown: day 0 is the announcement date {announced} (an {code} session); flagged"
    else:
        rule = (
            f"timing unknown: {announced} is not an {code} session, so day 0 is the next session "
            f"{session.date()}; flagged"
        )
    return _Found(session, rule, True)


def _day0_on_reference(announced: dt.date, timing: Timing, mic: str) -> _Found:
    """Rule 3: a listing on the reference calendar: before the open or intraday on a session -> that
    session; otherwise the next session (``non_trading_day`` on a session flagged as inconsistent)."""
    day = pd.Timestamp(announced)
    code = calendar_mic(mic)
    is_session = _is_session(mic, day)
    if timing in ("pre_market", "intraday") and is_session:
        rule = f"announced {_TIMING_WORDS[timing]} on {announced}, an {code} session: day 0 is that session"
        return _Found(day, rule)
    session = _next_session(mic, day)
    if timing == "after_close" and is_session:
        rule = f"announced after the {code} close on {announced}: day 0 is the next session {session.date()}"
        return _Found(session, rule)
    rule = (
        f"announced {_TIMING_WORDS[timing]} on {announced}"
        + ("" if is_session else f", not an {code} session")
        + f": day 0 is the next session {session.date()}"
    )
    flagged = False
    notes: list[str] = []
    if timing == "non_trading_day" and is_session:
        flagged = True
        notes.append(f"timing says non_trading_day but {announced} is an {code} session")
    if timing in ("pre_market", "intraday"):
        notes.append(f"timing {timing} on a date that is not an {code} session")
    return _Found(session, rule, flagged, tuple(notes))


def _day0_via_reference(announced: dt.date, timing: Timing, mic: str, reference_mic: str) -> _Found:
    """Rule 4: a listing on another exchange: the timing as an approximate instant on the reference
    exchange, then rule 1."""
    ref = calendar_mic(reference_mic)
    instant = _reference_instant(announced, timing, reference_mic)
    origin = f"{timing} on {ref} {announced} taken as {instant:%H:%M} {instant.tz}"
    session, rule = _instant_rule(mic, instant, origin)
    if timing == "non_trading_day" and _is_session(reference_mic, pd.Timestamp(announced)):
        return _Found(
            session, rule, True, (f"timing says non_trading_day but {announced} is an {ref} session",)
        )
    return _Found(session, rule)


def _first_data_date(
    session: pd.Timestamp, sessions: pd.DatetimeIndex | Iterable[dt.date], announced: dt.date, mic: str
) -> pd.Timestamp:
    """``session`` when the data hold it, else the first data date after it (an error when there is none)."""
    present = pd.DatetimeIndex([_ts(d) for d in sessions]).unique().sort_values()
    if session in present:
        return session
    later = present[present > session]
    if len(later) == 0:
        raise MissingDataError(
            f"day 0 for {announced} on {calendar_mic(mic)} is {session.date()}, but the data hold no date on "
            f"or after it (last {present[-1].date() if len(present) else 'none'})"
        )
    moved: pd.Timestamp = later[0]
    return moved


def day0_for_security(
    deal: Deal,
    security: Security,
    *,
    sessions: pd.DatetimeIndex | Iterable[dt.date] | None = None,
) -> Day0:
    """Day 0 of ``deal`` on one of its listings, with the catalog's timing conventions.

    The deal's ``timing`` is stated relative to the exchange of its *first* security; a security's own
    ``timing`` overrides it and is relative to that security's exchange; ``announced_at`` wins over both
    (see ``events/README.md``, *Timing and day 0*). The rule itself is :func:`map_day0`.

    A New York pre-market release (first security on XNAS) reaches Tokyo after its close, so a Tokyo
    listing's day 0 is the next Tokyo session; a Seoul listing marked ``after_close`` itself maps to the
    next Seoul session.
    """
    if security.timing is not None:
        timing, reference = security.timing, security.exchange
    else:
        timing, reference = deal.timing, deal.securities[0].exchange
    return map_day0(
        deal.announced,
        timing,
        security.exchange,
        announced_at=deal.announced_at,
        reference_mic=reference,
        sessions=sessions,
    )
