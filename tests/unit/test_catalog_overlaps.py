"""Overlapping headlines (``overlaps``) and press claims (``press_claims``): schema, rules and round trip."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import yaml

from dealstudy.catalog import deal_to_yaml, load_catalog, validate_catalog
from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.catalog.schema import Overlap, PressClaim
from dealstudy.catalog.validate import parse_deal
from dealstudy.errors import CatalogProblem


def deal(deal_id: str, headline: float | None, **extra: object) -> dict[str, Any]:
    return {
        "id": deal_id,
        "title": f"Deal {deal_id}",
        "announced": dt.date(2025, 9, 10),
        "timing": "after_close",
        "counterparty": "OpenAI",
        "kind": "cloud_contract",
        "securities": [{"ticker": "ORCL", "exchange": "XNYS", "role": "provider"}],
        "headline_value_usd": headline,
        "binding_status": "media_report",
        "sources": ["https://example.com/a"],
        **extra,
    }


def write(folder: Path, *deals: dict[str, Any]) -> Path:
    for data in deals:
        (folder / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def test_overlaps_and_press_claims_load(tmp_path: Path) -> None:
    overlap = {"deal": "big", "relation": "includes", "amount_usd": 300e9, "note": "same contract"}
    claim = {
        "amount_usd": 244e9,
        "basis": "market value added, close to close",
        "security": "ORCL",
        "source": "https://example.com/press",
        "date": dt.date(2025, 9, 10),
    }
    write(tmp_path, deal("big", 500e9), deal("small", 300e9, overlaps=[overlap], press_claims=[claim]))
    small = load_catalog(tmp_path).get("small")
    assert small.overlaps == (Overlap("big", "includes", 300e9, "same contract"),)
    assert small.press_claims == (
        PressClaim(
            244e9,
            "market value added, close to close",
            "https://example.com/press",
            "ORCL",
            dt.date(2025, 9, 10),
        ),
    )


def test_round_trip_through_yaml(tmp_path: Path) -> None:
    write(tmp_path, deal("big", 500e9))
    parsed, _ = parse_deal(deal("small", 300e9), "small.yaml")
    assert parsed is not None
    full = dataclasses.replace(
        parsed,
        overlaps=(Overlap("big", "overlaps", None, None),),
        press_claims=(PressClaim(1.5e11, "intraday", "https://example.com/x", None, None, "wire story"),),
    )
    data, problems = load_yaml_text(deal_to_yaml(full), "small.yaml")
    back, more = parse_deal(data, "small.yaml")
    assert (problems, more, back) == ([], [], full)


def overlap_problems(tmp_path: Path, overlap: object, headline: float | None = 300e9) -> list[CatalogProblem]:
    write(tmp_path, deal("big", 500e9), deal("small", headline, overlaps=[overlap]))
    return validate_catalog(tmp_path)


def one(field: str, message: str) -> list[CatalogProblem]:
    return [CatalogProblem("small.yaml", "small", field, message)]


def test_overlap_unknown_deal(tmp_path: Path) -> None:
    assert overlap_problems(tmp_path, {"deal": "bgi", "relation": "restates"}) == one(
        "overlaps[0].deal", "unknown deal id 'bgi'"
    )


def test_overlap_with_itself(tmp_path: Path) -> None:
    assert overlap_problems(tmp_path, {"deal": "small", "relation": "restates"}) == one(
        "overlaps[0].deal", "a deal cannot overlap itself"
    )


def test_overlap_relation_closed_set(tmp_path: Path) -> None:
    assert overlap_problems(tmp_path, {"deal": "big", "relation": "duplicates"}) == one(
        "overlaps[0].relation", "'duplicates' is not one of: restates, includes, overlaps"
    )


def test_overlap_missing_relation(tmp_path: Path) -> None:
    found = overlap_problems(tmp_path, {"deal": "big"})
    assert found == one("overlaps[0].relation", "required key is missing")


def test_overlap_negative_amount(tmp_path: Path) -> None:
    found = overlap_problems(tmp_path, {"deal": "big", "relation": "overlaps", "amount_usd": -1})
    assert found == one("overlaps[0].amount_usd", "must not be negative, got -1")


def test_overlap_amount_above_own_headline(tmp_path: Path) -> None:
    found = overlap_problems(tmp_path, {"deal": "big", "relation": "overlaps", "amount_usd": 400e9})
    assert found == one(
        "overlaps[0].amount_usd",
        "overlapping amount (400,000,000,000) exceeds this deal's headline value (300,000,000,000)",
    )


def test_overlap_amount_above_the_other_headline(tmp_path: Path) -> None:
    found = overlap_problems(tmp_path, {"deal": "big", "relation": "includes", "amount_usd": 600e9}, 900e9)
    assert found == one(
        "overlaps[0].amount_usd",
        "overlapping amount (600,000,000,000) exceeds the headline value of 'big' (500,000,000,000)",
    )


def test_overlap_amount_unknown_headline_is_not_compared(tmp_path: Path) -> None:
    assert overlap_problems(tmp_path, {"deal": "big", "relation": "overlaps", "amount_usd": 4e9}, None) == []


def test_overlap_must_be_a_mapping(tmp_path: Path) -> None:
    assert overlap_problems(tmp_path, "big") == one(
        "overlaps[0]", "expected a mapping with deal and relation, got text ('big')"
    )


def claim_problems(tmp_path: Path, claim: object) -> list[CatalogProblem]:
    write(tmp_path, deal("small", 300e9, press_claims=[claim]))
    return validate_catalog(tmp_path)


def test_press_claim_needs_amount_basis_and_source(tmp_path: Path) -> None:
    assert [(p.field, p.message) for p in claim_problems(tmp_path, {"security": "ORCL"})] == [
        ("press_claims[0].amount_usd", "required key is missing"),
        ("press_claims[0].basis", "required key is missing"),
        ("press_claims[0].source", "required key is missing"),
    ]


def test_press_claim_security_must_be_listed(tmp_path: Path) -> None:
    claim = {"amount_usd": 1e9, "basis": "intraday", "security": "AMZN", "source": "https://example.com/a"}
    assert claim_problems(tmp_path, claim) == [
        CatalogProblem(
            "small.yaml",
            "small",
            "press_claims[0].security",
            "'AMZN' is not one of this deal's tickers (ORCL)",
        )
    ]


def test_press_claim_source_must_be_https(tmp_path: Path) -> None:
    claim = {"amount_usd": 1e9, "basis": "intraday", "source": "http://example.com/a"}
    assert claim_problems(tmp_path, claim) == [
        CatalogProblem(
            "small.yaml", "small", "press_claims[0].source", "not an https URL: 'http://example.com/a'"
        )
    ]


def test_press_claim_amount_null_and_bad_date(tmp_path: Path) -> None:
    claim = {"amount_usd": None, "basis": "x", "source": "https://example.com/a", "date": "yesterday"}
    assert [(p.field, p.message) for p in claim_problems(tmp_path, claim)] == [
        ("press_claims[0].amount_usd", "must not be null"),
        ("press_claims[0].date", "not a valid date: 'yesterday' (use YYYY-MM-DD)"),
    ]


def stated_problems(tmp_path: Path, **stated: object) -> list[CatalogProblem]:
    security = {"ticker": "ORCL", "exchange": "XNYS", "role": "investor", **stated}
    other = {"ticker": "9984.T", "exchange": "XTKS", "role": "investor"}
    data = deal("small", 300e9, securities=[other, security], binding_value_usd=100e9, binding_basis="x")
    write(tmp_path, data)
    return validate_catalog(tmp_path)


def test_stated_parts_load_and_round_trip(tmp_path: Path) -> None:
    assert stated_problems(tmp_path, stated_headline_usd=200e9, stated_binding_usd=50e9) == []
    (loaded,) = load_catalog(tmp_path).deals
    assert (loaded.securities[1].stated_headline_usd, loaded.securities[1].stated_binding_usd) == (
        200e9,
        50e9,
    )
    assert loaded.securities[0].stated_headline_usd is None
    data, problems = load_yaml_text(deal_to_yaml(loaded), "small.yaml")
    back, more = parse_deal(data, "small.yaml")
    assert (problems, more, back) == ([], [], loaded)


def test_stated_parts_are_checked_against_the_deal(tmp_path: Path) -> None:
    def problem(field: str, message: str) -> list[CatalogProblem]:
        return [CatalogProblem("small.yaml", "small", f"securities[1].{field}", message)]

    assert stated_problems(tmp_path, stated_headline_usd=400e9) == problem(
        "stated_headline_usd",
        "ORCL's stated part (400,000,000,000) exceeds the deal's headline value (300,000,000,000)",
    )
    assert stated_problems(tmp_path, stated_headline_usd=200e9, stated_binding_usd=150e9) == problem(
        "stated_binding_usd",
        "ORCL's stated binding part (150,000,000,000) exceeds its stated part or the deal's binding value "
        "(at most 100,000,000,000)",
    )
    assert stated_problems(tmp_path, stated_binding_usd=10e9) == problem(
        "stated_headline_usd", "required when stated_binding_usd is set"
    )
    assert stated_problems(tmp_path, stated_headline_usd=-1.0) == problem(
        "stated_headline_usd", "must not be negative, got -1.0"
    )
