"""What a notebook shows of a study: the :class:`Summary` (text and HTML) and the per-window views of
:class:`~dealstudy.study.results.StudyResults` (tests by group, CAAR paths, confidence intervals of CARs).

Pure computation on the study's tables.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from dealstudy.study.caar import caar_bands
from dealstudy.window import Window, WindowLike

if TYPE_CHECKING:
    from dealstudy.study.results import StudyResults

__all__ = ["Summary", "TestValue", "car_conf_int", "group_tests", "study_caar", "study_summary"]

#: What :func:`group_tests` tabulates.
TestValue = Literal["stat", "pvalue", "nobs", "mean"]
_AGGREGATE_COLUMN = {"stat": "stat", "pvalue": "p_value", "nobs": "n", "mean": "mean"}


@dataclass(frozen=True)
class Summary:
    """A study's summary: the specification, outcomes, mean CAR per window and the main window's tests.

    ``str(summary)`` and :meth:`as_text` give the plain text, :meth:`as_html` (and ``_repr_html_``, which
    notebooks display) the same as HTML tables.
    """

    header: tuple[str, ...]
    excluded: tuple[tuple[str, int], ...]
    windows: pd.DataFrame
    main_window: Window
    tests: pd.DataFrame

    def as_text(self) -> str:
        lines = ["Event study", "===========", *self.header]
        lines += [f"  excluded {code}: {count}" for code, count in self.excluded]
        if len(self.windows):
            lines.append("")
            lines.append(f"{'window':>8} {'n':>5} {'mean CAR':>10} {'mean BHAR':>10} {'median CAR':>11}")
            for row in self.windows.itertuples(index=False):
                lines.append(
                    f"{row.window:>8} {row.n:>5} {row.mean_car:>10.4f} "
                    f"{row.mean_bhar:>10.4f} {row.median_car:>11.4f}"
                )
            if len(self.tests):
                lines.append("")
                lines.append(f"aggregate tests, window {self.main_window} (all events)")
                for test in self.tests.itertuples(index=False):
                    lines.append(f"  {test.test:<18} stat {_fmt(test.stat):>9}  p {_fmt(test.pvalue):>7}")
        return "\n".join(lines)

    def as_html(self) -> str:
        parts = ["<div class='dealstudy-summary'><h4>Event study</h4><p>"]
        parts.append("<br>".join(html.escape(line) for line in self.header))
        parts += [f"<br>excluded {html.escape(code)}: {count}" for code, count in self.excluded]
        parts.append("</p>")
        if len(self.windows):
            parts.append(self.windows.to_html(index=False, float_format=lambda v: f"{v:.4f}", border=0))
        if len(self.tests):
            parts.append(f"<p>aggregate tests, window {self.main_window} (all events)</p>")
            parts.append(self.tests.to_html(index=False, float_format=lambda v: f"{v:.3f}", border=0))
        parts.append("</div>")
        return "".join(parts)

    def __str__(self) -> str:
        return self.as_text()

    def __repr__(self) -> str:
        return self.as_text()

    def _repr_html_(self) -> str:
        return self.as_html()


def study_summary(results: StudyResults) -> Summary:
    """The :class:`Summary` of a study; its tests are those of ``spec.main`` for all events."""
    spec = results.spec
    header = (
        f"model: {spec.model}{' (Scholes-Williams beta)' if spec.scholes_williams else ''}   "
        f"returns: {spec.returns}   "
        f"estimation: {spec.estimation} (min {spec.min_obs} obs)",
        f"variance: {spec.variance}   sigma: {'SSR/(nobs-k)' if spec.sigma_ddof == 'model' else 'SSR/nobs'}",
        f"events: {len(results.outcomes)}   ok: {results.n_ok}",
    )
    counts = results.outcomes["outcome"].value_counts()
    excluded = tuple((str(code), int(count)) for code, count in counts.items() if code != "ok")
    rows = []
    tests = pd.DataFrame(columns=["test", "stat", "pvalue"])
    if results.n_ok:
        for w in spec.windows:
            sub = results.cars[results.cars["window"] == str(w)]
            rows.append(
                {
                    "window": str(w),
                    "n": len(sub),
                    "mean_car": sub["car"].mean(),
                    "mean_bhar": sub["bhar"].mean(),
                    "median_car": sub["car"].median(),
                }
            )
        agg = results.aggregate
        sel = agg[(agg["group"] == "all") & (agg["window"].astype(str) == str(spec.main))]
        tests = sel[["test", "stat", "p_value"]].rename(columns={"p_value": "pvalue"}).reset_index(drop=True)
    columns = ["window", "n", "mean_car", "mean_bhar", "median_car"]
    return Summary(header, excluded, pd.DataFrame(rows, columns=columns), spec.main, tests)


def _window(results: StudyResults, window: WindowLike | None) -> Window:
    return results.spec.main if window is None else Window.of(window)


def group_tests(
    results: StudyResults, window: WindowLike | None = None, value: TestValue = "stat"
) -> pd.DataFrame:
    """The aggregate tests of ``window`` (default ``spec.main``): one row per test, one column per group
    (``all`` first), cells ``value`` (``stat``, ``pvalue``, ``nobs`` or ``mean``)."""
    if value not in _AGGREGATE_COLUMN:
        raise ValueError(f"value {value!r}: choose one of {', '.join(_AGGREGATE_COLUMN)}")
    w = _window(results, window)
    agg = results.aggregate
    sel = agg[agg["window"].astype(str) == str(w)]
    table = sel.pivot_table(
        index="test", columns="group", values=_AGGREGATE_COLUMN[value], aggfunc="first", dropna=False
    )
    groups = ["all", *sorted(g for g in table.columns if g != "all")]
    order = list(dict.fromkeys(sel["test"]))
    out: pd.DataFrame = table.reindex(index=order, columns=[g for g in groups if g in table.columns])
    out.columns.name, out.index.name = "group", "test"
    return out


def study_caar(
    results: StudyResults, window: WindowLike | None = None, confidence: float = 0.95
) -> pd.DataFrame:
    """CAAR path over the days of ``window`` (default ``spec.main``) for all ok events (group ``all``) and
    each group, with the cross-sectional band (:func:`dealstudy.study.caar.caar_bands`)."""
    w = _window(results, window)
    ok = results.outcomes[results.outcomes["outcome"] == "ok"]
    ids = ok["event_id"].astype(str)
    everyone = caar_bands(results.abnormal_returns, dict.fromkeys(ids, "all"), days=w, confidence=confidence)
    groups = ok["group"].astype(str) if "group" in ok.columns else pd.Series([], dtype=str)
    by_group = caar_bands(
        results.abnormal_returns, dict(zip(ids, groups, strict=False)), days=w, confidence=confidence
    )
    by_group = by_group[by_group["group"] != "all"]
    return pd.concat([everyone, by_group], ignore_index=True)


def car_conf_int(
    results: StudyResults, alpha: float = 0.05, window: WindowLike | None = None
) -> pd.DataFrame:
    """Two-sided ``1 - alpha`` confidence interval of each ok event's CAR: ``CAR -/+ t(dof) se`` (the
    variance of the study's ``spec.variance``); every window, or only ``window``. Columns
    ``event_id, ticker, window, car, se, dof, lower, upper``."""
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    cars = results.cars
    if window is not None:
        cars = cars[cars["window"] == str(Window.of(window))]
    from scipy import stats  # imported where used: 0.5 s that a plain study does not need

    out = cars[["event_id", "ticker", "window", "car", "se", "dof"]].reset_index(drop=True)
    half = stats.t.ppf(1.0 - alpha / 2.0, out["dof"].to_numpy(dtype=float)) * out["se"].to_numpy(dtype=float)
    out["lower"] = out["car"].to_numpy(dtype=float) - half
    out["upper"] = out["car"].to_numpy(dtype=float) + half
    return out


def _fmt(value: object) -> str:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)
    return "nan" if not np.isfinite(number) else f"{number:.3f}"
