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
    "SuspectPrice",
    "suspect_prices",
]

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


def _log_changes(values: np.ndarray) -> np.ndarray:
    logs = np.log(values)
    out = np.full(logs.shape, np.nan)
    out[1:] = logs[1:] - logs[:-1]
    return out


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    return frame[name].to_numpy(dtype=float, na_value=np.nan)


def _moves(r: np.ndarray) -> list[tuple[int, str, float]]:
    """The jumps and reversals among the log changes ``r``: (position in ``r``, kind, size), in order.

    Only a move beyond the reversal bound can be either (the jump bound is larger), so the sessions are
    visited among those candidates only; the return back from a reversal is skipped (the bad price already
    explains it).
    """
    found: list[tuple[int, str, float]] = []
    nxt = np.append(r[1:], np.nan)
    candidates = np.flatnonzero(np.abs(np.nan_to_num(r)) > REVERSAL_LOG_RETURN)
    reversal_at = -2
    for i in candidates.tolist():
        if i == reversal_at + 1:
            continue
        x, back = float(r[i]), float(nxt[i])
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
    adj = _column(frame, "adj_close")
    with np.errstate(invalid="ignore"):
        priced = np.isfinite(adj) & (adj > 0)
        rows = np.flatnonzero(priced)
        moves = [(int(rows[i]), kind, size) for i, kind, size in _moves(_log_changes(adj[rows]))]
        breaks: list[tuple[int, str, float]] = []
        if "close" in frame.columns:
            close = _column(frame, "close")
            both = np.flatnonzero(priced & np.isfinite(close) & (close > 0))
            change = _log_changes(close[both] / adj[both])
            for i in np.flatnonzero(np.abs(np.nan_to_num(change)) > MAX_RATIO_LOG_CHANGE).tolist():
                breaks.append((int(both[i]), "ratio_break", math.expm1(change[i])))
    if not moves and not breaks:
        return []
    index = pd.DatetimeIndex(frame.index)
    found = {index[row]: SuspectPrice(index[row], kind, size) for row, kind, size in moves}
    for row, kind, size in breaks:
        found.setdefault(index[row], SuspectPrice(index[row], kind, size))
    return [found[d] for d in sorted(found)]
