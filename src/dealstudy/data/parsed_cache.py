"""A parsed price folder kept as one Parquet file, so that a second run skips parsing the CSV files.

Layout: ``<cache_dir>/<sha256 of the folder's path, 16 hex>/prices.parquet``, a long table ``symbol, date,
open, high, low, close, adj_close, volume`` (rows of one symbol together, in date order) whose schema
metadata maps every symbol to its file's key: size, modification time (ns) and SHA-256 of the bytes, and
its row range. A symbol is served from the cache only when all three still match the file; a changed file
is parsed again and the cache rewritten (atomically). Only files that passed validation are cached.

The cache is an optimisation: an unreadable, corrupt or unwritable cache is ignored (the files are parsed).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dealstudy._atomic import atomic_open
from dealstudy.data.source import PRICE_COLUMNS

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = ["FileKey", "ParsedCache"]

_META_KEY = b"dealstudy.parsed_prices"
_FORMAT = 1


@dataclass(frozen=True)
class FileKey:
    """What identifies a file's content: size, mtime in ns, SHA-256 hex of the bytes."""

    size: int
    mtime_ns: int
    sha256: str

    @classmethod
    def of(cls, path: Path, data: bytes) -> FileKey:
        """The key of ``path`` whose bytes are ``data`` (stat after reading)."""
        st = path.stat()
        return cls(st.st_size, st.st_mtime_ns, hashlib.sha256(data).hexdigest())


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
                        sym: (FileKey(int(e[0]), int(e[1]), str(e[2])), int(e[3]), int(e[4]))
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
        index = self.index()
        merged = {s: (columns, index[s][0]) for s, columns in old.items()} | parsed
        symbols = sorted(merged)
        if not symbols:
            return
        counts = [len(merged[s][0]["date"]) for s in symbols]
        entries, row = {}, 0
        for sym, rows in zip(symbols, counts, strict=True):
            key = merged[sym][1]
            entries[sym] = [key.size, key.mtime_ns, key.sha256, row, rows]
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
