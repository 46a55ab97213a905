"""The bulk path of "read prices" (a folder of CSV files read into one PriceBlock) against one by one.

``fetch_prices`` on a :class:`CsvDirSource` reads every symbol at once (``histories``, cold or warm Parquet
cache) and finds the suspect prices over all of them at once (``suspect_segments``). It must give exactly
what asking the source symbol by symbol gives: the same series (values, dates, unit, names), the same
``unavailable`` reasons, the same suspect sessions, and the same error raised at the same symbol.
"""

from __future__ import annotations

import datetime as dt
import math
import shutil
from pathlib import Path
from unittest.mock import ANY, Mock

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dealstudy.data import DataSources, csv_dir
from dealstudy.data.bulk import CACHE_MIN_FILES, PriceBlock
from dealstudy.data.csv_dir import CsvDirSource, CsvSharesSource
from dealstudy.data.sanity import SuspectPrice, suspect_prices, suspect_segments
from dealstudy.data.source import PriceHistory
from dealstudy.errors import SnapshotError
from dealstudy.pipeline.study import fetch_prices

N_PLAIN = 36  # plain tickers, so that with the odd ones the folder is above CACHE_MIN_FILES
N_DAYS = 420
START, END = dt.date(2022, 3, 1), dt.date(2023, 6, 30)


class OneByOne:
    """A source's per-symbol path only: no ``histories``, no ``preload``."""

    def __init__(self, source: CsvDirSource) -> None:
        self.name = source.name
        self._source = source

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        return self._source.history(symbol, start, end)


def _sources(prices: object) -> DataSources:
    return DataSources(
        prices=prices, shares=CsvSharesSource("/nonexistent"), factors_dir=None, description=""
    )  # type: ignore[arg-type]


def _write(
    path: Path, dates: pd.DatetimeIndex, close: np.ndarray, adj: np.ndarray, rng: np.random.Generator
) -> None:
    frame = pd.DataFrame(
        {
            "date": dates.strftime("%Y-%m-%d"),
            "open": close * (1 + rng.normal(0, 0.003, len(dates))),
            "high": close * 1.01,
            "low": close * 0.99,
            "close": close,
            "adj_close": adj,
            "volume": rng.integers(0, 10**7, len(dates)).astype(float),
        }
    )
    frame.loc[rng.random(len(dates)) < 0.03, ["open", "volume"]] = np.nan
    frame.to_csv(path, index=False)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded folder: plain tickers (some starting late, some with gaps), a jump (JMP), a bad tick that
    comes back (REV), a close adjusted for a split the adjusted close lacks (RAT), a file outside the range
    (OLD), a malformed file (BAD) and a file that only the precise reader accepts (PRE)."""
    root = tmp_path_factory.mktemp("bulkprices") / "prices"
    root.mkdir()
    rng = np.random.default_rng(15)
    days = pd.bdate_range("2022-01-03", periods=N_DAYS)
    for k in range(N_PLAIN):
        keep = np.sort(rng.choice(N_DAYS, N_DAYS - int(rng.integers(0, 30)), replace=False))
        dates = days[keep][int(rng.integers(0, 60)) :]
        close = rng.uniform(5, 500) * np.cumprod(1 + rng.normal(0.0003, 0.02, len(dates)))
        _write(root / f"S{k:02d}.csv", dates, close, close * rng.uniform(0.9, 1.0), rng)
    close = 50 * np.cumprod(1 + rng.normal(0, 0.01, N_DAYS))
    jump = close.copy()
    jump[200:] *= 3.0
    _write(root / "JMP.csv", days, jump, jump, rng)
    rev = close.copy()
    rev[250] *= 1.8
    _write(root / "REV.csv", days, rev, rev * 0.97, rng)
    unadjusted = close.copy()
    unadjusted[300:] *= 1.5  # close moves, adj_close does not: close/adj_close breaks
    _write(root / "RAT.csv", days, unadjusted, close, rng)
    _write(root / "OLD.csv", pd.bdate_range("2019-01-01", periods=50), close[:50], close[:50], rng)
    _write(root / "BAD.csv", days, close, close, rng)
    lines = (root / "BAD.csv").read_text().splitlines()
    lines[10] = "2022-13-01" + lines[10][10:]
    (root / "BAD.csv").write_text("\n".join(lines) + "\n")
    _write(root / "PRE.csv", days, close * 1.1, close, rng)
    lines = (root / "PRE.csv").read_text().splitlines()
    lines[0] = lines[0].upper()  # the column-wise reader declines the header, the precise one lowers it
    (root / "PRE.csv").write_text("\n".join(lines) + "\n")
    return root


def _copy(folder: Path, tmp_path: Path) -> Path:
    out = tmp_path / "prices"
    shutil.copytree(folder, out)
    return out


def _wanted(folder: Path) -> list[str]:
    """Every good file's symbol, plus a missing file, an invalid symbol, one with spaces and a repeat."""
    names = sorted(p.stem for p in folder.glob("*.csv") if p.stem != "BAD")
    return ["S03", *names, "NOPE", "../up", " S01 ", "S03", "MKT"]


def _assert_same(bulk: tuple, one: tuple, sus_bulk: dict, sus_one: dict) -> None:  # type: ignore[type-arg]
    (prices_b, unavailable_b), (prices_o, unavailable_o) = bulk, one
    assert list(prices_b) == list(prices_o)
    for symbol, series in prices_o.items():
        got = prices_b[symbol]
        pd.testing.assert_series_equal(got, series, check_freq=False)
        assert got.index.dtype == series.index.dtype, symbol
        assert got.index.name == series.index.name, symbol
        assert got.to_numpy().tobytes() == series.to_numpy().tobytes(), symbol
    assert unavailable_b == unavailable_o
    assert sus_bulk == sus_one
    assert [[s.describe(k) for s in v] for k, v in sus_bulk.items()] == [
        [s.describe(k) for s in v] for k, v in sus_one.items()
    ]


def _both(folder: Path, symbols: list[str], cache: Path | None) -> None:
    sus_b: dict[str, list[SuspectPrice]] = {}
    sus_o: dict[str, list[SuspectPrice]] = {}
    bulk = fetch_prices(_sources(CsvDirSource(folder, cache_dir=cache)), symbols, START, END, sus_b)
    one = fetch_prices(_sources(OneByOne(CsvDirSource(folder))), symbols, START, END, sus_o)
    _assert_same(bulk, one, sus_b, sus_o)


def test_bulk_equals_one_by_one_without_cache_cold_and_warm(folder: Path, tmp_path: Path) -> None:
    symbols = _wanted(folder)
    assert len(set(symbols)) > CACHE_MIN_FILES
    _both(folder, symbols, None)
    _both(folder, symbols, tmp_path / "cache")  # cold: parses and writes the cache
    assert len(list((tmp_path / "cache").rglob("prices.parquet"))) == 1
    _both(folder, symbols, tmp_path / "cache")  # warm


def test_what_the_bulk_path_finds(folder: Path, tmp_path: Path) -> None:
    """The folder's odd files come out as designed (so the comparisons above compare something)."""
    suspects: dict[str, list[SuspectPrice]] = {}
    source = CsvDirSource(folder, cache_dir=tmp_path / "cache")
    prices, unavailable = fetch_prices(_sources(source), _wanted(folder), START, END, suspects)
    assert {k: [s.kind for s in v] for k, v in suspects.items()} == {
        "JMP": ["jump"],
        "REV": ["reversal"],
        "RAT": ["ratio_break"],
    }
    assert sorted(unavailable) == ["../up", "MKT", "NOPE", "OLD"]
    assert unavailable["OLD"].startswith(f"{folder / 'OLD.csv'}: no rows for OLD in {START}..{END}")
    assert unavailable["NOPE"] == f"no price file for symbol 'NOPE' in {folder} (looked for NOPE.csv)"
    assert prices["PRE"].index[0] == pd.Timestamp(START)
    assert prices[" S01 "].equals(prices["S01"])
    first = pd.Timestamp(START)
    assert all(s.index[0] >= first and s.index[-1] <= pd.Timestamp(END) for s in prices.values())


def test_a_malformed_file_raises_the_same_error_at_the_same_symbol(folder: Path, tmp_path: Path) -> None:
    symbols = _wanted(folder)
    symbols.insert(5, "BAD")
    errors = []
    for source in (CsvDirSource(folder, cache_dir=tmp_path / "cache"), OneByOne(CsvDirSource(folder))):
        with pytest.raises(SnapshotError) as info:
            fetch_prices(_sources(source), symbols, START, END, {})
        errors.append(str(info.value))
    assert (
        errors[0]
        == errors[1]
        == f"{folder / 'BAD.csv'}: line 11: unparseable date '2022-13-01' (expected YYYY-MM-DD)"
    )
    assert fetch_prices(_sources(CsvDirSource(folder)), ["NOPE"], START, END) == ({}, {"NOPE": ANY})


def test_a_file_changed_between_runs_is_read_again(
    folder: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prices = _copy(folder, tmp_path)
    cache = tmp_path / "cache"
    symbols = _wanted(prices)
    _both(prices, symbols, cache)
    path = prices / "S04.csv"
    lines = path.read_text().splitlines()
    row = len(lines) // 2
    cells = lines[row].split(",")
    cells[4], cells[5] = f"{float(cells[4]) * 4!r}", f"{float(cells[5]) * 4!r}"  # a bad tick, close and adj
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    spy = Mock(wraps=csv_dir.parse_price_columns)
    monkeypatch.setattr(csv_dir, "parse_price_columns", spy)
    suspects: dict[str, list[SuspectPrice]] = {}
    fetch_prices(_sources(CsvDirSource(prices, cache_dir=cache)), symbols, START, END, suspects)
    assert [call.args[1].stem for call in spy.call_args_list] == ["S04"]  # the others from the cache
    assert [s.kind for s in suspects["S04"]] == ["reversal"]
    _both(prices, symbols, cache)


def test_a_cache_whose_table_cannot_be_read_is_parsed_around(folder: Path, tmp_path: Path) -> None:
    """The cache lists every file but its table lacks the columns: the files are parsed, same result."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    cache = tmp_path / "cache"
    symbols = _wanted(folder)
    _both(folder, symbols, cache)
    (table_path,) = cache.rglob("prices.parquet")
    meta = pq.read_schema(table_path).metadata
    broken = pa.table({"symbol": pa.array(["x"])}).replace_schema_metadata(meta)
    pq.write_table(broken, table_path)
    source = CsvDirSource(folder, cache_dir=cache)
    assert source._cache is not None
    assert len(source._cache.index()) > CACHE_MIN_FILES
    _both(folder, symbols, cache)


def test_a_symbol_already_read_one_by_one_comes_from_its_frame(folder: Path) -> None:
    source = CsvDirSource(folder)
    source.history("S02", START, END)
    block = source.histories(["S02", "S05"], START, END, ("adj_close",))
    assert block.symbols == ("S02", "S05")
    for symbol in block.symbols:
        expected = source.history(symbol, START, END).frame["adj_close"]
        assert block.series(symbol).equals(expected)


def test_block_dates_take_the_finest_unit() -> None:
    us = np.array(["2024-01-02", "2024-01-03"], dtype="datetime64[us]")
    ns = np.array(["2024-01-04"], dtype="datetime64[ns]")
    block = PriceBlock.of(
        [("A", us, {"adj_close": [1.0, 2.0]}), ("B", ns, {"adj_close": [3.0]})], ["adj_close"], {}
    )
    assert block.dates.dtype == np.dtype("datetime64[ns]")
    assert block.offsets.tolist() == [0, 2, 3]
    assert block.series("B").index[0] == pd.Timestamp("2024-01-04")
    assert block.series("A").tolist() == [1.0, 2.0]
    with pytest.raises(KeyError):
        block.rows("C")


def test_real_prices_bulk_equals_one_by_one(prices_dir: Path, tmp_path: Path) -> None:
    """Every file of the shared snapshot, over its whole span and over a narrow range."""
    symbols = CsvDirSource(prices_dir).symbols()
    assert symbols
    first = min(CsvDirSource(prices_dir).frame(s).index[0] for s in symbols).date()
    last = max(CsvDirSource(prices_dir).frame(s).index[-1] for s in symbols).date()
    for start, end in ((first, last), (last - dt.timedelta(days=40), last)):
        for cache in (None, tmp_path / "cache", tmp_path / "cache"):
            sus_b: dict[str, list[SuspectPrice]] = {}
            sus_o: dict[str, list[SuspectPrice]] = {}
            bulk = fetch_prices(
                _sources(CsvDirSource(prices_dir, cache_dir=cache)), symbols, start, end, sus_b
            )
            one = fetch_prices(_sources(OneByOne(CsvDirSource(prices_dir))), symbols, start, end, sus_o)
            _assert_same(bulk, one, sus_b, sus_o)
            assert len(bulk[0]) + len(bulk[1]) == len(symbols)
    assert len(list((tmp_path / "cache").rglob("prices.parquet"))) == (len(symbols) >= CACHE_MIN_FILES)


# ---------------------------------------------------------------------------- suspect checks, all at once


def _segment(rng: np.random.Generator, n: int, with_close: bool) -> tuple[np.ndarray, np.ndarray]:
    moves = rng.normal(0, 0.03, n)
    big = rng.random(n) < 0.12
    moves[big] = rng.choice([-1.5, -0.9, -0.6, 0.45, 0.7, 1.1, 2.0], big.sum()) * rng.uniform(
        0.9, 1.1, big.sum()
    )
    back = np.flatnonzero(rng.random(n) < 0.08)
    moves[back[back + 1 < n] + 1] = -moves[back[back + 1 < n]] * rng.uniform(0.8, 1.0)  # reversals
    adj = 40 * np.exp(np.cumsum(moves))
    adj[rng.random(n) < 0.06] = np.nan
    adj[rng.random(n) < 0.03] = rng.choice([0.0, -1.0, np.inf])
    ratio = np.exp(np.cumsum(np.where(rng.random(n) < 0.06, rng.choice([-0.7, 0.5, 0.1]), 0.0)))
    close = adj * ratio * 1.02
    close[rng.random(n) < 0.05] = np.nan
    return adj, close if with_close else np.full(n, np.nan)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n_segments=st.integers(0, 8), with_close=st.booleans())
def test_suspect_segments_equal_suspect_prices_of_each_symbol(
    seed: int, n_segments: int, with_close: bool
) -> None:
    rng = np.random.default_rng(seed)
    frames = []
    for _ in range(n_segments):
        n = int(rng.choice([0, 1, 2, 3, int(rng.integers(4, 60))]))
        adj, close = _segment(rng, n, with_close)
        dates = pd.bdate_range(
            pd.Timestamp("2020-01-01") + pd.Timedelta(days=int(rng.integers(0, 400))), periods=n
        )
        columns = {"adj_close": adj, "close": close} if with_close else {"adj_close": adj}
        frames.append(pd.DataFrame(columns, index=pd.DatetimeIndex(dates, name="date").as_unit("us")))
    expected = {k: found for k, f in enumerate(frames) if (found := suspect_prices(f))}
    offsets = np.cumsum([0, *(len(f) for f in frames)])
    empty = np.array([], dtype=float)
    adj_all = np.concatenate([f["adj_close"].to_numpy() for f in frames]) if frames else empty
    close_all = np.concatenate([f["close"].to_numpy() for f in frames]) if with_close and frames else None
    dates_all = np.concatenate([f.index.to_numpy() for f in frames]) if frames else np.array([], "M8[us]")
    assert suspect_segments(dates_all, offsets, adj_all, close_all) == expected


def test_suspect_segments_never_compare_two_symbols() -> None:
    """The last price of one symbol and the first of the next are far apart: no change is taken there."""
    dates = np.array(["2024-01-02", "2024-01-03", "2024-01-02", "2024-01-03"], dtype="datetime64[us]")
    adj = np.array([10.0, 10.5, 100.0, 101.0])
    close = np.array([10.0, 10.5, 30.0, 30.3])
    assert suspect_segments(dates, np.array([0, 2, 4]), adj, close) == {}
    jump = suspect_segments(dates, np.array([0, 4]), adj, close)
    assert [(s.date, s.kind, round(s.size, 6)) for s in jump[0]] == [
        (pd.Timestamp("2024-01-02"), "jump", round(math.expm1(math.log(100.0 / 10.5)), 6))
    ]
