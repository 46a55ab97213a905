"""Revisions round trip: value created by an announcement against value lost when it was walked back.

A pair is (original, revision) where the revision is a ``revision_report`` deal and either lists the
original in ``related`` or is listed in the original's ``related``. For every ticker listed by both, the
round trip compares the original's abnormal value with the revision's (same window, USD).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["REVISION_COLUMNS", "revision_pairs", "revisions_round_trip"]

REVISION_COLUMNS: tuple[str, ...] = (
    "original_id",
    "revision_id",
    "ticker",
    "window",
    "original_day0",
    "revision_day0",
    "created_usd",
    "revision_usd",
    "net_usd",
    "reversed_share",
    "reason",
)


def revision_pairs(deals: pd.DataFrame) -> list[tuple[str, str]]:
    """``(original_id, revision_id)`` pairs linked by ``related`` in either direction, in catalog order.

    The original must not be announced after the revision (a later deal that a report mentions is not
    the deal it revises).
    """
    kinds = deals.set_index("deal_id")["kind"].to_dict()
    when = deals.set_index("deal_id")["announced"].to_dict()
    pairs: list[tuple[str, str]] = []
    for deal in deals.to_dict("records"):
        deal_id = str(deal["deal_id"])
        for other in deal["related"]:
            if other not in kinds:
                continue
            if kinds[deal_id] == "revision_report" and kinds[other] != "revision_report":
                pair = (str(other), deal_id)
            elif kinds[other] == "revision_report" and kinds[deal_id] != "revision_report":
                pair = (deal_id, str(other))
            else:
                continue
            if when[pair[0]] <= when[pair[1]] and pair not in pairs:
                pairs.append(pair)
    return pairs


def revisions_round_trip(deals: pd.DataFrame, values: pd.DataFrame, window: str) -> pd.DataFrame:
    """One row per (original, revision, common ticker): ``created_usd`` + ``revision_usd`` = ``net_usd``.

    ``reversed_share`` = ``-revision_usd / created_usd`` (1 means the revision took back everything the
    announcement created). Missing values leave NaN with the reason (e.g. the study outcome).
    """
    tickers = deals.set_index("deal_id")["tickers"].to_dict()
    rows_by_leg = {
        (str(r["deal_id"]), str(r["ticker"])): r
        for r in values[values["window"] == window].to_dict("records")
    }
    out = []
    for original, revision in revision_pairs(deals):
        common = [t for t in tickers[revision] if t in set(tickers[original])]
        if not common:
            out.append(
                {
                    "original_id": original,
                    "revision_id": revision,
                    "ticker": "",
                    "window": window,
                    "original_day0": pd.NaT,
                    "revision_day0": pd.NaT,
                    "created_usd": np.nan,
                    "revision_usd": np.nan,
                    "net_usd": np.nan,
                    "reversed_share": np.nan,
                    "reason": "no ticker listed by both deals",
                }
            )
            continue
        for ticker in common:
            first = rows_by_leg.get((original, ticker))
            second = rows_by_leg.get((revision, ticker))
            created = float(first["abnormal_value_usd"]) if first else np.nan
            lost = float(second["abnormal_value_usd"]) if second else np.nan
            reasons = []
            for tag, row, value in (("original", first, created), ("revision", second, lost)):
                if not math.isfinite(value):
                    reasons.append(
                        f"{tag}: {row['outcome']}: {row['reason']}" if row else f"{tag}: no value row"
                    )
            out.append(
                {
                    "original_id": original,
                    "revision_id": revision,
                    "ticker": ticker,
                    "window": window,
                    "original_day0": first["day0"] if first else pd.NaT,
                    "revision_day0": second["day0"] if second else pd.NaT,
                    "created_usd": created,
                    "revision_usd": lost,
                    "net_usd": created + lost,
                    "reversed_share": -lost / created if math.isfinite(created) and created != 0 else np.nan,
                    "reason": "; ".join(reasons),
                }
            )
    return pd.DataFrame(out, columns=list(REVISION_COLUMNS))
