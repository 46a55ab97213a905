"""What the dollar values read besides the study: as-traded closes and highs, the share counts in force at
each event's day -1, and FX closes, fetched around the events' dates."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dealstudy.data import DataSources
from dealstudy.economy.currency import FX_SYMBOL, currency_for_mic
from dealstudy.economy.values import STALE_SHARES_DAYS
from dealstudy.errors import DownloadError, MissingDataError
from dealstudy.study import StudyResults

__all__ = ["history_series", "market_inputs", "span"]

#: Calendar-day margin fetched around the event dates for closes and FX.
_MARGIN_DAYS = 40

#: Step (calendar days) of the share-count lookups after day -1: counts are quarterly or rarer, so every
#: count of the staleness horizon is found.
_SHARES_STEP_DAYS = 10


def history_series(
    sources: DataSources, symbol: str, start: dt.date, end: dt.date, column: str
) -> pd.Series | None:
    """``column`` of ``symbol``'s prices over ``start..end`` without missing values; ``None`` when the
    source has none."""
    try:
        frame = sources.prices.history(symbol, start, end).frame
    except (MissingDataError, DownloadError):
        return None
    series = frame[column].astype(float).dropna()
    return series if not series.empty else None


def span(events: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """Calendar dates read around the events for closes and highs."""
    start = (events["date"].min() - pd.Timedelta(days=_MARGIN_DAYS)).date()
    return start, (events["date"].max() + pd.Timedelta(days=_MARGIN_DAYS)).date()


def _share_counts(
    sources: DataSources, events: pd.DataFrame, study: StudyResults, closes: dict[str, pd.Series]
) -> pd.DataFrame:
    """The share counts in force at each event's day -1 and every count of the staleness horizon after
    it (``symbol, as_of, shares, source``, each count once)."""
    day0 = study.outcomes.set_index("event_id")["day0"]
    shares_rows: dict[tuple[str, dt.date], dict[str, object]] = {}
    for event_id, ticker in zip(events["event_id"], events["ticker"], strict=True):
        series = closes.get(str(ticker))
        when = day0.get(event_id)
        if series is None or when is None or pd.isna(when):
            continue
        before = series.index[series.index < pd.Timestamp(when)]
        if len(before) == 0:
            continue
        day_m1 = pd.Timestamp(before[-1]).date()
        # the count in force at day -1 and every count of the staleness horizon after it
        steps = range(0, STALE_SHARES_DAYS + 1, _SHARES_STEP_DAYS)
        for on in (day_m1 + dt.timedelta(days=k) for k in steps):
            count = sources.shares.shares_on(str(ticker), on)
            if count is not None:
                shares_rows[(count.symbol, count.as_of)] = {
                    "symbol": count.symbol,
                    "as_of": count.as_of,
                    "shares": count.shares,
                    "source": count.source,
                }
    return pd.DataFrame(list(shares_rows.values()), columns=["symbol", "as_of", "shares", "source"])


def _fx_closes(
    sources: DataSources, events: pd.DataFrame, start: dt.date, end: dt.date
) -> dict[str, pd.Series]:
    """USD exchange rates of the events' listing currencies, by currency (from a margin before ``start``)."""
    fx: dict[str, pd.Series] = {}
    currencies = {currency_for_mic(str(m)) for m in events["exchange"]} - {None, "USD"}
    for currency in sorted(c for c in currencies if c is not None):
        symbol = FX_SYMBOL.get(currency, f"{currency}=X")
        series = history_series(sources, symbol, start - dt.timedelta(days=_MARGIN_DAYS), end, "close")
        if series is not None:
            fx[currency] = series
    return fx


def market_inputs(
    sources: DataSources, events: pd.DataFrame, study: StudyResults
) -> tuple[dict[str, pd.Series], pd.DataFrame, dict[str, pd.Series]]:
    """As-traded closes, the share counts in force at each event's day -1, and FX closes."""
    start, end = span(events)
    closes: dict[str, pd.Series] = {}
    for ticker in dict.fromkeys(events["ticker"].astype(str)):
        series = history_series(sources, ticker, start, end, "close")
        if series is not None:
            closes[ticker] = series
    shares = _share_counts(sources, events, study, closes)
    return closes, shares, _fx_closes(sources, events, start, end)
