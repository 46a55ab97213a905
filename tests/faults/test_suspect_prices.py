"""Price sanity (issue 14, item 4): an unadjusted split or a bad tick is flagged ``suspect_prices`` with its
day and size and left out of the headline figures, never a +10,300% CAR; the real snapshot (with NVDA's and
AVGO's 10:1 splits of 2024) passes clean.
"""

from __future__ import annotations

import itertools
import math
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealstudy.data.csv_dir import read_price_csv
from dealstudy.data.sanity import MAX_LOG_RETURN, REVERSAL_LOG_RETURN, suspect_prices

RunCli = Callable[..., Any]  # the run_cli fixture (tests/faults/conftest.py)
PRICE_COLUMNS = ["open", "high", "low", "close", "adj_close"]


def _frame(close: list[float], adj: list[float] | None = None) -> pd.DataFrame:
    dates = pd.bdate_range("2025-01-06", periods=len(close), name="date")
    return pd.DataFrame({"close": close, "adj_close": adj if adj is not None else close}, index=dates)


def test_a_level_shift_is_one_jump_with_its_size() -> None:
    frame = _frame([100.0, 101.0, 10_100.0, 10_200.0, 10_100.0])
    found = suspect_prices(frame)
    assert [(s.date, s.kind) for s in found] == [(pd.Timestamp("2025-01-08"), "jump")]
    assert found[0].size == pytest.approx(10_100.0 / 101.0 - 1.0, rel=1e-12)  # +9,900%
    assert found[0].describe("AMZN") == (
        "AMZN 2025-01-08: adjusted close +9,900% in one session (bound: x2 or /2)"
    )


def test_a_single_bad_price_is_one_reversal_not_two_jumps() -> None:
    found = suspect_prices(_frame([100.0, 101.0, 150.0, 102.0, 103.0]))
    assert len(found) == 1
    assert found[0].date == pd.Timestamp("2025-01-08")
    assert found[0].kind == "reversal"
    assert found[0].size == pytest.approx(150.0 / 101.0 - 1.0, rel=1e-12)


def test_a_close_unadjusted_for_a_split_breaks_the_ratio() -> None:
    adj = [100.0, 101.0, 102.0, 103.0]
    close = [1000.0, 1010.0, 102.0, 103.0]  # close adjusted for a 10:1 split only from its day on
    found = suspect_prices(_frame(close, adj))
    assert [(s.date, s.kind) for s in found] == [(pd.Timestamp("2025-01-08"), "ratio_break")]
    assert found[0].size == pytest.approx(102.0 / 102.0 / (1010.0 / 101.0) - 1.0, rel=1e-12)  # -90%


def test_large_real_moves_within_the_bounds_pass() -> None:
    up = math.exp(MAX_LOG_RETURN) * 0.999  # just under doubling
    back = math.exp(REVERSAL_LOG_RETURN) * 0.999  # 40% move, fully undone: below the reversal bound
    assert suspect_prices(_frame([100.0, 100.0 * up, 100.0 * up * 0.6, 100.0])) == []
    assert suspect_prices(_frame([100.0, 100.0 * back, 100.0, 100.5])) == []
    assert suspect_prices(_frame([100.0, np.nan, 101.0, -1.0, 102.0])) == []  # missing prices: not this check


@pytest.mark.shared
def _reference(frame: pd.DataFrame) -> list[tuple[pd.Timestamp, str, float]]:
    """The rules of :mod:`dealstudy.data.sanity` session by session, in plain Python (the reference)."""
    found: dict[pd.Timestamp, tuple[pd.Timestamp, str, float]] = {}
    pairs = zip(frame.index, frame["adj_close"], strict=True)
    rows = [(d, a) for d, a in pairs if math.isfinite(a) and a > 0]
    logs = [math.nan] + [math.log(b[1]) - math.log(a[1]) for a, b in itertools.pairwise(rows)]
    skip = False
    for i in range(1, len(rows)):
        if skip:
            skip = False
            continue
        x, nxt = logs[i], logs[i + 1] if i + 1 < len(rows) else math.nan
        undone = math.isfinite(nxt) and x * nxt < 0 and abs(x + nxt) <= 0.25 * abs(x)
        if abs(x) > REVERSAL_LOG_RETURN and undone:
            found[rows[i][0]] = (rows[i][0], "reversal", math.expm1(x))
            skip = True
        elif abs(x) > MAX_LOG_RETURN:
            found[rows[i][0]] = (rows[i][0], "jump", math.expm1(x))
    both = [
        (d, c / a)
        for d, c, a in zip(frame.index, frame["close"], frame["adj_close"], strict=True)
        if math.isfinite(c) and c > 0 and math.isfinite(a) and a > 0
    ]
    for (_, r0), (day, r1) in itertools.pairwise(both):
        change = math.log(r1) - math.log(r0)
        if abs(change) > math.log(1.25) and day not in found:
            found[day] = (day, "ratio_break", math.expm1(change))
    return [found[d] for d in sorted(found)]


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1))
def test_the_rules_match_a_session_by_session_reference(seed: int) -> None:
    """Random walks with planted jumps, bad ticks, split breaks and missing or non-positive prices: the
    vectorised rules give the reference's sessions, kinds and sizes (sizes to 1e-12)."""
    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 60))
    adj = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    for i in rng.integers(0, n, int(rng.integers(0, 6))):
        adj[i:] *= rng.choice([0.1, 0.45, 0.6, 1.5, 2.5, 10.0])  # level shifts
    for i in rng.integers(0, n, int(rng.integers(0, 4))):
        adj[i] *= rng.choice([0.5, 1.45, 1.8, 3.0])  # single bad prices (some undone, some not)
    close = adj * np.where(np.arange(n) < rng.integers(0, n + 1), rng.choice([1.0, 1.1, 10.0]), 1.0)
    for values in (adj, close):
        values[rng.random(n) < 0.1] = np.nan
        values[rng.random(n) < 0.03] = rng.choice([0.0, -1.0])
    frame = _frame(close.tolist(), adj.tolist())
    got = [(s.date, s.kind, s.size) for s in suspect_prices(frame)]
    want = _reference(frame)
    assert [g[:2] for g in got] == [w[:2] for w in want]
    np.testing.assert_allclose([g[2] for g in got], [w[2] for w in want], rtol=1e-12)


def test_a_suspect_benchmark_price_marks_the_events_whose_window_it_touches() -> None:
    """A bad tick in the market series: the engine carries the market forward over the dropped price, so
    the events come out ``ok``; those whose widest window uses it (offsets -2..1 for -1:1) are marked,
    whatever their ticker, naming the benchmark's price; the others are left alone."""
    from dealstudy.pipeline.study import study_prices
    from dealstudy.study import StudySpec

    rng = np.random.default_rng(8)
    days = pd.bdate_range("2024-01-02", periods=400, name="date")
    market = pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, 400))), index=days)
    market.iloc[330] *= 1.8  # one bad price, undone the next session
    prices = {"MKT": market}
    for t in ("AAA", "BBB"):
        prices[t] = pd.Series(50 * np.exp(np.cumsum(rng.normal(0, 0.02, 400))), index=days)
    events = pd.DataFrame(
        {
            "event_id": ["first", "last", "before", "after"],
            "ticker": ["AAA", "BBB", "BBB", "AAA"],
            "date": [days[332], days[329], days[328], days[333]],  # offsets of the bad price: -2, 1, 2, -3
        }
    )
    spec = StudySpec(market="MKT", estimation=(-250, -11), windows=((-1, 1),))
    outcomes = study_prices(events, prices, spec).outcomes.set_index("event_id")
    assert list(outcomes["outcome"]) == ["suspect_prices", "suspect_prices", "ok", "ok"]
    day = days[330].strftime("%Y-%m-%d")
    assert f"MKT {day}: adjusted close +80% and back the next session" in outcomes.loc["last", "reason"]


def test_the_shared_snapshot_passes_clean_splits_included(prices_dir: Path) -> None:
    files = sorted(p for p in prices_dir.glob("*.csv") if p.stem not in {"shares_outstanding"})
    flagged = {}
    for path in files:
        try:
            frame = read_price_csv(path)
        except Exception:  # not a price file (e.g. another table in the folder)
            continue
        found = suspect_prices(frame)
        if found:
            flagged[path.stem] = [s.describe(path.stem) for s in found]
    assert flagged == {}
    for symbol, day in (("NVDA", "2024-06-10"), ("AVGO", "2024-07-15")):  # 10:1 splits
        frame = read_price_csv(prices_dir / f"{symbol}.csv")
        assert pd.Timestamp(day) in frame.index
        around = frame.loc["2024-05-01":"2024-08-30"]
        ratio = around["close"] / around["adj_close"]
        assert float(ratio.max() / ratio.min()) < 1.05  # both columns split-adjusted: nothing to flag


@pytest.fixture
def amzn_times_100(prices_dir: Path, tmp_path: Path) -> Path:
    """The shared snapshot with AMZN's prices x100 from 2025-11-03 on (an unadjusted split or a bad feed)."""
    folder = tmp_path / "prices"
    shutil.copytree(prices_dir, folder)
    path = folder / "AMZN.csv"
    frame = pd.read_csv(path)
    later = frame["date"] >= "2025-11-03"
    frame.loc[later, PRICE_COLUMNS] = frame.loc[later, PRICE_COLUMNS] * 100
    frame.to_csv(path, index=False)
    return folder


def _study(run_cli: RunCli, prices: Path, tmp_path: Path, name: str) -> dict[str, tuple[str, str, float]]:
    """event id -> (outcome, reason, CAR -1:1 or NaN)."""
    events = tmp_path / "events.csv"
    events.write_text(
        "event_id,ticker,date,timing\n"
        "amzn-openai,AMZN,2025-11-03,pre_market\n"  # day 0 is the day of the x100 jump
        "amzn-later,AMZN,2026-02-02,pre_market\n"  # the jump lies in its estimation window
        "nvda-clean,NVDA,2025-11-03,pre_market\n",
        encoding="utf-8",
    )
    out = tmp_path / name
    done = run_cli("study", str(events), "--prices", str(prices), "--out", str(out))
    assert done.code == 0, done
    outcomes = pd.read_csv(out / "outcomes.csv", keep_default_na=False)
    cars = pd.read_csv(out / "cars.csv")
    car = {str(k): float(v) for k, v in cars.loc[cars["window"] == "-1:1", ["event_id", "car"]].to_numpy()}
    return {
        str(e): (str(o), str(r), car.get(str(e), math.nan))
        for e, o, r in outcomes[["event_id", "outcome", "reason"]].to_numpy()
    }


@pytest.mark.shared
def test_amzn_times_100_is_flagged_not_a_10300_percent_car(
    amzn_times_100: Path, prices_dir: Path, run_cli: RunCli, tmp_path: Path
) -> None:
    bad = _study(run_cli, amzn_times_100, tmp_path, "bad")
    clean = _study(run_cli, prices_dir, tmp_path, "clean")
    assert clean["amzn-openai"][0] == "ok"
    outcome, reason, car = bad["amzn-openai"]
    assert outcome == "suspect_prices"
    ratio = read_price_csv(amzn_times_100 / "AMZN.csv")["adj_close"]
    jump = ratio.loc["2025-11-03"] / ratio.loc["2025-10-31"] - 1.0
    assert jump > 100  # +10,300%-ish: the fault is really there
    assert f"AMZN 2025-11-03: adjusted close {jump:+,.0%} in one session" in reason
    assert reason.endswith("the reaction is left out of the headline figures")
    assert math.isnan(car)  # no CAR: not in any figure or test
    # an event after the jump: the shift is neutralised (its two returns dropped from the estimation)
    assert bad["amzn-later"][0] == "ok"
    assert bad["amzn-later"][2] == pytest.approx(clean["amzn-later"][2], abs=0.005)
    assert bad["nvda-clean"] == clean["nvda-clean"]  # others untouched
