"""Totals by company, counterparty and binding status (hand-worked), and the pandas-exact sum they use."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealstudy.economy.aggregates import aggregates, announcement_total, series_sum

NAN = float("nan")


def _deal(deal_id: str, is_deal: bool, cp: str, status: str, head: float, bind: float, parts: tuple) -> dict:
    return {
        "deal_id": deal_id,
        "is_deal": is_deal,
        "counted": is_deal,
        "counterparty": cp,
        "binding_status": status,
        "headline_value_usd": head,
        "binding_value_usd": bind,
        "overlaps": (),
        "parts": parts,
    }


DEALS = pd.DataFrame(
    [
        _deal("d1", True, "OpenAI", "definitive_contract", 10e9, 4e9, (("AAA", 10e9, 4e9, True),)),
        # BBB shares the deal with AAA and no part is stated for it
        _deal("d2", True, "OpenAI", "non_binding_loi", 6e9, 0.0, (("AAA", 2e9, 0.0, True),)),
        _deal("d3", False, "Anthropic", "disclosure_or_report", 1e9, 1e9, ()),
    ]
)


def _leg(
    deal_id: str, ticker: str, direct: bool, abnormal: float, car: float, raw: float, window: str = "0:1"
) -> dict:
    return {
        "deal_id": deal_id,
        "ticker": ticker,
        "direct": direct,
        "window": window,
        "abnormal_value_usd": abnormal,
        "car_value_usd": car,
        "raw_value_usd": raw,
    }


VALUES = pd.DataFrame(
    [
        _leg("d1", "AAA", True, 1e9, NAN, 2e9),
        _leg("d2", "AAA", True, 0.5e9, 0.4e9, NAN),
        _leg("d2", "BBB", True, NAN, 0.1e9, 0.1e9),  # not valued: not summed
        _leg("d2", "CCC", False, 0.3e9, 0.3e9, 0.3e9),  # read-across
        _leg("d3", "AAA", True, 0.2e9, 0.2e9, 0.2e9),
        _leg("d1", "AAA", True, 9e9, 9e9, 9e9, window="0:0"),  # another window
    ]
)


def test_blocks_by_hand() -> None:
    table = aggregates(DEALS, VALUES, "0:1").set_index(["dimension", "key"])
    assert list(table.index) == [
        ("total", "announcements"),
        ("deal_type", "announcement"),
        ("deal_type", "revision_or_disclosure"),
        ("company", "AAA"),
        ("company", "BBB"),
        ("counterparty", "OpenAI"),
        ("binding_status", "definitive_contract"),
        ("binding_status", "non_binding_loi"),
        ("role_type", "read_across"),
    ]
    total = table.loc[("total", "announcements")]
    assert (total["deals"], total["legs"], total["valued"]) == (2, 3, 2)
    assert total["abnormal_value_usd"] == 1.5e9
    assert total["car_value_usd"] == 0.4e9  # NaN skipped
    assert total["raw_value_usd"] == 2e9
    assert (total["headline_value_usd"], total["binding_value_usd"]) == (16e9, 4e9)
    assert total["abnormal_to_headline"] == pytest.approx(1.5 / 16)
    assert table.loc[("total", "announcements")].equals(table.loc[("deal_type", "announcement")])
    revision = table.loc[("deal_type", "revision_or_disclosure")]
    assert (revision["deals"], revision["legs"], revision["abnormal_value_usd"]) == (1, 1, 0.2e9)
    assert revision["headline_value_usd"] == 1e9  # not an announcement: its own value
    aaa = table.loc[("company", "AAA")]  # the parts its deals state for it
    assert (aaa["deals"], aaa["legs"], aaa["abnormal_value_usd"]) == (2, 2, 1.5e9)
    assert (aaa["headline_value_usd"], aaa["binding_value_usd"]) == (12e9, 4e9)
    assert aaa["abnormal_to_headline"] == pytest.approx(1.5 / 12)
    bbb = table.loc[("company", "BBB")]
    assert (bbb["deals"], bbb["legs"], bbb["valued"]) == (1, 1, 0)
    for column in ("abnormal_value_usd", "car_value_usd", "headline_value_usd", "abnormal_to_headline"):
        assert math.isnan(bbb[column]), column
    assert table.loc[("counterparty", "OpenAI")].equals(total.rename(("counterparty", "OpenAI")))
    firm = table.loc[("binding_status", "definitive_contract")]
    assert (firm["deals"], firm["abnormal_value_usd"], firm["headline_value_usd"]) == (1, 1e9, 10e9)
    assert math.isnan(firm["car_value_usd"])  # min_count=1: no CAR value among its valued legs
    loi = table.loc[("binding_status", "non_binding_loi")]
    assert (loi["deals"], loi["legs"], loi["valued"], loi["abnormal_value_usd"]) == (1, 2, 1, 0.5e9)
    spill = table.loc[("role_type", "read_across")]
    assert (spill["deals"], spill["legs"], spill["abnormal_value_usd"], spill["headline_value_usd"]) == (
        1,
        1,
        0.3e9,
        6e9,
    )
    assert announcement_total(DEALS, VALUES, "0:1") == {
        "dimension": "total",
        "key": "announcements",
        **table.loc[("total", "announcements")].to_dict(),
    }


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.one_of(st.floats(-1e12, 1e12), st.just(NAN)), max_size=40),
    st.integers(0, 2),
)
def test_series_sum_is_pandas_sum_bit_for_bit(values: list[float], min_count: int) -> None:
    array = np.array(values, dtype=float)
    mine = series_sum(array, min_count=min_count)
    theirs = float(pd.Series(array, dtype=float).sum(min_count=min_count))
    assert np.array_equal(np.array([mine]).view(np.int64), np.array([theirs]).view(np.int64))
