"""Declared schemas of the CSV inputs, and their two readers: a fast column-wise one and a precise one.

A :class:`CsvSchema` lists the columns of a file (:class:`Column`: kind, required on every row, bounds) and
whether a date column must ascend without duplicates. The same schema drives

- :func:`parse_fast`: pyarrow's CSV reader, typed columns and vectorised checks. It answers ``None`` as soon
  as anything is unusual (a parse error, a bound broken, an odd header, blank lines), never a message;
- :func:`validate_strings`: the precise path on the file read as strings, which finds the first problem
  and names file, 1-based line (line 1 is the header) and column.

So a well-formed file is read fast, and a malformed one gets exactly the message it always got. Both paths
accept the same files and give the same values (a test reads every file both ways, bit for bit).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from dealstudy.errors import SnapshotError

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd
    from numpy.typing import NDArray

__all__ = [
    "MAX_PRICE",
    "MAX_SHARES",
    "MAX_VOLUME",
    "PRICE_SCHEMA",
    "SHARES_SCHEMA",
    "Column",
    "CsvSchema",
    "line_of",
    "parse_dates",
    "parse_fast",
    "parse_numbers",
    "read_strings",
    "validate_strings",
]

#: Largest price accepted: a bigger one is a data error (a close of 1e300 would overflow the returns).
MAX_PRICE = 1e12
#: Largest daily volume accepted.
MAX_VOLUME = 1e18
#: Largest share count accepted (the largest listed companies have about 1e11 shares).
MAX_SHARES = 1e14
#: Text read as an empty cell in number columns (case-insensitive), besides the empty string.
MISSING_TEXT = ("nan", "null", "na", "n/a")


@dataclass(frozen=True)
class Column:
    """One column of a CSV input.

    ``kind`` is ``date`` (``YYYY-MM-DD``), ``number`` (float) or ``text``; ``required`` means non-empty on
    every row; ``lower`` bounds a number (``positive``: > 0, ``non_negative``: >= 0); ``upper`` is the
    largest number accepted.
    """

    name: str
    kind: Literal["date", "number", "text"]
    required: bool = False
    lower: Literal["positive", "non_negative"] | None = None
    upper: float | None = None


@dataclass(frozen=True)
class CsvSchema:
    """The columns of a CSV input, the header a message suggests, and the ascending date column if any."""

    columns: tuple[Column, ...]
    header: str
    ascending: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Column names in order."""
        return tuple(c.name for c in self.columns)


def _price(name: str, *, required: bool = False) -> Column:
    return Column(name, "number", required=required, lower="positive", upper=MAX_PRICE)


#: ``SYMBOL.csv``: ``close`` and ``adj_close`` on every row; the rest may be empty (FX, some index rows).
PRICE_SCHEMA = CsvSchema(
    columns=(
        Column("date", "date", required=True),
        _price("open"),
        _price("high"),
        _price("low"),
        _price("close", required=True),
        _price("adj_close", required=True),
        Column("volume", "number", lower="non_negative", upper=MAX_VOLUME),
    ),
    header="date,open,high,low,close,adj_close,volume",
    ascending="date",
)
#: ``shares_outstanding.csv``.
SHARES_SCHEMA = CsvSchema(
    columns=(
        Column("symbol", "text", required=True),
        Column("as_of", "date", required=True),
        Column("shares", "number", required=True, lower="positive", upper=MAX_SHARES),
        Column("source", "text"),
    ),
    header="symbol,as_of,shares,source",
)


def line_of(pos: int) -> int:
    """1-based file line of the data row at 0-based position ``pos`` (line 1 is the header)."""
    return pos + 2


# ------------------------------------------------------------------------------------------ precise path


def read_strings(path: Path) -> pd.DataFrame:
    """The file as strings; blank lines kept (row numbers map to file lines) except trailing ones.

    Raises :class:`SnapshotError` for an unreadable file, an empty file and a file with a header only.
    """
    import numpy as np
    import pandas as pd

    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, skip_blank_lines=False)
    except pd.errors.EmptyDataError as exc:
        raise SnapshotError(f"{path}: line 1: file is empty (expected a header line)") from exc
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise SnapshotError(f"{path}: cannot parse as CSV: {exc}") from exc
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc}") from exc
    stripped = np.char.strip(raw.to_numpy(dtype=str)) if raw.size else np.empty((len(raw), 0), dtype=str)
    blank = (stripped == "").all(axis=1) if raw.shape[1] else np.ones(len(raw), dtype=bool)
    end = len(raw)
    while end and blank[end - 1]:
        end -= 1
    if not end:
        raise SnapshotError(f"{path}: line 2: no data rows after the header (the file has a header only)")
    return raw.iloc[:end]


def parse_dates(raw: pd.Series, file: str, column: str) -> pd.DatetimeIndex:
    """ISO dates; the first unparseable one raises with its line."""
    import numpy as np
    import pandas as pd

    text = raw.astype(str).str.strip()
    parsed = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    bad = np.flatnonzero(parsed.isna().to_numpy())
    if len(bad):
        pos = int(bad[0])
        raise SnapshotError(
            f"{file}: line {line_of(pos)}: unparseable {column} {text.iloc[pos]!r} (expected YYYY-MM-DD)"
        )
    return pd.DatetimeIndex(parsed)


def parse_numbers(raw: pd.Series, file: str, column: str, *, required: bool) -> NDArray[np.float64]:
    """Floats (empty or ``nan``/``null``/``na``/``n/a`` -> NaN); non-numeric or infinite text raises."""
    import numpy as np
    import pandas as pd

    text = raw.astype(str).str.strip()
    text = text.mask(text.str.lower().isin(list(MISSING_TEXT)), "")
    values = np.asarray(pd.to_numeric(text.to_numpy(), errors="coerce"), dtype=np.float64)
    non_numeric = (np.isnan(values) & (text != "").to_numpy()) | np.isinf(values)
    if non_numeric.any():
        pos = int(np.flatnonzero(non_numeric)[0])
        raise SnapshotError(f"{file}: line {line_of(pos)}: non-numeric {column} {text.iloc[pos]!r}")
    if required:
        missing = np.isnan(values)
        if missing.any():
            pos = int(np.flatnonzero(missing)[0])
            raise SnapshotError(
                f"{file}: line {line_of(pos)}: {column} is empty or NaN (required on every row)"
            )
    return values


def _check_bounds(values: NDArray[np.float64], column: Column, file: str) -> None:
    import numpy as np

    if column.lower is not None:
        bad = np.flatnonzero(values < 0 if column.lower == "non_negative" else values <= 0)
        if len(bad):
            what = "negative" if column.lower == "non_negative" else "non-positive"
            pos = int(bad[0])
            raise SnapshotError(f"{file}: line {line_of(pos)}: {what} {column.name} {float(values[pos])!r}")
    if column.upper is not None:
        bad = np.flatnonzero(values > column.upper)
        if len(bad):
            pos = int(bad[0])
            raise SnapshotError(
                f"{file}: line {line_of(pos)}: {column.name} {float(values[pos])!r} is out of range "
                f"(at most {column.upper:g}: a data error, or a price in the wrong units)"
            )


def _check_ascending(dates: pd.DatetimeIndex, file: str) -> None:
    import numpy as np

    values = dates.asi8
    dup = dates.duplicated(keep="first")
    back = np.r_[False, values[1:] < values[:-1]]
    bad = np.flatnonzero(dup | back)
    if not len(bad):
        return
    pos = int(bad[0])
    day = dates[pos]
    if dup[pos]:
        first = int(np.flatnonzero(values == values[pos])[0])
        raise SnapshotError(
            f"{file}: line {line_of(pos)}: duplicate date {day.date()} (first at line {line_of(first)})"
        )
    raise SnapshotError(
        f"{file}: line {line_of(pos)}: date {day.date()} comes after {dates[pos - 1].date()} "
        "(dates must ascend)"
    )


def validate_strings(raw: pd.DataFrame, schema: CsvSchema, file: str) -> dict[str, object]:
    """Validate a table of strings against ``schema``; returns the typed columns by name.

    Dates come back as a ``DatetimeIndex``, numbers as float arrays, text as stripped string Series.
    Raises :class:`SnapshotError` at the first problem (missing column, bad date, unsorted or duplicate
    dates, non-numeric, missing required value, a bound broken), naming file, line and column.
    """
    names = [str(c).strip().lower() for c in raw.columns]
    raw = raw.set_axis(names, axis=1)
    missing = [c for c in schema.names if c not in names]
    if missing:
        raise SnapshotError(
            f"{file}: line 1: missing column(s) {', '.join(missing)} (header must be {schema.header})"
        )
    out: dict[str, object] = {}
    for column in schema.columns:
        if column.kind == "date":
            dates = parse_dates(raw[column.name], file, column.name)
            if column.name == schema.ascending:
                _check_ascending(dates, file)
            out[column.name] = dates
        elif column.kind == "number":
            values = parse_numbers(raw[column.name], file, column.name, required=column.required)
            _check_bounds(values, column, file)
            out[column.name] = values
        else:
            text = raw[column.name].astype(str).str.strip()
            if column.required:
                empty = (text == "").to_numpy().nonzero()[0]
                if len(empty):
                    raise SnapshotError(f"{file}: line {line_of(int(empty[0]))}: empty {column.name}")
            out[column.name] = text if column.required else raw[column.name].astype(str)
    return out


# --------------------------------------------------------------------------------------------- fast path


def parse_fast(data: bytes, schema: CsvSchema) -> dict[str, object] | None:
    """The typed columns of a well-formed file (as :func:`validate_strings` returns them), or ``None``.

    ``None`` means "read it the precise way": the header is not exactly the schema's names in lower case
    (extra columns are fine), a cell does not parse, a blank line, a missing required value, a bound is
    broken or the dates do not ascend. Only date and number schemas are read here.
    """
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if any(c.kind == "text" for c in schema.columns):
        return None
    first = data.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8", errors="replace")
    header = first.split(",")
    if len(set(header)) != len(header) or any(name not in header for name in schema.names):
        return None
    types = {c.name: (pa.string() if c.kind == "date" else pa.float64()) for c in schema.columns}
    try:
        table = pacsv.read_csv(
            pa.py_buffer(data),
            read_options=pacsv.ReadOptions(use_threads=False),
            parse_options=pacsv.ParseOptions(ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types=types, include_columns=list(schema.names), null_values=[""],
                strings_can_be_null=False, quoted_strings_can_be_null=True,
            ),
        )  # fmt: skip
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows == 0:
        return None
    out: dict[str, object] = {}
    with np.errstate(invalid="ignore"):
        for column in schema.columns:
            arr = table.column(column.name)
            if column.kind == "date":
                parsed = pd.to_datetime(pd.Series(arr.to_numpy(zero_copy_only=False)).str.strip(),
                                        format="%Y-%m-%d", errors="coerce")  # fmt: skip
                dates = pd.DatetimeIndex(parsed)
                if dates.hasnans:
                    return None
                if column.name == schema.ascending and (np.diff(dates.asi8) <= 0).any():
                    return None
                out[column.name] = dates
                continue
            values = arr.to_numpy(zero_copy_only=False).astype(np.float64, copy=False)
            nan = np.isnan(values)
            if np.isinf(values).any() or (column.required and nan.any()):
                return None
            ok = values[~nan]
            if column.lower == "positive" and (ok <= 0).any():
                return None
            if column.lower == "non_negative" and (ok < 0).any():
                return None
            if column.upper is not None and (ok > column.upper).any():
                return None
            out[column.name] = values
    return out
