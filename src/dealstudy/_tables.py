"""Result tables on disk: CSV (the default, pandas' text) or Parquet (pyarrow), written atomically.

- :func:`write_table` writes one frame as ``NAME.csv`` or ``NAME.parquet``; large frames are streamed to
  the file in row groups (:data:`ROW_GROUP_ROWS`) instead of being converted to one Arrow table at once.
- :class:`PartitionedParquetWriter` writes a table that arrives in blocks (e.g. the abnormal returns of a
  study run block by block) as a folder ``NAME/`` of ``part-00000.parquet`` ... files, one per block, readable
  as one dataset by ``pyarrow.dataset``, ``pandas.read_parquet`` and ``dask.dataframe.read_parquet``. The
  folder is built beside the target and renamed onto it only when closed without error.

Dates are written as ISO text in CSV (``%Y-%m-%d``) and as ``timestamp[ns]`` in Parquet.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Literal

from dealstudy._atomic import AtomicBatch, atomic_open, atomic_write_csv, make_temp_dir
from dealstudy._csv_fast import column_kinds, write_plain_csv

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "FORMATS",
    "ROW_GROUP_ROWS",
    "PartitionedParquetWriter",
    "TableFormat",
    "dates_to_text",
    "read_table",
    "write_table",
]

TableFormat = Literal["csv", "parquet"]
#: The file formats of result tables.
FORMATS: tuple[str, ...] = ("csv", "parquet")
#: Rows per Parquet row group (and per streamed slice).
ROW_GROUP_ROWS = 250_000


def dates_to_text(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` with datetime columns as ISO ``YYYY-MM-DD`` text."""
    import pandas as pd

    out = frame.copy()
    for col in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[col]):
            out[col] = out[col].dt.strftime("%Y-%m-%d")
    return out


def _arrow_schema_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` without its index, each object column of one Arrow type: kept as it is when Arrow finds one
    type for all its values (``True``/``False``/``None`` is a nullable bool), else its values as text
    (missing values stay missing)."""
    import pandas as pd

    data = frame.reset_index(drop=True)
    for name in data.columns:
        column = data[name]
        if column.dtype == object and pd.api.types.infer_dtype(column, skipna=True).startswith("mixed"):
            data[name] = column.map(lambda v: None if v is None or v is pd.NA or v != v else str(v))
    return data


#: Rows formatted at a time by the fast CSV writer.
CSV_CHUNK_ROWS = 100_000


def write_table(
    folder: Path | str,
    name: str,
    frame: pd.DataFrame,
    fmt: TableFormat = "csv",
    *,
    batch: AtomicBatch | None = None,
) -> Path:
    """Write ``frame`` as ``folder/name.csv`` or ``folder/name.parquet`` atomically (renamed into place
    with the rest of ``batch`` when given); returns the path.

    CSV is pandas' text (``to_csv``, ISO dates, full float precision); plain tables (float, int, bool, date
    and text columns) are formatted chunk by chunk by Arrow (:mod:`dealstudy._csv_fast`), which produces
    the same bytes.
    """
    opener = batch.open if batch is not None else atomic_open
    if fmt == "csv":
        path = Path(folder) / f"{name}.csv"
        plain = len(frame) and len(frame.columns) > 1 and frame.columns.is_unique
        kinds = column_kinds(frame) if plain else None
        if kinds is None:
            atomic_write_csv(path, dates_to_text(frame), batch=batch)
        else:
            with opener(path, "wb", encoding=None) as handle:
                write_plain_csv(handle, frame, kinds, CSV_CHUNK_ROWS)
        return path
    if fmt != "parquet":
        raise ValueError(f"unknown table format {fmt!r}")
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = Path(folder) / f"{name}.parquet"
    data = _arrow_schema_frame(frame)
    schema = pa.Schema.from_pandas(data, preserve_index=False)  # from every row: an all-missing first chunk
    with opener(path, "wb", encoding=None) as handle, pq.ParquetWriter(handle, schema) as writer:
        for lo in range(0, max(len(data), 1), ROW_GROUP_ROWS):
            part = data.iloc[lo : lo + ROW_GROUP_ROWS]
            writer.write_table(pa.Table.from_pandas(part, schema=schema, preserve_index=False))
    return path


def read_table(path: Path | str) -> pd.DataFrame:
    """Read a table written by :func:`write_table` or a :class:`PartitionedParquetWriter` folder."""
    import pandas as pd

    target = Path(path)
    if target.suffix == ".csv":
        return pd.read_csv(target, keep_default_na=False, na_values=[""])
    return pd.read_parquet(target)


class PartitionedParquetWriter:
    """Write blocks of one table as ``folder/name/part-NNNNN.parquet``; atomic as a whole (see module).

    Use as a context manager; :meth:`write` appends one block (an empty block writes nothing). Every part has
    the schema of the first block written.
    """

    def __init__(self, folder: Path | str, name: str) -> None:
        self.target = Path(folder) / name
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = make_temp_dir(self.target.parent, f".{name}.", ".tmp")  # 0755 under umask 022
        self._schema: object | None = None
        self.parts = 0
        self.rows = 0

    def write(self, block: pd.DataFrame) -> None:
        """Append ``block`` as the next part."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not len(block) and self.parts:
            return
        data = _arrow_schema_frame(block)
        if self._schema is None:
            self._schema = pa.Schema.from_pandas(data.iloc[:0], preserve_index=False)
        table = pa.Table.from_pandas(data, schema=self._schema, preserve_index=False)
        pq.write_table(table, self._tmp / f"part-{self.parts:05d}.parquet", row_group_size=ROW_GROUP_ROWS)
        self.parts += 1
        self.rows += len(block)

    def close(self) -> Path:
        """Move the finished folder onto the target (replacing an earlier one); returns the target."""
        for part in self._tmp.iterdir():
            with open(part, "rb") as handle:
                os.fsync(handle.fileno())
        old: Path | None = None
        if self.target.exists():
            prefix = f".{self.target.name}."
            old = Path(tempfile.mkdtemp(prefix=prefix, suffix=".old", dir=self.target.parent))
            os.replace(self.target, old / self.target.name)
        os.replace(self._tmp, self.target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return self.target

    def abort(self) -> None:
        """Drop what was written; the target is left as it was."""
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> PartitionedParquetWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            with contextlib.suppress(OSError):
                self.abort()
