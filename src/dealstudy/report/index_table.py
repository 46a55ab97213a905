"""The index page's deal table: one row per deal, its securities folded under it, numbers per event window.

Every number that depends on the event window is given for each window of :data:`SWITCH_WINDOWS` the
study computed (``{"windows": [{"window", "text", "sort"}, ...]}``); the page shows the headline window and
its window switch swaps the others in without a network request (the values are all in the page).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

import pandas as pd

from dealstudy.catalog.schema import Deal
from dealstudy.economy.sample import confounding_status
from dealstudy.plots.classes import CLASS_LABELS, binding_class
from dealstudy.report.format import as_float, fmt
from dealstudy.report.inputs import ReportData
from dealstudy.report.lookups import RowLookups, direct_sum
from dealstudy.report.names import deal_filename, security_anchor, short_name
from dealstudy.report.site_figure import event_id
from dealstudy.report.tables import cell

__all__ = [
    "SWITCH_WINDOWS",
    "deal_filename",
    "deal_table",
    "security_anchor",
    "short_name",
    "windowed",
    "windowed_at",
    "windows_of",
]

#: The event windows a reader can switch between, in the order shown.
SWITCH_WINDOWS: tuple[str, ...] = ("0:0", "0:1", "-1:1", "-5:5")


def windows_of(data: ReportData) -> tuple[str, ...]:
    """The switchable windows this study has values for (the headline window always among them)."""
    present = set(data.deal_values["window"].astype(str)) if "window" in data.deal_values else set()
    chosen = [w for w in SWITCH_WINDOWS if w in present or w == data.window]
    return tuple(chosen) if data.window in chosen else (*chosen, data.window)


def windowed(kind: str, values: Mapping[str, object], windows: Iterable[str], default: str) -> dict[str, Any]:
    """A numeric cell with one value per window; sorted by (and showing) the ``default`` window's value."""
    shown = [{"window": w, "text": fmt(values.get(w), kind), "sort": _sort(values.get(w))} for w in windows]
    base = cell(fmt(values.get(default), kind), as_float(values.get(default)), numeric=True)
    return {**base, "windows": shown, "default": default}


def windowed_at(
    kind: str, table: Mapping[str, Mapping[Any, object]], key: object, windows: tuple[str, ...], default: str
) -> dict[str, Any]:
    """:func:`windowed` for the value at ``key`` of a ``window -> key -> value`` table."""
    return windowed(kind, {w: table.get(w, {}).get(key) for w in windows}, windows, default)


def _confounded(records: list[dict[Any, Any]]) -> dict[str, Any]:
    """The confounding badge of a deal or security: ``confounded`` if any of its reactions is, ``clean`` if
    all are known to be clean, else ``unknown``; the confounders as tooltip."""
    statuses = [confounding_status(r.get("confounded")) for r in records]
    if any(s is True for s in statuses):
        label = "confounded"
    elif statuses and all(s is False for s in statuses):
        label = "clean"
    else:
        label = "unknown"
    why = "; ".join(
        dict.fromkeys(
            str(r.get("confounders")) for r in records if str(r.get("confounders") or "") not in ("", "nan")
        )
    )
    return cell(label, label, title=why or label)


def _money(value: object) -> dict[str, Any]:
    return cell(fmt(value, "usd"), as_float(value), numeric=True)


def _sort(value: object) -> str:
    number = as_float(value)
    return repr(number) if math.isfinite(number) else ""


def _direct(data: ReportData) -> set[tuple[str, str]]:
    """``(deal_id, ticker)`` of the deals' direct parties (every security when none is marked)."""
    rows = data.dollar_values
    if "direct" not in rows.columns:
        return {(str(d), str(t)) for d, t in zip(rows["deal_id"], rows["ticker"], strict=True)}
    marked = rows[rows["direct"].fillna(False).astype(bool)]
    return {(str(d), str(t)) for d, t in zip(marked["deal_id"], marked["ticker"], strict=True)}


def _deal_totals(data: ReportData, windows: Iterable[str]) -> dict[str, dict[str, float]]:
    """``deal_id -> window -> abnormal value`` summed over the deal's direct parties (all if none direct).

    One pass over the rows' values (a pandas group per deal and window cost a millisecond each), then
    :func:`~dealstudy.report.lookups.direct_sum` per deal and window.
    """
    direct = _direct(data)
    wanted = set(windows)
    frame = data.deal_values
    values = pd.to_numeric(frame["abnormal_value_usd"], errors="coerce").astype(float)
    groups: dict[tuple[str, str], list[tuple[bool, float]]] = {}
    rows = zip(frame["deal_id"], frame["ticker"], frame["window"], values, strict=True)
    for deal_id, ticker, window, value in rows:
        if pd.isna(deal_id) or str(window) not in wanted:  # (a group by deal id leaves rows without one out)
            continue
        key = (str(deal_id), str(ticker))
        groups.setdefault((str(deal_id), str(window)), []).append((key in direct, value))
    totals: dict[str, dict[str, float]] = {}
    for (deal_id, window), group in groups.items():
        totals.setdefault(deal_id, {})[window] = direct_sum(group)
    return totals


def _security_rows(
    data: ReportData, deal: Deal, windows: tuple[str, ...], lookups: RowLookups
) -> list[dict[str, Any]]:
    value = lookups.by_window["abnormal_value_usd"]
    car = lookups.by_window["car"]
    multiple = lookups.by_window["press_release_multiple"]
    sq = lookups.car_stats["sq_p_value"]
    t_stat = lookups.car_stats["t_stat"]
    current = lookups.dollar_rows
    rows = []
    for security in deal.securities:
        key = (deal.id, security.ticker)
        eid = event_id(deal.id, security.ticker)
        record = current.get(key, {})
        outcome = str(record.get("outcome") or "")
        confounded = _confounded([record] if record else [])
        reason = str(record.get("reason") or "")
        rows.append(
            {
                "href": f"deals/{deal_filename(deal.id)}#{security_anchor(security.ticker)}",
                "ticker": security.ticker,
                "role": security.role,
                "day0": fmt(record.get("day0"), "date"),
                "car": windowed_at("pct", car, key, windows, data.window),
                "t": windowed("stat", {w: t_stat.get((eid, w)) for w in windows}, windows, data.window),
                "sq": windowed("sq_p", {w: sq.get((eid, w)) for w in windows}, windows, data.window),
                "value": windowed_at("usd", value, key, windows, data.window),
                "multiple": windowed_at("multiple", multiple, key, windows, data.window),
                "outcome": outcome,
                "reason": "" if reason == "nan" else reason,
                "confounded": confounded,
                "direct": bool(record.get("direct", True)) if record else False,
                "record": record,
            }
        )
    return rows


def deal_table(data: ReportData, lookups: RowLookups) -> dict[str, Any]:
    """The index table: one row per deal (``rows``), each with its securities (``securities``); ``lookups``
    from :func:`dealstudy.report.lookups.row_lookups`."""
    windows = windows_of(data)
    totals = _deal_totals(data, windows)
    rows = []
    for deal in data.deals:
        cls = binding_class(deal.binding_status)
        status = deal.binding_status.replace("_", " ")
        securities = _security_rows(data, deal, windows, lookups)
        parties = [s["record"] for s in securities if s["direct"] and s["record"]]
        confounded = _confounded(parties or [s["record"] for s in securities if s["record"]])
        for s in securities:
            del s["record"]
        rows.append(
            {
                "id": deal.id,
                "class": cls,
                "cells": [
                    cell(short_name(deal), deal.id, href=f"deals/{deal_filename(deal.id)}", title=deal.title),
                    cell(fmt(deal.announced, "date"), fmt(deal.announced, "date"), nowrap=True),
                    {
                        **cell(status, f"{list(CLASS_LABELS).index(cls)}{status}", title=CLASS_LABELS[cls]),
                        "badge": cls,
                    },
                    cell(
                        fmt(deal.headline_value_usd, "usd"), as_float(deal.headline_value_usd), numeric=True
                    ),
                    cell(fmt(deal.binding_value_usd, "usd"), as_float(deal.binding_value_usd), numeric=True),
                    windowed("usd", totals.get(deal.id, {}), windows, data.window),
                ],
                "securities": securities,
                "not_ok": sum(1 for s in securities if s["outcome"] != "ok"),
                "confounded": confounded,
            }
        )
    return {
        "id": "deal-table",
        "caption": f"Every deal: abnormal value of its direct parties over the selected window "
        f"({data.model} model). Open a row's securities for each security's CAR and tests; click a "
        "header to sort.",
        "columns": [
            {
                "label": "Deal",
                "num": False,
                "title": "Short name; opens the deal's page (full title on hover)",
            },
            {"label": "Announced", "num": False, "title": "Announcement date (calendar date of the news)"},
            {"label": "Binding status", "num": False, "title": "How binding the announcement is"},
            {"label": "Headline", "num": True, "title": "Headline deal value as announced, US$"},
            {"label": "Binding", "num": True, "title": "Firm, committed part of the headline value, US$"},
            {
                "label": "Abnormal value",
                "num": True,
                "title": "Abnormal change in market value of the deal's direct parties over the window, US$",
            },
        ],
        "rows": rows,
        "n": len(rows),
        "windows": windows,
        "default": data.window,
        "csv": "data/deal_values.csv",
        "class_options": [{"value": k, "label": v} for k, v in CLASS_LABELS.items()],
    }
