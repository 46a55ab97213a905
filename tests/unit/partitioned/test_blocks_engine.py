"""The study block by block in this process (``--engine blocks``) against the single-process study on the same
seeded panel: the same outcomes, CARs, BHARs and series to 1e-12 and the same aggregate statistics, whatever
the block size; with prices from a CSV folder or a Parquet dataset; outputs replaced only on success."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dealstudy.data import open_sources
from dealstudy.errors import SpecificationError
from dealstudy.pipeline.blocked import run_study_blocked
from dealstudy.study import StudyResults
from fixtures import partitioned


@pytest.mark.parametrize("block", [1, 37, 100_000])
def test_blocks_equal_the_single_process_run(
    events: pd.DataFrame, data: dict[str, Path], single: StudyResults, tmp_path: Path, block: int
) -> None:
    assert single.n_ok > 150
    result = run_study_blocked(
        events, tmp_path / "out", spec=partitioned.SPEC, sources=open_sources(prices=data["csv"]),
        max_block_events=block,
    )  # fmt: skip
    n_tickers = events["ticker"].nunique()
    expected = {1: n_tickers, 100_000: 1}.get(block)  # one ticker per block, or everything in one
    assert result.partitions == expected if expected else 1 < result.partitions < n_tickers
    partitioned.assert_same_as_single(tmp_path / "out", result, single, events)
    pd.testing.assert_frame_equal(result.table("cars").iloc[:0], single.cars.iloc[:0], check_dtype=False)


def test_blocks_read_a_price_dataset(
    events: pd.DataFrame, data: dict[str, Path], single: StudyResults, tmp_path: Path
) -> None:
    result = run_study_blocked(
        events, tmp_path / "out", spec=partitioned.SPEC, prices_dataset=data["dataset"], max_block_events=50
    )
    assert result.partitions > 3
    partitioned.assert_same_as_single(tmp_path / "out", result, single, events)


def test_a_failed_run_keeps_the_earlier_outputs(
    events: pd.DataFrame, data: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "out"
    sources = open_sources(prices=data["csv"])
    run_study_blocked(events, out, spec=partitioned.SPEC, sources=sources, max_block_events=60)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    calls = {"n": 0}
    import dealstudy.pipeline.blocked as blocked

    real = blocked.study_partition

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("disk full")
        return real(*args, **kwargs)

    monkeypatch.setattr(blocked, "study_partition", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        run_study_blocked(events, out, spec=partitioned.SPEC, sources=sources, max_block_events=60)
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before
    assert sorted(p.name for p in out.iterdir()) == ["abnormal_returns", "aggregate.parquet", "cars",
                                                     "outcomes", "series"]  # fmt: skip


def test_bad_arguments_are_refused(events: pd.DataFrame, data: dict[str, Path], tmp_path: Path) -> None:
    sources = open_sources(prices=data["csv"])
    with pytest.raises(SpecificationError, match="need at least 1"):
        run_study_blocked(events, tmp_path / "o", spec=partitioned.SPEC, sources=sources, max_block_events=0)
    with pytest.raises(SpecificationError, match="no events to study"):
        run_study_blocked(events.iloc[:0], tmp_path / "o", spec=partitioned.SPEC, sources=sources)
    twice = pd.concat([events.iloc[:2], events.iloc[:1]], ignore_index=True)
    with pytest.raises(SpecificationError, match="event ids must be unique"):
        run_study_blocked(twice, tmp_path / "o", spec=partitioned.SPEC, sources=sources)
    assert not (tmp_path / "o").exists()
