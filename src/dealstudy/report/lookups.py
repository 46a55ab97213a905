"""Row lookups of the report data that every deal needs, built once per report instead of once per deal.

The index table and each deal page look a security's rows up by ``(deal_id, ticker)`` or by event id; turning
the frames into those dictionaries is most of the context's cost, so :func:`row_lookups` does it once and
the pages share the result (read only).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from dealstudy.report.format import fmt_usd
from dealstudy.report.inputs import ReportData

__all__ = ["RowLookups", "by_window_values", "direct_sum", "row_lookups"]

#: Columns of ``deal_values`` looked up per window (the index table's and the deal pages' switched cells).
_BY_WINDOW = (
    "abnormal_value_usd",
    "raw_value_usd",
    "car",
    "press_release_multiple",
    "binding_multiple",
)


def by_window_values(frame: pd.DataFrame, column: str) -> dict[str, dict[tuple[str, str], object]]:
    """``window -> (deal_id, ticker) -> value`` of one column of ``deal_values``."""
    out: dict[str, dict[tuple[str, str], object]] = {}
    if column not in frame.columns:
        return out
    for record in frame[["deal_id", "ticker", "window", column]].to_dict("records"):
        key = (str(record["deal_id"]), str(record["ticker"]))
        out.setdefault(str(record["window"]), {})[key] = record[column]
    return out


@dataclass(frozen=True)
class RowLookups:
    """The report's rows as dictionaries (shared by every page; never modified).

    Attributes
    ----------
    dollar_rows
        ``(deal_id, ticker) -> dollar_values record``.
    outcomes
        ``event_id -> outcomes record``.
    by_window
        ``column -> window -> (deal_id, ticker) -> value`` of ``deal_values`` (see :func:`by_window_values`).
    car_stats
        ``column -> (event_id, window) -> value`` of ``cars`` for ``t_stat`` and ``sq_p_value``.
    cars_by_event
        ``event_id -> cars records`` in the frame's order (a deal page's CAR table per security).
    deal_value_totals
        ``deal_id -> abnormal value of its direct parties as text`` (see :func:`deal_value_totals`).
    """

    dollar_rows: dict[tuple[str, str], dict[Any, Any]]
    outcomes: dict[str, dict[Any, Any]]
    by_window: dict[str, dict[str, dict[tuple[str, str], object]]]
    car_stats: dict[str, dict[tuple[str, str], object]]
    cars_by_event: dict[str, list[dict[Any, Any]]]
    deal_value_totals: dict[str, str]


def direct_sum(group: Sequence[tuple[bool, float]]) -> float:
    """A deal's abnormal value from its rows' ``(direct, value)``: the direct parties' values summed (every
    row's when none is direct), missing values left out; NaN when none is left. The sum is numpy's over the
    values in row order, as ``Series.sum`` of them gives it."""
    if any(is_direct for is_direct, _ in group):
        group = [row for row in group if row[0]]
    kept = np.array([value for _, value in group if not math.isnan(value)])
    return float(kept.sum()) if len(kept) else math.nan


def deal_value_totals(dollar_values: pd.DataFrame) -> dict[str, str]:
    """``deal_id -> the abnormal value of the deal's direct parties`` (all its securities when none is
    direct; :func:`direct_sum`) as text, ``n/a`` when none has a value; a deal without rows is not a key."""
    if dollar_values.empty:
        return {}
    direct = (
        dollar_values["direct"].fillna(False).astype(bool).tolist()
        if "direct" in dollar_values.columns
        else [True] * len(dollar_values)
    )
    values = pd.to_numeric(dollar_values["abnormal_value_usd"], errors="coerce").astype(float)
    groups: dict[str, list[tuple[bool, float]]] = {}
    for deal_id, is_direct, value in zip(dollar_values["deal_id"], direct, values, strict=True):
        if not pd.isna(deal_id):  # (a group by deal id leaves rows without one out)
            groups.setdefault(str(deal_id), []).append((is_direct, value))
    totals = {deal_id: direct_sum(group) for deal_id, group in groups.items()}
    return {deal_id: "n/a" if math.isnan(total) else fmt_usd(total) for deal_id, total in totals.items()}


def row_lookups(data: ReportData) -> RowLookups:
    """Every lookup of :class:`RowLookups` from ``data``, each frame converted once."""
    cars = data.cars.to_dict("records")
    cars_by_event: dict[str, list[dict[Any, Any]]] = {}
    for record in cars:
        cars_by_event.setdefault(str(record["event_id"]), []).append(record)
    return RowLookups(
        dollar_rows={(str(r["deal_id"]), str(r["ticker"])): r for r in data.dollar_values.to_dict("records")},
        outcomes={str(r["event_id"]): r for r in data.outcomes.to_dict("records")},
        by_window={c: by_window_values(data.deal_values, c) for c in _BY_WINDOW},
        car_stats={
            c: {(str(r["event_id"]), str(r["window"])): r.get(c) for r in cars}
            for c in ("t_stat", "sq_p_value")
        },
        cars_by_event=cars_by_event,
        deal_value_totals=deal_value_totals(data.dollar_values),
    )
