"""Commitments ledger and revisions round trip on small hand-worked examples."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from dealstudy.catalog.schema import Counterparty, CounterpartyFigure, Deal, Security
from dealstudy.economy.ledger import commitments_ledger, ledger_totals, spread_by_year, stated_figures
from dealstudy.economy.legs import deals_frame
from dealstudy.economy.revisions import revision_pairs, revisions_round_trip


def _deal(
    deal_id: str,
    day: str,
    party: str,
    tickers: list[tuple[str, str]],
    headline: float | None,
    binding: float | None,
    years: float | None,
    kind: str = "cloud_contract",
    related: tuple[str, ...] = (),
) -> Deal:
    return Deal(
        id=deal_id,
        title=deal_id,
        announced=dt.date.fromisoformat(day),
        timing="pre_market",
        counterparty=party,
        kind=kind,  # type: ignore[arg-type]
        binding_status="disclosure_or_report" if kind == "revision_report" else "definitive_contract",
        securities=tuple(Security(t, role, "XNAS") for t, role in tickers),
        sources=("https://x",),
        headline_value_usd=headline,
        binding_value_usd=binding,
        duration_years=years,
        related=related,
    )


DEALS = [
    _deal("aws", "2025-11-03", "OpenAI", [("AMZN", "provider"), ("NVDA", "read-across")], 35e9, 35e9, 7),
    _deal("aws2", "2026-02-01", "OpenAI", [("AMZN", "provider")], 10e9, 4e9, 2.5),
    _deal("nv", "2025-09-22", "OpenAI", [("NVDA", "investor")], 100e9, 0.0, None),
    _deal(
        "nv-stall",
        "2026-01-30",
        "OpenAI",
        [("NVDA", "subject")],
        None,
        None,
        None,
        kind="revision_report",
        related=("nv",),
    ),
    _deal("tpu", "2025-10-23", "Anthropic", [("GOOGL", "provider")], 20e9, None, 4),
    _deal("jv", "2025-01-21", "OpenAI", [], 500e9, 0.0, 4),
]


def test_spread_by_year_even_from_announcement_year() -> None:
    assert spread_by_year(70.0, 2025, 7) == [(2025 + i, 10.0) for i in range(7)]
    assert spread_by_year(10.0, 2026, 2.5) == [(2026, 4.0), (2027, 4.0), (2028, 2.0)]
    assert spread_by_year(10.0, 2025, math.nan) == [(2025, 10.0)]
    assert sum(v for _, v in spread_by_year(9.0, 2025, 0.5)) == pytest.approx(9.0)


def test_ledger_sums_by_counterparty_partner_and_year() -> None:
    ledger = commitments_ledger(deals_frame(DEALS)).set_index(["counterparty", "partner", "year"])
    amzn = ledger.loc[("OpenAI", "AMZN")]
    assert amzn.loc[2025, "headline_usd"] == pytest.approx(5e9)  # 35/7
    assert amzn.loc[2026, "headline_usd"] == pytest.approx(5e9 + 4e9)  # 35/7 + 10 x 1/2.5
    assert amzn.loc[2026, "binding_usd"] == pytest.approx(5e9 + 1.6e9)
    assert amzn.loc[2028, "headline_usd"] == pytest.approx(5e9 + 2e9)
    assert amzn.loc[2031, "headline_usd"] == pytest.approx(5e9)
    assert amzn["headline_usd"].sum() == pytest.approx(45e9)
    assert amzn.loc[2026, "deals"] == "aws;aws2"
    nvda = ledger.loc[("OpenAI", "NVDA")]
    assert list(nvda.index) == [2025]  # no duration: all in the announcement year
    assert nvda.loc[2025, "spread"] == "duration_unknown"
    assert ledger.loc[("OpenAI", "(unlisted)", 2026), "headline_usd"] == pytest.approx(125e9)
    assert math.isnan(ledger.loc[("Anthropic", "GOOGL", 2025), "binding_usd"])  # unknown stays unknown
    assert not any("nv-stall" in d for d in ledger["deals"])  # revision reports are not commitments


def test_exposure_and_stated_figures() -> None:
    table = deals_frame(DEALS)
    values = pd.DataFrame(
        {
            "deal_id": ["aws", "aws2", "nv"],
            "ticker": ["AMZN", "AMZN", "NVDA"],
            "market_cap_usd": [2.6e12, 2.5e12, 4.3e12],
            "window": "-1:1",
        }
    )
    totals = ledger_totals(table, values).set_index(["counterparty", "partner"])
    amzn = totals.loc[("OpenAI", "AMZN")]
    assert amzn["binding_usd"] == pytest.approx(39e9)
    assert amzn["market_cap_usd"] == 2.5e12  # the most recent deal's day -1 cap
    assert amzn["exposure"] == pytest.approx(39e9 / 2.5e12)
    assert totals.loc[("OpenAI", "NVDA"), "exposure"] == 0.0
    assert totals.loc[("OpenAI", "(unlisted)"), "exposure_reason"] == "no listed partner"
    assert totals.loc[("Anthropic", "GOOGL"), "exposure_reason"].startswith("no market capitalisation")
    openai = Counterparty(
        "OpenAI",
        figures=(
            CounterpartyFigure(
                "compute_commitments_usd", 1.4e12, dt.date(2025, 11, 6), "https://x", horizon_years=8
            ),
            CounterpartyFigure("revenue_run_rate_usd", 20e9, dt.date(2025, 11, 6), "https://x"),
        ),
    )
    stated = stated_figures([openai], table).set_index("metric")
    assert stated.loc["compute_commitments_usd", "catalog_headline_usd"] == pytest.approx(645e9)
    assert stated.loc["compute_commitments_usd", "catalog_to_figure"] == pytest.approx(645e9 / 1.4e12)
    # peak year: 2025 = 5 (aws) + 100 (nv) + 125 (jv) = 230bn
    assert stated.loc["revenue_run_rate_usd", "peak_year_headline_usd"] == pytest.approx(230e9)
    assert stated.loc["revenue_run_rate_usd", "peak_year_to_figure"] == pytest.approx(230e9 / 20e9)


def test_revisions_round_trip() -> None:
    table = deals_frame(DEALS)
    assert revision_pairs(table) == [("nv", "nv-stall")]
    values = pd.DataFrame(
        [
            {
                "deal_id": "nv",
                "ticker": "NVDA",
                "window": "-1:1",
                "day0": pd.Timestamp("2025-09-22"),
                "abnormal_value_usd": 150e9,
                "outcome": "ok",
                "reason": "",
            },
            {
                "deal_id": "nv-stall",
                "ticker": "NVDA",
                "window": "-1:1",
                "day0": pd.Timestamp("2026-02-02"),
                "abnormal_value_usd": -60e9,
                "outcome": "ok",
                "reason": "",
            },
        ]
    )
    trip = revisions_round_trip(table, values, "-1:1").iloc[0]
    assert (trip["original_id"], trip["revision_id"], trip["ticker"]) == ("nv", "nv-stall", "NVDA")
    assert trip["created_usd"] == 150e9
    assert trip["revision_usd"] == -60e9
    assert trip["net_usd"] == pytest.approx(90e9)
    assert trip["reversed_share"] == pytest.approx(0.4)
    assert trip["reason"] == ""
    failed = values.copy()
    failed.loc[1, ["abnormal_value_usd", "outcome", "reason"]] = [math.nan, "thin_estimation", "few days"]
    row = revisions_round_trip(table, failed, "-1:1").iloc[0]
    assert math.isnan(row["net_usd"])
    assert row["reason"] == "revision: thin_estimation: few days"
    # link declared only on the original's side works too
    flipped = [
        _deal("nv", "2025-09-22", "OpenAI", [("NVDA", "investor")], 100e9, 0.0, None, related=("nv-stall",)),
        _deal(
            "nv-stall",
            "2026-01-30",
            "OpenAI",
            [("ORCL", "subject")],
            None,
            None,
            None,
            kind="revision_report",
        ),
    ]
    lonely = revisions_round_trip(deals_frame(flipped), values, "-1:1")
    assert list(lonely["reason"]) == ["no ticker listed by both deals"]


def test_later_filing_disclosure_supersedes_the_deal_it_restates() -> None:
    deals = [
        _deal(
            "orcl-8k",
            "2025-06-30",
            "OpenAI",
            [("ORCL", "provider")],
            30e9,
            30e9,
            None,
            kind="filing_disclosure",
            related=("orcl-rpo",),
        ),
        _deal(
            "orcl-rpo",
            "2025-09-09",
            "OpenAI",
            [("ORCL", "provider"), ("NVDA", "read-across")],
            300e9,
            300e9,
            5,
            kind="filing_disclosure",
        ),
        _deal("other", "2025-10-01", "OpenAI", [("AMD", "supplier")], 10e9, 10e9, 1, related=("orcl-rpo",)),
    ]
    table = deals_frame(deals).set_index("deal_id")
    assert table.loc["orcl-8k", "superseded_by"] == "orcl-rpo"
    assert not table.loc["orcl-8k", "counted"]
    assert table.loc["orcl-rpo", "counted"]
    assert table.loc["other", "superseded_by"] == ""  # another partner: not a restatement
    ledger = commitments_ledger(deals_frame(deals))
    orcl = ledger[ledger["partner"] == "ORCL"]
    assert orcl["headline_usd"].sum() == pytest.approx(300e9)  # not 330bn
    assert set(orcl["deals"]) == {"orcl-rpo"}


def test_revision_must_not_precede_the_original() -> None:
    deals = [
        _deal(
            "report",
            "2026-02-02",
            "OpenAI",
            [("NVDA", "subject")],
            None,
            None,
            None,
            kind="revision_report",
            related=("later",),
        ),
        _deal("later", "2026-02-27", "OpenAI", [("NVDA", "investor")], 30e9, 30e9, None),
    ]
    assert revision_pairs(deals_frame(deals)) == []
