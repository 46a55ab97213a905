"""Results -> the plain data the templates render (strings, numbers, lists and dicts; no statistics).

:func:`build_context` reads a :class:`~dealstudy.report.inputs.ReportData` and the rendered figures and
returns a :class:`SiteContext`: one dict per page plus the tables written to ``data/``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dealstudy import __version__
from dealstudy.catalog.schema import Deal
from dealstudy.plots.style import CLASS_LABELS, binding_class
from dealstudy.report.figures import FigureSet, SiteFigure, event_id
from dealstudy.report.format import (
    as_float,
    fmt,
    fmt_date,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_usd,
    https_url,
)
from dealstudy.report.index_table import (
    by_window_values,
    deal_filename,
    deal_table,
    security_anchor,
    windowed_at,
    windows_of,
)
from dealstudy.report.inputs import ReportData
from dealstudy.report.page_tables import shown
from dealstudy.report.tables import Column, cell, frame_table

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


def _figure(fig: SiteFigure) -> dict[str, Any]:
    return {"id": fig.id, "title": fig.title, "svg": fig.svg, "caption": fig.caption}


def _cars_by_event(data: ReportData) -> dict[tuple[str, str], dict[Any, Any]]:
    return {(str(r["event_id"]), str(r["window"])): r for r in data.cars.to_dict("records")}


def _status_label(status: str) -> str:
    return status.replace("_", " ")


def _number(kind: str, value: object) -> dict[str, Any]:
    """A numeric cell: ``value`` written as a ``kind`` (see ``fmt``), sorted by its float value."""
    return cell(fmt(value, kind), as_float(value), numeric=True)


def _headline(data: ReportData) -> dict[str, Any]:
    h = data.headline
    created = as_float(h.abnormal_value_usd)
    binding_share = (
        h.binding_value_usd / h.headline_value_usd
        if h.headline_value_usd and math.isfinite(h.binding_value_usd) and h.headline_value_usd > 0
        else math.nan
    )
    dates = [d.announced for d in data.deals]
    slope_ok = math.isfinite(h.slope)
    return {
        "deals": str(h.deals),
        "legs": str(h.valued_legs),
        "first": fmt_date(min(dates)) if dates else "n/a",
        "last": fmt_date(max(dates)) if dates else "n/a",
        "abnormal_value": fmt_usd(abs(created)) if math.isfinite(created) else "n/a",
        "verb": "added" if created >= 0 else "lost",
        "headline_value": fmt_usd(h.headline_value_usd),
        "binding_value": fmt_usd(h.binding_value_usd),
        "binding_share": fmt_pct(binding_share, 0, sign=False),
        "window": data.window,
        "model": data.model,
        "slope_ok": slope_ok,
        "slope": fmt_num(h.slope, 2),
        "slope_cents": fmt_num(h.slope * 100, 0) if slope_ok else "n/a",
        "slope_ci": f"{fmt_num(h.slope_ci_low, 2)} to {fmt_num(h.slope_ci_high, 2)}",
        "slope_ci_kind": h.slope_ci_kind,
        "slope_p": fmt_p(h.slope_p_value),
        "slope_n": str(h.slope_nobs),
        "slope_model": h.slope_model,
        "slope_term": h.slope_term,
        "wald_ok": math.isfinite(h.wald_p_value),
        "wald_stat": fmt_num(h.wald_stat, 2),
        "wald_p": fmt_p(h.wald_p_value),
        "wald_text": h.wald_text,
    }


def _counts(data: ReportData) -> dict[str, Any]:
    valued = pd.to_numeric(data.dollar_values["abnormal_value_usd"], errors="coerce").notna()
    studied = (
        data.outcomes["outcome"].astype(str) == "ok" if not data.outcomes.empty else pd.Series([], dtype=bool)
    )
    return {
        "deals": len(data.deals),
        "rows": len(data.dollar_values),
        "ok": int(studied.sum()),
        "valued": int(valued.sum()),
        "excluded": len(data.exclusions),
    }


def _security_tables(data: ReportData, deal: Deal) -> list[dict[str, Any]]:
    values = {(str(r["deal_id"]), str(r["ticker"])): r for r in data.dollar_values.to_dict("records")}
    outcomes = {str(r["event_id"]): r for r in data.outcomes.to_dict("records")}
    cars = data.cars
    windows = windows_of(data)
    by_window = {c: by_window_values(data.deal_values, c) for c in _WINDOWED}
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
        event_cars = cars[cars["event_id"] == eid] if not cars.empty else cars
        car_table = frame_table(
            event_cars,
            table_id=f"cars-{security_anchor(security.ticker)}",
            caption=f"{security.ticker}: CAR and BHAR per event window ({data.model} model)",
            notes=_CAR_NOTES,
            columns=[
                Column("window", "Window (trading days)"),
                Column("car", "CAR", "pct"),
                Column("bhar", "BHAR", "pct"),
                Column("se", "se", "share"),
                Column("t_stat", "t", "stat"),
                Column("p_value", "p (t test)", "p"),
                Column("sq_p_value", "SQ p", "sq_p"),
            ],
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


_WINDOWED = {
    "abnormal_value_usd": "usd",
    "raw_value_usd": "usd",
    "press_release_multiple": "multiple",
    "binding_multiple": "multiple",
}


def _text(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _deal_page(data: ReportData, deal: Deal, deals: dict[str, Deal], figures: FigureSet) -> dict[str, Any]:
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
                "value": _deal_value_total(data, rid),
            }
        )
    securities = _security_tables(data, deal)
    for section in securities:
        eid = event_id(deal.id, str(section["ticker"]))
        section["figures"] = [_figure(f) for f in figures.events.get(eid, ())]
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
        "timeline": _figure(figures.families[deal.id]) if deal.id in figures.families else None,
        "notes": deal.notes or "",
        "primary_source_note": deal.primary_source_note,
        "securities": securities,
        "reconciliation": list(data.reconciliation.get(deal.id, ())),
        "windows": windows_of(data),
    }


def _deal_value_total(data: ReportData, deal_id: str) -> str:
    rows = data.dollar_values[data.dollar_values["deal_id"] == deal_id]
    if rows.empty:
        return "n/a"
    if "direct" in rows.columns:
        direct = rows[rows["direct"].fillna(False).astype(bool)]
        rows = direct if not direct.empty else rows
    values = pd.to_numeric(rows["abnormal_value_usd"], errors="coerce").dropna()
    return fmt_usd(float(values.sum())) if not values.empty else "n/a"


_CAR_NOTES = (
    "CAR: sum of daily abnormal returns; BHAR: buy-and-hold abnormal return; se: standard error of the CAR "
    "under the null (prediction-error variance); t = CAR/se with a two-sided p-value from the t "
    "distribution; SQ p: sample-quantile test (Gelbach, Helland & Klick, 2013), which compares the CAR with "
    "same-length CARs in the estimation window and needs no normality; its p-value moves in steps of 2/M "
    "(M estimation CARs), and “0 (beyond all)” means the CAR is more extreme than every one of them."
)

_REGRESSION_NOTES: dict[str, str] = {
    "headline": "Abnormal value ($bn) on headline value ($bn). The slope is the market value added per "
    "dollar announced: 1.0 would mean the market capitalised the full headline value.",
    "binding_split": "Abnormal value on the binding and the non-binding part of the headline value. The "
    "press-release-economy hypothesis is that the two slopes are equal: the market does not discount the "
    "part that is not committed.",
    "car_size": "CAR (in %) on log_size = ln(headline value / market cap at day −1), the natural logarithm, "
    "with binding-class, counterparty, deal-kind and confounded-day indicators: a log_size coefficient b "
    "means b × ln 2 ≈ 0.69 b percentage points of CAR for a deal twice as large relative to the firm. "
    "Coefficients on indicators are differences from the omitted level.",
}


def _baseline_note(baselines: dict[str, str]) -> str:
    names = {"binding": "binding class", "kind": "deal kind", "counterparty": "counterparty"}
    parts = [
        f"{names.get(k, k)} {v.replace('_', ' ')}" for k, v in baselines.items() if v and not v.isspace()
    ]
    if not parts:
        return ""
    return (
        " Omitted levels (the most frequent of each, after pooling levels with fewer than 3 observations "
        f"into “other”): {'; '.join(parts)}."
    )


def _years_shown(frame: pd.DataFrame, ledger: pd.DataFrame | None) -> pd.DataFrame:
    """``first_year``/``last_year`` of the ledger totals as one ``years`` column a reader can take at face
    value: ``2025–2031``, or ``2025 (duration not stated)`` for commitments booked in their announcement
    year only because the catalog has no duration."""
    if not {"first_year", "last_year"} <= set(frame.columns) or frame.empty:
        return frame
    unknown: set[tuple[str, str]] = set()
    if ledger is not None and {"counterparty", "partner", "spread"} <= set(ledger.columns):
        flagged = ledger[ledger["spread"].astype(str).str.contains("duration_unknown")]
        unknown = set(zip(flagged["counterparty"].astype(str), flagged["partner"].astype(str), strict=True))
    years = []
    for row in frame.to_dict("records"):
        first, last = fmt(row["first_year"], "id"), fmt(row["last_year"], "id")
        if first != last:
            years.append(f"{first}–{last}")
        elif (str(row.get("counterparty")), str(row.get("partner"))) in unknown:
            years.append(f"{first} (duration not stated)")
        else:
            years.append(first)
    at = list(frame.columns).index("first_year")
    out = frame.drop(columns=["first_year", "last_year"])
    out.insert(at, "years", years)
    return out


def _page_tables(data: ReportData, page: str) -> list[dict[str, Any]]:
    """The further tables of ``page`` (index, regressions or methods), as shown (ledger years joined)."""
    ledger = next((t.frame for t in data.tables if t.name == "ledger"), None)
    tables = []
    for t in data.tables:
        if t.page != page:
            continue
        frame, columns, reading = shown(
            t.name, _years_shown(t.frame, ledger) if t.name == "ledger_totals" else t.frame
        )
        tables.append(
            frame_table(
                frame,
                table_id=f"tbl-{t.name}",
                caption=t.title,
                notes=" ".join(part for part in (t.notes, reading) if part),
                columns=columns,
                sortable=len(t.frame) > 5,
                csv=f"data/{t.name}.csv",
            )
        )
    return tables


def _regressions(data: ReportData) -> dict[str, Any]:
    tables = []
    reg = data.regressions
    for model in dict.fromkeys(reg["model"].astype(str)) if not reg.empty else []:
        part = reg[reg["model"].astype(str) == model].drop(columns=["model"])
        n = part["n"].iloc[0] if "n" in part.columns and len(part) else math.nan
        r2 = part["r2"].iloc[0] if "r2" in part.columns and len(part) else math.nan
        tables.append(
            frame_table(
                part.drop(columns=[c for c in ("n", "r2") if c in part.columns]),
                table_id=f"reg-{model}",
                caption=f"Regression “{model}”: N = {fmt_num(n, 0)}, R² = {fmt_num(r2, 3)}; "
                f"window {data.window}, {data.model} model",
                notes=_REGRESSION_NOTES.get(model, "")
                + (_baseline_note(dict(data.baselines)) if model == "car_size" else "")
                + " Standard errors heteroskedasticity-robust (HC3) unless the table says otherwise; "
                "t and p two-sided.",
                sortable=False,
                csv="data/regressions.csv",
            )
        )
    extra = _page_tables(data, "regressions")
    agg = data.aggregate
    if not agg.empty:
        agg = agg[agg["window"].astype(str) == data.window]
    aggregate = frame_table(
        agg,
        table_id="tbl-aggregate",
        caption=f"Aggregate tests of the mean CAR over {data.window}, by group",
        notes="Each test's statistic and two-sided p-value; named after its paper (see Methods). Groups are "
        "the study's event groups; 'all' is the whole sample. Tests that cannot be computed show n/a.",
        sortable=True,
        csv="data/aggregate.csv",
    )
    return {
        "tables": tables,
        "extra": extra,
        "aggregate": aggregate,
        "wald": _headline(data),
        "summaries": data.summaries,
    }


def _methods(data: ReportData) -> dict[str, Any]:
    exclusions = frame_table(
        data.exclusions,
        table_id="tbl-exclusions",
        caption=f"Every exclusion ({len(data.exclusions)}) with its reason",
        notes="Nothing is dropped silently: each deal × security either has a dollar value or appears here "
        "(study outcome codes such as no_prices or thin_estimation, and rows left out of a regression).",
        csv="data/exclusions.csv",
    )
    extra = _page_tables(data, "methods")
    return {
        "settings": [{"label": k, "value": v} for k, v in data.settings],
        "provenance": [{"label": k, "value": v} for k, v in data.provenance],
        "exclusions": exclusions,
        "extra": extra,
    }


def _data_tables(data: ReportData) -> tuple[DataTable, ...]:
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
        "headline": _headline(data),
        "finding": dict(data.finding),
        "counts": _counts(data),
        "table": deal_table(data),
        "figures": [_figure(f) for f in figures.index],
        "extra": _page_tables(data, "index"),
    }
    pages = tuple(_deal_page(data, d, deals, figures) for d in data.deals)
    return SiteContext(
        site=site,
        index=index,
        deals=pages,
        regressions=_regressions(data),
        methods=_methods(data),
        data_tables=data_tables,
    )
