"""``dealstudy study --engine blocks`` on the real snapshot: the single-process command's tables, as Parquet
parts written block by block."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dealstudy.cli import app
from fixtures.cli import run_main, write_snapshot_events


@pytest.mark.shared
def test_cli_blocks_engine_matches_single_engine(prices_dir: Path, tmp_path: Path) -> None:
    events = write_snapshot_events(prices_dir, tmp_path / "events.csv")
    base = ["study", str(tmp_path / "events.csv"), "--prices", str(prices_dir)]
    single = CliRunner().invoke(app, [*base, "--out", str(tmp_path / "s")])
    assert single.exit_code == 0, single.output
    blocks = CliRunner().invoke(app, [*base, "--engine", "blocks", "--out", str(tmp_path / "b")])
    assert blocks.exit_code == 0, blocks.output
    assert "wrote outcomes/, abnormal_returns/, cars/, series/" in blocks.stderr
    assert "no_prices: 1" in blocks.stderr
    again = CliRunner().invoke(app, [*base, "--engine", "blocks", "--out", str(tmp_path / "b")])
    assert again.exit_code == 0, again.output  # its own earlier outputs are replaced

    outcomes = pd.read_parquet(tmp_path / "b" / "outcomes").set_index("event_id").loc[events["event_id"]]
    expected = pd.read_csv(tmp_path / "s" / "outcomes.csv", keep_default_na=False).set_index("event_id")
    assert outcomes["outcome"].tolist() == expected["outcome"].tolist()
    cars = pd.read_parquet(tmp_path / "b" / "cars").set_index(["event_id", "window"])
    exp_cars = pd.read_csv(tmp_path / "s" / "cars.csv").set_index(["event_id", "window"])
    assert sorted(cars.index) == sorted(exp_cars.index)
    for col in ("car", "bhar", "t_stat"):
        np.testing.assert_allclose(cars.loc[exp_cars.index, col], exp_cars[col], rtol=0, atol=1e-12)
    aggregate = pd.read_parquet(tmp_path / "b" / "aggregate.parquet")
    exp_agg = pd.read_csv(tmp_path / "s" / "aggregate.csv", keep_default_na=False)
    assert aggregate["test"].tolist() == exp_agg["test"].tolist()
    np.testing.assert_allclose(
        aggregate["stat"], exp_agg["stat"].replace("", np.nan).astype(float), atol=1e-12
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--engine", "blocks"], "--engine blocks writes Parquet tables: give --out DIR"),
        (["--engine", "blocks", "--out", "o", "--format", "json"], "--engine blocks: --format json"),
        (["--engine", "blocks", "--out", "o", "--workers", "2"], "need --engine dask"),
    ],
)
def test_cli_blocks_option_errors(
    tmp_path: Path, options: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "events.csv").write_text("event_id,ticker,date\ne1,AAA,2025-01-02\n")
    code, err = run_main(["study", str(tmp_path / "events.csv"), *options], capsys)
    assert code == 2
    assert message in err
