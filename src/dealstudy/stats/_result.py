"""Building :class:`TestResult` values: p-values from a reference distribution, NaN with a reason.

Tail areas use the scipy.special ufuncs behind ``scipy.stats.norm.sf`` and ``scipy.stats.t.sf``
(``ndtr``, ``stdtr``): the same numbers without the distribution objects' per-call overhead.
"""

from __future__ import annotations

import math

from scipy import special

from dealstudy.stats.panel import TestResult

NORMAL = "N(0,1)"


def invalid(name: str, n: int, mean: float, reason: str, distribution: str = "") -> TestResult:
    """A test that cannot be computed: NaN statistic and p-value, with the reason."""
    return TestResult(name, math.nan, math.nan, n, mean, reason, distribution=distribution)


def normal_result(name: str, stat: float, n: int, mean: float) -> TestResult:
    """Two-sided p-value from the standard normal distribution."""
    if not math.isfinite(stat):
        return invalid(name, n, mean, "statistic is not finite", NORMAL)
    return TestResult(name, stat, float(2.0 * special.ndtr(-abs(stat))), n, mean, distribution=NORMAL)


def t_result(name: str, stat: float, df: float, n: int, mean: float) -> TestResult:
    """Two-sided p-value from Student's t with ``df`` degrees of freedom."""
    dist = f"t({df:g})"
    if not df >= 1:
        return invalid(name, n, mean, f"{df:g} degrees of freedom", dist)
    if not math.isfinite(stat):
        return invalid(name, n, mean, "statistic is not finite", dist)
    return TestResult(name, stat, float(2.0 * special.stdtr(df, -abs(stat))), n, mean, distribution=dist)
