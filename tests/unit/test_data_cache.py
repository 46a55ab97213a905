"""The read-through cache: coverage bookkeeping, atomicity, checksums, concurrency, offline messages."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.data.cache import IMPORT_SOURCE, CachedSource
from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, Provenance
from dealstudy.errors import MissingDataError

D = dt.date
TODAY = D(2026, 11, 29)


class FakeSource:
    """Deterministic daily bars on weekdays; ``adj_basis`` scales adj_close like a later Yahoo download."""

    name = "fake"

    def __init__(self, adj_basis: float = 1.0, delay: float = 0.0) -> None:
        self.adj_basis = adj_basis
        self.delay = delay
        self.calls: list[tuple[str, dt.date, dt.date]] = []

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        self.calls.append((symbol, start, end))
        if self.delay:
            time.sleep(self.delay)
        days = pd.bdate_range(start, end, name="date")
        t = (days - pd.Timestamp("2020-01-01")).days.to_numpy(dtype=float)
        close = 100.0 + 10.0 * np.sin(t / 7.0) + len(symbol)
        frame = pd.DataFrame(
            {
                "open": close - 0.5,
                "high": close + 1.0,
                "low": close - 1.0,
                "close": close,
                "adj_close": close * 0.9 * self.adj_basis,
                "volume": np.full(len(days), 1000.0),
            },
            index=days,
        )
        return PriceHistory(
            symbol, frame, Provenance("fake", dt.datetime(2026, 11, 1, tzinfo=dt.UTC), "fake 1.0")
        )


def _cache(tmp_path: Path, inner: FakeSource | None = None, **kw: object) -> CachedSource:
    return CachedSource(inner or FakeSource(), tmp_path / "cache", today=lambda: TODAY, **kw)  # type: ignore[arg-type]


def test_read_through_fetches_only_missing_ranges(tmp_path: Path) -> None:
    inner = FakeSource()
    cache = _cache(tmp_path, inner)
    first = cache.history("AMD", D(2025, 1, 1), D(2025, 3, 31))
    assert list(first.frame.columns) == list(PRICE_COLUMNS)
    assert first.frame.index[0] == pd.Timestamp("2025-01-01")  # the fake trades on holidays
    assert inner.calls == [("AMD", D(2025, 1, 1), D(2025, 3, 31))]
    again = cache.history("AMD", D(2025, 2, 1), D(2025, 3, 1))
    assert len(inner.calls) == 1
    assert again.provenance.source == "cache:fake"
    assert again.provenance.library_version == "fake 1.0"
    cache.history("AMD", D(2025, 1, 2), D(2025, 4, 30))
    # only April was missing; it is fetched with a few days of overlap to check the adjustment basis
    assert inner.calls[1] == ("AMD", D(2025, 3, 22), D(2025, 4, 30))
    entry = cache.entry("AMD")
    assert entry is not None
    assert entry.ranges == ((D(2025, 1, 1), D(2025, 4, 30)),)
    manifest = json.loads((tmp_path / "cache" / "manifest.json").read_text())
    raw = manifest["entries"]["fake|AMD"]
    assert raw["sha256"] == hashlib.sha256(entry.file.read_bytes()).hexdigest()
    assert raw["library_versions"] == ["fake 1.0"]
    fresh = FakeSource().history("AMD", D(2025, 1, 2), D(2025, 4, 30)).frame
    cached = cache.history("AMD", D(2025, 1, 2), D(2025, 4, 30)).frame
    pd.testing.assert_frame_equal(cached, fresh, check_freq=False)


def test_weekend_only_gap_is_not_missing(tmp_path: Path) -> None:
    inner = FakeSource()
    cache = _cache(tmp_path, inner)
    cache.history("AMD", D(2025, 10, 1), D(2025, 10, 3))
    assert cache.missing("AMD", D(2025, 10, 1), D(2025, 10, 5)) == []
    assert cache.missing("AMD", D(2025, 10, 1), D(2025, 10, 7)) == [(D(2025, 10, 6), D(2025, 10, 7))]


def test_refresh_refetches(tmp_path: Path) -> None:
    inner = FakeSource()
    _cache(tmp_path, inner).history("AMD", D(2025, 1, 2), D(2025, 1, 31))
    _cache(tmp_path, inner, refresh=True).history("AMD", D(2025, 1, 2), D(2025, 1, 31))
    assert len(inner.calls) == 2


def test_requests_are_capped_at_yesterday(tmp_path: Path) -> None:
    inner = FakeSource()
    _cache(tmp_path, inner).history("AMD", D(2026, 11, 2), D(2026, 12, 31))
    assert inner.calls == [("AMD", D(2026, 11, 2), D(2026, 11, 27))]  # 11-28 is not a session (Saturday)


def test_new_download_rebases_cached_adjusted_closes(tmp_path: Path) -> None:
    _cache(tmp_path, FakeSource(adj_basis=1.0)).history("AMD", D(2025, 1, 2), D(2025, 3, 31))
    # a dividend since the first download: Yahoo's adj_close basis moved by 2%
    cache = _cache(tmp_path, FakeSource(adj_basis=0.98))
    merged = cache.history("AMD", D(2025, 1, 2), D(2025, 4, 30)).frame
    reference = FakeSource(adj_basis=0.98).history("AMD", D(2025, 1, 2), D(2025, 4, 30)).frame
    np.testing.assert_allclose(merged["adj_close"], reference["adj_close"], rtol=1e-12)
    returns = merged["adj_close"].pct_change().dropna()
    np.testing.assert_allclose(returns, reference["adj_close"].pct_change().dropna(), rtol=1e-9)


def test_offline_lists_exactly_the_missing_symbol_and_ranges(tmp_path: Path) -> None:
    inner = FakeSource()
    _cache(tmp_path, inner).history("AMD", D(2025, 1, 1), D(2025, 3, 31))
    offline = _cache(tmp_path, inner, offline=True)
    with pytest.raises(MissingDataError) as info:
        offline.history("AMD", D(2024, 12, 1), D(2025, 6, 30))
    assert str(info.value) == (
        f"offline: the cache {tmp_path / 'cache'} lacks AMD for 2024-12-02..2024-12-31, "
        "2025-04-01..2025-06-30 (requested 2024-12-01..2025-06-30); run without --offline, or import a "
        "snapshot directory"
    )
    assert len(inner.calls) == 1  # never called offline
    assert len(offline.history("AMD", D(2025, 2, 1), D(2025, 2, 28)).frame) == 20


def test_interrupted_write_leaves_old_file_intact(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cache = _cache(tmp_path)
    cache.history("AMD", D(2025, 1, 2), D(2025, 1, 31))
    entry = cache.entry("AMD")
    assert entry is not None
    old_bytes = entry.file.read_bytes()
    old_manifest = (tmp_path / "cache" / "manifest.json").read_bytes()

    import dealstudy._atomic as atomic

    def crash(src: str, dst: str) -> None:
        raise KeyboardInterrupt("killed while renaming")

    monkeypatch.setattr(atomic.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        _cache(tmp_path).history("AMD", D(2025, 1, 2), D(2025, 2, 28))
    monkeypatch.undo()
    assert entry.file.read_bytes() == old_bytes
    assert (tmp_path / "cache" / "manifest.json").read_bytes() == old_manifest
    leftovers = [p.name for p in (tmp_path / "cache").rglob("*.tmp")]
    assert leftovers == []
    reader = _cache(tmp_path, offline=True)
    assert len(reader.history("AMD", D(2025, 1, 2), D(2025, 1, 31)).frame) == 22
    assert reader.problems == []


def test_corrupt_file_detected_reported_and_refetched(tmp_path: Path) -> None:
    inner = FakeSource()
    cache = _cache(tmp_path, inner)
    cache.history("AMD", D(2025, 1, 2), D(2025, 1, 31))
    entry = cache.entry("AMD")
    assert entry is not None
    data = entry.file.read_bytes()
    entry.file.write_bytes(data[: len(data) // 2])  # truncated

    offline = _cache(tmp_path, inner, offline=True)
    with pytest.raises(
        MissingDataError, match=r"cache entry for AMD \(fake\) .* is unusable \(checksum mismatch"
    ):
        offline.history("AMD", D(2025, 1, 2), D(2025, 1, 31))
    assert len(offline.problems) == 1

    online = _cache(tmp_path, inner)
    got = online.history("AMD", D(2025, 1, 2), D(2025, 1, 31))
    assert len(got.frame) == 22
    assert len(online.problems) == 1
    assert "checksum mismatch" in online.problems[0].message
    assert len(inner.calls) == 2  # refetched
    assert _cache(tmp_path, inner, offline=True).history("AMD", D(2025, 1, 2), D(2025, 1, 31)) is not None


def _worker(cache_dir: str, symbol: str, queue: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    try:
        cache = CachedSource(FakeSource(delay=0.2), Path(cache_dir), today=lambda: TODAY)  # type: ignore[arg-type]
        for month in (1, 2, 3):
            cache.history(symbol, D(2025, month, 1), D(2025, month, 28))
        queue.put((symbol, "ok"))
    except BaseException as exc:  # report to the parent
        queue.put((symbol, repr(exc)))


def test_two_processes_writing_at_once(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    cache_dir = str(tmp_path / "cache")
    procs = [ctx.Process(target=_worker, args=(cache_dir, sym, queue)) for sym in ("AMD", "NVDA", "AMD")]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    results = sorted(queue.get(timeout=5) for _ in procs)
    assert results == [("AMD", "ok"), ("AMD", "ok"), ("NVDA", "ok")]
    assert all(p.exitcode == 0 for p in procs)
    reader = _cache(tmp_path, offline=True)
    entries = {e.symbol: e for e in reader.entries()}
    assert set(entries) == {"AMD", "NVDA"}
    for entry in entries.values():
        assert hashlib.sha256(entry.file.read_bytes()).hexdigest() == entry.sha256
    amd = reader.history("AMD", D(2025, 1, 2), D(2025, 3, 28)).frame
    assert amd.index.is_unique
    assert amd.index.is_monotonic_increasing
    assert reader.problems == []


def test_imported_snapshot_serves_offline(tmp_path: Path) -> None:
    frame = FakeSource().history("AMD", D(2025, 1, 2), D(2025, 3, 31)).frame
    writer = _cache(tmp_path)
    writer.store(IMPORT_SOURCE, "AMD", frame, (D(2025, 1, 2), D(2025, 3, 31)), Provenance("csv:/snap"))
    offline = _cache(tmp_path, offline=True)
    got = offline.history("AMD", D(2025, 2, 1), D(2025, 2, 28))
    assert got.provenance.source == "cache:import"
    assert len(got.frame) == 20
    with pytest.raises(MissingDataError, match=r"lacks AMD for 2025-04-01\.\.2025-04-30"):
        offline.history("AMD", D(2025, 3, 1), D(2025, 4, 30))


def test_held_serves_the_part_of_a_range_the_cache_covers_never_fetching(tmp_path: Path) -> None:
    inner = FakeSource()
    _cache(tmp_path, inner).history("AMD", D(2025, 1, 1), D(2025, 3, 31))
    imported = FakeSource().history("AMD", D(2025, 1, 1), D(2025, 1, 31)).frame * 2.0
    january = (D(2025, 1, 1), D(2025, 1, 31))
    _cache(tmp_path).store(IMPORT_SOURCE, "AMD", imported, january, Provenance("csv:x"))
    offline = _cache(tmp_path, inner, offline=True)
    got = offline.held("AMD", D(2025, 2, 1), D(2025, 6, 30))
    assert got is not None
    assert got.provenance.source == "cache:fake"  # more rows in the range than the import
    assert (got.frame.index[0].date(), got.frame.index[-1].date()) == (D(2025, 2, 3), D(2025, 3, 31))
    lacks = "served in part: lacks 2025-04-01..2025-06-30 of 2025-02-01..2025-06-30"
    assert lacks in str(got.provenance.detail)
    early = offline.held("AMD", D(2024, 12, 1), D(2025, 1, 10))
    assert early is not None
    assert len(early.frame) == 8  # 2025-01-01..01-10: a tie of 8 sessions, this source's entry first
    assert early.provenance.source == "cache:fake"
    assert "lacks 2024-12-02..2024-12-31" in str(early.provenance.detail)
    assert offline.held("AMD", D(2025, 7, 1), D(2025, 7, 31)) is None  # no row in the range
    assert offline.held("NVDA", D(2025, 1, 1), D(2025, 3, 31)) is None
    assert len(inner.calls) == 1  # never fetched
