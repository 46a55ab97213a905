"""A read-through on-disk cache in front of any :class:`~dealstudy.data.source.PriceSource`.

Layout of ``cache_dir`` (default ``platformdirs.user_cache_dir("dealstudy")``)::

    manifest.json              # one entry per (source, symbol): ranges covered, fetches, sha256, rows
    .lock                      # filelock.FileLock guarding manifest + files
    prices/<source>/<SYMBOL>.parquet

Only the ranges not yet covered are fetched (trimmed to weekdays, so a weekend gap is not "missing").
Files and manifest are written atomically (temp file + rename) under a
file lock, so two processes sharing the cache are safe. Before use every file is checked against the
manifest's sha256: a corrupt or truncated file is reported (:attr:`CachedSource.problems` and the
``dealstudy.data.cache`` logger) and refetched, or, offline, reported as unusable; it is never used.

Adjustment basis: Yahoo's ``adj_close`` (and, after a split, every price) is re-based at each download. When
a new piece is fetched next to cached rows, it is fetched with a few days of overlap; if the overlap shows
a different basis, the cached rows are rescaled by the overlap ratio so that returns across the seam are
right (the rescaling is reported).
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import errno
import hashlib
import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from filelock import FileLock, Timeout

from dealstudy._atomic import atomic_write_bytes, atomic_write_text
from dealstudy.data.cache_files import (
    CacheEntry,
    entry_from_json,
    frame_bytes,
    manifest_error,
    parse_manifest,
    read_frame,
)
from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, PriceSource, Provenance, check_symbol
from dealstudy.errors import CacheError, MissingDataError

__all__ = ["IMPORT_SOURCE", "CacheEntry", "CacheProblem", "CachedSource", "DateRange", "default_cache_dir"]

log = logging.getLogger(__name__)

DateRange = tuple[dt.date, dt.date]
#: Source key under which ``prices import DIR`` stores snapshot files.
IMPORT_SOURCE = "import"
_MANIFEST = "manifest.json"
#: Errors of a folder or disk that cannot be written.
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_VERSION = 1
_OVERLAP_DAYS = 10


def default_cache_dir() -> Path:
    """``platformdirs.user_cache_dir("dealstudy")``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("dealstudy"))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=^-]", "_", text).strip("._") or "_"


def _merge_ranges(ranges: list[DateRange]) -> list[DateRange]:
    out: list[DateRange] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + dt.timedelta(days=1):
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _subtract(want: DateRange, have: list[DateRange]) -> list[DateRange]:
    gaps: list[DateRange] = []
    cursor = want[0]
    for lo, hi in _merge_ranges(have):
        if hi < cursor or lo > want[1]:
            continue
        if lo > cursor:
            gaps.append((cursor, min(lo - dt.timedelta(days=1), want[1])))
        cursor = max(cursor, hi + dt.timedelta(days=1))
        if cursor > want[1]:
            break
    if cursor <= want[1]:
        gaps.append((cursor, want[1]))
    return gaps


def _fmt(ranges: list[DateRange]) -> str:
    return ", ".join(f"{lo}..{hi}" for lo, hi in ranges)


def _lacking(want: DateRange, have: Iterable[DateRange]) -> list[DateRange]:
    """The pieces of ``want`` outside ``have``, trimmed to weekdays (a weekend is not missing)."""
    pieces = (_trim_to_sessions(gap) for gap in _subtract(want, list(have)))
    return [gap for gap in pieces if gap is not None]


@dataclass(frozen=True)
class CacheProblem:
    """Something wrong found in the cache (reported, never silently used)."""

    source: str
    symbol: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.symbol} ({self.source}) {self.file}: {self.message}"


def _trim_to_sessions(gap: DateRange) -> DateRange | None:
    """Shrink a gap to the weekdays inside it; ``None`` when it holds none (a weekend).

    Weekdays, not the exchange calendar: building some calendars (XKRX) takes seconds, and a gap made only
    of holidays is harmless because every fetch next to cached rows overlaps them (so it returns rows).
    """
    days = pd.bdate_range(gap[0], gap[1])
    if len(days) == 0:
        return None
    return days[0].date(), days[-1].date()


class CachedSource:
    """Read-through cache around a price source.

    Parameters
    ----------
    inner : PriceSource
        The source to fetch missing data from (usually :class:`~dealstudy.data.yahoo.YahooSource`).
    cache_dir : Path, optional
        Cache folder; default :func:`default_cache_dir`.
    offline : bool, default False
        Never call ``inner``; missing data raise :class:`~dealstudy.errors.MissingDataError` listing the
        symbol and the exact ranges missing.
    refresh : bool, default False
        Refetch the requested range even when cached.
    lock_timeout : float, default 600
        Seconds to wait for another process holding the cache lock (then :class:`CacheError`).
    today : callable, optional
        Returns today's date (UTC); requests are capped at yesterday because today's bar is not final.

    Attributes
    ----------
    problems : list of CacheProblem
        Everything found wrong (corrupt files, re-based adjustments) during this object's life.
    """

    def __init__(
        self,
        inner: PriceSource,
        cache_dir: Path | str | None = None,
        *,
        offline: bool = False,
        refresh: bool = False,
        lock_timeout: float = 600.0,
        today: Callable[[], dt.date] | None = None,
    ) -> None:
        self.inner = inner
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        self.offline = offline
        self.refresh = refresh
        self.name = f"cache:{inner.name}"
        self.source_key = inner.name
        self.problems: list[CacheProblem] = []
        self._lock = FileLock(str(self.cache_dir / ".lock"), timeout=lock_timeout)
        self._today: Callable[[], dt.date] = today or (lambda: dt.datetime.now(dt.UTC).date())

    # -- manifest -----------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self, *, write: bool = True) -> Iterator[None]:
        """Hold the cache's write lock. A reader of a cache it cannot write (read-only folder or disk)
        reads without it: nobody can change such a cache through this path, and every file is checked
        against its sha256 anyway."""
        lock_path = self.cache_dir / ".lock"
        if lock_path.is_dir():
            raise CacheError(
                f"cache {self.cache_dir}: the lock file {lock_path} is a folder; delete it, or delete the "
                f"folder {self.cache_dir} (deleting it is safe)"
            )
        try:
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            self._lock.acquire()
        except Timeout as exc:
            raise CacheError(
                f"cache {self.cache_dir} is locked by another process (waited {self._lock.timeout} s)"
            ) from exc
        except OSError as exc:
            if not write and exc.errno in _READ_ONLY:
                yield
                return
            raise self._unwritable(exc) from None
        try:
            yield
        finally:
            self._lock.release()

    def _unwritable(self, exc: OSError) -> CacheError:
        return CacheError(
            f"cache {self.cache_dir} cannot be written ({exc.strerror or exc}); use --offline to read it as "
            "it is, or --cache DIR with a folder you can write"
        )

    def _read_manifest(self) -> dict[str, Any]:
        path = self.cache_dir / _MANIFEST
        if not path.exists():
            return {"version": _VERSION, "entries": {}}
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            if not self.refresh:
                raise manifest_error(self.cache_dir, f"manifest.json is unreadable ({exc})") from None
            text = ""
        data, faults = parse_manifest(self.cache_dir, text, lenient=self.refresh)
        for fault in faults:
            self._report(CacheProblem("*", "*", str(path), fault))
        return data

    def _write_manifest(self, manifest: dict[str, Any]) -> None:
        text = json.dumps(manifest, indent=1, sort_keys=True)
        atomic_write_text(self.cache_dir / _MANIFEST, text + "\n")

    @staticmethod
    def _key(source: str, symbol: str) -> str:
        return f"{source}|{symbol}"

    def _report(self, problem: CacheProblem) -> None:
        self.problems.append(problem)
        log.warning("cache: %s", problem)

    # -- public inspection --------------------------------------------------------------------------
    def entries(self) -> list[CacheEntry]:
        """All manifest entries (every source), sorted by source and symbol."""
        with self._locked(write=False):
            manifest = self._read_manifest()
        out = [entry_from_json(self.cache_dir, e) for e in manifest["entries"].values()]
        return sorted(out, key=lambda e: (e.source, e.symbol))

    def entry(self, symbol: str, source: str | None = None) -> CacheEntry | None:
        """The manifest entry of ``symbol`` for ``source`` (default: this cache's inner source)."""
        with self._locked(write=False):
            raw = self._read_manifest()["entries"].get(self._key(source or self.source_key, symbol))
        return entry_from_json(self.cache_dir, raw) if raw else None

    def cached_frame(self, symbol: str) -> tuple[pd.DataFrame, str] | None:
        """Everything cached for ``symbol`` (this source's entry, else an imported one), never fetching.

        Returns the frame and the source key it came from, or ``None`` (a corrupt file counts as absent and
        is reported in :attr:`problems`).
        """
        with self._locked(write=False):
            manifest = self._read_manifest()
            for source in (self.source_key, IMPORT_SOURCE):
                frame = self._load(manifest, source, symbol)
                if frame is not None:
                    return frame, source
        return None

    def _cap(self, start: dt.date, end: dt.date) -> DateRange:
        return start, min(end, self._today() - dt.timedelta(days=1))

    def missing(self, symbol: str, start: dt.date, end: dt.date) -> list[DateRange]:
        """Ranges (trimmed to weekdays) of ``start..end`` that the cache cannot serve for ``symbol``."""
        with self._locked(write=False):
            manifest = self._read_manifest()
            return self._missing(manifest, symbol, *self._cap(start, end))

    def _missing(
        self, manifest: dict[str, Any], symbol: str, start: dt.date, end: dt.date, also: str | None = None
    ) -> list[DateRange]:
        if end < start:
            return []
        have: list[DateRange] = []
        for source in (self.source_key, also):
            entry = manifest["entries"].get(self._key(source, symbol)) if source else None
            if entry is not None:
                have.extend(entry_from_json(self.cache_dir, entry).ranges)
        return _lacking((start, end), have)

    # -- reading and writing files -------------------------------------------------------------------
    def _load(self, manifest: dict[str, Any], source: str, symbol: str) -> pd.DataFrame | None:
        """The cached frame if present and its checksum matches; otherwise ``None`` (problem reported)."""
        raw = manifest["entries"].get(self._key(source, symbol))
        if raw is None:
            return None
        entry = entry_from_json(self.cache_dir, raw)
        try:
            data = entry.file.read_bytes()
        except OSError as exc:
            self._report(CacheProblem(source, symbol, str(entry.file), f"unreadable: {exc}"))
            return None
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry.sha256:
            self._report(
                CacheProblem(
                    source,
                    symbol,
                    str(entry.file),
                    f"checksum mismatch (manifest {entry.sha256[:12]}, file {digest[:12]}, "
                    f"{len(data)} bytes): corrupt or truncated, not used",
                )
            )
            return None
        try:
            return read_frame(data, source, symbol)
        except Exception as exc:  # refused (another symbol's file) or unreadable parquet
            self._report(CacheProblem(source, symbol, str(entry.file), f"not used: {exc}"))
            return None

    def _store(
        self,
        manifest: dict[str, Any],
        source: str,
        symbol: str,
        frame: pd.DataFrame,
        ranges: list[DateRange],
        fetches: list[dict[str, Any]],
        detail: str = "",
    ) -> None:
        relative = Path("prices") / _slug(source) / f"{_slug(symbol)}.parquet"
        data = frame_bytes(frame, source, symbol)
        try:
            atomic_write_bytes(self.cache_dir / relative, data)  # file first, then the manifest naming it
        except OSError as exc:
            raise self._unwritable(exc) from None
        versions = sorted({str(f["library_version"]) for f in fetches if f.get("library_version")})
        fetched = [str(f["fetched_at"]) for f in fetches if f.get("fetched_at")]
        manifest["entries"][self._key(source, symbol)] = {
            "source": source,
            "symbol": symbol,
            "file": relative.as_posix(),
            "sha256": hashlib.sha256(data).hexdigest(),
            "rows": len(frame),
            "first": frame.index[0].date().isoformat() if len(frame) else None,
            "last": frame.index[-1].date().isoformat() if len(frame) else None,
            "ranges": [[a.isoformat(), b.isoformat()] for a, b in _merge_ranges(ranges)],
            "fetches": fetches,
            "fetched_at": max(fetched) if fetched else None,
            "library_versions": versions,
            "detail": detail,
        }
        manifest["version"] = _VERSION
        try:
            self._write_manifest(manifest)
        except OSError as exc:
            raise self._unwritable(exc) from None

    def store(
        self, source: str, symbol: str, frame: pd.DataFrame, covered: DateRange, provenance: Provenance
    ) -> None:
        """Put a frame in the cache under ``source`` (replacing any entry), e.g. an imported snapshot."""
        fetch = {
            "start": covered[0].isoformat(),
            "end": covered[1].isoformat(),
            "fetched_at": provenance.fetched_at.isoformat() if provenance.fetched_at else None,
            "library_version": provenance.library_version,
            "origin": provenance.source,
        }
        with self._locked():
            manifest = self._read_manifest()
            self._store(manifest, source, symbol, frame, [covered], [fetch], provenance.detail or "")

    # -- the read-through path ------------------------------------------------------------------------
    def _provenance(self, manifest: dict[str, Any], source: str, symbol: str) -> Provenance:
        entry = entry_from_json(self.cache_dir, manifest["entries"][self._key(source, symbol)])
        detail = f"{entry.file} sha256={entry.sha256[:16]} covers {_fmt(list(entry.ranges))}"
        if entry.detail:
            detail += f"; {entry.detail}"
        return Provenance(
            source=f"cache:{source}",
            fetched_at=entry.fetched_at,
            library_version=", ".join(entry.library_versions) or None,
            detail=detail,
        )

    def _rebase(self, symbol: str, old: pd.DataFrame, new: pd.DataFrame) -> pd.DataFrame:
        """Put cached rows on the adjustment basis of a fresh download, using the overlap."""
        common = old.index.intersection(new.index)
        if len(common) == 0 or len(old.index.difference(new.index)) == 0:
            return old
        out = old.copy()
        split = float(np.nanmedian((new.loc[common, "close"] / old.loc[common, "close"]).to_numpy()))
        if np.isfinite(split) and abs(split - 1.0) > 1e-4:
            for column in ("open", "high", "low", "close"):
                out[column] = out[column] * split
            out["volume"] = out["volume"] / split
            self._report(
                CacheProblem(self.source_key, symbol, "", f"cached prices re-based by {split:.6g} (split)")
            )
        ratio = float(np.nanmedian((new.loc[common, "adj_close"] / old.loc[common, "adj_close"]).to_numpy()))
        if np.isfinite(ratio) and abs(ratio - 1.0) > 1e-7:
            out["adj_close"] = out["adj_close"] * ratio
            log.info("cache: %s adj_close re-based by %.8g to the latest download", symbol, ratio)
        return out

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        """Daily prices for ``start <= date <= end`` from the cache, fetching what is missing.

        Raises
        ------
        MissingDataError
            Offline and the cache lacks part of the range (the message lists the ranges), or the cache
            entry is unusable.
        DownloadError
            From the inner source.
        """
        check_symbol(symbol)
        req_start, req_end = self._cap(start, end)
        with self._locked(write=False):  # a write, if one is needed, fails with a clear CacheError
            manifest = self._read_manifest()
            key = self._key(self.source_key, symbol)
            cached = self._load(manifest, self.source_key, symbol)
            if cached is None and key in manifest["entries"]:
                if self.offline:
                    problem = self.problems[-1] if self.problems else None
                    raise MissingDataError(
                        f"offline: the cache entry for {symbol} ({self.source_key}) in {self.cache_dir} is "
                        f"unusable ({problem.message if problem else 'unreadable'}); run without --offline "
                        "to refetch it"
                    )
                del manifest["entries"][key]  # corrupt: forget it and refetch
            if self.refresh:
                gaps = [(req_start, req_end)] if req_end >= req_start else []
            else:
                gaps = self._missing(manifest, symbol, req_start, req_end)
            if gaps and not self.refresh:
                imported = self._serve_import(manifest, symbol, start, end, req_start, req_end)
                if imported is not None:
                    return imported
            if gaps and self.offline:
                union = self._missing(manifest, symbol, req_start, req_end, also=IMPORT_SOURCE)
                if not union:
                    raise MissingDataError(
                        f"offline: the cache {self.cache_dir} holds {symbol} for {start}..{end} only split "
                        f"between sources {self.source_key!r} and {IMPORT_SOURCE!r}; run without --offline "
                        "or import a snapshot directory that covers the whole range"
                    )
                raise MissingDataError(
                    f"offline: the cache {self.cache_dir} lacks {symbol} for {_fmt(union)} "
                    f"(requested {start}..{end}); run without --offline, or import a snapshot directory"
                )
            if gaps:
                cached = self._fetch_into(manifest, symbol, cached, gaps)
            if cached is None or key not in manifest["entries"]:
                raise MissingDataError(f"the cache holds no data for {symbol} in {start}..{end}")
            window = cached.loc[pd.Timestamp(start) : pd.Timestamp(end)]
            if window.empty:
                span = f"{cached.index[0].date()}..{cached.index[-1].date()}" if len(cached) else "none"
                raise MissingDataError(f"{symbol}: no rows in {start}..{end} (cached rows {span})")
            return PriceHistory(symbol, window.copy(), self._provenance(manifest, self.source_key, symbol))

    def held(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory | None:
        """What the cache holds of ``symbol`` in ``start..end``, never fetching, even when it holds a part.

        Like a CSV folder (``--prices``), a range the cache covers only in part returns the overlap, so the
        events whose windows it covers can be studied. Of this source's entry and an imported one, the one
        with more rows in the range serves (ties: this source's); its provenance names the part it lacks.
        ``None`` when neither has a row in the range (or a usable file).
        """
        check_symbol(symbol)
        best: tuple[str, pd.DataFrame] | None = None
        with self._locked(write=False):
            manifest = self._read_manifest()
            for source in dict.fromkeys((self.source_key, IMPORT_SOURCE)):
                frame = self._load(manifest, source, symbol)
                if frame is None:
                    continue
                window = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
                if len(window) and (best is None or len(window) > len(best[1])):
                    best = (source, window)
            if best is None:
                return None
            source, window = best
            provenance = self._provenance(manifest, source, symbol)
            entry = entry_from_json(self.cache_dir, manifest["entries"][self._key(source, symbol)])
        lacks = _lacking((start, end), entry.ranges)
        if lacks:
            provenance = dataclasses.replace(
                provenance,
                detail=f"{provenance.detail}; served in part: lacks {_fmt(lacks)} of {start}..{end}",
            )
        return PriceHistory(symbol, window.copy(), provenance)

    def _serve_import(
        self,
        manifest: dict[str, Any],
        symbol: str,
        start: dt.date,
        end: dt.date,
        req_start: dt.date,
        req_end: dt.date,
    ) -> PriceHistory | None:
        key = self._key(IMPORT_SOURCE, symbol)
        if self.source_key == IMPORT_SOURCE or key not in manifest["entries"]:
            return None
        entry = entry_from_json(self.cache_dir, manifest["entries"][key])
        if _lacking((req_start, req_end), entry.ranges):
            return None
        frame = self._load(manifest, IMPORT_SOURCE, symbol)
        if frame is None:
            return None
        window = frame.loc[pd.Timestamp(start) : pd.Timestamp(end)]
        if window.empty:
            return None
        return PriceHistory(symbol, window.copy(), self._provenance(manifest, IMPORT_SOURCE, symbol))

    def _fetch_into(
        self, manifest: dict[str, Any], symbol: str, cached: pd.DataFrame | None, gaps: list[DateRange]
    ) -> pd.DataFrame:
        key = self._key(self.source_key, symbol)
        old_entry = manifest["entries"].get(key)
        ranges = [] if old_entry is None else list(entry_from_json(self.cache_dir, old_entry).ranges)
        fetches: list[dict[str, Any]] = [] if old_entry is None else list(old_entry.get("fetches", []))
        frame = cached
        for lo, hi in gaps:
            fetch_lo, fetch_hi = lo, hi
            if frame is not None and len(frame):  # overlap with cached rows to check the adjustment basis
                first, last = frame.index[0].date(), frame.index[-1].date()
                if lo > first:
                    fetch_lo = max(first, lo - dt.timedelta(days=_OVERLAP_DAYS))
                if hi < last:
                    fetch_hi = min(last, hi + dt.timedelta(days=_OVERLAP_DAYS))
            got = self.inner.history(symbol, fetch_lo, fetch_hi)
            new = got.frame.loc[:, list(PRICE_COLUMNS)].astype("float64")
            if frame is None or frame.empty:
                frame = new
            else:
                old = self._rebase(symbol, frame, new)
                keep = old.loc[~old.index.isin(new.index)]
                frame = pd.concat([keep, new]).sort_index()
            ranges.append((fetch_lo, fetch_hi))
            fetches.append(
                {
                    "start": fetch_lo.isoformat(),
                    "end": fetch_hi.isoformat(),
                    "fetched_at": (got.provenance.fetched_at or dt.datetime.now(dt.UTC)).isoformat(),
                    "library_version": got.provenance.library_version,
                    "origin": got.provenance.source,
                    "detail": got.provenance.detail,
                }
            )
        assert frame is not None
        frame.index = pd.DatetimeIndex(frame.index, name="date")
        self._store(manifest, self.source_key, symbol, frame, ranges, fetches)
        return frame
