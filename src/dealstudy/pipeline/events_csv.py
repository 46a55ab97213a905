"""Read an events file (``dealstudy study EVENTS.csv``): header ``event_id,ticker,date`` and optional
``timing``, ``market``, ``group``; every problem is reported with its file, line and column.

A plain, valid file (no quotes, the usual line ends) is read column-wise by Arrow (:func:`_plain_frame`);
any other file by Python's ``csv`` module, checked column by column when it is valid
(:func:`_valid_frame`) and row by row, naming every problem, otherwise. All three give the same frame.
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dealstudy.catalog.schema import TIMINGS
from dealstudy.config import STUDY_DATES, studiable
from dealstudy.errors import SpecificationError
from dealstudy.study.events import MISSING_TEXT

__all__ = ["EVENT_COLUMNS", "read_events_csv", "text_line_of"]

#: Columns of an events file: the first three are required.
EVENT_COLUMNS: tuple[str, ...] = ("event_id", "ticker", "date", "timing", "market", "group")
#: Bytes that make an events file not plain (:func:`_plain_frame`): quotes, and the line boundaries of
#: ``str.splitlines`` other than ``\n`` and ``\r\n`` (a lone ``\r`` is checked apart).
_NOT_PLAIN = (b'"', *(c.encode() for c in "\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"))
#: The ASCII characters ``str.strip`` removes that can sit inside a plain line.
_ASCII_SPACE = " \t\x1f"
_BOM = "\ufeff".encode()


def text_line_of(data: bytes, offset: int) -> int:
    """The 1-based line of byte ``offset`` in ``data``."""
    return data.count(b"\n", 0, offset) + 1


def _read_rows(file: Path) -> list[list[str]]:
    """The file's CSV rows (UTF-8, a byte-order mark allowed); a file that cannot be read or is not UTF-8
    is refused, naming the line of the first bad byte."""
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise SpecificationError(f"{file}: cannot read the events file ({exc.strerror or exc})") from None
    except UnicodeDecodeError as exc:
        line = text_line_of(file.read_bytes(), exc.start)
        raise SpecificationError(
            f"{file}: line {line}: not UTF-8 text (byte {exc.object[exc.start]:#04x} at offset {exc.start});"
            " save the events file as UTF-8 CSV"
        ) from None
    return list(csv.reader(text.splitlines()))


def _header(file: Path, rows: list[list[str]]) -> list[str]:
    """The column names of the first row; refused when empty, missing a required column, naming an unknown
    one or naming one twice."""
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise SpecificationError(f"{file}: empty file; expected the header event_id,ticker,date")
    header = [h.strip() for h in rows[0]]
    problems: list[str] = []
    for col in ("event_id", "ticker", "date"):
        if col not in header:
            problems.append(f"{file}: line 1: missing required column {col!r}")
    for col in header:
        if col not in EVENT_COLUMNS:
            problems.append(f"{file}: line 1: unknown column {col!r} (allowed: {', '.join(EVENT_COLUMNS)})")
    if len(set(header)) != len(header):
        problems.append(f"{file}: line 1: duplicate column names")
    if problems:
        raise SpecificationError("\n".join(problems))
    return header


def _record_problems(rec: dict[str, Any], where: str, number: int, seen: dict[str, int]) -> list[str]:
    """The problems of one record (line ``number``; ``seen``: the line of each event id so far, updated);
    a valid date is replaced by its Timestamp in ``rec``."""
    problems: list[str] = []
    for column in ("event_id", "ticker"):
        if rec[column] in MISSING_TEXT[1:]:
            problems.append(f"{where}, column {column}: {rec[column]!r} reads as a missing value")
    if not rec["event_id"]:
        problems.append(f"{where}, column event_id: empty")
    elif rec["event_id"] in seen:
        first = seen[rec["event_id"]]
        problems.append(f"{where}, column event_id: duplicate {rec['event_id']!r} (first on line {first})")
    else:
        seen[rec["event_id"]] = number
    if not rec["ticker"]:
        problems.append(f"{where}, column ticker: empty")
    try:
        day = dt.date.fromisoformat(rec["date"])
    except ValueError:
        problems.append(f"{where}, column date: {rec['date']!r} is not a date YYYY-MM-DD")
    else:
        if studiable(day):
            rec["date"] = pd.Timestamp(day)
        else:
            lo, hi = STUDY_DATES
            outside = f"{day} is outside the dates dealstudy can study ({lo}..{hi})"
            problems.append(f"{where}, column date: {outside}")
    if rec.get("timing") and rec["timing"] not in TIMINGS:
        problems.append(f"{where}, column timing: {rec['timing']!r} is not one of {', '.join(TIMINGS)}")
    return problems


def read_events_csv(path: Path | str) -> pd.DataFrame:
    """Read an events file.

    Parameters
    ----------
    path : Path or str
        CSV with header ``event_id,ticker,date`` and optional ``timing`` (one of
        :data:`dealstudy.catalog.schema.TIMINGS`, empty for "day 0 is ``date`` if it is a session of the
        ticker, else the next session"), ``market`` (benchmark symbol) and ``group``. Dates are ISO
        ``YYYY-MM-DD``.

    Returns
    -------
    DataFrame
        Columns ``event_id, ticker, date`` (Timestamp) and whichever optional columns the file has.

    Raises
    ------
    SpecificationError
        Listing every problem found, each with file, line and column.
    """
    file = Path(path)
    frame = _plain_frame(file)
    if frame is not None:
        return frame
    rows = _read_rows(file)
    header = _header(file, rows)
    frame = _valid_frame(header, rows[1:])
    if frame is not None:
        return frame
    problems: list[str] = []
    records: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for number, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(header):
            problems.append(f"{file}: line {number}: {len(row)} fields, the header has {len(header)}")
            continue
        rec: dict[str, Any] = {h: cell.strip() for h, cell in zip(header, row, strict=True)}
        problems.extend(_record_problems(rec, f"{file}: line {number}", number, seen))
        records.append(rec)
    if problems:
        raise SpecificationError(f"{len(problems)} problem(s) in the events file:\n" + "\n".join(problems))
    if not records:
        raise SpecificationError(f"{file}: no events (only a header)")
    return _with_dates(pd.DataFrame.from_records(records, columns=header))


def _with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its ``date`` column (Timestamps) as datetime64."""
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _day(text: str) -> pd.Timestamp | None:
    """The studiable day ``text`` names, else ``None``."""
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return None
    return pd.Timestamp(day) if studiable(day) else None


def _valid_frame(header: list[str], rows: list[list[str]]) -> pd.DataFrame | None:
    """The events frame of ``rows`` when every row is complete and valid, checked column by column (each
    date text parsed once); ``None`` when any check fails, so that the row-by-row reading names every problem
    with its line and column. Gives the frame the row-by-row reading gives (tested)."""
    if not rows or any(len(row) != len(header) for row in rows):
        return None
    columns = {
        h: [cell.strip() for cell in cells] for h, cells in zip(header, zip(*rows, strict=True), strict=True)
    }
    ids, tickers = columns["event_id"], columns["ticker"]
    missing = {"", *MISSING_TEXT[1:]}
    if len(set(ids)) != len(ids) or not missing.isdisjoint(ids) or not missing.isdisjoint(tickers):
        return None
    days = {text: _day(text) for text in set(columns["date"])}
    if any(day is None for day in days.values()):
        return None
    if "timing" in columns and not {t for t in columns["timing"] if t} <= set(TIMINGS):
        return None
    columns["date"] = [days[text] for text in columns["date"]]
    return _with_dates(pd.DataFrame(columns, columns=header))


def _plain_frame(file: Path) -> pd.DataFrame | None:
    """The events frame of a plain, valid file, read column-wise by Arrow; ``None`` otherwise (and when the
    file cannot be read), leaving the file to the Python reading, which gives the same frame or names
    every problem.

    Plain: no quotes, lines ended by ``\\n`` or ``\\r\\n`` only, a valid header, every line with the
    header's number of fields, UTF-8. Each cell is stripped as ``str.strip`` strips it (the ASCII spaces
    Arrow trims, then no cell may begin or end with another character ``str.isspace`` calls space), and
    the columns pass the checks of :func:`_valid_frame`, each date text parsed once. Gives the frame the
    Python reading gives (tested).
    """
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.csv as pcsv

    try:
        data = file.read_bytes()
    except OSError:
        return None
    data = data.removeprefix(_BOM)
    if any(data.find(b) >= 0 for b in _NOT_PLAIN) or data.count(b"\r") != data.count(b"\r\n"):
        return None
    first = data.split(b"\n", 1)[0].removesuffix(b"\r")
    try:
        header = [h.strip() for h in first.decode("utf-8").split(",")]
    except UnicodeDecodeError:
        return None
    required_ok = all(col in header for col in ("event_id", "ticker", "date"))
    if not required_ok or not set(header) <= set(EVENT_COLUMNS) or len(set(header)) != len(header):
        return None
    try:
        table = pcsv.read_csv(
            pa.py_buffer(data),
            read_options=pcsv.ReadOptions(column_names=[f"c{i}" for i in range(len(header))], skip_rows=1),
            parse_options=pcsv.ParseOptions(quote_char=False, newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(
                column_types={f"c{i}": pa.string() for i in range(len(header))}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return None  # a line with another number of fields, or text that is not UTF-8
    if not table.num_rows:
        return None
    columns: dict[str, pa.Array] = {}
    for name, column in zip(header, table.columns, strict=True):
        cells = pc.utf8_trim(column.combine_chunks(), _ASCII_SPACE)
        edges = set(pc.utf8_slice_codeunits(cells, 0, 1).unique().to_pylist())
        edges |= set(pc.utf8_slice_codeunits(cells, -1).unique().to_pylist())
        if any(ch.isspace() for ch in edges):
            return None
        columns[name] = cells
    ids, tickers = columns["event_id"], columns["ticker"]
    missing = pa.array(["", *MISSING_TEXT[1:]])
    if pc.count_distinct(ids).as_py() != len(ids) or pc.any(pc.is_in(ids, missing)).as_py():
        return None
    if pc.any(pc.is_in(tickers, missing)).as_py():
        return None
    dates = pc.dictionary_encode(columns["date"])
    days = [_day(text) for text in dates.dictionary.to_pylist()]
    if any(day is None for day in days):
        return None
    if "timing" in columns and not set(pc.unique(columns["timing"]).to_pylist()) <= {"", *TIMINGS}:
        return None
    day_values = np.array([day.to_datetime64() for day in days if day is not None], dtype="datetime64[s]")
    frame = pd.DataFrame(
        {
            name: day_values[dates.indices.to_numpy()] if name == "date" else columns[name].to_pandas()
            for name in header
        },
        columns=header,
    )
    return _with_dates(frame)
