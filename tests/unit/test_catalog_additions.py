"""Catalog additions: month-precision dates, and market-wide news kept apart from confounders."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import yaml
from tests.unit.test_catalog_validate import E, F, base, problems, write

from dealstudy.catalog import deal_to_yaml, load_catalog, validate_catalog
from dealstudy.errors import CatalogProblem


def test_month_only_date_is_accepted_with_unknown_timing(tmp_path: Path) -> None:
    assert problems(tmp_path, announced="2025-05", timing="unknown") == []
    deal = load_catalog(tmp_path).get(E)
    assert deal.announced == dt.date(2025, 5, 1)
    assert deal.announced_precision == "month"
    assert deal.announced_label == "2025-05 (day unknown)"


def test_month_only_date_requires_unknown_timing(tmp_path: Path) -> None:
    assert problems(tmp_path, announced="2025-05") == [
        CatalogProblem(F, E, "timing", "must be unknown when only the month is known (announced 2025-05)")
    ]


def test_month_only_date_contradicts_an_instant(tmp_path: Path) -> None:
    found = problems(
        tmp_path, announced="2025-05", timing="unknown", announced_at="2025-05-14T07:00:00-04:00"
    )
    assert found == [
        CatalogProblem(F, E, "announced_at", "contradicts a month-only announcement date (2025-05)")
    ]


def test_impossible_month(tmp_path: Path) -> None:
    assert problems(tmp_path, announced="2025-13", timing="unknown") == [
        CatalogProblem(F, E, "announced", "not a valid month: '2025-13' (use YYYY-MM)")
    ]


def test_month_precision_round_trips_through_yaml(tmp_path: Path) -> None:
    data = base() | {"announced": "2025-05", "timing": "unknown"}
    write(tmp_path, data)
    deal = load_catalog(tmp_path).get(E)
    text = deal_to_yaml(deal)
    assert yaml.safe_load(text)["announced"] == "2025-05"
    (tmp_path / F).write_text(text, encoding="utf-8")
    assert validate_catalog(tmp_path) == []
    assert load_catalog(tmp_path).get(E) == deal


def test_frame_carries_the_precision(tmp_path: Path) -> None:
    write(tmp_path, base() | {"announced": "2025-05", "timing": "unknown"})
    frame = load_catalog(tmp_path).to_frame()
    assert frame.loc[0, "announced_precision"] == "month"


def test_market_events_do_not_mark_a_deal_confounded(tmp_path: Path) -> None:
    write(tmp_path, base() | {"market_events": ["FOMC decision the same afternoon"]})
    deal = load_catalog(tmp_path).get(E)
    assert deal.market_events == ("FOMC decision the same afternoon",)
    assert deal.confounded is False
    write(tmp_path, base() | {"confounders": ["Quarterly results released the same morning"]})
    assert load_catalog(tmp_path).get(E).confounded is True


def test_market_events_must_be_a_list(tmp_path: Path) -> None:
    assert problems(tmp_path, market_events="FOMC") == [
        CatalogProblem(F, E, "market_events", "expected a list, got text ('FOMC')")
    ]
