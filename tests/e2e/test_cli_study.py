"""``dealstudy study`` end to end on the real snapshot, offline: 20 random events, four files, contract."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dealstudy.cli import app

pytestmark = pytest.mark.shared

US = ("AMZN", "NVDA", "ORCL", "MSFT", "AMD", "AVGO", "INTC", "GOOGL", "META", "DIS", "CRWV", "NBIS", "ARM")


def _events(prices_dir: Path, path: Path, n: int = 20) -> pd.DataFrame:
    rng = np.random.default_rng(42)
    spy = pd.read_csv(prices_dir / "SPY.csv", usecols=["date"])["date"].to_numpy()
    rows = []
    for i in range(n):
        day = pd.Timestamp(spy[rng.integers(260, len(spy) - 15)])
        timing = ("", "pre_market", "after_close")[i % 3]
        rows.append(
            (f"ev{i:02d}", US[rng.integers(len(US))], day.strftime("%Y-%m-%d"), timing, "", f"g{i % 2}")
        )
    rows.append(("weekend", "AMD", "2025-10-04", "", "", "g0"))  # a Saturday: next session 2025-10-06
    rows.append(("missing", "ZZZZ", "2025-06-02", "", "", "g1"))  # no price file
    frame = pd.DataFrame(rows, columns=["event_id", "ticker", "date", "timing", "market", "group"])
    frame.to_csv(path, index=False)
    return frame


def test_cli_study_writes_the_four_files(prices_dir: Path, shared_dir: Path, tmp_path: Path) -> None:
    events = _events(prices_dir, tmp_path / "events.csv")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        ["study", str(tmp_path / "events.csv"), "--prices", str(prices_dir), "--offline", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == [
        "abnormal_returns.csv", "aggregate.csv", "cars.csv", "outcomes.csv",
    ]  # fmt: skip
    check = subprocess.run(
        [sys.executable, str(shared_dir / "tools" / "check_outputs.py"), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 0, check.stdout + check.stderr
    outcomes = pd.read_csv(out / "outcomes.csv", keep_default_na=False)
    assert list(outcomes["event_id"]) == list(events["event_id"])  # every event, in order
    by_id = outcomes.set_index("event_id")
    assert by_id.loc["missing", "outcome"] == "no_prices"
    assert "ZZZZ" in by_id.loc["missing", "reason"]
    assert by_id.loc["weekend", "day0"] == "2025-10-06"
    # CRWV, NBIS and ARM list late: a random early day 0 is outside their data or has a thin estimation window
    late = outcomes["ticker"].isin(["CRWV", "NBIS", "ARM"])
    assert (outcomes.loc[~late & (outcomes["ticker"] != "ZZZZ"), "outcome"] == "ok").all()
    allowed = {"ok", "day0_outside_data", "thin_estimation", "gap_in_event_window"}  # window before the data
    assert set(outcomes.loc[late, "outcome"]) <= allowed
    assert (outcomes["outcome"] == "ok").sum() >= 15
    assert (outcomes.loc[outcomes["outcome"] != "ok", "reason"].str.len() > 10).all()
    cars = pd.read_csv(out / "cars.csv")
    assert set(cars["window"]) == {"0:0", "-1:1", "0:1", "-5:5", "0:10"}
    ars = pd.read_csv(out / "abnormal_returns.csv")
    np.testing.assert_allclose(ars["ar"], ars["return"] - ars["expected_return"], atol=1e-15)
    agg = pd.read_csv(out / "aggregate.csv", keep_default_na=False)
    assert set(agg["group"]) == {"all", "g0", "g1"}
    assert "CAR 0:0" in result.stdout
    assert "kolari_pynnonen" in result.stdout
    assert "no_prices" in result.stderr


def test_cli_study_json_and_options(prices_dir: Path, tmp_path: Path) -> None:
    _events(prices_dir, tmp_path / "events.csv", n=4)
    result = CliRunner().invoke(
        app,
        [
            "study", str(tmp_path / "events.csv"), "--prices", str(prices_dir), "--format", "json",
            "--window", "0:0", "--window", "-1:1", "--estimation", "-200:-20", "--min-obs", "100",
            "--model", "custom", "--benchmarks", "SPY,SMH", "--variance", "residual",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert set(doc) == {"spec", "outcomes", "abnormal_returns", "cars", "aggregate"}
    assert doc["spec"]["windows"] == ["0:0", "-1:1"]
    assert doc["spec"]["ar_range"] == "-10:10"  # display days of the AR table, beyond the windows
    assert doc["spec"]["benchmarks"] == ["SPY", "SMH"]
    ok = [o for o in doc["outcomes"] if o["outcome"] == "ok"]
    assert ok
    assert all(o["estimation_obs"] <= 181 and "beta_SMH" in o for o in ok)
    assert {c["window"] for c in doc["cars"]} == {"0:0", "-1:1"}


def test_cli_study_bad_input_exits_2(prices_dir: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("event_id,ticker,date,when\na,AMD,2025-10-06,x\n")
    result = CliRunner().invoke(app, ["study", str(bad), "--prices", str(prices_dir)])
    assert result.exit_code != 0
    good = tmp_path / "good.csv"
    good.write_text("event_id,ticker,date\na,AMD,2025-10-06\n")
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "from dealstudy.cli import main; main()",
            "study",
            str(good),
            "--prices",
            str(prices_dir),
            "--model",
            "capm",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "capm" in result.stderr
    assert "Traceback" not in result.stderr
