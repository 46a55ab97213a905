"""The ``study`` pipeline in blocks, in this process: for event sets whose tables do not fit in memory.

``dealstudy study --engine blocks`` (and :func:`run_study_blocked`) cut the events into partitions by blocks
of tickers (:mod:`dealstudy.pipeline.partitions`) and run them one after another: each block's closes are
read, the ordinary engine runs on them, its per-event tables (outcomes, abnormal returns, CARs with BHARs,
the standardized and ranked series) are written as one Parquet part per table and dropped, and only its
panel's abnormal returns are kept for the aggregate tests (placed at once in input order,
:class:`~dealstudy.pipeline.panel_gather.PanelGather`), which run at the end on the gathered panel. The
outputs are those of ``--engine dask`` (``outcomes/``, ``abnormal_returns/``, ``cars/``, ``series/`` and
``aggregate.parquet``) and every value equals the single-process run's; memory is bounded by the gathered
abnormal returns (about 2 KB per event for a 250-day estimation window) and the tests' rank codes, not by
the tables (about 13 KB per event).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dealstudy._tables import write_table
from dealstudy.data import DataSources
from dealstudy.errors import SpecificationError
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

__all__ = ["BlockedStudy", "run_study_blocked"]


@dataclass(frozen=True)
class BlockedStudy(PartitionedStudy):
    """The result of :func:`run_study_blocked` (:class:`~dealstudy.pipeline.partitions.PartitionedStudy`;
    one partition per block)."""

    def table(self, name: str) -> pd.DataFrame:
        """``outcomes``, ``abnormal_returns``, ``cars`` or ``series``, read back from its Parquet parts."""
        return pd.read_parquet(self.table_path(name))


class _PartWriter:
    """Writes each block's tables as ``NAME/part.I.parquet`` with one schema per table: the columns and
    dtypes of the first block with ok events (blocks before it, whose tables may be empty or loosely
    typed, wait until it comes; they hold no abnormal returns, so little is kept)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.meta: dict[str, pd.DataFrame] | None = None
        self.waiting: list[PartitionResult] = []
        for name in TABLES:
            (folder / name).mkdir()

    def add(self, result: PartitionResult) -> None:
        if self.meta is None:
            if not result.panel_event_ids:
                self.waiting.append(result)
                return
            self.meta = {name: table.iloc[:0] for name, table in result.tables.items()}
        for pending in [*self.waiting, result]:
            self._write(pending)
        self.waiting = []

    def close(self) -> None:
        """Write the blocks still waiting (when no block had an ok event: their own schemas)."""
        if self.meta is None and self.waiting:
            self.meta = {name: table.iloc[:0] for name, table in self.waiting[0].tables.items()}
        for pending in self.waiting:
            self._write(pending)
        self.waiting = []

    def _write(self, result: PartitionResult) -> None:
        assert self.meta is not None
        for name in TABLES:
            frame = conform(result.tables[name], self.meta[name])
            frame.to_parquet(self.folder / name / f"part.{result.index}.parquet", index=False)


def run_study_blocked(
    events: pd.DataFrame,
    out_dir: Path | str,
    *,
    spec: StudySpec | None = None,
    sources: DataSources | None = None,
    prices_dataset: str | Path | None = None,
    max_block_events: int = MAX_PARTITION_EVENTS,
) -> BlockedStudy:
    """Run the study of ``events`` block by block and write its tables to ``out_dir`` as Parquet.

    Parameters
    ----------
    events : DataFrame
        As for :func:`dealstudy.pipeline.study.run_study`; event ids must be unique.
    out_dir : Path or str
        Output folder. Only dealstudy's own ``outcomes/``, ``abnormal_returns/``, ``cars/``, ``series/`` and
        ``aggregate.parquet`` are replaced, and only when the whole run succeeded.
    spec : StudySpec, optional
    sources : DataSources, optional
        Where the closes (read block by block) and the factor files come from.
    prices_dataset : str or Path, optional
        A Parquet price dataset (local path or fsspec URL) to read each block's closes from instead.
    max_block_events : int
        Events per block at most (a ticker's events are never split); the tables of one block are in
        memory at a time.
    """
    spec = spec or StudySpec()
    if max_block_events < 1:
        raise SpecificationError(f"blocks of {max_block_events} events: need at least 1")
    dataset = str(prices_dataset) if prices_dataset is not None else None
    shared = shared_inputs(events, spec, sources, dataset)
    status: list[pd.DataFrame] = []
    gather = PanelGather(events)  # each block's panel placed in input order as it comes
    blocks = 0
    with commit_tables(Path(out_dir)) as tmp:
        writer = _PartWriter(tmp)
        for task in partition_tasks(events, max_block_events, dataset, sources, shared):
            result = study_partition(task, shared)
            _, block_status, panel, ids = partition_status(result)
            status.append(block_status)
            gather.add(panel, ids)
            writer.add(result)
            blocks += 1
            del result, task, panel  # the block's tables are on disk now, its panel in the gather
        writer.close()
        aggregate = gather_aggregate(gather, spec)
        write_table(tmp, AGGREGATE_FILE.removesuffix(".parquet"), aggregate, "parquet")
    return BlockedStudy(spec, Path(out_dir), aggregate, in_input_order(status, events), blocks)
