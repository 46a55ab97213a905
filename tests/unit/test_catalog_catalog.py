"""The loaded catalog: ordering, lookup, checksum, table, YAML round trip and adding deals."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from dealstudy.catalog import (
    FRAME_COLUMNS,
    Catalog,
    Deal,
    Security,
    UnknownDealError,
    add_deals,
    deal_to_yaml,
    load_catalog,
    parse_deal,
    write_deal,
)
from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.errors import CatalogError, CatalogProblem

EASTERN = dt.timezone(dt.timedelta(hours=-5))


def make_deal(deal_id: str = "amazon-openai-38b", **changes: object) -> Deal:
    fields: dict[str, object] = {
        "id": deal_id,
        "title": "Amazon and OpenAI sign a seven-year AWS compute agreement worth $38B",
        "announced": dt.date(2025, 11, 3),
        "timing": "pre_market",
        "counterparty": "OpenAI",
        "kind": "cloud_contract",
        "binding_status": "definitive_contract",
        "securities": (
            Security("AMZN", "provider", "XNAS", "Amazon.com"),
            Security("9984.T", "read-across", "XTKS", None, "after_close"),
        ),
        "sources": ("https://www.aboutamazon.com/news/aws/aws-open-ai",),
        "headline_value_usd": 38e9,
        "value_qualifier": "exact",
        "binding_value_usd": 30e9,
        "binding_basis": "Signed agreement: 'we will'.\nSecond line: # not a comment",
        "duration_years": 7.0,
        "confounders": ("Same-day: Fed decision",),
        "notes": "x" * 150 + " with spaces " + "y" * 30,
        "confidence": "high",
    }
    fields.update(changes)
    return Deal(**fields)  # type: ignore[arg-type]


def reparse(deal: Deal) -> Deal:
    data, yaml_problems = load_yaml_text(deal_to_yaml(deal), f"{deal.id}.yaml")
    assert yaml_problems == []
    back, problems = parse_deal(data, f"{deal.id}.yaml")
    assert problems == []
    assert back is not None
    return back


def test_round_trip_full_deal() -> None:
    deal = make_deal(announced_at=dt.datetime(2025, 11, 3, 7, 0, tzinfo=EASTERN), related=("other-deal",))
    assert reparse(deal) == deal


def test_round_trip_minimal_deal() -> None:
    deal = Deal(
        id="cipher-aws-5.5b",
        title="t",
        announced=dt.date(2025, 11, 3),
        timing="unknown",
        counterparty="AWS",
        kind="data_center_lease",
        binding_status="media_report",
        securities=(),
        sources=("https://example.com/a",),
    )
    assert reparse(deal) == deal


def test_yaml_is_readable() -> None:
    text = deal_to_yaml(make_deal())
    assert "headline_value_usd: 38_000_000_000\n" in text
    assert "  - ticker: AMZN\n" in text  # list items indented under their key
    assert "announced: 2025-11-03\n" in text
    assert "related: []\n" in text
    assert "announced_at: null\n" in text


def write_catalog(folder: Path, *deals: Deal) -> None:
    folder.mkdir(exist_ok=True)
    for deal in deals:
        (folder / f"{deal.id}.yaml").write_text(deal_to_yaml(deal))


def test_load_sorts_by_date_then_id(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        make_deal("b-deal"),
        make_deal("a-deal"),
        make_deal("early", announced=dt.date(2025, 1, 21)),
    )
    catalog = load_catalog(tmp_path)
    assert catalog.ids == ("early", "a-deal", "b-deal")
    assert len(catalog) == 3
    assert catalog.directory == tmp_path


def test_load_raises_with_every_problem(tmp_path: Path) -> None:
    write_catalog(tmp_path, make_deal("a-deal"))
    (tmp_path / "b-deal.yaml").write_text("id: b-deal\n")
    (tmp_path / "c-deal.yaml").write_text("id: [\n")
    with pytest.raises(CatalogError) as info:
        load_catalog(tmp_path)
    files = {p.file for p in info.value.problems}
    assert files == {"b-deal.yaml", "c-deal.yaml"}
    assert info.value.exit_code == 2
    assert "b-deal.yaml [b-deal] title: required key is missing" in str(info.value)


def test_get_and_unknown_id(tmp_path: Path) -> None:
    write_catalog(tmp_path, make_deal("amazon-openai-38b"))
    catalog = load_catalog(tmp_path)
    assert catalog.get("amazon-openai-38b").headline_value_usd == 38e9
    with pytest.raises(KeyError):
        catalog.get("amazon-openai-39b")
    with pytest.raises(UnknownDealError) as info:
        catalog.get("amazon-openai-39b")
    assert isinstance(info.value, CatalogError)
    assert info.value.problems == [
        CatalogProblem(
            str(tmp_path), "amazon-openai-39b", "", "unknown deal id (did you mean 'amazon-openai-38b'?)"
        )
    ]


def test_catalog_is_frozen(tmp_path: Path) -> None:
    write_catalog(tmp_path, make_deal())
    catalog = load_catalog(tmp_path)
    with pytest.raises(AttributeError):
        catalog.deals = ()  # type: ignore[misc]
    assert isinstance(catalog, Catalog)


def test_checksum_tracks_bytes_and_names(tmp_path: Path) -> None:
    write_catalog(tmp_path, make_deal("a-deal"))
    first = load_catalog(tmp_path).checksum
    assert len(first) == 64
    assert load_catalog(tmp_path).checksum == first
    path = tmp_path / "a-deal.yaml"
    path.write_text(path.read_text() + "# comment\n")
    assert load_catalog(tmp_path).checksum != first
    (tmp_path / "README.md").write_text("ignored")
    second = load_catalog(tmp_path).checksum
    assert second == load_catalog(tmp_path).checksum


def test_to_frame_one_row_per_security(tmp_path: Path) -> None:
    write_catalog(
        tmp_path,
        make_deal(announced_at=dt.datetime(2025, 11, 3, 7, 0, tzinfo=EASTERN), related=("lonely",)),
        make_deal(
            "lonely", securities=(), headline_value_usd=None, binding_value_usd=None, binding_basis=None
        ),
    )
    frame = load_catalog(tmp_path).to_frame()
    assert tuple(frame.columns) == FRAME_COLUMNS
    assert list(frame["deal_id"]) == ["amazon-openai-38b", "amazon-openai-38b", "lonely"]
    assert list(frame["ticker"].iloc[:2]) == ["AMZN", "9984.T"]
    assert pd.isna(frame["ticker"].iloc[2])  # a deal without securities is kept, not dropped
    assert list(frame["timing"]) == ["pre_market", "after_close", "pre_market"]
    assert list(frame["timing_overridden"]) == [False, True, False]
    assert frame["announced_at"].iloc[0] == pd.Timestamp("2025-11-03 12:00", tz="UTC")
    assert frame["non_binding_value_usd"].iloc[0] == pytest.approx(8e9)
    assert pd.isna(frame["headline_value_usd"].iloc[2])
    assert frame["related"].iloc[0] == "lonely"
    assert bool(frame["confounded"].iloc[0]) is True
    assert frame["announced"].iloc[0] == pd.Timestamp("2025-11-03")


def test_write_deal_writes_exactly_one_file(tmp_path: Path) -> None:
    write_catalog(tmp_path, make_deal("a-deal"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    path = write_deal(tmp_path, make_deal("b-deal", related=("a-deal",)))
    after = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    assert path == tmp_path / "b-deal.yaml"
    assert set(after) - set(before) == {"b-deal.yaml"}
    assert all(after[name] == data for name, data in before.items())
    assert load_catalog(tmp_path).get("b-deal").related == ("a-deal",)


def test_write_deal_refuses_existing_id(tmp_path: Path) -> None:
    write_catalog(tmp_path, make_deal("a-deal"))
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(CatalogError) as info:
        write_deal(tmp_path, make_deal("a-deal", title="changed"))
    assert info.value.problems == [
        CatalogProblem(
            "a-deal.yaml", "a-deal", "id", "id 'a-deal' already exists in the catalog (a-deal.yaml)"
        )
    ]
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before


def test_write_deal_refuses_unknown_related_and_invalid_fields(tmp_path: Path) -> None:
    with pytest.raises(CatalogError) as info:
        write_deal(tmp_path, make_deal("a-deal", related=("ghost",), sources=("http://x.example",)))
    assert [(p.field, p.message) for p in info.value.problems] == [
        ("sources[0]", "not an https URL: 'http://x.example'"),
    ]
    with pytest.raises(CatalogError) as info:
        write_deal(tmp_path, make_deal("a-deal", related=("ghost",)))
    assert [(p.field, p.message) for p in info.value.problems] == [("related[0]", "unknown deal id 'ghost'")]
    assert list(tmp_path.iterdir()) == []


def test_write_deal_refuses_when_catalog_is_broken(tmp_path: Path) -> None:
    (tmp_path / "broken.yaml").write_text("id: broken\n")
    with pytest.raises(CatalogError):
        write_deal(tmp_path, make_deal("a-deal"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml"]


def test_add_deals_is_all_or_nothing(tmp_path: Path) -> None:
    good = make_deal("good-deal")
    twin = make_deal("twin")
    with pytest.raises(CatalogError) as info:
        add_deals(tmp_path, [good, twin, twin])
    assert [p.message for p in info.value.problems] == ["id 'twin' is given more than once"]
    assert not tmp_path.exists() or list(tmp_path.iterdir()) == []
    written = add_deals(tmp_path, [good, twin])
    assert [p.name for p in written] == ["good-deal.yaml", "twin.yaml"]


@pytest.mark.parametrize(
    "text", ["0\x850", "a\u2028b", "line\r\nbreak", "null", "2025-01-01", "yes", "- item", "#x"]
)
def test_round_trip_awkward_text(text: str) -> None:
    # Found by hypothesis: U+0085 (NEL) is a YAML line break and was lost in plain style.
    deal = make_deal(notes=text, title=text)
    assert reparse(deal) == deal


def test_write_deal_refuses_an_id_that_is_a_path(tmp_path: Path) -> None:
    folder = tmp_path / "events"
    folder.mkdir()
    with pytest.raises(CatalogError) as info:
        write_deal(folder, make_deal("../escape"))
    assert [p.field for p in info.value.problems] == ["id"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events"]
    assert list(folder.iterdir()) == []
