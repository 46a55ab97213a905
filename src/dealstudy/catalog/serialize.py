"""Deals as plain data and as catalog YAML (the inverse of :func:`~dealstudy.catalog.validate.parse_deal`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from dealstudy.catalog._yaml import dump_yaml
from dealstudy.catalog.schema import Deal, Security

__all__ = ["deal_to_dict", "deal_to_json_dict", "deal_to_yaml"]


def _security_to_dict(security: Security) -> dict[str, Any]:
    out: dict[str, Any] = {"ticker": security.ticker, "exchange": security.exchange, "role": security.role}
    if security.name is not None:
        out["name"] = security.name
    if security.timing is not None:
        out["timing"] = security.timing
    for key in ("stated_headline_usd", "stated_binding_usd"):
        if (amount := getattr(security, key)) is not None:
            out[key] = amount
    return out


def deal_to_dict(deal: Deal) -> dict[str, Any]:
    """The deal as the mapping its YAML file holds: every key, in the documented order, dates as dates."""
    return {
        "id": deal.id,
        "title": deal.title,
        "announced": deal.announced if deal.announced_precision == "day" else f"{deal.announced:%Y-%m}",
        "timing": deal.timing,
        "announced_at": deal.announced_at,
        "timing_note": deal.timing_note,
        "counterparty": deal.counterparty,
        "kind": deal.kind,
        "securities": [_security_to_dict(s) for s in deal.securities],
        "headline_value_usd": deal.headline_value_usd,
        "value_qualifier": deal.value_qualifier,
        "value_text": deal.value_text,
        "duration_years": deal.duration_years,
        "estimated_value_usd": deal.estimated_value_usd,
        "estimated_value_source": deal.estimated_value_source,
        "binding_status": deal.binding_status,
        "binding_value_usd": deal.binding_value_usd,
        "binding_basis": deal.binding_basis,
        "confounders": list(deal.confounders),
        "market_events": list(deal.market_events),
        "related": list(deal.related),
        "overlaps": [dataclasses.asdict(o) for o in deal.overlaps],
        "press_claims": [dataclasses.asdict(c) for c in deal.press_claims],
        "sources": [s.url if s.kind is None else {"url": s.url, "kind": s.kind} for s in deal.cited_sources],
        "primary_source_note": deal.primary_source_note,
        "notes": deal.notes,
        "confidence": deal.confidence,
    }


def deal_to_json_dict(deal: Deal) -> dict[str, Any]:
    """The deal as JSON-ready data: dates and instants as ISO 8601 text, plus the derived fields."""
    out = deal_to_dict(deal)
    out["announced"] = deal.announced.isoformat() if deal.announced_precision == "day" else out["announced"]
    out["announced_precision"] = deal.announced_precision
    out["announced_at"] = deal.announced_at.isoformat() if deal.announced_at is not None else None
    for claim in out["press_claims"]:
        claim["date"] = claim["date"].isoformat() if claim["date"] is not None else None
    out["sources"] = [{"url": s.url, "kind": s.kind} for s in deal.cited_sources]
    out["has_primary_source"] = deal.has_primary_source
    out["non_binding_value_usd"] = deal.non_binding_value_usd
    out["confounded"] = deal.confounded
    return out


def deal_to_yaml(deal: Deal) -> str:
    """The deal as the text of its catalog file ``<id>.yaml``.

    Reading the text back with the catalog loader gives an equal :class:`Deal`. Unknown values are written
    as ``null`` so that an editor sees every field.
    """
    return dump_yaml(deal_to_dict(deal))
