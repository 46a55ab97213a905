"""Size and power of the aggregate tests on the real price snapshot (Brown and Warner 1985 style).

200 replications of 30 events: a random US stock of the snapshot and a random day 0 (estimation window and
event window inside the data), market model on SPY, default estimation -250..-11. Without an effect every
aggregate test must reject the null of a zero mean day-0 AR at 5% in 2%..9% of the replications (the binomial
standard error at 5% with 200 replications is 1.5 points); with +2% planted in each event's day-0 return the
rejection rate must be far higher (>= 50%, and >= 5x the no-effect rate). ``pytest -s`` prints the table.

Each event gets its own alias of the ticker's return series, so events of different replications never exclude
each other's windows from their estimation samples (within the study they are independent draws).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.stats.aggregate import AGGREGATE_TESTS
from dealstudy.study import EventStudy, StudySpec

pytestmark = [pytest.mark.shared, pytest.mark.slow]

US_STOCKS = ("AMZN", "NVDA", "ORCL", "MSFT", "AMD", "AVGO", "CRWV", "INTC", "NBIS", "GOOGL", "META", "ARM")
US_STOCKS += ("IREN", "DIS")
REPS, N_EVENTS, PLANT = 200, 30, 0.02
SPEC = StudySpec(windows=((0, 0), (-1, 1)))


def _returns(prices_dir: Path) -> dict[str, pd.Series]:
    out = {}
    for sym in (*US_STOCKS, "SPY"):
        frame = pd.read_csv(prices_dir / f"{sym}.csv", index_col="date", parse_dates=True)
        out[sym] = frame["adj_close"].pct_change()
    return out


def _draw(rets: dict[str, pd.Series], rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for rep in range(REPS):
        for j in range(N_EVENTS):
            tick = US_STOCKS[rng.integers(len(US_STOCKS))]
            dates = rets[tick].index
            pos = int(rng.integers(251, len(dates) - 11))
            rows.append((f"r{rep}e{j}", tick, dates[pos], f"rep{rep:03d}"))
    return pd.DataFrame(rows, columns=["event_id", "source", "day0", "group"])


def _rates(rets: dict[str, pd.Series], events: pd.DataFrame, plant: float) -> dict[str, float]:
    data: dict[str, pd.Series] = {"SPY": rets["SPY"]}
    for row in events.itertuples(index=False):
        series = rets[row.source]
        if plant:
            series = series.copy()
            series.loc[row.day0] += plant
        data[row.event_id] = series  # one alias per event
    frame = events.assign(ticker=events["event_id"])
    res = EventStudy(SPEC).fit_returns(frame, data)
    assert (res.outcomes["outcome"] == "ok").all(), res.outcomes["outcome"].value_counts()
    panel = res.panel
    groups = np.asarray(panel.groups)
    rejections = dict.fromkeys(AGGREGATE_TESTS, 0)
    for rep in np.unique(groups):
        sub = panel.subset(groups == rep)
        for name, test in AGGREGATE_TESTS.items():
            result = test(sub, (0, 0))
            assert result.valid, (name, result.reason)
            rejections[name] += int(result.pvalue < 0.05)
    return {name: count / REPS for name, count in rejections.items()}


def test_size_and_power_on_real_snapshot(prices_dir: Path) -> None:
    rng = np.random.default_rng(20251129)
    rets = _returns(prices_dir)
    events = _draw(rets, rng)
    null = _rates(rets, events, 0.0)
    planted = _rates(rets, events, PLANT)
    lines = [f"{'test':<18} {'no effect':>10} {'+2% day 0':>10}"]
    lines += [f"{name:<18} {null[name]:>10.3f} {planted[name]:>10.3f}" for name in AGGREGATE_TESTS]
    print(f"\nrejection rates at 5%, {REPS} samples of {N_EVENTS} events (real snapshot, market model)")
    print("\n".join(lines))
    for name in AGGREGATE_TESTS:
        assert 0.02 <= null[name] <= 0.09, f"{name}: size {null[name]:.3f} outside 2%..9%"
        assert planted[name] >= 0.5, f"{name}: power {planted[name]:.3f}"
        assert planted[name] >= 5 * null[name], name
