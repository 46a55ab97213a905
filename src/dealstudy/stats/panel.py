"""The engine's hand-off to the test statistics: abnormal returns of many events on one relative-day axis.

The study engine (``dealstudy.study``) fills an :class:`EventPanel`; every aggregate test in
``dealstudy.stats`` is a function ``test(panel, window) -> TestResult``. Keeping this contract small and
array-based lets the tests be checked by hand on tiny panels, and keeps them independent of how the
expected-return model was estimated.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dealstudy.window import Window

__all__ = ["EventPanel", "TestResult"]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class TestResult:
    """One test statistic.

    ``stat`` and ``pvalue`` are NaN when the test cannot be computed (too few events, zero variance ...);
    ``reason`` then says why. p-values are two-sided unless ``alternative`` says otherwise. ``nobs`` is
    the number of events (or observations) behind the statistic (``n`` in the result tables).
    """

    name: str
    stat: float
    pvalue: float
    nobs: int
    mean: float = float("nan")  # the average abnormal return (or CAR) the test is about
    reason: str = ""
    null: str = "mean abnormal return is zero"
    alternative: str = "two-sided"
    distribution: str = ""  # e.g. "N(0,1)", "t(n-1)", "binomial"

    @property
    def n(self) -> int:
        """``nobs`` under the name of the result tables' column."""
        return self.nobs

    @property
    def valid(self) -> bool:
        return bool(np.isfinite(self.stat) and np.isfinite(self.pvalue))


@dataclass(frozen=True)
class EventPanel:
    """Abnormal returns of ``N`` events on a common axis of ``K`` relative days.

    The axis runs from the first estimation day to the last day of the widest event window. Days between the
    two (the gap) are on the axis but are neither estimation nor event days.

    Attributes
    ----------
    rel_days : (K,) int
        Relative trading days, ascending and consecutive.
    ar : (N, K) float
        Estimation residuals on estimation days, abnormal returns on event days, NaN where missing or excluded
        (e.g. an estimation day inside another event window of the same ticker).
    var_ar : (N, K) float
        Variance of each AR under the null. Estimation days: ``sigma**2``. Event days:
        ``sigma**2 * c_t`` where ``c_t`` is the prediction-error factor ``1 + x_t' (X'X)^{-1} x_t`` for
        regression models (Campbell, Lo and MacKinlay 1997, eq. 4.4.7) or 1 when plain residual variance
        is used.
    sigma : (N,) float
        Residual standard deviation with degrees-of-freedom correction ``sqrt(SSR / (nobs - k))``.
    nobs : (N,) int
        Estimation-window observations actually used.
    dof : (N,) int
        Residual degrees of freedom ``nobs - k`` (k = number of estimated parameters; 0 for market-adjusted).
    is_estimation, is_event : (K,) bool
        Which axis days are estimation days and which are event days (widest window).
    windows : tuple of (int, int)
        Event windows, inclusive, each within the event days: every single day ``(k, k)`` of the widest
        window first, then the requested multi-day windows (the engine builds it that way).
    car_var : (N, W) float
        Variance of each event's CAR over each window under the null, including the covariance of prediction
        errors across days of the window (``sigma**2 * (L + 1' X_w (X'X)^{-1} X_w' 1)`` for OLS models).
    groups : (N,) object
        Group label of each event (``"all"`` when ungrouped).
    """

    rel_days: IntArray
    ar: FloatArray
    var_ar: FloatArray
    sigma: FloatArray
    nobs: IntArray
    dof: IntArray
    is_estimation: BoolArray
    is_event: BoolArray
    windows: tuple[tuple[int, int], ...]
    car_var: FloatArray
    groups: NDArray[np.object_]

    def __post_init__(self) -> None:
        object.__setattr__(self, "windows", tuple(Window.of(w) for w in self.windows))  # pairs -> Window
        n, k = self.ar.shape
        if self.var_ar.shape != (n, k) or self.rel_days.shape != (k,):
            raise ValueError("EventPanel: ar, var_ar and rel_days disagree in shape")
        if self.car_var.shape != (n, len(self.windows)):
            raise ValueError("EventPanel: car_var must be (N, number of windows)")

    @property
    def n_events(self) -> int:
        return int(self.ar.shape[0])

    def day_index(self, day: int) -> int:
        """Column of relative day ``day`` on the axis."""
        idx = int(day - self.rel_days[0])
        if not 0 <= idx < self.rel_days.size:
            raise KeyError(f"relative day {day} is not on the panel's axis")
        return idx

    def window_columns(self, window: tuple[int, int]) -> slice:
        """Columns of the event days ``window[0]..window[1]`` (inclusive)."""
        return slice(self.day_index(window[0]), self.day_index(window[1]) + 1)

    def window_position(self, window: tuple[int, int]) -> int:
        """Index of ``window`` in :attr:`windows` (single days ``(k, k)`` are always available)."""
        return self.windows.index(window)

    def subset(self, mask: BoolArray) -> EventPanel:
        """The panel restricted to the events where ``mask`` is true (for per-group tests)."""
        return EventPanel(
            rel_days=self.rel_days,
            ar=self.ar[mask],
            var_ar=_take_rows(self.var_ar, mask),
            sigma=self.sigma[mask],
            nobs=self.nobs[mask],
            dof=self.dof[mask],
            is_estimation=self.is_estimation,
            is_event=self.is_event,
            windows=self.windows,
            car_var=self.car_var[mask],
            groups=self.groups[mask],
        )


def _take_rows(x: FloatArray, mask: BoolArray) -> FloatArray:
    """``x[mask]``; an (N, K) array that repeats one row (row stride 0, as ``np.broadcast_to``) stays a
    read-only view of that row instead of being copied."""
    if x.ndim == 2 and x.strides[0] == 0:
        shape = (int(np.count_nonzero(mask)), x.shape[1])
        return np.lib.stride_tricks.as_strided(x, shape=shape, writeable=False)
    return x[mask]
