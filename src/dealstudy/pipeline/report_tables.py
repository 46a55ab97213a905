"""The further tables of the report (:class:`~dealstudy.report.TableSpec`: name, title, frame, notes and
the page that shows them), in the order the pages and the ``data/`` folder list them."""

from __future__ import annotations

import pandas as pd

from dealstudy.economy import EconomyResults
from dealstudy.pipeline.analyze import NO_FALLBACKS, AnalysisResults
from dealstudy.pipeline.fallback import fallback_rules_table
from dealstudy.pipeline.with_without import with_and_without
from dealstudy.report import TableSpec
from dealstudy.report.finding import finding_tables

__all__ = ["report_tables"]


def _regression_tables(economy: EconomyResults) -> tuple[TableSpec, ...]:
    """The regressions page's tables: key slopes, robustness, bootstrap intervals and leave-one-out."""
    return (
        TableSpec(
            "key_slopes",
            "Key slopes with bootstrap intervals and the most influential deal",
            economy.key_slopes(),
            "coef/se/p from OLS with robust standard errors; ci_low/ci_high: pairs-bootstrap percentile "
            "interval; most_influential: the observation whose removal moves the slope most, and the "
            "slope without it.",
        ),
        TableSpec(
            "robustness",
            "Robustness: key slopes by sample, event window and model",
            economy.robustness,
            "The same regressions without confounded events, for each event window and each "
            "expected-return model. A slope that changes sign across rows is not a finding.",
        ),
        TableSpec(
            "bootstrap",
            "Pairs-bootstrap confidence intervals",
            economy.bootstrap,
            "Resampling deal x security observations with replacement; percentile intervals. skipped: "
            "resamples that left an indicator regressor constant (e.g. no confounded event drawn), so the "
            "model cannot be fitted on them; the interval is taken over the remaining reps − skipped "
            "resamples.",
        ),
        TableSpec(
            "influence",
            "Leave-one-out influence on the key slopes",
            economy.influence,
            "Each row drops one observation and re-estimates; large changes flag a single deal "
            "driving the result.",
        ),
    )


def _economy_tables(economy: EconomyResults) -> tuple[TableSpec, ...]:
    """The economy's totals, ledger and revisions (index page), and the ledger, cumulative value and
    detailed dollar values written to ``data/`` only."""
    return (
        TableSpec(
            "aggregates",
            "Totals by company, counterparty and binding status",
            economy.aggregates,
            "Abnormal value summed over the direct parties; headline and binding values once per deal.",
            page="index",
        ),
        TableSpec(
            "ledger_totals",
            "Commitments ledger: totals by counterparty and partner",
            economy.ledger_totals,
            "Headline and binding commitments by counterparty and listed partner, with the partner's "
            "exposure (binding commitments relative to its market cap).",
            page="index",
        ),
        TableSpec(
            "ledger_stated",
            "Counterparties' own stated figures",
            economy.stated,
            "Revenue run rates and commitments the counterparties stated, with dates and sources.",
            page="index",
        ),
        TableSpec(
            "revisions",
            "Revisions: value created on announcement vs lost on the walk-back",
            economy.revisions,
            "Round trips from an announcement to a later delay or walk-back report.",
            page="index",
        ),
        TableSpec("ledger", "Commitments ledger by counterparty, partner and year", economy.ledger, page=""),
        TableSpec("cumulative", "Cumulative abnormal value by day 0", economy.cumulative, page=""),
        TableSpec(
            "deal_values_detail",
            "Dollar values with market caps, share counts and FX",
            economy.to_frame(),
            page="",
        ),
    )


def _study_tables(results: AnalysisResults, coverage: pd.DataFrame) -> tuple[TableSpec, ...]:
    """The study's events, the headline with and without fallback models, the fallback rules, the raw
    moves and the price coverage (``coverage``)."""
    spec = results.study.spec
    return (
        TableSpec("events", "The study's events and their day-0 rule", results.events, page=""),
        TableSpec(
            "with_without_fallbacks",
            "Headline figures with and without the fallback models",
            with_and_without(results),
            "Events estimated by a fallback model (short history, missing local index; see methods) "
            "included and left out: mean CAR with its cross-sectional t test, and the total abnormal "
            "dollar value of the announcements.",
            page="index",
        ),
        TableSpec(
            "fallback_rules",
            "Fallback models, in the order tried",
            fallback_rules_table(),
            "An event whose estimation window is short (a recent listing) or whose local index lacks "
            "prices is re-estimated by the first rule that works instead of being excluded; its outcome is "
            "fallback_model with the cause and the model used. The robustness table repeats the headline "
            f"figures without fallbacks ('{spec.model}{NO_FALLBACKS}').",
            page="methods",
        ),
        TableSpec(
            "raw_moves",
            "Raw day-0 move and raw dollar change of every security with prices",
            results.raw_moves,
            "As-traded close on day 0 against day -1 (not dividend-adjusted), and that change times the "
            "shares outstanding at day -1 in USD; shown whatever the outcome, also for events excluded "
            "from the abnormal-return statistics.",
            page="methods",
        ),
        TableSpec(
            "price_coverage",
            "Price data used, per security",
            coverage,
            "As-traded closes read for the charts; the event study reads adjusted closes from the same "
            "source.",
            page="methods",
        ),
    )


def report_tables(results: AnalysisResults, coverage: pd.DataFrame) -> tuple[TableSpec, ...]:
    """Every further table of the report: regressions, economy, study, then the finding's tables."""
    economy = results.economy
    return (
        *_regression_tables(economy),
        *_economy_tables(economy),
        *_study_tables(results, coverage),
        *finding_tables(economy),
    )
