"""``dealstudy analyze`` end to end on the shipped catalog and the shared price snapshot."""

from __future__ import annotations

import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog import load_catalog

REPO = Path(__file__).resolve().parents[2]
ENTRY_POINT = Path(sys.executable).parent / "dealstudy"


@pytest.fixture(scope="module")
def analysis(prices_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("analysis")
    done = subprocess.run(
        [
            str(ENTRY_POINT),
            "analyze",
            "--catalog",
            str(REPO / "events"),
            "--prices",
            str(prices_dir),
            "--robustness-models",
            "market_adjusted",
            "--bootstrap-reps",
            "499",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    return out, done.stdout


@pytest.mark.shared
@pytest.mark.slow
def test_every_listed_security_has_a_value_or_a_reason(analysis: tuple[Path, str], shared_dir: Path) -> None:
    out, stdout = analysis
    catalog = load_catalog(REPO / "events")
    table = pd.read_csv(out / "deal_values.csv", keep_default_na=False, na_values=[""])
    windows = sorted(set(table["window"]))
    assert "-1:1" in windows
    expected = {(d.id, s.ticker, w) for d in catalog.deals for s in d.securities for w in windows}
    assert set(zip(table["deal_id"], table["ticker"], table["window"], strict=True)) == expected
    assert len(table) == len(expected)
    for row in table.to_dict("records"):
        valued = isinstance(row["abnormal_value_usd"], float) and math.isfinite(row["abnormal_value_usd"])
        if not valued:
            assert row["outcome"] != "ok", row
            assert isinstance(row["reason"], str), row
            assert row["reason"], row
    checker = shared_dir / "tools" / "check_outputs.py"
    done = subprocess.run(
        [sys.executable, str(checker), str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout
    assert "Key slopes" in stdout
    assert "Sample: N =" in stdout
    for name in (
        "regressions.csv",
        "regression_summaries.txt",
        "ledger.csv",
        "revisions.csv",
        "aggregates.csv",
        "exclusions.csv",
        "robustness.csv",
    ):
        assert (out / name).stat().st_size > 0, name


@pytest.mark.shared
@pytest.mark.slow
def test_amd_openai_dollar_value_matches_a_hand_computation(
    analysis: tuple[Path, str], prices_dir: Path
) -> None:
    """AMD, 6 Oct 2025: market model on SPY (days -250..-11, other AMD event windows -5..+10 left out)."""
    out, _ = analysis
    amd = pd.read_csv(prices_dir / "AMD.csv", parse_dates=["date"]).set_index("date")
    spy = pd.read_csv(prices_dir / "SPY.csv", parse_dates=["date"]).set_index("date")
    shares = pd.read_csv(prices_dir / "shares_outstanding.csv")
    events = pd.read_csv(out / "events.csv", parse_dates=["day0"])
    r = amd["adj_close"].pct_change()
    m = spy["adj_close"].pct_change().reindex(r.index)
    dates = list(amd.index)
    pos0 = dates.index(pd.Timestamp("2025-10-06"))
    others = [dates.index(d) for d in events.loc[events["ticker"] == "AMD", "day0"] if d != dates[pos0]]
    est = [p for p in range(pos0 - 250, pos0 - 10) if not any(o - 5 <= p <= o + 10 for o in others)]
    x, y = m.iloc[est].to_numpy(), r.iloc[est].to_numpy()
    X = np.column_stack([np.ones(len(x)), x])
    alpha, beta = np.linalg.lstsq(X, y, rcond=None)[0]
    ar = {t: r.iloc[pos0 + t] - alpha - beta * m.iloc[pos0 + t] for t in (-1, 0, 1)}
    count = (
        shares[(shares["symbol"] == "AMD") & (shares["as_of"] <= "2025-10-03")].sort_values("as_of").iloc[-1]
    )
    hand = sum(ar[t] * amd["close"].iloc[pos0 + t - 1] * count["shares"] for t in (-1, 0, 1))
    table = pd.read_csv(out / "deal_values.csv")
    row = table[
        (table["deal_id"] == "amd-openai-6gw") & (table["ticker"] == "AMD") & (table["window"] == "-1:1")
    ]
    assert row.iloc[0]["outcome"] == "ok"
    assert row.iloc[0]["abnormal_value_usd"] == pytest.approx(hand, rel=1e-6)
    assert row.iloc[0]["market_cap_usd"] == pytest.approx(164.67 * 1_628_000_000, rel=1e-9)
    print(
        f"AMD-OpenAI abnormal value over -1:1: ${hand / 1e9:.2f}bn "
        f"(beta {beta:.3f}, {len(est)} estimation days)"
    )


def test_bad_options_exit_2_without_traceback(tmp_path: Path) -> None:
    for args in (
        ["--cov", "robust"],
        ["--window", "2:1"],
        ["--robustness-models", "capm"],
        ["--model", "custom"],
    ):
        done = subprocess.run(
            [str(ENTRY_POINT), "analyze", "--catalog", str(tmp_path), *args],
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert done.returncode == 2, (args, done.stderr)
        assert done.stderr.startswith("error:"), done.stderr
        assert "Traceback" not in done.stderr


@pytest.mark.shared
@pytest.mark.slow
def test_format_parquet_holds_the_csv_tables(
    analysis: tuple[Path, str], prices_dir: Path, tmp_path: Path
) -> None:
    """``--format parquet`` writes every table of the CSV run, same columns and values (a table whose
    nullable column is empty in its first rows, ``confounded``, included)."""
    out = tmp_path / "pq"
    args = ["analyze", "--catalog", str(REPO / "events"), "--prices", str(prices_dir)]
    args += ["--robustness-models", "market_adjusted", "--bootstrap-reps", "499", "--format", "parquet"]
    done = subprocess.run(
        [str(ENTRY_POINT), *args, "--out", str(out)],
        capture_output=True, text=True, check=False, cwd=REPO, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    csv_dir, _ = analysis
    csv_tables = sorted(p.stem for p in csv_dir.glob("*.csv"))
    assert sorted(p.stem for p in out.glob("*.parquet")) == csv_tables
    for name in csv_tables:
        expected = pd.read_csv(csv_dir / f"{name}.csv", keep_default_na=False, na_values=[""])
        got = pd.read_parquet(out / f"{name}.parquet")
        assert list(got.columns) == list(expected.columns), name
        assert len(got) == len(expected), name
        for col in expected.columns:
            if pd.api.types.is_numeric_dtype(expected[col]) and pd.api.types.is_numeric_dtype(got[col]):
                np.testing.assert_allclose(got[col].astype(float), expected[col].astype(float), rtol=1e-12,
                                           equal_nan=True, err_msg=f"{name}.{col}")  # fmt: skip
