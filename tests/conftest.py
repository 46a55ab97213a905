"""Shared fixtures.

Tests that need ``../shared`` (real prices, factors, reference cases) use the ``shared_dir`` fixture and the
``shared`` marker: they skip with a reason where the folder is absent (a user's clone) but fail under
``CI=true``, so CI can never pass by skipping them.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from dealstudy.config import find_shared_dir

matplotlib.use("Agg")

REPO = Path(__file__).resolve().parents[1]


def _require(path: Path | None, what: str) -> Path:
    if path is not None and path.exists():
        return path
    message = f"{what} not found (set DEALSTUDY_SHARED_DIR or place ../shared beside the repo)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {message}")
    pytest.skip(message)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The shared data folder (``../shared``)."""
    return _require(find_shared_dir(REPO), "shared data folder")


@pytest.fixture(scope="session")
def prices_dir(shared_dir: Path) -> Path:
    """The real daily price snapshot ``../shared/data/prices``."""
    return _require(shared_dir / "data" / "prices", "price snapshot")


@pytest.fixture(scope="session")
def reference_dir(shared_dir: Path) -> Path:
    """Published inputs and outputs of other event-study software."""
    return _require(shared_dir / "reference_cases", "reference cases")


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded generator; tests must never use numpy's global RNG."""
    return np.random.default_rng(20251103)


@pytest.fixture(autouse=True)
def _close_figures() -> object:
    """Fail loudly on figures left open: plotting code must close what it creates."""
    import matplotlib.pyplot as plt

    yield None
    leaked = plt.get_fignums()
    plt.close("all")
    assert not leaked, f"test left {len(leaked)} matplotlib figure(s) open"


WriteCloses = Callable[[Path, str, pd.DatetimeIndex, np.ndarray], pd.Series]


def _write_closes(folder: Path, symbol: str, dates: pd.DatetimeIndex, close: np.ndarray) -> pd.Series:
    """Write ``close`` as the CSV snapshot ``folder/<symbol>.csv`` (open = high = low = close = adj_close,
    volume 1e6) and return it as a Series on ``dates``."""
    pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "open": close,
            "high": close,
            "low": close,
            "close": close,
            "adj_close": close,
            "volume": 1e6,
        }
    ).to_csv(folder / f"{symbol}.csv", index=False)
    return pd.Series(close, index=dates)


@pytest.fixture(scope="session")
def write_closes() -> WriteCloses:
    """Writer of seeded price snapshots for the CSV price source (see :func:`_write_closes`)."""
    return _write_closes
