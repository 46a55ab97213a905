"""The index table's abnormal value per deal and window: summed over the deal's direct parties (every
security when none is direct), the very float ``Series.sum`` of the group gives."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd

from dealstudy.report.index_table import _deal_totals
from fixtures.report_sample import sample_report_data


def _by_groups(deal_values: pd.DataFrame, direct: set[tuple[str, str]], windows: set[str]) -> dict:
    """The totals by a pandas group per deal and window (the definition)."""
    totals: dict[str, dict[str, float]] = {}
    for (deal_id, window), group in deal_values.groupby(["deal_id", "window"], sort=False):
        if str(window) not in windows:
            continue
        mask = [(str(d), str(t)) in direct for d, t in zip(group["deal_id"], group["ticker"], strict=True)]
        if any(mask):
            group = group[mask]
        values = pd.to_numeric(group["abnormal_value_usd"], errors="coerce").dropna()
        totals.setdefault(str(deal_id), {})[str(window)] = float(values.sum()) if len(values) else math.nan
    return totals


def test_deal_totals_are_the_group_sums_bit_for_bit() -> None:
    rng = np.random.default_rng(19)
    tickers = [f"T{i}" for i in range(12)]
    rows = []
    for window in ("0:0", "0:1", "-5:5"):
        # "big": 12 direct parties with values of mixed size (numpy's pairwise sum differs from a loop's)
        rows += [
            ("big", t, window, v)
            for t, v in zip(tickers, rng.normal(0, 1, 12) * 10.0 ** rng.integers(0, 17, 12), strict=True)
        ]
        rows += [("mixed", "T0", window, 1e9), ("mixed", "T1", window, 2e9), ("mixed", "T2", window, np.nan)]
        rows += [("none-direct", "T0", window, 5e8), ("none-direct", "T1", window, 2.5e8)]
        rows += [("no-values", "T0", window, np.nan)]
    deal_values = pd.DataFrame(rows, columns=["deal_id", "ticker", "window", "abnormal_value_usd"])
    direct_keys = [("big", t) for t in tickers] + [("mixed", "T0"), ("mixed", "T2"), ("no-values", "T0")]
    dollar_values = pd.DataFrame(
        [(d, t, True) for d, t in direct_keys] + [("mixed", "T1", False), ("none-direct", "T0", False)],
        columns=["deal_id", "ticker", "direct"],
    )
    data = dataclasses.replace(sample_report_data(), deal_values=deal_values, dollar_values=dollar_values)

    totals = _deal_totals(data, ["0:0", "0:1"])

    expected = _by_groups(deal_values, set(direct_keys), {"0:0", "0:1"})
    assert set(totals) == {"big", "mixed", "none-direct", "no-values"}
    for deal_id, by_window in expected.items():
        assert set(totals[deal_id]) == {"0:0", "0:1"}
        for window, value in by_window.items():
            got = totals[deal_id][window]
            assert (math.isnan(got) and math.isnan(value)) or got == value, (deal_id, window)
    assert totals["mixed"]["0:1"] == 1e9  # T1 is not direct, T2 has no value
    assert totals["none-direct"]["0:0"] == 7.5e8  # no direct party: every security
    assert math.isnan(totals["no-values"]["0:0"])
    big = deal_values[(deal_values["deal_id"] == "big") & (deal_values["window"] == "0:0")]
    assert totals["big"]["0:0"] != sum(big["abnormal_value_usd"].tolist())  # the pairwise sum, not a loop's
