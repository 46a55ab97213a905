"""A parsed price folder kept as one Parquet file, so that a second run skips parsing the CSV files.

Layout: ``<cache_dir>/<sha256 of the folder's path, 16 hex>/prices.parquet``, a long table ``symbol, date,
open, high, low, close, adj_close, volume`` (rows of one symbol together, in date order) whose schema
metadata maps every symbol to its file's key: size, modification time (ns) and SHA-256 of the bytes (and
the change time, inode and when the file was read), and its row range. A symbol is served from the cache
only when its file still has that key; a changed file is parsed again and the cache rewritten
(atomically). Only files that passed validation are cached.

A file whose size, modification and change times and inode are those of its key is not read again (as
git's index does): every write changes the change time, which no tool can set back (``cp -p`` and
``touch -d`` set the modification time only). Its bytes are read and hashed anyway when it was modified
within :data:`RACY_NS` of being read (it could have changed again within its timestamps' resolution) or
changed while it was read.

The cache is an optimisation: an unreadable, corrupt or unwritable cache is ignored (the files are parsed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dealstudy._atomic import atomic_open
from dealstudy.data.source import PRICE_COLUMNS

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["RACY_NS", "FileKey", "ParsedCache"]

_META_KEY = b"dealstudy.parsed_prices"
_FORMAT = 2
#: A file modified (or changed) this close to when it was read is always hashed again: within the
#: resolution of its timestamps (2 s on FAT, 1 s on older file systems) it could change again unseen.
RACY_NS = 2_000_000_000


@dataclass(frozen=True)
class FileKey:
    """What identifies a file's content: size, mtime in ns, SHA-256 hex of the bytes; and the change time
    (ns) and inode, and when the bytes were read (``read_ns``, 0: never trust the stat alone)."""

    size: int
    mtime_ns: int
    sha256: str
    ctime_ns: int = 0
    ino: int = 0
    read_ns: int = field(default=0, compare=False)

    @classmethod
    def of(cls, path: Path, data: bytes, read_ns: int = 0, before: os.stat_result | None = None) -> FileKey:
        """The key of ``path`` whose bytes are ``data``, read at ``read_ns`` (``time.time_ns()``) after a stat
        ``before``; the stat is taken again after reading, and a file that changed meanwhile gets
        ``read_ns`` 0."""
        st = path.stat()
        if before is None or _stat_tuple(before) != _stat_tuple(st):
            read_ns = 0
        return cls(
            st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest(), st.st_ctime_ns, st.st_ino, read_ns
        )

    @classmethod
    def read(cls, path: Path) -> tuple[bytes, FileKey]:
        """The bytes of ``path`` and their key (raises :class:`OSError`)."""
        read_ns = time.time_ns()
        before = path.stat()
        data = path.read_bytes()
        return data, cls.of(path, data, read_ns, before)

    def unchanged(self, st: os.stat_result) -> bool:
        """Whether a file whose stat is ``st`` still holds the bytes of this key, judged without reading them
        (see the module docstring)."""
        settled = self.read_ns - RACY_NS
        return (
            _stat_tuple(st) == (self.size, self.mtime_ns, self.ctime_ns, self.ino)
            and self.mtime_ns < settled
            and self.ctime_ns < settled
        )


def _stat_tuple(st: os.stat_result) -> tuple[int, int, int, int]:
    return st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino


class ParsedCache:
    """The Parquet cache of one price folder (see the module docstring)."""

    def __init__(self, cache_dir: Path, directory: Path) -> None:
        tag = hashlib.sha256(str(directory.resolve()).encode()).hexdigest()[:16]
        self.path = Path(cache_dir) / tag / "prices.parquet"
        self._index: dict[str, tuple[FileKey, int, int]] | None = None

    def index(self) -> dict[str, tuple[FileKey, int, int]]:
        """``symbol -> (key, first row, rows)`` of the cached symbols (empty without a usable cache)."""
        if self._index is None:
            self._index = {}
            with contextlib.suppress(Exception):  # any fault: no cache (the files are parsed instead)
                import pyarrow.parquet as pq

                meta = pq.read_schema(self.path).metadata or {}
                doc = json.loads(meta[_META_KEY])
                if doc.get("format") == _FORMAT:
                    self._index = {
                        sym: (
                            FileKey(int(e[0]), int(e[1]), str(e[2]), int(e[5]), int(e[6]), int(e[7])),
                            int(e[3]),
                            int(e[4]),
                        )
                        for sym, e in doc["symbols"].items()
                    }
        return self._index

    def read(self, names: Sequence[str] = PRICE_COLUMNS) -> dict[str, NDArray[Any]] | None:
        """The whole columns ``date`` and ``names`` of the table; ``None`` when it cannot be read."""
        try:
            import pyarrow.parquet as pq

            wanted = ["date", *dict.fromkeys(names)]
            table = pq.read_table(self.path, columns=wanted)
            return {c: table.column(c).to_numpy() for c in wanted}
        except Exception:  # a cache that cannot be read is no cache
            return None

    def lookup(
        self,
        keys: dict[str, FileKey],
        names: Sequence[str] = PRICE_COLUMNS,
        table: dict[str, NDArray[Any]] | None = None,
    ) -> dict[str, dict[str, NDArray[Any]]]:
        """The cached columns ``date`` and ``names`` of the symbols whose key matches ``keys[symbol]``.

        Only those columns are read (``table``: as :meth:`read` gave them already); each symbol's arrays
        are views of the table's (read-only).
        """
        index = self.index()
        hits = [sym for sym, key in keys.items() if sym in index and index[sym][0] == key]
        if not hits:
            return {}
        arrays = table if table is not None else self.read(names)
        if arrays is None or any(c not in arrays for c in names):
            return {}
        out = {}
        for sym in hits:
            sl = slice(index[sym][1], index[sym][1] + index[sym][2])
            out[sym] = {c: arrays[c][sl] for c in ("date", *names)}
        return out

    def store(
        self, parsed: dict[str, tuple[Mapping[str, NDArray[Any]], FileKey]], keep: dict[str, FileKey]
    ) -> None:
        """Rewrite the cache with ``parsed`` (per symbol: the columns ``date`` and :data:`PRICE_COLUMNS`, and
        the file's key) plus the cached symbols of ``keep`` whose key still matches."""
        import numpy as np

        old = self.lookup({s: k for s, k in keep.items() if s not in parsed})
        merged = {s: (columns, keep[s]) for s, columns in old.items()} | parsed  # keep: when last read
        symbols = sorted(merged)
        if not symbols:
            return
        counts = [len(merged[s][0]["date"]) for s in symbols]
        entries, row = {}, 0
        for sym, rows in zip(symbols, counts, strict=True):
            key = merged[sym][1]
            entries[sym] = [key.size, key.mtime_ns, key.sha256, row, rows, key.ctime_ns, key.ino, key.read_ns]
            row += rows
        with contextlib.suppress(Exception):  # an unwritable cache is no cache
            import pyarrow as pa
            import pyarrow.parquet as pq

            codes = pa.array(np.repeat(np.arange(len(symbols), dtype=np.int32), counts))
            names = pa.DictionaryArray.from_arrays(codes, pa.array(symbols, type=pa.large_string()))
            columns = {
                "symbol": names.cast(pa.large_string()),
                "date": pa.array(np.concatenate([merged[s][0]["date"] for s in symbols])),
                **{
                    c: pa.array(np.concatenate([merged[s][0][c] for s in symbols]), from_pandas=True)
                    for c in PRICE_COLUMNS
                },
            }
            doc = json.dumps({"format": _FORMAT, "symbols": entries}).encode()
            table = pa.table(columns).replace_schema_metadata({_META_KEY: doc})
            with atomic_open(self.path, "wb", encoding=None) as handle:
                pq.write_table(table, handle, compression="zstd")
            self._index = None
