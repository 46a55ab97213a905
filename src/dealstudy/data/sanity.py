"""Price sanity: days whose prices cannot be right (an unadjusted split, a bad tick, a broken adjustment).

Pure computation on a price frame (no I/O). :func:`suspect_prices` flags a session ``t`` when

* **jump**: the adjusted close more than doubled or fell below half in one session,
  ``|ln(P_t / P_{t-1})| > ln 2`` (:data:`MAX_LOG_RETURN`); the largest move of any security in the shared
  snapshot 2023-2026 is ``ln 1.67`` (IREN, 2023-02-15), ORCL's +36% of 2025-09-10 is ``ln 1.36``;
* **reversal**: a move of more than 40% (``|ln| > ln 1.4``, :data:`REVERSAL_LOG_RETURN`) that the next
  session undoes by at least three quarters in the opposite direction (a bad tick: one wrong price);
* **ratio break**: ``close / adj_close`` changes by more than 25% between two sessions
  (:data:`MAX_RATIO_LOG_CHANGE`): dividends move it by a few percent at most, so one of the two columns is
  adjusted for a split and the other is not.

Yahoo adjusts both columns for splits (NVDA's 10:1 split of 2024-06-10 and AVGO's of 2024-07-15 show no
jump in the snapshot), so a correct split never trips these rules. The study pipeline drops the flagged
day's price (the returns into and out of it are then missing, which neutralises both a level shift and a
single bad price in the estimation window) and marks every event whose event window touches the day
``suspect_prices`` with the day and the size, so the reaction is left out of the headline figures and
listed with its reason.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "MAX_LOG_RETURN",
    "MAX_RATIO_LOG_CHANGE",
    "REVERSAL_LOG_RETURN",
    "SANITY_COLUMNS",
    "SuspectPrice",
    "suspect_prices",
    "suspect_segments",
]

#: The price columns the checks read (a source reading only some columns reads at least these).
SANITY_COLUMNS: tuple[str, ...] = ("adj_close", "close")
#: A session's adjusted close more than doubling or halving is suspect.
MAX_LOG_RETURN = math.log(2.0)
#: A move of more than 40% that the next session undoes (by >= 75%) is a suspect single price.
REVERSAL_LOG_RETURN = math.log(1.4)
#: ``close / adj_close`` changing by more than 25% between two sessions is a broken adjustment.
MAX_RATIO_LOG_CHANGE = math.log(1.25)
_UNDONE = 0.75


@dataclass(frozen=True)
class SuspectPrice:
    """One suspect session: its date, the rule (``jump``, ``reversal``, ``ratio_break``) and the size."""

    date: pd.Timestamp
    kind: str
    size: float  # the simple return of the move (jump, reversal) or the change of close/adj_close

    def describe(self, symbol: str) -> str:
        """``AMZN 2025-11-03: adjusted close +10,300% in one session (bound: x2 or /2)``."""
        day = self.date.strftime("%Y-%m-%d")
        if self.kind == "jump":
            return f"{symbol} {day}: adjusted close {self.size:+,.0%} in one session (bound: x2 or /2)"
        if self.kind == "reversal":
            return (
                f"{symbol} {day}: adjusted close {self.size:+,.0%} and back the next session (a bad price; "
                "bound: 40% undone by 75%)"
            )
        return (
            f"{symbol} {day}: close/adj_close changed {self.size:+,.0%} in one session (one column "
            "adjusted for a split, the other not; bound: 25%)"
        )


def _changes(logs: np.ndarray, firsts: np.ndarray) -> np.ndarray:
    """Changes between consecutive ``logs``; NaN at the positions ``firsts`` (each segment's first)."""
    out = np.empty_like(logs)
    out[:1] = np.nan
    np.subtract(logs[1:], logs[:-1], out=out[1:])
    out[firsts] = np.nan
    return out


def _beyond(values: np.ndarray, bound: float) -> np.ndarray:
    """Positions where ``|values| > bound`` (NaN: never)."""
    return np.flatnonzero((values > bound) | (values < -bound))


def _where(mask: np.ndarray, offsets: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
    """The rows where ``mask`` holds (``None``: every row, the usual case, saving the copies) and the
    positions among them of each segment's first such row (segment ``k`` is ``offsets[k]:offsets[k + 1]``)."""
    if mask.all():
        return None, offsets[:-1][offsets[1:] > offsets[:-1]]
    rows = np.flatnonzero(mask)
    at = np.searchsorted(rows, offsets[:-1])  # where each segment's rows would begin among ``rows``
    held = at < len(rows)
    held[held] = rows[at[held]] < offsets[1:][held]  # the segment has a row there
    return rows, at[held]


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def _moves(r: np.ndarray) -> list[tuple[int, str, float]]:
    """The jumps and reversals among the log changes ``r``: (position in ``r``, kind, size), in order.

    Only a move beyond the reversal bound can be either (the jump bound is larger), so the sessions are
    visited among those candidates only; the return back from a reversal is skipped (the bad price already
    explains it).
    """
    found: list[tuple[int, str, float]] = []
    candidates = _beyond(r, REVERSAL_LOG_RETURN)  # NaN: no change, not a candidate
    reversal_at = -2
    for i in candidates.tolist():
        if i == reversal_at + 1:
            continue
        x, back = float(r[i]), float(r[i + 1]) if i + 1 < len(r) else math.nan
        undone = math.isfinite(back) and x * back < 0 and abs(x + back) <= (1 - _UNDONE) * abs(x)
        if undone:
            found.append((i, "reversal", math.expm1(x)))
            reversal_at = i
        elif abs(x) > MAX_LOG_RETURN:
            found.append((i, "jump", math.expm1(x)))
    return found


def suspect_prices(frame: pd.DataFrame) -> list[SuspectPrice]:
    """The suspect sessions of one symbol's price frame (``adj_close``, and ``close`` when present).

    Missing or non-positive prices are skipped (they are other checks' business): the comparison is
    between consecutive sessions that both have a price. Returns the sessions in date order. The checks
    run on arrays; the dates are looked up only for the sessions found.
    """
    if "adj_close" not in frame.columns or len(frame) < 2:
        return []
    close = _column(frame, "close") if "close" in frame.columns else None
    offsets = np.array([0, len(frame)], dtype=np.int64)
    found = suspect_segments(pd.DatetimeIndex(frame.index), offsets, _column(frame, "adj_close"), close)
    return found.get(0, [])


def suspect_segments(
    dates: pd.DatetimeIndex | np.ndarray,
    offsets: np.ndarray,
    adj_close: np.ndarray,
    close: np.ndarray | None = None,
) -> dict[int, list[SuspectPrice]]:
    """:func:`suspect_prices` of many symbols at once, on their rows laid end to end.

    Segment ``k`` (one symbol) is rows ``offsets[k]:offsets[k + 1]`` of ``dates`` (sorted within a
    segment) and of the float columns ``adj_close`` and ``close`` (``None``: no ratio rule). Returns the
    suspect sessions of each segment that has any, as :func:`suspect_prices` finds them on that segment's
    rows alone: no change is taken across two segments.
    """
    offsets = np.asarray(offsets, dtype=np.int64)
    with np.errstate(invalid="ignore"):
        priced = np.isfinite(adj_close) & (adj_close > 0)
        rows, firsts = _where(priced, offsets)
        changes = _changes(np.log(adj_close if rows is None else adj_close[rows]), firsts)
        moves = [(i if rows is None else int(rows[i]), kind, size) for i, kind, size in _moves(changes)]
        breaks: list[tuple[int, str, float]] = []
        if close is not None:
            both, firsts = _where(priced & np.isfinite(close) & (close > 0), offsets)
            ratio = close / adj_close if both is None else close[both] / adj_close[both]
            change = _changes(np.log(ratio, out=ratio), firsts)
            for i in _beyond(change, MAX_RATIO_LOG_CHANGE).tolist():
                breaks.append((i if both is None else int(both[i]), "ratio_break", math.expm1(change[i])))
    if not moves and not breaks:
        return {}

    def key(row: int) -> tuple[int, pd.Timestamp]:
        return int(np.searchsorted(offsets, row, side="right")) - 1, pd.Timestamp(dates[row])

    found = {key(row): (kind, size) for row, kind, size in moves}
    for row, kind, size in breaks:  # a jump or reversal wins over a ratio break of the same day
        found.setdefault(key(row), (kind, size))
    out: dict[int, list[SuspectPrice]] = {}
    for segment, day in sorted(found):
        out.setdefault(segment, []).append(SuspectPrice(day, *found[segment, day]))
    return out
