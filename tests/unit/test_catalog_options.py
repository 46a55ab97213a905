"""A deal given as command-line options: which required fields are missing, and the deal built from them."""

from __future__ import annotations

import datetime as dt

import pytest

from dealstudy.catalog import REQUIRED_OPTION_FIELDS, Security, deal_from_options, missing_option_fields
from dealstudy.errors import CatalogError


def options(**changes: object) -> dict[str, object]:
    base: dict[str, object] = {
        "id": "x-deal",
        "title": "X and Y",
        "announced": "2025-10-01",
        "timing": "intraday",
        "counterparty": "Meta",
        "kind": "partnership",
        "binding_status": "statement_of_intent",
        "securities": ["META:XNAS:buyer:after_close"],
        "sources": ["primary:https://example.com/a", "https://example.com/b"],
        "notes": None,
    }
    base.update(changes)
    return base


def test_nothing_missing_when_every_required_field_is_given() -> None:
    assert missing_option_fields(options()) == []


def test_missing_fields_in_the_order_they_are_asked_for() -> None:
    given = options(**dict.fromkeys(REQUIRED_OPTION_FIELDS), securities=[], sources=[])
    assert missing_option_fields(given) == [*REQUIRED_OPTION_FIELDS, "source", "security"]
    assert missing_option_fields(options(title=None, sources=[])) == ["title", "source"]


def test_no_securities_makes_an_empty_security_list_not_missing() -> None:
    assert missing_option_fields(options(securities=[])) == ["security"]
    assert missing_option_fields(options(securities=[]), no_securities=True) == []


def test_deal_from_options_parses_the_specs() -> None:
    deal = deal_from_options(options())
    assert deal.id == "x-deal"
    assert deal.announced == dt.date(2025, 10, 1)
    assert deal.securities == (Security("META", "buyer", "XNAS", None, "after_close"),)
    assert deal.sources == ("https://example.com/a", "https://example.com/b")
    assert deal.source_kinds == ("primary", None)


def test_deal_from_options_reports_a_bad_spec_or_value_against_options() -> None:
    with pytest.raises(CatalogError, match="'META' is not TICKER:MIC:ROLE"):
        deal_from_options(options(securities=["META"]))
    with pytest.raises(CatalogError) as caught:
        deal_from_options(options(timing="soon"))
    assert [(p.file, p.entry, p.field) for p in caught.value.problems] == [("<options>", "x-deal", "timing")]
