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


def _cli_run(seconds: float, cpu: float, rss: float = 500.0, code: int = 0, **stages: float) -> dict:
    return {"seconds": seconds, "cpu_seconds": cpu, "peak_rss_mib": rss, "returncode": code, "cmd": "x",
            "stages": dict(stages)}  # fmt: skip


def test_cli_runs_summarised_by_their_medians() -> None:
    cli = _module("benchmarks.cli")
    runs = [_cli_run(4.0, 5.0, 700, tests=1.0), _cli_run(3.0, 6.0, 800, tests=3.0),
            _cli_run(5.0, 4.0, 750, tests=2.0)]  # fmt: skip
    row = cli.summarise_runs(runs)
    assert (row["n"], row["seconds"], row["seconds_min"], row["seconds_max"]) == (3, 4.0, 3.0, 5.0)
    assert row["cpu_seconds"] == 5.0
    assert row["peak_rss_mib"] == 800
    assert row["stages"] == {"tests": 2.0}
    assert row["returncode"] == 0
    assert cli.summarise_runs([*runs, _cli_run(1.0, 1.0, code=2)])["returncode"] == 2


def test_cli_paired_ratios_are_run_by_run() -> None:
    cli = _module("benchmarks.cli")
    ours = [_cli_run(4.0, 5.0), _cli_run(4.0, 5.0), _cli_run(6.0, 5.0)]
    # pair by pair 4/20, 4/25, 6/20 = 0.2, 0.16, 0.3: median 0.2 (their mean would be 0.22)
    theirs = [_cli_run(20.0, 20.0), _cli_run(25.0, 25.0), _cli_run(20.0, 40.0)]
    paired = cli.paired_ratios(ours, theirs)
    assert paired["n"] == 3
    assert paired["wall_ratio"] == pytest.approx(0.2, abs=1e-15)
    assert (paired["wall_ratio_min"], paired["wall_ratio_max"]) == (pytest.approx(0.16), pytest.approx(0.3))
    assert paired["cpu_ratio"] == pytest.approx(0.2)
    assert paired["speedup"] == pytest.approx(5.0)
    assert paired["met"] is True
    slower = cli.paired_ratios([_cli_run(4.2, 5.0)], [_cli_run(20.0, 20.0)])
    assert slower["met"] is False
    assert slower["speedup"] == pytest.approx(20 / 4.2)
    assert cli.paired_ratios([_cli_run(4.0, 5.0, code=1)], [_cli_run(20.0, 20.0)]) == {"n": 0}


def test_cli_render_gives_the_paired_verdict() -> None:
    cli = _module("benchmarks.cli")
    ours = [_cli_run(4.0, 5.0), _cli_run(4.4, 5.5)]
    theirs = [_cli_run(21.0, 21.0), _cli_run(20.0, 20.0)]
    summary = {
        "events": 50_000, "tickers": 1_000, "sessions": 1_250, "repeats": 2, "import_seconds": 0.4,
        "cli_import_seconds": 0.2, "help_seconds": 0.25,
        "ours": _cli_run(6.0, 7.0, 900, **{"read prices": 1.5}),
        "ours_warm": cli.summarise_runs(ours), "peer": cli.summarise_runs(theirs),
        "paired": cli.paired_ratios(ours, theirs),
    }  # fmt: skip
    text = cli.render_cli(summary)
    rows = text.splitlines()
    assert "| dealstudy study (Parquet cache) | 2 | 4.20 (4.00-4.40) | 5.25 | 500 | 0 | 4.9x | 3.9x |" in rows
    peer_row = "| eventstudy Multiple.from_list | 2 | 20.50 (20.00-21.00) | 20.50 | 500 | 0 | 1.0x | 1.0x |"
    assert peer_row in rows
    # pairs: 4.0/21.0 = 0.1905, 4.4/20.0 = 0.22 -> median 0.2052, 4.9x: not met
    assert "wall 0.205 (median; 0.190-0.220)" in text
    assert "4.9x the peer's speed" in text
    assert "Target >= 5x (wall ratio <= 0.20): NOT met." in text
    smaller = cli.render_cli(dict(summary, events=2_000))
    assert "Target >= 5x (wall ratio <= 0.20): not judged (the target is set on 50,000 events" in smaller
    no_peer = dict(summary, peer={"available": False, "error": "pip failed"}, paired={"n": 0})
    assert "Target >= 5x the peer's whole process: peer not run or not available." in cli.render_cli(no_peer)


def test_byte_compile_writes_the_bytecode_an_install_has(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = _module("benchmarks.cli")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")  # as on machines that never write it on import
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("X = 1\n", encoding="utf-8")
    assert cli.byte_compile(tmp_path / "pkg") is True
    assert [p.name.split(".")[0] for p in (tmp_path / "pkg" / "__pycache__").glob("*.pyc")] == ["mod"]
    (tmp_path / "pkg" / "bad.py").write_text("def (:\n", encoding="utf-8")
    assert cli.byte_compile(tmp_path / "pkg") is False
    assert cli.package_dir().name == "dealstudy"
