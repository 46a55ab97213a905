"""Offline sources: a directory of ``SYMBOL.csv`` price snapshots and a ``shares_outstanding.csv`` file.

Every file is validated when first read; a malformed file raises :class:`~dealstudy.errors.SnapshotError`
naming the file and the 1-based line (line 1 is the header), so a user can open it and fix it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import numpy as np
import pandas as pd

from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, Provenance, SharesCount
from dealstudy.errors import MissingDataError, SnapshotError

__all__ = [
    "SHARES_COLUMNS",
    "SHARES_FILE",
    "CsvDirSource",
    "CsvSharesSource",
    "read_price_csv",
    "read_shares_csv",
    "validate_price_frame",
]

#: Name of the shares-outstanding file inside a snapshot directory.
SHARES_FILE = "shares_outstanding.csv"
SHARES_COLUMNS: tuple[str, ...] = ("symbol", "as_of", "shares", "source")
_REQUIRED_PRICES = ("close", "adj_close")  # must be present on every row; the rest may be empty


def _read_raw(path: Path) -> pd.DataFrame:
    """The file as strings; blank lines kept (row numbers map to file lines) except trailing ones."""
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError as exc:
        raise SnapshotError(f"{path}: line 1: file is empty (expected a header line)") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot parse as CSV: {exc}") from exc
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc}") from exc
    blank = (raw.astype(str).apply(lambda col: col.str.strip()) == "").all(axis=1).to_numpy()
    end = len(raw)
    while end and blank[end - 1]:
        end -= 1
    return raw.iloc[:end]


def _line(pos: int) -> int:
    """1-based file line of the data row at 0-based position ``pos`` (line 1 is the header)."""
    return pos + 2


def _parse_dates(raw: pd.Series, file: str, column: str) -> pd.DatetimeIndex:
    text = raw.astype(str).str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        pos = int(bad[0])
        raise SnapshotError(
            f"{file}: line {_line(pos)}: unparseable {column} {text.iloc[pos]!r} (expected YYYY-MM-DD)"
        )
    return pd.DatetimeIndex(parsed)


def _parse_numbers(raw: pd.Series, file: str, column: str, *, required: bool) -> pd.Series:
    text = raw.astype(str).str.strip()
    text = text.mask(text.str.lower().isin(["nan", "null", "na", "n/a"]), "")
    values = pd.Series(pd.to_numeric(text.to_numpy(), errors="coerce"), index=text.index, dtype="float64")
    non_numeric = (values.isna().to_numpy() & (text != "").to_numpy()) | np.isinf(values.to_numpy())
    if non_numeric.any():
        pos = int(np.flatnonzero(non_numeric)[0])
        raise SnapshotError(f"{file}: line {_line(pos)}: non-numeric {column} {text.iloc[pos]!r}")
    if required:
        missing = values.isna().to_numpy()
        if missing.any():
            pos = int(np.flatnonzero(missing)[0])
            raise SnapshotError(
                f"{file}: line {_line(pos)}: {column} is empty or NaN (required on every row)"
            )
    return values


def _check_dates(dates: pd.DatetimeIndex, file: str) -> None:
    values = dates.asi8
    dup = dates.duplicated(keep="first")
    back = np.r_[False, values[1:] < values[:-1]]
    bad = np.flatnonzero(dup | back)
    if not len(bad):
        return
    pos = int(bad[0])
    day = dates[pos]
    if dup[pos]:
        first = int(np.flatnonzero(values == values[pos])[0])
        raise SnapshotError(
            f"{file}: line {_line(pos)}: duplicate date {day.date()} (first at line {_line(first)})"
        )
    raise SnapshotError(
        f"{file}: line {_line(pos)}: date {day.date()} comes after {dates[pos - 1].date()} "
        "(dates must ascend)"
    )


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
        adj_close, a non-positive price or a negative volume; the message names the file and line.
    """
    columns = [str(c).strip().lower() for c in raw.columns]
    raw = raw.set_axis(columns, axis=1)
    missing = [c for c in ("date", *PRICE_COLUMNS) if c not in columns]
    if missing:
        raise SnapshotError(
            f"{file}: line 1: missing column(s) {', '.join(missing)} "
            f"(header must be date,{','.join(PRICE_COLUMNS)})"
        )
    dates = _parse_dates(raw["date"], file, "date")
    _check_dates(dates, file)
    out = pd.DataFrame(index=pd.DatetimeIndex(dates, name="date"))
    for column in PRICE_COLUMNS:
        values = _parse_numbers(raw[column], file, column, required=column in _REQUIRED_PRICES)
        arr = values.to_numpy()
        if column == "volume":
            bad = np.flatnonzero(arr < 0)
            what = "negative"
        else:
            bad = np.flatnonzero(arr <= 0)
            what = "non-positive"
        if len(bad):
            pos = int(bad[0])
            raise SnapshotError(f"{file}: line {_line(pos)}: {what} {column} {float(arr[pos])!r}")
        out[column] = arr
    return out


def read_price_csv(path: Path) -> pd.DataFrame:
    """Read and validate one ``SYMBOL.csv`` snapshot file (see :func:`validate_price_frame`)."""
    return validate_price_frame(_read_raw(path), str(path))


def _safe_symbol(symbol: str) -> str:
    sym = symbol.strip()
    if not sym or "/" in sym or "\\" in sym or sym.startswith("."):
        raise MissingDataError(f"invalid symbol {symbol!r}")
    return sym


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

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory).expanduser()
        if not self.directory.is_dir():
            raise MissingDataError(f"price snapshot directory {self.directory} does not exist")
        self.name = f"csv:{self.directory}"
        self._frames: dict[str, tuple[pd.DataFrame, str]] = {}

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

    def _load(self, symbol: str) -> tuple[pd.DataFrame, str]:
        sym = _safe_symbol(symbol)
        if sym not in self._frames:
            path = self.path_for(sym)
            if not path.is_file():
                raise MissingDataError(
                    f"no price file for symbol {sym!r} in {self.directory} (looked for {path.name})"
                )
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            self._frames[sym] = (read_price_csv(path), digest)
        return self._frames[sym]

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        """Daily prices for sessions ``start <= date <= end`` (both inclusive); see the class notes."""
        frame, digest = self._load(symbol)
        window = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)].copy()
        path = self.path_for(symbol)
        if window.empty:
            covered = f"{frame.index[0].date()}..{frame.index[-1].date()}" if len(frame) else "no rows"
            raise MissingDataError(
                f"{path}: no rows for {symbol} in {start}..{end} (the file covers {covered})"
            )
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
    raw = _read_raw(path)
    raw = raw.set_axis([str(c).strip().lower() for c in raw.columns], axis=1)
    missing = [c for c in SHARES_COLUMNS if c not in raw.columns]
    if missing:
        raise SnapshotError(
            f"{file}: line 1: missing column(s) {', '.join(missing)} "
            f"(header must be {','.join(SHARES_COLUMNS)})"
        )
    symbols = raw["symbol"].astype(str).str.strip()
    empty = np.flatnonzero((symbols == "").to_numpy())
    if len(empty):
        raise SnapshotError(f"{file}: line {_line(int(empty[0]))}: empty symbol")
    as_of = _parse_dates(raw["as_of"], file, "as_of")
    shares = _parse_numbers(raw["shares"], file, "shares", required=True).to_numpy()
    bad = np.flatnonzero(shares <= 0)
    if len(bad):
        pos = int(bad[0])
        raise SnapshotError(f"{file}: line {_line(pos)}: non-positive shares {float(shares[pos])!r}")
    out = pd.DataFrame(
        {"symbol": symbols.to_numpy(), "as_of": as_of, "shares": shares, "source": raw["source"].astype(str)}
    )
    dup = out.duplicated(["symbol", "as_of"], keep="first").to_numpy()
    if dup.any():
        pos = int(np.flatnonzero(dup)[0])
        raise SnapshotError(
            f"{file}: line {_line(pos)}: duplicate row for {out['symbol'].iloc[pos]} "
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

    def history(self, symbol: str) -> pd.DataFrame:
        """All counts for ``symbol``: index ``as_of`` (ascending), columns ``shares``, ``source``."""
        table = self._load()
        rows = table.loc[table["symbol"] == symbol, ["as_of", "shares", "source"]]
        return rows.set_index("as_of").sort_index()

    def shares_on(self, symbol: str, on: dt.date) -> SharesCount | None:
        """The latest count with ``as_of <= on``; ``None`` when there is none."""
        rows = self.history(symbol)
        rows = rows.loc[: pd.Timestamp(on)]
        if rows.empty:
            return None
        as_of = rows.index[-1]
        return SharesCount(
            symbol=symbol,
            as_of=as_of.date(),
            shares=float(rows["shares"].iloc[-1]),
            source=str(rows["source"].iloc[-1]),
        )
