"""The three cross-sectional regressions of the press-release economy and their robustness table.

1. ``headline``: abnormal value ($bn) on headline value ($bn).
2. ``binding_split``: abnormal value on binding value and non-binding value (headline minus binding); the
   Wald test of equal slopes is the press-release-economy hypothesis (the market does not discount the
   non-binding part) against a discount.
3. ``car_size``: CAR (%) on log(deal size / market cap), binding-class indicators (baseline: firm
   contracts), a counterparty indicator, deal-kind indicators and a confounded-day indicator. Levels of a
   categorical with fewer than ``min_level_obs`` observations are pooled into ``other`` (the baseline is
   the most frequent level); constant or collinear indicators are dropped and reported.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dealstudy.economy.regressions import CovType, RegressionResult, WaldTest, fit_ols, wald_equal
from dealstudy.economy.sample import regression_sample
from dealstudy.window import Window

__all__ = [
    "KEY_TERMS",
    "FittedSample",
    "ModelSet",
    "ValueModels",
    "car_size_baselines",
    "deal_level",
    "fit_models",
    "fit_value_models",
    "robustness_table",
]

#: The slopes every table reports, per model.
KEY_TERMS: dict[str, tuple[str, ...]] = {
    "headline": ("headline_bn",),
    "binding_split": ("binding_bn", "non_binding_bn"),
    "car_size": ("log_size",),
}


@dataclass(frozen=True)
class ModelSet:
    """The three fitted models and the Wald test on one sample."""

    headline: RegressionResult
    binding_split: RegressionResult
    car_size: RegressionResult
    wald: WaldTest

    @property
    def results(self) -> tuple[RegressionResult, RegressionResult, RegressionResult]:
        return (self.headline, self.binding_split, self.car_size)

    @property
    def value_models(self) -> ValueModels:
        """The two dollar-value regressions (as :func:`fit_value_models` fits them on the same sample)."""
        return ValueModels(self.headline, self.binding_split)


@dataclass(frozen=True)
class FittedSample:
    """A study's regression sample of one window, its exclusions, and the models already fitted on it: with
    the table's covariance (``fits``) and clustered by announcement date (``clustered``).

    :func:`robustness_table` reads them for its ``baseline`` and ``cluster_date`` rows instead of splitting
    and fitting again; they must be what :func:`~dealstudy.economy.sample.regression_sample` and
    :func:`fit_models` give for that study and window.
    """

    sample: pd.DataFrame
    exclusions: pd.DataFrame
    fits: ModelSet
    clustered: ModelSet


def _pooled(series: pd.Series, min_obs: int) -> tuple[pd.Series, pd.Series, str]:
    """Levels with fewer than ``min_obs`` rows pooled into ``other``; their counts; the baseline level."""
    counts = series.value_counts()
    pooled = series.where(series.map(counts) >= min_obs, "other")
    order = pooled.value_counts()
    return pooled, order, str(order.index[0]) if len(order) else ""


def _car_size_rows(sample: pd.DataFrame) -> pd.DataFrame:
    keep = np.isfinite(sample["log_size"].to_numpy(dtype=float)) & np.isfinite(
        sample["car_pct"].to_numpy(dtype=float)
    )
    return pd.DataFrame(sample[keep])


def car_size_baselines(sample: pd.DataFrame, *, min_level_obs: int = 3) -> dict[str, str]:
    """The omitted level of each categorical of ``car_size``: ``binding``, ``kind`` and ``counterparty``.

    Indicator coefficients are differences from these levels (the most frequent level of each categorical
    after pooling; for the counterparty, every counterparty but the most frequent one).
    """
    sized = _car_size_rows(sample)
    top = sized["counterparty"].value_counts()
    main_party = str(top.index[0]) if len(top) else ""
    return {
        "binding": _pooled(sized["binding_class"], min_level_obs)[2],
        "kind": _pooled(sized["kind"], min_level_obs)[2],
        "counterparty": f"not {main_party}" if main_party else "",
    }


def _dummies(series: pd.Series, prefix: str, min_obs: int) -> pd.DataFrame:
    pooled, order, baseline = _pooled(series, min_obs)
    levels = sorted(str(level) for level in order.index if str(level) != baseline)
    return pd.DataFrame(
        {f"{prefix}[{level}]": (pooled == level).astype(float) for level in levels}, index=series.index
    )


def _clusters(sample: pd.DataFrame, cov_type: CovType) -> pd.Series | None:
    return sample["announced"].astype(str) if cov_type == "cluster" else None


@dataclass(frozen=True)
class ValueModels:
    """The two dollar-value regressions on one sample (``headline`` and ``binding_split``), for the tables
    that read no CAR regression."""

    headline: RegressionResult
    binding_split: RegressionResult


def fit_value_models(sample: pd.DataFrame, *, cov_type: CovType = "HC3") -> ValueModels:
    """``headline`` and ``binding_split`` as :func:`fit_models` fits them, without ``car_size``."""
    const = pd.DataFrame({"const": 1.0}, index=sample.index)
    y1 = sample["abnormal_value_bn"].rename("abnormal_value_bn")
    X1 = const.assign(headline_bn=sample["headline_bn"])
    headline = fit_ols(
        y1,
        X1,
        name="headline",
        cov_type=cov_type,
        clusters=_clusters(sample, cov_type),
        keep=["headline_bn"],
        labels=tuple(sample["label"]),
    )
    split = sample[np.isfinite(sample["binding_bn"].to_numpy(dtype=float))]
    X2 = const.loc[split.index].join(split[["binding_bn", "non_binding_bn"]])
    binding_split = fit_ols(
        split["abnormal_value_bn"].rename("abnormal_value_bn"),
        X2,
        name="binding_split",
        cov_type=cov_type,
        clusters=_clusters(split, cov_type),
        keep=["binding_bn", "non_binding_bn"],
        labels=tuple(split["label"]),
    )
    return ValueModels(headline, binding_split)


def fit_models(sample: pd.DataFrame, *, cov_type: CovType = "HC3", min_level_obs: int = 3) -> ModelSet:
    """Fit the three regressions on a sample from :func:`dealstudy.economy.sample.regression_sample`.

    ``binding_split`` uses the rows with a known binding value; ``car_size`` those with a finite size.
    Clustering (``cov_type="cluster"``) is by announcement date.
    """
    value = fit_value_models(sample, cov_type=cov_type)
    wald = wald_equal(value.binding_split, "binding_bn", "non_binding_bn")
    const = pd.DataFrame({"const": 1.0}, index=sample.index)
    sized = _car_size_rows(sample)
    top = sized["counterparty"].value_counts()
    main_party = str(top.index[0]) if len(top) else ""
    X3 = pd.concat(
        [
            const.loc[sized.index],
            sized[["log_size"]],
            _dummies(sized["binding_class"], "binding", min_level_obs),
            (sized["counterparty"] == main_party).astype(float).to_frame(f"counterparty[{main_party}]"),
            _dummies(sized["kind"], "kind", min_level_obs),
            sized["confounded"].astype(float).to_frame("confounded"),
        ],
        axis=1,
    )
    car_size = fit_ols(
        sized["car_pct"].rename("car_pct"),
        X3,
        name="car_size",
        cov_type=cov_type,
        clusters=_clusters(sized, cov_type),
        keep=["log_size"],
        labels=tuple(sized["label"]),
    )
    return ModelSet(value.headline, value.binding_split, car_size, wald)


def deal_level(sample: pd.DataFrame) -> pd.DataFrame:
    """Collapse a deal x security sample to one row per deal: abnormal values summed over its parties.

    ``log_size`` is set to NaN, so ``car_size`` is not fitted on this sample (a CAR belongs to one firm).
    """
    if sample.empty:
        return sample.copy()
    first = sample.groupby("deal_id", sort=False).first()
    summed = sample.groupby("deal_id", sort=False)["abnormal_value_bn"].sum()
    out = first.assign(abnormal_value_bn=summed).reset_index()
    out["label"] = out["deal_id"]
    out["log_size"] = np.nan  # a CAR belongs to one firm: the CAR regression stays at deal x security level
    return out[list(sample.columns)]


def _row(
    variant: str, model: str, window: str, sample: pd.DataFrame, excluded: int, fits: ModelSet
) -> dict[str, object]:
    out: dict[str, object] = {
        "variant": variant,
        "model": model,
        "window": window,
        "n": len(sample),
        "excluded": excluded,
    }
    for result in fits.results:
        for term in KEY_TERMS[result.name]:
            fitted = result.fitted and term in result.params.index
            out[f"{term}"] = float(result.params[term]) if fitted else np.nan
            out[f"{term}_se"] = float(result.bse[term]) if fitted else np.nan
            out[f"{term}_p"] = float(result.pvalues[term]) if fitted else np.nan
        out[f"{result.name}_n"] = result.nobs
    out["wald_stat"] = fits.wald.stat
    out["wald_p"] = fits.wald.pvalue
    notes = []
    for r in fits.results:
        if r.name == "car_size" and variant == "deal_level":
            notes.append("car_size: not fitted at deal level (a CAR belongs to one firm)")
        elif r.reason:
            notes.append(f"{r.name}: {r.reason}")
    out["note"] = "; ".join(notes)
    return out


def robustness_table(
    values_by_model: Mapping[str, pd.DataFrame],
    *,
    model: str,
    window: str,
    cov_type: CovType = "HC3",
    min_level_obs: int = 3,
    fitted: FittedSample | None = None,
) -> pd.DataFrame:
    """Key slopes under alternative samples, windows and expected-return models.

    Rows: ``baseline``; ``no_confounded`` (only reactions known to be clean: confounded and unknown ones
    dropped); ``deal_level`` (one
    observation per deal, abnormal values summed over its direct parties); ``window`` for every other
    window in the values; ``model`` for every other study model (at the baseline window); ``cluster_date``
    (clustered by announcement date) when the baseline is not clustered. Each row has N, the number of
    exclusions, the key slopes with standard errors and p-values, the Wald test and a ``note`` naming each
    model that is not estimable on that sample and why (e.g. ``car_size: not estimable: N = 2 ...``). An
    empty sample gives a row with N = 0 and NaN slopes, never an error.

    ``fitted``, when given, is the sample of ``model`` and ``window`` with its fits (the ``baseline`` and
    ``cluster_date`` rows read them; see :class:`FittedSample`).
    """
    rows: list[dict[str, object]] = []
    values = values_by_model[model]
    samples: dict[tuple[str, str], tuple[pd.DataFrame, pd.DataFrame]] = {}  # (model, window): split once
    known: dict[str, ModelSet] = {}  # variant: fits given
    if fitted is not None:
        samples[model, window] = (fitted.sample, fitted.exclusions)
        known = {"baseline": fitted.fits, "cluster_date": fitted.clustered}

    def add(variant: str, name: str, win: str, frame: pd.DataFrame, sample_filter: str = "") -> None:
        if (name, win) not in samples:
            samples[name, win] = regression_sample(frame, win)
        sample, excluded = samples[name, win]  # not modified: the filters below make new frames
        n_excluded = len(excluded)
        if sample_filter == "no_confounded":
            clean = sample["clean"].astype(bool)
            n_excluded += int((~clean).sum())
            sample = sample.loc[clean]
        elif sample_filter == "deal_level":
            sample = deal_level(sample)
        cov: CovType = "cluster" if sample_filter == "cluster" else cov_type
        fits = known.get(variant) or fit_models(sample, cov_type=cov, min_level_obs=min_level_obs)
        rows.append(_row(variant, name, win, sample, n_excluded, fits))

    add("baseline", model, window, values)
    add("no_confounded", model, window, values, "no_confounded")
    add("deal_level", model, window, values, "deal_level")
    if cov_type != "cluster":
        add("cluster_date", model, window, values, "cluster")
    for other in sorted(set(values["window"]) - {window}, key=Window.parse):
        add("window", model, other, values)
    for other_model, other_values in values_by_model.items():
        if other_model != model:
            add("model", other_model, window, other_values)
    return pd.DataFrame(rows)
