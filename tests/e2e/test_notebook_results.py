"""What a notebook gets: package-level names (imported lazily), ``python -m dealstudy``, and the study
results' one-line repr, HTML summary, tests x groups, CAAR paths and confidence intervals, checked against
the study's own tables and hand-computed values (seeded synthetic panel, market model)."""

from __future__ import annotations

import math
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import dealstudy
from dealstudy.stats import brown_warner_1980, patell
from dealstudy.study import StudyResults


def _panel(rng: np.random.Generator, n_tickers: int = 12) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    dates = pd.bdate_range("2022-01-03", periods=420)
    market = 100 * np.exp(np.cumsum(rng.normal(0.0003, 0.01, dates.size)))
    prices = {"MKT": pd.Series(market, index=dates)}
    events = []
    for i in range(n_tickers):
        shocks = rng.normal(0.0, 0.015, dates.size) + 1.1 * np.diff(np.log(market), prepend=np.log(market[0]))
        day0 = 300 + 3 * i
        shocks[day0] += 0.03  # an effect on day 0
        prices[f"T{i}"] = pd.Series(100 * np.exp(np.cumsum(shocks)), index=dates)
        group = "a" if i % 2 else "b"
        events.append({"event_id": f"e{i}", "ticker": f"T{i}", "day0": dates[day0], "group": group})
    events.append({"event_id": "missing", "ticker": "NOPE", "day0": dates[300], "group": "a"})
    return pd.DataFrame(events), prices


@pytest.fixture(scope="module")
def results() -> StudyResults:
    events, prices = _panel(np.random.default_rng(20261204))
    spec = dealstudy.StudySpec(market="MKT", windows=("0:0", "-1:1", "0:5"), main_window="-1:1")
    return dealstudy.EventStudy(spec).fit(events, prices)


def test_package_names_are_lazy_and_resolve() -> None:
    code = (
        "import sys, dealstudy\n"
        "print(sorted(m for m in ('pandas', 'scipy', 'dealstudy.study.engine') if m in sys.modules))\n"
        "from dealstudy import EventStudy, StudySpec, load_catalog, analyze, build_report, Window\n"
        "print(EventStudy.__module__, analyze.__module__, build_report.__module__, load_catalog.__module__)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lazy, modules = done.stdout.splitlines()
    assert lazy == "[]"
    assert modules.split() == [
        "dealstudy.study.engine",
        "dealstudy.pipeline.analyze",
        "dealstudy.pipeline.report",
        "dealstudy.catalog.catalog",
    ]
    with pytest.raises(AttributeError, match="NotAName"):
        dealstudy.NotAName  # type: ignore[attr-defined]  # noqa: B018


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "dealstudy", "--version"], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == f"dealstudy {dealstudy.__version__}"


def test_repr_is_one_line(results: StudyResults) -> None:
    text = repr(results)
    assert "\n" not in text
    assert text == "<StudyResults market model: 13 events, 12 ok; windows 0:0, -1:1, 0:5; main -1:1>"


def test_summary_object_text_and_html(results: StudyResults) -> None:
    summary = results.summary()
    text = summary.as_text()
    assert str(summary) == text
    assert "aggregate tests, window -1:1 (all events)" in text
    assert "excluded no_prices: 1" in text
    p = patell(results.panel, (-1, 1))
    assert f"patell             stat {p.stat:>9.3f}  p {p.pvalue:>7.3f}" in text
    page = results._repr_html_()
    assert page == summary.as_html()
    assert page.startswith("<div")
    assert "<table" in page
    assert f"{p.stat:.3f}" in page
    mean_car = results.cars.loc[results.cars["window"] == "0:5", "car"].mean()
    assert f"{mean_car:.4f}" in page


def test_tests_frame_is_tests_by_groups(results: StudyResults) -> None:
    table = results.tests()  # the main window, -1:1
    assert list(table.columns) == ["all", "a", "b"]
    assert table.index[0] == "t_test"
    assert len(table) == 12
    assert table.loc["brown_warner_1980", "all"] == pytest.approx(
        brown_warner_1980(results.panel, (-1, 1)).stat, rel=1e-12
    )
    group_a = results.panel.subset(results.panel.groups == "a")
    assert table.loc["patell", "a"] == pytest.approx(patell(group_a, (-1, 1)).stat, rel=1e-12)
    pvalues = results.tests("0:0", value="pvalue")
    assert pvalues.loc["patell", "b"] == pytest.approx(
        patell(results.panel.subset(results.panel.groups == "b"), (0, 0)).pvalue, rel=1e-12
    )
    assert set(results.tests((0, 5), value="nobs").loc["sign"]) == {12, 6}
    with pytest.raises(ValueError, match="value 'p'"):
        results.tests(value="p")  # type: ignore[arg-type]


def test_caar_path_matches_hand_computation(results: StudyResults) -> None:
    caar = results.caar("-1:1")
    assert list(caar.columns) == ["group", "event_time", "caar", "lower", "upper", "n"]
    assert list(dict.fromkeys(caar["group"])) == ["all", "a", "b"]
    ar = results.abnormal_returns
    wide = ar[ar["event_time"].between(-1, 1)].pivot_table(
        index="event_id", columns="event_time", values="ar"
    )
    paths = wide.to_numpy().cumsum(axis=1)
    everyone = caar[caar["group"] == "all"]
    np.testing.assert_allclose(everyone["caar"], paths.mean(axis=0), rtol=1e-12)
    half = stats.t.ppf(0.975, 11) * paths.std(axis=0, ddof=1) / math.sqrt(12)
    np.testing.assert_allclose(everyone["upper"], paths.mean(axis=0) + half, rtol=1e-12)
    assert set(caar.loc[caar["group"] == "a", "n"]) == {6}


def test_conf_int_is_car_plus_minus_t_se(results: StudyResults) -> None:
    ci = results.conf_int(0.10, window="0:5")
    cars = results.cars[results.cars["window"] == "0:5"].reset_index(drop=True)
    assert len(ci) == 12
    q = stats.t.ppf(0.95, cars["dof"].to_numpy(dtype=float))
    np.testing.assert_allclose(ci["lower"], cars["car"] - q * cars["se"], rtol=1e-12)
    np.testing.assert_allclose(ci["upper"], cars["car"] + q * cars["se"], rtol=1e-12)
    # a 90% interval excludes zero exactly when the two-sided p-value is below 0.10
    excludes = (ci["lower"] > 0) | (ci["upper"] < 0)
    assert (excludes == (cars["p_value"] < 0.10)).all()
    assert len(results.conf_int()) == len(results.cars)
    with pytest.raises(ValueError, match="alpha"):
        results.conf_int(1.5)
