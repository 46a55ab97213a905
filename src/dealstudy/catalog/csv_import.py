"""Bulk import of deals from a spreadsheet export (CSV), all or nothing.

One row per deal x security; the deal-level columns repeat on each row of a deal (rows are grouped by
``id``); list columns (``confounders``, ``market_events``, ``related``, ``sources``) hold ``;``-separated
items; an empty cell is null. A deal without listed securities is one row with empty ``ticker``,
``exchange`` and ``role``. The header is documented in ``events/README.md``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from dealstudy.catalog.build import REQUIRED_OPTION_FIELDS, parse_source_spec
from dealstudy.catalog.schema import Deal
from dealstudy.catalog.validate import DEAL_KEYS, parse_deal
from dealstudy.catalog.write import add_deals
from dealstudy.errors import CatalogError, CatalogProblem

__all__ = ["CSV_COLUMNS", "REQUIRED_CSV_COLUMNS", "import_csv", "read_deals_csv"]

#: Columns describing the security of a row (the rest describe the deal and repeat across its rows).
SECURITY_COLUMNS: Final = ("ticker", "exchange", "role", "security_name", "security_timing")
_LIST_COLUMNS: Final = ("confounders", "market_events", "related", "sources")
_NUMBER_COLUMNS: Final = ("headline_value_usd", "duration_years", "estimated_value_usd", "binding_value_usd")
#: Deal keys that hold structured lists a CSV row cannot express (edit them in the YAML file).
_NESTED_KEYS: Final = ("securities", "overlaps", "press_claims")
#: Every column the importer accepts, in the documented order.
CSV_COLUMNS: Final = (*(k for k in DEAL_KEYS if k not in _NESTED_KEYS), *SECURITY_COLUMNS)
#: Columns the header must contain (their cells may still be empty where the field is optional).
REQUIRED_CSV_COLUMNS: Final = (*REQUIRED_OPTION_FIELDS, "sources", "ticker", "exchange", "role")
_NUMBER: Final = re.compile(r"^[+-]?(\d[\d_]*)?(\.\d+)?([eE][+-]?\d+)?$")
_THOUSANDS: Final = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
#: The rows of one deal: each row's number in the file (the header is row 1) and its cells by column.
_Rows = list[tuple[int, dict[str, str]]]


def _number(text: str) -> float | str:
    """Parse ``38000000000``, ``38_000_000_000``, ``3.8e10`` or ``38,000,000,000``; else return the text."""
    if _THOUSANDS.match(text):
        return float(text.replace(",", ""))
    if _NUMBER.match(text) and any(ch.isdigit() for ch in text):
        try:
            return float(text.replace("_", ""))
        except ValueError:
            return text
    return text


def _cell(column: str, text: str) -> object:
    value = text.strip()
    if column == "sources":
        return [parse_source_spec(item) for item in value.split(";") if item.strip()]
    if column in _LIST_COLUMNS:
        return [item.strip() for item in value.split(";") if item.strip()]
    if not value:
        return None
    if column in _NUMBER_COLUMNS:
        return _number(value)
    return value


def _rows_label(rows: Sequence[int]) -> str:
    return f"row {rows[0]}" if len(rows) == 1 else f"rows {', '.join(map(str, rows))}"


def read_deals_csv(path: Path | str) -> list[Deal]:
    """Read deals from a CSV export, checking every row; raise with every problem found.

    Problems name the CSV file, the deal id with its row numbers (the header is row 1), and the field
    (security fields as ``securities[i].ticker``).

    Raises
    ------
    CatalogError
        With every problem found.
    """
    source = Path(path)
    name = source.name
    records = _read_records(source)
    header = _checked_header(name, records)
    groups, problems = _group_rows(name, header, records[1:])
    deals: list[Deal] = []
    for deal_id, rows in groups.items():
        deal, deal_problems = _parse_group(name, deal_id, header, rows)
        problems.extend(deal_problems)
        if deal is not None:
            deals.append(deal)
    if problems:
        raise CatalogError(problems)
    return deals


def _read_records(source: Path) -> list[list[str]]:
    """Read ``source`` as UTF-8 (a byte-order mark is dropped) and split it into CSV records.

    Raises
    ------
    CatalogError
        When the file cannot be read, is not UTF-8 or is not valid CSV.
    """
    name = source.name
    try:
        text = source.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise CatalogError(
            CatalogProblem(name, "", "", f"cannot read the file: {exc.strerror or exc}")
        ) from None
    except UnicodeDecodeError as exc:
        raise CatalogError(
            CatalogProblem(name, "", "", f"not UTF-8 text (invalid byte at offset {exc.start})")
        ) from None
    try:
        return list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise CatalogError(CatalogProblem(name, "", "", f"not valid CSV: {exc}")) from None


def _checked_header(name: str, records: Sequence[Sequence[str]]) -> list[str]:
    """The header row's column names, stripped, once every column is known, present and unique.

    Raises
    ------
    CatalogError
        With every problem of the header (row 1), or when there is no header row.
    """
    if not records or not any(cell.strip() for cell in records[0]):
        raise CatalogError(CatalogProblem(name, "", "", "the file has no header row"))
    header = [cell.strip() for cell in records[0]]
    problems: list[CatalogProblem] = []
    for column in header:
        if column not in CSV_COLUMNS:
            problems.append(CatalogProblem(name, "row 1", column, "unknown column"))
    for column in REQUIRED_CSV_COLUMNS:
        if column not in header:
            problems.append(CatalogProblem(name, "row 1", column, "required column is missing"))
    duplicated = sorted({c for c in header if header.count(c) > 1})
    for column in duplicated:
        problems.append(CatalogProblem(name, "row 1", column, "column appears more than once"))
    if problems:
        raise CatalogError(problems)
    return header


def _group_rows(
    name: str, header: Sequence[str], records: Sequence[Sequence[str]]
) -> tuple[dict[str, _Rows], list[CatalogProblem]]:
    """Group the data rows (``records`` after the header, file row 2 onwards) by their deal ``id``.

    Blank lines are skipped; a row with another number of cells than the header, or without an id, is a
    problem and left out. A file without any deal row is a problem too.
    """
    problems: list[CatalogProblem] = []
    groups: dict[str, _Rows] = {}
    for number, record in enumerate(records, start=2):
        if not any(cell.strip() for cell in record):
            continue  # blank line
        if len(record) != len(header):
            problems.append(
                CatalogProblem(
                    name, f"row {number}", "", f"has {len(record)} cells, the header has {len(header)}"
                )
            )
            continue
        row = dict(zip(header, record, strict=True))
        deal_id = row["id"].strip()
        if not deal_id:
            problems.append(CatalogProblem(name, f"row {number}", "id", "must not be empty"))
            continue
        groups.setdefault(deal_id, []).append((number, row))
    if not groups and not problems:
        problems.append(CatalogProblem(name, "", "", "the file has no deal rows"))
    return groups, problems


def _parse_group(
    name: str, deal_id: str, header: Sequence[str], rows: _Rows
) -> tuple[Deal | None, list[CatalogProblem]]:
    """The deal of one id's rows, checked like a catalog file; problems name the id and its rows."""
    entry = f"{deal_id} ({_rows_label([n for n, _ in rows])})"
    mapping, problems = _deal_columns(name, entry, header, rows)
    securities, security_problems = _securities(name, entry, rows)
    problems.extend(security_problems)
    mapping["securities"] = securities
    deal, deal_problems = parse_deal(mapping, name)
    problems.extend(CatalogProblem(p.file, entry, p.field, p.message) for p in deal_problems)
    return deal, problems


def _deal_columns(
    name: str, entry: str, header: Sequence[str], rows: _Rows
) -> tuple[dict[str, object], list[CatalogProblem]]:
    """The deal-level fields from the first row; a later row that differs in one of them is a problem."""
    first_number, first = rows[0]
    mapping: dict[str, object] = {}
    problems: list[CatalogProblem] = []
    for column in header:
        if column in SECURITY_COLUMNS:
            continue
        mapping[column] = _cell(column, first[column])
        for number, row in rows[1:]:
            if row[column].strip() != first[column].strip():
                problems.append(
                    CatalogProblem(
                        name,
                        entry,
                        column,
                        f"row {number} differs from row {first_number}; deal-level columns must repeat "
                        "the same value on every row of a deal",
                    )
                )
    return mapping, problems


def _securities(name: str, entry: str, rows: _Rows) -> tuple[list[dict[str, object]], list[CatalogProblem]]:
    """The securities of a deal, one per row; only a deal's single row may leave the security empty."""
    securities: list[dict[str, object]] = []
    problems: list[CatalogProblem] = []
    for number, row in rows:
        cells = {c: row.get(c, "").strip() for c in SECURITY_COLUMNS}
        if not any(cells.values()):
            if len(rows) > 1:
                problems.append(
                    CatalogProblem(
                        name,
                        entry,
                        "ticker",
                        f"row {number} has no security; only a deal's single row may leave it empty",
                    )
                )
            continue
        security: dict[str, object] = {
            "ticker": cells["ticker"] or None,
            "exchange": cells["exchange"] or None,
            "role": cells["role"] or None,
        }
        if cells["security_name"]:
            security["name"] = cells["security_name"]
        if cells["security_timing"]:
            security["timing"] = cells["security_timing"]
        securities.append(security)
    return securities, problems


def import_csv(directory: Path | str, path: Path | str) -> list[Path]:
    """Add every deal of a CSV export to the catalog in ``directory``: all of them, or none.

    Returns
    -------
    list of Path
        The files written.

    Raises
    ------
    CatalogError
        With every problem found in the CSV and against the catalog; nothing has been written.
    """
    deals = read_deals_csv(path)
    return add_deals(directory, deals, origin=Path(path).name)
