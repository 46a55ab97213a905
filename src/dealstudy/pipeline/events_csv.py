"""Read an events file (``dealstudy study EVENTS.csv``): header ``event_id,ticker,date`` and optional
``timing``, ``market``, ``group``; every problem is reported with its file, line and column."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd

from dealstudy.catalog.schema import TIMINGS
from dealstudy.config import STUDY_DATES, studiable
from dealstudy.errors import SpecificationError
from dealstudy.study.events import MISSING_TEXT

__all__ = ["EVENT_COLUMNS", "read_events_csv", "text_line_of"]

#: Columns of an events file: the first three are required.
EVENT_COLUMNS: tuple[str, ...] = ("event_id", "ticker", "date", "timing", "market", "group")


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
