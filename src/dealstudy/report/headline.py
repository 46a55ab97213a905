"""The headline numbers of the index and regressions pages, and the index page's counts, as display text."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from dealstudy.report.format import as_float, fmt_date, fmt_num, fmt_p, fmt_pct, fmt_usd
from dealstudy.report.inputs import ReportData

__all__ = ["counts_context", "headline_context"]


def headline_context(data: ReportData) -> dict[str, Any]:
    """The headline: total abnormal value, headline and binding values, the slope and the Wald test."""
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


def counts_context(data: ReportData) -> dict[str, Any]:
    """How many deals, value rows, studied, valued and excluded events the index page counts."""
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
