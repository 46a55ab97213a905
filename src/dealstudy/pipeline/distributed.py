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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dealstudy._tables import write_table
from dealstudy.data import DataSources
from dealstudy.data.parquet_prices import read_closes
from dealstudy.errors import DataError, MissingDataError, SpecificationError
from dealstudy.pipeline._parquet_out import AGGREGATE_FILE, TABLES, commit_tables, conform
from dealstudy.pipeline.study import fetch_prices, study_factors, study_needs, study_prices
from dealstudy.stats.panel import EventPanel
from dealstudy.study import StudyResults, StudySpec

if TYPE_CHECKING:
    import dask.dataframe as dd
    from distributed import Client, Future

__all__ = [
    "MAX_PARTITION_EVENTS",
    "DaskStudy",
    "PartitionResult",
    "PartitionTask",
    "partition_events",
    "run_study_dask",
    "study_partition",
]

#: At most this many events per partition (a ticker's events are never split, so one ticker may exceed it).
MAX_PARTITION_EVENTS = 20_000
#: Partitions per worker thread aimed at (load balance, and little rework when a worker dies).
PARTITIONS_PER_THREAD = 4
#: Retries of a partition task that raised (a worker that died is handled by Dask's allowed-failures).
TASK_RETRIES = 2
#: Where a LocalCluster's scheduler serves its HTTP routes (dashboard, metrics): a free loopback port, never
#: the default :8787 on every interface (which another cluster on the machine may hold).
LOOPBACK_HTTP = "127.0.0.1:0"
#: Seconds to wait for an existing scheduler.
CONNECT_TIMEOUT_S = 30


@dataclass(frozen=True)
class SharedInputs:
    """What every partition needs: the spec, the fetch range, the benchmark series and factors."""

    spec: StudySpec
    start: Any  # datetime.date
    end: Any
    benchmarks: dict[str, pd.Series]
    unavailable: dict[str, str]
    factors: pd.DataFrame | None


@dataclass(frozen=True)
class PartitionTask:
    """One partition: its events (all events of its tickers) and where their closes come from."""

    index: int
    events: pd.DataFrame
    tickers: tuple[str, ...]
    dataset: str | None = None  # the workers read the tickers' closes from this price dataset
    prices: dict[str, pd.Series] = field(default_factory=dict)  # or the driver ships them
    unavailable: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PartitionResult:
    """A partition's per-event tables and its part of the panel."""

    index: int
    tables: dict[str, pd.DataFrame]
    panel: EventPanel
    panel_event_ids: tuple[str, ...]


def partition_events(tickers: Sequence[str], max_events: int) -> list[np.ndarray]:
    """Row positions of each partition: tickers in order of first appearance, packed into consecutive
    blocks of at most ``max_events`` events (a ticker with more events gets a block of its own)."""
    codes, uniques = pd.factorize(pd.Series(tickers, dtype=object), sort=False)
    counts = np.bincount(codes, minlength=len(uniques))
    block = np.empty(len(uniques), dtype=np.int64)
    current, filled = 0, 0
    for i, count in enumerate(counts):
        if filled and filled + count > max_events:
            current, filled = current + 1, 0
        block[i] = current
        filled += int(count)
    of_event = block[codes]
    order = np.argsort(of_event, kind="stable")
    bounds = np.searchsorted(of_event[order], np.arange(current + 2))
    return [order[bounds[b] : bounds[b + 1]] for b in range(current + 1) if bounds[b + 1] > bounds[b]]


def study_partition(task: PartitionTask, shared: SharedInputs) -> PartitionResult:
    """Run the ordinary engine on one partition (on a worker). Missing prices become exclusion codes."""
    prices = dict(shared.benchmarks)
    unavailable = dict(shared.unavailable)
    if task.dataset is not None:
        wanted = [t for t in task.tickers if t not in prices]
        try:
            got, missing = read_closes(task.dataset, wanted, shared.start, shared.end)
        except MissingDataError as exc:  # the partition's prices cannot be read: its events say why
            got, missing = {}, dict.fromkeys(wanted, str(exc))
    else:
        got, missing = task.prices, task.unavailable
    prices.update(got)
    unavailable.update(missing)
    results = study_prices(task.events, prices, shared.spec, factors=shared.factors, unavailable=unavailable)
    tables = {
        "outcomes": results.outcomes,
        "abnormal_returns": results.abnormal_returns,
        "cars": results.cars,
        "series": results.series,
    }
    return PartitionResult(task.index, tables, results.panel, results.panel_event_ids)


def _table(result: PartitionResult, name: str, meta: pd.DataFrame | None) -> pd.DataFrame:
    frame = result.tables[name]
    return frame.iloc[:0] if meta is None else conform(frame, meta)


def _summary(result: PartitionResult) -> tuple[int, pd.DataFrame, EventPanel, tuple[str, ...]]:
    """What the driver gathers: the events' status and the partition's panel."""
    status = result.tables["outcomes"][["event_id", "ticker", "day0", "outcome", "reason"]]
    return result.index, status, result.panel, result.panel_event_ids


@dataclass(frozen=True)
class DaskStudy:
    """The result of :func:`run_study_dask`.

    Attributes
    ----------
    spec : StudySpec
    out_dir : Path
        Holds ``outcomes/``, ``abnormal_returns/``, ``cars/``, ``series/`` (Parquet datasets, one file per
        partition, columns as the tables of :class:`dealstudy.study.StudyResults`, ``series/`` as its
        :attr:`~dealstudy.study.StudyResults.series`) and ``aggregate.parquet``.
    aggregate : DataFrame
        The aggregate tests, identical to the single-process run's ``StudyResults.aggregate``.
    status : DataFrame
        ``event_id, ticker, day0, outcome, reason`` of every event, in input order.
    partitions : int
        Number of partitions (tasks).
    """

    spec: StudySpec
    out_dir: Path
    aggregate: pd.DataFrame
    status: pd.DataFrame
    partitions: int

    @property
    def n_ok(self) -> int:
        return int((self.status["outcome"] == "ok").sum())

    @property
    def excluded(self) -> pd.DataFrame:
        return self.status[self.status["outcome"] != "ok"].reset_index(drop=True)

    def table(self, name: str) -> dd.DataFrame:
        """``outcomes``, ``abnormal_returns``, ``cars`` or ``series``: a Dask DataFrame of the written
        Parquet parts."""
        import dask.dataframe as dd

        if name not in TABLES:
            raise SpecificationError(f"no table {name!r}; choose one of {', '.join(TABLES)}")
        frame: dd.DataFrame = dd.read_parquet(self.out_dir / name)
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


def _tasks(
    events: pd.DataFrame,
    max_events: int,
    dataset: str | None,
    sources: DataSources | None,
    shared: SharedInputs,
) -> list[PartitionTask]:
    parts = partition_events(events["ticker"].astype(str).tolist(), max_events)
    tasks = []
    for i, rows in enumerate(parts):
        sub = events.iloc[rows]
        tickers = tuple(dict.fromkeys(sub["ticker"].astype(str)))
        if dataset is not None:
            tasks.append(PartitionTask(i, sub, tickers, dataset=dataset))
            continue
        assert sources is not None
        wanted = [t for t in tickers if t not in shared.benchmarks and t not in shared.unavailable]
        prices, unavailable = fetch_prices(sources, wanted, shared.start, shared.end)
        tasks.append(PartitionTask(i, sub, tickers, prices=prices, unavailable=unavailable))
    return tasks


def _gather_panel(
    pieces: list[tuple[EventPanel, tuple[str, ...]]], order_of: dict[str, int], spec: StudySpec
) -> pd.DataFrame:
    """The aggregate tests on the partitions' panels (``pieces``, emptied on the way), stacked in the events'
    input order."""
    ids = [eid for _, piece_ids in pieces for eid in piece_ids]
    rank = np.empty(len(ids), dtype=np.int64)
    rank[np.argsort(np.fromiter((order_of[e] for e in ids), np.int64, len(ids)), kind="stable")] = np.arange(
        len(ids)
    )
    first = pieces[0][0]
    n, k, w = len(ids), first.rel_days.size, len(first.windows)
    arrays: dict[str, np.ndarray] = {
        "ar": np.empty((n, k)),
        "var_ar": np.empty((n, k)),
        "sigma": np.empty(n),
        "nobs": np.empty(n, dtype=first.nobs.dtype),
        "dof": np.empty(n, dtype=first.dof.dtype),
        "car_var": np.empty((n, w)),
        "groups": np.empty(n, dtype=object),
    }
    lo = 0
    pieces.reverse()
    while pieces:  # each piece is dropped once copied: the driver holds the panel about once
        piece, piece_ids = pieces.pop()
        dest = rank[lo : lo + len(piece_ids)]
        for name, array in arrays.items():
            array[dest] = getattr(piece, name)
        lo += len(piece_ids)
        del piece
    panel = EventPanel(
        rel_days=first.rel_days,
        is_estimation=first.is_estimation,
        is_event=first.is_event,
        windows=first.windows,
        **arrays,
    )
    ordered = [""] * n
    for eid, r in zip(ids, rank.tolist(), strict=True):
        ordered[r] = eid
    empty = pd.DataFrame()
    results = StudyResults(spec, empty, empty, empty, panel, tuple(ordered))
    return results.aggregate


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
    if prices_dataset is None and sources is None:
        raise SpecificationError("give a price dataset or data sources")
    out = Path(out_dir)
    if events["event_id"].astype(str).duplicated().any():
        raise SpecificationError("event ids must be unique (each event's rows are matched by its id)")
    needs = study_needs(events, spec)
    dataset = str(prices_dataset) if prices_dataset is not None else None
    if dataset is not None:
        bench, bench_missing = read_closes(dataset, needs.benchmarks, needs.start, needs.end)
    else:
        assert sources is not None
        bench, bench_missing = fetch_prices(sources, needs.benchmarks, needs.start, needs.end)
    factors = study_factors(sources, spec) if sources is not None else None
    if spec.uses_factors and factors is None:
        raise MissingDataError(f"model {spec.model!r} needs factor files: give data sources with them")
    shared = SharedInputs(spec, needs.start, needs.end, bench, bench_missing, factors)
    order_of = {str(e): i for i, e in enumerate(events["event_id"])}
    with _client(scheduler, n_workers, processes) as client:
        threads = max(1, sum(client.nthreads().values()))
        size = max_partition_events or max(
            1, min(MAX_PARTITION_EVENTS, math.ceil(len(events) / (threads * PARTITIONS_PER_THREAD)))
        )
        tasks = _tasks(events, size, dataset, sources, shared)
        token = uuid.uuid4().hex[:12]
        keys = [f"dealstudy-partition-{token}-{t.index}" for t in tasks]
        futures = client.map(study_partition, tasks, shared=shared, key=keys, retries=TASK_RETRIES)
        summaries = client.gather(client.map(_summary, futures, key=[f"{k}-summary" for k in keys]))
        summaries.sort(key=lambda s: s[0])
        best = int(np.argmax([len(s[3]) for s in summaries]))  # the most ok events: the tables' dtypes
        status = pd.concat([s[1] for s in summaries], ignore_index=True)
        positions = status["event_id"].astype(str).map(order_of).to_numpy()
        status = status.iloc[np.argsort(positions, kind="stable")].reset_index(drop=True)
        with commit_tables(out) as tmp:
            _write_tables(client, futures, best, tmp)
            pieces = [(s[2], s[3]) for s in summaries]
            del summaries
            aggregate = _gather_panel(pieces, order_of, spec)
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
