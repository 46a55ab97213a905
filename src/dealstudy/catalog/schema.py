"""The catalog's data model: deals, the securities they touch, and counterparties' stated figures.

These are plain frozen dataclasses. Parsing and validation (``catalog.validate``) turn YAML into them and
report every problem at once; nothing here reads files. Field meanings and conventions are documented for
catalog editors in ``events/README.md``; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Literal, get_args

__all__ = [
    "BINDING_STATUSES",
    "CONFIDENCES",
    "DEAL_KINDS",
    "FIGURE_METRICS",
    "OVERLAP_RELATIONS",
    "SOURCE_KINDS",
    "TIMINGS",
    "VALUE_QUALIFIERS",
    "BindingStatus",
    "Confidence",
    "Counterparty",
    "CounterpartyFigure",
    "Deal",
    "DealKind",
    "FigureMetric",
    "Overlap",
    "OverlapRelation",
    "PressClaim",
    "Security",
    "Source",
    "SourceKind",
    "Timing",
    "ValueQualifier",
]

#: When the announcement became public, relative to the regular session of the reference listing.
Timing = Literal["pre_market", "intraday", "after_close", "non_trading_day", "unknown"]

#: How firm the announced value is. Ordered roughly from most to least binding.
BindingStatus = Literal[
    "definitive_contract",  # signed agreement disclosed by a party, or booked in RPO/backlog
    "contract_with_options",  # signed base contract plus customer options / "up to" tranches
    "contract_with_conditions",  # signed, with explicit termination rights (e.g. tied to delivery)
    "contract_plus_conditional_equity",  # signed commitment plus "up to" equity subject to closing conditions
    "order_booking",  # purchase orders booked into a supplier's backlog
    "equity_subject_to_definitive_docs",  # equity investment announced subject to definitive agreements
    "equity_with_conditional_tranches",  # equity commitment whose tranches depend on milestones
    "term_sheet",  # term sheet only
    "non_binding_loi",  # letter of intent / memorandum of understanding, expressly non-binding
    "statement_of_intent",  # programme-level plan or intention, no contract with a listed party
    "media_report",  # value from press sources, not confirmed by the companies
    "disclosure_or_report",  # not a deal: a filing disclosure, analyst note or report of a revision
]

#: What kind of announcement this is.
DealKind = Literal[
    "cloud_contract",  # capacity bought from a cloud / neocloud provider
    "compute_purchase",  # compute infrastructure bought or committed (GPU systems, data-center capacity)
    "chip_supply",  # chips or memory supplied by a chip maker
    "equity_investment",  # one company buys equity in another
    "funding_round",  # a private company's financing round with listed investors
    "data_center_lease",  # data-center lease or its financing
    "partnership",  # joint venture or programme-level partnership
    "restructuring",  # change of an existing relationship's terms or of a company's structure
    "revision_report",  # report that a deal was delayed, scaled back, stalled or withdrawn
    "filing_disclosure",  # a regulatory filing or results release that disclosed a deal's terms
]

#: How the headline value was stated.
ValueQualifier = Literal["exact", "about", "up_to", "at_least", "estimate"]

#: How sure the catalog is of a record (high: several consistent sources incl. a primary or wire source).
Confidence = Literal["high", "medium", "low"]

#: What a counterparty's stated figure measures.
FigureMetric = Literal["revenue_run_rate_usd", "revenue_usd", "compute_commitments_usd", "valuation_usd"]

#: How a deal's headline relates to another deal's headline (see ``events/README.md``, *Overlaps*).
OverlapRelation = Literal[
    "restates",  # the same money announced again (a re-announcement, a filing of an announced deal)
    "includes",  # this headline contains the other deal's headline (or part of it)
    "overlaps",  # the two headlines share some dollars, neither contains the other
]

#: Who wrote a source: ``primary`` the company itself (press release, blog post, SEC filing), ``press``
#: anyone else (wire services, newspapers, aggregators).
SourceKind = Literal["primary", "press"]

TIMINGS: tuple[str, ...] = get_args(Timing)
SOURCE_KINDS: tuple[str, ...] = get_args(SourceKind)
OVERLAP_RELATIONS: tuple[str, ...] = get_args(OverlapRelation)
BINDING_STATUSES: tuple[str, ...] = get_args(BindingStatus)
DEAL_KINDS: tuple[str, ...] = get_args(DealKind)
VALUE_QUALIFIERS: tuple[str, ...] = get_args(ValueQualifier)
CONFIDENCES: tuple[str, ...] = get_args(Confidence)
FIGURE_METRICS: tuple[str, ...] = get_args(FigureMetric)


@dataclass(frozen=True)
class Security:
    """A listed security affected by a deal.

    ``timing`` overrides the deal's timing for this listing (for example a Seoul listing that heard the news
    after its own close but before New York opened); ``None`` means "derive it from the deal".
    ``stated_headline_usd`` / ``stated_binding_usd``: the part of the deal's headline (binding) value the
    sources state for this company -- its own cheque in a funding round, its own contract inside a joint
    announcement; ``None`` when they state none (see :func:`dealstudy.economy.overlaps.company_part`).
    """

    ticker: str  # Yahoo symbol: AMZN, 9984.T, 000660.KS
    role: str  # provider, buyer, investor, investee, partner, read-across ...
    exchange: str  # ISO 10383 MIC of the listing: XNAS, XNYS, XTKS, XKRX
    name: str | None = None
    timing: Timing | None = None
    stated_headline_usd: float | None = None
    stated_binding_usd: float | None = None


@dataclass(frozen=True)
class Source:
    """A cited source: its https URL and who wrote it (``None`` where the catalog does not say)."""

    url: str
    kind: SourceKind | None = None


@dataclass(frozen=True)
class Overlap:
    """This deal's headline shares dollars with another catalog deal's headline.

    ``amount_usd`` is the overlapping amount where known (never above either headline); ``None`` when the
    sources do not say how much overlaps.
    """

    deal: str  # the other deal's id
    relation: OverlapRelation
    amount_usd: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class PressClaim:
    """What the press said the market did with a deal ("Amazon added $150B"), with its basis and source."""

    amount_usd: float
    basis: str  # what the figure measures: "market value added", "intraday", "close to close" ...
    source: str  # https URL
    security: str | None = None  # the ticker the claim is about (one of the deal's securities)
    date: dt.date | None = None  # the trading day the claim refers to
    note: str | None = None


@dataclass(frozen=True)
class Deal:
    """One announcement: what was said, when, by whom, what it is worth and how binding it is."""

    id: str
    title: str
    announced: dt.date
    timing: Timing
    counterparty: str
    kind: DealKind
    binding_status: BindingStatus
    securities: tuple[Security, ...]
    sources: tuple[str, ...]
    announced_at: dt.datetime | None = None  # timezone-aware instant, where known
    # "day" normally; "month" when the sources give only the month (``announced`` is then the 1st of that
    # month, written ``YYYY-MM`` in the YAML file, and the deal cannot be placed in event time).
    announced_precision: Literal["day", "month"] = "day"
    timing_note: str | None = None
    headline_value_usd: float | None = None  # as announced; None if undisclosed
    value_qualifier: ValueQualifier | None = None
    value_text: str | None = None  # the headline's value in words, e.g. "$38B over seven years"
    duration_years: float | None = None
    estimated_value_usd: float | None = None  # analysts' estimate where no value was disclosed
    estimated_value_source: str | None = None
    binding_value_usd: float | None = None  # firm, committed part; 0 for a non-binding LOI
    binding_basis: str | None = None
    confounders: tuple[str, ...] = ()  # firm-specific news in the window: same-day results, other deals
    market_events: tuple[str, ...] = ()  # market-wide or sector news in the window (context, not confounding)
    related: tuple[str, ...] = ()
    overlaps: tuple[Overlap, ...] = ()  # headlines that restate, include or overlap this one's dollars
    press_claims: tuple[PressClaim, ...] = ()  # what the press said the market did
    notes: str | None = None
    confidence: Confidence | None = None
    # Who wrote each of ``sources`` (same order); empty when no source says. ``cited_sources`` pairs them.
    source_kinds: tuple[SourceKind | None, ...] = ()
    # Why no source is marked primary (a press report the companies never announced, a release not found
    # yet); only on a deal without a primary source. Replaces the validator's warning with this note.
    primary_source_note: str | None = None

    @property
    def cited_sources(self) -> tuple[Source, ...]:
        """Each source with its kind (``primary``, ``press`` or ``None`` when not stated)."""
        kinds = self.source_kinds or (None,) * len(self.sources)
        return tuple(Source(url, kind) for url, kind in zip(self.sources, kinds, strict=True))

    @property
    def has_primary_source(self) -> bool:
        """True when a source is marked ``primary`` (the company's own release, blog post or filing)."""
        return "primary" in self.source_kinds

    @property
    def announced_label(self) -> str:
        """The announcement date as text: ``2025-11-03``, or ``2025-05 (day unknown)``."""
        if self.announced_precision == "month":
            return f"{self.announced:%Y-%m} (day unknown)"
        return self.announced.isoformat()

    @property
    def non_binding_value_usd(self) -> float | None:
        """Headline minus binding value, where both are known."""
        if self.headline_value_usd is None or self.binding_value_usd is None:
            return None
        return self.headline_value_usd - self.binding_value_usd

    @property
    def confounded(self) -> bool:
        """True when the catalog lists firm-specific news in the event window (``confounders``).

        Market-wide news (``market_events``) does not count: the expected-return model absorbs it.
        """
        return bool(self.confounders)

    @property
    def tickers(self) -> tuple[str, ...]:
        return tuple(s.ticker for s in self.securities)


@dataclass(frozen=True)
class CounterpartyFigure:
    """A figure a (usually private) counterparty stated about itself, with its date and source."""

    metric: FigureMetric
    value_usd: float
    stated: dt.date  # when it was said
    source: str  # https URL
    qualifier: ValueQualifier | None = None
    as_of: dt.date | None = None  # the date the figure refers to, if different from ``stated``
    horizon_years: float | None = None  # for commitments: over how many years
    note: str | None = None


@dataclass(frozen=True)
class Counterparty:
    """A counterparty of catalogued deals (OpenAI, Anthropic ...) and the figures it has stated."""

    name: str
    listed: bool = False
    ticker: str | None = None
    figures: tuple[CounterpartyFigure, ...] = field(default_factory=tuple)
    notes: str | None = None
