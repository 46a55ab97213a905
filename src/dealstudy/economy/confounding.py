"""Confounders of each market reaction: the security's own news inside its event window.

A reaction (deal x security x window) is *confounded* when, on a session of its window, the same security
also traded

* one of its own earnings releases (placed on the session that first trades it by the day-0 rule of
  announcements: a release after the close confounds the next session), or
* another catalog event in which it is a party (any role but ``read-across``: a competitor's deal does not
  confound a company's own reaction, while a report about the company itself does).

It is *clean* when neither happens **and** the earnings calendar is known to be complete around the window;
otherwise its status is *unknown* (``None``), never clean. The text column ``confounders`` names each
confounder with its session date, or says why the status is unknown.

Pure computation: the pipeline maps the releases to sessions (calendar I/O) and hands over frames.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "CONFOUNDING_ROLES_EXCLUDED",
    "EARNINGS_SESSION_COLUMNS",
    "Coverage",
    "WindowStatus",
    "add_confounding",
    "window_status",
]

#: Roles whose appearance in another catalog event does not confound the security's own reaction.
CONFOUNDING_ROLES_EXCLUDED: frozenset[str] = frozenset({"read-across"})

#: Columns of the earnings-session table: one row per (release, session that may first trade it).
EARNINGS_SESSION_COLUMNS: tuple[str, ...] = ("ticker", "session", "label")

#: Calendar days before a window's first session that the earnings calendar must cover for the window to
#: count as clean: a release after the close of the previous session (up to a long weekend earlier) is
#: first traded on the window's first session.
COVER_MARGIN_DAYS = 5

#: A ticker's complete periods of the earnings calendar, as ``(start, end)`` dates.
Coverage = Mapping[str, Sequence[tuple[dt.date, dt.date]]]


@dataclass(frozen=True)
class WindowStatus:
    """Confounding status of one reaction window: ``confounded`` is True, False or None (unknown)."""

    confounded: bool | None
    confounders: str


@dataclass(frozen=True)
class _News:
    """One ticker's possible confounders: its releases ``(session, label)`` and its catalog events
    ``(deal_id, day0 or None, month or None)`` in roles that confound."""

    releases: tuple[tuple[dt.date, str], ...]
    events: tuple[tuple[str, dt.date | None, dt.date | None], ...]


def _as_date(value: object) -> dt.date | None:
    """A session, day 0 or month value as a date; ``None`` for a missing one (None, NaN, NaT)."""
    if not isinstance(value, str | dt.date | np.datetime64):
        return None
    stamp = pd.Timestamp(value)
    return None if pd.isna(stamp) else stamp.date()


def _news_by_ticker(earnings: pd.DataFrame, events: pd.DataFrame) -> dict[str, _News]:
    """The earnings and event frames cut by ticker once (a report asks for hundreds of windows)."""
    releases: dict[str, list[tuple[dt.date, str]]] = {}
    for ticker, session, label in zip(
        earnings["ticker"], earnings["session"], earnings["label"], strict=True
    ):
        day = _as_date(session)
        if day is not None:
            releases.setdefault(str(ticker), []).append((day, str(label)))
    confounding = events[~events["role"].isin(CONFOUNDING_ROLES_EXCLUDED)]
    listed: dict[str, list[tuple[str, dt.date | None, dt.date | None]]] = {}
    for ticker, deal, day0, month in zip(
        confounding["ticker"], confounding["deal_id"], confounding["day0"], confounding["month"], strict=True
    ):
        listed.setdefault(str(ticker), []).append((str(deal), _as_date(day0), _as_date(month)))
    return {
        t: _News(tuple(releases.get(t, ())), tuple(listed.get(t, ()))) for t in set(releases) | set(listed)
    }


def window_status(
    ticker: str,
    deal_id: str,
    sessions: Sequence[pd.Timestamp],
    earnings: pd.DataFrame,
    events: pd.DataFrame,
    coverage: Coverage,
) -> WindowStatus:
    """The status of one window of ``ticker``'s reaction to ``deal_id``.

    Parameters
    ----------
    sessions : sequence of Timestamp
        The window's sessions (normalised dates), in order; empty when unknown.
    earnings : DataFrame
        :data:`EARNINGS_SESSION_COLUMNS` of every release of every ticker.
    events : DataFrame
        ``ticker, deal_id, day0, role, month`` of every catalog event (``day0`` NaT and ``month`` the
        announcement's first day for a month-precision announcement).
    coverage : mapping
        Per ticker, the periods in which its earnings calendar is complete.
    """
    news = _news_by_ticker(earnings, events).get(ticker, _News((), ()))
    return _status(ticker, deal_id, [pd.Timestamp(s).date() for s in sessions], news, coverage)


def _status(
    ticker: str, deal_id: str, sessions: list[dt.date], news: _News, coverage: Coverage
) -> WindowStatus:
    """:func:`window_status` on the ticker's own news (``sessions`` as dates)."""
    if not sessions:
        return WindowStatus(None, "window sessions unknown (no abnormal returns for this reaction)")
    days = set(sessions)
    traded: dict[str, list[str]] = {}
    for session, label in news.releases:
        if session in days:
            traded.setdefault(label, []).append(str(session))
    found = [f"{label}, traded {' or '.join(on)}" for label, on in traded.items()]
    others = [(other, day0, month) for other, day0, month in news.events if other != deal_id]
    found += [
        f"catalog event {o} (day 0 {day0})" for o, day0, _ in others if day0 is not None and day0 in days
    ]
    first, last = min(sessions), max(sessions)
    unknown: list[str] = []
    for other, day0, month in others:
        if day0 is None and month is not None:
            start = month.replace(day=1)
            end = (pd.Timestamp(start) + pd.offsets.MonthEnd(0)).date()
            if start <= last and first <= end:
                unknown.append(f"catalog event {other} is dated only to {start:%Y-%m}")
    if found:
        return WindowStatus(True, "; ".join(dict.fromkeys(found)))
    needed = first - dt.timedelta(days=COVER_MARGIN_DAYS)
    if not any(start <= needed and last <= end for start, end in coverage.get(ticker, ())):
        unknown.insert(
            0, f"{ticker} earnings dates from {needed} to {last} not known (no complete calendar period)"
        )
    if unknown:
        return WindowStatus(None, "; ".join(unknown))
    return WindowStatus(False, "")


def _window_sessions(
    abnormal_returns: pd.DataFrame,
) -> dict[str, tuple[np.ndarray, pd.DatetimeIndex]]:
    out: dict[str, tuple[np.ndarray, pd.DatetimeIndex]] = {}
    all_times = abnormal_returns["event_time"].to_numpy(dtype=np.int64)
    all_dates = pd.DatetimeIndex(pd.to_datetime(abnormal_returns["date"])).normalize()  # once, not per event
    for event_id, positions in abnormal_returns.groupby("event_id", sort=False).indices.items():
        rows = np.asarray(positions, dtype=np.intp)
        order = rows[np.argsort(all_times[rows], kind="stable")]
        out[str(event_id)] = (all_times[order], all_dates.take(order))
    return out


def _sessions_of(
    found: tuple[np.ndarray, pd.DatetimeIndex] | None, window: str, day0: object
) -> list[pd.Timestamp]:
    first, _, last = window.partition(":")
    a, b = int(first), int(last)
    if found is not None:
        times, dates = found
        keep = (times >= a) & (times <= b)
        if int(keep.sum()) == b - a + 1:
            return list(dates[keep])
    if a == b == 0 and isinstance(day0, pd.Timestamp | dt.date) and not pd.isna(day0):
        return [pd.Timestamp(day0).normalize()]
    return []


def add_confounding(
    values: pd.DataFrame,
    abnormal_returns: pd.DataFrame,
    earnings: pd.DataFrame,
    events: pd.DataFrame,
    coverage: Coverage,
) -> pd.DataFrame:
    """``values`` with the per-reaction columns ``confounded`` (True, False or None) and ``confounders``.

    ``values`` are :func:`dealstudy.economy.values.dollar_values` rows (``event_id, deal_id, ticker,
    window, day0``); the window's sessions come from the study's abnormal-return rows (event time and
    date). See :func:`window_status` for the other inputs.
    """
    sessions = _window_sessions(abnormal_returns)
    news = _news_by_ticker(earnings, events)
    status: list[bool | None] = []
    text: list[str] = []
    memo: dict[tuple[str, str], WindowStatus] = {}
    for event_id, deal_id, ticker, window, day0 in zip(
        values["event_id"], values["deal_id"], values["ticker"], values["window"], values["day0"], strict=True
    ):
        key = (str(event_id), str(window))
        if key not in memo:
            days = [d.date() for d in _sessions_of(sessions.get(str(event_id)), str(window), day0)]
            mine = news.get(str(ticker), _News((), ()))
            memo[key] = _status(str(ticker), str(deal_id), days, mine, coverage)
        status.append(memo[key].confounded)
        text.append(memo[key].confounders)
    out = values.copy()
    out["confounded"] = pd.Series(status, index=out.index, dtype=object)
    out["confounders"] = text
    return out
