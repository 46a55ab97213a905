"""Frames -> plain table data for the templates: column headers, formatted cells and sort keys."""

from __future__ import annotations

import math
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from dealstudy.report.format import NUMERIC_KINDS, as_float, column_kind, fmt, https_url

__all__ = ["Column", "cell", "frame_table", "records_table"]


@dataclass(frozen=True)
class Column:
    """A column of a rendered table: frame column, header text, the kind of its values (see ``fmt``).

    ``show`` writes several values in one cell, ``sub`` a second, smaller line under it: format strings whose
    fields name frame columns and their kind, ``"{coef:stat} ({se:stat})"``, ``"p {p:p}"`` (a field without
    a kind is text). The cell sorts by ``key``; when its value is missing the cell reads ``n/a`` alone, and
    the second line (whatever the cell's value) is left out when any of its own values is missing.
    """

    key: str
    label: str
    kind: str = "text"
    title: str = ""
    show: str = ""
    sub: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS

    @property
    def fields(self) -> tuple[str, ...]:
        """Every frame column the cell reads."""
        return tuple(dict.fromkeys([self.key, *_names(self.show), *_names(self.sub)]))


def _names(template: str) -> list[str]:
    """The field names of a format string: ``"{coef:stat} ({se:stat})" -> ["coef", "se"]``."""
    return [name for _, name, _, _ in string.Formatter().parse(template) if name]


def _missing(value: object) -> bool:
    if value is None or (isinstance(value, str) and not value.strip()):
        return True
    try:
        return bool(pd.isna(value))  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return False


class _Fields(string.Formatter):
    """``{name:kind}`` -> ``fmt(record[name], kind)``."""

    def get_value(self, key: int | str, args: Sequence[Any], kwargs: Mapping[str, Any]) -> Any:
        return kwargs.get(str(key))

    def format_field(self, value: Any, format_spec: str) -> str:
        return fmt(value, format_spec or "text")


def _written(template: str, record: Mapping[Any, Any]) -> str:
    return _Fields().vformat(template, (), record)


def _column_cell(column: Column, record: Mapping[Any, Any]) -> dict[str, Any]:
    """The cell of ``column`` in one row: text (``show`` or the value as its kind), sort key, second line."""
    value = record.get(column.key)
    sort = as_float(value) if column.numeric else None
    text = _written(column.show, record) if column.show and not _missing(value) else fmt(value, column.kind)
    url = https_url(value) if column.kind == "text" and not column.show else None
    if url is not None:  # a source: linked, shown by its host, not a 100-character address
        return cell(urlsplit(url).hostname or url, url, href=url, title=url)
    out = cell(text, sort if column.numeric else text, numeric=column.numeric, nowrap=column.kind == "date")
    if column.sub and not any(_missing(record.get(name)) for name in _names(column.sub)):
        out["sub"] = _written(column.sub, record)
    return out


def cell(
    text: str,
    sort: object = None,
    *,
    href: str | None = None,
    title: str = "",
    numeric: bool = False,
    nowrap: bool = False,
) -> dict[str, Any]:
    """One table cell: display text, a sort key (number or lower-case text), an optional link and tooltip."""
    if sort is None:
        key: object = text.lower()
    elif isinstance(sort, float | int) and not isinstance(sort, bool):
        key = "" if not math.isfinite(float(sort)) else repr(float(sort))
    else:
        key = str(sort).lower()
    return {
        "text": text,
        "sort": key,
        "href": href,
        "title": title,
        "num": numeric,
        "nowrap": nowrap,
        "sub": "",
    }


def _label(name: str) -> str:
    """A readable header: ``abnormal_value_usd`` -> ``abnormal value (US$)``; ``_bn`` -> ``($bn)``."""
    for suffix, unit in (("_usd", " (US$)"), ("_bn", " ($bn)")):
        if name.endswith(suffix):
            return name[: -len(suffix)].replace("_", " ") + unit
    return name.replace("_", " ")


def frame_table(
    frame: pd.DataFrame,
    *,
    table_id: str,
    caption: str,
    notes: str = "",
    columns: Sequence[Column] | None = None,
    sortable: bool = True,
    csv: str = "",
) -> dict[str, Any]:
    """Turn ``frame`` into ``{id, caption, notes, columns, rows, n, csv}`` for the ``table`` macro.

    ``csv`` is the path of the table's CSV file relative to the site root, linked beside the table.
    """
    if columns is None:
        columns = []
        for name in frame.columns:
            columns.append(Column(str(name), _label(str(name)), column_kind(str(name), frame[name])))
    return records_table(
        frame.to_dict("records"),
        columns,
        table_id=table_id,
        caption=caption,
        notes=notes,
        sortable=sortable,
        csv=csv,
    )


def records_table(
    records: Sequence[Mapping[Any, Any]],
    columns: Sequence[Column],
    *,
    table_id: str,
    caption: str,
    notes: str = "",
    sortable: bool = True,
    csv: str = "",
) -> dict[str, Any]:
    """:func:`frame_table` of a frame's records (``frame.to_dict("records")``, or some of them), with the
    columns given: for many small tables cut from one frame converted once."""
    rows = [
        {"cells": [_column_cell(column, record) for column in columns], "attrs": {}} for record in records
    ]
    return {
        "id": table_id,
        "caption": caption,
        "notes": notes,
        "columns": [{"label": c.label, "num": c.numeric, "title": c.title} for c in columns],
        "rows": rows,
        "n": len(rows),
        "sortable": sortable,
        "filters": [],
        "csv": csv,
    }
