"""The study on a Dask cluster (``--engine dask``) against the single-process study on the same seeded panel.

Same outcomes and reasons, CARs and BHARs to 1e-12, the same aggregate statistics; a worker killed mid-run
loses and duplicates no event; a partition whose prices are missing gives exclusion codes. Clusters are
loopback-only ``LocalCluster``s.
"""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

try:
    import distributed
except ImportError:  # pragma: no cover - CI installs the test group, which has dask[distributed]
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("dask[distributed] is not installed (pip install dealstudy[dask])", allow_module_level=True)

from dealstudy.data import open_sources
from dealstudy.data.parquet_prices import ParquetPriceSource, read_closes
from dealstudy.errors import MissingDataError, SpecificationError
from dealstudy.pipeline.distributed import run_study_dask
from dealstudy.pipeline.partitions import PartitionTask, SharedInputs, partition_events, study_partition
from dealstudy.pipeline.study import run_study, study_needs
from dealstudy.study import StudyResults
from fixtures import partitioned

SPEC = partitioned.SPEC


_assert_same = partitioned.assert_same_as_single


def test_partitions_keep_each_ticker_whole() -> None:
    tickers = ["A", "B", "A", "C", "C", "C", "D", "B", "E"]
    parts = partition_events(tickers, max_events=3)
    rows = np.concatenate(parts)
    assert sorted(rows.tolist()) == list(range(len(tickers)))  # every event exactly once
    owner = {t: i for i, part in enumerate(parts) for t in {tickers[r] for r in part}}
    for i, part in enumerate(parts):
        assert all(owner[tickers[r]] == i for r in part)  # a ticker lives in one partition
    assert [sorted(tickers[r] for r in p) for p in parts] == [
        ["A", "A"],
        ["B", "B"],
        ["C", "C", "C"],
        ["D", "E"],
    ]


def test_dask_engine_equals_single_process(
    events: pd.DataFrame, data: dict[str, Path], single: StudyResults, tmp_path: Path
) -> None:
    assert single.n_ok > 150
    assert set(single.outcomes["outcome"]) >= {"ok", "no_prices"}
    result = run_study_dask(
        events,
        tmp_path / "out",
        spec=SPEC,
        prices_dataset=data["dataset"],
        n_workers=3,
        processes=False,
        max_partition_events=40,
    )
    assert result.partitions >= 5
    _assert_same(tmp_path / "out", result, single, events)
    assert result.status["outcome"].tolist() == single.outcomes["outcome"].tolist()
    assert result.table("cars").npartitions == result.partitions
    # the CSV folder read by the driver gives the same study
    again = run_study_dask(
        events,
        tmp_path / "out",
        spec=SPEC,
        sources=open_sources(prices=data["csv"]),
        n_workers=2,
        processes=False,
        max_partition_events=100,
    )
    _assert_same(tmp_path / "out", again, single, events)


def test_single_engine_reads_a_price_dataset(
    events: pd.DataFrame, data: dict[str, Path], single: StudyResults
) -> None:
    sources = replace(open_sources(prices=data["csv"]), prices=ParquetPriceSource(data["dataset"]))
    results = run_study(events, sources, SPEC)
    pd.testing.assert_frame_equal(results.cars, single.cars, check_exact=True)
    pd.testing.assert_frame_equal(results.aggregate, single.aggregate, check_exact=True)
    assert results.outcomes["outcome"].tolist() == single.outcomes["outcome"].tolist()
    with pytest.raises(SpecificationError, match="unique"):
        run_study_dask(pd.concat([events, events.iloc[:1]]), data["csv"], spec=SPEC, sources=sources)


def test_partition_without_prices_gives_exclusion_codes(events: pd.DataFrame, tmp_path: Path) -> None:
    needs = study_needs(events, SPEC)
    sub = events[events["ticker"].isin(["NOPX1", "NOPX2"])]
    with pytest.raises(MissingDataError, match="no-such-dataset: no such file or folder"):
        read_closes(tmp_path / "no-such-dataset", ["NOPX1"], needs.start, needs.end)
    shared = SharedInputs(SPEC, needs.start, needs.end, {}, {}, None)
    task = PartitionTask(0, sub, ("NOPX1", "NOPX2"), dataset=str(tmp_path / "no-such-dataset"))
    result = study_partition(task, shared)
    out = result.tables["outcomes"]
    assert out["outcome"].tolist() == ["no_prices"] * 3
    assert all("no-such-dataset: no such file or folder" in r for r in out["reason"])
    assert len(result.tables["cars"]) == 0
    assert result.panel.n_events == 0


class _KillOnce(distributed.WorkerPlugin):  # type: ignore[misc]
    """Kills its worker process (SIGKILL) when the first partition task starts executing, once per run."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def transition(self, key: Any, start: str, finish: str, **kwargs: Any) -> None:
        if finish != "executing" or not str(key).startswith("dealstudy-partition-"):
            return
        if str(key).endswith("-summary"):
            return
        try:
            os.close(os.open(self.marker, os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            return
        os.kill(os.getpid(), signal.SIGKILL)


@pytest.mark.slow
def test_killed_worker_loses_and_duplicates_nothing(
    events: pd.DataFrame, data: dict[str, Path], single: StudyResults, tmp_path: Path
) -> None:
    import cloudpickle

    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # the plugin travels by value
    marker = tmp_path / "killed"
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        client.register_plugin(_KillOnce(str(marker)))
        result = run_study_dask(
            events,
            tmp_path / "out",
            spec=SPEC,
            prices_dataset=data["dataset"],
            scheduler=cluster.scheduler_address,
            max_partition_events=60,
        )
    assert marker.exists()  # a worker was killed while running a partition
    _assert_same(tmp_path / "out", result, single, events)


def test_outputs_replace_only_dealstudy_tables_and_only_on_success(tmp_path: Path) -> None:
    from dealstudy.pipeline._parquet_out import TABLES, commit_tables

    out = tmp_path / "out"
    (out / "cars").mkdir(parents=True)
    (out / "cars" / "part.0.parquet").write_bytes(b"old")

    def failing_run() -> None:
        with commit_tables(out) as work:
            for name in TABLES:
                (work / name).mkdir()
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        failing_run()
    assert (out / "cars" / "part.0.parquet").read_bytes() == b"old"  # a failed run changes nothing
    assert sorted(p.name for p in out.iterdir()) == ["cars"]  # and leaves no work folder behind
    with commit_tables(out) as work:
        for name in TABLES:
            (work / name).mkdir()
            (work / name / "part.0.parquet").write_bytes(b"new")
        (work / "aggregate.parquet").write_bytes(b"agg")
    assert (out / "cars" / "part.0.parquet").read_bytes() == b"new"
    written = sorted([*TABLES, "aggregate.parquet"])
    assert sorted(p.name for p in out.iterdir()) == written
    (out / "cars" / "notes.txt").write_text("mine")
    with pytest.raises(SpecificationError, match="not a dealstudy output"), commit_tables(out):
        pass
    assert (out / "cars" / "notes.txt").read_text() == "mine"
