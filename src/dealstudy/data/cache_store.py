"""The cache's files under a lock: the manifest, checked price files, problems found.

Layout of ``cache_dir`` (default ``platformdirs.user_cache_dir("dealstudy")``)::

    manifest.json              # one entry per (source, symbol): ranges covered, fetches, sha256, rows
    .lock                      # filelock.FileLock guarding manifest + files
    prices/<source>/<SYMBOL>.parquet

Files and manifest are written atomically (temp file + rename) under a file lock, so two processes sharing
the cache are safe. Before use every file is checked against the manifest's sha256: a corrupt or truncated
file is reported (:attr:`CacheStore.problems` and the ``dealstudy.data.cache`` logger) and not used. The
read-through path on top of this store is :class:`dealstudy.data.cache.CachedSource`.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

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
from dealstudy.data.cache_ranges import DateRange, format_ranges, merge_ranges
from dealstudy.data.source import Provenance
from dealstudy.errors import CacheError

__all__ = ["IMPORT_SOURCE", "CacheProblem", "CacheStore", "default_cache_dir"]

#: The cache's problems keep the logger of :mod:`dealstudy.data.cache`.
log = logging.getLogger("dealstudy.data.cache")

#: Source key under which ``prices import DIR`` stores snapshot files.
IMPORT_SOURCE = "import"
_MANIFEST = "manifest.json"
#: Errors of a folder or disk that cannot be written.
_READ_ONLY = frozenset({errno.EROFS, errno.EACCES, errno.EPERM})
_VERSION = 1


def default_cache_dir() -> Path:
    """``platformdirs.user_cache_dir("dealstudy")``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("dealstudy"))


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._=^-]", "_", text).strip("._") or "_"


@dataclass(frozen=True)
class CacheProblem:
    """Something wrong found in the cache (reported, never silently used)."""

    source: str
    symbol: str
    file: str
    message: str

    def __str__(self) -> str:
        return f"{self.symbol} ({self.source}) {self.file}: {self.message}"


class CacheStore:
    """The files of a cache folder for one source key: manifest, checked frames, the lock.

    Parameters
    ----------
    cache_dir : Path, optional
        Cache folder; default :func:`default_cache_dir`.
    source_key : str
        The source whose entries :meth:`entry` reads by default.
    refresh : bool, default False
        Read a damaged manifest leniently (its broken entries are dropped and reported).
    lock_timeout : float, default 600
        Seconds to wait for another process holding the cache lock (then :class:`CacheError`).

    Attributes
    ----------
    problems : list of CacheProblem
        Everything found wrong (corrupt files, re-based adjustments) during this object's life.
    """

    def __init__(
        self, cache_dir: Path | str | None, *, source_key: str, refresh: bool, lock_timeout: float
    ) -> None:
        self.cache_dir = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        self.refresh = refresh
        self.source_key = source_key
        self.problems: list[CacheProblem] = []
        self._lock = FileLock(str(self.cache_dir / ".lock"), timeout=lock_timeout)

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
            "ranges": [[a.isoformat(), b.isoformat()] for a, b in merge_ranges(ranges)],
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

    # -- provenance of an entry ----------------------------------------------------------------------
    def _provenance(self, manifest: dict[str, Any], source: str, symbol: str) -> Provenance:
        entry = entry_from_json(self.cache_dir, manifest["entries"][self._key(source, symbol)])
        detail = f"{entry.file} sha256={entry.sha256[:16]} covers {format_ranges(list(entry.ranges))}"
        if entry.detail:
            detail += f"; {entry.detail}"
        return Provenance(
            source=f"cache:{source}",
            fetched_at=entry.fetched_at,
            library_version=", ".join(entry.library_versions) or None,
            detail=detail,
        )
