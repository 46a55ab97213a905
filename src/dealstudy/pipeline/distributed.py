"""The ``study`` pipeline on a Dask cluster: the same event study, partitioned by blocks of tickers.

Only ``dealstudy study --engine dask`` (and :func:`run_study_dask`) import this module, and with it Dask.

How it runs
-----------
1. The driver reads the events, works out the symbols and date range (:func:`study_needs`), reads the
   benchmark series (and factors) once, and cuts the events into partitions by blocks of tickers: all
   events of a ticker are in one partition, so excluding other events' windows from an estimation sample
   (same ticker) and every other per-event step see exactly what the single-process run sees.
2. Each partition is one task (:func:`study_partition`): it gets its tickers' closes (read by the worker
   from a Parquet price dataset, or shipped by the driver when they came from a CSV folder or Yahoo) plus
   the benchmark series, and runs the ordinary engine on them (:func:`study_prices`). Dask reruns a task
   whose worker died; a task that raises is retried twice.
3. The per-event tables of every partition (outcomes, abnormal returns, CARs with BHARs) become Dask
   DataFrames and are written by the workers as partitioned Parquet.
4. The driver gathers each partition's panel (the events' abnormal returns, their variances, sigma, nobs,
   dof and CAR variances on the relative-day axis), puts the events back in input order and runs the
   aggregate tests on it (:func:`dealstudy.stats.aggregate.aggregate_table`): every statistic is the one
   the single-process run computes.
"""

from __future__ import annotations

import contextlib
import math
import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dealstudy._tables import write_table
from dealstudy.data import DataSources
from dealstudy.errors import DataError, SpecificationError
from dealstudy.pipeline._parquet_out import AGGREGATE_FILE, TABLES, commit_tables, conform
from dealstudy.pipeline.panel_gather import PanelGather
from dealstudy.pipeline.partitions import (
    MAX_PARTITION_EVENTS,
    PartitionedStudy,
    PartitionResult,
    gather_aggregate,
    in_input_order,
    partition_status,
    partition_tasks,
    shared_inputs,
    study_partition,
)
from dealstudy.study import StudySpec

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client, Future

__all__ = ["DaskStudy", "run_study_dask"]

#: Partitions per worker thread aimed at (load balance, and little rework when a worker dies).
PARTITIONS_PER_THREAD = 4
#: Retries of a partition task that raised (a worker that died is handled by Dask's allowed-failures).
TASK_RETRIES = 2
#: Where a LocalCluster's scheduler serves its HTTP routes (dashboard, metrics): a free loopback port, never
#: the default :8787 on every interface (which another cluster on the machine may hold).
LOOPBACK_HTTP = "127.0.0.1:0"
#: Seconds to wait for an existing scheduler.
CONNECT_TIMEOUT_S = 30


def _table(result: PartitionResult, name: str, meta: pd.DataFrame | None) -> pd.DataFrame:
    frame = result.tables[name]
    return frame.iloc[:0] if meta is None else conform(frame, meta)


@dataclass(frozen=True)
class DaskStudy(PartitionedStudy):
    """The result of :func:`run_study_dask` (:class:`~dealstudy.pipeline.partitions.PartitionedStudy`)."""

    def table(self, name: str) -> dd.DataFrame:
        """``outcomes``, ``abnormal_returns``, ``cars`` or ``series``: a Dask DataFrame of the written
        Parquet parts."""
        import dask.dataframe as dd

        frame: dd.DataFrame = dd.read_parquet(self.table_path(name))
        return frame


@contextlib.contextmanager
def _client(scheduler: str | None, n_workers: int | None, processes: bool) -> Iterator[Client]:
    """A client of the cluster at ``scheduler``, or of a new loopback ``LocalCluster`` (one thread per
    worker, ``n_workers`` workers, default one per core; worker processes, or threads of this process
    with ``processes=False``), closed on exit."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError) as exc:
            raise DataError(
                f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT_S} s ({exc})"
            ) from None
        with client:
            yield client
        return
    workers = n_workers or os.cpu_count() or 1
    if workers < 1:
        raise SpecificationError(f"--workers {workers}: need at least 1")
    # loopback only; one engine thread per worker process (the workers already use the cores)
    where: dict[str, Any] = (
        {"host": "127.0.0.1", "env": {"DEALSTUDY_THREADS": "1"}} if processes else {}  # threads: in-process
    )
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=LOOPBACK_HTTP,
            **where,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def run_study_dask(
    events: pd.DataFrame,
    out_dir: Path | str,
    *,
    spec: StudySpec | None = None,
    sources: DataSources | None = None,
    prices_dataset: str | Path | None = None,
    scheduler: str | None = None,
    n_workers: int | None = None,
    processes: bool = True,
    max_partition_events: int | None = None,
) -> DaskStudy:
    """Run the study of ``events`` on a Dask cluster and write its tables to ``out_dir`` as Parquet.

    Parameters
    ----------
    events : DataFrame
        As for :func:`dealstudy.pipeline.study.run_study`.
    out_dir : Path or str
        Output folder; must be reachable by the workers under the same path (they write the Parquet
        parts). Only dealstudy's own ``outcomes/``, ``abnormal_returns/``, ``cars/``, ``series/`` and
        ``aggregate.parquet`` are replaced, and only when the whole run succeeded.
    spec : StudySpec, optional
    sources : DataSources, optional
        Where the closes come from when ``prices_dataset`` is not given (the driver reads them), and the
        factor files of factor models.
    prices_dataset : str or Path, optional
        A Parquet price dataset (local path or fsspec URL, see :mod:`dealstudy.data.parquet_prices`) that
        the workers read their tickers from.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://host:8786``); default a ``LocalCluster``.
    n_workers : int, optional
        Workers of the ``LocalCluster`` (default: one per core).
    processes : bool
        ``LocalCluster`` workers as processes (default) or as threads of this process.
    max_partition_events : int, optional
        Events per partition at most (default: about four partitions per worker thread, at most
        :data:`MAX_PARTITION_EVENTS`).
    """
    spec = spec or StudySpec()
    out = Path(out_dir)
    dataset = str(prices_dataset) if prices_dataset is not None else None
    shared = shared_inputs(events, spec, sources, dataset)
    with _client(scheduler, n_workers, processes) as client:
        threads = max(1, sum(client.nthreads().values()))
        size = max_partition_events or max(
            1, min(MAX_PARTITION_EVENTS, math.ceil(len(events) / (threads * PARTITIONS_PER_THREAD)))
        )
        tasks = list(partition_tasks(events, size, dataset, sources, shared))
        token = uuid.uuid4().hex[:12]
        keys = [f"dealstudy-partition-{token}-{t.index}" for t in tasks]
        futures = client.map(study_partition, tasks, shared=shared, key=keys, retries=TASK_RETRIES)
        summaries = client.gather(client.map(partition_status, futures, key=[f"{k}-summary" for k in keys]))
        summaries.sort(key=lambda s: s[0])
        best = int(np.argmax([len(s[3]) for s in summaries]))  # the most ok events: the tables' dtypes
        status = in_input_order([s[1] for s in summaries], events)
        with commit_tables(out) as tmp:
            _write_tables(client, futures, best, tmp)
            gather = PanelGather(events)  # each partition's panel placed in input order, then dropped
            summaries.reverse()
            while summaries:
                gather.add(*summaries.pop()[2:])
            aggregate = gather_aggregate(gather, spec)
            write_table(tmp, AGGREGATE_FILE.removesuffix(".parquet"), aggregate, "parquet")
    return DaskStudy(spec, out, aggregate, status, len(tasks))


def _write_tables(client: Client, futures: list[Future[PartitionResult]], best: int, folder: Path) -> None:
    """Each per-event table as a Dask DataFrame of the partitions, written by the workers as Parquet."""
    import dask.dataframe as dd
    from dask.base import compute

    writes = []
    for name in TABLES:
        meta = client.submit(_table, futures[best], name, None).result()
        parts = [client.submit(_table, f, name, meta) for f in futures]
        frame = dd.from_delayed(parts, meta=meta, verify_meta=False)
        writes.append(frame.to_parquet(folder / name, write_index=False, compute=False))
    compute(*writes, retries=TASK_RETRIES)
