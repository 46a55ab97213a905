"""The catalog files' schema, declared as pydantic models; :func:`problems_of` turns errors into messages.

Each model declares the keys of one kind of YAML mapping (a deal, a security, a source ...) with the value
types of :mod:`dealstudy.catalog.types`, which raise the catalog's own messages, so a pydantic
``ValidationError`` maps back to :class:`~dealstudy.errors.CatalogProblem` records (file, entry, field,
message) in a few lines. Rules that tie fields together are field validators that read the fields validated
before them (``info.data``), so they are reported together with every other problem of the file.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from typing import Annotated, ClassVar, Final, get_args
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from dealstudy.catalog.fields import describe, format_usd
from dealstudy.catalog.rules import listing_mismatch, mic_problem, quote, ticker_problem
from dealstudy.catalog.schema import (
    BINDING_STATUSES,
    CONFIDENCES,
    DEAL_KINDS,
    FIGURE_METRICS,
    OVERLAP_RELATIONS,
    SOURCE_KINDS,
)
from dealstudy.catalog.types import (
    Number,
    OptDate,
    OptNumber,
    OptQualifier,
    OptText,
    OptTiming,
    OptUrl,
    Text,
    TextList,
    Timing,
    Url,
    boolean,
    checked,
    choice,
    date_value,
    day_or_month,
    instant,
    list_or_empty,
    refuse,
    slug,
    typed,
)
from dealstudy.errors import CatalogProblem

__all__ = [
    "CounterpartiesFile",
    "CounterpartyEntry",
    "DealEntry",
    "FigureEntry",
    "SecurityEntry",
    "SourceEntry",
    "problems_of",
]

_EASTERN: Final = ZoneInfo("America/New_York")
_OPTIONAL = Field(default=None, validate_default=True)  # a rule may require the key when another is set
_OPTIONAL_LIST = Field(default_factory=list, validate_default=True)


class _Entry(BaseModel):
    """A YAML mapping with exactly the declared keys; ``_what`` names it when something else is found."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    what: ClassVar[str] = "a mapping"

    @model_validator(mode="before")
    @classmethod
    def _mapping(cls, data: object) -> object:
        if not isinstance(data, Mapping):
            raise refuse(f"expected {cls.what}, got {describe(data)}")
        return data


class SecurityEntry(_Entry):
    what = "a mapping with ticker, exchange and role"
    ticker: Annotated[str, typed(checked(ticker_problem))]
    exchange: Annotated[str, typed(checked(mic_problem))]
    role: Text
    name: OptText = None
    timing: OptTiming = _OPTIONAL
    stated_headline_usd: OptNumber = None
    stated_binding_usd: OptNumber = None

    @field_validator("timing")
    @classmethod
    def _listing(cls, value: str | None, info: ValidationInfo) -> str | None:
        ticker, exchange = info.data.get("ticker"), info.data.get("exchange")
        if ticker and exchange and (problem := listing_mismatch(ticker, exchange)):
            raise refuse(problem, "exchange")
        return value


def _stated_problem(
    security: SecurityEntry, headline: float | None, binding: float | None
) -> tuple[str, str] | None:
    """Why a security's stated share of the deal cannot be right, and the key it concerns (else ``None``)."""
    part, bound = security.stated_headline_usd, security.stated_binding_usd
    if part is None and bound is None:
        return None
    if part is None:
        return "required when stated_binding_usd is set", "stated_headline_usd"
    if headline is None or part > headline:
        return (
            f"{security.ticker}'s stated part ({format_usd(part)}) exceeds the deal's headline value "
            f"({format_usd(headline) if headline is not None else 'not stated'})",
            "stated_headline_usd",
        )
    if bound is not None and (bound > part or binding is None or bound > binding):
        limit = min(part, binding) if binding is not None else part
        return (
            f"{security.ticker}'s stated binding part ({format_usd(bound)}) exceeds its stated part or the "
            f"deal's binding value (at most {format_usd(limit)})",
            "stated_binding_usd",
        )
    return None


class SourceEntry(_Entry):
    url: Url
    kind: Annotated[str, typed(choice(SOURCE_KINDS))]


#: A source is a bare URL or a ``{url, kind}`` mapping; a bare URL's problems are reported on the item.
SourceItem = Annotated[
    Annotated[Url, Tag("bare")] | Annotated[SourceEntry, Tag("entry")],
    Discriminator(lambda v: "entry" if isinstance(v, Mapping) else "bare"),
]


class OverlapEntry(_Entry):
    what = "a mapping with deal and relation"
    deal: Text
    relation: Annotated[str, typed(choice(OVERLAP_RELATIONS))]
    amount_usd: OptNumber = None
    note: OptText = None


class PressClaimEntry(_Entry):
    what = "a mapping with amount_usd, basis and source"
    amount_usd: Number
    basis: Text
    security: OptText = None
    source: Url
    date: OptDate = None
    note: OptText = None


def _securities(value: object) -> object:
    if value is None:
        raise refuse("must be a list (write [] when no listed company is affected)")
    return list_or_empty(value)


def _sources(value: object) -> object:
    if value is None or value == []:
        raise refuse("at least one https source is required")
    return list_or_empty(value)


class DealEntry(_Entry):
    """The keys of a deal file ``events/<id>.yaml`` (meanings: ``events/README.md``)."""

    id: Annotated[str, typed(slug)]
    title: Text
    announced: Annotated[tuple[dt.date, str], typed(day_or_month)]
    timing: Timing
    announced_at: Annotated[dt.datetime | None, typed(instant, required=False)] = _OPTIONAL
    timing_note: OptText = None
    counterparty: Text
    kind: Annotated[str, typed(choice(DEAL_KINDS))]
    securities: Annotated[list[SecurityEntry], BeforeValidator(_securities)]
    headline_value_usd: OptNumber = None
    value_qualifier: OptQualifier = None
    value_text: OptText = None
    duration_years: OptNumber = None
    estimated_value_usd: OptNumber = None
    estimated_value_source: OptUrl = _OPTIONAL
    binding_status: Annotated[str, typed(choice(BINDING_STATUSES))]
    binding_value_usd: OptNumber = _OPTIONAL
    binding_basis: OptText = _OPTIONAL
    confounders: TextList = []
    market_events: TextList = []
    related: TextList = []
    overlaps: Annotated[list[OverlapEntry], BeforeValidator(list_or_empty)] = _OPTIONAL_LIST
    press_claims: Annotated[list[PressClaimEntry], BeforeValidator(list_or_empty)] = _OPTIONAL_LIST
    sources: Annotated[list[SourceItem], BeforeValidator(_sources)]
    primary_source_note: OptText = None
    notes: OptText = None
    confidence: Annotated[str | None, typed(choice(CONFIDENCES), required=False)] = None

    # ------------------------------------------------------------------ rules tying fields together
    @field_validator("announced_at")
    @classmethod
    def instant_near_announced(cls, value: dt.datetime | None, info: ValidationInfo) -> dt.datetime | None:
        announced = info.data.get("announced")
        if announced is None or value is None:
            return value
        day, precision = announced
        if precision == "month":
            raise refuse(f"contradicts a month-only announcement date ({day:%Y-%m})")
        eastern = value.astimezone(_EASTERN).date()
        if abs((eastern - day).days) > 1:
            raise refuse(
                f"is {eastern.isoformat()} in US Eastern time, more than one day from announced "
                f"({day.isoformat()})"
            )
        return value

    @field_validator("timing")
    @classmethod
    def _month_needs_unknown_timing(cls, value: str, info: ValidationInfo) -> str:
        announced = info.data.get("announced")
        if announced is not None and announced[1] == "month" and value != "unknown":
            raise refuse(f"must be unknown when only the month is known (announced {announced[0]:%Y-%m})")
        return value

    @field_validator("securities")
    @classmethod
    def _tickers_once(cls, value: list[SecurityEntry]) -> list[SecurityEntry]:
        first: dict[str, int] = {}
        for i, security in enumerate(value):
            if security.ticker in first:
                also = f"also securities[{first[security.ticker]}]"
                raise refuse(
                    f"ticker '{security.ticker}' is listed more than once ({also})", f"securities[{i}].ticker"
                )
            first[security.ticker] = i
        return value

    @field_validator("estimated_value_source")
    @classmethod
    def _estimate_needs_source(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("estimated_value_usd") is not None:
            raise refuse("required when estimated_value_usd is set")
        return value

    @field_validator("binding_value_usd")
    @classmethod
    def _binding_within_headline(cls, value: float | None, info: ValidationInfo) -> float | None:
        headline = info.data.get("headline_value_usd")
        if value is not None and headline is not None and value > headline:
            raise refuse(
                f"binding value ({format_usd(value)}) exceeds the headline value ({format_usd(headline)})"
            )
        for i, security in enumerate(info.data.get("securities") or ()):
            if problem := _stated_problem(security, headline, value):
                raise refuse(problem[0], f"securities[{i}].{problem[1]}")
        return value

    @field_validator("binding_basis")
    @classmethod
    def _binding_needs_basis(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None and info.data.get("binding_value_usd") is not None:
            raise refuse("required when binding_value_usd is set")
        return value

    @field_validator("related")
    @classmethod
    def _not_related_to_itself(cls, value: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("id") in value:
            raise refuse("a deal cannot be related to itself", f"related[{value.index(info.data['id'])}]")
        return value

    @field_validator("overlaps")
    @classmethod
    def _overlaps_fit(cls, value: list[OverlapEntry], info: ValidationInfo) -> list[OverlapEntry]:
        headline = info.data.get("headline_value_usd")
        for i, overlap in enumerate(value):
            if overlap.deal == info.data.get("id"):
                raise refuse("a deal cannot overlap itself", f"overlaps[{i}].deal")
            if overlap.amount_usd is not None and headline is not None and overlap.amount_usd > headline:
                raise refuse(
                    f"overlapping amount ({format_usd(overlap.amount_usd)}) exceeds this deal's headline "
                    f"value ({format_usd(headline)})",
                    f"overlaps[{i}].amount_usd",
                )
        return value

    @field_validator("primary_source_note")
    @classmethod
    def _note_only_without_primary(cls, value: str | None, info: ValidationInfo) -> str | None:
        sources = info.data.get("sources") or ()
        if value is not None and any(isinstance(s, SourceEntry) and s.kind == "primary" for s in sources):
            raise refuse("the deal cites a primary source: remove the note saying why it has none")
        return value

    @field_validator("press_claims")
    @classmethod
    def _claims_name_listed_tickers(
        cls, value: list[PressClaimEntry], info: ValidationInfo
    ) -> list[PressClaimEntry]:
        securities = info.data.get("securities")
        if securities is None:
            return value
        tickers = sorted(s.ticker for s in securities)
        for i, claim in enumerate(value):
            if claim.security is not None and claim.security not in tickers:
                listed = ", ".join(tickers) or "none"
                raise refuse(
                    f"{quote(claim.security)} is not one of this deal's tickers ({listed})",
                    f"press_claims[{i}].security",
                )
        return value


class FigureEntry(_Entry):
    metric: Annotated[str, typed(choice(FIGURE_METRICS))]
    value_usd: Number
    qualifier: OptQualifier = None
    stated: Annotated[dt.date, typed(date_value)]
    as_of: OptDate = None
    horizon_years: OptNumber = None
    source: Url
    note: OptText = None


class CounterpartyEntry(_Entry):
    name: Text
    listed: Annotated[bool | None, typed(boolean, required=False)] = None
    ticker: OptText = None
    notes: OptText = None
    figures: Annotated[list[FigureEntry], BeforeValidator(list_or_empty)] = []


class CounterpartiesFile(_Entry):
    """``counterparties.yaml``: a mapping with the single key ``counterparties``."""

    counterparties: Annotated[list[CounterpartyEntry], BeforeValidator(list_or_empty)]

    @field_validator("counterparties")
    @classmethod
    def _unique_names(cls, value: list[CounterpartyEntry]) -> list[CounterpartyEntry]:
        first: dict[str, int] = {}
        for i, entry in enumerate(value):
            if entry.name in first:
                raise refuse(
                    f"duplicate counterparty name (also counterparties[{first[entry.name]}])",
                    f"counterparties[{i}].name",
                )
            first[entry.name] = i
        return value


# --------------------------------------------------------------------------- errors -> catalog problems
def _path(loc: tuple[int | str, ...]) -> str:
    text = ""
    for part in loc:
        if part in ("bare", "entry"):  # tags of the source union, not keys
            continue
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _model_at(model: type[BaseModel], loc: tuple[int | str, ...]) -> type[BaseModel]:
    """The model whose keys are checked at ``loc`` (for 'did you mean' hints)."""
    for part in loc:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            continue
        nested = [a for a in _flatten(field.annotation) if isinstance(a, type) and issubclass(a, BaseModel)]
        model = nested[0] if nested else model
    return model


def _flatten(annotation: object) -> list[object]:
    return [annotation, *(x for arg in get_args(annotation) for x in _flatten(arg))]


def problems_of(exc: ValidationError, root: type[BaseModel], file: str, entry: str) -> list[CatalogProblem]:
    """The catalog problems of a validation error: field paths like ``securities[0].ticker``, our messages."""
    problems: list[tuple[bool, CatalogProblem]] = []
    for error in exc.errors(include_url=False):
        loc, kind, ctx = tuple(error["loc"]), error["type"], error.get("ctx") or {}
        if ctx.get("field"):
            loc = (*loc[:-1], ctx["field"]) if loc else (ctx["field"],)
        if kind == "extra_forbidden":
            allowed = list(_model_at(root, loc[:-1]).model_fields)
            close = difflib.get_close_matches(str(loc[-1]), allowed, n=1, cutoff=0.75)
            message = "unknown key" + (f" (did you mean '{close[0]}'?)" if close else "")
        elif kind == "missing":
            message = "required key is missing"
        elif kind == "catalog":
            message = str(ctx["message"])
        else:  # a pydantic check the declared types do not replace (kept readable)
            message = f"{error['msg']}, got {describe(error.get('input'))}"
        problems.append((kind != "extra_forbidden", CatalogProblem(file, entry, _path(loc), message)))
    return [p for _, p in sorted(problems, key=lambda item: item[0])]
