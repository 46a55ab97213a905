"""Frames -> plain table data for the templates: column headers, formatted cells and sort keys."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pandas as pd

from dealstudy.report.format import NUMERIC_KINDS, as_float, column_kind, fmt, https_url

__all__ = ["Column", "cell", "frame_table"]


@dataclass(frozen=True)
class Column:
    """A column of a rendered table: frame column, header text, the kind of its values (see ``fmt``)."""

    key: str
    label: str
    kind: str = "text"
    title: str = ""

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC_KINDS


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
    return {"text": text, "sort": key, "href": href, "title": title, "num": numeric, "nowrap": nowrap}


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
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column in columns:
            value = record.get(column.key)
            text = fmt(value, column.kind)
            sort = as_float(value) if column.numeric else text
            url = https_url(value) if column.kind == "text" else None
            if url is not None:  # a source: linked, shown by its host, not a 100-character address
                cells.append(cell(urlsplit(url).hostname or url, url, href=url, title=url))
            else:
                cells.append(cell(text, sort, numeric=column.numeric))
        rows.append({"cells": cells, "attrs": {}})
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
