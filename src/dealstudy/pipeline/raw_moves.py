"""Raw day-0 moves: every security with prices, whatever its study outcome.

The raw move is the as-traded close-to-close return from day -1 to day 0 (split-adjusted, not
dividend-adjusted) and the raw dollar change is ``(close_0 - close_-1) x shares outstanding (latest count on
or before day -1)`` converted to USD at the day -1 rate (same FX rule as the dollar values). They are shown
for events excluded from the abnormal-return statistics too, so no security with prices disappears.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dealstudy.economy.currency import currency_for_mic, rate_on

__all__ = ["RAW_MOVE_COLUMNS", "raw_moves"]

RAW_MOVE_COLUMNS: tuple[str, ...] = (
    "event_id",
    "ticker",
    "outcome",
    "day0",
    "date_m1",
    "close_m1",
    "close_0",
    "raw_return",
    "shares",
    "shares_as_of",
    "currency",
    "raw_change_local",
    "raw_change_usd",
    "note",
)


class _ShareCounts:
    """The share-count rows of each symbol, with their dates converted (once per symbol)."""

    def __init__(self, shares: pd.DataFrame) -> None:
        self._shares = shares
        self._by_symbol: dict[str, tuple[pd.DataFrame, pd.Series]] = {}

    def on(self, ticker: str, day: pd.Timestamp) -> tuple[float, pd.Timestamp | None]:
        """The latest count on or before ``day`` and its date (NaN and ``None`` when there is none)."""
        if ticker not in self._by_symbol:
            rows = self._shares[self._shares["symbol"] == ticker]
            self._by_symbol[ticker] = (rows, pd.to_datetime(rows["as_of"]))
        rows, as_of = self._by_symbol[ticker]
        rows = rows[(as_of <= day).to_numpy()]
        if rows.empty:
            return math.nan, None
        last = rows.sort_values("as_of").iloc[-1]
        return float(last["shares"]), pd.Timestamp(last["as_of"])


def raw_moves(
    events: pd.DataFrame,
    outcomes: pd.DataFrame,
    closes: dict[str, pd.Series],
    shares: pd.DataFrame,
    fx: dict[str, pd.Series],
) -> pd.DataFrame:
    """One row per event with a day 0: :data:`RAW_MOVE_COLUMNS` (``note`` says what is missing)."""
    outcome = dict(zip(outcomes["event_id"].astype(str), outcomes["outcome"].astype(str), strict=True))
    counts = _ShareCounts(shares)
    cleaned: dict[str, pd.Series] = {}
    rows = []
    for event in events.to_dict("records"):
        event_id, ticker = str(event["event_id"]), str(event["ticker"])
        day0 = pd.Timestamp(event["day0"]) if pd.notna(event["day0"]) else None
        currency = currency_for_mic(str(event.get("exchange", ""))) or "USD"
        row: dict[str, object] = dict.fromkeys(RAW_MOVE_COLUMNS, math.nan)
        row.update(event_id=event_id, ticker=ticker, outcome=outcome.get(event_id, ""), day0=day0)
        row.update(currency=currency, date_m1=pd.NaT, shares_as_of=pd.NaT, note="")
        series = closes.get(ticker)
        if day0 is None or series is None:
            row["note"] = "no day 0" if day0 is None else f"no prices for {ticker}"
            rows.append(row)
            continue
        if ticker not in cleaned:
            cleaned[ticker] = series.dropna()
        clean = cleaned[ticker]
        before = clean[clean.index < day0]
        if day0 not in clean.index or before.empty:
            row["note"] = f"no close on day 0 ({day0.date()}) or before it"
            rows.append(row)
            continue
        date_m1 = pd.Timestamp(before.index[-1])
        close_m1, close_0 = float(before.iloc[-1]), float(clean[day0])
        count, as_of = counts.on(ticker, date_m1)
        rate = rate_on(fx.get(currency), currency, date_m1)
        change = (close_0 - close_m1) * count
        row.update(date_m1=date_m1, close_m1=close_m1, close_0=close_0, raw_return=close_0 / close_m1 - 1)
        row.update(shares=count, shares_as_of=as_of if as_of is not None else pd.NaT, raw_change_local=change)
        row["raw_change_usd"] = change / rate.rate if rate is not None else math.nan
        notes = []
        if not np.isfinite(count):
            notes.append(f"no shares outstanding for {ticker} on or before {date_m1.date()}")
        if rate is None:
            notes.append(f"no {currency} rate on or before {date_m1.date()}")
        row["note"] = "; ".join(notes)
        rows.append(row)
    return pd.DataFrame(rows, columns=list(RAW_MOVE_COLUMNS))
