"""Validation: turn parsed YAML into :mod:`~dealstudy.catalog.schema` objects, reporting every problem.

Three levels, each adding :class:`~dealstudy.errors.CatalogProblem` records rather than raising:

* :func:`parse_deal` and :func:`parse_counterparties` check one file's content against the pydantic models
  of :mod:`~dealstudy.catalog.models` (keys, types, closed sets, URLs, values and the rules that tie fields
  together) and build the :mod:`~dealstudy.catalog.schema` objects;
* :func:`check_deals` checks rules across files (duplicate ids, file names, related ids);
* :func:`validate_catalog` reads a catalog folder and runs both.

The rules and their messages are listed in ``events/README.md``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, Literal, cast

from pydantic import ValidationError

from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.catalog.crossfile import DealRefs, check_deals, refs_of_mapping
from dealstudy.catalog.earnings import EARNINGS_FILE, EarningsCalendar, parse_earnings
from dealstudy.catalog.fields import describe
from dealstudy.catalog.models import (
    CounterpartiesFile,
    CounterpartyEntry,
    DealEntry,
    FigureEntry,
    SecurityEntry,
    SourceEntry,
    problems_of,
)
from dealstudy.catalog.rules import MAX_FILE_BYTES
from dealstudy.catalog.schema import (
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

#: Keys of each kind of mapping, in the order they are written (declared by the models).
DEAL_KEYS: Final = tuple(DealEntry.model_fields)
REQUIRED_DEAL_KEYS: Final = tuple(k for k, f in DealEntry.model_fields.items() if f.is_required())
SECURITY_KEYS: Final = tuple(SecurityEntry.model_fields)
SOURCE_KEYS: Final = tuple(SourceEntry.model_fields)
COUNTERPARTY_KEYS: Final = tuple(CounterpartyEntry.model_fields)
FIGURE_KEYS: Final = tuple(FigureEntry.model_fields)


# ------------------------------------------------------------------------------------- deals
def parse_deal(data: object, file: str) -> tuple[Deal | None, list[CatalogProblem]]:
    """Check one deal's parsed YAML against :class:`~.models.DealEntry` and build the :class:`Deal`.

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
    if not isinstance(data, Mapping):
        message = "file is empty" if data is None else f"expected a mapping of keys, got {describe(data)}"
        return None, [CatalogProblem(file, "", "", message)]
    raw_id = data.get("id")
    stem = file.rsplit("/", 1)[-1].removesuffix(".yaml")
    entry = raw_id.strip() if isinstance(raw_id, str) and raw_id.strip() else stem
    try:
        checked = DealEntry.model_validate(data)
    except ValidationError as exc:
        return None, problems_of(exc, DealEntry, file, entry)
    return _deal(checked), []


def _deal(entry: DealEntry) -> Deal:
    sources = [
        s if isinstance(s, SourceEntry) else SourceEntry.model_construct(url=s, kind=None)
        for s in entry.sources
    ]
    kinds = tuple(cast(SourceKind | None, s.kind) for s in sources)
    return Deal(
        id=entry.id,
        title=entry.title,
        announced=entry.announced[0],
        announced_precision=cast(Literal["day", "month"], entry.announced[1]),
        timing=cast(Timing, entry.timing),
        counterparty=entry.counterparty,
        kind=cast(DealKind, entry.kind),
        binding_status=cast(BindingStatus, entry.binding_status),
        securities=tuple(
            Security(
                s.ticker,
                s.role,
                s.exchange,
                s.name,
                cast(Timing | None, s.timing),
                s.stated_headline_usd,
                s.stated_binding_usd,
            )
            for s in entry.securities
        ),
        sources=tuple(s.url for s in sources),
        source_kinds=kinds if any(kinds) else (),
        announced_at=entry.announced_at,
        timing_note=entry.timing_note,
        headline_value_usd=entry.headline_value_usd,
        value_qualifier=cast(ValueQualifier | None, entry.value_qualifier),
        value_text=entry.value_text,
        duration_years=entry.duration_years,
        estimated_value_usd=entry.estimated_value_usd,
        estimated_value_source=entry.estimated_value_source,
        binding_value_usd=entry.binding_value_usd,
        binding_basis=entry.binding_basis,
        confounders=tuple(entry.confounders),
        market_events=tuple(entry.market_events),
        related=tuple(entry.related),
        overlaps=tuple(
            Overlap(o.deal, cast(OverlapRelation, o.relation), o.amount_usd, o.note) for o in entry.overlaps
        ),
        press_claims=tuple(
            PressClaim(c.amount_usd, c.basis, c.source, c.security, c.date, c.note)
            for c in entry.press_claims
        ),
        notes=entry.notes,
        confidence=cast(Confidence | None, entry.confidence),
        primary_source_note=entry.primary_source_note,
    )


# ---------------------------------------------------------------------------- counterparties
def parse_counterparties(
    data: object, file: str = COUNTERPARTIES_FILE
) -> tuple[tuple[Counterparty, ...], list[CatalogProblem]]:
    """Check ``counterparties.yaml`` and build its :class:`Counterparty` records (empty on any problem)."""
    if data is None:
        return (), [CatalogProblem(file, "", "", "file is empty (write 'counterparties: []')")]
    if not isinstance(data, Mapping):
        message = f"expected a mapping with key 'counterparties', got {describe(data)}"
        return (), [CatalogProblem(file, "", "", message)]
    try:
        checked = CounterpartiesFile.model_validate(data)
    except ValidationError as exc:
        entries = data.get("counterparties")
        return (), [_counterparty_problem(p, entries) for p in problems_of(exc, CounterpartiesFile, file, "")]
    return tuple(
        Counterparty(
            c.name,
            bool(c.listed),
            c.ticker,
            tuple(
                CounterpartyFigure(
                    metric=cast(FigureMetric, f.metric),
                    value_usd=f.value_usd,
                    stated=f.stated,
                    source=f.source,
                    qualifier=cast(ValueQualifier | None, f.qualifier),
                    as_of=f.as_of,
                    horizon_years=f.horizon_years,
                    note=f.note,
                )
                for f in c.figures
            ),
            c.notes,
        )
        for c in checked.counterparties
    ), []


def _counterparty_problem(problem: CatalogProblem, entries: object) -> CatalogProblem:
    """Report ``counterparties[i].field`` against the entry's name (``counterparties[i]`` without one)."""
    match = re.match(r"^counterparties\[(\d+)\]\.?(.*)$", problem.field)
    if match is None:
        return problem
    index, field = int(match.group(1)), match.group(2)
    item = entries[index] if isinstance(entries, list) and index < len(entries) else None
    name = item.get("name") if isinstance(item, Mapping) else None
    entry = name.strip() if isinstance(name, str) and name.strip() else f"counterparties[{index}]"
    return CatalogProblem(problem.file, entry, field, problem.message)


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
