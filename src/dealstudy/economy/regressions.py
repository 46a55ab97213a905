"""OLS with robust covariance and the Wald test of equal slopes.

The cross-sectional layer fits a handful of regressions on a few dozen deals, so statsmodels is used for the
fits and their summaries; the bootstrap and leave-one-out refits (:mod:`dealstudy.economy.resampling`) use
closed-form least squares.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from statsmodels.regression.linear_model import OLS

__all__ = [
    "CovType",
    "RegressionResult",
    "WaldTest",
    "fit_ols",
    "wald_equal",
]

#: Covariance estimator of the coefficient standard errors.
CovType = Literal["HC3", "HC1", "cluster", "nonrobust"]

NAN = float("nan")


@dataclass(frozen=True)
class RegressionResult:
    """One fitted cross-sectional regression (statsmodels vocabulary).

    ``params``, ``bse``, ``tvalues`` and ``pvalues`` are Series indexed by term (``const`` first). When the
    model could not be fitted (too few observations) they are empty and ``reason`` says why.
    """

    name: str
    dependent: str
    params: pd.Series
    bse: pd.Series
    tvalues: pd.Series
    pvalues: pd.Series
    nobs: int
    rsquared: float
    cov_type: str
    labels: tuple[str, ...] = ()
    dropped_terms: tuple[str, ...] = ()
    reason: str = ""
    y: pd.Series = field(default_factory=lambda: pd.Series(dtype=float), repr=False)
    X: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)
    clusters: pd.Series | None = field(default=None, repr=False)
    fit: object | None = field(default=None, repr=False, compare=False)  # the statsmodels results

    @property
    def fitted(self) -> bool:
        return not self.reason

    @cached_property
    def summary_text(self) -> str:
        """statsmodels' summary table (empty when not fitted)."""
        if self.fit is None:
            return ""
        title = f"{self.name}: {self.dependent} (cov: {self.cov_type}, N={self.nobs})"
        return _summary_text(self.fit, title)

    def to_frame(self) -> pd.DataFrame:
        """``model, term, coef, se, t, p, n, r2`` (one row per term; one row of NaN when not fitted)."""
        if not self.fitted:
            return pd.DataFrame(
                [
                    {
                        "model": self.name,
                        "term": "",
                        "coef": NAN,
                        "se": NAN,
                        "t": NAN,
                        "p": NAN,
                        "n": self.nobs,
                        "r2": NAN,
                    }
                ]
            )
        return pd.DataFrame(
            {
                "model": self.name,
                "term": list(self.params.index),
                "coef": self.params.to_numpy(),
                "se": self.bse.to_numpy(),
                "t": self.tvalues.to_numpy(),
                "p": self.pvalues.to_numpy(),
                "n": self.nobs,
                "r2": self.rsquared,
            }
        )


@dataclass(frozen=True)
class WaldTest:
    """A Wald test of linear restrictions on one regression's coefficients."""

    name: str
    stat: float
    pvalue: float
    df_num: int
    df_denom: float
    distribution: str
    null: str
    reason: str = ""

    @property
    def valid(self) -> bool:
        return math.isfinite(self.stat) and math.isfinite(self.pvalue)


def _singles_out_one(values: NDArray[np.float64]) -> bool:
    """An indicator (0/1) with exactly one 1 or exactly one 0: it fits that observation exactly."""
    if not np.isin(values, (0.0, 1.0)).all():
        return False
    ones = int(values.sum())
    return min(ones, values.size - ones) == 1


def _full_rank_columns(X: pd.DataFrame, keep: Sequence[str]) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """Drop constant dummies, dummies that single out one observation, then, from the right, columns that
    make the design rank deficient (never ``const`` or ``keep``).

    An indicator equal to 1 (or 0) for a single observation gives it leverage 1: its coefficient absorbs
    that observation, which then says nothing about the other slopes and makes HC3 undefined. It is dropped
    like a constant one (the observation joins the baseline), as small levels are pooled into ``other``.
    """
    values = X.to_numpy(dtype=float)
    position = {name: i for i, name in enumerate(X.columns)}
    dropped: list[str] = []
    columns = list(X.columns)
    for name in list(columns):
        if name == "const" or name in keep:
            continue
        column = values[:, position[name]]
        if column.size == 0 or np.ptp(column) == 0 or _singles_out_one(column):
            columns.remove(name)
            dropped.append(name)
    if not np.isfinite(values[:, [position[c] for c in columns]]).all():
        return X[columns], tuple(dropped)  # reported as not estimable by the caller
    while columns and len(X):
        if np.linalg.matrix_rank(values[:, [position[c] for c in columns]]) == len(columns):
            break
        removable = [c for c in columns if c != "const" and c not in keep]
        if not removable:
            break
        columns.remove(removable[-1])
        dropped.append(removable[-1])
    return X[columns], tuple(dropped)


def _summary_text(result: object, title: str) -> str:
    # statsmodels' summary runs normality tests that warn for small samples (scipy's kurtosistest wants
    # n >= 20); those diagnostics are informative text only, so their warnings are silenced here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        summary = result.summary(title=title)  # type: ignore[attr-defined]
    # The run's date and time would make the written summaries differ between identical runs: blank them.
    for row in summary.tables[0]:
        if row[0].data.strip() in ("Date:", "Time:"):
            row[1].data = ""
    return str(summary.as_text())


#: Leverage treated as 1 (the fit passes through the observation): HC3 divides by (1 - h)^2.
_LEVERAGE_ONE = 1.0 - 1e-8


def _not_estimable(
    y: pd.Series,
    design: pd.DataFrame,
    cov_type: CovType,
    clusters: pd.Series | None,
    labels: Sequence[str],
) -> str:
    """Why the regression cannot be estimated with ``cov_type`` (empty when it can).

    Checked in order: too few observations, non-finite values, a kept regressor that is constant or
    collinear (its slope is not identified), fewer than two clusters, and (HC3) an observation with
    leverage 1, whose weight :math:`1/(1-h_{ii})^2` is undefined.
    """
    n, k = design.shape
    if n <= k:
        return f"not estimable: N = {n} observation(s) for {k} coefficient(s)"
    values = design.to_numpy(dtype=float)
    bad = [str(c) for c, ok in zip(design.columns, np.isfinite(values).all(axis=0), strict=True) if not ok]
    if not np.isfinite(y.to_numpy(dtype=float)).all():
        bad.insert(0, str(y.name or "y"))
    if bad:
        return f"not estimable: non-finite values in {', '.join(bad)} (N = {n})"
    if np.linalg.matrix_rank(values) < k:
        constant = [str(c) for c in design.columns if c != "const" and np.ptp(design[c].to_numpy(float)) == 0]
        if constant:
            return f"not estimable: {', '.join(constant)} constant over the N = {n} observations"
        others = [str(c) for c in design.columns if c != "const"]
        return f"not estimable: {', '.join(others)} collinear over the N = {n} observations"
    if cov_type == "cluster":
        if clusters is None:
            raise ValueError("cov_type='cluster' needs clusters")
        groups = int(pd.Series(clusters).nunique())
        if groups < 2:
            return f"not estimable with clustered errors: N = {n} observations in {groups} cluster(s)"
    if cov_type == "HC3":
        leverage = np.einsum("ij,jk,ik->i", values, np.linalg.pinv(values.T @ values), values)
        high = (
            [str(labels[int(i)]) for i in np.flatnonzero(leverage > _LEVERAGE_ONE)]
            if len(labels) == n
            else []
        )
        if high or (leverage > _LEVERAGE_ONE).any():
            who = ", ".join(high) or "an observation"
            return (
                f"not estimable with HC3: {who} has leverage 1 (the regressors fit it exactly, N = {n}); "
                "HC1 is defined"
            )
    return ""


def fit_ols(
    y: pd.Series,
    X: pd.DataFrame,
    *,
    name: str,
    cov_type: CovType = "HC3",
    clusters: pd.Series | None = None,
    keep: Sequence[str] = (),
    labels: Sequence[str] = (),
) -> RegressionResult:
    """Least squares of ``y`` on ``X`` (which holds a ``const`` column) with robust standard errors.

    Parameters
    ----------
    y, X : Series, DataFrame
        Dependent variable and regressors, aligned by row.
    cov_type : {"HC3", "HC1", "cluster", "nonrobust"}
        HC3 (default), HC1, one-way clustering on ``clusters`` (e.g. the announcement date), or the classical
        homoskedastic estimator.
    keep : sequence of str
        Regressors never dropped; other constant or collinear dummies are dropped and listed in
        ``dropped_terms``.

    Notes
    -----
    :math:`\\hat\\beta = (X'X)^{-1}X'y`; HC3 uses
    :math:`(X'X)^{-1} X' \\operatorname{diag}(e_i^2/(1-h_{ii})^2) X (X'X)^{-1}` (MacKinnon and White 1985),
    the recommended small-sample choice (Long and Ervin 2000). Clustered errors use statsmodels'
    small-sample correction :math:`G/(G-1)\\,(N-1)/(N-K)` and t(G-1) inference.

    References
    ----------
    MacKinnon, J. G. and H. White (1985). Some heteroskedasticity-consistent covariance matrix estimators
    with improved finite sample properties. *Journal of Econometrics* 29, 305-325.
    Long, J. S. and L. H. Ervin (2000). Using heteroscedasticity consistent standard errors in the linear
    regression model. *The American Statistician* 54, 217-224.
    """
    dependent = str(y.name or "y")
    design, dropped = _full_rank_columns(X, keep)
    label_tuple = tuple(labels) if labels else tuple(str(i) for i in design.index)
    why = _not_estimable(y, design, cov_type, clusters, label_tuple)
    if why:
        empty = pd.Series(dtype=float)
        return RegressionResult(
            name, dependent, empty, empty, empty, empty, len(design), NAN, cov_type, label_tuple, dropped,
            reason=why, y=y, X=design, clusters=clusters,
        )  # fmt: skip
    endog = pd.Series(y.to_numpy(dtype=float), index=design.index, name=dependent)
    fit = _statsmodels_fit(OLS(endog, design.astype(float)), cov_type, clusters)
    terms = list(design.columns)
    return RegressionResult(
        name=name,
        dependent=dependent,
        params=pd.Series(np.asarray(fit.params), index=terms),
        bse=pd.Series(np.asarray(fit.bse), index=terms),
        tvalues=pd.Series(np.asarray(fit.tvalues), index=terms),
        pvalues=pd.Series(np.asarray(fit.pvalues), index=terms),
        nobs=int(fit.nobs),
        rsquared=float(fit.rsquared),
        cov_type=cov_type,
        labels=label_tuple,
        dropped_terms=dropped,
        y=y,
        X=design,
        clusters=clusters,
        fit=fit,
    )


def _statsmodels_fit(model: Any, cov_type: CovType | str, clusters: pd.Series | None) -> Any:
    """statsmodels' fit of ``model`` with the covariance ``cov_type`` (clustered on ``clusters``), t
    inference."""
    if cov_type == "cluster":
        assert clusters is not None  # checked by _not_estimable
        return model.fit(cov_type="cluster", cov_kwds={"groups": pd.factorize(clusters)[0]}, use_t=True)
    return model.fit(cov_type=cov_type, use_t=True)


def _refit(result: RegressionResult) -> object:
    model = OLS(result.y.to_numpy(dtype=float), result.X.to_numpy(dtype=float))
    return _statsmodels_fit(model, result.cov_type, result.clusters)


def wald_equal(result: RegressionResult, first: str, second: str) -> WaldTest:
    """Wald test that two slopes are equal, with the regression's own covariance (F form).

    Notes
    -----
    With :math:`R = e_1' - e_2'` and :math:`\\hat V` the coefficient covariance,
    :math:`W = (R\\hat\\beta)^2 / (R \\hat V R')` is referred to F(1, N-K) (F(1, G-1) with clustering).
    With the classical covariance it equals :math:`[(SSR_r - SSR_u)/1]/[SSR_u/(N-K)]`, the restricted
    fit using the sum of the two regressors.
    """
    null = f"{first} = {second}"
    if not result.fitted or first not in result.params.index or second not in result.params.index:
        why = result.reason or f"{first} or {second} not in the fitted model"
        return WaldTest("wald_equal_slopes", NAN, NAN, 1, NAN, "F", null, reason=why)
    fit = result.fit if result.fit is not None else _refit(result)
    restriction = np.zeros((1, len(result.params)))
    restriction[0, list(result.params.index).index(first)] = 1.0
    restriction[0, list(result.params.index).index(second)] = -1.0
    test = fit.wald_test(restriction, use_f=True, scalar=True)  # type: ignore[attr-defined]
    stat = float(np.squeeze(test.statistic))
    return WaldTest(
        "wald_equal_slopes",
        stat,
        float(test.pvalue),
        1,
        float(test.df_denom),
        "F",
        null,
        reason="" if math.isfinite(stat) else "covariance of the restriction is not positive",
    )
