"""Frames -> plain table data for the templates: column headers, formatted cells and sort keys."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dealstudy.report.format import as_float, fmt_date, fmt_num, fmt_p, fmt_pct, fmt_sq_p, fmt_usd

__all__ = ["Column", "cell", "frame_table", "guess_formatter"]

Formatter = Callable[[object], str]


@dataclass(frozen=True)
class Column:
    """A column of a rendered table: frame column, header text, formatter and whether it is numeric."""

    key: str
    label: str
    formatter: Formatter | None = None
    numeric: bool = False
    title: str = ""


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


def guess_formatter(name: str, series: pd.Series) -> tuple[Formatter | None, bool]:
    """A formatter for a results column from its name and dtype (``*_usd`` dollars, ``p``-values ...)."""
    lower = name.lower()
    if lower.endswith("_usd"):
        return fmt_usd, True
    if lower == "sq_p_value":
        return fmt_sq_p, True
    if lower in {"p", "p_value", "pvalue"} or lower.endswith("_p_value") or lower.startswith("p_"):
        return fmt_p, True
    if lower in {"car", "bhar", "caar", "ar", "mean"}:
        return (lambda v: fmt_pct(v, 2)), True
    if pd.api.types.is_bool_dtype(series):
        return (lambda v: "yes" if v is True or v == 1 else "no"), False
    if pd.api.types.is_integer_dtype(series):
        return (lambda v: fmt_num(v, 0)), True
    if pd.api.types.is_float_dtype(series):
        return _significant, True
    if pd.api.types.is_datetime64_any_dtype(series):
        return fmt_date, False
    return None, False


def _label(name: str) -> str:
    """A readable header: ``abnormal_value_usd`` -> ``abnormal value (US$)``; ``_bn`` -> ``($bn)``."""
    for suffix, unit in (("_usd", " (US$)"), ("_bn", " ($bn)")):
        if name.endswith(suffix):
            return name[: -len(suffix)].replace("_", " ") + unit
    return name.replace("_", " ")


def _significant(value: object) -> str:
    number = as_float(value)
    if not math.isfinite(number):
        return "n/a"
    if number != 0 and (abs(number) >= 1e6 or abs(number) < 1e-3):
        text = f"{number:.4g}"
    elif number.is_integer():
        text = f"{number:,.0f}"
    else:
        text = f"{number:,.4f}"
    return text.replace("-", "−")


def frame_table(
    frame: pd.DataFrame,
    *,
    table_id: str,
    caption: str,
    notes: str = "",
    columns: Sequence[Column] | None = None,
    sortable: bool = True,
) -> dict[str, Any]:
    """Turn ``frame`` into ``{id, caption, notes, columns, rows, n}`` for the ``table`` macro."""
    if columns is None:
        columns = []
        for name in frame.columns:
            formatter, numeric = guess_formatter(str(name), frame[name])
            columns.append(Column(str(name), _label(str(name)), formatter, numeric))
    rows = []
    for record in frame.to_dict("records"):
        cells = []
        for column in columns:
            value = record.get(column.key)
            if column.formatter is not None:
                text = column.formatter(value)
            elif value is None or (isinstance(value, float) and math.isnan(value)):
                text = "n/a"
            else:
                text = str(value)
            sort = as_float(value) if column.numeric else text
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
    }
