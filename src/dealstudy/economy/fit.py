"""The press-release economy as one computation: spec -> :func:`fit_economy` ->
:class:`~dealstudy.economy.results.EconomyResults`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from dealstudy.catalog.schema import Counterparty, Deal
from dealstudy.economy.aggregates import aggregates, cumulative_value
from dealstudy.economy.finding import equal_slopes_wild_p, finding_inference
from dealstudy.economy.ledger import commitments_ledger, ledger_totals, stated_figures
from dealstudy.economy.legs import deals_frame
from dealstudy.economy.models import KEY_TERMS, FittedSample, ModelSet, fit_models, robustness_table
from dealstudy.economy.overlaps import headline_totals, net_totals
from dealstudy.economy.regressions import RegressionResult
from dealstudy.economy.resampling import bootstrap_ci, leave_one_out
from dealstudy.economy.results import EconomyResults, EconomySpec
from dealstudy.economy.revisions import revisions_round_trip
from dealstudy.economy.sample import regression_sample
from dealstudy.economy.sensitivity import sensitivity_table

__all__ = ["fit_economy"]

#: The notes every result carries.
_NOTES = (
    "abnormal value = sum over the window of AR_t x market cap(t-1), USD at the rate of t-1",
    "regressions: direct parties of new deals with a disclosed headline value; values in $bn, CAR in %",
)


def fit_economy(
    deals: Sequence[Deal],
    counterparties: Sequence[Counterparty],
    values: pd.DataFrame,
    spec: EconomySpec | None = None,
    *,
    model: str = "market",
    alternatives: Mapping[str, pd.DataFrame] | None = None,
) -> EconomyResults:
    """Regressions, bootstrap, influence, robustness, aggregates, ledger and revisions from dollar values.

    Parameters
    ----------
    deals, counterparties : sequences
        The catalog.
    values : DataFrame
        :func:`dealstudy.economy.values.dollar_values` of the main study (all windows).
    model : str
        Name of the main study's expected-return model.
    alternatives : mapping of model name to values, optional
        Dollar values from studies with other expected-return models (robustness rows); only their rows
        of ``spec.window`` are read, so they may hold that window alone.
    """
    spec = spec or EconomySpec()
    window = spec.window
    if not (values["window"] == window).any():
        raise ValueError(f"window {window} is not among the dollar values' windows")
    deal_table = deals_frame(deals)
    sample, exclusions = regression_sample(values, window)
    fits = fit_models(sample, cov_type=spec.cov_type, min_level_obs=spec.min_level_obs)
    # clustered by date: the robustness table's cluster_date row and the finding's clustered inference
    clustered = (
        fits
        if spec.cov_type == "cluster"
        else fit_models(sample, cov_type="cluster", min_level_obs=spec.min_level_obs)
    )
    bootstrap, influence = _resampling(fits.results, spec)
    by_model = {model: values, **dict(alternatives or {})}
    return EconomyResults(
        spec=spec,
        model=model,
        valuations=values,
        sample=sample,
        exclusions=_with_model_exclusions(exclusions, sample, fits, window),
        regressions=fits.results,
        wald=fits.wald,
        bootstrap=bootstrap,
        influence=influence,
        robustness=robustness_table(
            by_model,
            model=model,
            window=window,
            cov_type=spec.cov_type,
            min_level_obs=spec.min_level_obs,
            fitted=FittedSample(sample, exclusions, fits, clustered),
        ),
        aggregates=aggregates(deal_table, values, window),
        cumulative=cumulative_value(deal_table, values, window),
        ledger=commitments_ledger(deal_table),
        ledger_totals=ledger_totals(deal_table, values),
        stated=stated_figures(counterparties, deal_table),
        revisions=revisions_round_trip(deal_table, values, window),
        notes=_NOTES,
        sensitivity=_sensitivity(values, deals, spec),
        headline_totals=headline_totals(
            deals,
            [
                (f"{window}:all", list(sample["deal_id"].astype(str))),
                (f"{window}:unconfounded", list(sample.loc[sample["clean"], "deal_id"].astype(str))),
            ],
        ),
        inference=finding_inference(
            sample,
            reps=spec.wild_reps,
            loo_reps=min(spec.wild_reps, 999),
            seed=spec.seed,
            confidence=spec.confidence,
            fits=(fits.value_models if spec.cov_type == "HC3" else None, clustered.value_models),
        ),
    )


def _resampling(results: Sequence[RegressionResult], spec: EconomySpec) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The pairs-bootstrap CIs (seed ``spec.seed + i`` for the ``i``-th model) and the leave-one-out refits
    of each model's key slopes."""
    boots, influence = [], []
    for i, result in enumerate(results):
        terms = KEY_TERMS[result.name]
        boots.append(
            bootstrap_ci(
                result, terms, reps=spec.bootstrap_reps, seed=spec.seed + i, confidence=spec.confidence
            )
        )
        influence.append(leave_one_out(result, terms))
    return pd.concat(boots, ignore_index=True), pd.concat(influence, ignore_index=True)


def _with_model_exclusions(
    exclusions: pd.DataFrame, sample: pd.DataFrame, fits: ModelSet, window: str
) -> pd.DataFrame:
    """``exclusions`` plus, per model, the sample's legs that model leaves out, with the reason."""
    model_rows = []
    car_known = dict(zip(sample["label"], np.isfinite(sample["car_pct"].to_numpy(dtype=float)), strict=True))
    for result in fits.results:
        for label in sorted(set(sample["label"]) - set(result.labels)):
            deal_id, _, ticker = label.partition(":")
            if result.name == "binding_split":
                why = "binding value unknown"
            else:
                why = "no finite log size" if car_known[label] else "CAR missing in the window"
            model_rows.append(
                {
                    "sample": result.name,
                    "window": window,
                    "deal_id": deal_id,
                    "ticker": ticker,
                    "role": "",
                    "reason": why,
                }
            )
    if not model_rows:
        return exclusions
    return pd.concat([exclusions, pd.DataFrame(model_rows, columns=exclusions.columns)], ignore_index=True)


def _sensitivity(values: pd.DataFrame, deals: Sequence[Deal], spec: EconomySpec) -> pd.DataFrame:
    """The totals and slopes per event window and sample, with the wild-bootstrap equal-slopes p-value and
    the deals' value net of overlaps."""
    by_id = {d.id: d for d in deals}
    return sensitivity_table(
        values,
        cov_type=spec.cov_type,
        equal_slopes_p=lambda rows: equal_slopes_wild_p(rows, reps=spec.wild_reps, seed=spec.seed),
        net_value=lambda ids: _net_pair([by_id[i] for i in ids if i in by_id]),
    )


def _net_pair(deals: Sequence[Deal]) -> tuple[float, float]:
    totals = net_totals(deals)
    return totals.net_headline_usd, totals.net_binding_usd
