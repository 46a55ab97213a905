"""Totals of abnormal, headline and binding value by company, counterparty and binding status, and the
cumulative series of value created by announcements.

Counting rules: abnormal (and raw) dollar values are summed over the direct parties' legs with a USD value
in the chosen window; headline and binding values are summed once per deal (a deal with three listed parties
adds its headline once to its counterparty's and status's totals). A company's headline and binding values
are the parts its deals state for it (:func:`dealstudy.economy.legs.company_part`: Oracle is not credited
with Stargate's $500B plan, which it shares with four other named partners), and its ratio compares the
abnormal value of those deals with those parts; company totals do not add up to the grand total.
A deal restated by a later filing disclosure
(``superseded_by``) adds its market reaction but not its headline again, and headlines that include or
overlap each other (catalog ``overlaps``) are netted: every dollar once
(:func:`dealstudy.economy.overlaps.net_of_frame`). ``total`` and the cumulative series
cover announcements only; revision reports and disclosures without a deal have their own rows.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dealstudy.economy.overlaps import net_of_frame

__all__ = ["AGGREGATE_COLUMNS", "aggregates", "announcement_total", "cumulative_value"]

AGGREGATE_COLUMNS: tuple[str, ...] = (
    "dimension",
    "key",
    "deals",
    "legs",
    "valued",
    "abnormal_value_usd",
    "car_value_usd",
    "raw_value_usd",
    "headline_value_usd",
    "binding_value_usd",
    "abnormal_to_headline",
)


def _block(dimension: str, key: str, deals: pd.DataFrame, legs: pd.DataFrame) -> dict[str, object]:
    valued = legs[np.isfinite(legs["abnormal_value_usd"].to_numpy(dtype=float))]
    n_deals = len(deals)
    if "counted" in deals.columns:
        deals = deals[deals["counted"] | ~deals["is_deal"]]
    net = net_of_frame(deals) if len(deals) else None  # every dollar once (catalog overlaps)
    headline = net.net_headline_usd if net is not None else np.nan
    abnormal = float(valued["abnormal_value_usd"].sum()) if len(valued) else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = abnormal / headline if np.isfinite(headline) and headline > 0 else np.nan
    return {
        "dimension": dimension,
        "key": key,
        "deals": n_deals,
        "legs": len(legs),
        "valued": len(valued),
        "abnormal_value_usd": abnormal,
        "car_value_usd": float(valued["car_value_usd"].sum(min_count=1)) if len(valued) else np.nan,
        "raw_value_usd": float(valued["raw_value_usd"].sum(min_count=1)) if len(valued) else np.nan,
        "headline_value_usd": headline,
        "binding_value_usd": net.net_binding_usd if net is not None else np.nan,
        "abnormal_to_headline": ratio,
    }


def _company_block(ticker: str, deals: pd.DataFrame, legs: pd.DataFrame) -> dict[str, object]:
    """A company's block: every reaction of it, but headline and binding value only as far as its deals
    state them for it (``parts``; :func:`dealstudy.economy.legs.company_part`), and the ratio over those
    deals alone."""
    block = _block("company", ticker, deals, legs)
    if "parts" not in deals.columns:
        return block
    part = {
        d: p for d, ps in zip(deals["deal_id"], deals["parts"], strict=True) for p in ps if p[0] == ticker
    }
    stated = deals[deals["deal_id"].isin(set(part))].copy()
    stated["headline_value_usd"] = [part[d][1] for d in stated["deal_id"]]
    stated["binding_value_usd"] = [part[d][2] for d in stated["deal_id"]]
    own = _block("company", ticker, stated, legs[legs["deal_id"].isin(set(part))])
    for column in ("headline_value_usd", "binding_value_usd", "abnormal_to_headline"):
        block[column] = own[column]
    return block


def _direct_legs(values: pd.DataFrame, window: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The legs of ``window`` and their direct parties' rows."""
    legs = values[values["window"] == window]
    return legs, legs[legs["direct"]]


def announcement_total(deals: pd.DataFrame, values: pd.DataFrame, window: str) -> dict[str, object]:
    """The ``total`` row of :func:`aggregates` alone (the announcements' direct parties), as a dict."""
    _, direct = _direct_legs(values, window)
    new = deals[deals["is_deal"]]
    return _block("total", "announcements", new, direct[direct["deal_id"].isin(set(new["deal_id"]))])


def aggregates(deals: pd.DataFrame, values: pd.DataFrame, window: str) -> pd.DataFrame:
    """Totals by ``total``, ``deal_type``, ``company``, ``counterparty``, ``binding_status``, ``role_type``.

    ``deals`` is :func:`dealstudy.economy.legs.deals_frame`; ``values`` the dollar values (any windows).
    """
    legs, direct = _direct_legs(values, window)
    new = deals[deals["is_deal"]]
    new_ids = set(new["deal_id"])
    rows = [announcement_total(deals, values, window)]
    for is_deal, label in ((True, "announcement"), (False, "revision_or_disclosure")):
        subset = deals[deals["is_deal"] == is_deal]
        rows.append(
            _block("deal_type", label, subset, direct[direct["deal_id"].isin(set(subset["deal_id"]))])
        )
    for ticker in sorted(direct["ticker"].unique()):
        mine = direct[(direct["ticker"] == ticker) & direct["deal_id"].isin(new_ids)]
        if mine.empty:
            continue
        rows.append(_company_block(ticker, new[new["deal_id"].isin(set(mine["deal_id"]))], mine))
    for column in ("counterparty", "binding_status"):
        for key in sorted(new[column].unique()):
            subset = new[new[column] == key]
            rows.append(
                _block(column, str(key), subset, direct[direct["deal_id"].isin(set(subset["deal_id"]))])
            )
    spill = legs[~legs["direct"]]
    rows.append(
        _block("role_type", "read_across", deals[deals["deal_id"].isin(set(spill["deal_id"]))], spill)
    )
    return pd.DataFrame(rows, columns=list(AGGREGATE_COLUMNS))


def cumulative_value(deals: pd.DataFrame, values: pd.DataFrame, window: str) -> pd.DataFrame:
    """Abnormal value created by announcements over time: ``date, deals, abnormal_value_usd, cumulative_usd``.

    Direct parties of new-deal announcements, by day 0 (the first session that could price the news), with a
    USD value in ``window``; headline values are accumulated alongside (``cumulative_headline_usd``).
    """
    new_ids = set(deals.loc[deals["is_deal"], "deal_id"])
    legs = values[(values["window"] == window) & values["direct"] & values["deal_id"].isin(new_ids)]
    legs = legs[np.isfinite(legs["abnormal_value_usd"].to_numpy(dtype=float))]
    columns = [
        "date",
        "deals",
        "abnormal_value_usd",
        "cumulative_usd",
        "headline_value_usd",
        "cumulative_headline_usd",
    ]
    if legs.empty:
        return pd.DataFrame(columns=columns)
    counted = deals["counted"] if "counted" in deals.columns else deals["is_deal"]
    heads = deals["headline_value_usd"].where(counted, 0.0).set_axis(deals["deal_id"])
    per_day = legs.groupby("day0").agg(
        deals=("deal_id", "nunique"), abnormal_value_usd=("abnormal_value_usd", "sum")
    )
    first_day = legs.groupby("deal_id")["day0"].min()
    headline_by_day = heads.reindex(first_day.index).groupby(first_day.to_numpy()).sum(min_count=1)
    per_day["headline_value_usd"] = headline_by_day.reindex(per_day.index).to_numpy()
    per_day = per_day.sort_index()
    per_day["cumulative_usd"] = per_day["abnormal_value_usd"].cumsum()
    per_day["cumulative_headline_usd"] = per_day["headline_value_usd"].fillna(0.0).cumsum()
    out = per_day.reset_index().rename(columns={"day0": "date"})
    return pd.DataFrame(out[columns])
