"""``prices status`` and ``prices show``: what each source holds of each symbol, never fetching.

:func:`symbol_coverage` reads a symbol's rows where the sources keep them (a CSV folder, the cache, the
pinned snapshot, or the cache then the snapshot) and measures them against the exchange calendar;
:func:`price_status` does that for every symbol listed or needed and returns plain records, the ones
``prices status --format json`` prints.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dealstudy.data.coverage import Coverage
from dealstudy.data.symbols import BENCHMARKS, FX_SYMBOLS, StudySymbols
from dealstudy.errors import DataError

if TYPE_CHECKING:
    from dealstudy.data import DataSources
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.snapshot import SnapshotSource
    from dealstudy.data.source import PriceHistory

__all__ = [
    "PriceStatus",
    "cache_dir_of",
    "listed_symbols",
    "price_status",
    "recent_history",
    "symbol_coverage",
]

#: Rows ``prices show`` prints when no range is given.
SHOWN_ROWS = 20


def _snapshot_coverage(source: SnapshotSource, symbol: str) -> Coverage | None:
    from dealstudy.data.coverage import coverage_of

    if symbol not in source.snapshot.coverage():
        return None
    return coverage_of(symbol, source.snapshot.prices(symbol), source.snapshot.label)


def symbol_coverage(sources: DataSources, symbol: str) -> Coverage | str | None:
    """The symbol's coverage, ``None`` when there are no data, or why the data there cannot be used."""
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.chain import ChainSource
    from dealstudy.data.coverage import coverage_of
    from dealstudy.data.csv_dir import CsvDirSource
    from dealstudy.data.snapshot import SnapshotSource

    prices = sources.prices
    if isinstance(prices, ChainSource):
        found = _cached_coverage(prices.offline, symbol)
        return found if found is not None else _snapshot_coverage(prices.snapshot, symbol)
    if isinstance(prices, SnapshotSource):
        return _snapshot_coverage(prices, symbol)
    if isinstance(prices, CachedSource):
        return _cached_coverage(prices, symbol)
    if isinstance(prices, CsvDirSource):
        if not prices.path_for(symbol).is_file():
            return None
        try:
            return coverage_of(symbol, prices.frame(symbol), prices.name)
        except DataError as exc:
            return str(exc)
    return None


def _cached_coverage(prices: CachedSource, symbol: str) -> Coverage | str | None:
    from dealstudy.data.coverage import coverage_of

    seen = len(prices.problems)
    found = prices.cached_frame(symbol)
    if found is None:
        problems = [p for p in prices.problems[seen:] if p.symbol == symbol]
        return f"{problems[0].file}: {problems[0].message}" if problems else None
    frame, source = found
    return coverage_of(symbol, frame, f"cache:{source}")


def cache_dir_of(sources: DataSources) -> Path | None:
    """The cache folder the prices come from, ``None`` when they do not come from a cache."""
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.chain import ChainSource

    prices = sources.prices
    if isinstance(prices, ChainSource):
        prices = prices.offline
    return prices.cache_dir if isinstance(prices, CachedSource) else None


def listed_symbols(sources: DataSources) -> list[str]:
    """The symbols the sources hold (a CSV folder's files, the snapshot's, the cache's entries)."""
    from dealstudy.data.cache import IMPORT_SOURCE, CachedSource
    from dealstudy.data.chain import ChainSource
    from dealstudy.data.csv_dir import CsvDirSource
    from dealstudy.data.snapshot import SnapshotSource

    prices = sources.prices
    if isinstance(prices, CsvDirSource):
        return prices.symbols()
    if isinstance(prices, SnapshotSource):
        return prices.snapshot.symbols()
    cached = prices.offline if isinstance(prices, ChainSource) else prices
    if isinstance(cached, CachedSource):
        return sorted({e.symbol for e in cached.entries() if e.source in (cached.source_key, IMPORT_SOURCE)})
    return []


@dataclass(frozen=True)
class PriceStatus:
    """What the sources hold of every symbol listed or needed.

    Attributes
    ----------
    symbols : list of str
        Sorted: the sources' symbols, the study's, the benchmarks and FX rates.
    records : list of dict
        One a symbol (as ``--format json`` prints them): role, exchange, first, last, rows, missing
        sessions, extra dates, the range the study needs and whether it is covered, source, why corrupt.
    coverage : dict
        Symbol -> its :class:`Coverage`, ``None`` without usable data.
    corrupt : dict
        Symbol -> why its data cannot be used.
    no_data : list of str
        Symbols with no data at all (and none corrupt).
    """

    symbols: list[str]
    records: list[dict[str, Any]]
    coverage: dict[str, Coverage | None]
    corrupt: dict[str, str]
    no_data: list[str]

    def add_reactions(self, reactions: dict[str, dict[str, Any]]) -> None:
        """Put each catalog ticker's reactions (served, fallback, cannot serve) into its record."""
        for record in self.records:
            if record["role"] == "catalog":
                record.update(reactions.get(str(record["symbol"]), {}))


def _record(symbol: str, cov: Coverage | None, needed: StudySymbols, corrupt: str | None) -> dict[str, Any]:
    need = needed.ranges.get(symbol)
    return {
        "symbol": symbol,
        "role": needed.role(symbol),
        "exchange": cov.mic if cov else None,
        "first": cov.first.isoformat() if cov and cov.first else None,
        "last": cov.last.isoformat() if cov and cov.last else None,
        "rows": cov.rows if cov else 0,
        "missing_sessions": [d.isoformat() for d in cov.missing] if cov else [],
        "extra_dates": [d.isoformat() for d in cov.extra] if cov else [],
        "needed": [need[0].isoformat(), need[1].isoformat()] if need else None,
        "covers_needed": (cov.covers(*need) if cov and need else None),
        "source": cov.source if cov else None,
        "corrupt": corrupt,
    }


def price_status(sources: DataSources, needed: StudySymbols) -> PriceStatus:
    """The coverage of every symbol the sources hold or the study needs, benchmarks and FX included."""
    symbols = sorted(set(listed_symbols(sources)) | set(needed.ranges) | set(BENCHMARKS) | set(FX_SYMBOLS))
    found = {symbol: symbol_coverage(sources, symbol) for symbol in symbols}
    corrupt = {symbol: why for symbol, why in found.items() if isinstance(why, str)}
    covs = {symbol: cov if isinstance(cov, Coverage) else None for symbol, cov in found.items()}
    records = [_record(symbol, covs[symbol], needed, corrupt.get(symbol)) for symbol in symbols]
    no_data = [r["symbol"] for r in records if r["rows"] == 0 and r["corrupt"] is None]
    return PriceStatus(symbols, records, covs, corrupt, no_data)


def recent_history(
    sources: DataSources, symbol: str, first: dt.date | None, last: dt.date | None, today: dt.date
) -> PriceHistory:
    """``first..last`` of ``symbol``; without either, its last 20 rows held (else the last 40 days)."""
    if first is None and last is None:
        cov = symbol_coverage(sources, symbol)
        if isinstance(cov, Coverage) and cov.first is not None and cov.last is not None:
            whole = sources.prices.history(symbol, cov.first, cov.last).frame
            if len(whole):
                first = whole.index[max(0, len(whole) - SHOWN_ROWS)].date()
                last = whole.index[-1].date()
    return sources.prices.history(symbol, first or today - dt.timedelta(days=40), last or today)
