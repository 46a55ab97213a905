"""CSV inputs: a finite-number overflow or a header-only file gives one precise message (file, line,
column) and exit 2 or 3, never a traceback; nothing is imported from a folder with a bad file."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from tests.conftest import WriteCloses

from dealstudy.cli import main
from dealstudy.data.factors import load_factors
from dealstudy.errors import SnapshotError

N_DAYS = 320


def _run(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run the console entry point in this process: (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["dealstudy", *args])
    code = 0
    try:
        main()
    except SystemExit as exc:
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return code, err


def _study(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    return _run(monkeypatch, capsys, "study", str(folder / "events.csv"), "--prices", str(folder / "prices"))


@pytest.fixture
def folder(tmp_path: Path, write_closes: WriteCloses) -> Path:
    """A snapshot folder: SPY and AAA over 320 sessions, and an events file on AAA."""
    rng = np.random.default_rng(14)
    dates = pd.bdate_range("2023-01-02", periods=N_DAYS)
    prices = tmp_path / "prices"
    prices.mkdir()
    for symbol in ("SPY", "AAA"):
        write_closes(prices, symbol, dates, 100 * np.cumprod(1 + rng.normal(0, 0.01, N_DAYS)))
    (tmp_path / "events.csv").write_text(f"event_id,ticker,date\ne1,AAA,{dates[300].date()}\n")
    return tmp_path


def _edit(path: Path, line: int, column: str, value: str) -> None:
    """Set ``column`` on 1-based file ``line`` of a CSV written by pandas."""
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[header.index(column)] = value
    lines[line - 1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("close", "1e300", "line 7: close 1e+300 is out of range (at most 1e+12"),
        ("adj_close", "1e999", "line 7: non-numeric adj_close '1e999'"),  # overflows to inf when parsed
        ("volume", "1e300", "line 7: volume 1e+300 is out of range (at most 1e+18"),
        ("open", "-1e300", "line 7: non-positive open -1e+300"),
    ],
)
def test_study_price_overflow_is_a_precise_message(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    column: str,
    value: str,
    message: str,
) -> None:
    path = folder / "prices" / "AAA.csv"
    _edit(path, 7, column, value)
    code, err = _study(folder, monkeypatch, capsys)
    assert code == 3
    assert f"error: {path}: {message}" in err


def test_study_header_only_price_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    path = folder / "prices" / "AAA.csv"
    path.write_text("date,open,high,low,close,adj_close,volume\n")
    code, err = _study(folder, monkeypatch, capsys)
    assert code == 3
    assert f"error: {path}: line 2: no data rows after the header (the file has a header only)" in err


def test_study_header_only_events_file(
    folder: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    events = folder / "events.csv"
    events.write_text("event_id,ticker,date\n")
    code, err = _run(monkeypatch, capsys, "study", str(events), "--prices", str(folder / "prices"))
    assert code == 2
    assert f"{events}: no events (only a header)" in err


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("AAA.csv", "date,open,high,low,close,adj_close,volume\n", "line 2: no data rows after the header"),
        ("AAA.csv", None, "line 9: close 1e+300 is out of range"),
        ("shares_outstanding.csv", "symbol,as_of,shares,source\n", "line 2: no data rows after the header"),
        (
            "shares_outstanding.csv",
            "symbol,as_of,shares,source\nAAA,2023-01-02,1e300,10-K\n",
            "line 2: shares 1e+300 is out of range (at most 1e+14",
        ),
    ],
)
def test_prices_import_refuses_and_imports_nothing(
    folder: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str | None,
    message: str,
) -> None:
    path = folder / "prices" / name
    if text is None:
        _edit(path, 9, "close", "1e300")
    else:
        path.write_text(text)
    cache = folder / "cache"
    code, err = _run(monkeypatch, capsys, "prices", "import", str(folder / "prices"), "--cache", str(cache))
    assert code == 3
    assert "nothing imported" in err
    assert f"{path}: {message}" in err
    assert not cache.exists() or not any(p.is_file() for p in cache.rglob("*.csv"))


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("1e300", "line 3: factor value 1e300 in column smb is out of range"),
        ("inf", "line 3: missing or non-numeric factor value 'inf' in column smb"),
    ],
)
def test_factor_overflow_names_line_and_column(tmp_path: Path, cell: str, message: str) -> None:
    path = tmp_path / "ff_factors_daily.csv"
    path.write_text(
        "date,mkt_rf,smb,hml,rf\n2025-10-01,0.5,0.1,-0.2,0.01\n"
        f"2025-10-02,0.4,{cell},0.3,0.01\n2025-10-03,-0.3,0.2,0.1,0.01\n"
    )
    with pytest.raises(SnapshotError) as info:
        load_factors(path, "ff3")
    assert str(info.value).startswith(f"{path}: {message}")


def test_header_only_factor_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "ff_factors_daily.csv"
    path.write_text("date,mkt_rf,smb,hml,rf\n")
    with pytest.raises(SnapshotError, match="a header alone has no rows") as info:
        load_factors(path, "ff3")
    assert str(info.value).startswith(str(path))
