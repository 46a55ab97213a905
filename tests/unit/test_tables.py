"""Result tables as CSV or Parquet (``dealstudy._tables``): same columns and values, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy import _csv_fast, _tables
from dealstudy._tables import PartitionedParquetWriter, read_table, write_table


def _frame(n: int = 50, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "date": pd.bdate_range("2024-01-01", periods=n),
            "ar": rng.normal(0, 0.02, n),
            "n": rng.integers(0, 9, n),
            "in_window": rng.random(n) < 0.5,
        }
    )


def test_csv_is_pandas_text_with_iso_dates(tmp_path: Path) -> None:
    frame = _frame()
    path = write_table(tmp_path, "t", frame, "csv")
    expected = frame.assign(date=frame["date"].dt.strftime("%Y-%m-%d")).to_csv(
        index=False, lineterminator="\n"
    )
    assert path.name == "t.csv"
    assert path.read_text(encoding="utf-8") == expected


def test_parquet_keeps_columns_and_values_in_row_groups(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import pyarrow.parquet as pq

    monkeypatch.setattr(_tables, "ROW_GROUP_ROWS", 7)  # streamed in slices of 7 rows
    frame = _frame()
    path = write_table(tmp_path, "t", frame, "parquet")
    assert path.name == "t.parquet"
    assert pq.ParquetFile(path).num_row_groups == 8
    back = read_table(path)
    pd.testing.assert_frame_equal(back, frame, check_dtype=False)
    assert back["ar"].to_numpy().tobytes() == frame["ar"].to_numpy().tobytes()  # bit for bit
    assert [p.name for p in tmp_path.iterdir()] == ["t.parquet"]  # no temporary left


def test_parquet_object_columns_typed_from_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A column missing in the whole first row group (a nullable bool such as ``confounded``) and a column of
    mixed values are written, not refused: the first as bools with nulls, the second as text."""
    monkeypatch.setattr(_tables, "ROW_GROUP_ROWS", 3)
    frame = pd.DataFrame(
        {
            "confounded": [None, None, None, True, False, None, True],
            "mixed": ["a", 1.5, None, "b", 2, "c", float("nan")],
            "x": np.arange(7, dtype=float),
        }
    )
    back = read_table(write_table(tmp_path, "t", frame, "parquet"))

    def values(column: pd.Series) -> list[object]:
        return [None if pd.isna(v) else v for v in column]

    assert values(back["confounded"]) == [None, None, None, True, False, None, True]
    assert values(back["mixed"]) == ["a", "1.5", None, "b", "2", "c", None]
    assert back["x"].tolist() == frame["x"].tolist()


def test_partitioned_parquet_is_one_dataset(tmp_path: Path) -> None:
    frame = _frame(30)
    with PartitionedParquetWriter(tmp_path, "abnormal_returns") as writer:
        for lo in range(0, 30, 8):
            writer.write(frame.iloc[lo : lo + 8])
    assert writer.parts == 4
    assert writer.rows == 30
    folder = tmp_path / "abnormal_returns"
    assert sorted(p.name for p in folder.iterdir()) == [f"part-{i:05d}.parquet" for i in range(4)]
    pd.testing.assert_frame_equal(read_table(folder), frame, check_dtype=False)


def test_partitioned_parquet_failure_keeps_the_previous_folder(tmp_path: Path) -> None:
    with PartitionedParquetWriter(tmp_path, "ar") as writer:
        writer.write(_frame(5))

    def killed() -> None:
        with PartitionedParquetWriter(tmp_path, "ar") as writer:
            writer.write(_frame(9))
            raise RuntimeError("killed mid-way")

    with pytest.raises(RuntimeError):
        killed()
    assert len(read_table(tmp_path / "ar")) == 5
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ar"]


def _pandas_text(frame: pd.DataFrame) -> str:
    return str(frame.to_csv(index=False, lineterminator="\n"))


@pytest.mark.parametrize("chunk", [3, 100_000])
def test_fast_csv_writer_writes_pandas_bytes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    monkeypatch.setattr(_tables, "CSV_CHUNK_ROWS", chunk)
    rng = np.random.default_rng(11)
    n = 40
    values = rng.normal(0, 1, n) * 10.0 ** rng.integers(-300, 300, n)
    values[:6] = [np.nan, -0.0, np.inf, -np.inf, 1e16, 0.1 + 0.2]
    frame = pd.DataFrame(
        {
            "event_id": [f"e{i}" for i in range(n)],
            "event_time": rng.integers(-10, 11, n),
            "x": values,
            "flag": rng.random(n) < 0.5,
            "empty": [""] * n,
        }
    )
    assert _csv_fast.column_kinds(frame) == ["str", "int", "float", "bool", "str"]
    path = write_table(tmp_path, "t", frame, "csv")
    assert path.read_text(encoding="utf-8") == _pandas_text(frame)


def _every_magnitude(n: int, seed: int) -> np.ndarray:
    """``n`` doubles of every decade from 1e-320 to 1e300, whole numbers, short decimals, the edges of
    orjson's odd range ``[1e-9, 1e-4)`` (see ``dealstudy._csv_fast``), non-finite values, zero and the
    extremes."""
    rng = np.random.default_rng(seed)
    with np.errstate(over="ignore"):
        values = rng.uniform(1, 10, n) * 10.0 ** rng.integers(-320, 301, n) * rng.choice([-1.0, 1.0], n)
    values[::3] = np.round(values[::3])  # whole numbers (repr adds ".0")
    values[1::7] = np.round(values[1::7], 2)
    values[5::11] = rng.uniform(-1, 1, len(values[5::11])) * 10.0 ** rng.integers(-10, -3, len(values[5::11]))
    values[6::13] = 10.0 ** rng.integers(-10, -3, len(values[6::13]))  # one digit: 1e-05 (no ".")
    edges = [1e-9, 1e-5, 1e-4, 1e10, 1e16]
    values[2:23] = [f(e, d) for e in edges for f, d in ((np.nextafter, 0), (np.nextafter, np.inf))] + [
        *edges,
        0.0,
        -0.0,
        5e-324,
        1.7976931348623157e308,
        np.nan,
        np.inf,
    ]
    values[23] = -np.inf
    return values


@pytest.mark.parametrize("last", [False, True])
def test_float_text_is_repr_at_every_magnitude(tmp_path: Path, last: bool) -> None:
    """Floats are ``repr`` at every magnitude (orjson's text where it is ``repr``'s, rewritten where it is
    not, see ``dealstudy._csv_fast``), in the middle of a row and as its last cell, against pandas' bytes
    (the reference) for 60,000 values in chunks of 7,000 rows."""
    n = 60_000
    values = _every_magnitude(n, 5)
    frame = pd.DataFrame({"who": ["é", "b"] * (n // 2), "x": values, "y": -values})
    if last:
        frame = frame[["y", "who", "x"]]
    kinds = _csv_fast.column_kinds(frame)
    assert kinds is not None
    path = tmp_path / "t.csv"
    with open(path, "wb") as handle:
        _csv_fast.write_plain_csv(handle, frame, kinds, 7_000)
    assert path.read_bytes() == _pandas_text(frame).encode("utf-8")


def test_float_cells_fall_back_to_repr_when_orjson_writes_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first call checks orjson's text against ``repr``; a formatter that writes doubles otherwise (here
    Arrow's cast, ``1`` for ``1.0``) is caught, and the cells are then ``repr``'s."""
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc

    values = _every_magnitude(3_000, 9)
    expected = [("" if v != v else repr(v)) + "," for v in values.tolist()]
    _csv_fast._orjson_is_repr.cache_clear()
    try:
        assert _csv_fast._orjson_is_repr()
        assert _csv_fast.float_cells(values, ",").to_pylist() == expected

        def arrow_text(data: np.ndarray, option: int = 0) -> bytes:
            text = pc.cast(pa.array(data), pa.string()).to_pylist()
            return ("[" + ",".join(text) + "]").encode()

        monkeypatch.setattr(orjson, "dumps", arrow_text)
        _csv_fast._orjson_is_repr.cache_clear()
        assert not _csv_fast._orjson_is_repr()
        assert _csv_fast.float_cells(values, "\n").to_pylist() == [v[:-1] + "\n" for v in expected]
    finally:
        _csv_fast._orjson_is_repr.cache_clear()


@pytest.mark.parametrize(
    "column",
    [
        pd.array([1, None], dtype="Int64"),
        ["carriage\rreturn", "c"],
        pd.to_datetime(["2025-01-02", None]).tz_localize("UTC"),
        [1, "mixed"],
    ],
)
def test_tables_the_fast_writer_leaves_to_pandas(tmp_path: Path, column: object) -> None:
    frame = pd.DataFrame({"v": [1.5, 2.5], "c": column})
    assert _csv_fast.column_kinds(frame) is None
    path = write_table(tmp_path, "t", frame, "csv")
    assert path.read_bytes() == _pandas_text(_tables.dates_to_text(frame)).encode("utf-8")


def test_dates_of_any_unit_and_range_are_written_as_pandas_writes_them(tmp_path: Path) -> None:
    days = pd.Series(np.array(["1600-03-01", "2262-04-12", "3000-01-31", "NaT"], dtype="datetime64[s]"))
    frame = pd.DataFrame({"day": days, "n": np.arange(4)})
    assert _csv_fast.column_kinds(frame) == ["date", "int"]
    path = write_table(tmp_path, "t", frame, "csv")
    assert path.read_bytes() == _pandas_text(_tables.dates_to_text(frame)).encode("utf-8")
    assert path.read_text(encoding="utf-8").splitlines()[1:] == [
        "1600-03-01,0",
        "2262-04-12,1",
        "3000-01-31,2",
        ",3",
    ]


@pytest.mark.parametrize("dtype", [object, "str"])
def test_text_and_dates_are_written_as_pandas_writes_them(tmp_path: Path, dtype: object) -> None:
    """Text with separators, quotes, line breaks, missing values and accents, and dates with missing ones:
    the fast writer's bytes against pandas' (the reference), on random rows in chunks of 37."""
    rng = np.random.default_rng(3)
    n = 500
    alphabet = np.array(list('ab ,"\né;'), dtype=object)
    words = ["".join(rng.choice(alphabet, int(rng.integers(0, 6)))) for _ in range(n)]
    text = pd.Series([None if rng.random() < 0.1 else w for w in words], dtype=dtype)
    days = pd.Series(pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 2000, n), unit="D"))
    days[rng.random(n) < 0.1] = pd.NaT
    days[:3] = pd.to_datetime(["1969-12-31 13:45:00", "1900-02-28 23:59:59", "2024-02-29 00:00:01"])
    frame = pd.DataFrame({"id": np.arange(n), "text": text, "day": days, "x": rng.normal(size=n)})
    assert _csv_fast.column_kinds(frame) == ["int", "str", "date", "float"]
    path = tmp_path / "t.csv"
    with open(path, "wb") as handle:
        _csv_fast.write_plain_csv(handle, frame, ["int", "str", "date", "float"], 37)
    assert path.read_bytes() == _pandas_text(_tables.dates_to_text(frame)).encode("utf-8")
    assert write_table(tmp_path, "w", frame, "csv").read_bytes() == path.read_bytes()


@pytest.mark.parametrize("dtype", [object, "str"])
def test_text_needing_quotes_in_one_late_chunk_only(tmp_path: Path, dtype: object) -> None:
    """Plain ids everywhere but one late row with a separator, one with a quote and one with a line break:
    the chunks holding them are quoted as pandas quotes them, whatever part of the column a chunk views."""
    n = 200
    ids = [f"E{i:06d}" for i in range(n)]
    ids[150], ids[171], ids[198] = "E,150", 'E"171', "E\n198"
    frame = pd.DataFrame({"event_id": pd.Series(ids, dtype=dtype), "x": np.arange(n) / 7.0})
    path = tmp_path / "t.csv"
    with open(path, "wb") as handle:
        _csv_fast.write_plain_csv(handle, frame, ["str", "float"], 10)
    assert path.read_bytes() == _pandas_text(frame).encode("utf-8")
    assert b'"E,150"' in path.read_bytes()


def test_special_characters_are_found_in_the_viewed_values_only() -> None:
    """The byte search looks at the values an Arrow slice views, not the whole buffer it shares."""
    import pyarrow as pa

    text = pa.array(["a,b", "plain", "x\ry", "ok", 'q"'] + [f"id{i}" for i in range(20)])
    assert _csv_fast._holds_any(text, _csv_fast._SPECIAL_BYTES)
    assert not _csv_fast._holds_any(text.slice(5), _csv_fast._SPECIAL_BYTES)
    assert not _csv_fast._holds_any(text.slice(3, 1), _csv_fast._SPECIAL_BYTES)
    assert _csv_fast._holds_any(text.slice(2, 1), (b"\r",))
    assert not _csv_fast._holds_any(text.slice(0, 2), (b"\r",))
    assert not _csv_fast._holds_any(text.slice(4, 0), _csv_fast._SPECIAL_BYTES)
