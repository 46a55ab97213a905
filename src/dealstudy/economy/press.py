"""The press reconciled: what the press said a deal did to a company's value, beside what was measured.

For every direct party of every deal, at day 0 and over the headline window: the press claim (from the
catalog's ``press_claims``), the close-to-close change in market value, the intraday-high change (the
highest price of the period against the close before it, times the shares) and the abnormal value. The
press usually quotes the raw (close-to-close or intraday) change; the abnormal value removes what the
market as a whole did, so the three dollar figures answer different questions.

Pure computation on the dollar values and the daily highs handed over by the pipeline.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from dealstudy.catalog.schema import Deal
from dealstudy.economy.window_value import EventRows

__all__ = ["PRESS_COLUMNS", "press_reconciliation"]

PRESS_COLUMNS: tuple[str, ...] = (
    "deal_id",
    "ticker",
    "window",
    "sessions",
    "press_claim_usd",
    "press_basis",
    "press_source",
    "close_to_close_usd",
    "intraday_high_usd",
    "abnormal_value_usd",
    "shares_outstanding",
    "shares_as_of",
    "reason",
)


class _Daily:
    """A daily series by normalised session date (read once per ticker)."""

    def __init__(self, series: pd.Series) -> None:
        self.days = pd.DatetimeIndex(series.index).normalize()
        self.prices = series.to_numpy(dtype=float)


def _daily(series: pd.Series | None, cache: dict[str, _Daily | None], ticker: str) -> _Daily | None:
    if ticker not in cache:
        cache[ticker] = _Daily(series) if series is not None else None
    return cache[ticker]


def _high_change(
    highs: _Daily | None,
    closes: _Daily | None,
    row: Mapping[str, object],
    sessions: Sequence[pd.Timestamp],
) -> tuple[float, str]:
    """(highest high over ``sessions`` - close before them) x shares, in USD at the day -1 rate."""
    if highs is None or closes is None or not sessions:
        return math.nan, "no daily highs"
    before = closes.prices[closes.days < min(sessions)]
    if before.size == 0 or not math.isfinite(before[-1]):
        return math.nan, "no close before the window"
    values = highs.prices[highs.days.isin(pd.DatetimeIndex(list(sessions)))]
    values = values[np.isfinite(values)]
    if values.size == 0:
        return math.nan, "no high on the window's sessions"
    shares = float(row["shares"])  # type: ignore[arg-type]
    close, rate = float(before[-1]), float(row["fx_rate_m1"])  # type: ignore[arg-type]
    if not (math.isfinite(shares) and math.isfinite(close) and math.isfinite(rate)):
        return math.nan, "no market cap at day -1"
    return (float(values.max()) - close) * shares / rate, ""


def press_reconciliation(
    deals: Sequence[Deal],
    values: pd.DataFrame,
    abnormal_returns: pd.DataFrame,
    highs: Mapping[str, pd.Series],
    closes: Mapping[str, pd.Series],
    window: str,
) -> pd.DataFrame:
    """:data:`PRESS_COLUMNS`, one row per direct party of each deal and period (``0:0`` and ``window``).

    ``values`` are the dollar values (every window) with ``event_id, deal_id, ticker, direct, window,
    shares, shares_as_of, close_m1, fx_rate_m1, raw_value_usd, abnormal_value_usd``; the window's sessions
    come from the abnormal-return rows. The close-to-close change is the window's raw value (the change
    in market value from the close before the window to its last close); the intraday-high change uses the
    highest high of the window's sessions against the close before the window (``closes``).
    """
    claims = {
        (d.id, c.security or (d.securities[0].ticker if d.securities else "")): c
        for d in deals
        for c in d.press_claims
    }
    ar_rows = EventRows(abnormal_returns)
    daily_highs: dict[str, _Daily | None] = {}
    daily_closes: dict[str, _Daily | None] = {}
    rows = []
    periods = list(dict.fromkeys(["0:0", window]))
    direct = values[values["direct"].astype(bool) & values["window"].isin(periods)]
    for record in direct.to_dict("records"):
        row = {str(k): v for k, v in record.items()}
        first, _, last = str(row["window"]).partition(":")
        sessions = ar_rows.sessions(str(row["event_id"]), int(first), int(last)) or []
        ticker = str(row["ticker"])
        high, why = _high_change(
            _daily(highs.get(ticker), daily_highs, ticker),
            _daily(closes.get(ticker), daily_closes, ticker),
            row,
            sessions,
        )
        claim = claims.get((str(row["deal_id"]), str(row["ticker"])))
        rows.append(
            {
                "deal_id": row["deal_id"],
                "ticker": row["ticker"],
                "window": row["window"],
                "sessions": len(sessions),
                "press_claim_usd": claim.amount_usd if claim else math.nan,
                "press_basis": claim.basis if claim else "",
                "press_source": claim.source if claim else "",
                "close_to_close_usd": float(row["raw_value_usd"]),
                "intraday_high_usd": high,
                "abnormal_value_usd": float(row["abnormal_value_usd"]),
                "shares_outstanding": row["shares"],
                "shares_as_of": row["shares_as_of"],
                "reason": why if row["outcome"] == "ok" else str(row["reason"] or ""),
            }
        )
    return pd.DataFrame(rows, columns=list(PRESS_COLUMNS))
