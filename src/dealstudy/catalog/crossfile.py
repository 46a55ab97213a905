"""Rules across deal files: file names match ids, ids are unique, referenced ids exist, overlaps fit.

They run for every deal that has a valid id, including deals whose other fields fail: a broken file still
takes part through the references that can be read from it (:func:`refs_of_mapping`).
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from dealstudy.catalog.fields import ID_PATTERN, format_usd
from dealstudy.catalog.schema import Deal
from dealstudy.errors import CatalogProblem

__all__ = ["DealRefs", "check_deals", "refs_of_deal", "refs_of_mapping"]


@dataclass(frozen=True)
class DealRefs:
    """What the cross-file rules need of a deal: its id, headline and the ids it refers to, by position."""

    id: str
    headline_value_usd: float | None = None
    related: tuple[tuple[int, str], ...] = ()
    overlaps: tuple[tuple[int, str, float | None], ...] = ()  # (position, other id, overlapping amount)


def refs_of_deal(deal: Deal) -> DealRefs:
    """The references of a validated deal."""
    return DealRefs(
        deal.id,
        deal.headline_value_usd,
        tuple(enumerate(deal.related)),
        tuple((i, o.deal, o.amount_usd) for i, o in enumerate(deal.overlaps)),
    )


def _number(value: object) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def refs_of_mapping(data: object) -> DealRefs | None:
    """The references readable from a deal file's content that failed validation (``None`` without an id).

    Only well-formed pieces are taken (an id matching the slug rule, text entries of ``related``, mappings
    of ``overlaps`` with a text ``deal``); the field problems themselves are reported by the deal's checks.
    """
    if not isinstance(data, Mapping):
        return None
    raw_id = data.get("id")
    deal_id = raw_id.strip() if isinstance(raw_id, str) else ""
    if not ID_PATTERN.match(deal_id):
        return None
    related = data.get("related")
    related = related if isinstance(related, list) else []
    overlaps = data.get("overlaps")
    overlaps = overlaps if isinstance(overlaps, list) else []
    return DealRefs(
        deal_id,
        _number(data.get("headline_value_usd")),
        tuple((i, r.strip()) for i, r in enumerate(related) if isinstance(r, str)),
        tuple(
            (i, o["deal"].strip(), _number(o.get("amount_usd")))
            for i, o in enumerate(overlaps)
            if isinstance(o, Mapping) and isinstance(o.get("deal"), str)
        ),
    )


def _unknown_id(other: str, known: Iterable[str]) -> str:
    close = difflib.get_close_matches(other, sorted(known), n=1, cutoff=0.8)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return f"unknown deal id '{other}'{hint}"


def _identity_problems(file: str, deal_id: str, files: list[str]) -> list[CatalogProblem]:
    problems: list[CatalogProblem] = []
    if file.endswith(".yaml") and file.rsplit("/", 1)[-1] != f"{deal_id}.yaml":
        message = (
            f"id '{deal_id}' does not match the file name '{file}' (the file must be named {deal_id}.yaml)"
        )
        problems.append(CatalogProblem(file, deal_id, "id", message))
    if len(files) > 1:
        others = [f for f in files if f != file]
        where = ", ".join(others) if others else "the same file"
        problems.append(CatalogProblem(file, deal_id, "id", f"duplicate id '{deal_id}' (also in {where})"))
    return problems


def check_deals(
    deals: Sequence[tuple[str, Deal | DealRefs]], other_ids: Iterable[str] = ()
) -> list[CatalogProblem]:
    """Rules across deal files: file name equals id, ids unique, related and overlapping ids exist.

    ``deals`` pairs each deal (or the references of a deal that failed its own checks) with the file it came
    from. A file whose name does not end in ``.yaml`` (a CSV row, command-line options) is not checked against
    its id. ``other_ids`` are further ids that count as existing (file names of deals that failed to parse).
    An overlapping amount may not exceed the other deal's headline (its own is checked with the deal).
    """
    refs = [(file, d if isinstance(d, DealRefs) else refs_of_deal(d)) for file, d in deals]
    files_by_id: dict[str, list[str]] = {}
    for file, ref in refs:
        files_by_id.setdefault(ref.id, []).append(file)
    known = set(files_by_id) | set(other_ids)
    headlines = {ref.id: ref.headline_value_usd for _, ref in refs}
    problems: list[CatalogProblem] = []
    for file, ref in refs:
        problems.extend(_identity_problems(file, ref.id, files_by_id[ref.id]))
        for i, other in ref.related:
            if other not in known:
                problems.append(CatalogProblem(file, ref.id, f"related[{i}]", _unknown_id(other, known)))
        for i, other, amount in ref.overlaps:
            if other not in known:
                message = _unknown_id(other, known)
                problems.append(CatalogProblem(file, ref.id, f"overlaps[{i}].deal", message))
                continue
            limit = headlines.get(other)
            if amount is not None and limit is not None and amount > limit:
                message = (
                    f"overlapping amount ({format_usd(amount)}) exceeds the headline value of '{other}' "
                    f"({format_usd(limit)})"
                )
                problems.append(CatalogProblem(file, ref.id, f"overlaps[{i}].amount_usd", message))
    return problems
