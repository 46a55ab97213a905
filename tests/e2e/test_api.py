"""The notebook-facing API: the module docstring's ad-hoc example runs offline on the shared snapshot."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy import api

pytestmark = pytest.mark.shared


def test_ad_hoc_study_through_the_api(prices_dir: Path, tmp_path: Path) -> None:
    events_csv = tmp_path / "events.csv"
    events_csv.write_text(
        "event_id,ticker,date,timing\namd-openai,AMD,2025-10-06,pre_market\norcl-q1,ORCL,2025-09-09,after_close\n",
        encoding="utf-8",
    )
    sources = api.open_sources(prices=prices_dir)
    events = api.read_events_csv(events_csv)
    study = api.run_study(events, sources, api.StudySpec(model="market", windows=("0:0", "-1:1")))

    outcomes = study.outcomes.set_index("event_id")
    assert list(outcomes["outcome"]) == ["ok", "ok"]
    # The after-close Oracle release (Tuesday 2025-09-09) is day 0 on Wednesday 2025-09-10.
    assert pd.Timestamp(outcomes.loc["orcl-q1", "day0"]) == pd.Timestamp("2025-09-10")

    # Day-0 AR of AMD = raw return minus (alpha + beta * SPY return), from the snapshot itself.
    ar = study.abnormal_returns.set_index(["event_id", "event_time"])
    amd = pd.read_csv(prices_dir / "AMD.csv", index_col="date", parse_dates=True)["adj_close"]
    spy = pd.read_csv(prices_dir / "SPY.csv", index_col="date", parse_dates=True)["adj_close"]
    raw = amd.pct_change().loc["2025-10-06"]
    market = spy.pct_change().loc["2025-10-06"]
    alpha, beta = outcomes.loc["amd-openai", ["alpha", "beta"]]
    assert ar.loc[("amd-openai", 0), "return"] == pytest.approx(raw, rel=1e-10)
    assert ar.loc[("amd-openai", 0), "ar"] == pytest.approx(raw - alpha - beta * market, rel=1e-10)
    assert np.isclose(raw, 0.2371, atol=5e-4)  # +23.71% per the snapshot's provenance note

    cars = study.cars.set_index(["event_id", "window"])
    assert cars.loc[("amd-openai", "0:0"), "car"] == pytest.approx(ar.loc[("amd-openai", 0), "ar"], rel=1e-12)
    assert set(study.aggregate["window"]) >= {"0:0", "-1:1"}


def test_api_exports_the_documented_names() -> None:
    for name in api.__all__:
        assert hasattr(api, name), name


def test_analyze_summary_reports_the_requested_window(prices_dir: Path) -> None:
    """``api.analyze(window=...)``: the study's summary shows the tests of that window, not of the first
    default window (0:0); the numbers are those of the aggregate table for that window."""
    sources = api.open_sources(prices=prices_dir)
    results = api.analyze("events", sources, window="-1:1", models=(), bootstrap_reps=0)
    assert results.study.spec.main == (-1, 1)
    text = results.study.summary().as_text()
    assert "aggregate tests, window -1:1 (all events)" in text
    assert "window 0:0" not in text
    agg = results.study.aggregate
    row = agg[(agg["group"] == "all") & (agg["window"] == "-1:1") & (agg["test"] == "patell")].iloc[0]
    line = next(x for x in text.splitlines() if x.strip().startswith("patell "))
    assert f"{row['stat']:.3f}" in line
    assert f"{row['p_value']:.3f}" in line


def test_analysis_results_repr_is_one_line(prices_dir: Path) -> None:
    sources = api.open_sources(prices=prices_dir)
    results = api.analyze("events", sources, window="0:1", models=(), bootstrap_reps=0)
    text = repr(results)
    assert "\n" not in text
    deals, events, ok = len(results.catalog.deals), len(results.events), results.study.n_ok
    assert text == f"<AnalysisResults {deals} deals, {events} events, {ok} ok; study market, window 0:1>"
    page = results._repr_html_()
    assert page.startswith("<pre>")
    assert "aggregate tests, window 0:1 (all events)" in page
