"""The benchmark workload generator and helpers (benchmarks/ at the repo root); no timings asserted."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]


def _module(name: str) -> ModuleType:
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    return importlib.import_module(name)


@pytest.fixture(scope="module")
def synthetic() -> ModuleType:
    return _module("benchmarks.synthetic")


@pytest.fixture(scope="module")
def small(synthetic: ModuleType) -> object:
    cfg = synthetic.PanelConfig(n_tickers=40, n_days=700, missing_rate=0.01, ipo_share=0.1, seed=3)
    return synthetic.make_panel(cfg)


def test_panel_is_deterministic_for_a_seed(synthetic: ModuleType, small: object) -> None:
    cfg = synthetic.PanelConfig(n_tickers=40, n_days=700, missing_rate=0.01, ipo_share=0.1, seed=3)
    again = synthetic.make_panel(cfg)
    for symbol, series in small.prices.items():  # type: ignore[attr-defined]
        pd.testing.assert_series_equal(series, again.prices[symbol])
    other = synthetic.make_panel(synthetic.PanelConfig(n_tickers=40, n_days=700, seed=4))
    assert not np.allclose(other.prices["T0000"].to_numpy(), again.prices["T0000"].to_numpy(), equal_nan=True)


def test_panel_shape_and_features(small: object) -> None:
    panel = small
    prices = panel.prices  # type: ignore[attr-defined]
    dates = panel.dates  # type: ignore[attr-defined]
    assert len(dates) == 700
    assert (dates.day_of_week < 5).all()
    assert set(prices) == {*(f"T{j:04d}" for j in range(40)), "MKT"}
    # IPOs: 10% of 40 tickers start late, and their index begins at the first price.
    late = [s for s, p in prices.items() if p.index[0] > dates[0]]
    assert len(late) == 4
    assert all(np.isfinite(prices[s].iloc[0]) for s in late)
    # Missing prices: about 1% of stock sessions, none in the market series.
    stocks = np.concatenate([p.to_numpy() for s, p in prices.items() if s != "MKT"])
    assert 0.005 < np.isnan(stocks).mean() < 0.015
    assert not prices["MKT"].isna().any()
    # Fat tails: excess kurtosis of market returns well above 0.
    market = prices["MKT"].pct_change().dropna()
    assert market.kurt() > 1.0
    assert (prices["MKT"] > 0).all()


def test_events_fit_the_panel(synthetic: ModuleType, small: object) -> None:
    events = synthetic.make_events(small, 500, seed=11)
    again = synthetic.make_events(small, 500, seed=11)
    pd.testing.assert_frame_equal(events, again)
    assert list(events.columns) == ["event_id", "ticker", "day0", "market", "group"]
    assert len(events) == 500
    assert events["event_id"].is_unique
    assert not events.duplicated(["ticker", "day0"]).any()
    panel = small
    first = {s: p.index[0] for s, p in panel.prices.items()}  # type: ignore[attr-defined]
    dates = panel.dates  # type: ignore[attr-defined]
    pos = dates.get_indexer(events["day0"])
    assert (pos >= 0).all()
    assert (pos <= len(dates) - 11).all()
    start = np.array([dates.get_loc(first[t]) for t in events["ticker"]])
    enough = (pos - start) >= 251
    assert 0.95 < enough.mean() < 1.0  # most fit; the thin 1% share does not
    assert set(events["group"]) == {"g1", "g2", "g3"}


def test_scaling_exponent_of_a_power_law() -> None:
    run = _module("benchmarks.run")
    sizes = [1_000, 10_000, 100_000]
    assert run.scaling_exponent(sizes, [2.0 * (n / 1000) ** 1.1 for n in sizes]) == pytest.approx(
        1.1, abs=1e-12
    )


def test_peer_returns_table_matches_the_engine_convention() -> None:
    peer = _module("benchmarks.peer")
    dates = pd.bdate_range("2024-01-01", periods=5)
    prices = {"A": pd.Series([10.0, 11.0, np.nan, 12.1, 13.31], index=dates)}
    table = peer.peer_returns_table(prices, dates)
    np.testing.assert_allclose(table["A"], [0.1, np.nan, np.nan, 0.1], rtol=1e-12)
    assert table["date"][0] == np.datetime64("2024-01-02")


def test_render_reports_an_unavailable_peer_and_missing_report() -> None:
    run = _module("benchmarks.run")
    row = {
        "events": 1000, "threads": 2, "ok": 900, "runs": 1, "best_seconds": 2.0, "best_fit_seconds": 1.5,
        "best_aggregate_seconds": 0.5, "best_cpu_seconds": 2.0, "tracemalloc_peak_mib": 80.0,
        "peak_rss_mib": 350.0, "rss_before_mib": 200.0,
        "peer": {"available": False, "version": "", "origin": "", "message": "pip failed: no network"},
    }  # fmt: skip
    summary = {
        "machine": {"cpu_model": "x", "nproc": 2, "ram_gib": 1.0, "os": "Linux", "python": "3.11",
                    "numpy": "2", "pandas": "3", "scipy": "1", "blas": "none", "loadavg": (0.0, 0.0, 0.0)},
        "engine": [row], "scaling_exponent": float("nan"),
        "report": {"available": False, "message": "not available yet (no module)"},
    }  # fmt: skip
    text = run.render(summary)
    assert "NOT AVAILABLE: pip failed: no network" in text
    assert "Report build: not available yet (no module)." in text
    assert "| 1,000 | 2 | 900 | 1 | 2.000 |" in text
    assert ">= 30x the peer: peer not run or not available" in text
