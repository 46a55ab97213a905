"""The cross-sectional regression sample and the list of what was left out, with reasons.

Sample (documented, one rule per exclusion, checked in this order):

1. one observation per deal x security in the chosen event window, direct parties only (roles other than
   ``read-across`` and ``subject``: their move is a spill-over, not the deal's own value);
2. announcements only: ``revision_report`` deals and the ``disclosure_or_report`` status are out (their
   "value" is not a commitment). Filing disclosures that reveal a deal's value (Oracle's RPO on 9 September
   2025, Broadcom's $10B order) stay in: they were the first public news of those deals. They fall on
   earnings days, which the ``confounded`` indicator and the ``no_confounded`` robustness row address;
3. a disclosed, positive headline value (estimates by analysts are not used);
4. a study outcome of ``ok`` and a dollar value in USD (market cap known, rate available).

Units: dollar amounts in **$bn** (so slopes read as dollars of market value per dollar of deal value), CAR
in **percent**, deal size relative to market cap as ``log(headline / market cap at day -1)``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dealstudy.economy.legs import NON_DEAL_KINDS
from dealstudy.study.outcomes import USABLE_OUTCOMES

__all__ = ["BINDING_CLASS", "EXCLUSION_COLUMNS", "SAMPLE_COLUMNS", "confounding_status", "regression_sample"]

#: Binding statuses grouped into three classes for the CAR regression (too few deals for twelve dummies).
BINDING_CLASS: dict[str, str] = {
    "definitive_contract": "firm",
    "contract_with_options": "firm",
    "contract_with_conditions": "firm",
    "contract_plus_conditional_equity": "firm",
    "order_booking": "firm",
    "equity_subject_to_definitive_docs": "conditional",
    "equity_with_conditional_tranches": "conditional",
    "term_sheet": "conditional",
    "non_binding_loi": "non_binding",
    "statement_of_intent": "non_binding",
    "media_report": "non_binding",
    "disclosure_or_report": "report",
}

SAMPLE_COLUMNS: tuple[str, ...] = (
    "label",
    "deal_id",
    "ticker",
    "announced",
    "day0",
    "counterparty",
    "kind",
    "binding_status",
    "binding_class",
    "confounded",
    "clean",
    "abnormal_value_bn",
    "headline_bn",
    "binding_bn",
    "non_binding_bn",
    "car_pct",
    "log_size",
    "market_cap_usd",
)

EXCLUSION_COLUMNS: tuple[str, ...] = ("sample", "window", "deal_id", "ticker", "role", "reason")

BN = 1e9


def confounding_status(value: object) -> bool | None:
    """A ``confounded`` cell as True, False or None (unknown: None, NaN or empty text)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, str):
        text = value.strip().lower()
        return {"true": True, "false": False}.get(text)
    return bool(value)


def _exclusion_reason(row: dict[str, object]) -> str:
    role = str(row["role"])
    if not bool(row["direct"]):
        return f"not a direct party (role {role})"
    if row["kind"] in NON_DEAL_KINDS or row["binding_status"] == "disclosure_or_report":
        return f"not a new deal ({row['kind']}, {row['binding_status']})"
    headline = float(str(row["headline_value_usd"]))
    if not math.isfinite(headline):
        return "headline value undisclosed"
    if headline <= 0:
        return "headline value is zero"
    if row["outcome"] not in USABLE_OUTCOMES:
        return f"{row['outcome']}: {row['reason']}"
    if not math.isfinite(float(str(row["abnormal_value_usd"]))):
        return "no USD dollar value"
    return ""


#: The columns of the dollar values that :func:`regression_sample` reads.
_READ = frozenset(
    (
        "role", "direct", "kind", "binding_status", "headline_value_usd", "binding_value_usd", "outcome",
        "reason", "abnormal_value_usd", "market_cap_usd", "car", "deal_id", "ticker", "announced", "day0",
        "counterparty", "confounded",
    )
)  # fmt: skip


def _records(values: pd.DataFrame, window: str) -> list[dict[str, object]]:
    """The rows of ``window`` as records of the columns read (column by column: the same Python scalars
    as ``to_dict("records")``)."""
    rows = values.loc[(values["window"] == window).to_numpy(), [c for c in values.columns if c in _READ]]
    columns = {str(c): rows[c].tolist() for c in rows.columns}
    return [dict(zip(columns, cells, strict=True)) for cells in zip(*columns.values(), strict=True)]


def regression_sample(
    values: pd.DataFrame, window: str, *, name: str = "main"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split the dollar-value rows of ``window`` into the regression sample and its exclusions.

    Returns ``(sample, exclusions)``: ``sample`` has :data:`SAMPLE_COLUMNS` (``label`` =
    ``<deal_id>:<ticker>``), ``exclusions`` has :data:`EXCLUSION_COLUMNS` with one reason per left-out leg.
    """
    kept: list[dict[str, object]] = []
    dropped: list[dict[str, object]] = []
    for row in _records(values, window):
        why = _exclusion_reason(row)
        if why:
            dropped.append(
                {
                    "sample": name,
                    "window": window,
                    "deal_id": row["deal_id"],
                    "ticker": row["ticker"],
                    "role": row["role"],
                    "reason": why,
                }
            )
            continue
        headline = float(str(row["headline_value_usd"]))
        binding = float(str(row["binding_value_usd"]))
        cap = float(str(row["market_cap_usd"]))
        kept.append(
            {
                "label": f"{row['deal_id']}:{row['ticker']}",
                "deal_id": row["deal_id"],
                "ticker": row["ticker"],
                "announced": row["announced"],
                "day0": row["day0"],
                "counterparty": row["counterparty"],
                "kind": row["kind"],
                "binding_status": row["binding_status"],
                "binding_class": BINDING_CLASS.get(str(row["binding_status"]), "other"),
                "confounded": confounding_status(row["confounded"]) is True,
                "clean": confounding_status(row["confounded"]) is False,
                "abnormal_value_bn": float(str(row["abnormal_value_usd"])) / BN,
                "headline_bn": headline / BN,
                "binding_bn": binding / BN,
                "non_binding_bn": (headline - binding) / BN,
                "car_pct": 100.0 * float(str(row["car"])),
                "log_size": float(np.log(headline / cap)) if cap > 0 else math.nan,
                "market_cap_usd": cap,
            }
        )
    sample = pd.DataFrame(kept, columns=list(SAMPLE_COLUMNS))
    if sample.empty:  # typed columns, so filters and arithmetic on an empty sample behave
        floats = [c for c in SAMPLE_COLUMNS if c.endswith(("_bn", "_pct", "_usd")) or c == "log_size"]
        sample = sample.astype(dict.fromkeys(floats, float) | {"confounded": bool, "clean": bool})
    return sample, pd.DataFrame(dropped, columns=list(EXCLUSION_COLUMNS))
