"""Every dollar counted once: headline and binding totals gross and net of the catalog's overlaps.

A deal may say that its headline restates, includes or overlaps another deal's (``Deal.overlaps``, with the
shared amount where known). For a set of deals, the overlap relations between members link them into
groups; within a group the net total is

    net = clamp(sum of headlines - sum of shared amounts, largest headline, sum of headlines)

-- the union of the dollars when the shared amounts are pairwise, never below the largest member (that
deal's dollars are all there) and never above the gross sum. A shared amount the sources do not state is
taken as the whole of the smaller headline: an overlap of unknown size is never counted twice. Binding
value is netted the same way, the shared binding amount of a pair being the smallest of the two binding
values and the shared headline amount (a restated contract's binding dollars are the same dollars).

Stargate ($500B), its five sites ($400B, part of it) and Oracle's $300B contract (Stargate capacity, first
disclosed as $30B a year) net to $500B of headline and $300B of binding value, not $1,230B.

A company's total counts only what a deal states for that company
(:func:`dealstudy.economy.legs.company_part`): its own
``stated_headline_usd`` / ``stated_binding_usd`` where the catalog records them (a cheque in a funding
round, a supply contract inside a larger one); otherwise the deal's values when the company is the deal's
only direct party in its role (the provider of a cloud contract, the sole investor); nothing when it shares
its role with other listed parties and no part is stated (Stargate's investors and technology partners).
So a company's net commitments never exceed what its contracts state: Oracle's are its $300B contract,
not the $500B joint venture plan it is one of five named partners of.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd

from dealstudy.catalog.schema import Deal
from dealstudy.economy.legs import INDIRECT_ROLES, NON_DEAL_KINDS, company_part

__all__ = [
    "COMPANY_TOTAL_COLUMNS",
    "HEADLINE_TOTAL_COLUMNS",
    "NetTotals",
    "headline_totals",
    "net_of_frame",
    "net_of_records",
    "net_totals",
]

#: Columns of ``headline_totals.csv`` (a contract other tools read).
HEADLINE_TOTAL_COLUMNS: tuple[str, ...] = (
    "scope",
    "gross_headline_usd",
    "net_headline_usd",
    "gross_binding_usd",
    "net_binding_usd",
)

#: Further columns of ``headline_totals.csv`` (after the contract's): for ``company:`` scopes, the deals
#: counted and the deals the company is a party to whose part for it no source states (left out).
COMPANY_TOTAL_COLUMNS: tuple[str, ...] = ("deals_counted", "parts_not_stated")


@dataclass(frozen=True)
class NetTotals:
    """Gross and net-of-overlap headline and binding value of a set of deals (USD)."""

    gross_headline_usd: float
    net_headline_usd: float
    gross_binding_usd: float
    net_binding_usd: float


def _value(value: float | None) -> float:
    return math.nan if value is None else float(value)


def _find(parent: dict[str, str], key: str) -> str:
    while parent[key] != key:
        parent[key] = parent[parent[key]]
        key = parent[key]
    return key


def _net(values: dict[str, float], shared: list[tuple[str, str, float]]) -> tuple[float, float]:
    """Gross sum and net total of ``values`` (finite only) with pairwise ``shared`` amounts."""
    known = {k: v for k, v in values.items() if math.isfinite(v)}
    if not known:
        return math.nan, math.nan
    parent = {k: k for k in known}
    for a, b, _ in shared:
        if a in known and b in known:
            parent[_find(parent, a)] = _find(parent, b)
    groups: dict[str, list[str]] = {}
    for key in known:
        groups.setdefault(_find(parent, key), []).append(key)
    net = 0.0
    for members in groups.values():
        inside = set(members)
        gross = sum(known[m] for m in members)
        overlap = sum(amount for a, b, amount in shared if a in inside and b in inside)
        net += min(max(gross - overlap, max(known[m] for m in members)), gross)
    return float(sum(known.values())), net


#: One deal for netting: ``(id, headline, binding, ((other id, shared amount or None), ...))``.
NetRecord = tuple[str, float, float, Sequence[tuple[str, float | None]]]


def net_totals(deals: Iterable[Deal]) -> NetTotals:
    """Gross and net headline and binding value of ``deals`` (overlaps with deals outside are ignored)."""
    return net_of_records(
        (
            d.id,
            _value(d.headline_value_usd),
            _value(d.binding_value_usd),
            tuple((o.deal, o.amount_usd) for o in d.overlaps),
        )
        for d in deals
    )


def net_of_frame(deals: pd.DataFrame) -> NetTotals:
    """:func:`net_totals` of rows of :func:`dealstudy.economy.legs.deals_frame` (``deal_id,
    headline_value_usd, binding_value_usd, overlaps``)."""
    return net_of_records(
        zip(
            deals["deal_id"].astype(str),
            deals["headline_value_usd"].astype(float),
            deals["binding_value_usd"].astype(float),
            deals["overlaps"] if "overlaps" in deals.columns else [()] * len(deals),
            strict=True,
        )
    )


def net_of_records(records: Iterable[NetRecord]) -> NetTotals:
    """Gross and net totals of ``(id, headline, binding, overlaps)`` records (see the module notes)."""
    chosen = {r[0]: r for r in records}
    heads = {i: float(r[1]) for i, r in chosen.items()}
    binds = {i: float(r[2]) for i, r in chosen.items()}
    shared_h: list[tuple[str, str, float]] = []
    shared_b: list[tuple[str, str, float]] = []
    for deal_id, record in chosen.items():
        for other, shared in record[3]:
            if other not in chosen or other == deal_id:
                continue
            ha, hb = heads[deal_id], heads[other]
            amount = _value(shared)
            if not math.isfinite(amount):
                amount = min(ha, hb)
            shared_h.append((deal_id, other, amount))
            shared_b.append((deal_id, other, min(binds[deal_id], binds[other], amount)))
    gross_h, net_h = _net(heads, shared_h)
    gross_b, net_b = _net(binds, [(a, b, v) for a, b, v in shared_b if math.isfinite(v)])
    return NetTotals(gross_h, net_h, gross_b, net_b)


def _is_deal(deal: Deal) -> bool:
    return deal.kind not in NON_DEAL_KINDS and deal.binding_status != "disclosure_or_report"


def _company_totals(deals: Sequence[Deal], ticker: str) -> tuple[NetTotals, list[str], list[str]]:
    """Net totals of the parts ``deals`` state for ``ticker``, the deals counted and those left out."""
    records: list[NetRecord] = []
    counted: list[str] = []
    not_stated: list[str] = []
    for deal in deals:
        part = company_part(deal, ticker)
        if part is None:
            not_stated.append(deal.id)
            continue
        counted.append(deal.id)
        records.append((deal.id, part[0], part[1], tuple((o.deal, o.amount_usd) for o in deal.overlaps)))
    return net_of_records(records), counted, not_stated


def headline_totals(deals: Sequence[Deal], samples: Sequence[tuple[str, Sequence[str]]] = ()) -> pd.DataFrame:
    """:data:`HEADLINE_TOTAL_COLUMNS` (then :data:`COMPANY_TOTAL_COLUMNS`) for every announcement
    (``announcements``), each named sample of deal ids (``sample:<name>``), each listed company over the
    parts of the deals it is a direct party to that are stated for it (``company:<ticker>``, see
    :func:`dealstudy.economy.legs.company_part`) and each counterparty (``counterparty:<name>``)."""
    announced = [d for d in deals if _is_deal(d)]
    by_id = {d.id: d for d in announced}
    scopes: list[tuple[str, list[Deal]]] = [("announcements", announced)]
    for name, ids in samples:
        scopes.append((f"sample:{name}", [by_id[i] for i in dict.fromkeys(ids) if i in by_id]))
    companies: dict[str, list[Deal]] = {}
    parties: dict[str, list[Deal]] = {}
    for deal in announced:
        for security in deal.securities:
            if security.role not in INDIRECT_ROLES:
                companies.setdefault(security.ticker, []).append(deal)
        parties.setdefault(deal.counterparty, []).append(deal)
    rows = [_total_row(scope, net_totals(members)) for scope, members in scopes]
    for ticker, members in sorted(companies.items()):
        totals, counted, not_stated = _company_totals(members, ticker)
        rows.append(
            _total_row(f"company:{ticker}", totals)
            | {"deals_counted": ";".join(counted), "parts_not_stated": ";".join(not_stated)}
        )
    rows += [_total_row(f"counterparty:{c}", net_totals(ds)) for c, ds in sorted(parties.items())]
    return pd.DataFrame(rows, columns=[*HEADLINE_TOTAL_COLUMNS, *COMPANY_TOTAL_COLUMNS])


def _total_row(scope: str, totals: NetTotals) -> dict[str, object]:
    return {
        "scope": scope,
        "gross_headline_usd": totals.gross_headline_usd,
        "net_headline_usd": totals.net_headline_usd,
        "gross_binding_usd": totals.gross_binding_usd,
        "net_binding_usd": totals.net_binding_usd,
        "deals_counted": "",
        "parts_not_stated": "",
    }
