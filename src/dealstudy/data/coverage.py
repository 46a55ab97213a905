"""Coverage of a price frame: range, rows, and sessions missing against the listing's exchange calendar."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dealstudy.data.calendars import check_sessions, exchange_for_symbol
from dealstudy.errors import DealstudyError

__all__ = ["Coverage", "coverage_of"]


@dataclass(frozen=True)
class Coverage:
    """What a symbol's data cover.

    ``missing`` are sessions of the listing's exchange absent from the data between ``first`` and ``last``;
    ``extra`` are dates present that are not sessions. Both are empty for FX (``mic`` None, 24-hour market).
    """

    symbol: str
    mic: str | None
    first: dt.date | None
    last: dt.date | None
    rows: int
    missing: tuple[dt.date, ...]
    extra: tuple[dt.date, ...]
    source: str

    def covers(self, start: dt.date, end: dt.date) -> bool:
        """True when the data span ``start..end`` (a first row after ``start`` by a weekend is tolerated)."""
        if self.first is None or self.last is None:
            return False
        return (self.first - start).days <= 4 and (end - self.last).days <= 4


def coverage_of(symbol: str, frame: pd.DataFrame, source: str) -> Coverage:
    """Coverage of ``frame`` (indexed by session date) for ``symbol``, checked against its calendar."""
    index = pd.DatetimeIndex(frame.index)
    try:
        mic = exchange_for_symbol(symbol)
    except DealstudyError:
        mic = None
    if len(index) == 0:
        return Coverage(symbol, mic, None, None, 0, (), (), source)
    missing: tuple[dt.date, ...] = ()
    extra: tuple[dt.date, ...] = ()
    if mic is not None:
        check = check_sessions(mic, index)
        missing, extra = check.missing, check.extra
    return Coverage(symbol, mic, index[0].date(), index[-1].date(), len(index), missing, extra, source)
