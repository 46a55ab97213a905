"""``prices fetch``: the range of each symbol to fetch, and fetching them into the cache one by one.

The command line parses the options and prints; here are the defaults taken from the catalog (see
:func:`dealstudy.data.symbols.study_symbols`), the per-symbol fetch that turns a symbol's data problem into a
row and a failure (a network given up stops the whole fetch), and the Fama-French factor download.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from dealstudy.data.symbols import StudySymbols, study_symbols
from dealstudy.errors import DataError, NetworkUnavailableError

if TYPE_CHECKING:
    from dealstudy.data import DataSources

__all__ = ["FetchPlan", "FetchResult", "fetch_prices", "plan_fetch"]

DateRange = tuple[dt.date, dt.date]
#: One row of the fetch table: symbol, requested range, range got, rows, source (or why it failed).
FetchRow = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class FetchPlan:
    """The range to fetch per symbol, or the first symbol given without one (neither dates nor catalog).

    Attributes
    ----------
    ranges : dict
        Symbol -> (first, last) date.
    unknown : str or None
        A symbol that is not in the catalog while ``--start`` or ``--end`` is missing.
    note : str
        What the catalog said (for the message about ``unknown``).
    """

    ranges: dict[str, DateRange]
    unknown: str | None = None
    note: str = ""


def plan_fetch(
    symbols: list[str] | None, first: dt.date | None, last: dt.date | None, catalog: Path
) -> FetchPlan:
    """Each symbol's range: ``first``/``last`` where given, else the range the catalog's study needs.

    Without ``symbols``: every symbol the catalog's study needs (the catalog must load).
    """
    if not symbols:
        needed = study_symbols(catalog, require_catalog=True)
        return FetchPlan({s: (first or r[0], last or r[1]) for s, r in needed.ranges.items()})
    needed = (
        study_symbols(catalog, require_catalog=False)
        if first is None or last is None
        else StudySymbols({}, (), "")
    )
    ranges: dict[str, DateRange] = {}
    for symbol in symbols:
        default = needed.ranges.get(symbol)
        lo = first or (default[0] if default else None)
        hi = last or (default[1] if default else None)
        if lo is None or hi is None:
            return FetchPlan(ranges, symbol, needed.note)
        ranges[symbol] = (lo, hi)
    return FetchPlan(ranges)


@dataclass
class FetchResult:
    """The table of a fetch (one row a symbol, and one for the factors) and the problems found."""

    rows: list[FetchRow] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def raise_failures(self, symbols: int) -> None:
        """Raise one :class:`DataError` listing every problem of a fetch of ``symbols`` symbols, if any."""
        if self.failures:
            raise DataError(
                f"{len(self.failures)} problem(s) fetching {symbols} symbol(s):\n"
                + "\n".join(f"  - {f}" for f in self.failures)
            )


def _ignore(symbol: str) -> None:
    """No progress to show."""


def fetch_prices(
    sources: DataSources,
    ranges: dict[str, DateRange],
    *,
    factors: bool = False,
    starting: Callable[[str], None] = _ignore,
    finished: Callable[[str], None] = _ignore,
) -> FetchResult:
    """Fetch each symbol's range (by symbol) through ``sources``; with ``factors``, the Fama-French files.

    ``starting(symbol)`` and ``finished(symbol)`` are called around each symbol (a progress bar).

    Raises
    ------
    NetworkUnavailableError
        The network is given up: one message, not one failure per remaining symbol.
    """
    result = FetchResult()
    for symbol, (lo, hi) in sorted(ranges.items()):
        starting(symbol)
        try:
            got = sources.prices.history(symbol, lo, hi)
            frame = got.frame
            result.rows.append(
                (
                    symbol,
                    f"{lo}..{hi}",
                    f"{frame.index[0].date()}..{frame.index[-1].date()}",
                    str(len(frame)),
                    got.provenance.source,
                )
            )
        except NetworkUnavailableError:
            raise  # the network is given up: one message, not one failure per remaining symbol
        except DataError as exc:
            message = str(exc)
            result.failures.append(message if message.startswith(symbol) else f"{symbol}: {message}")
            result.rows.append((symbol, f"{lo}..{hi}", "-", "0", f"FAILED: {exc}"))
        finished(symbol)
    if factors:
        _fetch_factors(sources, ranges, result)
    return result


def _fetch_factors(sources: DataSources, ranges: dict[str, DateRange], result: FetchResult) -> None:
    """Ken French's daily factors over the whole fetch range into the cache's factor folder."""
    from dealstudy.data import FACTORS_SUBDIR
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.factors import download_french_factors

    if not isinstance(sources.prices, CachedSource) or sources.prices.offline:
        result.failures.append("factors: --factors downloads into the cache; not with --prices or --offline")
        return
    lo = min(r[0] for r in ranges.values())
    hi = max(r[1] for r in ranges.values())
    try:
        written = download_french_factors(sources.prices.cache_dir / FACTORS_SUBDIR, lo, hi)
        result.rows.append(
            ("factors", f"{lo}..{hi}", ", ".join(p.name for p in written.values()), "", "Ken French")
        )
    except DataError as exc:
        result.failures.append(f"factors: {exc}")
