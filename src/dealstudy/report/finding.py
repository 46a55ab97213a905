"""The plain answer on the index, generated from the numbers (never hand-written).

:func:`finding_text` turns the economy's sensitivity table, the inference of the key slopes (wild cluster
bootstrap by announcement date, permutation test, leave-one-deal-out) and the confounding counts into four
short paragraphs: what we found, how sure we are, whether it holds across windows and samples, and what
the data cannot say. Every figure comes from a table written to ``data/`` (``sensitivity.csv``,
``inference.csv``, ``influence_deals.csv``), formatted with the site's formatters.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping
from typing import Any

import pandas as pd

from dealstudy.economy.results import EconomyResults
from dealstudy.economy.sample import confounding_status
from dealstudy.report.format import fmt_num, fmt_p, fmt_usd
from dealstudy.report.inputs import TableSpec

__all__ = ["HEADLINE_SAMPLE", "finding_of", "finding_tables", "finding_text", "headline_row", "signed_usd"]

#: The sample of the headline figure (the other, ``unconfounded``, is quoted beside it).
HEADLINE_SAMPLE = "all"

_TERM_WORDS = {
    "headline_bn": "headline slope",
    "binding_bn": "binding slope",
    "non_binding_bn": "non-binding slope",
}


def headline_row(sensitivity: pd.DataFrame, window: str, sample: str = HEADLINE_SAMPLE) -> dict[str, Any]:
    """The sensitivity row of ``window`` and ``sample`` (empty when absent)."""
    rows = sensitivity[(sensitivity["window"] == window) & (sensitivity["sample"] == sample)]
    return {str(k): v for k, v in rows.iloc[0].items()} if len(rows) else {}


def _f(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


def _cents(value: object) -> str:
    number = _f(value)
    return f"{fmt_num(number * 100, 0)} cents" if math.isfinite(number) else "n/a"


def signed_usd(value: object) -> str:
    """``+$58.1bn`` / ``−$82.6bn`` (the site's USD format with an explicit sign)."""
    number = _f(value)
    if not math.isfinite(number):
        return "n/a"
    return ("+" if number >= 0 else "−") + fmt_usd(abs(number))


def _interval(row: Mapping[str, Any]) -> str:
    low, high = _f(row.get("ci_low")), _f(row.get("ci_high"))
    if not (math.isfinite(low) and math.isfinite(high)):
        return "interval not estimable"
    return f"95% interval {_cents(low)} to {_cents(high)}"


def _found(row: Mapping[str, Any], clean: Mapping[str, Any], window: str) -> str:
    if not row:
        return f"No reaction in window {window} has a dollar value, so there is no finding to state."
    return (
        f"Over trading days {window} around the announcements, the {int(row['n_reactions'])} reactions of "
        f"listed parties to deals with a disclosed value moved their market value by a net "
        f"{signed_usd(row['abnormal_value_usd'])} beyond what the market model expected, against "
        f"{fmt_usd(row['headline_value_usd'])} of headline value (each dollar counted once) of which "
        f"{fmt_usd(row['binding_value_usd'])} is binding. Keeping only the "
        f"{int(clean.get('n_reactions', 0))} reactions known to be free of the company's own earnings "
        "and other catalog news, the net is "
        f"{signed_usd(clean.get('abnormal_value_usd'))}."
    )


def _sure(inference: pd.DataFrame, loo: pd.DataFrame) -> str:
    rows: dict[str, dict[str, Any]] = {
        str(r["term"]): {str(k): v for k, v in r.items()} for r in inference.to_dict("records")
    }
    b, nb = rows.get("binding_bn", {}), rows.get("non_binding_bn", {})
    eq = rows.get("binding_bn = non_binding_bn", {})
    if not b or not math.isfinite(_f(b.get("coef"))):
        return "The binding and non-binding slopes could not be estimated on this sample."
    clusters = int(_f(b.get("clusters")))
    significant = [t for t, r in rows.items() if t in _TERM_WORDS and _f(r.get("p_wild")) <= 0.05]
    verdict = (
        "Neither slope is distinguishable from zero"
        if not significant
        else "Significant at 5%: " + ", ".join(_TERM_WORDS[t] for t in significant)
    )
    n = int(_f(b.get("n")))
    p_wild, p_perm = fmt_p(eq.get("p_wild")), fmt_p(eq.get("p_permutation"))
    p_cluster, p_hc3 = fmt_p(eq.get("p_cluster")), fmt_p(eq.get("p_hc3"))
    text = (
        f"Each binding dollar went with {_cents(b['coef'])} of abnormal value ({_interval(b)}), "
        f"each non-binding dollar with {_cents(nb.get('coef'))} ({_interval(nb)}); the intervals and "
        f"p-values come from the wild cluster bootstrap over {clusters} announcement dates, the "
        f"inference valid for {n} reactions on so few dates. {verdict}, and the test that the market "
        f"prices binding and non-binding dollars alike gives p = {p_wild} (permutation test p = {p_perm}). "
        f"Standard errors clustered by date alone would give p = {p_cluster}, HC3 p = {p_hc3}: with "
        f"{clusters} clusters the clustered test over-rejects, so it is not the one to quote."
    )
    flips = loo[loo["flips_sign"].astype(bool) | loo["flips_significance"].astype(bool)] if len(loo) else loo
    if len(flips):
        named = []
        for deal, rows_ in flips.groupby("left_out_deal", sort=False):
            what = ", ".join(
                f"{_TERM_WORDS.get(str(r['term']), r['term'])} "
                + ("changes sign" if r["flips_sign"] else "changes significance")
                for r in rows_.to_dict("records")
            )
            named.append(f"without {deal} the {what}")
        text += " Single deals matter: " + "; ".join(named) + "."
    elif len(loo):
        text += " No single deal's removal changes the sign or the 5% significance of any slope."
    return text


def _holds(sensitivity: pd.DataFrame) -> str:
    if sensitivity.empty:
        return ""
    totals = sensitivity["abnormal_value_usd"].astype(float)
    signs = {bool(v > 0) for v in totals if math.isfinite(v)}
    lo, hi = totals.min(), totals.max()
    rows = len(sensitivity)
    windows = ", ".join(dict.fromkeys(sensitivity["window"].astype(str)))
    span = f"from {signed_usd(lo)} to {signed_usd(hi)}"
    if len(signs) > 1:
        total = (
            f"It does not hold across event windows ({windows}) and samples (all reactions, known-clean "
            f"only): the net abnormal value ranges {span} and changes sign."
        )
    else:
        total = f"The sign of the net abnormal value holds in all {rows} window and sample rows ({span})."
    binding = sensitivity["slope_binding"].astype(float)
    positive = int((binding > 0).sum())
    rejected = int((sensitivity["p_equal_slopes"].astype(float) <= 0.05).sum())
    return (
        f"{total} The binding slope is positive in {positive} of {rows} rows, and equal slopes are rejected "
        f"at 5% (wild cluster bootstrap) in {rejected} of {rows}."
    )


def _limits(sample: pd.DataFrame, clusters: int) -> str:
    n = len(sample)
    confounded = int(sample["confounded"].astype(bool).sum()) if n else 0
    clean = int(sample["clean"].astype(bool).sum()) if n else 0
    unknown = n - confounded - clean
    return (
        f"What the data cannot say: {n} reactions on {clusters} dates are a small sample, and one large "
        f"company's move can dominate a total; {confounded} of the {n} reactions share their window with the "
        f"company's own earnings or other catalog news and {unknown} more have an unknown status (their "
        "earnings dates near the window are not known), so their dollars are not the deal's alone; and the "
        "catalog holds deals that were announced and reported — deals never announced, or announced by "
        "companies the press ignored, are missing, so the slopes describe announced deals, not compute "
        "contracts in general."
    )


def finding_text(
    sensitivity: pd.DataFrame,
    inference: pd.DataFrame,
    loo: pd.DataFrame,
    sample: pd.DataFrame,
    window: str,
) -> dict[str, str]:
    """The index's plain answer: ``found``, ``sure``, ``holds``, ``limits`` (one paragraph each) and the
    headline row's figures (``abnormal_value``, ``window``, ``sample``)."""
    row = headline_row(sensitivity, window)
    clean = headline_row(sensitivity, window, "unconfounded")
    clusters = int(inference["clusters"].max()) if len(inference) else 0
    return {
        "found": _found(row, clean, window),
        "sure": _sure(inference, loo) if len(inference) else "",
        "holds": _holds(sensitivity),
        "limits": _limits(sample, clusters),
        "abnormal_value": signed_usd(row.get("abnormal_value_usd")),
        "window": window,
        "sample": HEADLINE_SAMPLE,
    }


def finding_tables(economy: EconomyResults) -> tuple[TableSpec, ...]:
    """The finding's tables: sensitivity (index), inference and leave-one-deal-out (regressions page)."""
    inference = economy.inference
    tables = [
        TableSpec(
            "headline_totals",
            "Headline and binding value, gross and net of overlaps",
            economy.headline_totals,
            "Net counts every dollar once: a headline that restates, includes or overlaps another catalog "
            "deal's (Stargate's $500B, its five sites' $400B, Oracle's $300B contract) is netted within each "
            "scope; an overlap of unknown size counts as the whole smaller headline. A company row counts "
            "only what its deals state for it (deals it shares a role in without a stated part are listed, "
            "not counted).",
            page="index",
        ),
        TableSpec(
            "sensitivity",
            "The finding by event window and sample",
            economy.sensitivity,
            "One row per event window and sample: all reactions of the regression sample, or only those "
            "known to be clean of the company's own earnings and other catalog news (confounded and unknown "
            "ones dropped). Headline and binding value of the row's deals, each dollar counted once. "
            "p_equal_slopes: wild cluster bootstrap by announcement date.",
            page="index",
        ),
    ]
    if inference is not None:
        tables.append(
            TableSpec(
                "inference",
                "Key slopes: HC3, clustered by date, and the wild cluster bootstrap",
                inference.table,
                "clusters: announcement dates. p_wild and ci_low/ci_high: restricted wild cluster bootstrap "
                "(Rademacher weights, Webb's below 12 clusters), interval by test inversion; p_permutation: "
                "Freedman-Lane permutation test of equal slopes.",
            )
        )
        tables.append(
            TableSpec(
                "influence_deals",
                "Leave one deal out: does any single deal flip a slope?",
                inference.loo,
                "Every reaction of one deal dropped, slopes refitted; flips_significance compares the wild "
                "bootstrap p-value with 5% before and after.",
            )
        )
    return tuple(tables)


def finding_of(economy: EconomyResults) -> dict[str, str]:
    """:func:`finding_text` of an analysis (empty without inference)."""
    if economy.inference is None:
        return {}
    return finding_text(
        economy.sensitivity,
        economy.inference.table,
        economy.inference.loo,
        economy.sample,
        economy.spec.window,
    )


def _fmt_date(value: object) -> str:
    if not isinstance(value, str | dt.date):
        return ""
    stamp = pd.Timestamp(value)
    return "" if pd.isna(stamp) else str(stamp.date())


def _shares_text(row: Mapping[str, Any]) -> str:
    shares = _f(row.get("shares"))
    if not math.isfinite(shares):
        return "no share count"
    text = f"{fmt_num(shares / 1e6, 0)}m shares as of {_fmt_date(row.get('shares_as_of'))}"
    source = str(row.get("shares_source") or "")
    return text + (f" ({source.split(';')[0]})" if source else "")


def _stale_text(row: Mapping[str, Any]) -> str:
    if not bool(row.get("shares_stale")):
        return ""
    later = _f(row.get("shares_later"))
    change = later / _f(row.get("shares")) - 1.0
    return (
        f"Stale count: {fmt_num(later / 1e6, 0)}m shares as of {_fmt_date(row.get('shares_later_as_of'))} "
        f"({fmt_num(change * 100, 1)}%); with that count the day's close-to-close change is "
        f"{signed_usd(row.get('raw_value_usd_later_shares'))} and the abnormal value "
        f"{signed_usd(row.get('abnormal_value_usd_later_shares'))}."
    )


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def deal_reconciliation(
    values: pd.DataFrame, press: pd.DataFrame, window: str
) -> dict[str, list[dict[str, str]]]:
    """Per deal, one row of formatted figures per listed security: the press reconciled at day 0 and over
    ``window`` (direct parties), the share count used and its check, the confounding status; read-across
    securities are marked as spillovers (no multiples, not counted in the deal's value)."""
    out: dict[str, list[dict[str, str]]] = {}
    # records, not a pandas row per event: the same cells (the report checks they format the same)
    day0 = {str(r["event_id"]): r for r in _records(values[values["window"] == "0:0"])}
    claims = {(str(r["deal_id"]), str(r["ticker"]), str(r["window"])): r for r in press.to_dict("records")}
    for row in _records(values[values["window"] == window]):
        deal, ticker = str(row["deal_id"]), str(row["ticker"])
        first = day0.get(str(row["event_id"]), row)
        at0 = claims.get((deal, ticker, "0:0"), {})
        atw = claims.get((deal, ticker, window), {})
        known = confounding_status(row["confounded"])
        status = "unknown" if known is None else ("confounded" if known else "clean")
        out.setdefault(deal, []).append(
            {
                "ticker": ticker,
                "role": str(row["role"]),
                "direct": "yes" if bool(row["direct"]) else "no (spillover)",
                "claim": signed_usd(at0.get("press_claim_usd")) if at0 else "n/a",
                "claim_basis": str(at0.get("press_basis") or "") if at0 else "",
                "claim_source": str(at0.get("press_source") or "") if at0 else "",
                "c2c_0": signed_usd(first["raw_value_usd"]),
                "high_0": signed_usd(at0.get("intraday_high_usd")) if at0 else "n/a",
                "abnormal_0": signed_usd(first["abnormal_value_usd"]),
                "c2c_w": signed_usd(row["raw_value_usd"]),
                "high_w": signed_usd(atw.get("intraday_high_usd")) if atw else "n/a",
                "abnormal_w": signed_usd(row["abnormal_value_usd"]),
                "shares": _shares_text(row),
                "stale": _stale_text(first),
                "status": status,
                "confounders": str(row.get("confounders") or ""),
            }
        )
    return out
