"""The data/*.json files: ``table_json`` writes, column by column, exactly the text of ``json.dumps`` on the
frame's records (indent 1, no ASCII escaping, NaN as null, ISO dates)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest

from dealstudy.report.build import _jsonable, table_json


def _reference(frame: pd.DataFrame) -> str:
    """The records through json.dumps (the writer's definition)."""
    records = [{str(k): _jsonable(v) for k, v in r.items()} for r in frame.to_dict("records")]
    return json.dumps(records, indent=1, ensure_ascii=False, allow_nan=False) + "\n"


def _mixed() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "float": [1.5, np.nan, np.inf, -0.1 + 0.2, 1e-300],
            "int": np.array([1, -2, 3, 0, 2**40], dtype=np.int64),
            "bool": [True, False, True, False, True],
            "text": ['a "quoted" word', "München — 3×", "line\nbreak\ttab", None, "\\ back"],
            "object": [np.float64(2.5), np.int64(7), np.bool_(True), float("nan"), dt.date(2025, 1, 2)],
            "stamp": pd.to_datetime(
                ["2025-01-02", None, "2025-03-04 10:30", "2025-12-31", "2024-02-29"], format="ISO8601"
            ),
            "nullable": pd.array([1, None, 3, 4, 5], dtype="Int64"),
            "category": pd.Categorical(["x", "y", "x", None, "y"]),
            "string": pd.array(["s", None, "t", "u", "ü"], dtype="string"),
        }
    )


def _dates() -> pd.DataFrame:
    """Datetime columns of several units, with times, NaT and a time zone."""
    stamps = pd.Series(
        pd.to_datetime(
            ["2025-01-02", None, "2025-03-04 10:30:15.25", "1999-12-31 00:00:01"], format="ISO8601"
        )
    )
    return pd.DataFrame(
        {
            "ns": stamps.astype("datetime64[ns]"),
            "s": stamps.astype("datetime64[s]"),
            "us": stamps.astype("datetime64[us]"),
            "utc": stamps.dt.tz_localize("UTC"),
            "dates_only": pd.to_datetime(["2024-02-29", "2025-01-01", None, "2000-06-30"]),
        }
    )


@pytest.mark.parametrize(
    "frame",
    [
        _mixed(),
        _dates(),
        _mixed().iloc[:0],
        pd.DataFrame(index=range(3)),
        pd.DataFrame(),
        pd.DataFrame([[1.0, "a"]], columns=[7, 'weird "name" é']),
    ],
    ids=["mixed", "dates", "no rows", "no columns", "empty", "odd names"],
)
def test_table_json_is_json_dumps_of_the_records(frame: pd.DataFrame) -> None:
    text = table_json(frame)
    assert text == _reference(frame)
    assert json.loads(text) == json.loads(_reference(frame))


def test_table_json_with_repeated_names_keeps_one_key_each() -> None:
    frame = pd.DataFrame([[1.0, 2.0, "z"]], columns=["a", "a", "b"])
    with pytest.warns(UserWarning, match="not unique"):
        expected = _reference(frame)
    with pytest.warns(UserWarning, match="not unique"):
        assert table_json(frame) == expected
    assert set(json.loads(expected)[0]) == {"a", "b"}
