"""The analyze pipeline on a synthetic catalog and synthetic price snapshots (no shared data needed)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog import write_deal
from dealstudy.catalog.schema import Deal, Security
from dealstudy.data import open_sources
from dealstudy.data.calendars import sessions
from dealstudy.economy import DEAL_VALUE_COLUMNS
from dealstudy.pipeline.analysis_files import write_analysis
from dealstudy.pipeline.analyze import analyze
from dealstudy.pipeline.catalog_events import catalog_events
from dealstudy.study import StudySpec

STUDY_FILES = ("outcomes.csv", "abnormal_returns.csv", "cars.csv", "aggregate.csv")


@pytest.fixture(scope="module")
def world(
    tmp_path_factory: pytest.TempPathFactory, write_closes: Callable[..., pd.Series]
) -> dict[str, object]:
    def _prices(
        folder: Path, symbol: str, dates: pd.DatetimeIndex, returns: np.ndarray, start: float
    ) -> pd.Series:
        return write_closes(folder, symbol, dates, start * np.cumprod(1 + returns))

    rng = np.random.default_rng(7)
    root = tmp_path_factory.mktemp("analyze")
    prices = root / "prices"
    prices.mkdir()
    us = sessions("XNYS", "2024-06-03", "2025-12-31")
    tokyo = sessions("XTKS", "2024-06-03", "2025-12-31")
    m_us = rng.normal(0.0004, 0.01, len(us))
    m_jp = rng.normal(0.0003, 0.012, len(tokyo))
    _prices(prices, "SPY", us, m_us, 500.0)
    _prices(prices, "^N225", tokyo, m_jp, 38000.0)
    day0 = us.get_loc(pd.Timestamp("2025-10-06"))
    r_aaa = 0.0002 + 1.2 * m_us + rng.normal(0, 0.012, len(us))
    r_aaa[day0] += 0.10  # the planted reaction
    closes = {"AAA": _prices(prices, "AAA", us, r_aaa, 100.0)}
    _prices(prices, "BBB", us, 0.9 * m_us + rng.normal(0, 0.01, len(us)), 50.0)
    closes["9999.T"] = _prices(prices, "9999.T", tokyo, 1.1 * m_jp + rng.normal(0, 0.01, len(tokyo)), 3000.0)
    weekdays = pd.bdate_range("2024-06-03", "2025-12-31")
    fx = pd.DataFrame(
        {
            "date": weekdays.strftime("%Y-%m-%d"),
            "open": "",
            "high": "",
            "low": "",
            "close": 150.0 + np.arange(len(weekdays)) * 0.01,
            "adj_close": 0.0,
            "volume": "",
        }
    )
    fx["adj_close"] = fx["close"]
    fx.to_csv(prices / "JPY=X.csv", index=False)
    pd.DataFrame(
        [
            {"symbol": "AAA", "as_of": "2025-06-30", "shares": 1e9, "source": "synthetic cover"},
            {"symbol": "9999.T", "as_of": "2025-03-31", "shares": 2e9, "source": "synthetic"},
        ]
    ).to_csv(prices / "shares_outstanding.csv", index=False)
    catalog = root / "events"
    catalog.mkdir()
    deals = [
        Deal(
            id="aaa-deal",
            title="AAA signs",
            announced=dt.date(2025, 10, 6),
            timing="pre_market",
            counterparty="OpenAI",
            kind="chip_supply",
            binding_status="contract_with_options",
            securities=(Security("AAA", "supplier", "XNAS"), Security("BBB", "read-across", "XNYS")),
            sources=("https://example.com/a",),
            headline_value_usd=50e9,
            binding_value_usd=20e9,
            binding_basis="signed",
            duration_years=5,
        ),
        Deal(
            id="jp-deal",
            title="Tokyo partner",
            announced=dt.date(2025, 10, 9),
            timing="after_close",
            counterparty="OpenAI",
            kind="partnership",
            binding_status="non_binding_loi",
            securities=(Security("9999.T", "partner", "XTKS"), Security("ZZZ", "partner", "XNAS")),
            sources=("https://example.com/b",),
            headline_value_usd=10e9,
            binding_value_usd=0.0,
            binding_basis="LOI",
        ),
    ]
    for deal in deals:
        write_deal(catalog, deal)
    sources = open_sources(prices=prices)
    spec = StudySpec(min_obs=100)
    results = analyze(catalog, sources, spec, models=("market_adjusted", "ff3"), bootstrap_reps=99)
    out = root / "out"
    paths = write_analysis(results, out)
    return {"results": results, "out": out, "paths": paths, "closes": closes, "catalog": catalog}


def test_events_day0_and_benchmarks(world: dict[str, object]) -> None:
    results = world["results"]
    events = results.events.set_index("event_id")  # type: ignore[attr-defined]
    assert list(results.events["event_id"]) == [
        "aaa-deal:AAA",
        "jp-deal:9999.T",
        "jp-deal:ZZZ",  # type: ignore[attr-defined]
        "aaa-deal:BBB",
    ]  # direct parties first
    assert events.loc["aaa-deal:AAA", "day0"] == pd.Timestamp("2025-10-06")
    # after the New York close on Thursday 9 Oct (reference: the first security, Tokyo) -> next Tokyo session
    assert events.loc["jp-deal:9999.T", "day0"] == pd.Timestamp("2025-10-10")
    assert events.loc["jp-deal:9999.T", "market"] == "^N225"
    assert events.loc["aaa-deal:AAA", "market"] == "SPY"
    assert events.loc["aaa-deal:BBB", "group"] == "contract_with_options"


def test_dollar_values_and_outcomes(world: dict[str, object]) -> None:
    results = world["results"]
    closes = world["closes"]
    values = results.economy.valuations  # type: ignore[attr-defined]
    row = values[(values["event_id"] == "aaa-deal:AAA") & (values["window"] == "-1:1")].iloc[0]
    ars = results.study.abnormal_returns.set_index(["event_id", "event_time"])  # type: ignore[attr-defined]
    aaa = closes["AAA"]  # type: ignore[index]
    pos = aaa.index.get_loc(pd.Timestamp("2025-10-06"))
    hand = sum(float(ars.loc[("aaa-deal:AAA", t), "ar"]) * aaa.iloc[pos + t - 1] * 1e9 for t in (-1, 0, 1))
    assert row["abnormal_value_usd"] == pytest.approx(hand, rel=1e-9)
    assert row["market_cap_usd"] == pytest.approx(aaa.iloc[pos - 1] * 1e9, rel=1e-12)
    assert row["abnormal_value_usd"] > 0.08 * row["market_cap_usd"]  # the planted +10%
    assert row["press_release_multiple"] == pytest.approx(hand / 50e9, rel=1e-9)
    outcomes = dict(zip(values["event_id"], values["outcome"], strict=False))
    assert outcomes["jp-deal:ZZZ"] == "no_prices"
    assert outcomes["aaa-deal:BBB"] == "no_shares"
    jp = values[(values["event_id"] == "jp-deal:9999.T") & (values["window"] == "-1:1")].iloc[0]
    assert jp["outcome"] == "ok"
    assert jp["currency"] == "JPY"
    assert jp["market_cap_usd"] == pytest.approx(jp["market_cap_local"] / jp["fx_rate_m1"], rel=1e-12)
    assert "ff3" in results.skipped_models  # type: ignore[attr-defined]  # no factor files in the snapshot
    assert "market_adjusted" in results.alternatives  # type: ignore[attr-defined]


def test_written_files_follow_the_contract(world: dict[str, object]) -> None:
    import subprocess
    import sys

    out = world["out"]
    assert isinstance(out, Path)
    for name in STUDY_FILES:
        assert (out / name).exists()
    table = pd.read_csv(out / "deal_values.csv")
    assert tuple(table.columns) == DEAL_VALUE_COLUMNS
    windows = len(world["results"].study.spec.windows)  # type: ignore[attr-defined]
    assert len(table) == 4 * windows  # every listed security of every deal, every window
    for row in table.to_dict("records"):
        has_value = isinstance(row["abnormal_value_usd"], float) and math.isfinite(row["abnormal_value_usd"])
        assert has_value or (row["outcome"] != "ok" and isinstance(row["reason"], str) and row["reason"])
    checker = Path(__file__).resolve().parents[3] / "shared" / "tools" / "check_outputs.py"
    if checker.exists():
        done = subprocess.run(
            [sys.executable, str(checker), str(out)], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout
    for name in (
        "regressions.csv",
        "regression_summaries.txt",
        "ledger.csv",
        "revisions.csv",
        "aggregates.csv",
        "exclusions.csv",
    ):
        assert (out / name).exists(), name
    assert list(pd.read_csv(out / "regressions.csv").columns) == [
        "model",
        "term",
        "coef",
        "se",
        "t",
        "p",
        "n",
        "r2",
    ]


def test_catalog_events_needs_a_security(tmp_path: Path) -> None:
    from dealstudy.catalog import load_catalog
    from dealstudy.errors import SpecificationError

    write_deal(
        tmp_path,
        Deal(
            id="nothing-listed",
            title="t",
            announced=dt.date(2025, 3, 10),
            timing="unknown",
            counterparty="OpenAI",
            kind="cloud_contract",
            binding_status="definitive_contract",
            securities=(),
            sources=("https://example.com",),
            notes="private parties only",
        ),
    )
    with pytest.raises(SpecificationError, match="no deal lists a security"):
        catalog_events(load_catalog(tmp_path))


def test_cli_cov_choices_match_the_economy_layer() -> None:
    from typing import get_args

    from dealstudy.cli.analyze import COV_TYPES
    from dealstudy.economy.regressions import CovType

    assert get_args(CovType) == COV_TYPES


def test_month_precision_deal_is_listed_but_not_studied(world: dict[str, object], tmp_path: Path) -> None:
    import shutil

    from dealstudy.catalog import load_catalog

    catalog = tmp_path / "events"
    shutil.copytree(world["catalog"], catalog)  # type: ignore[arg-type]
    text = (catalog / "aaa-deal.yaml").read_text().replace("id: aaa-deal", "id: aaa-may")
    text = text.replace("announced: 2025-10-06", 'announced: "2025-05"').replace(
        "timing: pre_market", "timing: unknown"
    )
    (catalog / "aaa-may.yaml").write_text(text)
    events = catalog_events(load_catalog(catalog)).set_index("event_id")
    assert not events.loc["aaa-may:AAA", "studied"]
    assert pd.isna(events.loc["aaa-may:AAA", "day0"])
    assert "day unknown" in events.loc["aaa-may:AAA", "day0_rule"]
    assert events.loc["aaa-deal:AAA", "studied"]
