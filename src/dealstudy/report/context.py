"""Results -> the plain data the templates render (strings, numbers, lists and dicts; no statistics).

:func:`build_context` reads a :class:`~dealstudy.report.inputs.ReportData` and the rendered figures and
returns a :class:`SiteContext`: one dict per page plus the tables written to ``data/``. The pages are built
by their own modules: the headline (:mod:`dealstudy.report.headline`), the deal pages
(:mod:`dealstudy.report.deal_page`), the regressions page (:mod:`dealstudy.report.regressions_page`) and the
further tables of a page (:func:`dealstudy.report.page_tables.tables_of_page`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dealstudy import __version__
from dealstudy.report.deal_page import deal_page
from dealstudy.report.headline import counts_context, headline_context
from dealstudy.report.index_table import deal_filename, deal_table
from dealstudy.report.inputs import ReportData
from dealstudy.report.lookups import row_lookups
from dealstudy.report.page_tables import tables_of_page
from dealstudy.report.regressions_page import regressions_context
from dealstudy.report.site_figure import FigureSet, figure_context
from dealstudy.report.tables import frame_table

__all__ = ["DataTable", "SiteContext", "build_context", "deal_filename"]


@dataclass(frozen=True)
class DataTable:
    """A table written to ``data/<name>.csv`` and ``data/<name>.json``."""

    name: str
    description: str
    frame: pd.DataFrame


@dataclass(frozen=True)
class SiteContext:
    """Everything the templates need, page by page, and the data files."""

    site: dict[str, Any]
    index: dict[str, Any]
    deals: tuple[dict[str, Any], ...]
    regressions: dict[str, Any]
    methods: dict[str, Any]
    data_tables: tuple[DataTable, ...]


def _methods(data: ReportData) -> dict[str, Any]:
    """The methods page: settings, provenance, every exclusion and the page's further tables."""
    exclusions = frame_table(
        data.exclusions,
        table_id="tbl-exclusions",
        caption=f"Every exclusion ({len(data.exclusions)}) with its reason",
        notes="Nothing is dropped silently: each deal × security either has a dollar value or appears here "
        "(study outcome codes such as no_prices or thin_estimation, and rows left out of a regression).",
        csv="data/exclusions.csv",
    )
    extra = tables_of_page(data, "methods")
    return {
        "settings": [{"label": k, "value": v} for k, v in data.settings],
        "provenance": [{"label": k, "value": v} for k, v in data.provenance],
        "exclusions": exclusions,
        "extra": extra,
    }


def _data_tables(data: ReportData) -> tuple[DataTable, ...]:
    """The tables written to ``data/``: the main study and economy tables, then each further table once."""
    tables = [
        DataTable(
            "deal_values",
            "Dollar value per deal × security × window: CAR, t, p, market cap, abnormal, raw and headline "
            "value, multiples and the study outcome",
            data.deal_values,
        ),
        DataTable("outcomes", "Study outcome, estimation fit per event", data.outcomes),
        DataTable("abnormal_returns", "Daily abnormal returns per event", data.abnormal_returns),
        DataTable("cars", "CAR, BHAR and tests per event and window", data.cars),
        DataTable("aggregate", "Aggregate tests per group and window", data.aggregate),
        DataTable(
            "regressions", "Cross-sectional regressions: model, term, coef, se, t, p, n, r2", data.regressions
        ),
        DataTable("exclusions", "Every exclusion with its reason", data.exclusions),
    ]
    names = {t.name for t in tables}
    for spec in data.tables:
        if spec.name not in names:
            tables.append(DataTable(spec.name, spec.title, spec.frame))
            names.add(spec.name)
    return tuple(tables)


def build_context(
    data: ReportData, figures: FigureSet, *, generated: dt.datetime | None = None
) -> SiteContext:
    """Assemble the plain data of every page from ``data`` and the rendered ``figures``."""
    deals = {d.id: d for d in data.deals}
    when = generated or dt.datetime.now(dt.UTC)
    data_tables = _data_tables(data)
    lookups = row_lookups(data)
    site = {
        "title": "dealstudy: the press-release economy",
        "generated": when.strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "window": data.window,
        "model": data.model,
        "data_files": [
            {"name": t.name, "description": t.description, "rows": len(t.frame)} for t in data_tables
        ],
    }
    index = {
        "headline": headline_context(data),
        "finding": dict(data.finding),
        "counts": counts_context(data),
        "table": deal_table(data, lookups),
        "figures": [figure_context(f) for f in figures.index],
        "extra": tables_of_page(data, "index"),
    }
    pages = tuple(deal_page(data, d, deals, figures, lookups) for d in data.deals)
    return SiteContext(
        site=site,
        index=index,
        deals=pages,
        regressions=regressions_context(data),
        methods=_methods(data),
        data_tables=data_tables,
    )
