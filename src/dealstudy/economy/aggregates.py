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

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.economy.overlaps import NetRecord, net_of_records

__all__ = ["AGGREGATE_COLUMNS", "aggregates", "announcement_total", "cumulative_value", "series_sum"]

FloatArray = NDArray[np.float64]

#: A row of :func:`dealstudy.economy.legs.deals_frame` as a dict.
_DealRow = dict[str, Any]

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


class _Legs:
    """The columns of legs that the totals read, as arrays; a selection keeps the rows' order."""

    def __init__(self, deal_id: NDArray[Any], ticker: NDArray[Any], amounts: dict[str, FloatArray]) -> None:
        self.deal_id, self.ticker, self.amounts = deal_id, ticker, amounts

    @classmethod
    def of(cls, legs: pd.DataFrame) -> _Legs:
        values = {c: legs[c].to_numpy(dtype=float) for c in _SUMMED}
        return cls(legs["deal_id"].to_numpy(dtype=object), legs["ticker"].to_numpy(dtype=object), values)

    def __len__(self) -> int:
        return len(self.deal_id)

    def where(self, keep: NDArray[np.bool_]) -> _Legs:
        return _Legs(self.deal_id[keep], self.ticker[keep], {c: v[keep] for c, v in self.amounts.items()})

    def of_deals(self, deal_ids: Iterable[object]) -> _Legs:
        """The legs of ``deal_ids``."""
        wanted = set(deal_ids)
        return self.where(np.fromiter((d in wanted for d in self.deal_id), dtype=bool, count=len(self)))


#: The leg columns summed into a block.
_SUMMED = ("abnormal_value_usd", "car_value_usd", "raw_value_usd")


def series_sum(values: FloatArray, *, min_count: int = 0) -> float:
    """``pandas.Series(values).sum(min_count=min_count)`` bit for bit: NaN summed as zeros (pandas' own
    way), NaN when fewer than ``min_count`` values are not NaN."""
    missing = np.isnan(values)
    if values.size - int(missing.sum()) < min_count:
        return np.nan
    return float(np.where(missing, 0.0, values).sum() if missing.any() else values.sum())


def _block(dimension: str, key: str, deals: Sequence[_DealRow], legs: _Legs) -> dict[str, object]:
    """One row of :func:`aggregates`: ``deals`` are rows of the deals frame (as dicts), ``legs`` their
    legs."""
    valued = legs.where(np.isfinite(legs.amounts["abnormal_value_usd"]))
    n_deals = len(deals)
    counted = [d for d in deals if d.get("counted", True) or not d["is_deal"]]
    net = net_of_records([_net_record(d) for d in counted]) if counted else None  # every dollar once
    headline = net.net_headline_usd if net is not None else np.nan
    abnormal = series_sum(valued.amounts["abnormal_value_usd"]) if len(valued) else np.nan
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = abnormal / headline if np.isfinite(headline) and headline > 0 else np.nan
    return {
        "dimension": dimension,
        "key": key,
        "deals": n_deals,
        "legs": len(legs),
        "valued": len(valued),
        "abnormal_value_usd": abnormal,
        "car_value_usd": series_sum(valued.amounts["car_value_usd"], min_count=1) if len(valued) else np.nan,
        "raw_value_usd": series_sum(valued.amounts["raw_value_usd"], min_count=1) if len(valued) else np.nan,
        "headline_value_usd": headline,
        "binding_value_usd": net.net_binding_usd if net is not None else np.nan,
        "abnormal_to_headline": ratio,
    }


def _net_record(deal: _DealRow) -> NetRecord:
    """The deal as :func:`dealstudy.economy.overlaps.net_of_records` reads it (as ``net_of_frame`` would)."""
    return (
        str(deal["deal_id"]),
        _as_float(deal["headline_value_usd"]),
        _as_float(deal["binding_value_usd"]),
        deal.get("overlaps", ()),
    )


def _as_float(value: object) -> float:
    """A cell as ``astype(float)`` reads it (None is NaN)."""
    return np.nan if value is None else float(value)  # type: ignore[arg-type]


def _company_block(ticker: str, deals: Sequence[_DealRow], legs: _Legs) -> dict[str, object]:
    """A company's block: every reaction of it, but headline and binding value only as far as its deals
    state them for it (``parts``; :func:`dealstudy.economy.legs.company_part`), and the ratio over those
    deals alone."""
    block = _block("company", ticker, deals, legs)
    if not deals or "parts" not in deals[0]:
        return block
    part = {d["deal_id"]: p for d in deals for p in d["parts"] if p[0] == ticker}
    stated = [
        {**d, "headline_value_usd": part[d["deal_id"]][1], "binding_value_usd": part[d["deal_id"]][2]}
        for d in deals
        if d["deal_id"] in part
    ]
    own = _block("company", ticker, stated, legs.of_deals(part))
    for column in ("headline_value_usd", "binding_value_usd", "abnormal_to_headline"):
        block[column] = own[column]
    return block


def _direct_legs(values: pd.DataFrame, window: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The legs of ``window`` and their direct parties' rows."""
    legs = values[values["window"] == window]
    return legs, legs[legs["direct"]]


def _records(deals: pd.DataFrame) -> list[_DealRow]:
    return [{str(k): v for k, v in row.items()} for row in deals.to_dict("records")]


def _total(deals: list[_DealRow], direct: _Legs) -> dict[str, object]:
    new = [d for d in deals if d["is_deal"]]
    return _block("total", "announcements", new, direct.of_deals(d["deal_id"] for d in new))


def announcement_total(deals: pd.DataFrame, values: pd.DataFrame, window: str) -> dict[str, object]:
    """The ``total`` row of :func:`aggregates` alone (the announcements' direct parties), as a dict."""
    return _total(_records(deals), _Legs.of(_direct_legs(values, window)[1]))


def _groups(deals: Sequence[_DealRow], column: str) -> dict[object, list[_DealRow]]:
    """The deals by their value of ``column`` (in order; a missing value is no group's)."""
    out: dict[object, list[_DealRow]] = {}
    for d in deals:
        if d[column] == d[column]:  # NaN equals no key
            out.setdefault(d[column], []).append(d)
    return out


def aggregates(deals: pd.DataFrame, values: pd.DataFrame, window: str) -> pd.DataFrame:
    """Totals by ``total``, ``deal_type``, ``company``, ``counterparty``, ``binding_status``, ``role_type``.

    ``deals`` is :func:`dealstudy.economy.legs.deals_frame`; ``values`` the dollar values (any windows).
    """
    legs, direct_rows = _direct_legs(values, window)
    direct = _Legs.of(direct_rows)
    rows_of = _records(deals)
    new = [d for d in rows_of if d["is_deal"]]
    new_ids = {d["deal_id"] for d in new}
    rows = [_total(rows_of, direct)]
    for is_deal, label in ((True, "announcement"), (False, "revision_or_disclosure")):
        subset = [d for d in rows_of if d["is_deal"] == is_deal]
        rows.append(_block("deal_type", label, subset, direct.of_deals(d["deal_id"] for d in subset)))
    of_new = direct.of_deals(new_ids)
    for ticker in sorted(set(direct.ticker)):
        mine = of_new.where(of_new.ticker == ticker)
        if len(mine):
            theirs = set(mine.deal_id)
            rows.append(_company_block(ticker, [d for d in new if d["deal_id"] in theirs], mine))
    for column in ("counterparty", "binding_status"):
        for key, subset in sorted(_groups(new, column).items()):
            rows.append(_block(column, str(key), subset, direct.of_deals(d["deal_id"] for d in subset)))
    spill = legs[~legs["direct"]]
    spill_ids = set(spill["deal_id"])
    rows.append(
        _block("role_type", "read_across", [d for d in rows_of if d["deal_id"] in spill_ids], _Legs.of(spill))
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
