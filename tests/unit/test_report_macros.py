"""The table macros write a cell with one value in place and a cell with a value per window through the
``sort_attrs`` and ``value`` macros: both kinds of cell in one row, as HTML."""

from __future__ import annotations

import re
from typing import Any

from dealstudy.report.environment import environment
from dealstudy.report.index_table import windowed
from dealstudy.report.tables import cell

_WINDOWED_SORT = ' data-sort="2000000000.0" data-sorts="0:0=1000000000.0;0:1=2000000000.0"'
_WINDOWED_TEXT = '<span data-window="0:0" hidden>$1.0bn</span><span data-window="0:1">$2.0bn</span>'


def _cells() -> list[dict[str, Any]]:
    return [
        cell("Alpha <Cloud>", "alpha"),
        cell("+1.23%", 0.0123, numeric=True),
        windowed("usd", {"0:0": 1e9, "0:1": 2e9}, ("0:0", "0:1"), "0:1"),
    ]


def _cells_html(macro: str, table: dict[str, Any], start: str, end: str) -> str:
    """The HTML between ``start`` and ``end`` of ``macro(table)`` as the site renders it."""
    source = f'{{% from "macros.html.j2" import {macro} with context %}}{{{{ {macro}(t) }}}}'
    html = environment().from_string(source).render(root="", t=table)
    found = re.search(re.escape(start) + "(.*?)" + re.escape(end), html)
    assert found is not None
    return found.group(1)


def test_table_writes_plain_and_windowed_cells() -> None:
    table = {
        "id": "t",
        "caption": "c",
        "notes": "",
        "columns": [{"label": "a", "num": False, "title": ""}] * 3,
        "rows": [{"cells": _cells(), "attrs": {}}],
        "n": 1,
        "sortable": False,
        "filters": [],
        "csv": "",
    }
    assert _cells_html("table", table, "<tbody>\n<tr>", "</tr>") == (
        '<th scope="row" data-sort="alpha">Alpha &lt;Cloud&gt;</th>'
        '<td class="num" data-sort="0.0123">+1.23%</td>'
        f'<td class="num"{_WINDOWED_SORT}>{_WINDOWED_TEXT}</td>'
    )


def test_deal_table_writes_plain_and_windowed_cells() -> None:
    first, plain, money = _cells()
    row = {
        "class": "firm",
        "id": "d",
        "cells": [{**first, "href": "deals/d.html", "title": "Deal"}, plain, money],
        "confounded": cell("clean"),
        "securities": [],
        "not_ok": 0,
    }
    table = {
        "id": "deal-table",
        "caption": "c",
        "columns": [],
        "rows": [row],
        "windows": ("0:0", "0:1"),
        "default": "0:1",
        "csv": "data/deal_values.csv",
        "class_options": [],
    }
    start, end = '<tr data-class="firm" data-deal="d">\n', '<td class="confounded-col"'
    assert _cells_html("deal_table", table, start, end) == (
        '<th scope="row" data-sort="alpha" title="Deal"><a href="deals/d.html">Alpha &lt;Cloud&gt;</a></th>'
        '<td class="num" data-sort="0.0123">+1.23%</td>'
        f'<td class="num"{_WINDOWED_SORT}>{_WINDOWED_TEXT}</td>'
    )
