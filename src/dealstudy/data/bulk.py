"""Prices of many symbols read at once: a folder of CSV files into flat arrays, without a frame per symbol.

:class:`PriceBlock` holds the rows of every symbol of a request end to end: one date array, one float array
per column, and each symbol's offsets into them. :func:`read_block` fills it from a
:class:`~dealstudy.data.csv_dir.CsvDirSource` (its ``histories`` method): the files are read in parallel
threads, from the Parquet cache of parsed folders where it is valid (:mod:`dealstudy.data.parsed_cache`;
only the columns asked for are read from it) and parsed otherwise (then cached, as ``preload`` does). Each
symbol gets exactly the rows and the error that the per-symbol ``history`` gives it; anything unusual (an
invalid symbol, no file, a malformed or vanished file, a symbol already read) goes through ``history``.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dealstudy._parallel import map_blocks, thread_count
from dealstudy.data.source import PRICE_COLUMNS, check_symbol
from dealstudy.errors import DataError, MissingDataError

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from dealstudy.data.csv_dir import CsvDirSource
    from dealstudy.data.parsed_cache import FileKey

__all__ = ["CACHE_MIN_FILES", "PriceBlock", "no_rows_error", "read_block", "read_files"]

#: Reading at least this many files at once uses (and fills) the Parquet cache of parsed folders.
CACHE_MIN_FILES = 32
_CHUNKS_PER_THREAD = 4  # files are read in a few chunks per thread (a task per file costs more than it reads)

Columns = dict[str, "NDArray[Any]"]


@dataclass(frozen=True)
class PriceBlock:
    """Prices of many symbols over one range, their rows end to end.

    Attributes
    ----------
    symbols : tuple of str
        The symbols that have rows, in the order asked.
    offsets : int64 array
        ``len(symbols) + 1`` bounds: the rows of ``symbols[k]`` are ``offsets[k]:offsets[k + 1]``.
    dates : datetime64 array
        Session dates, ascending within a symbol, in one unit (the finest of the symbols').
    columns : dict of str to float64 array
        The price columns asked for (names of :data:`~dealstudy.data.source.PRICE_COLUMNS`).
    errors : dict of str to DataError
        The symbols without rows, each with the error the source's per-symbol ``history`` raises for it.
    """

    symbols: tuple[str, ...]
    offsets: NDArray[np.int64]
    dates: NDArray[np.datetime64]
    columns: Mapping[str, NDArray[np.float64]]
    errors: Mapping[str, DataError] = field(default_factory=dict)

    @classmethod
    def of(
        cls,
        pieces: Sequence[tuple[str, Any, Mapping[str, Any]]],
        names: Sequence[str],
        errors: Mapping[str, DataError],
    ) -> PriceBlock:
        """The block of ``pieces`` (symbol, dates, columns by name), laid end to end in that order."""
        counts = np.fromiter((len(p[1]) for p in pieces), dtype=np.int64, count=len(pieces))
        offsets = np.concatenate([np.zeros(1, dtype=np.int64), np.cumsum(counts)])
        empty = np.array([], dtype="datetime64[ns]")
        dates = np.concatenate([p[1] for p in pieces]) if pieces else empty  # mixed units: the finest
        columns = {
            c: np.concatenate([np.asarray(p[2][c], dtype=np.float64) for p in pieces] or [np.zeros(0)])
            for c in names
        }
        return cls(tuple(p[0] for p in pieces), offsets, dates, columns, dict(errors))

    @functools.cached_property
    def _positions(self) -> dict[str, int]:
        return {symbol: k for k, symbol in enumerate(self.symbols)}

    def position(self, symbol: str) -> int:
        """``k`` such that ``symbols[k] == symbol`` (``KeyError`` for a symbol without rows)."""
        return self._positions[symbol]

    def rows(self, symbol: str) -> slice:
        """The rows of ``symbol`` (``KeyError`` for a symbol without rows)."""
        k = self._positions[symbol]
        return slice(int(self.offsets[k]), int(self.offsets[k + 1]))

    def series(self, symbol: str, column: str = "adj_close") -> pd.Series:
        """``column`` of ``symbol`` as the per-symbol frame's column: named ``column``, indexed by
        ``date``."""
        rows = self.rows(symbol)
        index = pd.DatetimeIndex(self.dates[rows], name="date")
        return pd.Series(self.columns[column][rows], index=index, name=column, copy=True)


def no_rows_error(path: Path, symbol: str, start: dt.date, end: dt.date, dates: Any) -> MissingDataError:
    """The error of a file with ``dates`` (ascending) but none in ``start..end``."""
    covered = (
        f"{pd.Timestamp(dates[0]).date()}..{pd.Timestamp(dates[-1]).date()}" if len(dates) else "no rows"
    )
    return MissingDataError(f"{path}: no rows for {symbol} in {start}..{end} (the file covers {covered})")


def read_files(
    source: CsvDirSource, todo: Sequence[str], names: Sequence[str]
) -> dict[str, tuple[Columns, str]]:
    """Per file of ``todo`` (valid symbols, each with a file): its columns ``date`` and ``names`` (at least)
    and its SHA-256.

    The files are read in parallel threads; with a cache folder and at least :data:`CACHE_MIN_FILES` of
    them, a file whose key matches the cache is served from it (its columns ``date`` and ``names`` only), the
    others are parsed and the cache rewritten with them. A cache listing a file it then cannot serve is
    ignored: the file is parsed. A file that fails is left out: a malformed one's error is kept in the
    source (raised when the symbol is used), a vanished or unreadable one is left to its ``history``.
    """
    cache = source._cache if source._cache is not None and len(todo) >= CACHE_MIN_FILES else None
    index = cache.index() if cache is not None else {}
    n_chunks = min(len(todo), thread_count() * _CHUNKS_PER_THREAD) or 1
    chunks = [todo[k::n_chunks] for k in range(n_chunks)]

    def work(chunk: Sequence[str] | None) -> Any:  # None: the cached columns, read while files are hashed
        if chunk is None:
            return cache.read(names) if cache is not None else None
        return [source._read_one(sym, index) for sym in chunk]

    done = map_blocks(work, [None, *chunks] if index else chunks)
    table = done.pop(0) if index else None
    found = {
        sym: got
        for chunk, results in zip(chunks, done, strict=True)
        for sym, got in zip(chunk, results, strict=True)
    }
    keys = {sym: key for sym, (_, key) in found.items() if key is not None}
    hits = {s: k for s, k in keys.items() if s in index}
    cached = cache.lookup(hits, names, table) if cache is not None and table is not None else {}
    parsed: dict[str, tuple[Mapping[str, NDArray[Any]], FileKey]] = {}
    out: dict[str, tuple[Columns, str]] = {}
    for sym in todo:
        columns, key = found[sym]
        if key is None:
            continue
        if columns is None:
            columns = cached.get(sym)
            if columns is None:  # listed in the cache but unreadable now: parse it
                columns, key = source._read_one(sym, {})
                if columns is None or key is None:
                    continue
        if sym not in cached:
            parsed[sym] = (columns, key)
        out[sym] = (columns, key.sha256)
    if cache is not None and parsed:
        cache.store(parsed, keep=keys)
    return out


def read_block(
    source: CsvDirSource,
    symbols: Iterable[str],
    start: dt.date,
    end: dt.date,
    names: Sequence[str] = PRICE_COLUMNS,
) -> PriceBlock:
    """The block of ``symbols`` over ``start..end`` (both inclusive) from ``source``: per symbol the rows
    and columns ``names`` that ``source.history(symbol, start, end)`` gives, or the
    :class:`~dealstudy.errors.DataError` it raises (see the module docstring)."""
    wanted = list(dict.fromkeys(symbols))
    safe: dict[str, str] = {}
    for symbol in wanted:
        try:
            safe[symbol] = check_symbol(symbol.strip())
        except MissingDataError:
            continue  # history raises it
    todo = source._unread(safe.values())
    files = read_files(source, todo, names)
    pieces: list[tuple[str, Any, Mapping[str, Any]]] = []
    errors: dict[str, DataError] = {}
    bounds: dict[np.dtype[Any], tuple[np.datetime64, np.datetime64]] = {}  # start, end in the dates' unit
    for symbol in wanted:
        read = files.get(safe.get(symbol, ""))
        if read is None:  # the per-symbol path: its rows or its error
            try:
                frame = source.history(symbol, start, end).frame
            except DataError as exc:
                errors[symbol] = exc
                continue
            pieces.append(
                (symbol, frame.index.to_numpy(), {c: frame[c].to_numpy(dtype=np.float64) for c in names})
            )
            continue
        dates = read[0]["date"]
        if dates.dtype not in bounds:
            bounds[dates.dtype] = (
                np.datetime64(start).astype(dates.dtype),
                np.datetime64(end).astype(dates.dtype),
            )
        lo, hi = (
            dates.searchsorted(bounds[dates.dtype][0]),
            dates.searchsorted(bounds[dates.dtype][1], "right"),
        )
        if lo == hi:
            errors[symbol] = no_rows_error(source.path_for(symbol), symbol, start, end, dates)
            continue
        pieces.append((symbol, dates[lo:hi], {c: read[0][c][lo:hi] for c in names}))
    return PriceBlock.of(pieces, names, errors)
