"""The catalog shipped in ``events/``: valid, 36 deals, each with at least one source."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealstudy.catalog import COUNTERPARTIES_FILE, load_catalog, validate_catalog

EVENTS = Path(__file__).resolve().parents[2] / "events"
DEAL_FILES = sorted(p for p in EVENTS.glob("*.yaml") if p.name != COUNTERPARTIES_FILE)

pytestmark = pytest.mark.skipif(not DEAL_FILES, reason="events/ holds no deal files yet")


def test_shipped_catalog_validates() -> None:
    assert [str(p) for p in validate_catalog(EVENTS)] == []


def test_shipped_catalog_has_36_deals_each_with_a_source() -> None:
    catalog = load_catalog(EVENTS)
    assert len(catalog.deals) == 36
    assert [d.id for d in catalog.deals if len(d.sources) < 1] == []
