"""The pinned data snapshot: a versioned, checksummed set of Parquet tables shipped inside the package.

Layout of a snapshot folder (the embedded one is ``dealstudy/_snapshot/``)::

    manifest.json                   # format, version, as_of, per file sha256/bytes/rows, per symbol coverage
    PROVENANCE.md                   # sources, coverage, gaps (carried over from the data it was built from)
    prices.parquet                  # symbol, date, open, high, low, close, adj_close, volume (local currency)
    shares_outstanding.parquet      # symbol, as_of, shares, source (point-in-time counts)
    shares_weighted_average.parquet # period averages of diluted shares: a proxy, never a point-in-time count
    dividends.parquet               # symbol, ex_date, amount, currency, source
    ff_factors_daily.parquet        # date, mkt_rf, smb, hml, rf (percent per day, as published)
    ff5_factors_daily.parquet       # date, mkt_rf, smb, hml, rmw, cma, rf
    earnings_dates.parquet          # symbol, fiscal_period, release_date, timing, source

Every file is checked against the manifest's sha256 before it is read: a damaged file raises
:class:`~dealstudy.errors.SnapshotError` naming it and is never used. :func:`write_snapshot` builds a
snapshot (``dealstudy prices snapshot``); the tables are read lazily, one file at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from dealstudy._atomic import atomic_write_bytes, atomic_write_text
from dealstudy.data.csv_dir import SHARES_FILE, CsvSharesSource
from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, Provenance, check_symbol
from dealstudy.errors import MissingDataError, SnapshotError

__all__ = [
    "FACTOR_TABLES",
    "MANIFEST",
    "SNAPSHOT_FORMAT",
    "TABLES",
    "Snapshot",
    "SnapshotSharesSource",
    "SnapshotSource",
    "embedded_snapshot_dir",
    "stale_note",
    "write_snapshot",
]

SNAPSHOT_FORMAT = 1
MANIFEST = "manifest.json"
PROVENANCE = "PROVENANCE.md"
#: Tables besides prices, by name (file = ``<name>.parquet``); each may be absent from a snapshot.
TABLES: tuple[str, ...] = (
    "shares_outstanding",
    "shares_weighted_average",
    "dividends",
    "ff_factors_daily",
    "ff5_factors_daily",
    "earnings_dates",
)
#: Factor tables, written back as CSV files for :func:`dealstudy.data.factors.load_factors`.
FACTOR_TABLES: tuple[str, ...] = ("ff_factors_daily", "ff5_factors_daily")
#: The unit pandas gives dates parsed from text (as the CSV sources do), so frames compare equal.
_DATE_UNIT = pd.to_datetime(["2025-01-02"], format="%Y-%m-%d").unit


def embedded_snapshot_dir() -> Path:
    """The snapshot shipped inside the package (``dealstudy/_snapshot``)."""
    return Path(str(resources.files("dealstudy") / "_snapshot"))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _parquet_bytes(frame: pd.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.to_parquet(buffer, engine="pyarrow", index=False, compression="zstd")
    return buffer.getvalue()


@dataclass(frozen=True)
class SymbolCoverage:
    """First and last date and row count of one symbol in a snapshot."""

    first: dt.date
    last: dt.date
    rows: int


class Snapshot:
    """A snapshot folder, read lazily and verified file by file.

    Parameters
    ----------
    directory : Path, optional
        The folder; default the embedded snapshot (:func:`embedded_snapshot_dir`).
    """

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory) if directory is not None else embedded_snapshot_dir()
        self._manifest: dict[str, Any] | None = None
        self._tables: dict[str, pd.DataFrame] = {}

    @property
    def manifest(self) -> dict[str, Any]:
        """The parsed ``manifest.json`` (a missing or unreadable manifest is a :class:`SnapshotError`)."""
        if self._manifest is None:
            path = self.directory / MANIFEST
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except FileNotFoundError:
                raise SnapshotError(f"{path}: no snapshot manifest here") from None
            except (OSError, ValueError) as exc:
                raise SnapshotError(f"{path}: unreadable snapshot manifest: {exc}") from None
            if not isinstance(data, dict) or data.get("format") != SNAPSHOT_FORMAT:
                raise SnapshotError(f"{path}: not a format-{SNAPSHOT_FORMAT} snapshot manifest")
            self._manifest = data
        return self._manifest

    @property
    def version(self) -> str:
        return str(self.manifest["version"])

    @property
    def as_of(self) -> dt.date:
        """The date the snapshot was taken (its data end on or before it; see :meth:`coverage`)."""
        return dt.date.fromisoformat(str(self.manifest["as_of"]))

    @property
    def label(self) -> str:
        """``snapshot VERSION (as of DATE)``: how reports and messages name it."""
        return f"snapshot {self.version} (as of {self.as_of})"

    def coverage(self) -> dict[str, SymbolCoverage]:
        """Per price symbol: first, last date and rows (from the manifest, no file read)."""
        day = dt.date.fromisoformat
        return {
            sym: SymbolCoverage(day(c["first"]), day(c["last"]), int(c["rows"]))
            for sym, c in self.manifest.get("symbols", {}).items()
        }

    def typical_end(self) -> dt.date | None:
        """The most common last price date over the snapshot's symbols (``None`` without prices)."""
        ends = [c.last for c in self.coverage().values()]
        return max(set(ends), key=lambda d: (ends.count(d), d)) if ends else None

    def symbols(self) -> list[str]:
        return sorted(self.coverage())

    def has(self, name: str) -> bool:
        """Whether the snapshot holds the table ``name`` (``prices`` or one of :data:`TABLES`)."""
        return f"{name}.parquet" in self.manifest.get("files", {})

    def read_verified(self, file: str) -> bytes:
        """The bytes of ``file`` after checking them against the manifest (else :class:`SnapshotError`)."""
        entry = self.manifest.get("files", {}).get(file)
        path = self.directory / file
        if entry is None:
            raise MissingDataError(f"{self.label} has no {file}")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SnapshotError(f"{path}: snapshot file unreadable ({exc.strerror}); not used") from None
        digest = _sha256(data)
        if digest != entry["sha256"]:
            raise SnapshotError(
                f"{path}: damaged snapshot file, refused (sha256 {digest[:16]}... differs from the "
                f"manifest's {str(entry['sha256'])[:16]}...); reinstall dealstudy or rebuild the snapshot "
                "with `dealstudy prices snapshot`"
            )
        return data

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (``prices`` or one of :data:`TABLES`), verified; read once."""
        if name not in self._tables:
            data = self.read_verified(f"{name}.parquet")
            self._tables[name] = pd.read_parquet(io.BytesIO(data), engine="pyarrow")
        return self._tables[name]

    def prices(self, symbol: str) -> pd.DataFrame:
        """All prices of ``symbol`` in the package's layout (index ``date``, :data:`PRICE_COLUMNS`)."""
        if symbol not in self.manifest.get("symbols", {}):
            raise MissingDataError(f"{self.label} has no prices for {symbol}")
        table = self.table("prices")
        rows = table.loc[table["symbol"] == symbol]
        index = pd.DatetimeIndex(rows["date"], name="date").as_unit(_DATE_UNIT)
        frame = rows.set_index(index)[list(PRICE_COLUMNS)]
        return frame.astype("float64").sort_index()

    def write_factor_csvs(self, folder: Path) -> Path | None:
        """Write the factor tables as CSV files into ``folder`` (kept if already there); ``None`` if none."""
        written = False
        for name in FACTOR_TABLES:
            if not self.has(name):
                continue
            path = folder / f"{name}.csv"
            if not path.is_file():
                table = self.table(name).copy()
                table["date"] = pd.to_datetime(table["date"]).dt.strftime("%Y-%m-%d")
                atomic_write_text(path, table.to_csv(index=False))
            written = True
        return folder if written else None


def stale_note(snapshot: Snapshot, symbol: str, day0: dt.date, served: bool = True) -> str | None:
    """Why an event on ``day0`` is beyond the snapshot's prices of ``symbol`` (``None`` when it is not)."""
    coverage = snapshot.coverage().get(symbol)
    if not served or coverage is None or coverage.last > day0:
        return None
    return (
        f"the pinned data {snapshot.label} has prices of {symbol} only to {coverage.last}, not after day 0 "
        f"({day0}): this event is newer than the snapshot; fetch prices with network (dealstudy prices fetch)"
    )


class SnapshotSource:
    """Daily prices from a :class:`Snapshot` (a :class:`~dealstudy.data.source.PriceSource`).

    Like a CSV folder: a range that only partly overlaps the data returns the overlap; no rows in the range
    (or an unknown symbol) raise :class:`~dealstudy.errors.MissingDataError`.
    """

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.snapshot = snapshot or Snapshot()
        self.name = "snapshot"

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        check_symbol(symbol)
        frame = self.snapshot.prices(symbol)
        window = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)].copy()
        if window.empty:
            span = f"{frame.index[0].date()}..{frame.index[-1].date()}" if len(frame) else "no rows"
            raise MissingDataError(
                f"{self.snapshot.label}: no rows for {symbol} in {start}..{end} (it holds {span})"
            )
        provenance = Provenance(
            source=self.snapshot.label,
            detail=f"{self.snapshot.directory} rows {window.index[0].date()}..{window.index[-1].date()}",
        )
        return PriceHistory(symbol=symbol, frame=window, provenance=provenance)

    def stale_note(self, symbol: str, day0: dt.date) -> str | None:
        """See :func:`stale_note` (every symbol here is served by the snapshot)."""
        return stale_note(self.snapshot, symbol, day0)


class SnapshotSharesSource(CsvSharesSource):
    """Shares outstanding (point-in-time counts only) from a :class:`Snapshot`."""

    def __init__(self, snapshot: Snapshot | None = None) -> None:
        self.snapshot = snapshot or Snapshot()
        super().__init__(self.snapshot.directory / SHARES_FILE)
        self.name = self.snapshot.label

    def _load(self) -> pd.DataFrame:
        if self._table is None:
            if self.snapshot.has("shares_outstanding"):
                table = self.snapshot.table("shares_outstanding").copy()
                table["as_of"] = pd.to_datetime(table["as_of"])
                self._table = table.sort_values(["symbol", "as_of"], kind="stable").reset_index(drop=True)
            else:
                self._table = super()._load()
        return self._table


def _price_table(prices: Mapping[str, pd.DataFrame]) -> tuple[pd.DataFrame, dict[str, dict[str, Any]]]:
    parts = []
    coverage: dict[str, dict[str, Any]] = {}
    for symbol in sorted(prices):
        frame = prices[symbol]
        if frame.empty:
            continue
        part = frame[list(PRICE_COLUMNS)].astype("float64").reset_index(names="date")
        part.insert(0, "symbol", symbol)
        parts.append(part)
        idx = pd.DatetimeIndex(frame.index)
        coverage[symbol] = {"first": str(idx[0].date()), "last": str(idx[-1].date()), "rows": len(frame)}
    if not parts:
        raise SnapshotError("no price data to put into the snapshot")
    table = pd.concat(parts, ignore_index=True)
    table["date"] = pd.to_datetime(table["date"]).astype("datetime64[ms]")
    return table, coverage


def write_snapshot(
    out: Path,
    prices: Mapping[str, pd.DataFrame],
    tables: Mapping[str, pd.DataFrame],
    *,
    version: str,
    as_of: dt.date,
    provenance: str,
    sources: Mapping[str, str] | None = None,
) -> Path:
    """Write a snapshot into the folder ``out`` (created; an existing non-empty folder is refused).

    Parameters
    ----------
    prices : mapping of symbol to price frame (index ``date``, :data:`PRICE_COLUMNS`)
    tables : mapping of table name (one of :data:`TABLES`) to frame
    version, as_of : the snapshot's version string and date
    provenance : text of its ``PROVENANCE.md``
    sources : optional mapping of part to where it came from, recorded in the manifest

    Returns
    -------
    Path
        The manifest written last (so a half-written snapshot has none and is never read).
    """
    unknown = sorted(set(tables) - set(TABLES))
    if unknown:
        raise SnapshotError(f"unknown snapshot table(s): {', '.join(unknown)} (known: {', '.join(TABLES)})")
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise SnapshotError(f"{out}: exists and is not an empty folder; choose a new --out folder")
    out.mkdir(parents=True, exist_ok=True)
    price_table, coverage = _price_table(prices)
    files: dict[str, dict[str, Any]] = {}
    payloads = {"prices.parquet": (_parquet_bytes(price_table), len(price_table))}
    for name, frame in tables.items():
        payloads[f"{name}.parquet"] = (_parquet_bytes(frame.reset_index(drop=True)), len(frame))
    payloads[PROVENANCE] = (provenance.encode("utf-8"), provenance.count("\n"))
    for file, (data, rows) in payloads.items():
        atomic_write_bytes(out / file, data)
        files[file] = {"sha256": _sha256(data), "bytes": len(data), "rows": rows}
    manifest = {
        "format": SNAPSHOT_FORMAT,
        "version": version,
        "as_of": as_of.isoformat(),
        "files": files,
        "symbols": coverage,
        "sources": dict(sources or {}),
    }
    path = out / MANIFEST
    atomic_write_text(path, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
    return path
