"""Listing currencies and conversion of local-currency amounts to US dollars.

Rates follow Yahoo's FX symbols (``JPY=X``, ``KRW=X``): the close is local currency per US dollar, so
``usd = local / rate``. The rate used for a date is that date's row or, when the date is missing (a holiday in
New York, a gap in the file), the last earlier row; a date before the first row has no rate.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["CURRENCY_BY_MIC", "FX_SYMBOL", "FxRate", "currency_for_mic", "fx_symbol", "rate_on"]

#: Listing currency by ISO 10383 market identifier. US venues are USD; Tokyo JPY; Seoul KRW.
CURRENCY_BY_MIC: dict[str, str] = {
    "XNAS": "USD",
    "XNYS": "USD",
    "XASE": "USD",
    "ARCX": "USD",
    "BATS": "USD",
    "XNGS": "USD",
    "XNCM": "USD",
    "XNMS": "USD",
    "XTKS": "JPY",
    "XJPX": "JPY",
    "XKRX": "KRW",
    "XKOS": "KRW",
    "XLON": "GBP",
    "XAMS": "EUR",
    "XETR": "EUR",
    "XPAR": "EUR",
    "XHKG": "HKD",
    "XTAI": "TWD",
}

#: Yahoo FX symbol quoting the currency per US dollar.
FX_SYMBOL: dict[str, str] = {"JPY": "JPY=X", "KRW": "KRW=X"}


def currency_for_mic(mic: str) -> str | None:
    """The listing currency of an exchange, or ``None`` when the exchange is not known."""
    return CURRENCY_BY_MIC.get(mic.upper())


def fx_symbol(currency: str) -> str:
    """The Yahoo symbol of ``currency`` per USD (``JPY`` -> ``JPY=X``)."""
    return FX_SYMBOL.get(currency, f"{currency}=X")


@dataclass(frozen=True)
class FxRate:
    """The rate applied on a date: local currency per USD, and the row it came from."""

    currency: str
    rate: float
    on: dt.date  # the date asked for
    rate_date: dt.date  # the row used (== on, or the last earlier row)

    @property
    def stale_days(self) -> int:
        return (self.on - self.rate_date).days


def rate_on(rates: pd.Series | None, currency: str, on: dt.date | pd.Timestamp) -> FxRate | None:
    """Local currency per USD on ``on``: that day's row, else the last earlier row; ``None`` when none.

    ``USD`` always converts at 1. ``rates`` is a series of closes indexed by date (ascending); rows with a
    missing or non-positive value are ignored.
    """
    day = pd.Timestamp(on).normalize()
    if currency == "USD":
        return FxRate("USD", 1.0, day.date(), day.date())
    if rates is None or rates.empty:
        return None
    clean = rates[np.isfinite(rates.to_numpy(dtype=float)) & (rates.to_numpy(dtype=float) > 0)]
    position = int(clean.index.searchsorted(day, side="right")) - 1
    if position < 0:
        return None
    rate_date = pd.Timestamp(clean.index[position]).date()
    return FxRate(currency, float(clean.iloc[position]), day.date(), rate_date)
