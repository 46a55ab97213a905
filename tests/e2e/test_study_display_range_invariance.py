"""The display range on the shipped catalog and the shared price snapshot: abnormal returns on -10..+10
for the charts change nothing the analysis reports (outcomes, CARs, aggregate tests, deal values)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from dealstudy.data import open_sources
from dealstudy.pipeline.analyze import analyze
from dealstudy.study import StudySpec

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.shared
def test_display_range_leaves_the_analysis_unchanged(prices_dir: Path) -> None:
    sources = open_sources(prices=prices_dir)
    spec = StudySpec()
    runs = {
        ar_range: analyze(
            REPO / "events", sources, StudySpec(ar_range=ar_range), models=(), bootstrap_reps=99
        )
        for ar_range in ((-10, 10), spec.widest_window)
    }
    wide, base = runs[(-10, 10)], runs[spec.widest_window]
    pd.testing.assert_frame_equal(wide.study.outcomes, base.study.outcomes)
    pd.testing.assert_frame_equal(wide.study.cars, base.study.cars)
    pd.testing.assert_frame_equal(wide.study.aggregate, base.study.aggregate)
    pd.testing.assert_frame_equal(wide.economy.deal_values(), base.economy.deal_values())
    pd.testing.assert_frame_equal(wide.economy.valuations, base.economy.valuations)
    pd.testing.assert_frame_equal(wide.economy.regressions_frame(), base.economy.regressions_frame())
    # the extra rows are the display days only, and every ok event has some
    ars = wide.study.abnormal_returns
    columns = ["event_id", "ticker", "event_time", "date", "return", "expected_return", "ar", "var_ar"]
    inside = ars.loc[ars["in_window"], columns].reset_index(drop=True)
    pd.testing.assert_frame_equal(inside, base.study.abnormal_returns[columns])
    outside = ars.loc[~ars["in_window"], "event_time"]
    assert outside.between(-10, -6).all()
    assert set(ars.loc[~ars["in_window"], "event_id"]) == set(base.study.abnormal_returns["event_id"])
