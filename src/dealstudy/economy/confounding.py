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
    if not sessions:
        return WindowStatus(None, "window sessions unknown (no abnormal returns for this reaction)")
    days = pd.DatetimeIndex(list(sessions)).normalize()
    found: list[str] = []
    mine = earnings[earnings["ticker"] == ticker]
    hits = mine[pd.DatetimeIndex(mine["session"]).normalize().isin(days)]
    traded: dict[str, list[str]] = {}
    for label, session in zip(hits["label"], hits["session"], strict=True):
        traded.setdefault(str(label), []).append(str(pd.Timestamp(session).date()))
    found.extend(f"{label}, traded {' or '.join(days)}" for label, days in traded.items())
    others = events[
        (events["ticker"] == ticker)
        & (events["deal_id"] != deal_id)
        & ~events["role"].isin(CONFOUNDING_ROLES_EXCLUDED)
    ]
    dated = others[others["day0"].notna()]
    for other, day0 in zip(dated["deal_id"], dated["day0"], strict=True):
        if pd.Timestamp(day0).normalize() in days:
            found.append(f"catalog event {other} (day 0 {pd.Timestamp(day0).date()})")
    first, last = days.min().date(), days.max().date()
    unknown: list[str] = []
    undated = others[others["day0"].isna() & others["month"].notna()]
    for other, month in zip(undated["deal_id"], undated["month"], strict=True):
        start = pd.Timestamp(month).date().replace(day=1)
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
    for event_id, rows in abnormal_returns.groupby("event_id", sort=False):
        times = rows["event_time"].to_numpy(dtype=np.int64)
        dates = pd.DatetimeIndex(pd.to_datetime(rows["date"])).normalize()
        order = np.argsort(times, kind="stable")
        out[str(event_id)] = (times[order], dates[order])
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
    status: list[bool | None] = []
    text: list[str] = []
    memo: dict[tuple[str, str], WindowStatus] = {}
    for event_id, deal_id, ticker, window, day0 in zip(
        values["event_id"], values["deal_id"], values["ticker"], values["window"], values["day0"], strict=True
    ):
        key = (str(event_id), str(window))
        if key not in memo:
            days = _sessions_of(sessions.get(str(event_id)), str(window), day0)
            memo[key] = window_status(str(ticker), str(deal_id), days, earnings, events, coverage)
        status.append(memo[key].confounded)
        text.append(memo[key].confounders)
    out = values.copy()
    out["confounded"] = pd.Series(status, index=out.index, dtype=object)
    out["confounders"] = text
    return out
