"""Sources marked ``primary`` or ``press``: parsing, round trip, CSV and command-line forms, the warning."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from dealstudy.catalog import (
    Source,
    deal_to_json_dict,
    deal_to_yaml,
    load_catalog,
    parse_source_spec,
    read_deals_csv,
    validate_catalog,
)
from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.catalog.validate import parse_deal
from dealstudy.errors import CatalogProblem

PRIMARY = "https://www.sec.gov/Archives/edgar/data/1513845/000110465925109803/tm2530882d2_6k.htm"
PRESS = "https://news.example.com/nebius-meta"


def deal_data(deal_id: str = "nebius-meta-3b", sources: object = None) -> dict[str, Any]:
    return {
        "id": deal_id,
        "title": "Nebius and Meta sign a $3B order",
        "announced": dt.date(2025, 11, 11),
        "timing": "pre_market",
        "counterparty": "Meta",
        "kind": "cloud_contract",
        "securities": [{"ticker": "NBIS", "exchange": "XNAS", "role": "provider"}],
        "binding_status": "definitive_contract",
        "sources": sources if sources is not None else [{"url": PRIMARY, "kind": "primary"}, PRESS],
    }


def write(folder: Path, data: dict[str, Any]) -> Path:
    (folder / f"{data['id']}.yaml").write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return folder


def test_kinds_are_read_beside_the_urls(tmp_path: Path) -> None:
    deal = load_catalog(write(tmp_path, deal_data())).get("nebius-meta-3b")
    assert deal.sources == (PRIMARY, PRESS)
    assert deal.source_kinds == ("primary", None)
    assert deal.cited_sources == (Source(PRIMARY, "primary"), Source(PRESS, None))
    assert deal.has_primary_source


def test_bare_urls_have_no_kind(tmp_path: Path) -> None:
    deal = load_catalog(write(tmp_path, deal_data(sources=[PRESS]))).get("nebius-meta-3b")
    assert (deal.source_kinds, deal.has_primary_source) == ((), False)
    assert deal.cited_sources == (Source(PRESS, None),)


@pytest.mark.parametrize(
    ("entry", "field", "message"),
    [
        ({"url": PRESS, "kind": "blog"}, "sources[0].kind", "'blog' is not one of: primary, press"),
        ({"url": PRESS}, "sources[0].kind", "required key is missing"),
        ({"kind": "press"}, "sources[0].url", "required key is missing"),
        (
            {"url": "http://x.example", "kind": "press"},
            "sources[0].url",
            "not an https URL: 'http://x.example'",
        ),
        ({"url": PRESS, "kind": "press", "date": 1}, "sources[0].date", "unknown key"),
    ],
)
def test_source_entry_problems(tmp_path: Path, entry: object, field: str, message: str) -> None:
    assert validate_catalog(write(tmp_path, deal_data(sources=[entry]))) == [
        CatalogProblem("nebius-meta-3b.yaml", "nebius-meta-3b", field, message)
    ]


def test_yaml_round_trip_keeps_the_kinds(tmp_path: Path) -> None:
    deal, problems = parse_deal(deal_data(), "nebius-meta-3b.yaml")
    assert deal is not None and problems == []  # noqa: PT018
    data, _ = load_yaml_text(deal_to_yaml(deal), "nebius-meta-3b.yaml")
    assert data["sources"] == [{"url": PRIMARY, "kind": "primary"}, PRESS]  # type: ignore[index]
    assert parse_deal(data, "nebius-meta-3b.yaml") == (deal, [])
    assert deal_to_json_dict(deal)["sources"] == [
        {"url": PRIMARY, "kind": "primary"},
        {"url": PRESS, "kind": None},
    ]


def test_deal_without_kinds_in_code() -> None:
    deal, _ = parse_deal(deal_data(), "nebius-meta-3b.yaml")
    assert deal is not None
    plain = dataclasses.replace(deal, source_kinds=())  # as code that builds a Deal without kinds does
    assert plain.cited_sources == (Source(PRIMARY, None), Source(PRESS, None))
    assert not plain.has_primary_source


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        (f"primary:{PRIMARY}", {"url": PRIMARY, "kind": "primary"}),
        (f" press: {PRESS} ", {"url": PRESS, "kind": "press"}),
        (PRESS, PRESS),
        ("blog:https://x.example", "blog:https://x.example"),  # not a kind: left for the URL check to refuse
    ],
)
def test_source_spec(spec: str, parsed: object) -> None:
    assert parse_source_spec(spec) == parsed


def test_csv_sources_with_kinds(tmp_path: Path) -> None:
    header = "id,title,announced,timing,counterparty,kind,binding_status,sources,ticker,exchange,role\n"
    row = (
        "n-deal,T,2025-11-11,pre_market,Meta,cloud_contract,media_report,"
        f"primary:{PRIMARY}; {PRESS},NBIS,XNAS,provider\n"
    )
    path = tmp_path / "deals.csv"
    path.write_text(header + row, encoding="utf-8")
    (deal,) = read_deals_csv(path)
    assert deal.cited_sources == (Source(PRIMARY, "primary"), Source(PRESS, None))


def test_shipped_catalog_marks_every_source() -> None:
    catalog = load_catalog(Path(__file__).resolve().parents[2] / "events")
    unmarked = [(d.id, s.url) for d in catalog.deals for s in d.cited_sources if s.kind is None]
    assert unmarked == []
    with_primary = {d.id for d in catalog.deals if d.has_primary_source}
    # The research file gives a company release or filing for these (Amazon's 8-K for the AWS agreement).
    assert {
        "amazon-openai-38b",
        "nebius-meta-3b",
        "samsung-skhynix-stargate-loi",
        "openai-110b-round",
    } <= with_primary


NOTE = "The company's release could not be located offline; cite it when found."


@pytest.mark.parametrize(
    ("note", "message"),
    [
        ("", "must not be empty"),
        ("   ", "must not be empty"),
        (12, "expected text, got a number (12)"),
    ],
)
def test_primary_source_note_must_be_text(tmp_path: Path, note: object, message: str) -> None:
    data = {**deal_data(sources=[{"url": PRESS, "kind": "press"}]), "primary_source_note": note}
    assert validate_catalog(write(tmp_path, data)) == [
        CatalogProblem("nebius-meta-3b.yaml", "nebius-meta-3b", "primary_source_note", message)
    ]


def test_primary_source_note_is_refused_beside_a_primary_source(tmp_path: Path) -> None:
    """A note saying why there is no primary source would contradict one: an error, not a warning."""
    assert validate_catalog(write(tmp_path, {**deal_data(), "primary_source_note": NOTE})) == [
        CatalogProblem(
            "nebius-meta-3b.yaml",
            "nebius-meta-3b",
            "primary_source_note",
            "the deal cites a primary source: remove the note saying why it has none",
        )
    ]


@pytest.mark.parametrize("sources", [[{"url": PRESS, "kind": "press"}], [PRESS]])
def test_primary_source_note_replaces_the_warning(tmp_path: Path, sources: list[object]) -> None:
    plain = deal_data("plain-deal", sources=sources)
    noted = {**deal_data("noted-deal", sources=sources), "primary_source_note": f"  {NOTE} "}
    catalog = load_catalog(write(write(tmp_path, plain), noted))
    assert catalog.get("noted-deal").primary_source_note == NOTE
    assert catalog.get("plain-deal").primary_source_note is None
    assert [w.entry for w in catalog.warnings()] == ["plain-deal"]
    assert catalog.source_notes() == [
        CatalogProblem("noted-deal.yaml", "noted-deal", "primary_source_note", NOTE)
    ]


def test_primary_source_note_round_trips_through_yaml_json_and_csv(tmp_path: Path) -> None:
    data = {**deal_data(sources=[{"url": PRESS, "kind": "press"}]), "primary_source_note": NOTE}
    deal, problems = parse_deal(data, "nebius-meta-3b.yaml")
    assert deal is not None and problems == []  # noqa: PT018
    text = deal_to_yaml(deal)
    assert f"primary_source_note: {NOTE}" in text.replace("\n  ", " ")
    reread, _ = load_yaml_text(text, "nebius-meta-3b.yaml")
    assert parse_deal(reread, "nebius-meta-3b.yaml") == (deal, [])
    assert deal_to_json_dict(deal)["primary_source_note"] == NOTE
    header = (
        "id,title,announced,timing,counterparty,kind,binding_status,sources,primary_source_note,"
        "ticker,exchange,role\n"
    )
    row = (
        f'n-deal,T,2025-11-11,pre_market,Meta,cloud_contract,media_report,press:{PRESS},"{NOTE}",'
        "NBIS,XNAS,provider\n"
    )
    (tmp_path / "deals.csv").write_text(header + row, encoding="utf-8")
    (from_csv,) = read_deals_csv(tmp_path / "deals.csv")
    assert from_csv.primary_source_note == NOTE
