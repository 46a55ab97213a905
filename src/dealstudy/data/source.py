"""The interface every data source implements, and the frames it returns.

A price source returns, per symbol, a daily frame indexed by session date (timezone-naive, exchange-local
dates, ascending, unique) with the columns :data:`PRICE_COLUMNS`, plus where it came from. Computation
modules receive these frames; they never talk to a source themselves.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import pandas as pd

__all__ = [
    "PRICE_COLUMNS",
    "PriceHistory",
    "PriceSource",
    "Provenance",
    "SharesCount",
    "SharesSource",
    "check_symbol",
]

PRICE_COLUMNS: tuple[str, ...] = ("open", "high", "low", "close", "adj_close", "volume")
#: Longest symbol the data layer accepts (Yahoo's are at most ~20 characters; file names allow 255 bytes).
MAX_SYMBOL_LENGTH = 40


def check_symbol(symbol: str) -> str:
    """``symbol`` when it can name a price series (and a file); else :class:`MissingDataError` saying why.

    Refused: empty, longer than :data:`MAX_SYMBOL_LENGTH`, a path separator, a leading dot, a control
    character. The message shows at most the first 20 characters.
    """
    from dealstudy.errors import MissingDataError

    shown = repr(symbol[:20] + ("..." if len(symbol) > 20 else ""))
    if not symbol.strip():
        raise MissingDataError("empty symbol: not a price symbol")
    if len(symbol) > MAX_SYMBOL_LENGTH:
        raise MissingDataError(
            f"symbol {shown} ({len(symbol):,} characters) is not a price symbol: at most {MAX_SYMBOL_LENGTH}"
        )
    if "/" in symbol or "\\" in symbol or symbol.startswith(".") or not symbol.isprintable():
        raise MissingDataError(
            f"symbol {shown} is not a price symbol (a path separator, a leading dot or a control character)"
        )
    return symbol


@dataclass(frozen=True)
class Provenance:
    """Where a piece of data came from."""

    source: str  # "yahoo", "csv:/path/to/dir", "cache:yahoo" ...
    fetched_at: dt.datetime | None = None  # UTC, when downloaded (None for a snapshot of unknown age)
    library_version: str | None = None  # e.g. "yfinance 1.7.0"
    detail: str | None = None  # free text: file path, checksum, range


@dataclass(frozen=True)
class PriceHistory:
    """Daily prices of one symbol over a range, with provenance.

    ``frame`` has a ``DatetimeIndex`` named ``date`` (naive, normalised to midnight, exchange-local session
    dates) and the columns :data:`PRICE_COLUMNS` as floats (``volume`` may be NaN for indices and FX).
    """

    symbol: str
    frame: pd.DataFrame
    provenance: Provenance


@runtime_checkable
class PriceSource(Protocol):
    """Anything that can return daily prices for a symbol."""

    name: str

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        """Daily prices for sessions ``start <= date <= end`` (both inclusive).

        Raises :class:`dealstudy.errors.MissingDataError` when the symbol is unknown to the source and
        :class:`dealstudy.errors.DownloadError` when a download fails or comes back empty.
        """
        ...


@dataclass(frozen=True)
class SharesCount:
    """Shares outstanding of a symbol as stated on ``as_of``, with the statement's source."""

    symbol: str
    as_of: dt.date
    shares: float
    source: str


@runtime_checkable
class SharesSource(Protocol):
    """Anything that can tell the shares outstanding of a symbol on a date."""

    name: str

    def shares_on(self, symbol: str, on: dt.date) -> SharesCount | None:
        """The latest count with ``as_of <= on``; ``None`` when there is none."""
        ...
