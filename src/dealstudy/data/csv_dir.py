"""Offline sources: a directory of ``SYMBOL.csv`` price snapshots and a ``shares_outstanding.csv`` file.

Every file is validated when first read; a malformed file raises :class:`~dealstudy.errors.SnapshotError`
naming the file and the 1-based line (line 1 is the header), so a user can open it and fix it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dealstudy.data.bulk import PriceBlock, no_rows_error, read_block, read_files
from dealstudy.data.csv_schema import (
    PRICE_SCHEMA,
    SHARES_SCHEMA,
    line_of,
    parse_fast,
    read_strings,
    validate_strings,
)
from dealstudy.data.parsed_cache import FileKey, ParsedCache
from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, Provenance, SharesCount, check_symbol
from dealstudy.errors import MissingDataError, SnapshotError

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "SHARES_COLUMNS",
    "SHARES_FILE",
    "CsvDirSource",
    "CsvSharesSource",
    "parse_price_bytes",
    "parse_price_columns",
    "read_price_csv",
    "read_shares_csv",
    "validate_price_frame",
]

#: Name of the shares-outstanding file inside a snapshot directory.
SHARES_FILE = "shares_outstanding.csv"
SHARES_COLUMNS: tuple[str, ...] = SHARES_SCHEMA.names


def validate_price_frame(raw: pd.DataFrame, file: str) -> pd.DataFrame:
    """Validate a raw price table (strings, as read) and return the typed frame.

    Parameters
    ----------
    raw : DataFrame
        Columns ``date, open, high, low, close, adj_close, volume`` as strings (extra columns are ignored).
    file : str
        Name used in error messages.

    Returns
    -------
    DataFrame
        ``DatetimeIndex`` named ``date``; float columns :data:`~dealstudy.data.source.PRICE_COLUMNS`.

    Raises
    ------
    SnapshotError
        Missing column, unparseable date, duplicate or unsorted dates, non-numeric value, empty/NaN close or
        adj_close, a non-positive price, a negative volume or a number beyond its bound
        (:data:`~dealstudy.data.csv_schema.PRICE_SCHEMA`); the message names the file, line and column.
    """
    return _price_frame(validate_strings(raw, PRICE_SCHEMA, file))


def _price_frame(columns: Mapping[str, object]) -> pd.DataFrame:
    index = pd.DatetimeIndex(columns["date"], name="date")  # type: ignore[arg-type]
    return pd.DataFrame({c: columns[c] for c in PRICE_COLUMNS}, index=index)


def parse_price_columns(data: bytes, path: Path) -> dict[str, NDArray[Any]]:
    """The validated columns of a price file's bytes: ``date`` (datetime64) and :data:`PRICE_COLUMNS`
    (float64). Column-wise (pyarrow) when the file is well formed, else the precise path, which raises the
    message naming file, line and column."""
    columns = parse_fast(data, PRICE_SCHEMA)
    if columns is None:
        columns = validate_strings(read_strings(path), PRICE_SCHEMA, str(path))
    dates = pd.DatetimeIndex(columns["date"]).to_numpy()  # type: ignore[arg-type]
    return {"date": dates, **{c: np.asarray(columns[c], dtype=np.float64) for c in PRICE_COLUMNS}}


def parse_price_bytes(data: bytes, path: Path) -> pd.DataFrame:
    """The validated price frame of a file's bytes (see :func:`parse_price_columns`)."""
    return _price_frame(parse_price_columns(data, path))


def read_price_csv(path: Path) -> pd.DataFrame:
    """Read and validate one ``SYMBOL.csv`` snapshot file (see :func:`validate_price_frame`)."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc}") from exc
    return parse_price_bytes(data, Path(path))


def _safe_symbol(symbol: str) -> str:
    return check_symbol(symbol.strip())


class CsvDirSource:
    """Daily prices from a directory of ``SYMBOL.csv`` snapshots (``AMD.csv``, ``^N225.csv``, ``JPY=X.csv``).

    Parameters
    ----------
    directory : Path or str
        The snapshot directory. Each file has the header ``date,open,high,low,close,adj_close,volume``;
        ``open``, ``high``, ``low`` and ``volume`` may be empty (FX, some index rows).

    Notes
    -----
    Files are read and validated on first use and kept in memory. :meth:`history` returns the rows within
    the requested range; a range that only partly overlaps the file returns the overlap (callers check
    coverage), and a range with no rows raises :class:`~dealstudy.errors.MissingDataError`.
    """

    def __init__(self, directory: Path | str, *, cache_dir: Path | None = None) -> None:
        self.directory = Path(directory).expanduser()
        if not self.directory.is_dir():
            raise MissingDataError(f"price snapshot directory {self.directory} does not exist")
        self.name = f"csv:{self.directory}"
        self._frames: dict[str, tuple[pd.DataFrame, str]] = {}
        self._errors: dict[str, SnapshotError] = {}
        self._cache = ParsedCache(cache_dir, self.directory) if cache_dir is not None else None

    def symbols(self) -> list[str]:
        """Symbols with a price file in the directory, sorted."""
        return sorted(
            p.name[: -len(".csv")]
            for p in self.directory.glob("*.csv")
            if p.name != SHARES_FILE and p.is_file() and not p.name.startswith(".")
        )

    def path_for(self, symbol: str) -> Path:
        """The file that holds ``symbol`` (it may not exist)."""
        return self.directory / f"{_safe_symbol(symbol)}.csv"

    def frame(self, symbol: str) -> pd.DataFrame:
        """The whole validated file for ``symbol`` (a copy)."""
        return self._load(symbol)[0].copy()

    def preload(self, symbols: Iterable[str]) -> None:
        """Read the files of ``symbols`` now, in parallel threads, from the Parquet cache where it is valid.

        Symbols without a file are left for :meth:`history` to report; a malformed file's error is kept and
        raised when the symbol is used, so the first malformed file *used* is the one reported, as if the
        files were read one by one. With a cache folder and at least
        :data:`~dealstudy.data.bulk.CACHE_MIN_FILES` files to read, the parsed frames are cached (see
        :mod:`dealstudy.data.parsed_cache`).
        """
        for sym, (columns, digest) in read_files(self, self._unread(symbols), PRICE_COLUMNS).items():
            self._frames[sym] = (_price_frame(columns), digest)

    def histories(
        self, symbols: Iterable[str], start: dt.date, end: dt.date, columns: Sequence[str] = PRICE_COLUMNS
    ) -> PriceBlock:
        """The ``columns`` of ``symbols`` over ``start..end`` in one :class:`~dealstudy.data.bulk.PriceBlock`,
        each symbol's rows as :meth:`history` gives them, or the error it raises (see
        :func:`dealstudy.data.bulk.read_block`). The files are read as :meth:`preload` reads them, but no
        frame is built or kept: from a valid cache only ``date`` and ``columns`` are read."""
        return read_block(self, symbols, start, end, columns)

    def _unread(self, symbols: Iterable[str]) -> list[str]:
        """The distinct valid symbols of ``symbols`` not read yet."""
        todo: list[str] = []
        for symbol in dict.fromkeys(symbols):
            try:
                sym = _safe_symbol(symbol)
            except MissingDataError:
                continue
            if sym not in self._frames and sym not in self._errors:  # a missing file fails to read
                todo.append(sym)
        return list(dict.fromkeys(todo))

    def _read_one(
        self, sym: str, index: Mapping[str, tuple[FileKey, int, int]]
    ) -> tuple[dict[str, NDArray[Any]] | None, FileKey | None]:
        """(columns, key) of one file; columns ``None`` when the cache holds this content; key ``None`` on an
        error (kept in ``self._errors`` for a malformed file; a vanished file is left to :meth:`_load`)."""
        path = self.path_for(sym)
        cached = index[sym][0] if sym in index else None
        try:
            if cached is not None and cached.unchanged(path.stat()):
                return None, cached  # not read again (see dealstudy.data.parsed_cache)
            data, key = FileKey.read(path)
        except OSError:
            return None, None
        if cached == key:
            return None, key
        try:
            return parse_price_columns(data, path), key
        except SnapshotError as exc:
            self._errors[sym] = exc
            return None, None

    def _load(self, symbol: str) -> tuple[pd.DataFrame, str]:
        sym = _safe_symbol(symbol)
        if sym in self._errors:
            raise self._errors[sym]
        if sym not in self._frames:
            path = self.path_for(sym)
            if not path.is_file():
                raise MissingDataError(
                    f"no price file for symbol {sym!r} in {self.directory} (looked for {path.name})"
                )
            try:
                data = path.read_bytes()
            except OSError as exc:
                raise SnapshotError(f"{path}: cannot read: {exc}") from exc
            self._frames[sym] = (parse_price_bytes(data, path), hashlib.sha256(data).hexdigest())
        return self._frames[sym]

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        """Daily prices for sessions ``start <= date <= end`` (both inclusive); see the class notes."""
        frame, digest = self._load(symbol)
        dates = pd.DatetimeIndex(frame.index)  # sorted and unique (validated): slice by position
        lo, hi = dates.searchsorted(pd.Timestamp(start)), dates.searchsorted(pd.Timestamp(end), side="right")
        window = frame.iloc[lo:hi].copy()
        path = self.path_for(symbol)
        if window.empty:
            raise no_rows_error(path, symbol, start, end, frame.index)
        provenance = Provenance(
            source=self.name,
            fetched_at=None,
            library_version=None,
            detail=f"{path} sha256={digest[:16]} rows {window.index[0].date()}..{window.index[-1].date()}",
        )
        return PriceHistory(symbol=symbol, frame=window, provenance=provenance)


def read_shares_csv(path: Path) -> pd.DataFrame:
    """Read and validate a ``shares_outstanding.csv`` file (``symbol,as_of,shares,source``).

    Returns a frame with columns ``symbol`` (str), ``as_of`` (Timestamp), ``shares`` (float), ``source``
    (str), sorted by symbol and date. Raises :class:`~dealstudy.errors.SnapshotError` naming file and line.
    """
    file = str(path)
    columns = validate_strings(read_strings(path), SHARES_SCHEMA, file)
    out = pd.DataFrame(
        {
            "symbol": columns["symbol"].to_numpy(),  # type: ignore[attr-defined]
            "as_of": columns["as_of"],
            "shares": columns["shares"],
            "source": columns["source"],
        }
    )
    dup = out.duplicated(["symbol", "as_of"], keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise SnapshotError(
            f"{file}: line {line_of(pos)}: duplicate row for {out['symbol'].iloc[pos]} "
            f"as of {out['as_of'].iloc[pos].date()}"
        )
    return out.sort_values(["symbol", "as_of"], kind="stable").reset_index(drop=True)


class CsvSharesSource:
    """Shares outstanding from a ``shares_outstanding.csv`` file (``symbol,as_of,shares,source``).

    The count used for a date is the latest row with ``as_of`` on or before it; its date and source travel
    with it in :class:`~dealstudy.data.source.SharesCount`. A missing file means "no counts" (every lookup
    returns ``None``) so that a snapshot directory without one still works.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path).expanduser()
        self.name = f"csv:{self.path}"
        self._table: pd.DataFrame | None = None
        self._histories: dict[str, pd.DataFrame] | None = None
        self._counts: dict[str, tuple[list[float], list[str]]] = {}  # per symbol: shares, sources as lists

    def _load(self) -> pd.DataFrame:
        if self._table is None:
            if self.path.is_file():
                self._table = read_shares_csv(self.path)
            else:
                self._table = pd.DataFrame(
                    {
                        "symbol": pd.Series(dtype=str),
                        "as_of": pd.Series(dtype="datetime64[ns]"),
                        "shares": pd.Series(dtype=float),
                        "source": pd.Series(dtype=str),
                    }
                )
        return self._table

    def symbols(self) -> list[str]:
        """Symbols with at least one count."""
        return sorted(set(self._load()["symbol"]))

    def _by_symbol(self) -> dict[str, pd.DataFrame]:
        """The counts cut by symbol once (a report asks for each symbol many times), each indexed by
        ``as_of`` (ascending)."""
        if self._histories is None:
            table = self._load()[["symbol", "as_of", "shares", "source"]]
            self._histories = {
                str(sym): rows.drop(columns="symbol").set_index("as_of").sort_index()
                for sym, rows in table.groupby("symbol", sort=False)
            }
        return self._histories

    def history(self, symbol: str) -> pd.DataFrame:
        """All counts for ``symbol``: index ``as_of`` (ascending), columns ``shares``, ``source``."""
        found = self._by_symbol().get(symbol)
        if found is None:
            return self._load().loc[[], ["as_of", "shares", "source"]].set_index("as_of")
        return found.copy()

    def shares_on(self, symbol: str, on: dt.date) -> SharesCount | None:
        """The latest count with ``as_of <= on``; ``None`` when there is none."""
        rows = self._by_symbol().get(symbol)
        if rows is None:
            return None
        last = int(rows.index.searchsorted(pd.Timestamp(on), side="right")) - 1
        if last < 0:
            return None
        if symbol not in self._counts:  # the columns as lists once: a report asks ~1,000 times
            self._counts[symbol] = (rows["shares"].tolist(), rows["source"].tolist())
        shares, sources = self._counts[symbol]
        return SharesCount(
            symbol=symbol,
            as_of=rows.index[last].date(),
            shares=float(shares[last]),
            source=str(sources[last]),
        )
