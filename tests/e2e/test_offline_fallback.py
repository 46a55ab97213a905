"""Offline runs that must serve what the data hold (issue 14, items 2 and 4; issue 13's source order).

* ``prices import`` of the shared snapshot, then ``report --offline`` from that cache: the run asks for
  prices up to the last deal + 70 days, beyond the snapshot's end; the cache serves what it holds, as
  ``--prices`` on the same folder does (the same events studied), and no snapshot stands in for it.
* ``study`` with every connection refused and an empty cache: the pinned snapshot serves, said once, with
  at most one retry line, and the CARs are those of ``study --snapshot``.

Each command runs as a new process with a new price cache (``--cache``) and no ``DEALSTUDY_PRICES_DIR``; the
refused runs send every request to a proxy that refuses connections.
"""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from dealstudy.data import open_sources
from dealstudy.data.network import DEFAULT_DEADLINE
from dealstudy.data.snapshot import Snapshot
from fixtures.offline_runs import (
    CATALOG,
    catalog_events_csv,
    catalog_outcomes,
    retry_lines_per_symbol,
    snapshot_notes,
)

pytestmark = pytest.mark.shared
REFUSED = "http://127.0.0.1:1"
EXE = shutil.which("dealstudy", path=str(Path(sys.executable).parent)) or "dealstudy"


@dataclass(frozen=True)
class Done:
    code: int
    stdout: str
    stderr: str
    seconds: float


def _run(*args: str, refused: bool = False) -> Done:
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    env.pop("DEALSTUDY_PRICES_DIR", None)
    if refused:
        for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
            env[name] = REFUSED
        env["NO_PROXY"] = env["no_proxy"] = ""
    started = time.monotonic()
    done = subprocess.run(
        [EXE, *args], cwd=CATALOG.parent, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    return Done(done.returncode, done.stdout, done.stderr, time.monotonic() - started)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def imported_report(prices_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Done]:
    """``prices import`` of the shared snapshot into a new cache, then ``report --offline`` from it."""
    root = tmp_path_factory.mktemp("imported")
    cache, site = root / "cache", root / "site"
    done = _run("prices", "import", str(prices_dir), "--cache", str(cache))
    assert done.code == 0, done
    built = _run(
        *("report", "--offline", "--cache", str(cache), "--out", str(site), "--bootstrap-reps", "99")
    )
    return cache, site, built


def test_offline_report_from_an_imported_snapshot_studies_what_prices_dir_studies(
    imported_report: tuple[Path, Path, Done], prices_dir: Path
) -> None:
    _, site, built = imported_report
    assert built.code == 0, built
    assert "fetch them first" not in built.stderr + built.stdout
    assert snapshot_notes(built.stderr) == []  # the cache served: the pinned snapshot stood in for nothing
    expected = catalog_outcomes(open_sources(prices=prices_dir))
    outcomes = _rows(site / "data" / "outcomes.csv")
    assert {r["event_id"]: r["outcome"] for r in outcomes} == dict(
        zip(expected["event_id"], expected["outcome"], strict=True)
    )
    studied = sum(r["outcome"] == "ok" for r in outcomes)
    assert studied == int((expected["outcome"] == "ok").sum()) > 0
    assert f"; {studied} studied (outcome ok)" in built.stdout


def test_the_methods_page_says_the_cache_served_every_security(
    imported_report: tuple[Path, Path, Done], prices_dir: Path
) -> None:
    cache, site, _ = imported_report
    coverage = _rows(site / "data" / "price_coverage.csv")
    files = {p.name.removesuffix(".csv") for p in prices_dir.glob("*.csv")}
    assert {r["ticker"] for r in coverage} <= files  # every catalog security has a file in the folder
    for row in coverage:
        assert row["source"].startswith("cache:import"), row
        assert str(cache / "prices" / "import") in row["detail"], row
        last = pd.read_csv(prices_dir / f"{row['ticker']}.csv", usecols=["date"])["date"].iloc[-1]
        assert row["last"] <= last, row
        if "served in part: lacks" in row["detail"]:  # asked beyond the file's end: served all it holds
            assert row["last"] == last, row
    assert any("served in part: lacks" in r["detail"] for r in coverage)  # the case of issue 14, item 4
    methods = (site / "methods.html").read_text(encoding="utf-8")
    assert methods.count("cache:import") >= len(coverage)
    assert Snapshot().label not in methods.split("Price data used, per security")[1]


def test_refused_network_study_falls_back_to_the_snapshot(tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    chosen = catalog_events_csv(events)
    cache, net = str(tmp_path / "cache"), str(tmp_path / "net")
    run = _run("study", str(events), "--cache", cache, "--out", net, refused=True)
    pinned = _run("study", str(events), "--snapshot", "--out", str(tmp_path / "pin"))
    assert run.code == 0, run
    assert pinned.code == 0, pinned
    notes = snapshot_notes(run.stderr)
    assert len(notes) == 1, run.stderr  # said once
    snap = Snapshot()
    assert f"using the pinned data {snap.label} " in notes[0]
    assert f"(as of {snap.as_of})" in notes[0]
    assert "Yahoo Finance is unreachable (Yahoo Finance cannot be reached: 3 connection failures" in notes[0]
    assert max(retry_lines_per_symbol(run.stderr).values(), default=0) <= 1
    assert run.seconds < DEFAULT_DEADLINE  # the breaker stopped it: well within the network deadline
    cars = pd.read_csv(tmp_path / "net" / "cars.csv")
    expected = pd.read_csv(tmp_path / "pin" / "cars.csv")
    assert set(cars["event_id"]) == set(chosen["event_id"])
    assert cars["car"].notna().all()
    pd.testing.assert_frame_equal(cars, expected)
