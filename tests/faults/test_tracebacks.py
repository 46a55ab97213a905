"""Inputs that used to end in a traceback (issue 14, item 6) now give a message or an outcome code: a deal
announced 2999-01-04 or 0001-01-01, an events file with such dates, a 5,000-character ticker, a close of
1e300.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dealstudy.data import open_sources
from dealstudy.data.cache import IMPORT_SOURCE, CachedSource
from dealstudy.data.csv_dir import read_price_csv
from dealstudy.data.source import Provenance
from dealstudy.data.yahoo import YahooSource
from dealstudy.study import EventStudy, StudySpec

RunCli = Callable[..., Any]  # the run_cli fixture (tests/faults/conftest.py)
REPO = Path(__file__).resolve().parents[2]
LONG = "A" * 5000


def _catalog_with_date(tmp_path: Path, day: str) -> Path:
    catalog = tmp_path / "events"
    shutil.copytree(REPO / "events", catalog)
    path = catalog / "amazon-openai-38b.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text(
        "".join(f"announced: {day}\n" if line.startswith("announced:") else line for line in lines),
        encoding="utf-8",
    )
    return catalog


@pytest.mark.shared
@pytest.mark.slow
@pytest.mark.parametrize("day", ["2999-01-04", "0001-01-01"])
def test_a_deal_dated_2999_or_0001_is_listed_not_a_traceback(
    day: str, run_cli: RunCli, prices_dir: Path, tmp_path: Path
) -> None:
    catalog = _catalog_with_date(tmp_path, day)
    out = tmp_path / "out"
    done = run_cli(
        *("analyze", "--catalog", str(catalog), "--prices", str(prices_dir), "--out", str(out)),
        *("--bootstrap-reps", "0", "--robustness-models", "market_adjusted"),
    )
    assert "Traceback" not in done.stderr
    if done.code == 2:  # the catalog's own date check refuses it first: a message naming file and field
        assert "amazon-openai-38b.yaml" in done.stderr
        assert "announced" in done.stderr
        return
    assert done.code == 0, done
    values = pd.read_csv(out / "deal_values.csv")
    rows = values[values["deal_id"] == "amazon-openai-38b"]
    assert len(rows) >= 1
    assert set(rows["outcome"]) == {"date_out_of_range"}
    assert rows["reason"].str.contains(f"announced {day}; check the catalog's date").all()
    assert (values["outcome"] == "ok").sum() > 10  # the other deals are studied as usual


@pytest.mark.shared
def test_report_prices_stage_skips_dates_it_cannot_study(prices_dir: Path, tmp_path: Path) -> None:
    from dealstudy.catalog import load_catalog
    from dealstudy.errors import CatalogError
    from dealstudy.pipeline.report import _closes

    try:
        catalog = load_catalog(_catalog_with_date(tmp_path, "0001-01-01"))
    except CatalogError:  # the catalog's own date check refuses it first: a message, not a traceback
        return
    closes, _ = _closes(catalog, open_sources(prices=prices_dir))
    assert "AMZN" in closes
    assert closes["AMZN"].index[0] > pd.Timestamp("2020-01-01")  # not a range from year 1


def test_events_file_dates_out_of_range_are_exit_2(run_cli: RunCli, tmp_path: Path) -> None:
    events = tmp_path / "events.csv"
    events.write_text("event_id,ticker,date\ne1,AMZN,2999-01-04\ne2,AMZN,0001-01-01\n", encoding="utf-8")
    done = run_cli("study", str(events), "--offline", "--cache", str(tmp_path / "cache"))
    assert done.code == 2, done
    for line, day in ((2, "2999-01-04"), (3, "0001-01-01")):
        where = f"{events}: line {line}, column date: {day}"
        assert f"{where} is outside the dates dealstudy can study (1900-01-01..2200-12-31)" in done.stderr
    assert not (tmp_path / "cache").exists()


@pytest.mark.shared
def test_a_5000_character_ticker_is_an_outcome_not_file_name_too_long(
    run_cli: RunCli, prices_dir: Path, tmp_path: Path
) -> None:
    events = tmp_path / "events.csv"
    events.write_text(
        f"event_id,ticker,date,timing\nok,AMZN,2025-11-03,pre_market\nlong,{LONG},2025-11-03,pre_market\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    done = run_cli("study", str(events), "--prices", str(prices_dir), "--out", str(out))
    assert done.code == 0, done
    outcomes = pd.read_csv(out / "outcomes.csv").set_index("event_id")
    assert outcomes.loc["ok", "outcome"] == "ok"
    assert outcomes.loc["long", "outcome"] == "no_prices"
    assert "(5,000 characters) is not a price symbol: at most 40" in str(outcomes.loc["long", "reason"])
    shown = run_cli("prices", "show", LONG, "--offline", "--cache", str(tmp_path / "cache"))
    assert shown.code == 3, shown
    assert "(5,000 characters) is not a price symbol" in shown.stderr
    assert len(shown.stderr) < 400  # the symbol is not echoed in full


def test_a_close_of_1e300_given_to_the_engine_is_a_missing_price(prices_dir: Path) -> None:
    prices = {s: read_price_csv(prices_dir / f"{s}.csv")["adj_close"] for s in ("NVDA", "SPY")}
    bad = prices["NVDA"].copy()
    bad.loc["2025-06-02"] = 1e300
    dates = pd.to_datetime(["2025-06-03", "2025-11-03"])
    events = pd.DataFrame({"event_id": ["hit", "clear"], "ticker": ["NVDA", "NVDA"], "date": dates})
    with np.errstate(over="raise", invalid="raise"):  # no overflow anywhere in the engine
        results = EventStudy(StudySpec()).fit(events, {**prices, "NVDA": bad})
    clean = EventStudy(StudySpec()).fit(events, prices)
    out = results.outcomes.set_index("event_id")
    assert out.loc["hit", "outcome"] == "gap_in_event_window"
    assert "2025-06-02" in str(out.loc["hit", "reason"])
    assert out.loc["clear", "outcome"] == "ok"
    car = results.cars.set_index(["event_id", "window"]).loc[("clear", "-1:1"), "car"]
    ref = clean.cars.set_index(["event_id", "window"]).loc[("clear", "-1:1"), "car"]
    assert car == pytest.approx(ref, abs=0.005)  # two estimation returns fewer, nothing else


@pytest.mark.shared
def test_a_close_of_1e300_in_the_cache_is_a_suspect_price(
    run_cli: RunCli, prices_dir: Path, tmp_path: Path
) -> None:
    cache = CachedSource(YahooSource(), tmp_path / "cache", offline=True)
    now = dt.datetime.now(dt.UTC)
    for symbol in ("NVDA", "SPY"):
        frame = read_price_csv(prices_dir / f"{symbol}.csv")
        if symbol == "NVDA":
            frame.loc["2025-06-02", ["close", "adj_close"]] = 1e300
        covered = (frame.index[0].date(), frame.index[-1].date())
        cache.store(IMPORT_SOURCE, symbol, frame, covered, Provenance("csv:test", now, None, "test"))
    events = tmp_path / "events.csv"
    events.write_text("event_id,ticker,date\nhit,NVDA,2025-06-03\nclear,NVDA,2025-11-03\n", encoding="utf-8")
    out = tmp_path / "out"
    done = run_cli("study", str(events), "--offline", "--cache", str(tmp_path / "cache"), "--out", str(out))
    assert done.code == 0, done
    outcomes = pd.read_csv(out / "outcomes.csv").set_index("event_id")
    assert outcomes.loc["hit", "outcome"] == "suspect_prices"
    assert "NVDA 2025-06-02: adjusted close" in str(outcomes.loc["hit", "reason"])
    assert outcomes.loc["clear", "outcome"] == "ok"
