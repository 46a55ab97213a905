"""Price folders read in bulk: column-wise parsing, parallel files, the Parquet cache of parsed folders.

The bulk path must give exactly what reading each file the precise (string) way gives: same frames bit for
bit, same error messages, and a study on a seeded panel writes byte-identical CSV files.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dealstudy.cli import app
from dealstudy.data import csv_dir
from dealstudy.data.csv_dir import CsvDirSource, validate_price_frame
from dealstudy.data.csv_schema import read_strings
from dealstudy.errors import SnapshotError

N_TICKERS = 40  # above CACHE_MIN_FILES, so the cache is used
N_DAYS = 330


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A seeded folder of 40 tickers and SPY written by pandas (odd spreads, some empty open/volume cells),
    and an events file of 120 events."""
    root = tmp_path_factory.mktemp("bulk")
    prices = root / "prices"
    prices.mkdir()
    rng = np.random.default_rng(2026)
    dates = pd.bdate_range("2022-03-01", periods=N_DAYS)
    market = 300 * np.cumprod(1 + rng.normal(0.0002, 0.011, N_DAYS))
    symbols = ["SPY", *(f"S{i:02d}" for i in range(N_TICKERS))]
    for k, symbol in enumerate(symbols):
        beta = 0.5 + k / N_TICKERS
        r = beta * np.r_[0, np.diff(market) / market[:-1]] + rng.standard_t(4, N_DAYS) * 0.01
        close = rng.uniform(5, 900) * np.cumprod(1 + r)
        frame = pd.DataFrame(
            {
                "date": dates.strftime("%Y-%m-%d"),
                "open": close * (1 + rng.normal(0, 0.003, N_DAYS)),
                "high": close * 1.01,
                "low": close * 0.99,
                "close": close,
                "adj_close": close * 0.98,
                "volume": rng.integers(0, 10**7, N_DAYS).astype(float),
            }
        )
        frame.loc[rng.random(N_DAYS) < 0.02, ["open", "volume"]] = np.nan
        frame.to_csv(prices / f"{symbol}.csv", index=False)
    days = rng.integers(260, N_DAYS - 12, 120)
    tickers = rng.integers(0, N_TICKERS, 120)
    pd.DataFrame(
        {
            "event_id": [f"e{i:03d}" for i in range(120)],
            "ticker": [f"S{t:02d}" for t in tickers],
            "date": dates[days].strftime("%Y-%m-%d"),
        }
    ).to_csv(root / "events.csv", index=False)
    return root


def _precise(path: Path) -> pd.DataFrame:
    return validate_price_frame(read_strings(path), str(path))


def _same(a: pd.DataFrame, b: pd.DataFrame) -> bool:
    return (
        a.index.equals(b.index)
        and a.index.dtype == b.index.dtype
        and list(a.columns) == list(b.columns)
        and all(a[c].to_numpy().tobytes() == b[c].to_numpy().tobytes() for c in a.columns)
    )


def test_bulk_frames_equal_the_precise_reading_bit_for_bit(panel: Path, tmp_path: Path) -> None:
    source = CsvDirSource(panel / "prices", cache_dir=tmp_path / "cache")
    symbols = source.symbols()
    source.preload(symbols)
    for symbol in symbols:
        assert _same(source.frame(symbol), _precise(source.path_for(symbol))), symbol
    again = CsvDirSource(panel / "prices", cache_dir=tmp_path / "cache")
    again.preload(symbols)  # from the cache now
    for symbol in symbols:
        assert _same(again.frame(symbol), _precise(source.path_for(symbol))), symbol


def _copy(panel: Path, tmp_path: Path) -> Path:
    folder = tmp_path / "prices"
    folder.mkdir()
    for path in (panel / "prices").iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    return folder


def test_cache_serves_unchanged_files_and_reparses_changed_ones(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = _copy(panel, tmp_path)
    cache = tmp_path / "cache"
    first = CsvDirSource(folder, cache_dir=cache)
    first.preload(first.symbols())
    assert len(list(cache.rglob("prices.parquet"))) == 1
    parsed: list[str] = []
    real = csv_dir.parse_price_columns

    def counting(data: bytes, path: Path) -> dict[str, np.ndarray]:
        parsed.append(path.stem)
        return real(data, path)

    monkeypatch.setattr(csv_dir, "parse_price_columns", counting)
    second = CsvDirSource(folder, cache_dir=cache)
    second.preload(second.symbols())
    assert parsed == []  # everything from the cache
    # change one file's content (same size and mtime would still differ by hash) and touch another
    path = folder / "S03.csv"
    text = path.read_text().splitlines()
    cells = text[5].split(",")
    cells[4] = f"{float(cells[4]) * 1.5!r}"
    text[5] = ",".join(cells)
    path.write_text("\n".join(text) + "\n")
    stat = (folder / "S07.csv").stat()
    os.utime(folder / "S07.csv", ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))
    third = CsvDirSource(folder, cache_dir=cache)
    third.preload(third.symbols())
    assert sorted(parsed) == ["S03", "S07"]
    assert _same(third.frame("S03"), _precise(path))
    assert third.frame("S03")["close"].iloc[4] == pytest.approx(1.5 * first.frame("S03")["close"].iloc[4])


def test_corrupt_cache_is_ignored(panel: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    first = CsvDirSource(panel / "prices", cache_dir=cache)
    first.preload(first.symbols())
    (cache_file,) = cache.rglob("prices.parquet")
    cache_file.write_bytes(b"PAR1 not parquet")
    second = CsvDirSource(panel / "prices", cache_dir=cache)
    second.preload(second.symbols())
    assert _same(second.frame("S01"), _precise(panel / "prices" / "S01.csv"))


def test_a_malformed_file_is_reported_when_used_with_the_precise_message(panel: Path, tmp_path: Path) -> None:
    folder = _copy(panel, tmp_path)
    bad = folder / "S05.csv"
    lines = bad.read_text().splitlines()
    lines[10] = lines[10].replace(lines[10].split(",")[0], "2022-13-01")
    bad.write_text("\n".join(lines) + "\n")
    source = CsvDirSource(folder, cache_dir=tmp_path / "cache")
    source.preload(source.symbols())  # no error yet: S05 is not used
    assert len(source.frame("S06")) == N_DAYS
    with pytest.raises(SnapshotError) as info:
        source.history("S05", dt.date(2022, 1, 1), dt.date(2024, 1, 1))
    assert str(info.value) == f"{bad}: line 11: unparseable date '2022-13-01' (expected YYYY-MM-DD)"


def test_study_outputs_byte_identical_to_the_precise_path(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def study(out: Path) -> dict[str, bytes]:
        args = ["study", str(panel / "events.csv"), "--prices", str(panel / "prices"), "--out", str(out)]
        result = CliRunner().invoke(app, [*args, "--market", "SPY", "--cache", str(tmp_path / "cache")])
        assert result.exit_code == 0, result.output
        return {p.name: p.read_bytes() for p in sorted(out.iterdir())}

    bulk_first = study(tmp_path / "bulk1")  # column-wise, fills the cache
    bulk_cached = study(tmp_path / "bulk2")  # from the cache
    assert list((tmp_path / "cache").rglob("prices.parquet"))
    monkeypatch.setattr(csv_dir, "parse_fast", lambda data, schema: None)  # every file the precise way
    monkeypatch.setenv("DEALSTUDY_NO_PARSED_CACHE", "1")
    precise = study(tmp_path / "precise")
    assert len(precise) == 4
    assert bulk_first == precise
    assert bulk_cached == precise


@pytest.mark.parametrize("units", [("us", "ns"), ("ns", "ns"), ("s", "us")])
@pytest.mark.parametrize("names", [("date", "date"), ("date", None)])
@pytest.mark.parametrize("within", [False, True, "empty", "outside"])
def test_union_reindex_equals_pandas(
    units: tuple[str, str], names: tuple[str | None, str | None], within: bool | str
) -> None:
    """Against pandas' union and reindex: extra dates inside and beyond the series' range, every extra date
    already a row (``True``), none, or all after the series' last date."""
    from dealstudy.pipeline.study import union_reindex

    rng = np.random.default_rng(5)
    days = pd.bdate_range("2024-01-01", periods=300)
    own = days[np.sort(rng.choice(300, 280, replace=False))]
    series = pd.Series(rng.normal(size=280), index=pd.DatetimeIndex(own, name=names[0]).as_unit(units[0]))
    series.iloc[3] = np.nan
    chosen = {
        False: days[5:290],
        True: own[10:200],
        "empty": days[:0],
        "outside": pd.bdate_range("2025-06-02", periods=5),
    }
    extra = pd.DatetimeIndex(chosen[within], name=names[1]).as_unit(units[1])
    expected = series.reindex(pd.DatetimeIndex(series.index).union(extra))
    got = union_reindex(series, extra)
    pd.testing.assert_series_equal(got, expected, check_freq=False)
    assert got.index.dtype == expected.index.dtype
    assert got.index.name == expected.index.name
    assert got.to_numpy().tobytes() == expected.to_numpy().tobytes()


@pytest.mark.parametrize("case", ["nat_first", "nat_inside", "unsorted", "duplicated", "single", "empty"])
def test_union_reindex_equals_pandas_on_unusual_indexes(case: str) -> None:
    """Indexes that are not sorted, unique and without NaT take pandas' own union (same result)."""
    from dealstudy.pipeline.study import union_reindex

    days = pd.bdate_range("2024-01-01", periods=30).as_unit("us")
    values = np.arange(30, dtype=np.float64)
    index = {
        "nat_first": days.insert(0, pd.NaT)[:30],
        "nat_inside": days.insert(7, pd.NaT)[:30],
        "unsorted": days[::-1],
        "duplicated": days.insert(5, days[5])[:30],
        "single": days[:30],
        "empty": days[:0],
    }[case]
    series = pd.Series(values[: len(index)], index=index)
    if case == "single":
        series = series.iloc[4:5]
    extra = pd.bdate_range("2023-12-20", periods=40).as_unit("ns")
    try:
        expected = series.reindex(pd.DatetimeIndex(series.index).union(extra))
    except ValueError as exc:  # pandas cannot reindex on duplicates: neither can union_reindex
        with pytest.raises(type(exc)):
            union_reindex(series, extra)
        return
    got = union_reindex(series, extra)
    pd.testing.assert_series_equal(got, expected, check_freq=False)
    assert got.index.dtype == expected.index.dtype
    assert got.to_numpy().tobytes() == expected.to_numpy().tobytes()


def test_union_reindex_out_of_the_finer_units_range_raises_as_pandas() -> None:
    """A date beyond the range of the finer unit: pandas' error, not wrapped-around integers."""
    from dealstudy.pipeline.study import union_reindex

    index = pd.DatetimeIndex(np.array(["2024-01-02", "2500-01-03"], dtype="datetime64[s]"))
    series = pd.Series([1.0, 2.0], index=index)
    extra = pd.bdate_range("2024-01-01", periods=3).as_unit("ns")
    with pytest.raises(pd.errors.OutOfBoundsDatetime):
        series.reindex(index.union(extra))
    with pytest.raises(pd.errors.OutOfBoundsDatetime):
        union_reindex(series, extra)


def _reads_of(folder: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the files of ``folder`` whose bytes are read from now on."""
    reads: list[str] = []
    real = Path.read_bytes

    def counting(self: Path) -> bytes:
        if self.parent == folder:
            reads.append(self.stem)
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", counting)
    return reads


def test_cache_trusts_unchanged_stat_and_reads_changed_files(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file whose size, times and inode are unchanged is served without being read; one rewritten with
    the same size and its old modification time (``cp -p``, ``touch -d``) is caught by its change time."""
    from dealstudy.data import parsed_cache

    monkeypatch.setattr(parsed_cache, "RACY_NS", 0)  # files written just now count as settled here
    folder = _copy(panel, tmp_path)
    cache = tmp_path / "cache"
    first = CsvDirSource(folder, cache_dir=cache)
    first.preload(first.symbols())
    reads = _reads_of(folder, monkeypatch)
    second = CsvDirSource(folder, cache_dir=cache)
    second.preload(second.symbols())
    assert reads == []
    assert _same(second.frame("S03"), first.frame("S03"))
    # same size, same mtime, other bytes: one digit swapped for another
    path = folder / "S03.csv"
    stat = path.stat()
    lines = path.read_text().splitlines()
    cells = lines[5].split(",")
    digit = cells[4][0]
    cells[4] = ("2" if digit != "2" else "3") + cells[4][1:]
    lines[5] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    reads.clear()
    third = CsvDirSource(folder, cache_dir=cache)
    third.preload(third.symbols())
    assert reads == ["S03"]
    assert _same(third.frame("S03"), _precise(path))
    assert not _same(third.frame("S03"), first.frame("S03"))


def test_files_modified_just_before_they_were_read_are_always_hashed(
    panel: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Within RACY_NS of its last change a file could change again unseen by its timestamps: such files are
    read and hashed on every run (and still not parsed while their bytes match)."""
    folder = _copy(panel, tmp_path)  # written just now
    cache = tmp_path / "cache"
    CsvDirSource(folder, cache_dir=cache).preload(sorted(p.stem for p in folder.iterdir()))
    reads = _reads_of(folder, monkeypatch)
    parsed: list[str] = []
    real = csv_dir.parse_price_columns
    monkeypatch.setattr(
        csv_dir, "parse_price_columns", lambda data, path: parsed.append(path.stem) or real(data, path)
    )
    again = CsvDirSource(folder, cache_dir=cache)
    again.preload(again.symbols())
    assert sorted(reads) == sorted(p.stem for p in folder.iterdir())
    assert parsed == []


def test_file_key_trusts_only_a_settled_identical_stat(tmp_path: Path) -> None:
    """FileKey.unchanged: every stat field must match and the file must have settled before it was read; a
    file that changed while it was read is never trusted."""
    from dealstudy.data.parsed_cache import RACY_NS, FileKey

    path = tmp_path / "f.csv"
    path.write_bytes(b"date,close\n")
    st = path.stat()
    late = st.st_mtime_ns + RACY_NS + 1
    key = FileKey.of(path, path.read_bytes(), late, st)
    assert key.unchanged(path.stat())
    assert not FileKey.of(path, path.read_bytes(), st.st_mtime_ns + RACY_NS // 2, st).unchanged(path.stat())
    moved = tmp_path / "g.csv"
    moved.write_bytes(b"date,close\n")
    os.replace(moved, path)  # another inode (and change time) under the same name
    assert not key.unchanged(path.stat())
    changed_while_read = FileKey.of(path, b"date,close\n", late, st)  # ``before`` is another file's stat
    assert changed_while_read.read_ns == 0
    assert not changed_while_read.unchanged(path.stat())
