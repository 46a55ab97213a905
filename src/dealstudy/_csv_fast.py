"""pandas' CSV text of plain tables, formatted column-wise by Arrow (the bytes of ``DataFrame.to_csv``).

``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes a float as its ``repr`` (the shortest text that
reads back to the same double; NaN as the empty field), an integer as ``str``, a boolean as ``True`` /
``False``, and text as it is when it needs no quoting. Formatting a million rows that way in Python takes
seconds; here each column is formatted by one Arrow kernel and the rows are joined in Arrow, so the text is
built in C++ and written as one buffer per chunk.

Arrow's float-to-text (double-conversion's shortest representation) is the same digits as ``repr``, but it
writes ``1`` for ``1.0`` and switches to and from exponent notation at other magnitudes than Python. The
text is taken from Arrow only where the two agree: magnitudes in ``[1e-4, 1e10)`` (``.0`` appended to whole
numbers, as ``repr`` does) and zero; every other value (tiny, huge, infinite) is ``repr`` in Python, which
for abnormal returns and their variances is a small share of the cells. ``tests/unit/test_tables.py``
checks the bytes against ``to_csv`` over every magnitude.

Only :mod:`dealstudy._tables` uses this module; it decides which tables are plain (:func:`column_kinds`).
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["column_kinds", "float_text", "write_plain_csv"]

#: Magnitudes whose Arrow text equals ``repr`` (measured against ``repr`` on every decade, see module).
_ARROW_LOW, _ARROW_HIGH = 1e-4, 1e10
#: Characters that make pandas quote a text field.
_NEEDS_QUOTES = '[,"\\n]'
_QUOTE_CHARS = frozenset(',"\n\r')
#: :data:`_QUOTE_CHARS` as bytes: a text value without any of them is written as it is.
_SPECIAL_BYTES = tuple(c.encode() for c in sorted(_QUOTE_CHARS))


def float_text(values: np.ndarray) -> pa.Array:
    """``repr`` of each double as an Arrow string array; NaN is the empty string (pandas' ``na_rep``)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pc.cast(pa.array(values, type=pa.float64()), pa.string())
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        arrow_ok = ((size >= _ARROW_LOW) & (size < _ARROW_HIGH)) | (values == 0)
        whole = arrow_ok & (values == np.floor(values))
    if whole.any():
        text = pc.if_else(pa.array(whole), pc.binary_join_element_wise(text, ".0", ""), text)
    other = np.flatnonzero(~arrow_ok)
    if len(other):
        own = ["" if v != v else repr(v) for v in values[other].tolist()]
        text = pc.replace_with_mask(text, pa.array(~arrow_ok), pa.array(own, type=pa.string()))
    return text


def _text_cells(column: pd.Series) -> pa.Array | None:
    """A text column as pandas writes it (missing values empty, quoted where needed) as an Arrow string
    array, or ``None`` when a value is not text or holds a carriage return (left to pandas' writer)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a value that is not text
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.fill_null("") if text.null_count else text
    if not _holds_any(text, _SPECIAL_BYTES):  # the usual case (ids, tickers): one scan of the bytes
        return text
    if pc.any(pc.match_substring(text, "\r")).as_py():
        return None
    special = pc.match_substring_regex(text, _NEEDS_QUOTES)
    if pc.any(special).as_py():  # csv.QUOTE_MINIMAL: in double quotes, each quote doubled
        quoted = pc.binary_join_element_wise('"', pc.replace_substring(text, '"', '""'), '"', "")
        text = pc.if_else(special, quoted, text)
    return text


def _holds_any(text: pa.Array, chars: tuple[bytes, ...]) -> bool:
    """Whether any value of the string array ``text`` holds one of the (ASCII) ``chars``: a search of its
    UTF-8 bytes, several times faster than a per-value match on a column of short ids."""
    data = text.buffers()[2]
    if data is None or not len(text):
        return False
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32, count=len(text) + 1, offset=text.offset * 4)
    raw = memoryview(data)[int(offsets[0]) : int(offsets[-1])].tobytes()
    return any(raw.find(c) >= 0 for c in chars)


def _date_cells(column: pd.Series) -> pa.Array:
    """Dates as ISO ``YYYY-MM-DD`` text (missing dates empty), as :func:`dealstudy._tables.dates_to_text`:
    the calendar day (a time of day is dropped) cast to text by Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    days = column.to_numpy().astype("datetime64[D]")  # from the column's own unit: no range limit
    return pc.cast(pa.array(days, type=pa.date32(), from_pandas=True), pa.string()).fill_null("")


def column_kinds(frame: pd.DataFrame) -> list[str] | None:
    """How each column is formatted (``float``, ``bool``, ``int``, ``date``, ``str``), or ``None`` when the
    table needs pandas' own writer (a header or text that needs quoting beyond it, a column of another dtype,
    time-zone aware dates)."""
    import pandas as pd

    if any(not isinstance(c, str) or _QUOTE_CHARS.intersection(c) for c in frame.columns):
        return None
    kinds: list[str] = []
    for name in frame.columns:
        col = frame[name]
        if col.dtype == np.float64:
            kinds.append("float")
        elif col.dtype == np.bool_:
            kinds.append("bool")
        elif col.dtype == np.int64:
            kinds.append("int")
        elif isinstance(col.dtype, np.dtype) and col.dtype.kind == "M":
            kinds.append("date")
        elif (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)) and _text_cells(
            col
        ) is not None:
            kinds.append("str")
        else:
            return None
    return kinds


def _cells(column: pd.Series, kind: str) -> pa.Array:
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == "float":
        return float_text(column.to_numpy(dtype=np.float64))
    if kind == "bool":
        return pc.if_else(pa.array(column.to_numpy(dtype=bool)), "True", "False")
    if kind == "int":
        return pc.cast(pa.array(column.to_numpy(dtype=np.int64)), pa.string())
    if kind == "date":
        return _date_cells(column)
    text = _text_cells(column)
    assert text is not None  # checked by column_kinds
    return text


def _lines(part: pd.DataFrame, kinds: list[str]) -> memoryview:
    """The CSV lines of ``part`` (each ending in ``\\n``) as one UTF-8 buffer."""
    import pyarrow.compute as pc

    cells = [_cells(part[name], kind) for kind, name in zip(kinds, part.columns, strict=True)]
    rows = pc.binary_join_element_wise(cells[-1], "", "\n")  # the last cell and the newline
    if len(cells) > 1:
        rows = pc.binary_join_element_wise(*cells[:-1], rows, ",")
    offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=len(rows) + 1, offset=rows.offset * 4)
    data = rows.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


def write_plain_csv(handle: IO[bytes], frame: pd.DataFrame, kinds: list[str], chunk_rows: int) -> None:
    """Write the bytes of ``frame.to_csv(index=False, lineterminator="\\n")`` to a binary ``handle``
    (``kinds`` from :func:`column_kinds`; dates as ISO text). Chunks of ``chunk_rows`` rows are formatted
    on the worker threads (Arrow releases the GIL), one wave of chunks at a time, and written in order."""
    from dealstudy._parallel import map_blocks, thread_count

    handle.write((",".join(frame.columns) + "\n").encode("utf-8"))
    starts = list(range(0, len(frame), chunk_rows))
    wave = thread_count()
    for first in range(0, len(starts), wave):
        texts = map_blocks(
            lambda lo: _lines(frame.iloc[lo : lo + chunk_rows], kinds), starts[first : first + wave]
        )
        for text in texts:
            handle.write(text)
