"""``dealstudy report`` end to end: the shipped catalog on the shared snapshot, offline; a failed run."""

from __future__ import annotations

import csv
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dealstudy._outdir import MARKER
from dealstudy.catalog import load_catalog
from dealstudy.report.context import deal_filename
from dealstudy.report.finding import HEADLINE_SAMPLE, signed_usd

REPO = Path(__file__).resolve().parents[2]
ENTRY_POINT = Path(sys.executable).parent / "dealstudy"
DEAL_VALUE_HEADER = (
    "deal_id,ticker,role,day0,window,car,t_stat,p_value,market_cap_usd,abnormal_value_usd,raw_value_usd,"
    "headline_value_usd,binding_value_usd,press_release_multiple,binding_multiple,outcome,reason"
)


def _run(*args: str, timeout: float = 600) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    done = subprocess.run(
        [str(ENTRY_POINT), "report", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
        timeout=timeout,
    )
    return done, time.perf_counter() - start


@pytest.mark.shared
@pytest.mark.slow
def test_report_on_the_shipped_catalog_offline(prices_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "latest"
    done, seconds = _run("--catalog", str(REPO / "events"), "--prices", str(prices_dir), "--out", str(out))
    assert done.returncode == 0, done.stderr
    print(f"\ndealstudy report on the shipped catalog: {seconds:.1f} s wall\n{done.stdout}")  # the figure
    catalog = load_catalog(REPO / "events")
    assert f"{len(catalog.deals)} deals" in done.stdout
    assert re.search(r"built in [0-9.]+s \(load [0-9.]+s, prices", done.stdout)
    assert str(out / "index.html") in done.stdout
    assert done.stderr == ""  # the progress bar stays quiet when stderr is not a terminal
    index = (out / "index.html").read_text(encoding="utf-8")
    assert len(re.findall(r'<tr data-class="', index)) == len(catalog.deals)  # one row per deal ...
    legs = re.findall(r'<table class="legs"[^>]*>(.*?)</table>', index, re.DOTALL)
    securities = sum(part.count("<tr>") - 1 for part in legs)
    assert securities == sum(len(d.securities) for d in catalog.deals)  # ... with every security under it
    for deal in catalog.deals:
        assert (out / "deals" / deal_filename(deal.id)).is_file()
    with (out / "data" / "deal_values.csv").open(encoding="utf-8") as handle:
        header = ",".join(next(csv.reader(handle)))
    assert header.startswith(DEAL_VALUE_HEADER + ",confounded,confounders,shares_outstanding,shares_as_of,")
    # the index's finding quotes the sensitivity row of the headline window and sample
    with (out / "data" / "sensitivity.csv").open(encoding="utf-8") as handle:
        rows = {(r["window"], r["sample"]): r for r in csv.DictReader(handle)}
    headline = rows[("0:1", HEADLINE_SAMPLE)]  # the default headline window
    finding = index[index.index('id="finding"') : index.index("</div>", index.index('id="finding"'))]
    assert f"the {headline['n_reactions']} reactions of listed parties" in finding
    assert f"net {signed_usd(float(headline['abnormal_value_usd']))} beyond" in finding
    for page in out.rglob("*.html"):
        assert "http://" not in page.read_text(encoding="utf-8"), page.name


def test_failed_report_leaves_the_previous_one(tmp_path: Path) -> None:
    out = tmp_path / "latest"
    out.mkdir()
    (out / "index.html").write_text("previous report", encoding="utf-8")
    marker = '{"written_by": "dealstudy", "kind": "report", "files": ["index.html"]}'
    (out / MARKER).write_text(marker, encoding="utf-8")  # an earlier report of dealstudy's
    catalog = tmp_path / "events"
    catalog.mkdir()
    (catalog / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n", encoding="utf-8")
    done, _ = _run("--catalog", str(catalog), "--prices", str(tmp_path), "--out", str(out), timeout=120)
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stderr.startswith("error:")
    assert "Traceback" not in done.stderr
    assert (out / "index.html").read_text(encoding="utf-8") == "previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["events", "latest"]


def test_bad_window_is_a_usage_error(tmp_path: Path) -> None:
    done, _ = _run("--window", "3:1", "--out", str(tmp_path / "x"), timeout=120)
    assert done.returncode == 2
    assert "window" in done.stderr
    assert not (tmp_path / "x").exists()


def test_without_data_is_a_clear_data_error(tmp_path: Path) -> None:
    """A price folder without any file (offline with an empty cache now falls back to the pinned snapshot)."""
    out = tmp_path / "latest"
    empty = tmp_path / "empty-prices"
    empty.mkdir()
    done, _ = _run("--prices", str(empty), "--out", str(out), timeout=120)
    assert done.returncode == 3, done.stderr
    assert done.stderr.startswith("error: no prices for any security")
    assert "(first failure: " in done.stderr  # the underlying cause, once
    assert f"put their SYMBOL.csv files in {empty.resolve()}, or run without --prices" in done.stderr
    assert not out.exists()
