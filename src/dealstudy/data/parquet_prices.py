"""Adjusted closes from a Parquet price dataset (a local path or any fsspec URL), read by symbol.

Layout of a price dataset (what :func:`write_price_dataset` writes and :func:`read_closes` reads):

* one Parquet file, or a folder of Parquet files (read recursively; hive-style folders such as
  ``symbol=AAPL/part-0.parquet`` are understood, so a dataset partitioned by symbol reads only the
  folders it needs);
* columns ``symbol`` (string), ``date`` (a date or a timezone-naive timestamp: the exchange-local session
  date) and ``adj_close`` (float; NaN or null marks a session without a price); other columns are ignored;
* at most one row per ``symbol`` and ``date``.

The same URL must be readable by every Dask worker (a shared folder, ``s3://``, ``gs://``, ``abfs://``,
``https://`` ...; remote protocols need their fsspec package, e.g. ``s3fs``). Reading is the data layer's
job: the engine receives the series this module returns.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, Provenance
from dealstudy.errors import MissingDataError

__all__ = ["DATASET_COLUMNS", "ParquetPriceSource", "read_closes", "write_price_dataset"]

#: The columns a price dataset must have.
DATASET_COLUMNS: tuple[str, ...] = ("symbol", "date", "adj_close")


def _filesystem(url: str) -> tuple[Any, str, bool]:
    """``(filesystem, path, exists)`` of a path or fsspec URL (``filesystem`` ``None``: the local one)."""
    try:
        from fsspec.core import url_to_fs
    except ImportError:  # fsspec comes with dask (the dask extra); a local path needs nothing more
        if "://" in url:
            raise MissingDataError(f"price dataset {url}: a URL needs fsspec (pip install fsspec)") from None
        path = Path(url).expanduser()
        return None, str(path), path.exists()
    fs, path = url_to_fs(url)
    return fs, path, bool(fs.exists(path))


def _dataset(url: str | Path) -> Any:
    import pyarrow as pa
    import pyarrow.dataset as ds

    try:
        fs, path, exists = _filesystem(str(url))
        if not exists:
            raise MissingDataError(f"price dataset {url}: no such file or folder")
        # symbols are strings even when a folder name looks like a number (e.g. symbol=6758)
        hive = ds.partitioning(pa.schema([("symbol", pa.string())]), flavor="hive")
        return ds.dataset(path, filesystem=fs, format="parquet", partitioning=hive)
    except MissingDataError:
        raise
    except (OSError, ValueError, ImportError) as exc:  # ArrowInvalid is a ValueError; ImportError: s3fs ...
        raise MissingDataError(f"price dataset {url}: cannot be read ({exc})") from None


class ParquetPriceSource:
    """A price dataset as a :class:`~dealstudy.data.source.PriceSource` (``adj_close`` only; the other
    price columns are NaN), plus :meth:`closes` for many symbols at once. The dataset's file listing is
    read once per process; the source pickles as its URL (so Dask can ship it to workers)."""

    name = "parquet"

    def __init__(self, url: str | Path) -> None:
        self.url = str(url)
        self._dataset: Any = None

    def __getstate__(self) -> dict[str, Any]:
        return {"url": self.url}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.url = state["url"]
        self._dataset = None

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        """Adjusted closes of ``symbol`` (:class:`MissingDataError` when it has none in the range)."""
        prices, unavailable = self.closes([symbol], start, end)
        if symbol not in prices:
            raise MissingDataError(unavailable[symbol])
        series = prices[symbol]
        frame = pd.DataFrame(dict.fromkeys(PRICE_COLUMNS, np.nan), index=series.index)
        frame["adj_close"] = series.to_numpy()
        return PriceHistory(symbol, frame, Provenance(f"parquet:{self.url}", detail=f"{start}..{end}"))

    def closes(
        self, symbols: Iterable[str], start: dt.date, end: dt.date
    ) -> tuple[dict[str, pd.Series], dict[str, str]]:
        """Adjusted closes of ``symbols`` for sessions ``start <= date <= end``.

        Returns
        -------
        prices : dict of symbol to Series
            ``adj_close`` (float) indexed by session date (``DatetimeIndex`` named ``date``, ascending).
        unavailable : dict of symbol to reason
            Symbols without a price in the range (absent from the dataset, or only NaN), with the reason.

        Raises
        ------
        MissingDataError
            The dataset cannot be opened or read, lacks a required column, or has two rows for one symbol
            and date.
        """
        import pyarrow as pa
        import pyarrow.compute as pc

        url = self.url
        if self._dataset is None:
            self._dataset = _dataset(url)
        dataset = self._dataset
        wanted = list(dict.fromkeys(str(s) for s in symbols))
        missing = [c for c in DATASET_COLUMNS if c not in dataset.schema.names]
        if missing:
            raise MissingDataError(f"price dataset {url}: missing column(s) {', '.join(missing)}")
        lo, hi = pd.Timestamp(start), pd.Timestamp(end)
        date = pc.field("date")
        if pa.types.is_date(dataset.schema.field("date").type):
            low, high = pc.scalar(lo.date()), pc.scalar(hi.date())
        else:
            low, high = pc.scalar(lo.to_pydatetime()), pc.scalar(hi.to_pydatetime())
        flt = pc.field("symbol").isin(wanted) & (date >= low) & (date <= high)
        try:
            table = dataset.to_table(columns=list(DATASET_COLUMNS), filter=flt)
        except (OSError, ValueError) as exc:
            raise MissingDataError(f"price dataset {url}: cannot be read ({exc})") from None
        frame = table.to_pandas()
        frame["date"] = pd.to_datetime(frame["date"]).dt.normalize().astype("datetime64[ns]")
        frame["adj_close"] = frame["adj_close"].astype(float)
        dup = frame.duplicated(["symbol", "date"])
        if dup.any():
            row = frame.loc[dup].iloc[0]
            raise MissingDataError(
                f"price dataset {url}: more than one row for symbol {row['symbol']} on {row['date']:%Y-%m-%d}"
            )
        prices: dict[str, pd.Series] = {}
        unavailable: dict[str, str] = {}
        groups = {str(k): g for k, g in frame.groupby("symbol", sort=False)}
        for symbol in wanted:
            group = groups.get(symbol)
            if group is None or group["adj_close"].dropna().empty:
                unavailable[symbol] = f"no adjusted close for {symbol} in {start}..{end} in dataset {url}"
                continue
            series = pd.Series(
                group["adj_close"].to_numpy(), index=pd.DatetimeIndex(group["date"], name="date"), name=symbol
            )
            prices[symbol] = series.sort_index()
        return prices, unavailable


def read_closes(
    url: str | Path, symbols: Iterable[str], start: dt.date, end: dt.date
) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Adjusted closes of ``symbols`` from the dataset at ``url`` (:meth:`ParquetPriceSource.closes`)."""
    return ParquetPriceSource(url).closes(symbols, start, end)


def write_price_dataset(prices: Mapping[str, pd.Series], path: Path | str) -> Path:
    """Write adjusted closes as a price dataset: one file ``path/symbol=<SYMBOL>/part-0.parquet`` per symbol.

    ``path`` must not exist yet (nothing is overwritten); the folder is built beside it and renamed into
    place when complete.
    """
    import os
    import shutil
    import tempfile

    import pyarrow as pa
    import pyarrow.parquet as pq

    target = Path(path)
    if target.exists():
        raise FileExistsError(f"{target} exists; a price dataset is written to a new folder only")
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        for symbol, series in prices.items():
            folder = tmp / f"symbol={symbol}"
            folder.mkdir()
            table = pa.table(
                {
                    "date": pa.array(pd.DatetimeIndex(series.index).date, type=pa.date32()),
                    "adj_close": pa.array(series.to_numpy(dtype=float), type=pa.float64()),
                }
            )
            pq.write_table(table, folder / "part-0.parquet")
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return target
