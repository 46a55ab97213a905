"""Gather the parts of a new snapshot: from a data folder (the shared layout) or from the user's cache.

``dealstudy prices snapshot --out DIR`` uses :func:`parts_from_cache` (maintainers refresh the pinned data
from what ``prices fetch`` downloaded); ``--from FOLDER`` uses :func:`parts_from_folder`, the layout of the
project's shared data (``prices/SYMBOL.csv``, ``prices/shares_outstanding.csv``, ``dividends.csv``,
``shares_weighted_average.csv``, ``ff_factors_daily.csv``, ``ff5_factors_daily.csv``). Any part the source
lacks is carried over from the current embedded snapshot, and the manifest says where each part came from.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from dealstudy.data.cache import CachedSource
from dealstudy.data.csv_dir import SHARES_FILE, CsvDirSource, read_price_csv, read_shares_csv
from dealstudy.data.snapshot import MANIFEST, TABLES, Snapshot
from dealstudy.errors import SnapshotError

__all__ = ["PROXY_LABEL", "SnapshotParts", "parts_from_cache", "parts_from_folder", "read_table"]

#: Label carried by every row of ``shares_weighted_average``: never to be read as a point-in-time count.
PROXY_LABEL = "proxy: period-average diluted shares (SEC companyfacts), not a point-in-time count"
_DATE_COLUMNS = {
    "shares_outstanding": ("as_of",),
    "shares_weighted_average": ("period_start", "period_end", "filed"),
    "dividends": ("ex_date",),
    "ff_factors_daily": ("date",),
    "ff5_factors_daily": ("date",),
    "earnings_dates": ("release_date",),
}


@dataclass
class SnapshotParts:
    """Prices per symbol, the other tables, and where each part came from."""

    prices: dict[str, pd.DataFrame] = field(default_factory=dict)
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    provenance: str = ""

    def fill_from(self, base: Snapshot) -> None:
        """Carry over from ``base`` every table and symbol this one lacks (recorded in ``sources``)."""
        if not (base.directory / MANIFEST).is_file():
            return
        for name in TABLES:
            if name not in self.tables and base.has(name):
                self.tables[name] = base.table(name)
                self.sources[name] = f"carried over from {base.label}"
        carried = [s for s in base.symbols() if s not in self.prices]
        for symbol in carried:
            self.prices[symbol] = base.prices(symbol)
        if carried:
            self.sources["prices carried over"] = f"{', '.join(carried)} from {base.label}"
        if not self.provenance:
            try:
                self.provenance = base.read_verified("PROVENANCE.md").decode("utf-8")
            except (SnapshotError, OSError):
                self.provenance = ""


def read_table(path: Path, name: str) -> pd.DataFrame:
    """Read one CSV table of the snapshot (``name`` in :data:`TABLES`), dates and numbers typed."""
    try:
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise SnapshotError(f"{path}: cannot read as CSV: {exc}") from None
    for column in frame.columns:
        if column in _DATE_COLUMNS.get(name, ()):
            parsed = pd.to_datetime(frame[column].replace("", None), format="%Y-%m-%d", errors="coerce")
            bad = parsed.isna() & (frame[column] != "")
            if bad.any():
                line = int(bad.to_numpy().nonzero()[0][0]) + 2
                value = frame[column][bad].iloc[0]
                raise SnapshotError(f"{path}: line {line}: unparseable {column} {value!r}")
            frame[column] = parsed
        elif column not in ("symbol", "source", "currency", "form", "fiscal_period", "timing"):
            numbers = pd.to_numeric(frame[column].replace("", None), errors="coerce")
            if not (numbers.isna() & (frame[column] != "")).any():
                frame[column] = numbers.astype("float64")
    if name == "shares_weighted_average":
        frame["label"] = PROXY_LABEL
    return frame


def _shown(path: Path, folder: Path) -> str:
    """``path`` relative to the folder's parent (no machine-specific prefix in the manifest)."""
    try:
        return str(path.relative_to(folder.parent))
    except ValueError:
        return path.name


def parts_from_folder(folder: Path, *, earnings: Path | None = None) -> SnapshotParts:
    """Read a data folder in the shared layout (``folder/prices/*.csv`` or ``folder/*.csv``)."""
    folder = folder.expanduser().resolve()
    prices_dir = folder / "prices" if (folder / "prices").is_dir() else folder
    source = CsvDirSource(prices_dir)
    parts = SnapshotParts()
    for symbol in source.symbols():
        parts.prices[symbol] = read_price_csv(source.path_for(symbol))
    parts.sources["prices"] = _shown(prices_dir, folder)
    if (prices_dir / SHARES_FILE).is_file():
        shares = read_shares_csv(prices_dir / SHARES_FILE)
        parts.tables["shares_outstanding"] = shares
        parts.sources["shares_outstanding"] = _shown(prices_dir / SHARES_FILE, folder)
    for name in TABLES:
        if name == "shares_outstanding" or name == "earnings_dates":
            continue
        for candidate in (folder / f"{name}.csv", prices_dir / f"{name}.csv"):
            if candidate.is_file():
                parts.tables[name] = read_table(candidate, name)
                parts.sources[name] = _shown(candidate, folder)
                break
    if earnings is not None:
        parts.tables["earnings_dates"] = read_table(earnings, "earnings_dates")
        parts.sources["earnings_dates"] = _shown(earnings.resolve(), folder.parent)
    for doc in (folder / "PROVENANCE.md", prices_dir / "PROVENANCE.md"):
        if doc.is_file():
            parts.provenance = doc.read_text(encoding="utf-8")
            break
    return parts


def parts_from_cache(cache: CachedSource) -> SnapshotParts:
    """Every symbol the cache holds (Yahoo downloads and imported snapshots), its shares file and factors."""
    parts = SnapshotParts()
    symbols = sorted({entry.symbol for entry in cache.entries()})
    for symbol in symbols:
        found = cache.cached_frame(symbol)
        if found is not None and len(found[0]):
            parts.prices[symbol] = found[0]
    if parts.prices:
        parts.sources["prices"] = f"cache {cache.cache_dir}"
    shares = Path(cache.cache_dir) / SHARES_FILE
    if shares.is_file():
        parts.tables["shares_outstanding"] = read_shares_csv(shares)
        parts.sources["shares_outstanding"] = str(shares)
    for name in ("ff_factors_daily", "ff5_factors_daily"):
        path = Path(cache.cache_dir) / "factors" / f"{name}.csv"
        if path.is_file():
            parts.tables[name] = read_table(path, name)
            parts.sources[name] = str(path)
    return parts


def provenance_header(version: str, as_of: dt.date, sources: dict[str, str]) -> str:
    """The lines put before the carried-over provenance text of a new snapshot."""
    lines = [
        f"# dealstudy data snapshot {version} (as of {as_of})",
        "",
        "Built with `dealstudy prices snapshot`. Parts and where they came from:",
        "",
        *(f"* {part}: {where}" for part, where in sorted(sources.items())),
        "",
        f"`shares_weighted_average`: {PROXY_LABEL}.",
        "",
        "The provenance of the data it was built from follows unchanged.",
        "",
        "---",
        "",
    ]
    return "\n".join(lines)
