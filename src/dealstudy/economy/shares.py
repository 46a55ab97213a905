"""Share counts: the latest count on or before a date, and whether a later count shows it stale."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = [
    "STALE_SHARES_DAYS",
    "STALE_SHARES_TOLERANCE",
    "ShareCount",
    "ShareTable",
    "shares_as_of",
    "stale_count",
]

#: A later share count within this many days of day -1 that differs by more than
#: :data:`STALE_SHARES_TOLERANCE` (relative) flags the count used as stale.
STALE_SHARES_DAYS = 120
STALE_SHARES_TOLERANCE = 0.02


@dataclass(frozen=True)
class ShareCount:
    """One share count: how many, dated when, from which source."""

    shares: float
    as_of: dt.date
    source: str


class ShareTable:
    """A ``symbol,as_of,shares,source`` table indexed once: per symbol, the usable counts by date.

    Rows with a missing or non-positive count are dropped; each symbol's rows are sorted by date (stable, so
    of two counts on the same date the later row in the table wins).
    """

    def __init__(self, table: pd.DataFrame) -> None:
        self._by_symbol: dict[str, tuple[NDArray[np.int64], NDArray[np.float64], list[str]]] = {}
        if table.empty:
            return
        counts = pd.to_numeric(table["shares"], errors="coerce").to_numpy(dtype=float)
        usable = np.isfinite(counts) & (counts > 0)
        frame = pd.DataFrame(
            {
                "symbol": table["symbol"].astype(str).to_numpy()[usable],
                "as_of": pd.DatetimeIndex(pd.to_datetime(table["as_of"]).to_numpy()[usable])
                .as_unit("ns")
                .asi8,
                "shares": counts[usable],
                "source": table["source"].astype(str).to_numpy()[usable],
            }
        )
        for symbol, rows in frame.groupby("symbol", sort=False):
            rows = rows.sort_values("as_of", kind="stable")
            self._by_symbol[str(symbol)] = (
                rows["as_of"].to_numpy(dtype=np.int64),
                rows["shares"].to_numpy(dtype=float),
                [str(v) for v in rows["source"]],
            )

    def as_of(self, symbol: str, on: dt.date | pd.Timestamp) -> ShareCount | None:
        """The latest count of ``symbol`` dated on or before ``on``."""
        found = self._by_symbol.get(symbol)
        if found is None:
            return None
        days, counts, sources = found
        position = int(np.searchsorted(days, pd.Timestamp(on).as_unit("ns").value, side="right")) - 1
        if position < 0:
            return None
        when = pd.Timestamp(int(days[position]), unit="ns").date()
        return ShareCount(float(counts[position]), when, sources[position])

    def later(self, symbol: str, used: ShareCount, on: dt.date | pd.Timestamp) -> ShareCount | None:
        """The first count of ``symbol`` dated after ``used`` and within :data:`STALE_SHARES_DAYS` days of
        ``on`` (day -1); ``None`` when there is none."""
        found = self._by_symbol.get(symbol)
        if found is None:
            return None
        days, counts, sources = found
        position = int(np.searchsorted(days, pd.Timestamp(used.as_of).as_unit("ns").value, side="right"))
        until = (pd.Timestamp(on) + pd.Timedelta(days=STALE_SHARES_DAYS)).as_unit("ns").value
        if position >= days.size or days[position] > until:
            return None
        when = pd.Timestamp(int(days[position]), unit="ns").date()
        return ShareCount(float(counts[position]), when, sources[position])


def stale_count(used: ShareCount | None, later: ShareCount | None) -> bool:
    """True when ``later`` differs from ``used`` by more than :data:`STALE_SHARES_TOLERANCE`."""
    if used is None or later is None:
        return False
    return abs(later.shares / used.shares - 1.0) > STALE_SHARES_TOLERANCE


def shares_as_of(table: pd.DataFrame, symbol: str, on: dt.date | pd.Timestamp) -> ShareCount | None:
    """The latest count of ``symbol`` with ``as_of <= on`` from a ``symbol,as_of,shares,source`` table."""
    return ShareTable(table).as_of(symbol, on)
