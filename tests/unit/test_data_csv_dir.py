"""The CSV snapshot source: real shared files and malformed files rejected with file and line."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.data.csv_dir import CsvDirSource, CsvSharesSource
from dealstudy.data.source import PRICE_COLUMNS, PriceSource, SharesSource
from dealstudy.errors import MissingDataError, SnapshotError

D = dt.date
HEADER = "date,open,high,low,close,adj_close,volume\n"
GOOD = [
    "2025-10-01,10,11,9,10.5,10.4,1000\n",
    "2025-10-02,10.5,11,10,10.8,10.7,1200\n",
    "2025-10-03,10.8,11.2,10.6,11,10.9,900\n",
]


def _write(folder: Path, symbol: str, text: str) -> Path:
    path = folder / f"{symbol}.csv"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.shared
def test_known_rows_of_the_shared_snapshot(prices_dir: Path) -> None:
    source = CsvDirSource(prices_dir)
    assert isinstance(source, PriceSource)
    assert source.name == f"csv:{prices_dir}"
    amd = source.history("AMD", D(2025, 10, 1), D(2025, 10, 7))
    frame = amd.frame
    assert list(frame.columns) == list(PRICE_COLUMNS)
    assert frame.index.name == "date"
    assert frame.index.tz is None
    assert frame.loc["2025-10-06", "close"] == pytest.approx(203.71, abs=1e-9)
    assert frame.loc["2025-10-03", "close"] == pytest.approx(164.67, abs=1e-9)
    assert frame.loc["2025-10-06", "close"] / frame.loc["2025-10-03", "close"] - 1 == pytest.approx(
        0.2371, abs=5e-5
    )
    assert [d.date() for d in frame.index] == [
        D(2025, 10, 1),
        D(2025, 10, 2),
        D(2025, 10, 3),
        D(2025, 10, 6),
        D(2025, 10, 7),
    ]
    assert amd.provenance.source == f"csv:{prices_dir}"
    assert "AMD.csv" in (amd.provenance.detail or "")
    orcl = source.history("ORCL", D(2025, 9, 9), D(2025, 9, 10)).frame
    assert orcl["close"].tolist() == pytest.approx([241.51, 328.33])


@pytest.mark.shared
def test_every_shared_file_validates(prices_dir: Path) -> None:
    source = CsvDirSource(prices_dir)
    symbols = source.symbols()
    assert {"AMD", "SPY", "9984.T", "005930.KS", "^N225", "JPY=X"} <= set(symbols)
    assert "shares_outstanding" not in symbols
    rows = {s: len(source.frame(s)) for s in symbols}
    for symbol in ("SPY", "9984.T"):  # counted from the files, never pinned: the shared data grows
        assert rows[symbol] == len(pd.read_csv(prices_dir / f"{symbol}.csv", usecols=["date"]))
    smh = source.frame("SMH")
    assert np.isnan(smh.loc["2026-02-19", "open"])  # empty cells allowed outside close/adj_close
    assert smh.loc["2026-02-19", "close"] == pytest.approx(410.2)
    jpy = source.frame("JPY=X")
    assert jpy["volume"].isna().all()


@pytest.mark.shared
def test_shares_latest_on_or_before(prices_dir: Path) -> None:
    shares = CsvSharesSource(prices_dir / "shares_outstanding.csv")
    assert isinstance(shares, SharesSource)
    count = shares.shares_on("NVDA", D(2025, 9, 21))
    assert count is not None
    assert count.as_of == D(2025, 8, 22)
    assert count.shares == pytest.approx(24.3e9)
    assert "10-Q" in count.source
    assert shares.shares_on("NVDA", D(2025, 8, 22)).as_of == D(2025, 8, 22)  # type: ignore[union-attr]
    assert shares.shares_on("CRWV", D(2025, 9, 21)) is None
    assert shares.shares_on("NVDA", D(2020, 1, 1)) is None
    history = shares.history("NVDA")
    assert history.index.is_monotonic_increasing
    assert list(history.columns) == ["shares", "source"]


def test_unknown_symbol_names_symbol_and_directory(tmp_path: Path) -> None:
    source = CsvDirSource(tmp_path)
    with pytest.raises(MissingDataError, match=rf"no price file for symbol 'NOPE' in {tmp_path}"):
        source.history("NOPE", D(2025, 1, 1), D(2025, 2, 1))


def test_trailing_blank_lines_are_ignored(tmp_path: Path) -> None:
    _write(tmp_path, "ABC", HEADER + "".join(GOOD) + "\n\n")
    assert len(CsvDirSource(tmp_path).frame("ABC")) == 3


def test_range_without_rows_is_missing(tmp_path: Path) -> None:
    _write(tmp_path, "ABC", HEADER + "".join(GOOD))
    source = CsvDirSource(tmp_path)
    with pytest.raises(
        MissingDataError,
        match=r"no rows for ABC in 2024-01-01\.\.2024-02-01 \(the file covers 2025-10-01\.\.2025-10-03\)",
    ):
        source.history("ABC", D(2024, 1, 1), D(2024, 2, 1))
    assert len(source.history("ABC", D(2025, 10, 2), D(2025, 12, 1)).frame) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "date,open,high,low,adj_close,volume\n" + "2025-10-01,10,11,9,10.4,1000\n",
            "line 1: missing column(s) close (header must be date,open,high,low,close,adj_close,volume)",
        ),
        (
            HEADER + GOOD[0] + "2025/10/02,10.5,11,10,10.8,10.7,1200\n",
            "line 3: unparseable date '2025/10/02' (expected YYYY-MM-DD)",
        ),
        (HEADER + GOOD[0] + GOOD[1] + GOOD[1], "line 4: duplicate date 2025-10-02 (first at line 3)"),
        (
            HEADER + GOOD[0] + GOOD[2] + GOOD[1],
            "line 4: date 2025-10-02 comes after 2025-10-03 (dates must ascend)",
        ),
        (HEADER + GOOD[0] + "2025-10-02,10.5,11,10,-10.8,10.7,1200\n", "line 3: non-positive close -10.8"),
        (HEADER + GOOD[0] + GOOD[1] + "2025-10-03,10.8,11.2,0,11,10.9,900\n", "line 4: non-positive low 0.0"),
        (
            HEADER + GOOD[0] + "2025-10-02,10.5,11,10,NaN,10.7,1200\n",
            "line 3: close is empty or NaN (required on every row)",
        ),
        (
            HEADER + GOOD[0] + "2025-10-02,10.5,11,10,,10.7,1200\n",
            "line 3: close is empty or NaN (required on every row)",
        ),
        (HEADER + GOOD[0] + "2025-10-02,10.5,abc,10,10.8,10.7,1200\n", "line 3: non-numeric high 'abc'"),
        (HEADER + GOOD[0] + "2025-10-02,10.5,11,10,10.8,10.7,-5\n", "line 3: negative volume -5.0"),
        (HEADER + GOOD[0] + "\n" + GOOD[2], "line 3: unparseable date '' (expected YYYY-MM-DD)"),
        ("", "line 1: file is empty (expected a header line)"),
    ],
)
def test_bad_snapshot_rejected_with_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path, "BAD", text)
    source = CsvDirSource(tmp_path)
    with pytest.raises(SnapshotError) as info:
        source.history("BAD", D(2025, 1, 1), D(2025, 12, 31))
    assert str(info.value) == f"{path}: {message}"


def test_bad_shares_file_rejected_with_line(tmp_path: Path) -> None:
    path = tmp_path / "shares_outstanding.csv"
    path.write_text("symbol,as_of,shares,source\nAAA,2025-01-01,100,x\nAAA,2025-13-01,100,y\n")
    with pytest.raises(SnapshotError, match=r"line 3: unparseable as_of '2025-13-01'"):
        CsvSharesSource(path).shares_on("AAA", D(2025, 6, 1))
    path.write_text("symbol,as_of,shares,source\nAAA,2025-01-01,0,x\n")
    with pytest.raises(SnapshotError, match=r"line 2: non-positive shares 0\.0"):
        CsvSharesSource(path).shares_on("AAA", D(2025, 6, 1))


def test_missing_shares_file_means_no_counts(tmp_path: Path) -> None:
    assert CsvSharesSource(tmp_path / "absent.csv").shares_on("AAA", D(2025, 6, 1)) is None
