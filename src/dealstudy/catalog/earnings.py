"""The earnings calendar of the catalog's securities: ``events/earnings.yaml``.

Each security's own results releases are confounders of its reactions (``dealstudy.economy.confounding``).
The file lists releases (symbol, fiscal period, date, timing, source) and, per symbol, the periods in which
the list is *complete* (every release in the period is listed). Outside a complete period a security's
earnings near a window are unknown, and so is the confounding status of that window: never clean.

Parsing reports every problem at once, each with the file, the entry and the field, as the rest of the
catalog does. Nothing here reads files: :func:`parse_earnings` takes the parsed YAML.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import pairwise
from typing import Final

from dealstudy.catalog.fields import MISSING, Problems, describe
from dealstudy.catalog.schema import Timing
from dealstudy.errors import CatalogProblem

__all__ = [
    "EARNINGS_FILE",
    "EARNINGS_TIMINGS",
    "MAX_QUARTER_GAP_DAYS",
    "EarningsCalendar",
    "EarningsCoverage",
    "EarningsRelease",
    "parse_earnings",
]

#: File name of the calendar inside the catalog folder.
EARNINGS_FILE: Final = "earnings.yaml"

#: Timing words of a release, those of announcements (the same day-0 rule applies); ``non_trading_day``
#: is left out: a release on a weekend is written with its date and mapped to the next session anyway.
EARNINGS_TIMINGS: Final[tuple[str, ...]] = ("pre_market", "intraday", "after_close", "unknown")

#: Longest plausible gap between two consecutive quarterly releases of one company (days). A complete
#: period with a longer gap between listed releases (or from its ends to the nearest release) must be
#: missing a release, and is refused.
MAX_QUARTER_GAP_DAYS: Final = 120

_RELEASE_KEYS: Final = ("symbol", "period", "date", "timing", "source", "note")
_COVERAGE_KEYS: Final = ("symbol", "from", "to", "basis")


@dataclass(frozen=True)
class EarningsRelease:
    """One results release (or preliminary guidance) of a listed company."""

    symbol: str
    period: str
    date: dt.date
    timing: Timing
    source: str
    note: str | None = None


@dataclass(frozen=True)
class EarningsCoverage:
    """A period in which every release of ``symbol`` is listed."""

    symbol: str
    start: dt.date
    end: dt.date
    basis: str


@dataclass(frozen=True)
class EarningsCalendar:
    """Releases and the periods in which they are complete."""

    releases: tuple[EarningsRelease, ...] = ()
    coverage: tuple[EarningsCoverage, ...] = ()

    def for_symbol(self, symbol: str) -> tuple[EarningsRelease, ...]:
        """The releases of ``symbol``, by date."""
        return tuple(sorted((r for r in self.releases if r.symbol == symbol), key=lambda r: r.date))

    def covered(self, symbol: str, start: dt.date, end: dt.date) -> EarningsCoverage | None:
        """The complete period of ``symbol`` containing ``start..end`` (``None`` when none does)."""
        for cover in self.coverage:
            if cover.symbol == symbol and cover.start <= start and end <= cover.end:
                return cover
        return None

    def merged(self, other: EarningsCalendar) -> EarningsCalendar:
        """Both calendars; a release of ``other`` on the same symbol and date as one here is dropped."""
        known = {(r.symbol, r.date) for r in self.releases}
        extra = tuple(r for r in other.releases if (r.symbol, r.date) not in known)
        return EarningsCalendar(self.releases + extra, self.coverage + other.coverage)


def _release(item: Mapping[object, object], p: Problems) -> EarningsRelease | None:
    before = len(p.items)
    p.keys(item, _RELEASE_KEYS, ("symbol", "period", "date", "timing", "source"))
    symbol = p.text("symbol", item.get("symbol", MISSING), required=True)
    period = p.text("period", item.get("period", MISSING), required=True)
    date = p.date("date", item.get("date", MISSING), required=True)
    timing = p.choice("timing", item.get("timing", MISSING), EARNINGS_TIMINGS, required=True)
    source = p.url("source", item.get("source", MISSING), required=True)
    note = p.text("note", item.get("note", MISSING))
    if len(p.items) != before or None in (symbol, period, date, timing, source):
        return None
    assert symbol and period and date and timing and source  # noqa: PT018 (narrowing for mypy)
    return EarningsRelease(symbol, period, date, timing, source, note)  # type: ignore[arg-type]


def _coverage(item: Mapping[object, object], p: Problems) -> EarningsCoverage | None:
    before = len(p.items)
    p.keys(item, _COVERAGE_KEYS, _COVERAGE_KEYS)
    symbol = p.text("symbol", item.get("symbol", MISSING), required=True)
    start = p.date("from", item.get("from", MISSING), required=True)
    end = p.date("to", item.get("to", MISSING), required=True)
    basis = p.text("basis", item.get("basis", MISSING), required=True)
    if start is not None and end is not None and start > end:
        p.add("to", f"{end} is before 'from' ({start})")
    if len(p.items) != before or symbol is None or start is None or end is None or basis is None:
        return None
    return EarningsCoverage(symbol, start, end, basis)


def _coverage_gaps(cover: EarningsCoverage, releases: Iterable[EarningsRelease]) -> str:
    """Why ``cover`` cannot be complete (empty when plausible): a gap longer than a quarter."""
    days = sorted(
        {r.date for r in releases if r.symbol == cover.symbol and cover.start <= r.date <= cover.end}
    )
    points = [cover.start, *days, cover.end]
    for first, second in pairwise(points):
        if (second - first).days > MAX_QUARTER_GAP_DAYS:
            return (
                f"no {cover.symbol} release listed between {first} and {second} "
                f"({(second - first).days} days, more than {MAX_QUARTER_GAP_DAYS}): the period cannot be "
                "complete"
            )
    return ""


def _entries(
    data: Mapping[object, object], key: str, file: str, problems: list[CatalogProblem]
) -> list[tuple[str, Mapping[object, object]]]:
    top = Problems(file, "")
    items = top.items_of(key, data.get(key, MISSING))
    problems.extend(top.items)
    out = []
    for i, item in enumerate(items or []):
        where = f"{key}[{i}]"
        if not isinstance(item, Mapping):
            problems.append(CatalogProblem(file, where, "", f"expected a mapping, got {describe(item)}"))
            continue
        out.append((where, item))
    return out


def parse_earnings(data: object, file: str = EARNINGS_FILE) -> tuple[EarningsCalendar, list[CatalogProblem]]:
    """Check the parsed ``earnings.yaml`` and build the calendar (empty when there is any problem).

    Checks: known keys, required fields, dates, the timing words, https sources, one release per symbol and
    period, ``from`` <= ``to``, and that each complete period has no gap between listed releases longer
    than :data:`MAX_QUARTER_GAP_DAYS` (a quarterly reporter cannot then have an unlisted release in it).
    """
    if not isinstance(data, Mapping):
        message = f"expected a mapping with keys 'releases' and 'complete', got {describe(data)}"
        return EarningsCalendar(), [CatalogProblem(file, "", "", message)]
    problems: list[CatalogProblem] = []
    top = Problems(file, "")
    top.keys(data, ("releases", "complete"), ("releases", "complete"))
    problems.extend(top.items)
    releases: list[EarningsRelease] = []
    seen: dict[tuple[str, str], str] = {}
    for where, item in _entries(data, "releases", file, problems):
        label = f"{item.get('symbol')} {item.get('period')}"
        p = Problems(file, f"{where} {label}")
        release = _release(item, p)
        if release is not None:
            key = (release.symbol, release.period)
            if key in seen:
                p.add("period", f"{release.symbol} {release.period} is listed twice (also {seen[key]})")
            else:
                seen[key] = where
                releases.append(release)
        problems.extend(p.items)
    coverage: list[EarningsCoverage] = []
    for where, item in _entries(data, "complete", file, problems):
        p = Problems(file, f"{where} {item.get('symbol')}")
        cover = _coverage(item, p)
        if cover is not None:
            why = _coverage_gaps(cover, releases)
            if why:
                p.add("from", why)
            else:
                coverage.append(cover)
        problems.extend(p.items)
    if problems:
        return EarningsCalendar(), problems
    return EarningsCalendar(tuple(releases), tuple(coverage)), []
