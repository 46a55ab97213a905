"""Shared by the tests of the partitioned engines (blocks, Dask): a seeded panel, its events, its prices as a
CSV folder and a Parquet dataset, and the single-process study they must reproduce (built once)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dealstudy.study import StudyResults
from fixtures import partitioned


@pytest.fixture(scope="package")
def panel() -> Any:
    return partitioned.make_panel()


@pytest.fixture(scope="package")
def events(panel: Any) -> pd.DataFrame:
    return partitioned.make_events(panel)


@pytest.fixture(scope="package")
def data(panel: Any, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return partitioned.write_prices(panel, tmp_path_factory.mktemp("partitioned_data"))


@pytest.fixture(scope="package")
def single(events: pd.DataFrame, data: dict[str, Path]) -> StudyResults:
    return partitioned.single_study(events, data)
