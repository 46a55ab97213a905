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


def test_every_shipped_deal_cites_a_primary_source_or_says_why_not() -> None:
    catalog = load_catalog(EVENTS)
    silent = [d.id for d in catalog.deals if not d.has_primary_source and d.primary_source_note is None]
    assert silent == []
    assert catalog.warnings() == []
    noted = {p.entry for p in catalog.source_notes()}
    assert noted == {d.id for d in catalog.deals if not d.has_primary_source}
    assert noted.isdisjoint(d.id for d in catalog.deals if d.has_primary_source)


def test_only_press_reports_say_the_companies_made_no_announcement() -> None:
    """The "no announcement" wording is kept for entries that are themselves press reports."""
    press_reports = {"revision_report"}
    claimed = [
        (d.id, d.kind, d.binding_status)
        for d in load_catalog(EVENTS).deals
        if d.primary_source_note is not None and "made no announcement" in d.primary_source_note
    ]
    assert claimed, "no deal in the catalog is a press report"
    assert [c for c in claimed if c[1] not in press_reports and c[2] != "media_report"] == []
