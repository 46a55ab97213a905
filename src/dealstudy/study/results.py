"""The immutable result of an event study: outcomes, abnormal returns, CARs, aggregate tests."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from dealstudy.stats.panel import EventPanel
from dealstudy.study.spec import StudySpec
from dealstudy.study.summary import (
    Summary,
    TestValue,
    car_conf_int,
    group_tests,
    study_caar,
    study_summary,
)
from dealstudy.window import WindowLike

__all__ = [
    "AGGREGATE_COLUMNS",
    "AR_COLUMNS",
    "CAR_COLUMNS",
    "OUTCOME_COLUMNS",
    "StudyResults",
]

OUTCOME_COLUMNS: tuple[str, ...] = (
    "event_id",
    "ticker",
    "day0",
    "outcome",
    "reason",
    "estimation_obs",
    "alpha",
    "beta",
    "sigma",
    "r_squared",
)
AR_COLUMNS: tuple[str, ...] = ("event_id", "ticker", "event_time", "date", "return", "expected_return", "ar")
CAR_COLUMNS: tuple[str, ...] = (
    "event_id",
    "ticker",
    "window",
    "car",
    "bhar",
    "se",
    "t_stat",
    "p_value",
    "sq_p_value",
)
AGGREGATE_COLUMNS: tuple[str, ...] = ("group", "window", "n", "mean", "test", "stat", "p_value")


@dataclass(frozen=True, eq=False, repr=False)
class StudyResults:
    """Everything an event study produced; frozen.

    Attributes
    ----------
    spec : StudySpec
        The specification that produced it.
    outcomes : DataFrame
        One row per input event, in input order: ``event_id, ticker, day0, outcome, reason, estimation_obs,
        alpha, beta, sigma, r_squared``, then ``group, market, dof, estimation_excluded, overlaps, day0_rule``
        and, for multi-regressor models, ``beta_<regressor>`` columns. ``beta`` is the market beta (the
        ``mkt_rf`` loading for factor models, the first benchmark's for ``custom``; 1 for market-adjusted).
    abnormal_returns : DataFrame
        Ok events only: every day of the widest window (``in_window`` true) and every other day of the
        display range ``spec.ar_range`` that has an abnormal return (``in_window`` false; for charts only,
        no window, CAR or test uses them): ``event_id, ticker, event_time, date, return, expected_return, ar,
        var_ar, in_window, cum_ar, var_cum_ar``. ``var_ar`` is the AR's variance under the null
        (prediction-error or residual, as ``spec.variance``); ``cum_ar`` the running sum of the event's ARs
        from its first row, ``var_cum_ar`` its variance under the null
        (:func:`dealstudy.study.panel.display_variances`).
    cars : DataFrame
        Ok events only, every requested window: ``event_id, ticker, window, car, bhar, se, t_stat, p_value,
        sq_p_value, days, dof`` (window as ``"a:b"``; ``p_value`` two-sided from t with ``dof`` degrees of
        freedom; ``sq_p_value`` the Gelbach-Helland-Klick sample-quantile test).
    panel : EventPanel
        The ok events' abnormal returns on the relative-day axis, for the aggregate tests.
    panel_event_ids : tuple of str
        The event id of each panel row.
    series : DataFrame
        Computed on first use: the standardized and ranked series of the ok events over the event days
        (:attr:`series`).
    """

    spec: StudySpec
    outcomes: pd.DataFrame
    abnormal_returns: pd.DataFrame
    cars: pd.DataFrame
    panel: EventPanel
    panel_event_ids: tuple[str, ...]

    @cached_property
    def aggregate(self) -> pd.DataFrame:
        """Aggregate tests per group (and ``all``) for every single day of the widest window, then every
        requested window: ``group, window, n, mean, test, stat, p_value, reason``
        (:func:`dealstudy.stats.aggregate.aggregate_table`)."""
        from dealstudy.stats.aggregate import aggregate_table

        table = aggregate_table(self.panel)
        first = [c for c in (*AGGREGATE_COLUMNS, "reason") if c in table.columns]
        return table[first + [c for c in table.columns if c not in first]].reset_index(drop=True)

    @cached_property
    def series(self) -> pd.DataFrame:
        """Per ok event and event day (widest window): the standardized abnormal return, its rank in the
        event's ranking sample, the standardized rank and the median sign the rank and sign tests use:
        ``event_id, ticker, event_time, ar, sar, rank, rank_days, u, g``
        (:func:`dealstudy.study.series.event_series`)."""
        from dealstudy.study.series import event_series

        tickers = self.outcomes.drop_duplicates("event_id").set_index("event_id")["ticker"]
        return event_series(self.panel, self.panel_event_ids, tickers)

    @cached_property
    def n_ok(self) -> int:
        """Number of events with outcome ``ok``."""
        return int((self.outcomes["outcome"] == "ok").sum())

    @cached_property
    def excluded(self) -> pd.DataFrame:
        """The events that are not ``ok``, with their outcome and reason."""
        out = self.outcomes.loc[
            self.outcomes["outcome"] != "ok", ["event_id", "ticker", "day0", "outcome", "reason"]
        ]
        return out.reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """CARs joined with their events' outcomes and model fit (one row per ok event and window)."""
        extra = ["event_id", *(c for c in self.outcomes.columns if c not in self.cars.columns)]
        return self.cars.merge(self.outcomes[extra], on="event_id", how="left")

    def summary(self) -> Summary:
        """The specification, outcomes, mean CAR per window and the tests of ``spec.main`` (all events): a
        :class:`~dealstudy.study.summary.Summary` (``print`` it, or ``as_text()`` / ``as_html()``)."""
        return study_summary(self)

    def tests(self, window: WindowLike | None = None, value: TestValue = "stat") -> pd.DataFrame:
        """Aggregate tests of ``window`` (default ``spec.main``): tests x groups (``all`` first), cells
        ``value`` (``"stat"``, ``"pvalue"``, ``"nobs"`` or ``"mean"``)."""
        return group_tests(self, window, value)

    def caar(self, window: WindowLike | None = None, confidence: float = 0.95) -> pd.DataFrame:
        """CAAR path over the days of ``window`` (default ``spec.main``) for all ok events and each group,
        with a cross-sectional confidence band: ``group, event_time, caar, lower, upper, n``."""
        return study_caar(self, window, confidence)

    def conf_int(self, alpha: float = 0.05, window: WindowLike | None = None) -> pd.DataFrame:
        """Confidence interval (level ``1 - alpha``) of each ok event's CAR, every window or ``window``."""
        return car_conf_int(self, alpha, window)

    def __repr__(self) -> str:
        spec = self.spec
        windows = ", ".join(str(w) for w in spec.windows)
        return (
            f"<StudyResults {spec.model} model: {len(self.outcomes)} events, {self.n_ok} ok; "
            f"windows {windows}; main {spec.main}>"
        )

    def _repr_html_(self) -> str:
        return self.summary().as_html()
