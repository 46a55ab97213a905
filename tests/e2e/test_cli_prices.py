"""``dealstudy prices``: through the console script's ``main()`` and the installed entry point."""

from __future__ import annotations

import datetime as dt
import json
import socket
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog import Deal, Security, deal_to_yaml
from dealstudy.cli import main

ENTRY_POINT = Path(sys.executable).parent / "dealstudy"


def _dates(path: Path) -> pd.Series:
    return pd.to_datetime(pd.read_csv(path, usecols=["date"])["date"]).dt.date


def _first_date(path: Path) -> dt.date:
    return _dates(path).min()


def _last_date(path: Path) -> dt.date:
    return _dates(path).max()


def _rows(path: Path) -> int:
    return len(_dates(path))


def _deal(deal_id: str, announced: dt.date, *securities: Security) -> Deal:
    return Deal(
        id=deal_id,
        title=f"Deal {deal_id}",
        announced=announced,
        timing="pre_market",
        counterparty="OpenAI",
        kind="cloud_contract",
        binding_status="definitive_contract",
        securities=securities,
        sources=("https://example.com/a",),
        headline_value_usd=1e10,
        binding_value_usd=1e10,
        binding_basis="Signed.",
    )  # type: ignore[call-arg]


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "events"
    folder.mkdir()
    deals = (
        _deal("amd-openai", dt.date(2025, 10, 6), Security("AMD", "provider", "XNAS")),
        _deal(
            "stargate",
            dt.date(2025, 1, 22),
            Security("ORCL", "provider", "XNYS"),
            Security("9984.T", "buyer", "XTKS"),
        ),
        _deal("oklo-deal", dt.date(2025, 9, 9), Security("OKLO", "provider", "XNYS")),
    )
    for item in deals:
        (folder / f"{item.id}.yaml").write_text(deal_to_yaml(item))
    return folder


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Any attempt to open a connection fails the test."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    import dealstudy.data.yahoo as yahoo

    monkeypatch.setattr(yahoo, "_yfinance_download", refuse)


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "argv", ["dealstudy", *args])
    monkeypatch.delenv("DEALSTUDY_PRICES_DIR", raising=False)
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.shared
@pytest.mark.usefixtures("no_network")
def test_status_on_shared_snapshot_reports_catalog_tickers_and_spy(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, prices_dir: Path, catalog: Path
) -> None:
    code, out, err = run(
        capsys, monkeypatch, "prices", "status", "--prices", str(prices_dir), "--catalog", str(catalog)
    )
    assert code == 0, err
    lines = {line.split()[1]: line for line in out.splitlines() if line.startswith("│")}
    for symbol in ("AMD", "ORCL", "9984.T", "SPY", "QQQ", "SMH", "JPY=X"):
        assert symbol in lines
    assert "2025-10-06" not in lines["AMD"]  # coverage, not prices
    assert "catalog" in lines["AMD"]
    assert "ok" in lines["AMD"]  # 2024-09 .. 2025-11 is covered
    # 9984.T needs history from 400 days before Stargate (2025-01-22): whether the snapshot covers it is read
    # from the snapshot itself, never pinned (the shared data grows).
    first = _first_date(prices_dir / "9984.T.csv")
    assert ("needs" in lines["9984.T"]) == (first > dt.date(2025, 1, 22) - dt.timedelta(days=400))
    assert str(_rows(prices_dir / "SPY.csv")) in lines["SPY"]
    assert "1 (2025-09-19)" in lines["005930.KS"]
    assert "no data for: OKLO" in out


@pytest.mark.shared
@pytest.mark.usefixtures("no_network")
def test_status_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, prices_dir: Path, catalog: Path
) -> None:
    code, out, _ = run(
        capsys,
        monkeypatch,
        "prices",
        "status",
        "--prices",
        str(prices_dir),
        "--catalog",
        str(catalog),
        "--format",
        "json",
    )
    assert code == 0
    data = json.loads(out)
    by_symbol = {r["symbol"]: r for r in data["symbols"]}
    assert data["no_data"] == ["OKLO"]
    assert by_symbol["SPY"]["rows"] == _rows(prices_dir / "SPY.csv")
    assert by_symbol["SPY"]["first"] == _first_date(prices_dir / "SPY.csv").isoformat()
    assert by_symbol["AMD"]["covers_needed"] is True
    assert by_symbol["AMD"]["needed"] == ["2024-09-01", "2025-11-05"]
    softbank = by_symbol["9984.T"]
    first, last = _first_date(prices_dir / "9984.T.csv"), _last_date(prices_dir / "9984.T.csv")
    expected = first <= dt.date.fromisoformat(softbank["needed"][0]) and last >= dt.date.fromisoformat(
        softbank["needed"][1]
    )
    assert softbank["covers_needed"] is expected
    assert by_symbol["000660.KS"]["missing_sessions"] == ["2025-09-19"]
    # reactions: per catalog security, what it serves and what it cannot, with the study's reason
    assert (by_symbol["AMD"]["served"], by_symbol["AMD"]["reactions"]) == (1, 1)
    assert by_symbol["AMD"]["cannot_serve"] == []
    oklo = by_symbol["OKLO"]["cannot_serve"]
    assert [(r["event_id"], r["outcome"]) for r in oklo] == [("oklo-deal:OKLO", "no_prices")]
    assert "OKLO" in oklo[0]["reason"]
    assert "reactions" not in by_symbol["SPY"]  # benchmarks have no reactions of their own


@pytest.mark.shared
@pytest.mark.usefixtures("no_network")
def test_show_prints_known_closes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, prices_dir: Path
) -> None:
    code, out, err = run(
        capsys,
        monkeypatch,
        "prices",
        "show",
        "AMD",
        "--start",
        "2025-10-01",
        "--end",
        "2025-10-07",
        "--prices",
        str(prices_dir),
    )
    assert code == 0, err
    assert "164.6700" in out
    assert "203.7100" in out
    assert "source: csv:" in out
    code, out, _ = run(
        capsys,
        monkeypatch,
        "prices",
        "show",
        "AMD",
        "--start",
        "2025-10-03",
        "--end",
        "2025-10-06",
        "--prices",
        str(prices_dir),
        "--format",
        "csv",
    )
    assert code == 0
    assert out.splitlines() == [
        "date,open,high,low,close,adj_close,volume",
        "2025-10-03,170.68,170.68,163.14,164.67,164.67,42699100.0",
        "2025-10-06,226.45,226.71,203.01,203.71,203.71,248859600.0",
    ]


@pytest.mark.usefixtures("no_network")
def test_unknown_symbol_exits_3_with_message(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, _, err = run(
        capsys, monkeypatch, "prices", "show", "NOPE", "--prices", str(tmp_path), "--start", "2025-01-01"
    )
    assert code == 3
    assert f"error: no price file for symbol 'NOPE' in {tmp_path}" in err


@pytest.mark.shared
@pytest.mark.usefixtures("no_network")
def test_import_then_offline_status_and_show(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    prices_dir: Path,
    catalog: Path,
    tmp_path: Path,
) -> None:
    cache = tmp_path / "cache"
    code, out, err = run(capsys, monkeypatch, "prices", "import", str(prices_dir), "--cache", str(cache))
    assert code == 0, err
    n_price_files = sum(1 for f in prices_dir.glob("*.csv") if f.name != "shares_outstanding.csv")
    assert f"imported {n_price_files} symbol(s)" in out
    assert (cache / "shares_outstanding.csv").is_file()
    assert (cache / "factors" / "ff_factors_daily.csv").is_file()
    code, out, err = run(
        capsys,
        monkeypatch,
        "prices",
        "status",
        "--cache",
        str(cache),
        "--catalog",
        str(catalog),
        "--format",
        "json",
    )
    assert code == 0, err
    data = json.loads(out)
    by_symbol = {r["symbol"]: r for r in data["symbols"]}
    assert by_symbol["AMD"]["source"] == "cache:import"
    assert by_symbol["AMD"]["rows"] == 854
    code, out, err = run(
        capsys,
        monkeypatch,
        "prices",
        "show",
        "AMD",
        "--offline",
        "--cache",
        str(cache),
        "--start",
        "2025-10-06",
        "--end",
        "2025-10-06",
        "--format",
        "csv",
    )
    assert code == 0, err
    assert out.splitlines()[1].startswith("2025-10-06,226.45,226.71,203.01,203.71")
    code, _, err = run(
        capsys,
        monkeypatch,
        "prices",
        "fetch",
        "AMD",
        "--offline",
        "--cache",
        str(cache),
        "--start",
        "2022-06-01",
        "--end",
        "2022-07-01",
    )
    assert code == 3
    assert "lacks AMD for 2022-06-01..2022-07-01" in err


def test_import_rejects_bad_file_with_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    snap = tmp_path / "snap"
    snap.mkdir()
    (snap / "AAA.csv").write_text(
        "date,open,high,low,close,adj_close,volume\n2025-01-02,1,1,1,1,1,1\n2025-01-02,1,1,1,1,1,1\n"
    )
    code, _, err = run(capsys, monkeypatch, "prices", "import", str(snap), "--cache", str(tmp_path / "c"))
    assert code == 3
    assert f"{snap / 'AAA.csv'}: line 3: duplicate date 2025-01-02 (first at line 2)" in err
    assert not (tmp_path / "c" / "manifest.json").exists()


@pytest.mark.parametrize("command", ["fetch", "status", "show", "import"])
def test_help_shows_an_example(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    code, out, _ = run(capsys, monkeypatch, "prices", command, "--help")
    assert code == 0
    assert "Example: dealstudy prices" in out


def test_entry_point_runs_prices_help() -> None:
    done = subprocess.run(
        [str(ENTRY_POINT), "prices", "--help"], capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    assert "Example: dealstudy prices status" in done.stdout


class FakeYahoo:
    """Stands in for yfinance: ``Ticker.history``-shaped frames for any weekday range."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dt.date, dt.date]] = []

    def __call__(self, symbol: str, start: dt.date, end: dt.date, session: object) -> pd.DataFrame:
        self.calls.append((symbol, start, end))
        days = pd.bdate_range(start, end - dt.timedelta(days=1), name="Date").tz_localize("America/New_York")
        close = np.linspace(100.0, 120.0, len(days))
        return pd.DataFrame(
            {
                "Open": close,
                "High": close + 1,
                "Low": close - 1,
                "Close": close,
                "Adj Close": close,
                "Volume": 1e6,
                "Dividends": 0.0,
                "Stock Splits": 0.0,
            },
            index=days,
        )


def test_fetch_default_symbols_from_catalog_into_cache(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, catalog: Path, tmp_path: Path
) -> None:
    import dealstudy.data.yahoo as yahoo

    fake = FakeYahoo()
    monkeypatch.setattr(yahoo, "_yfinance_download", fake)
    cache = tmp_path / "cache"
    code, out, err = run(
        capsys, monkeypatch, "prices", "fetch", "--catalog", str(catalog), "--cache", str(cache)
    )
    assert code == 0, err
    fetched = {call[0]: call for call in fake.calls}
    assert set(fetched) == {
        "AMD",
        "ORCL",
        "9984.T",
        "OKLO",
        "SPY",
        "QQQ",
        "SMH",
        "XLK",
        "^N225",
        "^KS11",
        "JPY=X",
        "KRW=X",
    }
    # AMD: 2025-10-06 - 400 days = 2024-09-01 (a Sunday) .. + 30 days, end exclusive
    assert fetched["AMD"][1:] == (dt.date(2024, 9, 2), dt.date(2025, 11, 6))
    # benchmarks span the whole catalog: Stargate 2025-01-22 - 400 days = 2023-12-19
    assert fetched["SPY"][1] == dt.date(2023, 12, 19)
    assert "AMD" in out
    assert err == ""  # no progress bar when stderr is not a terminal
    fake.calls.clear()
    code, _, err = run(
        capsys, monkeypatch, "prices", "fetch", "AMD", "--catalog", str(catalog), "--cache", str(cache)
    )
    assert code == 0, err
    assert fake.calls == []  # served from the cache
