"""Deal x security "legs": the unit of the dollar-value layer, built from catalog deals.

One row per listed security of every deal, with the deal's attributes repeated. ``direct`` separates the
parties to the deal from securities listed only as a read-across or as the subject of a report.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dealstudy.catalog.schema import Deal
from dealstudy.economy.currency import currency_for_mic

__all__ = [
    "INDIRECT_ROLES",
    "LEG_COLUMNS",
    "NON_DEAL_KINDS",
    "company_part",
    "deals_frame",
    "event_id_for",
    "legs_frame",
]

#: Roles that are not a party to the deal: their reaction is a spill-over, not the deal's value.
INDIRECT_ROLES: frozenset[str] = frozenset({"read-across", "subject"})

#: Kinds that are not announcements of a deal's terms (a walk-back or delay report). Filing disclosures that
#: reveal a deal's value (Oracle's RPO in September 2025, Broadcom's $10B order) are the first public news of
#: those deals and count as announcements; a disclosure without a deal (status ``disclosure_or_report``) does
#: not.
NON_DEAL_KINDS: frozenset[str] = frozenset({"revision_report"})

LEG_COLUMNS: tuple[str, ...] = (
    "event_id",
    "deal_id",
    "ticker",
    "position",
    "role",
    "direct",
    "exchange",
    "currency",
    "announced",
    "counterparty",
    "kind",
    "binding_status",
    "headline_value_usd",
    "binding_value_usd",
    "non_binding_value_usd",
    "duration_years",
    "confounded",
)


def event_id_for(deal_id: str, ticker: str) -> str:
    """The study's event id of one leg: ``<deal_id>:<ticker>``."""
    return f"{deal_id}:{ticker}"


def _num(value: float | None) -> float:
    return float("nan") if value is None else float(value)


def _deal_values(deal: Deal) -> dict[str, object]:
    """The deal-level columns shared by :func:`legs_frame` and :func:`deals_frame`, in column order."""
    return {
        "announced": pd.Timestamp(deal.announced),
        "counterparty": deal.counterparty,
        "kind": deal.kind,
        "binding_status": deal.binding_status,
        "headline_value_usd": _num(deal.headline_value_usd),
        "binding_value_usd": _num(deal.binding_value_usd),
        "non_binding_value_usd": _num(deal.non_binding_value_usd),
        "duration_years": _num(deal.duration_years),
        "confounded": deal.confounded,
    }


def company_part(deal: Deal, ticker: str) -> tuple[float, float] | None:
    """The headline and binding value ``deal`` states for the company listed as ``ticker``.

    Its ``stated_headline_usd`` / ``stated_binding_usd`` when the catalog records them (binding: the
    stated binding part, else the deal's binding value capped at the stated part); the deal's own values
    when the company is the only direct party in its role; ``None`` when it shares its role with other
    listed parties and no part is stated, or is not a direct party. NaN stands for a value not stated.
    """
    mine = next((s for s in deal.securities if s.ticker == ticker and s.role not in INDIRECT_ROLES), None)
    if mine is None:
        return None
    headline, binding = _num(deal.headline_value_usd), _num(deal.binding_value_usd)
    if mine.stated_headline_usd is not None:
        part = float(mine.stated_headline_usd)
        bound = _num(mine.stated_binding_usd) if mine.stated_binding_usd is not None else min(binding, part)
        return part, bound
    peers = [s for s in deal.securities if s.role == mine.role and s.role not in INDIRECT_ROLES]
    return (headline, binding) if len(peers) == 1 else None


def legs_frame(deals: Iterable[Deal]) -> pd.DataFrame:
    """One row per (deal, listed security), in catalog order, with the columns :data:`LEG_COLUMNS`.

    Values are in USD (NaN where the catalog has ``null``). ``currency`` is the listing currency derived
    from the exchange MIC (``None`` when the MIC is unknown).
    """
    rows = []
    for deal in deals:
        for position, security in enumerate(deal.securities):
            rows.append(
                {
                    "event_id": event_id_for(deal.id, security.ticker),
                    "deal_id": deal.id,
                    "ticker": security.ticker,
                    "position": position,
                    "role": security.role,
                    "direct": security.role not in INDIRECT_ROLES,
                    "exchange": security.exchange,
                    "currency": currency_for_mic(security.exchange),
                    **_deal_values(deal),
                }
            )
    frame = pd.DataFrame(rows, columns=list(LEG_COLUMNS))
    return frame.astype({"position": "int64", "direct": "bool", "confounded": "bool"})


def _superseded(deals: list[Deal]) -> dict[str, str]:
    """Deals whose value a later filing disclosure of the same counterparty and partner restates."""
    partner = {
        d.id: next((s.ticker for s in d.securities if s.role not in INDIRECT_ROLES), "") for d in deals
    }
    by_id = {d.id: d for d in deals}
    out: dict[str, str] = {}
    for later in deals:
        if later.kind != "filing_disclosure" or later.headline_value_usd is None:
            continue
        linked = set(later.related) | {d.id for d in deals if later.id in d.related}
        for other_id in sorted(linked):
            earlier = by_id.get(other_id)
            if (
                earlier is not None
                and earlier.announced < later.announced
                and earlier.counterparty == later.counterparty
                and partner[earlier.id] == partner[later.id] != ""
                and earlier.kind not in NON_DEAL_KINDS
            ):
                out.setdefault(earlier.id, later.id)
    return out


#: A deal's parts per company: ``((ticker, headline, binding, stated in the catalog), ...)``.
Parts = tuple[tuple[str, float, float, bool], ...]


def _parts(deal: Deal) -> Parts:
    found = []
    for security in deal.securities:
        part = company_part(deal, security.ticker)
        if part is not None:
            found.append((security.ticker, part[0], part[1], security.stated_headline_usd is not None))
    return tuple(found)


def deals_frame(deals: Iterable[Deal]) -> pd.DataFrame:
    """One row per deal with its values and its ``partner``: the first listed direct party.

    ``partner`` is the ticker of the deal's first security whose role is not a read-across or subject
    (``"(unlisted)"`` when there is none); commitments are attributed to it once per deal, so a deal with
    several listed parties (Stargate) is counted once, not once per party.

    ``superseded_by`` names a later filing disclosure of the same counterparty and partner, linked through
    ``related``, that restates this deal's value (Oracle's $300B RPO disclosure restates the $30B-a-year
    contract of its June 8-K; Broadcom's $21B Anthropic figure includes the $10B order of September).
    ``counted`` is true for announcements that are not superseded: only they add to headline and binding
    totals and to the commitments ledger, so a contract is not counted twice. ``parts`` holds what the deal
    states for each direct party (:func:`company_part`): ``(ticker, headline, binding, stated)``.
    """
    deals = list(deals)
    superseded = _superseded(deals)
    rows = []
    for deal in deals:
        direct = [s for s in deal.securities if s.role not in INDIRECT_ROLES]
        rows.append(
            {
                "deal_id": deal.id,
                **_deal_values(deal),
                "related": tuple(deal.related),
                "tickers": deal.tickers,
                "direct_tickers": tuple(s.ticker for s in direct),
                "direct_names": tuple(s.name or s.ticker for s in direct),
                "partner": direct[0].ticker if direct else "(unlisted)",
                "partner_name": (direct[0].name or direct[0].ticker) if direct else "(no listed party)",
                "is_deal": deal.kind not in NON_DEAL_KINDS and deal.binding_status != "disclosure_or_report",
                "superseded_by": superseded.get(deal.id, ""),
                "overlaps": tuple((o.deal, o.amount_usd) for o in deal.overlaps),
                "parts": _parts(deal),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    frame["counted"] = frame["is_deal"] & (frame["superseded_by"] == "")
    return frame
