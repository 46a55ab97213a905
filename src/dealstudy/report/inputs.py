"""What the report is built from: plain frames and catalog records, independent of how they were computed.

The pipeline fills a :class:`ReportData` from the analysis results; tests fill it from synthetic frames.
Column contracts are those of the study files (``outcomes.csv``, ``abnormal_returns.csv``, ``cars.csv``,
``aggregate.csv``) and ``deal_values.csv``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import pandas as pd

from dealstudy.catalog.schema import Counterparty, Deal

__all__ = ["Headline", "ReportData", "TableSpec"]


@dataclass(frozen=True)
class Headline:
    """The numbers of the headline finding (all in USD unless said otherwise).

    ``slope_*`` describe the key regression slope: the marginal abnormal dollar value per headline dollar
    (model ``slope_model``, term ``slope_term``), with its confidence interval (``slope_ci_kind`` says which:
    e.g. ``"HC3 95%"`` or ``"bootstrap 95%"``) and the number of observations. ``fit_intercept_usd`` and
    ``slope`` draw the fitted line; ``wald_*`` test equal slopes on binding and non-binding value.
    """

    abnormal_value_usd: float
    headline_value_usd: float
    binding_value_usd: float
    deals: int
    valued_legs: int
    slope_model: str = ""
    slope_term: str = ""
    slope: float = float("nan")
    slope_ci_low: float = float("nan")
    slope_ci_high: float = float("nan")
    slope_ci_kind: str = ""
    slope_p_value: float = float("nan")
    slope_nobs: int = 0
    wald_stat: float = float("nan")
    wald_p_value: float = float("nan")
    wald_text: str = ""
    fit_intercept_usd: float = float("nan")


@dataclass(frozen=True)
class TableSpec:
    """A results table shown on a page and written to ``data/``: its frame and plain-language notes."""

    name: str  # file stem in data/, e.g. "regressions"
    title: str
    frame: pd.DataFrame
    notes: str = ""
    page: str = "regressions"  # "index", "regressions", "methods" or "" (data/ only)


@dataclass(frozen=True)
class ReportData:
    """Everything the site shows.

    Attributes
    ----------
    deals, counterparties
        The catalog records.
    window, model
        The headline event window (``"-1:1"``) and expected-return model (``"market"``).
    dollar_values
        One row per deal x security for the headline window, with the ``deal_values.csv`` columns
        (``deal_id, ticker, role, day0, window, car, t_stat, p_value, market_cap_usd, abnormal_value_usd,
        raw_value_usd, headline_value_usd, binding_value_usd, press_release_multiple, binding_multiple,
        outcome, reason``).
    deal_values
        ``deal_values.csv`` exactly as the economy layer defines it (every window); written to ``data/``.
    outcomes, abnormal_returns, cars, aggregate
        The study's four tables (the columns of the study files); ``event_id`` is ``<deal_id>:<ticker>``.
    closes
        As-traded closing prices per ticker (DatetimeIndex), for the price charts.
    currencies
        Listing currency per ticker (``"USD"`` when absent).
    headline
        The headline finding's numbers.
    regressions
        ``model, term, coef, se, t, p, n, r2``.
    tables
        Further tables (robustness, bootstrap, influence, ledger, revisions, aggregates ...), shown on their
        page and written to ``data/``.
    exclusions
        Every exclusion with its reason: ``scope, item, reason`` (scope e.g. ``study`` or ``regression``).
    summaries
        The statsmodels summaries as text.
    provenance
        Ordered ``(label, value)`` pairs: price source, snapshot or fetch dates, library versions, catalog
        checksum, run time ...
    settings
        Ordered ``(label, value)`` pairs of the study's specification (model, returns, estimation window,
        minimum observations, event windows, variance, benchmark).
    scatter
        The regression sample for the value-vs-headline figure: ``label, headline_value_usd,
        abnormal_value_usd, binding_status`` (USD); ``None`` uses the announcements' direct parties.
    day0_rules
        ``event_id -> sentence`` describing how day 0 was derived (from the calendar layer), where known.
    baselines
        The omitted level of each categorical regressor of ``car_size`` (``binding``, ``kind``,
        ``counterparty``), named in the regression's notes.
    finding
        The plain answer of the index (:func:`dealstudy.report.finding.finding_text`): paragraphs
        ``found``, ``sure``, ``holds``, ``limits``; empty for data without the economy's inference.
    reconciliation
        Per deal id, formatted rows of :func:`dealstudy.report.finding.deal_reconciliation` (press claim,
        close-to-close, intraday-high and abnormal value at day 0 and over the window, share counts,
        confounding status) shown on the deal pages.
    """

    deals: tuple[Deal, ...]
    window: str
    model: str
    dollar_values: pd.DataFrame
    deal_values: pd.DataFrame
    outcomes: pd.DataFrame
    abnormal_returns: pd.DataFrame
    cars: pd.DataFrame
    aggregate: pd.DataFrame
    headline: Headline
    regressions: pd.DataFrame
    exclusions: pd.DataFrame
    closes: Mapping[str, pd.Series] = field(default_factory=dict)
    currencies: Mapping[str, str] = field(default_factory=dict)
    counterparties: tuple[Counterparty, ...] = ()
    tables: tuple[TableSpec, ...] = ()
    summaries: str = ""
    provenance: tuple[tuple[str, str], ...] = ()
    settings: tuple[tuple[str, str], ...] = ()
    day0_rules: Mapping[str, str] = field(default_factory=dict)
    scatter: pd.DataFrame | None = None
    baselines: Mapping[str, str] = field(default_factory=dict)
    finding: Mapping[str, str] = field(default_factory=dict)
    reconciliation: Mapping[str, Sequence[Mapping[str, str]]] = field(default_factory=dict)
