"""Date ranges of the cache: merged, subtracted, trimmed to weekdays, formatted for messages."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import pandas as pd

__all__ = ["DateRange", "format_ranges", "lacking", "merge_ranges", "subtract", "trim_to_sessions"]

DateRange = tuple[dt.date, dt.date]


def merge_ranges(ranges: list[DateRange]) -> list[DateRange]:
    out: list[DateRange] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def subtract(want: DateRange, have: list[DateRange]) -> list[DateRange]:
    gaps: list[DateRange] = []
    cursor = want[0]
    for lo, hi in merge_ranges(have):
        if hi < cursor or lo > want[1]:
            continue
        if lo > cursor:
            gaps.append((cursor, min(lo - dt.timedelta(days=1), want[1])))
        cursor = max(cursor, hi + dt.timedelta(days=1))
        if cursor > want[1]:
            break
    if cursor <= want[1]:
        gaps.append((cursor, want[1]))
    return gaps


def format_ranges(ranges: list[DateRange]) -> str:
    return ", ".join(f"{lo}..{hi}" for lo, hi in ranges)


def lacking(want: DateRange, have: Iterable[DateRange]) -> list[DateRange]:
    """The pieces of ``want`` outside ``have``, trimmed to weekdays (a weekend is not missing)."""
    pieces = (trim_to_sessions(gap) for gap in subtract(want, list(have)))
    return [gap for gap in pieces if gap is not None]


def trim_to_sessions(gap: DateRange) -> DateRange | None:
    """Shrink a gap to the weekdays inside it; ``None`` when it holds none (a weekend).

    Weekdays, not the exchange calendar: building some calendars (XKRX) takes seconds, and a gap made only
    of holidays is harmless because every fetch next to cached rows overlaps them (so it returns rows).
    """
    days = pd.bdate_range(gap[0], gap[1])
    if len(days) == 0:
        return None
    return days[0].date(), days[-1].date()
