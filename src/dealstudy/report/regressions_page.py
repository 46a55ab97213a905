"""The regressions page: one table per cross-sectional regression with its notes, the aggregate tests of the
headline window, the Wald test and the regression summaries."""

from __future__ import annotations

import math
from typing import Any

from dealstudy.report.format import fmt_num
from dealstudy.report.headline import headline_context
from dealstudy.report.inputs import ReportData
from dealstudy.report.page_tables import tables_of_page
from dealstudy.report.tables import frame_table

__all__ = ["regressions_context"]

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
    """The sentence naming the omitted level of each indicator of the ``car_size`` regression."""
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


def regressions_context(data: ReportData) -> dict[str, Any]:
    """The regressions page: its regression tables, further tables, aggregate tests and summaries."""
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
    extra = tables_of_page(data, "regressions")
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
        "wald": headline_context(data),
        "summaries": data.summaries,
    }
