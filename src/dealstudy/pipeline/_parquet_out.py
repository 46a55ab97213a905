"""Parquet outputs of the distributed study: the per-event tables as partitioned datasets, swapped in whole.

The tables are built in a hidden folder inside the output folder and moved into place only when every
part is written, so a failed run leaves the previous outputs intact. Only dealstudy's own outputs are
replaced: a folder of that name holding anything but Parquet parts is left alone and the run stops.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from dealstudy.errors import SpecificationError

__all__ = ["AGGREGATE_FILE", "TABLES", "commit_tables", "conform"]

#: The per-event tables, each written as a folder of Parquet parts (one per partition).
TABLES: tuple[str, ...] = ("outcomes", "abnormal_returns", "cars", "series")
#: The aggregate tests, one Parquet file.
AGGREGATE_FILE = "aggregate.parquet"
_PART = re.compile(r"^(part\.\d+\.parquet|_metadata|_common_metadata)$")


def conform(frame: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the columns and dtypes of ``meta`` (a partition without ok events has empty,
    loosely typed tables); a fresh 0..n-1 index."""
    out = frame.reindex(columns=meta.columns)
    for column, dtype in meta.dtypes.items():
        if out[column].dtype != dtype:
            out[column] = out[column].astype(dtype)
    return out.reset_index(drop=True)


def _ours(path: Path) -> bool:
    """Whether ``path`` is a dealstudy table folder (only Parquet parts) or an aggregate file."""
    if path.is_dir():
        return all(_PART.match(p.name) for p in path.iterdir())
    return path.name == AGGREGATE_FILE and path.is_file()


@contextlib.contextmanager
def commit_tables(out_dir: Path) -> Iterator[Path]:
    """A hidden work folder in ``out_dir``; on success its tables replace those in ``out_dir``.

    Raises :class:`SpecificationError` before any work when a target exists and is not a dealstudy output.
    """
    targets = [out_dir / name for name in (*TABLES, AGGREGATE_FILE)]
    for target in targets:
        if target.exists() and not _ours(target):
            raise SpecificationError(f"{target} exists and is not a dealstudy output; not replacing it")
    out_dir.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix=".dealstudy-dask-", dir=out_dir))
    try:
        yield work
        old = work / ".previous"
        old.mkdir()
        for target in targets:
            if target.exists():
                os.replace(target, old / target.name)
            os.replace(work / target.name, target)
    finally:
        shutil.rmtree(work, ignore_errors=True)
