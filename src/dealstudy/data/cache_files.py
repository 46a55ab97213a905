"""The cache's manifest and files: checked shape, and price files bound to their symbol.

Every fault in ``manifest.json`` (not JSON, not an object, an entry without ``sha256``, a list where an
object belongs, a bad date, an entry filed under another symbol) is a :class:`~dealstudy.errors.CacheError`
that names the cache folder, the entry and the remedy (:func:`manifest_error`). Each parquet file records
the source and symbol it holds (parquet key-value metadata); :func:`read_frame` refuses a file under another
name, so a hand-edited manifest cannot serve NVDA's prices as AMZN's.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dealstudy.errors import CacheError

__all__ = [
    "CacheEntry",
    "entry_from_json",
    "frame_bytes",
    "manifest_error",
    "parse_manifest",
    "read_frame",
    "remedy",
]

_SHA256 = re.compile(r"[0-9a-f]{64}")
_SYMBOL_KEY = b"dealstudy.symbol"
_SOURCE_KEY = b"dealstudy.source"


@dataclass(frozen=True)
class CacheEntry:
    """One manifest entry, as shown by ``prices status``."""

    source: str
    symbol: str
    file: Path
    sha256: str
    rows: int
    first: dt.date | None
    last: dt.date | None
    ranges: tuple[tuple[dt.date, dt.date], ...]
    fetched_at: dt.datetime | None
    library_versions: tuple[str, ...]
    detail: str = ""


def remedy(cache_dir: Path) -> str:
    """What the user can do about a broken cache."""
    return f"run again with --refresh to refetch, or delete the folder {cache_dir} (deleting it is safe)"


def manifest_error(cache_dir: Path, what: str) -> CacheError:
    """A :class:`CacheError` for a fault in ``cache_dir``'s manifest, with the remedy."""
    return CacheError(f"cache {cache_dir}: {what}; {remedy(cache_dir)}")


def _date(value: object, field: str) -> dt.date | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(f"{field} is {value!r}, not an ISO date")
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"{field} is {value!r}, not an ISO date") from None


def _text(data: dict[str, Any], field: str) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not value:
        raise ValueError(f"no {field}" if value is None else f"{field} is {value!r}, not text")
    return value


def entry_from_json(cache_dir: Path, data: object) -> CacheEntry:
    """Parse one manifest entry; raises ``ValueError`` saying what is wrong with it."""
    if not isinstance(data, dict):
        raise ValueError(f"a {type(data).__name__} where an object belongs")
    sha = _text(data, "sha256")
    if not _SHA256.fullmatch(sha):
        raise ValueError(f"sha256 is {sha[:70]!r}, not 64 hex digits")
    rows = data.get("rows")
    if not isinstance(rows, int) or isinstance(rows, bool) or rows < 0:
        raise ValueError(f"rows is {rows!r}, not a count")
    ranges_raw = data.get("ranges", [])
    if not isinstance(ranges_raw, list):
        raise ValueError(f"ranges is a {type(ranges_raw).__name__}, not a list")
    ranges: list[tuple[dt.date, dt.date]] = []
    for pair in ranges_raw:
        if not isinstance(pair, list) or len(pair) != 2:
            raise ValueError(f"ranges holds {pair!r}, not a [start, end] pair")
        lo, hi = _date(pair[0], "a range start"), _date(pair[1], "a range end")
        if lo is None or hi is None or hi < lo:
            raise ValueError(f"ranges holds {pair!r}, not a [start, end] pair")
        ranges.append((lo, hi))
    fetched = data.get("fetched_at")
    try:
        fetched_at = dt.datetime.fromisoformat(fetched) if fetched else None
    except (TypeError, ValueError):
        raise ValueError(f"fetched_at is {fetched!r}, not an ISO time") from None
    versions = data.get("library_versions", [])
    if not isinstance(versions, list):
        raise ValueError(f"library_versions is a {type(versions).__name__}, not a list")
    file = Path(_text(data, "file"))
    if file.is_absolute() or ".." in file.parts:
        raise ValueError(f"file {file} lies outside the cache folder")
    return CacheEntry(
        source=_text(data, "source"),
        symbol=_text(data, "symbol"),
        file=cache_dir / file,
        sha256=sha,
        rows=rows,
        first=_date(data.get("first"), "first"),
        last=_date(data.get("last"), "last"),
        ranges=tuple(ranges),
        fetched_at=fetched_at,
        library_versions=tuple(str(v) for v in versions),
        detail=str(data.get("detail", "")),
    )


def parse_manifest(cache_dir: Path, text: str, *, lenient: bool) -> tuple[dict[str, Any], list[str]]:
    """The manifest as a dict with an ``entries`` object, every entry checked.

    Raises :func:`manifest_error` at the first fault; with ``lenient`` (``--refresh``, which refetches
    anyway) a broken manifest starts anew and broken entries are dropped instead, and the faults are
    returned to be reported.
    """
    faults: list[str] = []
    try:
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError(f"a {type(data).__name__} where an object belongs")
        if not isinstance(data.get("entries"), dict):
            raise ValueError("no 'entries' object")
    except ValueError as exc:
        if not lenient:
            raise manifest_error(cache_dir, f"manifest.json is unreadable ({exc})") from None
        return {"version": 1, "entries": {}}, [f"manifest.json unreadable ({exc}); started anew"]
    entries: dict[str, Any] = data["entries"]
    for key in list(entries):
        try:
            entry = entry_from_json(cache_dir, entries[key])
            if key != f"{entry.source}|{entry.symbol}":
                raise ValueError(f"filed under {key!r} but holds {entry.source}|{entry.symbol}")
        except ValueError as exc:
            if not lenient:
                raise manifest_error(cache_dir, f"manifest.json entry {key!r}: {exc}") from None
            faults.append(f"manifest.json entry {key!r}: {exc}; dropped")
            del entries[key]
    return data, faults


def frame_bytes(frame: pd.DataFrame, source: str, symbol: str) -> bytes:
    """The frame as parquet bytes that record ``source`` and ``symbol``."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=True)
    meta = dict(table.schema.metadata or {})
    meta[_SYMBOL_KEY] = symbol.encode("utf-8")
    meta[_SOURCE_KEY] = source.encode("utf-8")
    buffer = io.BytesIO()
    pq.write_table(table.replace_schema_metadata(meta), buffer)
    return buffer.getvalue()


def read_frame(data: bytes, source: str, symbol: str) -> pd.DataFrame:
    """The frame in parquet ``data``; ``ValueError`` unless the file records this ``source`` and symbol."""
    import pyarrow.parquet as pq

    table = pq.read_table(io.BytesIO(data))
    meta = table.schema.metadata or {}
    held = meta.get(_SYMBOL_KEY, b"").decode("utf-8", "replace")
    held_source = meta.get(_SOURCE_KEY, b"").decode("utf-8", "replace")
    if not held:
        raise ValueError("the file records no symbol (written by an older dealstudy)")
    if held != symbol or held_source != source:
        raise ValueError(f"the file holds {held} ({held_source}), not {symbol} ({source}): refused")
    frame: pd.DataFrame = table.to_pandas()
    frame.index = pd.DatetimeIndex(frame.index, name="date")
    return frame
