"""Bulk import from a spreadsheet export: header, grouping of rows into deals, all or nothing."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from dealstudy.catalog import CSV_COLUMNS, import_csv, load_catalog, read_deals_csv
from dealstudy.errors import CatalogError, CatalogProblem

HEADER = [
    "id",
    "title",
    "announced",
    "timing",
    "counterparty",
    "kind",
    "headline_value_usd",
    "binding_status",
    "binding_value_usd",
    "binding_basis",
    "related",
    "sources",
    "ticker",
    "exchange",
    "role",
    "security_timing",
]


def row(deal_id: str = "oracle-openai-300b", **cells: str) -> dict[str, str]:
    base = {
        "id": deal_id,
        "title": "Oracle and OpenAI: about $300B of compute over five years",
        "announced": "2025-09-10",
        "timing": "intraday",
        "counterparty": "OpenAI",
        "kind": "cloud_contract",
        "headline_value_usd": "300,000,000,000",
        "binding_status": "media_report",
        "binding_value_usd": "",
        "binding_basis": "",
        "related": "",
        "sources": "https://example.com/a; https://example.com/b",
        "ticker": "ORCL",
        "exchange": "XNYS",
        "role": "provider",
        "security_timing": "",
    }
    base.update(cells)
    return base


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] = HEADER) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_csv_columns_documented_order() -> None:
    assert CSV_COLUMNS[:3] == ("id", "title", "announced")
    assert CSV_COLUMNS[-5:] == ("ticker", "exchange", "role", "security_name", "security_timing")


def test_rows_group_into_deals(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "deals.csv",
        [
            row(),
            row(ticker="9984.T", exchange="XTKS", role="read-across", security_timing="after_close"),
            row(
                "no-listed",
                headline_value_usd="",
                ticker="",
                exchange="",
                role="",
                related="oracle-openai-300b",
            ),
        ],
    )
    deals = read_deals_csv(path)
    assert [d.id for d in deals] == ["oracle-openai-300b", "no-listed"]
    oracle = deals[0]
    assert oracle.tickers == ("ORCL", "9984.T")
    assert oracle.securities[1].timing == "after_close"
    assert oracle.headline_value_usd == 300e9
    assert oracle.sources == ("https://example.com/a", "https://example.com/b")
    assert deals[1].securities == ()
    assert deals[1].related == ("oracle-openai-300b",)


def test_import_writes_every_deal(tmp_path: Path) -> None:
    catalog = tmp_path / "events"
    path = write_csv(tmp_path / "deals.csv", [row(), row("second", headline_value_usd="1e9")])
    written = import_csv(catalog, path)
    assert sorted(p.name for p in written) == ["oracle-openai-300b.yaml", "second.yaml"]
    assert load_catalog(catalog).get("second").headline_value_usd == 1e9


def test_import_is_all_or_nothing(tmp_path: Path) -> None:
    catalog = tmp_path / "events"
    catalog.mkdir()
    path = write_csv(tmp_path / "deals.csv", [row(), row("bad-one", timing="morning")])
    with pytest.raises(CatalogError) as info:
        import_csv(catalog, path)
    assert info.value.problems == [
        CatalogProblem(
            "deals.csv",
            "bad-one (row 3)",
            "timing",
            "'morning' is not one of: pre_market, intraday, after_close, non_trading_day, unknown",
        )
    ]
    assert list(catalog.iterdir()) == []


def test_import_refuses_existing_id_and_writes_nothing(tmp_path: Path) -> None:
    catalog = tmp_path / "events"
    import_csv(catalog, write_csv(tmp_path / "one.csv", [row()]))
    before = {p.name: p.read_bytes() for p in catalog.iterdir()}
    with pytest.raises(CatalogError) as info:
        import_csv(catalog, write_csv(tmp_path / "two.csv", [row("fresh"), row()]))
    assert [p.message for p in info.value.problems] == [
        "id 'oracle-openai-300b' already exists in the catalog (oracle-openai-300b.yaml)"
    ]
    assert {p.name: p.read_bytes() for p in catalog.iterdir()} == before


def test_deal_level_cells_must_repeat(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "deals.csv", [row(), row(ticker="MSFT", exchange="XNAS", title="Other")])
    with pytest.raises(CatalogError) as info:
        read_deals_csv(path)
    assert info.value.problems == [
        CatalogProblem(
            "deals.csv",
            "oracle-openai-300b (rows 2, 3)",
            "title",
            "row 3 differs from row 2; deal-level columns must repeat the same value on every row of a deal",
        )
    ]


def test_header_problems(tmp_path: Path) -> None:
    header = [c for c in HEADER if c != "sources"] + ["weight"]
    path = write_csv(tmp_path / "deals.csv", [row()], header)
    with pytest.raises(CatalogError) as info:
        read_deals_csv(path)
    assert info.value.problems == [
        CatalogProblem("deals.csv", "row 1", "weight", "unknown column"),
        CatalogProblem("deals.csv", "row 1", "sources", "required column is missing"),
    ]


def test_ragged_row_and_security_problems(tmp_path: Path) -> None:
    path = tmp_path / "deals.csv"
    write_csv(path, [row(exchange="Nasdaq")])
    with path.open("a", encoding="utf-8") as handle:
        handle.write("x,y\n")
    with pytest.raises(CatalogError) as info:
        read_deals_csv(path)
    assert [(p.entry, p.field, p.message) for p in info.value.problems] == [
        ("row 3", "", f"has 2 cells, the header has {len(HEADER)}"),
        (
            "oracle-openai-300b (row 2)",
            "securities[0].exchange",
            "'Nasdaq' is not an ISO 10383 MIC (four uppercase letters, e.g. XNYS, XNAS, XTKS, XKRX)",
        ),
    ]


def test_number_cells(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "deals.csv",
        [
            row(headline_value_usd="38_000_000_000"),
            row("b", headline_value_usd="3.8e10"),
            row("c", headline_value_usd="$38B"),
        ],
    )
    with pytest.raises(CatalogError) as info:
        read_deals_csv(path)
    assert [(p.entry, p.message) for p in info.value.problems] == [
        ("c (row 4)", "expected a number, got text ('$38B')")
    ]


def test_empty_and_headerless_files(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    with pytest.raises(CatalogError, match="the file has no header row"):
        read_deals_csv(empty)
    only_header = write_csv(tmp_path / "header.csv", [])
    with pytest.raises(CatalogError, match="the file has no deal rows"):
        read_deals_csv(only_header)
