"""pandas' CSV text of plain tables, formatted column-wise (the bytes of ``DataFrame.to_csv``).

``DataFrame.to_csv(index=False, lineterminator="\\n")`` writes a float as its ``repr`` (the shortest text that
reads back to the same double; NaN as the empty field), an integer as ``str``, a boolean as ``True`` /
``False``, and text as it is when it needs no quoting. Formatting a million rows that way in Python takes
seconds; here each column is formatted at once and the rows are joined in Arrow, so the text is built in
native code and written as one buffer per chunk.

Floats are written by orjson, whose text of a double is ``repr``'s at every magnitude but ``[1e-9, 1e-4)``,
where three regular expressions turn it into ``repr``'s (:func:`float_cells`): three times faster than Arrow's
own float-to-text cast, which differs from ``repr`` on more magnitudes. ``tests/unit/test_tables.py`` checks
the bytes against ``to_csv`` over every magnitude.

Only :mod:`dealstudy._tables` uses this module; it decides which tables are plain (:func:`column_kinds`).
"""

from __future__ import annotations

import functools
from typing import IO, TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

__all__ = ["column_kinds", "float_cells", "write_plain_csv"]

#: Magnitudes where orjson's text of a double is not ``repr``'s (see :func:`float_cells`).
_ORJSON_LOW, _ORJSON_HIGH = 1e-9, 1e-4
#: orjson's text of a double in ``[1e-9, 1e-4)`` (cell terminator last) to ``repr``'s: ``0.0000123`` to
#: ``1.23e-05``, ``0.00001`` to ``1e-05``, ``2.5e-6`` to ``2.5e-06``.
_TO_REPR = (
    (r"^(-?)0\.0000(\d)(\d+)([,\n]?)$", r"\1\2.\3e-05\4"),
    (r"^(-?)0\.0000(\d)([,\n]?)$", r"\1\2e-05\3"),
    (r"e-(\d)([,\n]?)$", r"e-0\1\2"),
)
#: Characters that make pandas quote a text field.
_NEEDS_QUOTES = '[,"\\n]'
_QUOTE_CHARS = frozenset(',"\n\r')
#: :data:`_QUOTE_CHARS` as bytes: a text value without any of them is written as it is.
_SPECIAL_BYTES = tuple(c.encode() for c in sorted(_QUOTE_CHARS))


def float_cells(values: np.ndarray, end: str) -> pa.Array:
    """``repr`` of each double followed by ``end`` (``","`` or ``"\\n"``) as an Arrow string array; NaN is
    the empty field (pandas' ``na_rep``).

    orjson writes the whole column as one JSON list: its text of a double is ``repr``'s (the same shortest
    digits, the same ``1.0``, ``1e+16``, ``1e-10``) everywhere but ``[1e-9, 1e-4)``, which it writes as
    ``0.0000123`` and ``2.5e-6`` where ``repr`` writes ``1.23e-05`` and ``2.5e-06``. The list is read as the
    cells in place: each value with the comma after it (an extra last value gives the last one its comma),
    the commas turned into newlines for the last column. Values in ``[1e-9, 1e-4)`` are rewritten to
    ``repr``'s form by regular expressions, non-finite values set apart; :func:`_orjson_is_repr` checks
    this at the first call against ``repr`` itself and the cells are formatted by ``repr`` when it fails.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    if not _orjson_is_repr():
        return pa.array([("" if v != v else repr(v)) + end for v in values.tolist()], type=pa.string())
    import orjson

    n = len(values)
    finite = np.isfinite(values)
    data = np.zeros(n + 1)  # one more value: the last cell then ends in a comma too
    np.copyto(data[:n], values, where=finite)
    raw = np.frombuffer(orjson.dumps(data, option=orjson.OPT_SERIALIZE_NUMPY), dtype=np.uint8)
    commas = np.flatnonzero(raw == ord(","))
    offsets = np.empty(n + 1, dtype=np.int32)
    offsets[0] = 1  # after "["
    offsets[1:] = commas + 1
    if end != ",":
        raw = raw.copy()
        raw[commas] = ord(end)
    text = pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(raw))
    size = np.abs(values)
    with np.errstate(invalid="ignore"):
        odd = (size >= _ORJSON_LOW) & (size < _ORJSON_HIGH)  # finite values orjson writes otherwise
    if odd.any():
        own = _repr_form(pc.take(text, pa.array(np.flatnonzero(odd))))
        text = pc.replace_with_mask(text, pa.array(odd), own)
    if not finite.all():
        nan = np.isnan(values)
        if nan.any():  # the empty field
            text = pc.if_else(pa.array(nan), pa.scalar(end), text)
        infinite = ~finite & ~nan
        if infinite.any():
            words = [repr(v) + end for v in values[infinite].tolist()]
            text = pc.replace_with_mask(text, pa.array(infinite), pa.array(words, type=pa.string()))
    return text


def _repr_form(text: pa.Array) -> pa.Array:
    """orjson's text of doubles in ``[1e-9, 1e-4)`` (each with its cell's end, if any) in ``repr``'s form
    (:data:`_TO_REPR`)."""
    import pyarrow.compute as pc

    for pattern, replacement in _TO_REPR:
        text = pc.replace_substring_regex(text, pattern, replacement)
    return text


@functools.cache
def _orjson_is_repr() -> bool:
    """Whether orjson's text of doubles, with :data:`_TO_REPR` applied in ``[1e-9, 1e-4)``, is ``repr``'s
    on a probe of every decade (three mantissas, the double just below each, whole numbers and six-place
    decimals, both signs): it is for the orjson versions tested; one that writes them otherwise is caught
    here, and :func:`float_cells` then formats with ``repr``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        import orjson
    except ImportError:
        return False
    with np.errstate(over="ignore"):
        decades = np.concatenate([m * 10.0 ** np.arange(-323, 309) for m in (1.2345678901234567, 3.0, 1.0)])
        probe = np.concatenate([decades, np.nextafter(decades, 0), np.round(decades * 1e6) / 1e6, [0.0]])
    probe = probe[np.isfinite(probe)]
    probe = np.concatenate([probe, -probe])
    text = pa.array(orjson.dumps(probe, option=orjson.OPT_SERIALIZE_NUMPY).decode()[1:-1].split(","))
    odd = pa.array((np.abs(probe) >= _ORJSON_LOW) & (np.abs(probe) < _ORJSON_HIGH))
    text = pc.if_else(odd, _repr_form(text), text)
    return bool(text.to_pylist() == [repr(v) for v in probe.tolist()])


def _text(column: pd.Series) -> pa.Array | None:
    """A text column as an Arrow string array (missing values empty), or ``None`` when a value is not text
    or holds a carriage return (left to pandas' writer)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        text = pa.array(column, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a value that is not text
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    text = text.fill_null("") if text.null_count else text
    if _holds_any(text, (b"\r",)) and pc.any(pc.match_substring(text, "\r")).as_py():
        return None
    return text


def _text_cells(column: pd.Series) -> pa.Array | None:
    """A text column as pandas writes it (missing values empty, quoted where needed) as an Arrow string
    array, or ``None`` when a value is not text or holds a carriage return (left to pandas' writer)."""
    import pyarrow.compute as pc

    text = _text(column)
    if text is None or not _holds_any(text, _SPECIAL_BYTES):  # the usual case (ids, tickers): one scan
        return text
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
        elif (pd.api.types.is_object_dtype(col) or pd.api.types.is_string_dtype(col)) and _text(
            col
        ) is not None:
            kinds.append("str")
        else:
            return None
    return kinds


def _cells(column: pd.Series, kind: str, end: str) -> list[pa.Array | str]:
    """The cells of ``column`` as pandas writes them, each followed by ``end``: an array of the cells with
    ``end`` in them (floats), or an array and ``end`` to join after it."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if kind == "float":
        return [float_cells(column.to_numpy(dtype=np.float64), end)]
    if kind == "bool":
        return [pc.if_else(pa.array(column.to_numpy(dtype=bool)), "True", "False"), end]
    if kind == "int":
        return [pc.cast(pa.array(column.to_numpy(dtype=np.int64)), pa.string()), end]
    if kind == "date":
        return [_date_cells(column), end]
    text = _text_cells(column)
    assert text is not None  # checked by column_kinds
    return [text, end]


def _lines(part: pd.DataFrame, kinds: list[str]) -> memoryview:
    """The CSV lines of ``part`` (each ending in ``\\n``) as one UTF-8 buffer: every column's cells and
    their separators (or the newline) joined row by row in one pass."""
    import pyarrow.compute as pc

    pieces: list[pa.Array | str] = []
    last = len(kinds) - 1
    for i, (kind, name) in enumerate(zip(kinds, part.columns, strict=True)):
        pieces += _cells(part[name], kind, "\n" if i == last else ",")
    rows = pc.binary_join_element_wise(*pieces, "")
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
