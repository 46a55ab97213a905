"""The report's plain inputs (:class:`~dealstudy.report.ReportData`) from the analysis results: values of
the headline window, settings, provenance, exclusions, headline figures, the scatter and the tables."""

from __future__ import annotations

import datetime as dt
import math
import platform
from importlib import metadata

import pandas as pd

from dealstudy import __version__
from dealstudy.catalog import Catalog
from dealstudy.data import DataSources
from dealstudy.economy.currency import currency_for_mic
from dealstudy.economy.models import car_size_baselines
from dealstudy.pipeline.analyze import AnalysisResults
from dealstudy.pipeline.report_tables import report_tables
from dealstudy.report import Headline, ReportData
from dealstudy.report.finding import deal_reconciliation, finding_of
from dealstudy.study.outcomes import USABLE_OUTCOMES

__all__ = ["report_data"]


def _settings(results: AnalysisResults) -> tuple[tuple[str, str], ...]:
    """The study's and the economy's settings, as the methods page lists them."""
    spec = results.study.spec
    economy = results.economy
    return (
        (
            "Expected-return model",
            spec.model + (f" ({', '.join(spec.benchmarks)})" if spec.benchmarks else ""),
        ),
        ("Benchmark", f"{spec.market} for US listings; local index for Tokyo (^N225) and Seoul (^KS11)"),
        ("Returns", spec.returns),
        (
            "Estimation window",
            f"{spec.estimation} trading days (minimum {spec.min_obs} returns)",
        ),
        ("Event windows", ", ".join(str(w) for w in spec.windows)),
        ("Headline window", results.window),
        ("CAR variance", spec.variance.replace("_", " ")),
        ("Regression covariance", economy.spec.cov_type),
        ("Bootstrap", f"{economy.spec.bootstrap_reps} pairs resamples, seed {economy.spec.seed}"),
        ("Robustness models", ", ".join(results.alternatives) or "none"),
    )


def _provenance(catalog: Catalog, sources: DataSources) -> tuple[tuple[str, str], ...]:
    """Where the prices and the catalog came from, the software and the build time."""
    return (
        ("Prices", sources.description),
        ("Catalog", f"{catalog.directory} ({len(catalog.deals)} deals)"),
        ("Catalog checksum (SHA-256)", catalog.checksum),
        ("Software", _versions()),
        ("Report built", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
    )


def _versions() -> str:
    """dealstudy's, Python's and the main libraries' versions, for the provenance table."""
    names = (
        "numpy",
        "pandas",
        "scipy",
        "statsmodels",
        "matplotlib",
        "jinja2",
        "exchange-calendars",
        "yfinance",
    )
    parts = [f"dealstudy {__version__}", f"Python {platform.python_version()}"]
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(parts)


def _exclusions(results: AnalysisResults) -> pd.DataFrame:
    """Every exclusion as ``scope, item, reason``: study outcomes other than ok, dollar values lost after
    the study, rows left out of a regression sample, and robustness models skipped."""
    rows: list[dict[str, str]] = []
    for r in results.study.outcomes.to_dict("records"):
        if r["outcome"] != "ok":
            scope = "fallback model" if r["outcome"] == "fallback_model" else "study"
            rows.append(
                {"scope": scope, "item": str(r["event_id"]), "reason": f"{r['outcome']}: {r['reason']}"}
            )
    outcomes = results.study.outcomes
    studied_ok = set(outcomes.loc[outcomes["outcome"].isin(USABLE_OUTCOMES), "event_id"].astype(str))
    values = results.economy.to_frame()
    for r in values[values["window"] == results.window].to_dict("records"):
        if r["outcome"] not in USABLE_OUTCOMES and str(r["event_id"]) in studied_ok:  # lost in the values
            rows.append(
                {
                    "scope": "dollar value",
                    "item": str(r["event_id"]),
                    "reason": f"{r['outcome']}: {r['reason']}",
                }
            )
    for r in results.economy.exclusions.to_dict("records"):
        rows.append(
            {
                "scope": f"regression sample '{r['sample']}' ({r['window']})",
                "item": f"{r['deal_id']}:{r['ticker']}",
                "reason": str(r["reason"]),
            }
        )
    for model, why in results.skipped_models.items():
        rows.append({"scope": "robustness model", "item": model, "reason": why})
    return pd.DataFrame(rows, columns=["scope", "item", "reason"])


def _headline(results: AnalysisResults) -> Headline:
    """The headline figures: totals, the headline slope with its bootstrap interval, the Wald test."""
    economy = results.economy
    totals = economy.totals
    slopes = economy.key_slopes()
    head = slopes[(slopes["model"] == "headline")]
    row = head.iloc[0].to_dict() if len(head) else {}
    try:
        reg = economy.regression("headline")
        intercept = (
            float(reg.params["const"]) * 1e9 if reg.fitted and "const" in reg.params.index else math.nan
        )
    except KeyError:
        intercept = math.nan
    wald = economy.wald
    reps = economy.spec.bootstrap_reps
    return Headline(
        abnormal_value_usd=totals["abnormal_value_usd"],
        headline_value_usd=totals["headline_value_usd"],
        binding_value_usd=totals["binding_value_usd"],
        deals=int(totals["deals"]),
        valued_legs=int(totals["valued_legs"]),
        slope_model="headline",
        slope_term=str(row.get("term", "headline_bn")),
        slope=float(row.get("coef", math.nan)),
        slope_ci_low=float(row.get("ci_low", math.nan)),
        slope_ci_high=float(row.get("ci_high", math.nan)),
        slope_ci_kind=f"{int(economy.spec.confidence * 100)}% pairs-bootstrap ({reps} draws)",
        slope_p_value=float(row.get("p", math.nan)),
        slope_nobs=int(row.get("n", 0) or 0),
        wald_stat=float(wald.stat),
        wald_p_value=float(wald.pvalue),
        wald_text=f"{wald.null}; {economy.spec.cov_type} covariance"
        + ("" if wald.valid else f"; {wald.reason}"),
        fit_intercept_usd=intercept,
    )


def _scatter(results: AnalysisResults) -> pd.DataFrame:
    """The regression sample as the value scatter plots it (US$, not $bn)."""
    sample = results.economy.sample
    return pd.DataFrame(
        {
            "label": sample["ticker"],
            "deal_id": sample["deal_id"],
            "ticker": sample["ticker"],
            "headline_value_usd": sample["headline_bn"].astype(float) * 1e9,
            "abnormal_value_usd": sample["abnormal_value_bn"].astype(float) * 1e9,
            "binding_status": sample["binding_status"],
        }
    )


def report_data(
    results: AnalysisResults, closes: dict[str, pd.Series], coverage: pd.DataFrame, sources: DataSources
) -> ReportData:
    """Turn the analysis results into the report's plain inputs."""
    economy = results.economy
    study = results.study
    catalog = results.catalog
    everything = economy.to_frame()
    values = everything[everything["window"] == results.window].reset_index(drop=True)
    currencies = {
        s.ticker: currency_for_mic(s.exchange) or "local currency"
        for d in catalog.deals
        for s in d.securities
    }
    rules = dict(
        zip(results.events["event_id"].astype(str), results.events["day0_rule"].astype(str), strict=True)
    )
    return ReportData(
        deals=catalog.deals,
        counterparties=catalog.counterparties,
        window=results.window,
        model=study.spec.model,
        dollar_values=values,
        deal_values=economy.deal_values(),
        outcomes=study.outcomes,
        abnormal_returns=study.abnormal_returns,
        cars=study.cars,
        aggregate=study.aggregate,
        headline=_headline(results),
        regressions=economy.regressions_frame(),
        exclusions=_exclusions(results),
        closes=closes,
        currencies=currencies,
        tables=report_tables(results, coverage),
        summaries=economy.summary_text(),
        provenance=_provenance(catalog, sources),
        settings=_settings(results),
        day0_rules=rules,
        scatter=_scatter(results),
        baselines=car_size_baselines(economy.sample, min_level_obs=economy.spec.min_level_obs),
        finding=finding_of(economy),
        reconciliation=deal_reconciliation(economy.to_frame(), results.press, results.window),
    )
