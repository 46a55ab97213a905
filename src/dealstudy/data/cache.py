"""A read-through on-disk cache in front of any :class:`~dealstudy.data.source.PriceSource`.

The files, manifest and lock are :class:`~dealstudy.data.cache_store.CacheStore`'s (layout in
:mod:`dealstudy.data.cache_store`). Only the ranges not yet covered are fetched (trimmed to weekdays, so a
weekend gap is not "missing"). A corrupt or truncated file is reported (:attr:`CachedSource.problems` and
the ``dealstudy.data.cache`` logger) and refetched, or, offline, reported as unusable; it is never used.

Adjustment basis: Yahoo's ``adj_close`` (and, after a split, every price) is re-based at each download. When
a new piece is fetched next to cached rows, it is fetched with a few days of overlap; if the overlap shows
a different basis, the cached rows are rescaled by the overlap ratio so that returns across the seam are
right (the rescaling is reported).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dealstudy.data.cache_files import CacheEntry, entry_from_json
from dealstudy.data.cache_ranges import DateRange, format_ranges, lacking
from dealstudy.data.cache_store import IMPORT_SOURCE, CacheProblem, CacheStore, default_cache_dir
from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, PriceSource, check_symbol
from dealstudy.errors import MissingDataError

__all__ = ["IMPORT_SOURCE", "CacheEntry", "CacheProblem", "CachedSource", "DateRange", "default_cache_dir"]

log = logging.getLogger(__name__)

_OVERLAP_DAYS = 10


class CachedSource(CacheStore):
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
        super().__init__(cache_dir, source_key=inner.name, refresh=refresh, lock_timeout=lock_timeout)
        self.inner = inner
        self.offline = offline
        self.name = f"cache:{inner.name}"
        self._today: Callable[[], dt.date] = today or (lambda: dt.datetime.now(dt.UTC).date())

    # -- the read-through path ------------------------------------------------------------------------
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
        return lacking((start, end), have)

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
                    f"offline: the cache {self.cache_dir} lacks {symbol} for {format_ranges(union)} "
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
        lacks = lacking((start, end), entry.ranges)
        if lacks:
            provenance = dataclasses.replace(
                provenance,
                detail=f"{provenance.detail}; served in part: lacks {format_ranges(lacks)} of {start}..{end}",
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
        if lacking((req_start, req_end), entry.ranges):
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
