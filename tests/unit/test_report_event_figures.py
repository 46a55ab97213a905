"""The per-security AR/CAR chart of the deal pages: days -10..+10, the band, and a caption that explains
every number, on the synthetic sample and on engine output."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dealstudy.report.event_figures import _day0, _t975
from dealstudy.report.figures import render_event_figures
from dealstudy.study import EventStudy, StudySpec
from fixtures.report_sample import sample_report_data


def test_event_caption_explains_days_band_and_window() -> None:
    data = sample_report_data()
    ar = data.abnormal_returns.iloc[:21].copy()
    eid = str(ar["event_id"].iloc[0])
    ar.loc[ar["event_time"].isin([-8, -7]), ["ar", "var_cum_ar"]] = np.nan
    rest = data.abnormal_returns[data.abnormal_returns["event_id"] != eid]
    data = dataclasses.replace(data, abnormal_returns=pd.concat([ar.dropna(subset="ar"), rest]))
    figures = render_event_figures(data)
    caption = figures[eid][0].caption
    sigma = float(data.outcomes.set_index("event_id").loc[eid, "sigma"])
    for text in (
        "daily abnormal returns from day -10 to +10",
        "running sum from day -10",
        "days -10 to -9, -6) lie outside the study's event windows (widest -5 to +10)",
        f"238 degrees of freedom (≈{stats.t.ppf(0.975, 238):.2f})",
        "prediction-error variance σ²(L + s′(X′X)⁻¹s)",
        f"σ = {100 * sigma:.2f}%",
        "Blue shading: the -1:1 event window",
        "Crosses on the zero line (days -8 to -7)",
    ):
        assert text in caption, text
    other = next(k for k, v in figures.items() if v and k != eid)
    assert "Crosses" not in figures[other][0].caption  # no missing day there
    assert "<svg" in figures[eid][0].svg


def test_event_caption_states_the_approximation_without_engine_variance() -> None:
    data = sample_report_data()
    data = dataclasses.replace(
        data, abnormal_returns=data.abnormal_returns.drop(columns=["var_cum_ar", "in_window"])
    )
    caption = next(v for v in render_event_figures(data).values() if v)[0].caption
    assert "the approximation Lσ²" in caption
    assert "outside the study's event windows" not in caption


def test_engine_rows_draw_the_display_range(rng: np.random.Generator) -> None:
    """Engine output (default ar_range) gives a path over -10..+10 with the prediction-error band."""
    from dealstudy.report.series import event_path

    dates = pd.bdate_range("2020-01-01", periods=500)
    rm = rng.normal(0.0004, 0.01, dates.size)
    r = 1.2 * rm + rng.normal(0, 0.02, dates.size)
    prices = {
        "SPY": pd.Series(100 * np.cumprod(1 + rm), index=dates),
        "AAA": pd.Series(50 * np.cumprod(1 + r), index=dates),
    }
    res = EventStudy(StudySpec()).fit(
        pd.DataFrame({"event_id": ["a"], "ticker": ["AAA"], "day0": [dates[400]]}), prices
    )
    path = event_path(res.abnormal_returns, float(res.outcomes.loc[0, "sigma"]), dof=238.0)
    assert list(path["event_time"]) == list(range(-10, 11))
    assert path["ar"].notna().all()
    assert path.attrs["band"] == "prediction_error"
    assert (~path["in_window"]).sum() == 5


def test_event_caption_follows_a_residual_variance_study() -> None:
    data = sample_report_data()
    data = dataclasses.replace(data, settings=(*data.settings, ("CAR variance", "residual")))
    caption = next(v for v in render_event_figures(data).values() if v)[0].caption
    assert "its variance Lσ², as the reported CAR standard errors (residual variance" in caption
    assert "prediction-error" not in caption


@pytest.mark.parametrize(
    "value",
    [
        pd.Timestamp("2025-01-22"),
        pd.Timestamp("2025-01-22 09:30:00.000000001"),
        pd.Timestamp("2025-01-22").as_unit("s"),
        pd.Timestamp("2025-01-22", tz="America/New_York"),
        "2025-01-22",
        "not a date",
        pd.NaT,
        None,
        np.nan,
    ],
)
def test_day0_is_the_timestamp_its_text_parses_to(value: object) -> None:
    """A naive Timestamp is taken as it is: the same as parsing its text, which any other value still is."""
    stamp = pd.to_datetime(str(value), errors="coerce")
    want = None if pd.isna(stamp) else pd.Timestamp(stamp)
    got = _day0(value)
    assert (got is None) == (want is None)
    if want is not None:
        assert got == want
        assert str(got) == str(want)
        assert got.tzinfo == want.tzinfo


@pytest.mark.parametrize("dof", [1.0, 2.5, 30.0, 238.0, 1e6])
def test_caption_quantile_is_scipy_stats_t_to_the_bit(dof: float) -> None:
    assert _t975(dof) == float(stats.t.ppf(0.975, dof))
