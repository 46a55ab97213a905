"""The symbols a study needs and the date range of each: catalog tickers, benchmarks and FX rates."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from dealstudy.errors import DealstudyError

__all__ = ["BENCHMARKS", "FX_SYMBOLS", "LOOKAHEAD_DAYS", "LOOKBACK_DAYS", "StudySymbols", "study_symbols"]

#: Benchmarks fetched with the catalog tickers: broad market, Nasdaq-100, semiconductors, tech, Japan, Korea.
BENCHMARKS: tuple[str, ...] = ("SPY", "QQQ", "SMH", "XLK", "^N225", "^KS11")
#: FX rates (local currency per USD) for converting non-US market values.
FX_SYMBOLS: tuple[str, ...] = ("JPY=X", "KRW=X")
#: Calendar days of history before the earliest announcement (a 250-session estimation window and gap).
LOOKBACK_DAYS = 400
#: Calendar days after the latest announcement (post-event windows).
LOOKAHEAD_DAYS = 30


@dataclass(frozen=True)
class StudySymbols:
    """Symbols a study needs, with the date range each needs (from the catalog, where it loaded)."""

    ranges: dict[str, tuple[dt.date, dt.date]]
    catalog_tickers: tuple[str, ...]
    note: str

    def role(self, symbol: str) -> str:
        """``catalog``, ``benchmark``, ``fx`` or ``other``."""
        if symbol in self.catalog_tickers:
            return "catalog"
        return "benchmark" if symbol in BENCHMARKS else ("fx" if symbol in FX_SYMBOLS else "other")


def study_symbols(catalog_dir: Path, *, require_catalog: bool) -> StudySymbols:
    """Catalog tickers plus benchmarks and FX, each with the range the study needs.

    Each catalog ticker needs ``earliest announcement involving it - 400 days .. latest + 30 days``;
    benchmarks and FX need the catalog-wide range. Without a loadable catalog (and ``require_catalog``
    false) only benchmarks and FX are returned, with no range.
    """
    from dealstudy.catalog import load_catalog

    try:
        catalog = load_catalog(catalog_dir)
    except DealstudyError as exc:
        if require_catalog:
            raise
        reason = " ".join(str(exc).split())
        return StudySymbols({}, (), f"catalog {catalog_dir} not used: {reason[:300]}")
    lookback = dt.timedelta(days=LOOKBACK_DAYS)
    ahead = dt.timedelta(days=LOOKAHEAD_DAYS)
    ranges: dict[str, tuple[dt.date, dt.date]] = {}
    for deal in catalog.deals:
        for security in deal.securities:
            lo, hi = deal.announced - lookback, deal.announced + ahead
            old = ranges.get(security.ticker)
            ranges[security.ticker] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)
    tickers = tuple(sorted(ranges))
    if ranges:
        overall = (min(r[0] for r in ranges.values()), max(r[1] for r in ranges.values()))
        for symbol in (*BENCHMARKS, *FX_SYMBOLS):
            ranges.setdefault(symbol, overall)
    return StudySymbols(ranges, tickers, f"catalog {catalog_dir}: {len(catalog.deals)} deals")
