"""``build_report`` times the event study and the regressions as separate stages (issue 7's split)."""

from __future__ import annotations

import datetime as dt
import importlib
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog import write_deal
from dealstudy.catalog.schema import Deal, Security
from dealstudy.data import open_sources
from dealstudy.data.calendars import sessions
from dealstudy.pipeline.report import STAGES, build_report


def test_report_stages_in_order_and_their_sum_is_the_build_time(
    tmp_path: Path,
    rng: np.random.Generator,
    monkeypatch: pytest.MonkeyPatch,
    write_closes: Callable[..., pd.Series],
) -> None:
    prices = tmp_path / "prices"
    prices.mkdir()
    dates = sessions("XNYS", "2024-06-03", "2025-12-31")
    market = rng.normal(0.0004, 0.01, len(dates))
    write_closes(prices, "SPY", dates, 100.0 * np.cumprod(1 + market))
    catalog = tmp_path / "events"
    catalog.mkdir()
    rows = []
    for i in range(5):
        ticker = f"T{i}"
        write_closes(
            prices, ticker, dates, 100.0 * np.cumprod(1 + 1.1 * market + rng.normal(0, 0.01, len(dates)))
        )
        rows.append({"symbol": ticker, "as_of": "2025-06-30", "shares": 1e9, "source": "synthetic"})
        write_deal(
            catalog,
            Deal(
                id=f"deal-{i}",
                title=f"{ticker} signs",
                announced=dt.date(2025, 9, 1) + dt.timedelta(days=14 * i),
                timing="pre_market",
                counterparty="OpenAI",
                kind="cloud_contract",
                binding_status="definitive_contract",
                securities=(Security(ticker, "provider", "XNAS"),),
                sources=("https://example.com/a",),
                headline_value_usd=10e9 * (i + 1),
                binding_value_usd=5e9 * (i + 1),
                binding_basis="signed contract",
            ),
        )
    pd.DataFrame(rows).to_csv(prices / "shares_outstanding.csv", index=False)
    calls: list[tuple[str, int, int]] = []
    reads: list[Path] = []
    loader = importlib.import_module("dealstudy.catalog.catalog")
    real_read = loader.read_catalog_files

    def counting_read(directory: Path) -> object:
        reads.append(Path(directory))
        return real_read(directory)

    monkeypatch.setattr(loader, "read_catalog_files", counting_read)
    start = time.perf_counter()
    summary = build_report(
        catalog,
        open_sources(prices=prices),
        out_dir=tmp_path / "report",
        bootstrap_reps=20,
        workers=1,
        progress=lambda stage, done, total: calls.append((stage, done, total)),
    )
    wall = time.perf_counter() - start
    assert STAGES == ("load", "prices", "study", "regressions", "figures", "render")
    assert [c[0] for c in calls] == [*STAGES, "done"]
    assert [c[1] for c in calls] == list(range(len(STAGES) + 1))
    assert {c[2] for c in calls} == {len(STAGES)}
    assert tuple(summary.stage_seconds) == STAGES
    assert all(seconds > 0 for seconds in summary.stage_seconds.values())
    assert summary.total_seconds <= wall
    assert summary.total_seconds == sum(summary.stage_seconds.values())
    assert wall - summary.total_seconds < 0.05 * wall + 0.05  # no untimed gap between the stages
    assert summary.studied == 5
    assert reads == [catalog]  # the catalog is read once per build (the analysis gets the loaded one)
