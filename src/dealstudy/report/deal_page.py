"""A deal page: the deal's facts and sources, related deals, its family's timeline and, per security, the
study's facts, the values of the selected window, the CAR table and the figures."""

from __future__ import annotations

import math
from typing import Any

from dealstudy.catalog.schema import Deal
from dealstudy.plots.classes import CLASS_LABELS, binding_class
from dealstudy.report.format import fmt_date, fmt_num, fmt_pct, fmt_usd, https_url
from dealstudy.report.index_table import deal_filename, security_anchor, windowed_at, windows_of
from dealstudy.report.inputs import ReportData
from dealstudy.report.lookups import RowLookups
from dealstudy.report.site_figure import FigureSet, event_id, figure_context
from dealstudy.report.tables import Column, records_table

__all__ = ["deal_page"]

#: Columns of the deal values shown for the window selected on the page, with their format kind.
_WINDOWED = {
    "abnormal_value_usd": "usd",
    "raw_value_usd": "usd",
    "press_release_multiple": "multiple",
    "binding_multiple": "multiple",
}

_CAR_NOTES = (
    "CAR: sum of daily abnormal returns; BHAR: buy-and-hold abnormal return; se: standard error of the CAR "
    "under the null (prediction-error variance); t = CAR/se with a two-sided p-value from the t "
    "distribution; SQ p: sample-quantile test (Gelbach, Helland & Klick, 2013), which compares the CAR with "
    "same-length CARs in the estimation window and needs no normality; its p-value moves in steps of 2/M "
    "(M estimation CARs), and “0 (beyond all)” means the CAR is more extreme than every one of them."
)


def _status_label(status: str) -> str:
    """A status code as words (``definitive_contract`` -> ``definitive contract``)."""
    return status.replace("_", " ")


def _security_tables(
    data: ReportData, deal: Deal, lookups: RowLookups, windows: tuple[str, ...]
) -> list[dict[str, Any]]:
    """One section per security of ``deal``: its study facts, windowed values and CAR table (figures
    added by :func:`deal_page`)."""
    values = lookups.dollar_rows
    outcomes = lookups.outcomes
    by_window = lookups.by_window
    sections = []
    for security in deal.securities:
        eid = event_id(deal.id, security.ticker)
        key = (deal.id, security.ticker)
        value = values.get(key, {})
        outcome = outcomes.get(eid, {})
        switched = {
            column: windowed_at(kind, by_window[column], key, windows, data.window)
            for column, kind in _WINDOWED.items()
        }
        facts: list[tuple[str, Any]] = [
            ("Role", security.role),
            ("Exchange (MIC)", security.exchange),
            ("Day 0", fmt_date(outcome.get("day0", value.get("day0")))),
            ("Day-0 rule", data.day0_rules.get(eid, "see Methods")),
            ("Outcome", str(outcome.get("outcome", value.get("outcome", "n/a")))),
            ("Reason", _text(outcome.get("reason", value.get("reason")))),
            ("Market cap at day −1", fmt_usd(value.get("market_cap_usd"))),
            ("Abnormal value (selected window)", switched["abnormal_value_usd"]),
            ("Raw value change (selected window)", switched["raw_value_usd"]),
            ("Press-release multiple", switched["press_release_multiple"]),
            ("Binding multiple", switched["binding_multiple"]),
            ("Estimation observations", fmt_num(outcome.get("estimation_obs"), 0)),
            ("Alpha (daily)", fmt_pct(outcome.get("alpha"), 3)),
            ("Beta", fmt_num(outcome.get("beta"), 3)),
            ("Residual s.d. σ (daily)", fmt_pct(outcome.get("sigma"), 2, sign=False)),
            ("R²", fmt_num(outcome.get("r_squared"), 3)),
        ]
        car_table = records_table(
            lookups.cars_by_event.get(eid, []),
            [
                Column("window", "Window (trading days)"),
                Column("car", "CAR", "pct"),
                Column("bhar", "BHAR", "pct"),
                Column("se", "se", "share"),
                Column("t_stat", "t", "stat"),
                Column("p_value", "p (t test)", "p"),
                Column("sq_p_value", "SQ p", "sq_p"),
            ],
            table_id=f"cars-{security_anchor(security.ticker)}",
            caption=f"{security.ticker}: CAR and BHAR per event window ({data.model} model)",
            notes=_CAR_NOTES,
            sortable=False,
            csv="data/cars.csv",
        )
        sections.append(
            {
                "anchor": security_anchor(security.ticker),
                "ticker": security.ticker,
                "name": security.name or security.ticker,
                "facts": [
                    {"label": k, **v} if isinstance(v, dict) else {"label": k, "value": v or "—"}
                    for k, v in facts
                ],
                "cars": car_table,
                "figures": [],
            }
        )
    return sections


def _text(value: object) -> str:
    """``value`` as text, empty for ``None`` and NaN."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def deal_page(
    data: ReportData, deal: Deal, deals: dict[str, Deal], figures: FigureSet, lookups: RowLookups
) -> dict[str, Any]:
    """The context of ``deal``'s page (``deals``: every deal of the catalog by id, for the related ones;
    ``lookups``: :func:`dealstudy.report.lookups.row_lookups` of ``data``)."""
    cls = binding_class(deal.binding_status)
    related = []
    referenced = [d for d in data.deals if deal.id in d.related]
    for rid in [*deal.related, *(d.id for d in referenced if d.id not in deal.related)]:
        other = deals.get(rid)
        related.append(
            {
                "id": rid,
                "href": deal_filename(rid) if other else None,
                "title": other.title if other else "not in the catalog",
                "kind": other.kind.replace("_", " ") if other else "",
                "announced": fmt_date(other.announced) if other else "",
                "value": lookups.deal_value_totals.get(rid, "n/a"),
            }
        )
    windows = windows_of(data)
    securities = _security_tables(data, deal, lookups, windows)
    for section in securities:
        eid = event_id(deal.id, str(section["ticker"]))
        section["figures"] = [figure_context(f) for f in figures.events.get(eid, ())]
    facts = [
        ("Announced", fmt_date(deal.announced)),
        ("Timing", deal.timing.replace("_", " ") + (f" — {deal.timing_note}" if deal.timing_note else "")),
        ("Counterparty", deal.counterparty),
        ("Kind", deal.kind.replace("_", " ")),
        (
            "Headline value",
            fmt_usd(deal.headline_value_usd)
            + (f" ({deal.value_qualifier.replace('_', ' ')})" if deal.value_qualifier else "")
            + (f" — “{deal.value_text}”" if deal.value_text else ""),
        ),
        ("Duration", f"{fmt_num(deal.duration_years, 1)} years" if deal.duration_years else "n/a"),
        ("Binding value", fmt_usd(deal.binding_value_usd)),
        ("Non-binding value", fmt_usd(deal.non_binding_value_usd)),
        ("Catalog confidence", deal.confidence or "n/a"),
    ]
    if deal.estimated_value_usd is not None:
        facts.append(
            (
                "Analysts' estimate",
                f"{fmt_usd(deal.estimated_value_usd)} ({deal.estimated_value_source or ''})",
            )
        )
    return {
        "id": deal.id,
        "file": deal_filename(deal.id),
        "title": deal.title,
        "facts": [{"label": k, "value": v} for k, v in facts],
        "binding_status": _status_label(deal.binding_status),
        "binding_class": CLASS_LABELS[cls],
        "binding_class_key": cls,
        "binding_basis": deal.binding_basis or "No basis recorded.",
        "sources": [
            {"url": s.url, "ok": https_url(s.url) is not None, "kind": s.kind or "not marked"}
            for s in deal.cited_sources
        ],
        "confounders": list(deal.confounders),
        "market_events": list(deal.market_events),
        "related": related,
        "timeline": figure_context(figures.families[deal.id]) if deal.id in figures.families else None,
        "notes": deal.notes or "",
        "primary_source_note": deal.primary_source_note,
        "securities": securities,
        "reconciliation": list(data.reconciliation.get(deal.id, ())),
        "windows": windows,
    }
