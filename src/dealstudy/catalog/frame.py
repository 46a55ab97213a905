"""The catalog as a table: one row per deal x security."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Final

import pandas as pd

from dealstudy.catalog.schema import Deal, Security

__all__ = ["FRAME_COLUMNS", "catalog_frame"]

#: Columns of :func:`catalog_frame`, in order.
FRAME_COLUMNS: Final = (
    "deal_id",
    "title",
    "announced",
    "announced_precision",
    "timing",
    "timing_overridden",
    "announced_at",
    "counterparty",
    "kind",
    "ticker",
    "exchange",
    "role",
    "security_name",
    "headline_value_usd",
    "binding_value_usd",
    "non_binding_value_usd",
    "value_qualifier",
    "duration_years",
    "estimated_value_usd",
    "binding_status",
    "confounded",
    "related",
    "n_sources",
    "confidence",
)


def _row(deal: Deal, security: Security | None) -> dict[str, Any]:
    timing = security.timing if security is not None and security.timing is not None else deal.timing
    return {
        "deal_id": deal.id,
        "title": deal.title,
        "announced": pd.Timestamp(deal.announced),
        "announced_precision": deal.announced_precision,
        "timing": timing,
        "timing_overridden": security is not None and security.timing is not None,
        "announced_at": pd.Timestamp(deal.announced_at).tz_convert("UTC") if deal.announced_at else pd.NaT,
        "counterparty": deal.counterparty,
        "kind": deal.kind,
        "ticker": security.ticker if security else None,
        "exchange": security.exchange if security else None,
        "role": security.role if security else None,
        "security_name": security.name if security else None,
        "headline_value_usd": deal.headline_value_usd,
        "binding_value_usd": deal.binding_value_usd,
        "non_binding_value_usd": deal.non_binding_value_usd,
        "value_qualifier": deal.value_qualifier,
        "duration_years": deal.duration_years,
        "estimated_value_usd": deal.estimated_value_usd,
        "binding_status": deal.binding_status,
        "confounded": deal.confounded,
        "related": ";".join(deal.related),
        "n_sources": len(deal.sources),
        "confidence": deal.confidence,
    }


def catalog_frame(deals: Iterable[Deal]) -> pd.DataFrame:
    """Flatten deals to one row per deal x security.

    ``timing`` is the *effective* timing for that listing (its own override when given, else the deal's;
    ``timing_overridden`` says which). ``announced`` is a midnight timestamp (the calendar date);
    ``announced_at`` is the known instant in UTC (``NaT`` when unknown). Values are float USD with ``NaN``
    for unknown. ``related`` is the ``;``-joined list of related ids. A deal without securities keeps one
    row with empty ``ticker``, ``exchange`` and ``role`` so that nothing disappears silently.
    """
    rows = [_row(deal, sec) for deal in deals for sec in (deal.securities or (None,))]
    frame = pd.DataFrame(rows, columns=list(FRAME_COLUMNS))
    frame["announced"] = pd.to_datetime(frame["announced"])
    frame["announced_at"] = pd.to_datetime(frame["announced_at"], utc=True)
    for column in (
        "headline_value_usd",
        "binding_value_usd",
        "non_binding_value_usd",
        "duration_years",
        "estimated_value_usd",
    ):
        frame[column] = frame[column].astype("float64")
    frame["confounded"] = frame["confounded"].astype(bool)
    frame["timing_overridden"] = frame["timing_overridden"].astype(bool)
    frame["n_sources"] = frame["n_sources"].astype("int64")
    return frame
