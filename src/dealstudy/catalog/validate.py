"""Validation: turn parsed YAML into :mod:`~dealstudy.catalog.schema` objects, reporting every problem.

Three levels, each adding :class:`~dealstudy.errors.CatalogProblem` records rather than raising:

* :func:`parse_deal` and :func:`parse_counterparties` check one file's content (keys, types, closed sets,
  URLs, values and the rules that tie fields together);
* :func:`check_deals` checks rules across files (duplicate ids, file names, related ids);
* :func:`validate_catalog` reads a catalog folder and runs both.

The rules and their messages are listed in ``events/README.md``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, cast
from zoneinfo import ZoneInfo

from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.catalog.crossfile import DealRefs, check_deals, refs_of_mapping
from dealstudy.catalog.earnings import EARNINGS_FILE, EarningsCalendar, parse_earnings
from dealstudy.catalog.fields import ID_PATTERN, MISSING, Problems, describe, format_usd, quote
from dealstudy.catalog.rules import MAX_FILE_BYTES, listing_mismatch, mic_problem, ticker_problem
from dealstudy.catalog.schema import (
    BINDING_STATUSES,
    CONFIDENCES,
    DEAL_KINDS,
    FIGURE_METRICS,
    OVERLAP_RELATIONS,
    SOURCE_KINDS,
    TIMINGS,
    VALUE_QUALIFIERS,
    BindingStatus,
    Confidence,
    Counterparty,
    CounterpartyFigure,
    Deal,
    DealKind,
    FigureMetric,
    Overlap,
    OverlapRelation,
    PressClaim,
    Security,
    SourceKind,
    Timing,
    ValueQualifier,
)
from dealstudy.errors import CatalogProblem

__all__ = [
    "COUNTERPARTIES_FILE",
    "DEAL_KEYS",
    "REQUIRED_DEAL_KEYS",
    "SECURITY_KEYS",
    "CatalogFiles",
    "check_deals",
    "parse_counterparties",
    "parse_deal",
    "read_catalog_files",
    "validate_catalog",
]

#: The counterparties file inside a catalog folder; every other ``*.yaml`` file is one deal.
COUNTERPARTIES_FILE: Final = "counterparties.yaml"

#: Deal keys in the order they are written.
DEAL_KEYS: Final = (
    "id",
    "title",
    "announced",
    "timing",
    "announced_at",
    "timing_note",
    "counterparty",
    "kind",
    "securities",
    "headline_value_usd",
    "value_qualifier",
    "value_text",
    "duration_years",
    "estimated_value_usd",
    "estimated_value_source",
    "binding_status",
    "binding_value_usd",
    "binding_basis",
    "confounders",
    "market_events",
    "related",
    "overlaps",
    "press_claims",
    "sources",
    "notes",
    "confidence",
)
REQUIRED_DEAL_KEYS: Final = (
    "id",
    "title",
    "announced",
    "timing",
    "counterparty",
    "kind",
    "securities",
    "binding_status",
    "sources",
)
SECURITY_KEYS: Final = ("ticker", "exchange", "role", "name", "timing")
SOURCE_KEYS: Final = ("url", "kind")
REQUIRED_SECURITY_KEYS: Final = ("ticker", "exchange", "role")
COUNTERPARTY_KEYS: Final = ("name", "listed", "ticker", "notes", "figures")
FIGURE_KEYS: Final = (
    "metric",
    "value_usd",
    "qualifier",
    "stated",
    "as_of",
    "horizon_years",
    "source",
    "note",
)
REQUIRED_FIGURE_KEYS: Final = ("metric", "value_usd", "stated", "source")
OVERLAP_KEYS: Final = ("deal", "relation", "amount_usd", "note")
REQUIRED_OVERLAP_KEYS: Final = ("deal", "relation")
PRESS_CLAIM_KEYS: Final = ("amount_usd", "basis", "security", "source", "date", "note")
REQUIRED_PRESS_CLAIM_KEYS: Final = ("amount_usd", "basis", "source")

_EASTERN: Final = ZoneInfo("America/New_York")


# ------------------------------------------------------------------------------------- deals
def parse_deal(data: object, file: str) -> tuple[Deal | None, list[CatalogProblem]]:
    """Check one deal's parsed YAML and build the :class:`Deal`.

    Parameters
    ----------
    data
        The value ``yaml.safe_load`` returned for the file (or a mapping built from a CSV row or options).
    file
        The name problems are reported against (``amazon-openai-38b.yaml``, ``deals.csv``).

    Returns
    -------
    deal, problems
        The deal (``None`` when there is any problem) and every problem found in this entry.
    """
    stem = file.rsplit("/", 1)[-1].removesuffix(".yaml")
    if not isinstance(data, Mapping):
        message = "file is empty" if data is None else f"expected a mapping of keys, got {describe(data)}"
        return None, [CatalogProblem(file, "", "", message)]
    raw_id = data.get("id")
    entry = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else stem
    p = Problems(file, entry)
    p.keys(data, DEAL_KEYS, REQUIRED_DEAL_KEYS)

    def get(key: str) -> object:
        return data.get(key, MISSING)

    deal_id = p.text("id", get("id"), required=True)
    if deal_id is not None and not ID_PATTERN.match(deal_id):
        p.add(
            "id",
            f"{quote(deal_id)} is not a valid id (lowercase letters, digits and hyphens; "
            "dots allowed inside, e.g. cipher-aws-5.5b)",
        )
    title = p.text("title", get("title"), required=True)
    announced, precision = p.partial_date("announced", get("announced"), required=True)
    timing = p.choice("timing", get("timing"), TIMINGS, required=True)
    announced_at = p.instant("announced_at", get("announced_at"))
    if precision == "month" and announced is not None:
        if timing is not None and timing != "unknown":
            p.add("timing", f"must be unknown when only the month is known (announced {get('announced')})")
        if announced_at is not None:
            p.add("announced_at", f"contradicts a month-only announcement date ({get('announced')})")
    if announced is not None and announced_at is not None and precision == "day":
        eastern = announced_at.astimezone(_EASTERN).date()
        if abs((eastern - announced).days) > 1:
            p.add(
                "announced_at",
                f"is {eastern.isoformat()} in US Eastern time, more than one day from announced "
                f"({announced.isoformat()})",
            )
    timing_note = p.text("timing_note", get("timing_note"))
    counterparty = p.text("counterparty", get("counterparty"), required=True)
    kind = p.choice("kind", get("kind"), DEAL_KINDS, required=True)
    securities = _parse_securities(p, get("securities"))
    headline = p.number("headline_value_usd", get("headline_value_usd"))
    qualifier = p.choice("value_qualifier", get("value_qualifier"), VALUE_QUALIFIERS)
    value_text = p.text("value_text", get("value_text"))
    duration = p.number("duration_years", get("duration_years"))
    estimated = p.number("estimated_value_usd", get("estimated_value_usd"))
    estimated_source = p.url("estimated_value_source", get("estimated_value_source"))
    if estimated is not None and get("estimated_value_source") in (MISSING, None):
        p.add("estimated_value_source", "required when estimated_value_usd is set")
    binding_status = p.choice("binding_status", get("binding_status"), BINDING_STATUSES, required=True)
    binding = p.number("binding_value_usd", get("binding_value_usd"))
    binding_basis = p.text("binding_basis", get("binding_basis"))
    if binding is not None and get("binding_basis") in (MISSING, None):
        p.add("binding_basis", "required when binding_value_usd is set")
    if binding is not None and headline is not None and binding > headline:
        p.add(
            "binding_value_usd",
            f"binding value ({format_usd(binding)}) exceeds the headline value ({format_usd(headline)})",
        )
    confounders = p.text_list("confounders", get("confounders"))
    market_events = p.text_list("market_events", get("market_events"))
    related = p.text_list("related", get("related"))
    if related is not None and deal_id is not None:
        for i, other in enumerate(related):
            if other == deal_id:
                p.add(f"related[{i}]", "a deal cannot be related to itself")
    overlaps = _parse_overlaps(p, get("overlaps"), deal_id, headline)
    press_claims = _parse_press_claims(p, get("press_claims"), securities)
    cited = _parse_sources(p, get("sources"))
    notes = p.text("notes", get("notes"))
    confidence = p.choice("confidence", get("confidence"), CONFIDENCES)

    if p.items:
        return None, p.items
    # Every required field parsed (otherwise a problem was recorded above).
    assert deal_id is not None and title is not None and announced is not None and timing is not None  # noqa: PT018
    assert counterparty is not None and kind is not None and binding_status is not None  # noqa: PT018
    assert securities is not None and cited is not None  # noqa: PT018
    assert confounders is not None and related is not None and market_events is not None  # noqa: PT018
    assert overlaps is not None and press_claims is not None  # noqa: PT018
    deal = Deal(
        id=deal_id,
        title=title,
        announced=announced,
        timing=cast(Timing, timing),
        counterparty=counterparty,
        kind=cast(DealKind, kind),
        binding_status=cast(BindingStatus, binding_status),
        securities=securities,
        sources=cited[0],
        source_kinds=cited[1],
        announced_at=announced_at,
        announced_precision=precision,
        timing_note=timing_note,
        headline_value_usd=headline,
        value_qualifier=cast(ValueQualifier | None, qualifier),
        value_text=value_text,
        duration_years=duration,
        estimated_value_usd=estimated,
        estimated_value_source=estimated_source,
        binding_value_usd=binding,
        binding_basis=binding_basis,
        confounders=confounders,
        market_events=market_events,
        related=related,
        overlaps=overlaps,
        press_claims=press_claims,
        notes=notes,
        confidence=cast(Confidence | None, confidence),
    )
    return deal, []


def _parse_securities(p: Problems, value: object) -> tuple[Security, ...] | None:
    if value is MISSING:
        return None
    if value is None:
        p.add("securities", "must be a list (write [] when no listed company is affected)")
        return None
    items = p.items_of("securities", value)
    if items is None:
        return None
    before = len(p.items)
    result: list[Security] = []
    first_index: dict[str, int] = {}
    for i, item in enumerate(items):
        prefix = f"securities[{i}]"
        if not isinstance(item, Mapping):
            p.add(prefix, f"expected a mapping with ticker, exchange and role, got {describe(item)}")
            continue
        p.keys(item, SECURITY_KEYS, REQUIRED_SECURITY_KEYS, prefix=prefix + ".")
        ticker = p.text(f"{prefix}.ticker", item.get("ticker", MISSING), required=True)
        if ticker is not None and (problem := ticker_problem(ticker)) is not None:
            p.add(f"{prefix}.ticker", problem)
            ticker = None
        if ticker is not None:
            if ticker in first_index:
                p.add(
                    f"{prefix}.ticker",
                    f"ticker {quote(ticker)} is listed more than once "
                    f"(also securities[{first_index[ticker]}])",
                )
            else:
                first_index[ticker] = i
        exchange = p.text(f"{prefix}.exchange", item.get("exchange", MISSING), required=True)
        if exchange is not None and (problem := mic_problem(exchange)) is not None:
            p.add(f"{prefix}.exchange", problem)
            exchange = None
        if ticker is not None and exchange is not None and (problem := listing_mismatch(ticker, exchange)):
            p.add(f"{prefix}.exchange", problem)
        role = p.text(f"{prefix}.role", item.get("role", MISSING), required=True)
        name = p.text(f"{prefix}.name", item.get("name", MISSING))
        timing = p.choice(f"{prefix}.timing", item.get("timing", MISSING), TIMINGS)
        if ticker is not None and exchange is not None and role is not None:
            result.append(Security(ticker, role, exchange, name, cast(Timing | None, timing)))
    if len(p.items) != before:
        return None
    return tuple(result)


def _parse_overlaps(
    p: Problems, value: object, deal_id: str | None, headline: float | None
) -> tuple[Overlap, ...] | None:
    """``overlaps``: other deals whose headline shares dollars with this one (ids checked across files)."""
    items = p.items_of("overlaps", value)
    if items is None:
        return None if value not in (MISSING, None) else ()
    before = len(p.items)
    result: list[Overlap] = []
    for i, item in enumerate(items):
        prefix = f"overlaps[{i}]"
        if not isinstance(item, Mapping):
            p.add(prefix, f"expected a mapping with deal and relation, got {describe(item)}")
            continue
        p.keys(item, OVERLAP_KEYS, REQUIRED_OVERLAP_KEYS, prefix=prefix + ".")
        other = p.text(f"{prefix}.deal", item.get("deal", MISSING), required=True)
        if other is not None and other == deal_id:
            p.add(f"{prefix}.deal", "a deal cannot overlap itself")
        relation = p.choice(
            f"{prefix}.relation", item.get("relation", MISSING), OVERLAP_RELATIONS, required=True
        )
        amount = p.number(f"{prefix}.amount_usd", item.get("amount_usd", MISSING))
        if amount is not None and headline is not None and amount > headline:
            p.add(
                f"{prefix}.amount_usd",
                f"overlapping amount ({format_usd(amount)}) exceeds this deal's headline value "
                f"({format_usd(headline)})",
            )
        note = p.text(f"{prefix}.note", item.get("note", MISSING))
        if other is not None and relation is not None:
            result.append(Overlap(other, cast(OverlapRelation, relation), amount, note))
    if len(p.items) != before:
        return None
    return tuple(result)


def _parse_press_claims(
    p: Problems, value: object, securities: tuple[Security, ...] | None
) -> tuple[PressClaim, ...] | None:
    """``press_claims``: what the press said the market did, each with its basis and https source."""
    items = p.items_of("press_claims", value)
    if items is None:
        return None if value not in (MISSING, None) else ()
    before = len(p.items)
    tickers = {s.ticker for s in securities or ()}
    result: list[PressClaim] = []
    for i, item in enumerate(items):
        prefix = f"press_claims[{i}]"
        if not isinstance(item, Mapping):
            p.add(prefix, f"expected a mapping with amount_usd, basis and source, got {describe(item)}")
            continue
        p.keys(item, PRESS_CLAIM_KEYS, REQUIRED_PRESS_CLAIM_KEYS, prefix=prefix + ".")
        amount = p.number(f"{prefix}.amount_usd", item.get("amount_usd", MISSING))
        if "amount_usd" in item and item["amount_usd"] is None:
            p.add(f"{prefix}.amount_usd", "must not be null")
        basis = p.text(f"{prefix}.basis", item.get("basis", MISSING), required=True)
        security = p.text(f"{prefix}.security", item.get("security", MISSING))
        if security is not None and securities is not None and security not in tickers:
            listed = ", ".join(sorted(tickers)) or "none"
            p.add(f"{prefix}.security", f"{quote(security)} is not one of this deal's tickers ({listed})")
        source = p.url(f"{prefix}.source", item.get("source", MISSING), required=True)
        date = p.date(f"{prefix}.date", item.get("date", MISSING))
        note = p.text(f"{prefix}.note", item.get("note", MISSING))
        if amount is not None and basis is not None and source is not None:
            result.append(PressClaim(amount, basis, source, security, date, note))
    if len(p.items) != before:
        return None
    return tuple(result)


def _parse_sources(
    p: Problems, value: object
) -> tuple[tuple[str, ...], tuple[SourceKind | None, ...]] | None:
    """``sources``: https URLs, each plain or as ``{url, kind}`` with kind ``primary`` or ``press``."""
    if value is MISSING:
        return None
    items = p.items_of("sources", value)
    if items is None:
        if value is None:
            p.add("sources", "at least one https source is required")
        return None
    if not items:
        p.add("sources", "at least one https source is required")
        return None
    before = len(p.items)
    urls: list[str | None] = []
    kinds: list[SourceKind | None] = []
    for i, item in enumerate(items):
        name = f"sources[{i}]"
        if isinstance(item, Mapping):
            p.keys(item, SOURCE_KEYS, SOURCE_KEYS, prefix=name + ".")
            urls.append(p.url(f"{name}.url", item.get("url", MISSING), required=True))
            kind = p.choice(f"{name}.kind", item.get("kind", MISSING), SOURCE_KINDS, required=True)
            kinds.append(cast(SourceKind | None, kind))
        else:
            urls.append(p.url(name, item, required=True))
            kinds.append(None)
    if len(p.items) != before:
        return None
    return tuple(u for u in urls if u is not None), (tuple(kinds) if any(kinds) else ())


# ---------------------------------------------------------------------------- counterparties
def parse_counterparties(
    data: object, file: str = COUNTERPARTIES_FILE
) -> tuple[tuple[Counterparty, ...], list[CatalogProblem]]:
    """Check ``counterparties.yaml`` and build its :class:`Counterparty` records (empty on any problem)."""
    top = Problems(file, "")
    if data is None:
        return (), [CatalogProblem(file, "", "", "file is empty (write 'counterparties: []')")]
    if not isinstance(data, Mapping):
        return (), [
            CatalogProblem(
                file, "", "", f"expected a mapping with key 'counterparties', got {describe(data)}"
            )
        ]
    top.keys(data, ("counterparties",), ("counterparties",))
    entries = top.items_of("counterparties", data.get("counterparties", MISSING))
    problems = list(top.items)
    result: list[Counterparty] = []
    first_index: dict[str, int] = {}
    for i, item in enumerate(entries or []):
        fallback = f"counterparties[{i}]"
        if not isinstance(item, Mapping):
            problems.append(CatalogProblem(file, fallback, "", f"expected a mapping, got {describe(item)}"))
            continue
        raw_name = item.get("name")
        p = Problems(file, raw_name.strip() if isinstance(raw_name, str) and raw_name.strip() else fallback)
        p.keys(item, COUNTERPARTY_KEYS, ("name",))
        name = p.text("name", item.get("name", MISSING), required=True)
        if name is not None:
            if name in first_index:
                p.add("name", f"duplicate counterparty name (also counterparties[{first_index[name]}])")
            else:
                first_index[name] = i
        listed = p.boolean("listed", item.get("listed", MISSING))
        ticker = p.text("ticker", item.get("ticker", MISSING))
        notes = p.text("notes", item.get("notes", MISSING))
        figures = _parse_figures(p, item.get("figures", MISSING))
        problems.extend(p.items)
        if not p.items and name is not None and figures is not None:
            result.append(Counterparty(name, bool(listed), ticker, figures, notes))
    if problems:
        return (), problems
    return tuple(result), []


def _parse_figures(p: Problems, value: object) -> tuple[CounterpartyFigure, ...] | None:
    items = p.items_of("figures", value)
    if items is None:
        return None if value not in (MISSING, None) else ()
    before = len(p.items)
    result: list[CounterpartyFigure] = []
    for i, item in enumerate(items):
        prefix = f"figures[{i}]"
        if not isinstance(item, Mapping):
            p.add(prefix, f"expected a mapping, got {describe(item)}")
            continue
        p.keys(item, FIGURE_KEYS, REQUIRED_FIGURE_KEYS, prefix=prefix + ".")
        metric = p.choice(f"{prefix}.metric", item.get("metric", MISSING), FIGURE_METRICS, required=True)
        value_usd = p.number(f"{prefix}.value_usd", item.get("value_usd", MISSING))
        if "value_usd" in item and item["value_usd"] is None:
            p.add(f"{prefix}.value_usd", "must not be null")
        qualifier = p.choice(f"{prefix}.qualifier", item.get("qualifier", MISSING), VALUE_QUALIFIERS)
        stated = p.date(f"{prefix}.stated", item.get("stated", MISSING), required=True)
        as_of = p.date(f"{prefix}.as_of", item.get("as_of", MISSING))
        horizon = p.number(f"{prefix}.horizon_years", item.get("horizon_years", MISSING))
        source = p.url(f"{prefix}.source", item.get("source", MISSING), required=True)
        note = p.text(f"{prefix}.note", item.get("note", MISSING))
        if metric is not None and value_usd is not None and stated is not None and source is not None:
            result.append(
                CounterpartyFigure(
                    metric=cast(FigureMetric, metric),
                    value_usd=value_usd,
                    stated=stated,
                    source=source,
                    qualifier=cast(ValueQualifier | None, qualifier),
                    as_of=as_of,
                    horizon_years=horizon,
                    note=note,
                )
            )
    if len(p.items) != before:
        return None
    return tuple(result)


# ----------------------------------------------------------------------------------- folders
@dataclass(frozen=True)
class CatalogFiles:
    """What a catalog folder holds, parsed: deals with their file names, counterparties, problems."""

    deals: tuple[tuple[str, Deal], ...]
    counterparties: tuple[Counterparty, ...]
    problems: tuple[CatalogProblem, ...]
    raw: tuple[tuple[str, bytes], ...]  # every catalog file's name and bytes, sorted by name
    earnings: EarningsCalendar = field(default_factory=EarningsCalendar)


def _read_text(path: Path, name: str) -> tuple[bytes, str | None, list[CatalogProblem]]:
    """The file's bytes and text; a file over :data:`MAX_FILE_BYTES` is refused before it is read."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            message = (
                f"file is {size:,} bytes; a catalog file may hold at most {MAX_FILE_BYTES:,} bytes (1 MB), "
                "a deal takes a few kilobytes"
            )
            return b"", None, [CatalogProblem(name, "", "", message)]
        data = path.read_bytes()
    except OSError as exc:
        return b"", None, [CatalogProblem(name, "", "", f"cannot read the file: {exc.strerror or exc}")]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return (
            data,
            None,
            [CatalogProblem(name, "", "", f"not UTF-8 text (invalid byte at offset {exc.start})")],
        )
    return data, text.removeprefix("\ufeff"), []


def read_catalog_files(directory: Path | str) -> CatalogFiles:
    """Read and check every file of a catalog folder; never raises for bad content."""
    folder = Path(directory)
    if not folder.is_dir():
        problem = CatalogProblem(str(folder), "", "", "catalog folder does not exist or is not a folder")
        return CatalogFiles((), (), (problem,), ())
    problems: list[CatalogProblem] = []
    deals: list[tuple[str, Deal]] = []
    counterparties: tuple[Counterparty, ...] = ()
    earnings = EarningsCalendar()
    raw: list[tuple[str, bytes]] = []
    broken_ids: list[str] = []
    broken: list[tuple[str, DealRefs]] = []
    for path in sorted(folder.iterdir(), key=lambda q: q.name):
        name = path.name
        if name.startswith(".") or not path.is_file():
            continue
        if name.endswith(".yml"):
            problems.append(CatalogProblem(name, "", "", "catalog files must end in .yaml, not .yml"))
            continue
        if not name.endswith(".yaml"):
            continue
        data, text, read_problems = _read_text(path, name)
        raw.append((name, data))
        if text is None:
            problems.extend(read_problems)
            continue
        parsed, yaml_problems = load_yaml_text(text, name)
        if yaml_problems:
            problems.extend(yaml_problems)
            broken_ids.append(name.removesuffix(".yaml"))
            continue
        if name == COUNTERPARTIES_FILE:
            counterparties, cp_problems = parse_counterparties(parsed, name)
            problems.extend(cp_problems)
            continue
        if name == EARNINGS_FILE:
            earnings, earnings_problems = parse_earnings(parsed, name)
            problems.extend(earnings_problems)
            continue
        deal, deal_problems = parse_deal(parsed, name)
        problems.extend(deal_problems)
        if deal is not None:
            deals.append((name, deal))
            continue
        broken_ids.append(name.removesuffix(".yaml"))
        refs = refs_of_mapping(parsed)
        if refs is not None:  # cross-file rules still apply to a deal that has an id
            broken.append((name, refs))
    problems.extend(check_deals([*deals, *broken], broken_ids))
    order = {name: i for i, (name, _) in enumerate(raw)}
    problems.sort(key=lambda q: order.get(q.file, -1))  # stable: keeps in-file order
    return CatalogFiles(tuple(deals), counterparties, tuple(problems), tuple(raw), earnings)


def validate_catalog(directory: Path | str = "events") -> list[CatalogProblem]:
    """Every problem in a catalog folder (empty when it is valid), in file order.

    Examples
    --------
    >>> validate_catalog("events")  # doctest: +SKIP
    []
    """
    return list(read_catalog_files(directory).problems)
