"""Partitions of a study by blocks of tickers, the unit both partitioned engines run.

The events are cut into partitions by blocks of tickers: all events of a ticker are in one partition, so
excluding other events' windows from an estimation sample (same ticker) and every other per-event step see
exactly what the single-process run sees. Each partition runs the ordinary engine on its tickers' closes and
the benchmark series (:func:`study_partition`); its per-event tables are written as Parquet parts and its
panel (the events' abnormal returns and variances on the relative-day axis) is gathered, put back in input
order and tested (:func:`gather_aggregate`), so every statistic is the one the single-process run computes.

:mod:`dealstudy.pipeline.blocked` runs the partitions one after another in this process (memory bounded by
the panel, not the tables); :mod:`dealstudy.pipeline.distributed` runs them on a Dask cluster.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dealstudy.data import DataSources
from dealstudy.data.parquet_prices import read_closes
from dealstudy.errors import MissingDataError, SpecificationError
from dealstudy.pipeline._parquet_out import TABLES
from dealstudy.pipeline.panel_gather import PanelGather
from dealstudy.pipeline.study import fetch_prices, study_factors, study_needs, study_prices
from dealstudy.stats.panel import EventPanel
from dealstudy.study import StudyResults, StudySpec

__all__ = [
    "MAX_PARTITION_EVENTS",
    "PartitionResult",
    "PartitionTask",
    "PartitionedStudy",
    "SharedInputs",
    "gather_aggregate",
    "in_input_order",
    "partition_events",
    "partition_status",
    "partition_tasks",
    "shared_inputs",
    "study_partition",
]

#: At most this many events per partition (a ticker's events are never split, so one ticker may exceed it).
MAX_PARTITION_EVENTS = 20_000


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


@dataclass(frozen=True)
class PartitionedStudy:
    """The result of a partitioned run (:func:`dealstudy.pipeline.blocked.run_study_blocked`,
    :func:`dealstudy.pipeline.distributed.run_study_dask`).

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
        Number of partitions.
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

    def table_path(self, name: str) -> Path:
        """The folder of the per-event table ``name`` (``outcomes``, ``abnormal_returns``, ``cars``,
        ``series``)."""
        if name not in TABLES:
            raise SpecificationError(f"no table {name!r}; choose one of {', '.join(TABLES)}")
        return self.out_dir / name


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


def partition_status(result: PartitionResult) -> tuple[int, pd.DataFrame, EventPanel, tuple[str, ...]]:
    """What the driver gathers: the events' status and the partition's panel."""
    status = result.tables["outcomes"][["event_id", "ticker", "day0", "outcome", "reason"]]
    return result.index, status, result.panel, result.panel_event_ids


def shared_inputs(
    events: pd.DataFrame, spec: StudySpec, sources: DataSources | None, dataset: str | None
) -> SharedInputs:
    """Check the events and read what every partition shares: the benchmark series (from the price dataset
    ``dataset`` or ``sources``), the factors of factor models and the fetch range."""
    if dataset is None and sources is None:
        raise SpecificationError("give a price dataset or data sources")
    if events.empty:
        raise SpecificationError("no events to study")
    if events["event_id"].astype(str).duplicated().any():
        raise SpecificationError("event ids must be unique (each event's rows are matched by its id)")
    needs = study_needs(events, spec)
    if dataset is not None:
        bench, bench_missing = read_closes(dataset, needs.benchmarks, needs.start, needs.end)
    else:
        assert sources is not None
        bench, bench_missing = fetch_prices(sources, needs.benchmarks, needs.start, needs.end)
    factors = study_factors(sources, spec) if sources is not None else None
    if spec.uses_factors and factors is None:
        raise MissingDataError(f"model {spec.model!r} needs factor files: give data sources with them")
    return SharedInputs(spec, needs.start, needs.end, bench, bench_missing, factors)


def partition_tasks(
    events: pd.DataFrame,
    max_events: int,
    dataset: str | None,
    sources: DataSources | None,
    shared: SharedInputs,
) -> Iterator[PartitionTask]:
    """The partitions of ``events`` (at most ``max_events`` each, a ticker's events together), one at a
    time: their closes read by the worker from ``dataset``, or fetched here from ``sources``."""
    parts = partition_events(events["ticker"].astype(str).tolist(), max_events)
    for i, rows in enumerate(parts):
        sub = events.iloc[rows]
        tickers = tuple(dict.fromkeys(sub["ticker"].astype(str)))
        if dataset is not None:
            yield PartitionTask(i, sub, tickers, dataset=dataset)
            continue
        assert sources is not None
        wanted = [t for t in tickers if t not in shared.benchmarks and t not in shared.unavailable]
        prices, unavailable = fetch_prices(sources, wanted, shared.start, shared.end)
        yield PartitionTask(i, sub, tickers, prices=prices, unavailable=unavailable)


def in_input_order(status: list[pd.DataFrame], events: pd.DataFrame) -> pd.DataFrame:
    """The partitions' status rows (``event_id, ticker, day0, outcome, reason``) stacked in the events'
    input order."""
    order_of = {str(e): i for i, e in enumerate(events["event_id"])}
    stacked = pd.concat(status, ignore_index=True)
    positions = stacked["event_id"].astype(str).map(order_of).to_numpy()
    return stacked.iloc[np.argsort(positions, kind="stable")].reset_index(drop=True)


def gather_aggregate(gather: PanelGather, spec: StudySpec) -> pd.DataFrame:
    """The aggregate tests on the partitions' panels added to ``gather`` (each placed in the events' input
    order as it came; the gather is emptied)."""
    panel, ids = gather.panel()
    empty = pd.DataFrame()
    results = StudyResults(spec, empty, empty, empty, panel, ids)
    del panel
    return results.aggregate
