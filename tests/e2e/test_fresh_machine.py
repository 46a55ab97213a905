"""README's main command on a fresh machine without network: the full report from the pinned snapshot.

Runs ``dealstudy report --out reports/latest`` (the README's quick start after ``pip install -e .``) as a new
process in a clean environment: an empty HOME and cache folder, no ``DEALSTUDY_PRICES_DIR``, and every HTTP(S)
request sent to a proxy that refuses connections (127.0.0.1:1), so Yahoo Finance is unreachable.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dealstudy.data import open_sources
from dealstudy.data.network import DEFAULT_DEADLINE
from dealstudy.data.snapshot import Snapshot
from fixtures.offline_runs import catalog_outcomes, retry_lines_per_symbol, snapshot_notes

REPO = Path(__file__).resolve().parents[2]
BLOCKED = "http://127.0.0.1:1"


def _clean_env(home: Path) -> dict[str, str]:
    keep = ("PATH", "PYTHONPATH", "VIRTUAL_ENV", "LANG", "LC_ALL", "TMPDIR", "CI", "SYSTEMROOT")
    env = {k: v for k, v in os.environ.items() if k in keep}
    env.update(
        HOME=str(home),
        XDG_CACHE_HOME=str(home / ".cache"),
        MPLCONFIGDIR=str(home / ".mpl"),
        HTTP_PROXY=BLOCKED,
        HTTPS_PROXY=BLOCKED,
        ALL_PROXY=BLOCKED,
        http_proxy=BLOCKED,
        https_proxy=BLOCKED,
        all_proxy=BLOCKED,
        NO_PROXY="",
    )
    return env


@pytest.mark.slow
def test_readme_command_builds_the_full_report_offline_on_a_fresh_machine(tmp_path: Path) -> None:
    home = tmp_path / "home"
    home.mkdir()
    project = tmp_path / "project"
    shutil.copytree(REPO / "events", project / "events")
    exe = shutil.which("dealstudy", path=str(Path(sys.executable).parent)) or "dealstudy"
    done = subprocess.run(
        [exe, "report", "--out", "reports/latest"],
        cwd=project,
        env=_clean_env(home),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    label = Snapshot().label
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, done.stderr[-3000:]  # said once, clearly
    assert notes == snapshot_notes(done.stderr)
    assert "Yahoo Finance is unreachable" in notes[0]
    assert f"using the pinned data {label} " in notes[0]  # the label carries "(as of DATE)"
    assert max(retry_lines_per_symbol(done.stderr).values(), default=0) <= 1
    prices_stage = re.search(r"\bprices ([0-9.]+)s", done.stdout)
    assert prices_stage is not None, done.stdout
    assert float(prices_stage.group(1)) < DEFAULT_DEADLINE  # the network given up within its deadline
    site = project / "reports" / "latest"
    assert (site / "index.html").is_file()
    with (site / "data" / "outcomes.csv").open(newline="") as handle:
        outcomes = list(csv.DictReader(handle))
    with (site / "data" / "events.csv").open(newline="") as handle:
        studied = [row for row in csv.DictReader(handle) if row["studied"] == "True"]
    assert len(outcomes) == len(studied)
    codes = [row["outcome"] for row in outcomes]
    pinned = catalog_outcomes(open_sources(snapshot="only"))  # what `report --snapshot` studies
    assert {r["event_id"]: r["outcome"] for r in outcomes} == dict(
        zip(pinned["event_id"], pinned["outcome"], strict=True)
    )
    assert f"; {codes.count('ok')} studied (outcome ok)" in done.stdout
    assert "no_prices" not in codes
    assert codes.count("ok") >= 0.9 * len(codes)
    methods = (site / "methods.html").read_text(encoding="utf-8")
    assert label in methods  # the source that served each security
    assert "Fallback models, in the order tried" in methods
    # fallbacks: marked with cause and model, and the headline figures with and without them
    fallbacks = [row for row in outcomes if row["outcome"] == "fallback_model"]
    for row in fallbacks:
        assert row["reason"].split(":")[0] in ("thin_estimation", "no_benchmark"), row
        assert row["model_used"], row
        assert row["fallback"], row
    with (site / "data" / "with_without_fallbacks.csv").open(newline="") as handle:
        with_row, without_row = list(csv.DictReader(handle))
    assert int(with_row["fallback_events"]) == len(fallbacks)
    assert int(with_row["events"]) - int(without_row["events"]) == len(fallbacks)
    assert int(with_row["events"]) == codes.count("ok") + len(fallbacks)
    # every security with prices gets its raw day-0 move, whatever its outcome
    with (site / "data" / "raw_moves.csv").open(newline="") as handle:
        moves = {row["event_id"]: row for row in csv.DictReader(handle)}
    for row in outcomes:
        assert moves[row["event_id"]]["raw_return"] != "", row
