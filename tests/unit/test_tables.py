"""Result tables as CSV or Parquet (``dealstudy._tables``): same columns and values, atomic writes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy import _tables
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
    assert _tables._plain_cells(frame) == ["str", "int", "float", "bool", "str"]
    path = write_table(tmp_path, "t", frame, "csv")
    assert path.read_text(encoding="utf-8") == _pandas_text(frame)


@pytest.mark.parametrize(
    "column",
    [["a,b", "c"], ['say "x"', "c"], [None, "c"], ["line\nbreak", "c"], pd.array([1, None], dtype="Int64")],
)
def test_tables_that_need_quoting_or_missing_text_use_pandas(tmp_path: Path, column: object) -> None:
    frame = pd.DataFrame({"v": [1.5, 2.5], "c": column})
    assert _tables._plain_cells(frame) is None
    path = write_table(tmp_path, "t", frame, "csv")
    assert path.read_text(encoding="utf-8") == _pandas_text(frame)
