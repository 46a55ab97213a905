"""``dealstudy study --engine dask`` on the real snapshot: the same tables as the single-process command.

The cluster is an in-process ``LocalCluster`` (threads, ``inproc://`` address) handed to the command with
``--scheduler``, so the test starts no processes and opens no sockets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

try:
    import distributed
except ImportError:  # pragma: no cover - CI installs the test group, which has dask[distributed]
    if os.environ.get("CI", "").lower() == "true":
        raise
    pytest.skip("dask[distributed] is not installed (pip install dealstudy[dask])", allow_module_level=True)

from dealstudy.cli import app, main
from fixtures.cli import write_snapshot_events


@pytest.mark.shared
def test_cli_dask_engine_matches_single_engine(prices_dir: Path, tmp_path: Path) -> None:
    events = write_snapshot_events(prices_dir, tmp_path / "events.csv")
    single = CliRunner().invoke(
        app,
        ["study", str(tmp_path / "events.csv"), "--prices", str(prices_dir), "--out", str(tmp_path / "s")],
    )
    assert single.exit_code == 0, single.output
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False, dashboard_address="127.0.0.1:0"
    ) as cluster:
        args = ["study", str(tmp_path / "events.csv"), "--prices", str(prices_dir), "--engine", "dask"]
        args += ["--scheduler", cluster.scheduler_address, "--out", str(tmp_path / "d")]
        run = CliRunner().invoke(app, args)
        assert run.exit_code == 0, run.output
        again = CliRunner().invoke(app, args)  # its own earlier outputs, series/ included, are replaced
        assert again.exit_code == 0, again.output
    assert "series/" in run.stderr
    assert "Aggregate tests" in run.stdout
    assert "no_prices: 1" in run.stderr
    outcomes = pd.read_parquet(tmp_path / "d" / "outcomes").set_index("event_id").loc[events["event_id"]]
    expected = pd.read_csv(tmp_path / "s" / "outcomes.csv", keep_default_na=False).set_index("event_id")
    assert outcomes["outcome"].tolist() == expected["outcome"].tolist()
    assert outcomes["day0_rule"].tolist() == expected["day0_rule"].tolist()  # timing mapped the same way
    cars = pd.read_parquet(tmp_path / "d" / "cars").set_index(["event_id", "window"])
    exp_cars = pd.read_csv(tmp_path / "s" / "cars.csv").set_index(["event_id", "window"])
    assert sorted(cars.index) == sorted(exp_cars.index)
    np.testing.assert_allclose(cars.loc[exp_cars.index, "car"], exp_cars["car"], rtol=0, atol=1e-12)
    series = pd.read_parquet(tmp_path / "d" / "series")
    n_ok = int((expected["outcome"] == "ok").sum())
    assert len(series) == n_ok * series["event_time"].nunique()
    assert set(series["event_id"]) == set(expected.index[expected["outcome"] == "ok"])
    assert series["u"].between(-0.5, 0.5).all()
    aggregate = pd.read_parquet(tmp_path / "d" / "aggregate.parquet")
    exp_agg = pd.read_csv(tmp_path / "s" / "aggregate.csv", keep_default_na=False)
    assert aggregate[["group", "window", "test"]].values.tolist() == (  # noqa: PD011
        exp_agg[["group", "window", "test"]].astype(str).values.tolist()  # noqa: PD011
    )
    np.testing.assert_allclose(
        aggregate["stat"], exp_agg["stat"].replace("", np.nan).astype(float), atol=1e-12
    )


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--engine", "dask"], "give --out DIR"),
        (["--engine", "dask", "--out", "o", "--format", "json"], "--format json is not available"),
        (["--engine", "spark"], "choose single, blocks or dask"),
        (["--scheduler", "tcp://127.0.0.1:1"], "need --engine dask"),
    ],
)
def test_cli_dask_option_errors(
    options: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "events.csv"
    path.write_text("event_id,ticker,date\ne1,AAA,2024-01-05\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "argv", ["dealstudy", "study", str(path), "--prices", str(tmp_path), *options])
    with pytest.raises(SystemExit) as exit_info:
        main()
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "o").exists()


def test_single_engine_and_import_do_not_load_dask(tmp_path: Path) -> None:
    path = tmp_path / "events.csv"
    path.write_text("event_id,ticker,date\ne1,AAA,2024-01-05\n")
    code = (
        "import sys, dealstudy, dealstudy.api\n"
        "from dealstudy.cli import main\n"
        f"sys.argv = ['dealstudy', 'study', {str(path)!r}, '--prices', {str(tmp_path)!r}]\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print('LOADED', sorted({m.split('.')[0] for m in sys.modules} & {'dask', 'distributed'}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert "events: 1" in done.stderr  # the study ran (its event has no prices)
    assert "LOADED []" in done.stdout
