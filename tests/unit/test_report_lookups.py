"""The report's shared row lookups: a deal's total abnormal value and the CAR records per event, built once
per report, give what the per-deal frame filters gave."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from dealstudy.report.lookups import deal_value_totals
from dealstudy.report.tables import Column, frame_table, records_table


def test_deal_value_totals_sum_the_direct_parties_else_every_security() -> None:
    frame = pd.DataFrame(
        {
            "deal_id": ["a", "a", "a", "b", "b", "c", "d"],
            "ticker": ["X", "Y", "Z", "X", "Y", "X", "X"],
            "direct": [True, True, False, None, False, True, True],
            "abnormal_value_usd": [1e9, 2e9, 40e9, 0.5e9, 0.25e9, np.nan, 3e9],
        }
    )
    totals = deal_value_totals(frame)
    assert totals == {"a": "$3.0bn", "b": "$750m", "c": "n/a", "d": "$3.0bn"}


def test_deal_value_totals_without_a_direct_column_sum_every_security() -> None:
    frame = pd.DataFrame({"deal_id": ["a", "a"], "abnormal_value_usd": [1e9, 2e9]})
    assert deal_value_totals(frame) == {"a": "$3.0bn"}
    assert deal_value_totals(pd.DataFrame()) == {}


def test_records_table_of_some_records_is_frame_table_of_those_rows() -> None:
    frame = pd.DataFrame(
        {
            "event_id": ["e1", "e1", "e2"],
            "window": ["0:0", "0:1", "0:0"],
            "car": [0.0123, -0.05, np.nan],
        }
    )
    columns = [Column("window", "Window"), Column("car", "CAR", "pct")]
    records = [r for r in frame.to_dict("records") if r["event_id"] == "e1"]
    table = records_table(records, columns, table_id="t", caption="c", notes="n", sortable=False, csv="x.csv")
    expected = frame_table(
        frame[frame["event_id"] == "e1"],
        table_id="t",
        caption="c",
        notes="n",
        columns=columns,
        sortable=False,
        csv="x.csv",
    )
    assert table == expected
    assert [[c["text"] for c in r["cells"]] for r in table["rows"]] == [["0:0", "+1.23%"], ["0:1", "−5.00%"]]
    assert table["n"] == 2


def test_direct_sum_keeps_the_direct_parties_else_every_row() -> None:
    from dealstudy.report.lookups import direct_sum

    assert direct_sum([(True, 1.0), (False, 10.0), (True, float("nan")), (True, 2.5)]) == 3.5
    assert direct_sum([(False, 1.0), (False, 2.0)]) == 3.0
    assert math.isnan(direct_sum([(True, float("nan")), (False, 4.0)]))  # a direct party without a value
    assert math.isnan(direct_sum([]))
