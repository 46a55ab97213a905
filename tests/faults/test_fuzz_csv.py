"""Hypothesis fuzzing of the two CSV inputs a user hands to ``dealstudy study``: the events file and a price
file. Whatever the bytes, the command ends with exit 0, 2 or 3, never a traceback, an error names the file it
is about, and the user's files are left exactly as they were."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.cli import run_main

N_DAYS = 300
DATES = pd.bdate_range("2023-01-02", periods=N_DAYS)
PRICE_HEADER = "date,open,high,low,close,adj_close,volume"

# Cell values a careless export or a hostile user may produce.
CELLS = st.one_of(
    st.sampled_from(
        ["", "nan", "NaN", "inf", "-inf", "1e300", "-1e300", "1e999", "0", "-5", "null", '"', "2025-02-30"]
    ),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.text(max_size=12),
)


def _price_text(seed: int) -> str:
    rng = np.random.default_rng(seed)
    close = 100 * np.cumprod(1 + rng.normal(0, 0.01, N_DAYS))
    rows = [
        f"{d.date()},{c:.4f},{c * 1.01:.4f},{c * 0.99:.4f},{c:.4f},{c:.6f},{1_000_000 + i}"
        for i, (d, c) in enumerate(zip(DATES, close, strict=True))
    ]
    return "\n".join([PRICE_HEADER, *rows]) + "\n"


SPY_TEXT = _price_text(1)
AAA_TEXT = _price_text(2)
EVENTS_TEXT = f"event_id,ticker,date\ne1,AAA,{DATES[280].date()}\ne2,AAA,{DATES[290].date()}\n"


def _mutate(draw: st.DrawFn, text: str) -> bytes:
    """Replace a few cells, lines or the whole file of ``text``."""
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return draw(st.binary(max_size=200))
    lines = text.splitlines()
    if choice == 1:
        for _ in range(draw(st.integers(1, 4))):
            i = draw(st.integers(0, len(lines) - 1))
            cells = lines[i].split(",")
            j = draw(st.integers(0, len(cells) - 1))
            cells[j] = draw(CELLS)
            lines[i] = ",".join(cells)
    elif choice == 2:
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(st.text(max_size=40))
    else:
        lines = lines[: draw(st.integers(0, 3))]
    return ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")


@st.composite
def fuzzed_inputs(draw: st.DrawFn) -> tuple[str, bytes]:
    """Which file is damaged (events or a price file) and its new bytes."""
    target = draw(st.sampled_from(["events.csv", "AAA.csv", "SPY.csv"]))
    original = {"events.csv": EVENTS_TEXT, "AAA.csv": AAA_TEXT, "SPY.csv": SPY_TEXT}[target]
    return target, _mutate(draw, original)


@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(damage=fuzzed_inputs())
def test_fuzzed_events_and_price_csv_give_0_2_or_3_and_name_the_file(
    damage: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    target, body = damage
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        prices = folder / "prices"
        prices.mkdir()
        files = {
            folder / "events.csv": EVENTS_TEXT.encode(),
            prices / "AAA.csv": AAA_TEXT.encode(),
            prices / "SPY.csv": SPY_TEXT.encode(),
        }
        damaged = folder / target if target == "events.csv" else prices / target
        files[damaged] = body
        for path, data in files.items():
            path.write_bytes(data)
        code, err = run_main(
            ["study", str(folder / "events.csv"), "--prices", str(prices), "--out", str(folder / "out")],
            capsys,
        )
        assert code in (0, 2, 3), err
        assert "Traceback" not in err, err
        if code != 0:
            assert damaged.name in err, err
        assert {p: p.read_bytes() for p in files} == files
