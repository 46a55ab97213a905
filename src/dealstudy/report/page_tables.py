"""How the wide results tables read on a page: several values per cell, so each fits a 1280 px screen.

A table named here is shown with its :class:`~dealstudy.report.tables.Column` list (a coefficient with its
standard error in one cell, its p-value on a second line ...) and a sentence saying how its cells read; its
CSV file keeps every column as computed. A table not named here, or whose frame lacks a column its spec
reads, is shown column by column. :func:`tables_of_page` gives a page (index, regressions, methods) its
further tables of :attr:`ReportData.tables <dealstudy.report.inputs.ReportData.tables>`, shown this way.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from dealstudy.report.format import fmt
from dealstudy.report.inputs import ReportData
from dealstudy.report.tables import Column, frame_table

__all__ = ["PAGE_TABLES", "Shown", "shown", "tables_of_page"]

#: A no-break space: keeps ``p 0.186`` and ``n 28`` together when a second line wraps.
NB = "\u00a0"


@dataclass(frozen=True)
class Shown:
    """The columns of a table as shown, what its cells hold, and the frame columns it adds (``prepare``)."""

    columns: tuple[Column, ...]
    reading: str
    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None


def _slope(key: str, label: str, n: str) -> Column:
    return Column(
        key,
        label,
        "stat",
        title=f"{key}: coefficient (standard error); p-value and observations of its regression",
        show=f"{{{key}:stat}} ({{{key}_se:stat}})",
        sub=f"p{NB}{{{key}_p:p}} · n{NB}{{{n}:count}}",
    )


_ROBUSTNESS = Shown(
    (
        Column("variant", "Variant", sub="{model}, window {window}"),
        Column("n", "N (excluded)", "count", show="{n:count} ({excluded:count})"),
        _slope("headline_bn", "Headline ($bn per $bn)", "headline_n"),
        _slope("binding_bn", "Binding ($bn per $bn)", "binding_split_n"),
        _slope("non_binding_bn", "Non-binding ($bn per $bn)", "binding_split_n"),
        _slope("log_size", "log size (CAR, %)", "car_size_n"),
        Column(
            "wald_stat",
            "Equal slopes (F)",
            "stat",
            title="Wald F test: binding slope = non-binding slope",
            sub=f"p{NB}{{wald_p:p}}",
        ),
        Column("note", "Note"),
    ),
    "Each row: the variant, its expected-return model and event window; N (excluded): observations in the "
    "variant's sample and those left out. Each slope: coefficient (standard error), below it the two-sided "
    "p-value and the observations of its regression (headline; binding_split for binding and non-binding; "
    "car_size for log size). Equal slopes: Wald F test of equal binding and non-binding slopes, "
    "p-value below. Standard errors as in the regressions above; cluster_date clusters them by announcement "
    "date.",
)

_INFERENCE = Shown(
    (
        Column("term", "Slope", sub="{model}"),
        Column("coef", "Coefficient", "stat"),
        Column("n", "N (clusters)", "count", show="{n:count} ({clusters:count})"),
        Column("se_hc3", "HC3", "stat", show=f"se{NB}{{se_hc3:stat}}", sub=f"p{NB}{{p_hc3:p}}"),
        Column(
            "se_cluster",
            "Clustered by date",
            "stat",
            show=f"se{NB}{{se_cluster:stat}}",
            sub=f"p{NB}{{p_cluster:p}}",
        ),
        Column(
            "p_wild",
            "Wild cluster bootstrap",
            "p",
            show=f"p{NB}{{p_wild:p}}",
            sub=f"CI {{ci_low:stat}} to{NB}{{ci_high:stat}}",
        ),
        Column("p_permutation", "Permutation p", "p"),
        Column("weights", "Bootstrap weights", sub="{reps:count} draws"),
    ),
    "Each slope's coefficient, its observations (and clusters), its standard error and two-sided p-value "
    "under HC3 and clustered by date, and the wild cluster bootstrap p-value with its interval (CI).",
)


def _raw_moves(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["deal"] = out["event_id"].astype(str).str.rsplit(":", n=1).str[0]
    usd = out["currency"].astype(str) == "USD"
    out["raw_change_local"] = out["raw_change_local"].where(~usd)  # said once, in US$
    return out


_RAW_MOVES = Shown(
    (
        Column("ticker", "Security", sub="{deal}"),
        Column("outcome", "Outcome"),
        Column("day0", "Day 0", "date", sub="day −1 {date_m1:date}"),
        Column(
            "close_0",
            "Close day −1 → 0",
            "price",
            show="{close_m1:price} → {close_0:price}",
            sub="{currency}",
        ),
        Column("raw_return", "Raw return", "pct"),
        Column("shares", "Shares at day −1", "count", sub="as of {shares_as_of:date}"),
        Column("raw_change_usd", "Raw change", "usd", sub="{raw_change_local:stat} {currency}"),
        Column("note", "Note"),
    ),
    "Security: ticker, its deal below; day 0 with the session before it (day −1); closes in the listing "
    "currency; shares outstanding with the date of the count; raw change in US$ (and in the listing "
    "currency when it is not US$).",
    _raw_moves,
)


def _stated(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["figure"] = out["metric"].astype(str).str.removesuffix("_usd").str.replace("_", " ")
    out["qualifier"] = out["qualifier"].astype(str).str.replace("_", " ")
    return out


_LEDGER_STATED = Shown(
    (
        Column("counterparty", "Counterparty"),
        Column("figure", "Figure", sub="{qualifier}"),
        Column("value_usd", "Value (US$)", "usd"),
        Column("stated", "Stated", "date", sub="as of {as_of:date}"),
        Column("horizon_years", "Horizon (years)", "stat"),
        Column("source", "Source"),
        Column(
            "catalog_headline_usd", "Catalog headline", "usd", sub="{catalog_to_figure:multiple} the figure"
        ),
        Column("catalog_binding_usd", "Catalog binding", "usd"),
        Column(
            "peak_year_headline_usd",
            "Peak-year headline",
            "usd",
            sub="{peak_year_to_figure:multiple} the figure",
        ),
    ),
    "Figure: what was stated, with its qualifier below; Stated: the date said, with the date the figure "
    "refers to below. Catalog headline: the catalog's headline commitments of the counterparty, below as a "
    "multiple of a stated commitments figure; peak-year headline: the ledger's largest single year, below "
    "as a multiple of a stated revenue.",
    _stated,
)

_LEDGER_TOTALS = Shown(
    (
        Column("counterparty", "Counterparty"),
        Column("partner", "Partner", sub="{partner_name}"),
        Column("deals", "Deals", "count"),
        Column("headline_usd", "Headline (US$)", "usd"),
        Column("binding_usd", "Binding (US$)", "usd"),
        Column("years", "Years"),
        Column("market_cap_usd", "Partner market cap (US$)", "usd"),
        Column("exposure", "Exposure", "share"),
        Column("market_cap_deal", "Market cap at day −1 of", sub="{exposure_reason}"),
    ),
    "Partner: ticker, its name below. Exposure: binding commitments relative to the partner's market cap "
    "at day −1 of the deal named in the last column; when it cannot be computed, why (below the deal).",
)

#: The tables shown with several values per cell, by name (the ``data/<name>.csv`` stem).
PAGE_TABLES: dict[str, Shown] = {
    "robustness": _ROBUSTNESS,
    "inference": _INFERENCE,
    "raw_moves": _RAW_MOVES,
    "ledger_stated": _LEDGER_STATED,
    "ledger_totals": _LEDGER_TOTALS,
}


def shown(name: str, frame: pd.DataFrame) -> tuple[pd.DataFrame, tuple[Column, ...] | None, str]:
    """``frame`` as table ``name`` is shown: the frame with any added columns, its columns (``None``: one
    per frame column) and the sentence saying how its cells read ("" when shown as is)."""
    spec = PAGE_TABLES.get(name)
    if spec is None:
        return frame, None, ""
    try:
        prepared = spec.prepare(frame) if spec.prepare is not None else frame
    except KeyError:  # not the columns the spec was written for
        return frame, None, ""
    if not all(f in prepared.columns for c in spec.columns for f in c.fields):
        return frame, None, ""
    return prepared, spec.columns, spec.reading


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


def tables_of_page(data: ReportData, page: str) -> list[dict[str, Any]]:
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
