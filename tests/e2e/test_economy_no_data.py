"""``analyze`` with no usable data: a clear error (exit 3) or a clearly reported empty result, never a
traceback, and an existing ``--out`` folder is left as it was.

Regression test of ``KeyError: 'label'`` in ``economy/models.py`` (``fit_models`` via
``robustness_table``): an empty regression sample lost its columns in the ``no_confounded`` filter.
"""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog import write_deal
from dealstudy.catalog.schema import Deal, Security
from dealstudy.data import open_sources
from dealstudy.data.calendars import sessions
from dealstudy.data.snapshot import Snapshot
from dealstudy.errors import MissingDataError
from dealstudy.pipeline.analysis_files import write_analysis
from dealstudy.pipeline.analyze import analyze

REPO = Path(__file__).resolve().parents[2]
ENTRY_POINT = Path(sys.executable).parent / "dealstudy"
NO_PRICES = "error: no prices for any security of the catalog"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(ENTRY_POINT), "analyze", *args, "--bootstrap-reps", "20"],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


def _write_prices(
    write: Callable[..., pd.Series], folder: Path, symbol: str, rng: np.random.Generator
) -> None:
    dates = sessions("XNYS", "2024-06-03", "2025-12-31")
    write(folder, symbol, dates, 100.0 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(dates))))


def _out_with_a_file(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    out.mkdir()
    (out / "summary.txt").write_text("previous run\n")
    return out


def _assert_untouched(out: Path) -> None:
    assert sorted(p.name for p in out.iterdir()) == ["summary.txt"]
    assert (out / "summary.txt").read_text() == "previous run\n"


def test_cli_offline_with_an_empty_cache_uses_the_pinned_snapshot(tmp_path: Path) -> None:
    """An empty cache offline is no dead end: the pinned snapshot serves, and the run says so once."""
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    out = tmp_path / "out"
    done = _run("--catalog", str(REPO / "events"), "--offline", "--cache", str(cache), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    notes = [line for line in done.stderr.splitlines() if line.startswith("note: ")]
    assert len(notes) == 1, done.stderr
    assert "offline run" in notes[0]
    assert Snapshot().label in notes[0]
    assert (out / "deal_values.csv").is_file()


def test_cli_snapshot_without_any_catalog_ticker_is_a_clear_data_error(
    tmp_path: Path, rng: np.random.Generator, write_closes: Callable[..., pd.Series]
) -> None:
    prices = tmp_path / "prices"
    prices.mkdir()
    _write_prices(write_closes, prices, "SPY", rng)  # the benchmark only
    out = _out_with_a_file(tmp_path)
    done = _run("--catalog", str(REPO / "events"), "--prices", str(prices), "--out", str(out))
    assert done.returncode == 3, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(NO_PRICES), done.stderr
    assert f"put their SYMBOL.csv files in {prices.resolve()}, or run without --prices" in done.stderr
    assert "fetch them first" not in done.stderr
    _assert_untouched(out)


def test_library_offline_with_an_empty_cache_raises_missing_data(tmp_path: Path) -> None:
    sources = open_sources(offline=True, cache=tmp_path / "cache", snapshot="off")
    with pytest.raises(MissingDataError, match="no prices for any security of the catalog") as caught:
        analyze(REPO / "events", sources, bootstrap_reps=20)
    message = str(caught.value)
    assert "fetch them first" not in message  # offline: no hint that needs the network first
    assert message.endswith(
        "; run without --offline to fetch them, or import a snapshot folder into the cache (dealstudy prices "
        "import DIR --cache CACHE), or pass --prices DIR with CSV snapshots"
    )


@pytest.fixture
def lonely(
    tmp_path: Path, rng: np.random.Generator, write_closes: Callable[..., pd.Series]
) -> tuple[Path, Path]:
    """A catalog of two deals whose securities have prices but no benchmark: nothing is estimable."""
    prices = tmp_path / "prices"
    prices.mkdir()
    _write_prices(write_closes, prices, "AAA", rng)
    _write_prices(write_closes, prices, "BBB", rng)
    catalog = tmp_path / "events"
    catalog.mkdir()
    for i, ticker in enumerate(("AAA", "BBB")):
        write_deal(
            catalog,
            Deal(
                id=f"deal-{ticker.lower()}",
                title=f"{ticker} signs",
                announced=dt.date(2025, 10, 6 + i),
                timing="pre_market",
                counterparty="OpenAI",
                kind="cloud_contract",
                binding_status="definitive_contract",
                securities=(Security(ticker, "provider", "XNAS"),),
                sources=("https://example.com/a",),
                headline_value_usd=10e9,
                binding_value_usd=10e9,
                binding_basis="signed contract",
            ),
        )
    return catalog, prices


def test_library_all_events_excluded_is_an_empty_reported_result(lonely: tuple[Path, Path]) -> None:
    catalog, prices = lonely
    stages: list[str] = []
    results = analyze(catalog, open_sources(prices=prices), bootstrap_reps=20, on_stage=stages.append)
    assert stages == ["study", "robustness", "economy"]
    assert (results.study.outcomes["outcome"] != "ok").all()
    economy = results.economy
    assert economy.sample.empty
    assert len(economy.excluded()) == 2
    for result in economy.regressions:
        assert result.reason.startswith("not estimable: N = 0 observation(s)"), result.reason
    assert economy.robustness["note"].str.contains("not estimable: N = 0").all()
    assert "not estimable: N = 0" in results.summary()


def test_cli_all_events_excluded_prints_not_estimable_and_writes_files(
    lonely: tuple[Path, Path], tmp_path: Path
) -> None:
    catalog, prices = lonely
    out = tmp_path / "analysis"
    done = _run("--catalog", str(catalog), "--prices", str(prices), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert "headline: not estimable: N = 0 observation(s) for 2 coefficient(s)" in done.stdout
    assert "Sample: N = 0 deal x security observations; 2 excluded" in done.stdout
    regressions = pd.read_csv(out / "regressions.csv")
    assert list(regressions["model"]) == ["headline", "binding_split", "car_size"]
    assert (regressions["n"] == 0).all()
    assert "not fitted: not estimable: N = 0" in (out / "regression_summaries.txt").read_text()


def test_library_odd_catalog_runs_and_explains_every_security(
    tmp_path: Path, rng: np.random.Generator, write_closes: Callable[..., pd.Series]
) -> None:
    """Zero securities, a security without prices, a Tokyo listing without an FX file, binding 0 and
    headline null, a month-precision date: every listed security gets a value or an outcome with a reason."""
    prices = tmp_path / "prices"
    prices.mkdir()
    for symbol in ("SPY", "AAA", "BBB", "CCC", "DDD"):
        _write_prices(write_closes, prices, symbol, rng)
    tokyo = sessions("XTKS", "2024-06-03", "2025-12-31")
    for symbol in ("^N225", "9999.T"):
        write_closes(prices, symbol, tokyo, 3000.0 * np.cumprod(1 + rng.normal(0.0003, 0.01, len(tokyo))))
    pd.DataFrame(
        [
            {"symbol": s, "as_of": "2025-06-30", "shares": 1e9, "source": "synthetic"}
            for s in ("AAA", "BBB", "CCC", "DDD", "9999.T")
        ]
    ).to_csv(prices / "shares_outstanding.csv", index=False)
    catalog = tmp_path / "events"
    catalog.mkdir()

    def deal(i: int, securities: tuple[Security, ...], **changes: object) -> Deal:
        base: dict[str, object] = {
            "id": f"deal-{i}",
            "title": f"deal {i}",
            "announced": dt.date(2025, 9, 1) + dt.timedelta(days=7 * i),
            "timing": "pre_market",
            "counterparty": "OpenAI",
            "kind": "cloud_contract",
            "binding_status": "definitive_contract",
            "securities": securities,
            "sources": ("https://example.com/a",),
            "headline_value_usd": 10e9 * (i + 1),
            "binding_value_usd": 5e9 * (i + 1),
            "binding_basis": "signed contract",
        }
        return Deal(**(base | changes))  # type: ignore[arg-type]

    for item in (
        deal(0, (Security("AAA", "provider", "XNAS"),)),
        deal(1, (Security("BBB", "provider", "XNAS"),)),
        deal(2, (Security("CCC", "provider", "XNAS"),)),
        deal(3, ()),  # no listed company
        deal(4, (Security("NOPX", "provider", "XNAS"),)),  # no price file
        deal(5, (Security("9999.T", "partner", "XTKS"),), timing="after_close"),  # no JPY=X file
        deal(
            6,
            (Security("DDD", "partner", "XNYS"),),
            headline_value_usd=None,
            binding_value_usd=0.0,
            binding_status="non_binding_loi",
            binding_basis="letter of intent",
        ),
        deal(
            7,
            (Security("AAA", "provider", "XNAS"),),
            announced=dt.date(2025, 11, 1),
            announced_precision="month",
            timing="unknown",
        ),
    ):
        write_deal(catalog, item)
    results = analyze(catalog, open_sources(prices=prices), bootstrap_reps=20)
    rows = results.economy.deal_values()
    rows = rows[rows["window"] == "-1:1"].set_index("deal_id")
    assert sorted(rows.index) == [f"deal-{i}" for i in (0, 1, 2, 4, 5, 6, 7)]  # deal-3 has no security
    assert all(rows.loc[f"deal-{i}", "outcome"] == "ok" for i in (0, 1, 2, 6))
    assert rows.loc["deal-4", "outcome"] == "no_prices"
    assert rows.loc["deal-4", "reason"]
    assert rows.loc["deal-5", "outcome"] == "no_fx_rate"
    assert "no JPY=X rate" in rows.loc["deal-5", "reason"]
    assert rows.loc["deal-7", "outcome"] == "day_unknown"
    assert "binding multiple n/a: binding value is zero" in rows.loc["deal-6", "reason"]
    assert "press-release multiple n/a: headline value undisclosed" in rows.loc["deal-6", "reason"]
    assert (rows["outcome"] == "ok").sum() == 4
    assert set(results.economy.sample["deal_id"]) == {"deal-0", "deal-1", "deal-2"}
    assert results.economy.regression("headline").fitted
    assert results.economy.regression("binding_split").reason.startswith(
        "not estimable: N = 3 observation(s)"
    )
    ledger = results.economy.ledger_totals.set_index("partner")
    assert ledger.loc["(unlisted)", "exposure_reason"] == "no listed partner"
    write_analysis(results, tmp_path / "out")
    assert (tmp_path / "out" / "robustness.csv").stat().st_size > 0
