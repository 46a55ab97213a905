"""The commitments ledger: who has promised whom how much, by year, against what the counterparty earns.

Rules (documented, tested):

* announcements only (no revision reports), and a deal restated by a later filing disclosure of the same
  counterparty and partner is replaced by it (``counted`` in :func:`dealstudy.economy.legs.deals_frame`),
  so a contract is not counted twice;
* each deal is attributed once, to its counterparty (OpenAI, Anthropic ...) and its partner -- the first
  listed direct party (see :func:`dealstudy.economy.legs.deals_frame`);
* a deal's headline and binding values are spread evenly over its ``duration_years`` starting in the
  announcement year: year ``i`` (0-based) gets ``value * min(1, d - i) / d`` for ``i < ceil(d)``, so a
  2.5-year deal puts 40% in each of its first two years and 20% in the third. A deal without a duration is
  booked entirely in its announcement year and flagged ``duration_unknown``;
* a listed partner's exposure is its binding commitments from that counterparty divided by its market
  capitalisation at day -1 of its most recent deal with that counterparty (USD).
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from dealstudy.catalog.schema import Counterparty
from dealstudy.economy.overlaps import net_of_frame

__all__ = ["LEDGER_COLUMNS", "commitments_ledger", "ledger_totals", "spread_by_year", "stated_figures"]

LEDGER_COLUMNS: tuple[str, ...] = (
    "counterparty",
    "partner",
    "partner_name",
    "year",
    "headline_usd",
    "binding_usd",
    "deals",
    "spread",
)


def spread_by_year(value: float, start_year: int, duration: float) -> list[tuple[int, float]]:
    """Spread ``value`` evenly over ``duration`` years from ``start_year`` (see the module notes)."""
    if not math.isfinite(duration) or duration <= 0:
        return [(start_year, value)]
    years = math.ceil(duration - 1e-9)
    return [(start_year + i, value * min(1.0, duration - i) / duration) for i in range(years)]


#: The ledger's partner for commitments no source attributes to one listed company.
SEVERAL = "(several)"


def _ledger_partners(deal: Mapping[Hashable, Any]) -> list[tuple[str, str, float, float]]:
    """Who a deal's commitment goes to: ``(partner, name, headline, binding)`` pieces.

    Parts the catalog states per company go to those companies; the rest (the whole deal when none is
    stated) goes to the first direct party whose part is the deal's own
    (:func:`dealstudy.economy.legs.company_part`: the only party in its role), else to ``"(several)"``
    (Stargate, whose investors and technology partners each share their role).
    """
    headline, binding = float(deal["headline_value_usd"]), float(deal["binding_value_usd"])
    parts = deal.get("parts")
    if not isinstance(parts, tuple) or not deal.get("direct_tickers"):
        return [(str(deal["partner"]), str(deal["partner_name"]), headline, binding)]
    names = dict(zip(deal.get("direct_tickers", ()), deal.get("direct_names", ()), strict=False))
    stated = [p for p in parts if p[3]]
    pieces = [(t, names.get(t, t), h, b) for t, h, b, _ in stated if h > 0 or (math.isfinite(b) and b > 0)]
    rest_h = headline - sum(p[1] for p in stated)
    rest_b = binding - sum(p[2] for p in stated if math.isfinite(p[2]))
    if stated and not (math.isfinite(rest_h) and rest_h > 0):
        return pieces
    if stated:
        rest_b = max(rest_b, 0.0) if math.isfinite(rest_b) else rest_b
    own = next((p[0] for p in parts if not p[3]), None)
    if own is not None:
        pieces.append((own, names.get(own, own), rest_h, rest_b))
    else:
        pieces.append((SEVERAL, _several_name(deal), rest_h, rest_b))
    return pieces


def _several_name(deal: Mapping[Hashable, Any]) -> str:
    tickers = ", ".join(str(t) for t in deal.get("direct_tickers", ()))
    return f"several listed parties, no part stated per company ({tickers})"


def commitments_ledger(deals: pd.DataFrame) -> pd.DataFrame:
    """Headline and binding commitments per counterparty, partner and year (:data:`LEDGER_COLUMNS`)."""
    pieces: list[dict[str, object]] = []
    for deal in deals[deals["counted"]].to_dict("records"):
        duration = float(deal["duration_years"])
        start = pd.Timestamp(deal["announced"]).year
        spread = "even" if math.isfinite(duration) and duration > 0 else "duration_unknown"
        for partner, partner_name, headline, binding in _ledger_partners(deal):
            heads = spread_by_year(headline, start, duration)
            binds = spread_by_year(binding, start, duration)
            for (year, head), (_, bind) in zip(heads, binds, strict=True):
                pieces.append(
                    {
                        "counterparty": deal["counterparty"],
                        "partner": partner,
                        "partner_name": partner_name,
                        "year": year,
                        "headline_usd": head,
                        "binding_usd": bind,
                        "deals": str(deal["deal_id"]),
                        "spread": spread,
                    }
                )
    if not pieces:
        return pd.DataFrame(columns=list(LEDGER_COLUMNS))
    frame = pd.DataFrame(pieces)
    out = frame.groupby(["counterparty", "partner", "partner_name", "year"], as_index=False, sort=True).agg(
        headline_usd=("headline_usd", lambda s: s.sum(min_count=1)),
        binding_usd=("binding_usd", lambda s: s.sum(min_count=1)),
        deals=("deals", lambda s: ";".join(sorted(set(s)))),
        spread=("spread", lambda s: ";".join(sorted(set(s)))),
    )
    return pd.DataFrame(out[list(LEDGER_COLUMNS)])


def _partner_pieces(
    party_deals: Iterable[Mapping[Hashable, Any]], partner: str, columns: pd.Index
) -> pd.DataFrame:
    """The counted deals of a party (its records) with the part of each that goes to ``partner`` (see
    :func:`_ledger_partners`) as their headline and binding value, ready for netting."""
    rows = []
    for deal in party_deals:
        for who, _name, headline, binding in _ledger_partners(deal):
            if who == partner:
                rows.append({**deal, "headline_value_usd": headline, "binding_value_usd": binding})
    return pd.DataFrame(rows, columns=columns)


def ledger_totals(deals: pd.DataFrame, values: pd.DataFrame) -> pd.DataFrame:
    """Totals per counterparty and partner, with the partner's market cap and exposure.

    Columns ``counterparty, partner, partner_name, deals, headline_usd, binding_usd, first_year,
    last_year, market_cap_usd, market_cap_deal, exposure, exposure_reason``; ``exposure`` =
    binding / market cap (NaN with a reason when either is unknown).
    """
    ledger = commitments_ledger(deals)
    columns = [
        "counterparty",
        "partner",
        "partner_name",
        "deals",
        "headline_usd",
        "binding_usd",
        "first_year",
        "last_year",
        "market_cap_usd",
        "market_cap_deal",
        "exposure",
        "exposure_reason",
    ]
    if ledger.empty:
        return pd.DataFrame(columns=columns)
    new = deals[deals["counted"]]
    by_party: dict[str, list[dict[Hashable, Any]]] = {}  # the counted deals' records by counterparty, once
    for record in new.to_dict("records"):
        by_party.setdefault(str(record["counterparty"]), []).append(record)
    caps = values.drop_duplicates(["deal_id", "ticker"])[["deal_id", "ticker", "market_cap_usd"]]
    rows = []
    for (party, partner), group in ledger.groupby(["counterparty", "partner"], sort=True):
        mine = _partner_pieces(by_party.get(str(party), []), str(partner), new.columns)
        mine = mine.sort_values("announced")
        cap, cap_deal = np.nan, ""
        known = caps[(caps["ticker"] == partner) & caps["deal_id"].isin(set(mine["deal_id"]))]
        known = known[np.isfinite(known["market_cap_usd"].to_numpy(dtype=float))]
        if len(known):
            order = mine.set_index("deal_id")["announced"]
            latest = known.assign(_when=known["deal_id"].map(order)).sort_values("_when").iloc[-1]
            cap, cap_deal = float(latest["market_cap_usd"]), str(latest["deal_id"])
        net = net_of_frame(mine)  # every dollar once (catalog overlaps)
        binding = net.net_binding_usd
        if partner == "(unlisted)":
            reason = "no listed partner"
        elif partner == SEVERAL:
            reason = "shared by several listed parties"
        elif not math.isfinite(cap):
            reason = "no market capitalisation (no shares or prices)"
        elif not math.isfinite(binding):
            reason = "binding value unknown"
        else:
            reason = ""
        rows.append(
            {
                "counterparty": party,
                "partner": partner,
                "partner_name": group["partner_name"].iloc[0],
                "deals": len(mine),
                "headline_usd": net.net_headline_usd,
                "binding_usd": binding,
                "first_year": int(group["year"].min()),
                "last_year": int(group["year"].max()),
                "market_cap_usd": cap,
                "market_cap_deal": cap_deal,
                "exposure": binding / cap if not reason else np.nan,
                "exposure_reason": reason,
            }
        )
    return pd.DataFrame(rows, columns=columns)


def stated_figures(counterparties: Iterable[Counterparty], deals: pd.DataFrame) -> pd.DataFrame:
    """Counterparties' own figures next to the catalogued commitments.

    One row per stated figure: ``counterparty, metric, value_usd, qualifier, stated, as_of, horizon_years,
    source, catalog_headline_usd, catalog_binding_usd, peak_year_headline_usd, catalog_to_figure,
    peak_year_to_figure``. ``catalog_to_figure`` compares the catalog's total headline commitments with a
    stated commitments figure; ``peak_year_to_figure`` compares the largest single year of the ledger with a
    stated revenue (run rate): how many years of revenue one year of promises represents.
    """
    ledger = commitments_ledger(deals)
    new = deals[deals["counted"]]
    rows = []
    for party in counterparties:
        mine = new[new["counterparty"] == party.name]
        head = float(mine["headline_value_usd"].sum(min_count=1)) if len(mine) else np.nan
        bind = float(mine["binding_value_usd"].sum(min_count=1)) if len(mine) else np.nan
        by_year = ledger[ledger["counterparty"] == party.name].groupby("year")["headline_usd"].sum()
        peak = float(by_year.max()) if len(by_year) else np.nan
        for figure in party.figures:
            value = float(figure.value_usd)
            commitments = figure.metric == "compute_commitments_usd"
            revenue = figure.metric in ("revenue_run_rate_usd", "revenue_usd")
            rows.append(
                {
                    "counterparty": party.name,
                    "metric": figure.metric,
                    "value_usd": value,
                    "qualifier": figure.qualifier,
                    "stated": pd.Timestamp(figure.stated),
                    "as_of": pd.Timestamp(figure.as_of) if figure.as_of else pd.NaT,
                    "horizon_years": figure.horizon_years if figure.horizon_years is not None else np.nan,
                    "source": figure.source,
                    "catalog_headline_usd": head,
                    "catalog_binding_usd": bind,
                    "peak_year_headline_usd": peak,
                    "catalog_to_figure": head / value if commitments and value > 0 else np.nan,
                    "peak_year_to_figure": peak / value if revenue and value > 0 else np.nan,
                }
            )
    columns = [
        "counterparty",
        "metric",
        "value_usd",
        "qualifier",
        "stated",
        "as_of",
        "horizon_years",
        "source",
        "catalog_headline_usd",
        "catalog_binding_usd",
        "peak_year_headline_usd",
        "catalog_to_figure",
        "peak_year_to_figure",
    ]
    return pd.DataFrame(rows, columns=columns)
