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
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dealstudy._atomic import atomic_open
from dealstudy.data.source import PRICE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

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

    def lookup(self, keys: dict[str, FileKey]) -> dict[str, pd.DataFrame]:
        """The cached frames of the symbols whose key matches ``keys[symbol]``."""
        index = self.index()
        hits = [sym for sym, key in keys.items() if sym in index and index[sym][0] == key]
        if not hits:
            return {}
        try:
            import pyarrow.parquet as pq

            table = pq.read_table(self.path, columns=["date", *PRICE_COLUMNS])
            dates = table.column("date").to_numpy()
            values = {c: table.column(c).to_numpy() for c in PRICE_COLUMNS}
        except Exception:  # a cache that cannot be read is no cache
            return {}
        return {sym: _frame(dates, values, index[sym][1], index[sym][2]) for sym in hits}

    def store(self, frames: dict[str, tuple[pd.DataFrame, FileKey]], keep: dict[str, FileKey]) -> None:
        """Rewrite the cache with ``frames`` plus the cached symbols of ``keep`` whose key still matches."""
        import numpy as np
        import pandas as pd

        old = self.lookup({s: k for s, k in keep.items() if s not in frames})
        index = self.index()
        merged = {s: (f, index[s][0]) for s, f in old.items()} | frames
        parts, entries, row = [], {}, 0
        for sym in sorted(merged):
            frame, key = merged[sym]
            entries[sym] = [key.size, key.mtime_ns, key.sha256, row, len(frame)]
            row += len(frame)
            parts.append(frame)
        if not parts:
            return
        long = pd.concat(parts).reset_index()
        long.insert(0, "symbol", np.repeat(sorted(merged), [len(merged[s][0]) for s in sorted(merged)]))
        with contextlib.suppress(Exception):  # an unwritable cache is no cache
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(long, preserve_index=False)
            doc = json.dumps({"format": _FORMAT, "symbols": entries}).encode()
            table = table.replace_schema_metadata({**(table.schema.metadata or {}), _META_KEY: doc})
            with atomic_open(self.path, "wb", encoding=None) as handle:
                pq.write_table(table, handle, compression="zstd")
            self._index = None


def _frame(dates: object, values: dict[str, object], first: int, rows: int) -> pd.DataFrame:
    import pandas as pd

    sl = slice(first, first + rows)
    index = pd.DatetimeIndex(dates[sl], name="date")  # type: ignore[index]
    return pd.DataFrame({c: values[c][sl] for c in PRICE_COLUMNS}, index=index)  # type: ignore[index]
