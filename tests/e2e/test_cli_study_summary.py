"""``dealstudy study`` prints a summary, not a dump: outcome counts, headline tests, the top |t| events."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import WriteCloses
from typer.testing import CliRunner

from dealstudy.cli import app
from dealstudy.errors import SpecificationError

N_DAYS = 400
TICKERS = ("AAA", "BBB", "CCC", "DDD")


@pytest.fixture
def panel(tmp_path: Path, write_closes: WriteCloses) -> tuple[Path, Path]:
    """Seeded prices of four tickers and SPY, and 12 events (one without prices, one too early)."""
    rng = np.random.default_rng(1515)
    dates = pd.bdate_range("2022-01-03", periods=N_DAYS)
    prices = tmp_path / "prices"
    prices.mkdir()
    market = 100 * np.cumprod(1 + rng.normal(0.0003, 0.01, N_DAYS))
    write_closes(prices, "SPY", dates, market)
    for k, ticker in enumerate(TICKERS):
        r = (
            0.0002
            + (0.6 + 0.2 * k) * np.r_[0.0, np.diff(market) / market[:-1]]
            + rng.normal(0, 0.015, N_DAYS)
        )
        write_closes(prices, ticker, dates, 50 * np.cumprod(1 + r))
    rows = [(f"e{i:02d}", TICKERS[i % 4], dates[280 + 7 * i].strftime("%Y-%m-%d")) for i in range(10)]
    rows.append(("nodata", "ZZZZ", dates[300].strftime("%Y-%m-%d")))
    rows.append(("early", "AAA", dates[40].strftime("%Y-%m-%d")))
    events = tmp_path / "events.csv"
    pd.DataFrame(rows, columns=["event_id", "ticker", "date"]).to_csv(events, index=False)
    return events, prices


def _run(panel: tuple[Path, Path], out: Path, *extra: str) -> tuple[str, str]:
    events, prices = panel
    args = ["study", str(events), "--prices", str(prices), "--offline", "--out", str(out), *extra]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.stdout, result.stderr


def _listed(stdout: str) -> list[str]:
    return [line.split("│")[1].strip() for line in stdout.splitlines() if line.startswith("│ e")]


def test_summary_lists_the_largest_t_first(panel: tuple[Path, Path], tmp_path: Path) -> None:
    stdout, stderr = _run(panel, tmp_path / "out", "--show", "3", "--window", "0:1", "--window", "-1:1")
    cars = pd.read_csv(tmp_path / "out" / "cars.csv")
    main = cars[cars["window"] == "0:1"]
    expected = main.iloc[np.argsort(-main["t_stat"].abs().to_numpy(), kind="stable")]["event_id"][:3]
    assert _listed(stdout) == list(expected)
    assert "3 of 10 ok events, by |t| of window 0:1" in stdout
    assert "(7 more in cars.csv; --show all lists them)" in stdout
    # outcome counts by code, and the aggregate tests of the headline window
    assert "Outcomes (12 events)" in stdout
    assert "Aggregate tests, window 0:1" in stdout
    assert "kolari_pynnonen" in stdout
    counts = pd.read_csv(tmp_path / "out" / "outcomes.csv")["outcome"].value_counts()
    assert counts["ok"] == 10
    assert counts["no_prices"] == 1
    # exclusions summarised by reason with counts, one example each
    assert "events: 12   ok: 10   excluded: 2" in stderr
    assert "  no_prices: 1 (e.g. nodata (ZZZZ): " in stderr
    assert "outcomes.csv" in stderr


def test_show_all_and_show_zero(panel: tuple[Path, Path], tmp_path: Path) -> None:
    stdout, _ = _run(panel, tmp_path / "a", "--show", "all")
    assert sorted(_listed(stdout)) == [f"e{i:02d}" for i in range(10)]
    assert "all ok events" in stdout
    stdout, _ = _run(panel, tmp_path / "b", "--show", "0")
    assert _listed(stdout) == []
    assert "Aggregate tests" in stdout


@pytest.mark.parametrize("value", ["-1", "many"])
def test_bad_show_exits_2(panel: tuple[Path, Path], tmp_path: Path, value: str) -> None:
    events, prices = panel
    result = CliRunner().invoke(app, ["study", str(events), "--prices", str(prices), "--show", value])
    assert isinstance(result.exception, SpecificationError)  # exit 2 through dealstudy.cli.main
    assert "--show" in str(result.exception)


def test_timings_table_names_every_stage(panel: tuple[Path, Path], tmp_path: Path) -> None:
    _, stderr = _run(panel, tmp_path / "out", "--timings")
    stages = [
        line.split()[0] for line in stderr.splitlines() if line.startswith("  ") and line.endswith(" s")
    ]
    for name in ("read", "align", "tests", "write", "print", "total"):
        assert name in stages


def test_format_parquet_has_the_csv_columns_and_values(panel: tuple[Path, Path], tmp_path: Path) -> None:
    _run(panel, tmp_path / "csv")
    _run(panel, tmp_path / "pq", "--format", "parquet")
    assert sorted(p.name for p in (tmp_path / "pq").iterdir()) == [
        "abnormal_returns.parquet", "aggregate.parquet", "cars.parquet", "outcomes.parquet",
    ]  # fmt: skip
    for name in ("outcomes", "abnormal_returns", "cars", "aggregate"):
        text = pd.read_csv(tmp_path / "csv" / f"{name}.csv", keep_default_na=False, na_values=[""])
        table = pd.read_parquet(tmp_path / "pq" / f"{name}.parquet")
        assert list(table.columns) == list(text.columns)
        for col in text.columns:
            if pd.api.types.is_float_dtype(table[col]):
                np.testing.assert_array_equal(table[col].to_numpy(), text[col].to_numpy(dtype=float))
            elif pd.api.types.is_datetime64_any_dtype(table[col]):
                assert list(table[col].dt.strftime("%Y-%m-%d").fillna("")) == list(text[col].fillna(""))
            else:
                as_text = text[col].astype(object).where(text[col].notna(), "")
                assert [str(v) for v in table[col]] == [str(v) for v in as_text]
