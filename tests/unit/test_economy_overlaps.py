"""Headline and binding totals net of the catalog's overlaps: every dollar counted once."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from pathlib import Path

import pytest

from dealstudy.catalog import load_catalog
from dealstudy.catalog.schema import Deal, Overlap
from dealstudy.economy.legs import company_part, deals_frame
from dealstudy.economy.overlaps import HEADLINE_TOTAL_COLUMNS, headline_totals, net_totals

REPO = Path(__file__).resolve().parents[2]
BN = 1e9


def _deal(deal_id: str, headline: float, binding: float, *overlaps: Overlap) -> Deal:
    return Deal(
        id=deal_id,
        title=deal_id,
        announced=dt.date(2025, 9, 1),
        timing="pre_market",
        counterparty="OpenAI",
        kind="cloud_contract",
        securities=(),
        binding_status="definitive_contract",
        headline_value_usd=headline * BN,
        binding_value_usd=binding * BN,
        binding_basis="test",
        sources=("https://example.com",),
        overlaps=overlaps,
    )


def test_hand_worked_union() -> None:
    programme = _deal("programme", 500, 0)
    sites = _deal("sites", 400, 0, Overlap("programme", "includes", 400 * BN))
    contract = _deal("contract", 300, 300, Overlap("sites", "overlaps", None))
    alone = _deal("alone", 38, 38)
    totals = net_totals([programme, sites, contract, alone])
    assert totals.gross_headline_usd == pytest.approx(1238 * BN)
    # 500 + 400 + 300 - 400 - min(400, 300) = 500 (the programme's dollars), plus 38 apart
    assert totals.net_headline_usd == pytest.approx(538 * BN)
    assert totals.gross_binding_usd == pytest.approx(338 * BN)
    assert totals.net_binding_usd == pytest.approx(338 * BN)  # the binding 300 lies inside, not shared
    # a known partial overlap: 21 + 10 - 10
    order = _deal("order", 10, 10)
    reveal = _deal("reveal", 21, 21, Overlap("order", "includes", 10 * BN))
    both = net_totals([order, reveal])
    assert (both.net_headline_usd, both.net_binding_usd) == (21 * BN, 21 * BN)
    # an overlap with a deal outside the set is ignored
    assert net_totals([reveal]).net_headline_usd == 21 * BN


def test_net_never_below_the_largest_or_above_the_gross() -> None:
    a = _deal("a", 100, 50)
    b = _deal("b", 80, 80, Overlap("a", "overlaps", 80 * BN), Overlap("a", "restates", None))
    totals = net_totals([a, b])
    assert totals.net_headline_usd == 100 * BN  # 180 - 80 - 80 = 20, floored at the largest
    assert totals.net_binding_usd == 80 * BN


def test_shipped_catalog_counts_stargate_once() -> None:
    catalog = load_catalog(REPO / "events")
    by_id = {d.id: d for d in catalog.deals}
    pair = net_totals([by_id["stargate-launch"], by_id["stargate-five-sites"]])
    assert pair.gross_headline_usd == 900 * BN
    assert pair.net_headline_usd == 500 * BN  # the sites' $400B is not added on top of Stargate's $500B
    table = headline_totals(catalog.deals).set_index("scope")
    assert tuple(table.reset_index().columns)[: len(HEADLINE_TOTAL_COLUMNS)] == HEADLINE_TOTAL_COLUMNS
    total = table.loc["announcements"]
    # netted: the sites' 400, Oracle's 300 inside Stargate, the 8-K's 30 restated, Broadcom's 10 and
    # Nvidia's 30 counted once
    assert total["gross_headline_usd"] - total["net_headline_usd"] == pytest.approx(770 * BN)
    # Oracle's own contracts only: the 8-K's $30B a year restated by the $300B disclosure; Stargate and its
    # sites are plans Oracle shares with other named partners, with no part stated for Oracle
    oracle = table.loc["company:ORCL"]
    assert oracle["gross_headline_usd"] == pytest.approx(330 * BN)
    assert oracle["net_headline_usd"] == pytest.approx(300 * BN)
    assert oracle["net_binding_usd"] == pytest.approx(300 * BN)  # the contract, not the 8-K again
    assert oracle["parts_not_stated"] == "stargate-launch;stargate-five-sites"
    for row in table.to_dict("records"):
        if row["net_headline_usd"] == row["net_headline_usd"]:  # not NaN
            assert row["net_headline_usd"] <= row["gross_headline_usd"] + 1e-6


def test_dropping_an_overlap_changes_the_net() -> None:
    catalog = load_catalog(REPO / "events")
    deals = [dataclasses.replace(d, overlaps=()) for d in catalog.deals]
    plain = headline_totals(deals).set_index("scope").loc["announcements"]
    assert plain["net_headline_usd"] == plain["gross_headline_usd"]


def _company_parts(deal: Deal) -> dict[str, tuple[float, float]]:
    found = {s.ticker: company_part(deal, s.ticker) for s in deal.securities}
    return {t: p for t, p in found.items() if p is not None}


def test_company_part_follows_what_each_deal_states_for_it() -> None:
    by_id = {d.id: d for d in load_catalog(REPO / "events").deals}
    # a round with each investor's cheque stated: Amazon $50B of which $15B unconditional
    assert _company_parts(by_id["openai-110b-round"]) == {
        "AMZN": (50 * BN, 15 * BN),
        "NVDA": (30 * BN, 30 * BN),
        "9984.T": (30 * BN, 30 * BN),
    }
    # a joint plan: two investors and three technology partners, no part stated for any of them
    assert _company_parts(by_id["stargate-launch"]) == {}
    # both sides of a bilateral contract: the contract's value is stated for each
    assert _company_parts(by_id["nebius-microsoft"]) == {
        "NBIS": (17.4 * BN, 17.4 * BN),
        "MSFT": (17.4 * BN, 17.4 * BN),
    }
    # Nvidia's up-to equity pledge lies outside the $30B Azure headline
    assert _company_parts(by_id["msft-nvda-anthropic"]) == {"MSFT": (30 * BN, 30 * BN), "NVDA": (0.0, 0.0)}


def test_no_company_total_exceeds_what_its_deals_state_for_it() -> None:
    deals = [d for d in load_catalog(REPO / "events").deals if d.id in _announcement_ids()]
    table = headline_totals(deals).set_index("scope")
    for scope, row in table[table.index.str.startswith("company:")].iterrows():
        ticker = str(scope).removeprefix("company:")
        parts = [company_part(d, ticker) for d in deals]
        stated = [p for p in parts if p is not None and math.isfinite(p[0])]
        counted = [d.id for d, p in zip(deals, parts, strict=True) if p is not None]
        assert row["deals_counted"] == ";".join(counted)
        if stated:
            assert row["net_headline_usd"] <= sum(p[0] for p in stated) + 1e-3
            assert row["net_headline_usd"] <= row["gross_headline_usd"] + 1e-3
        # never more than the deals' own headlines either
        own = [d.headline_value_usd for d in deals if d.id in counted and d.headline_value_usd is not None]
        if own:
            assert row["net_headline_usd"] <= sum(own) + 1e-3


def _announcement_ids() -> set[str]:
    table = deals_frame(load_catalog(REPO / "events").deals)
    return set(table.loc[table["is_deal"], "deal_id"])
