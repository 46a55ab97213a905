"""The pinned snapshot: contents, checksums, damage refused, writing; the cache -> Yahoo -> snapshot chain."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.catalog import load_catalog
from dealstudy.data import PRICES_ENV, open_sources
from dealstudy.data.cache import IMPORT_SOURCE, CachedSource
from dealstudy.data.chain import ChainSharesSource, ChainSource, Network, is_network_failure
from dealstudy.data.csv_dir import read_price_csv, read_shares_csv
from dealstudy.data.factors import load_factors
from dealstudy.data.snapshot import (
    MANIFEST,
    TABLES,
    Snapshot,
    SnapshotSharesSource,
    SnapshotSource,
    embedded_snapshot_dir,
    write_snapshot,
)
from dealstudy.data.source import PRICE_COLUMNS, PriceHistory, Provenance, SharesCount
from dealstudy.errors import DownloadError, MissingDataError, SnapshotError

D = dt.date
REPO = Path(__file__).resolve().parents[2]


def _frame(days: int = 30, start: str = "2025-01-02", base: float = 100.0) -> pd.DataFrame:
    index = pd.bdate_range(start, periods=days, name="date")
    close = base + np.arange(days, dtype=float)
    return pd.DataFrame(
        {"open": close, "high": close + 1, "low": close - 1, "close": close, "adj_close": close * 0.9,
         "volume": np.full(days, 10.0)},
        index=index,
    )  # fmt: skip


def _small_snapshot(folder: Path) -> Snapshot:
    shares = pd.DataFrame(
        {"symbol": ["AAA"], "as_of": [pd.Timestamp("2024-12-31")], "shares": [1e9], "source": ["10-K"]}
    )
    write_snapshot(
        folder,
        {"AAA": _frame(), "SPY": _frame(base=500.0)},
        {"shares_outstanding": shares},
        version="t1",
        as_of=D(2025, 3, 1),
        provenance="# test\n",
    )
    return Snapshot(folder)


# --- the embedded snapshot ---------------------------------------------------------------------------------


def test_embedded_snapshot_is_complete_verified_and_small() -> None:
    snap = Snapshot()
    files = snap.manifest["files"]
    assert set(files) == {"prices.parquet", "PROVENANCE.md", *(f"{t}.parquet" for t in TABLES)}
    total = 0
    for name, entry in files.items():
        data = (embedded_snapshot_dir() / name).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], name
        total += len(data)
    assert total < 3_000_000  # a few MB at most
    catalog = load_catalog(REPO / "events")
    tickers = {s.ticker for deal in catalog.deals for s in deal.securities}
    assert tickers <= set(snap.symbols()), tickers - set(snap.symbols())
    for symbol in ("SPY", "^N225", "^KS11", "JPY=X", "KRW=X"):
        assert symbol in snap.symbols()
    proxy = snap.table("shares_weighted_average")
    assert proxy["label"].str.startswith("proxy").all()
    assert {"symbol", "release_date"} <= set(snap.table("earnings_dates").columns)
    assert "Sources" in snap.read_verified("PROVENANCE.md").decode()


@pytest.mark.shared
def test_embedded_snapshot_equals_the_shared_files(shared_dir: Path, tmp_path: Path) -> None:
    snap = Snapshot()
    prices = shared_dir / "data" / "prices"
    for path in sorted(prices.glob("*.csv")):
        if path.name == "shares_outstanding.csv":
            continue
        expected = read_price_csv(path)
        got = snap.prices(path.stem)
        pd.testing.assert_frame_equal(got, expected[list(PRICE_COLUMNS)], check_freq=False)
    shares = read_shares_csv(prices / "shares_outstanding.csv")
    assert len(snap.table("shares_outstanding")) == len(shares)
    ff = load_factors(shared_dir / "data" / "ff_factors_daily.csv", "ff3")
    folder = snap.write_factor_csvs(tmp_path / "ff")
    assert folder is not None
    pd.testing.assert_frame_equal(load_factors(folder, "ff3"), ff, check_freq=False)


# --- damage and writing ------------------------------------------------------------------------------------


def test_damaged_file_is_named_and_refused(tmp_path: Path) -> None:
    snap = _small_snapshot(tmp_path / "s")
    path = tmp_path / "s" / "prices.parquet"
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    source = SnapshotSource(Snapshot(tmp_path / "s"))
    with pytest.raises(SnapshotError, match=r"prices\.parquet: damaged snapshot file, refused"):
        source.history("AAA", D(2025, 1, 1), D(2025, 2, 1))
    # the undamaged shares file is still served
    assert SnapshotSharesSource(snap).shares_on("AAA", D(2025, 1, 5)) == SharesCount(
        "AAA", D(2024, 12, 31), 1e9, "10-K"
    )


def test_write_then_read_round_trip_and_refuses_a_used_folder(tmp_path: Path) -> None:
    snap = _small_snapshot(tmp_path / "s")
    assert snap.label == "snapshot t1 (as of 2025-03-01)"
    assert snap.coverage()["AAA"].rows == 30
    got = SnapshotSource(snap).history("AAA", D(2025, 1, 6), D(2025, 1, 10)).frame
    pd.testing.assert_frame_equal(got, _frame().loc["2025-01-06":"2025-01-10"], check_freq=False)
    with pytest.raises(MissingDataError, match="has no prices for ZZZ"):
        snap.prices("ZZZ")
    with pytest.raises(SnapshotError, match="not an empty folder"):
        _small_snapshot(tmp_path / "s")
    (tmp_path / "s" / MANIFEST).write_text(json.dumps({"format": 99}))
    with pytest.raises(SnapshotError, match="not a format-1 snapshot manifest"):
        _ = Snapshot(tmp_path / "s").version


# --- the chain -------------------------------------------------------------------------------------------


class Unreachable:
    """A Yahoo stand-in whose every download fails like a refused connection."""

    name = "yahoo"

    def __init__(self) -> None:
        self.calls = 0

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        self.calls += 1
        try:
            raise ConnectionError("Failed to connect to query2.finance.yahoo.com")
        except ConnectionError as exc:
            raise DownloadError(f"{symbol}: Yahoo download failed after 5 attempts") from exc


class Serving:
    name = "yahoo"

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        frame = _frame(base=7.0).loc[pd.Timestamp(start) : pd.Timestamp(end)]
        return PriceHistory(symbol, frame, Provenance("yahoo"))


def _chain(tmp_path: Path, inner: object, snap: Snapshot) -> tuple[ChainSource, list[str]]:
    told: list[str] = []
    network = Network(snap, notify=told.append)
    online = CachedSource(inner, tmp_path / "cache", today=lambda: D(2026, 1, 1))  # type: ignore[arg-type]
    offline = CachedSource(inner, tmp_path / "cache", offline=True)  # type: ignore[arg-type]
    return ChainSource(online, offline, network), told


def test_unreachable_network_falls_back_once_to_the_snapshot(tmp_path: Path) -> None:
    snap = _small_snapshot(tmp_path / "s")
    inner = Unreachable()
    chain, told = _chain(tmp_path, inner, snap)
    got = chain.history("AAA", D(2025, 1, 2), D(2025, 1, 31))
    assert got.provenance.source == snap.label
    assert float(got.frame["close"].iloc[0]) == 100.0
    chain.history("SPY", D(2025, 1, 2), D(2025, 1, 31))
    assert inner.calls == 1  # the breaker: the network is not tried again
    assert len(told) == 1
    assert "Yahoo Finance is unreachable" in told[0]
    assert "snapshot t1 (as of 2025-03-01)" in told[0]
    assert chain.served == {"AAA": snap.label, "SPY": snap.label}
    with pytest.raises(MissingDataError, match="has none either"):  # the cache, offline after the breaker
        chain.history("ZZZ", D(2025, 1, 2), D(2025, 1, 31))


def _import(cache_dir: Path, frame: pd.DataFrame) -> None:
    """``prices import`` of one file: ``AAA`` under the cache's import source."""
    cache = CachedSource(Unreachable(), cache_dir, offline=True)  # type: ignore[arg-type]
    covered = (frame.index[0].date(), frame.index[-1].date())
    cache.store(IMPORT_SOURCE, "AAA", frame, covered, Provenance("csv:test"))


@pytest.mark.parametrize("online", [False, True], ids=["offline", "network-down"])
def test_a_cache_that_covers_part_of_the_range_serves_it_like_a_csv_folder(
    tmp_path: Path, online: bool
) -> None:
    snap = _small_snapshot(tmp_path / "s")  # AAA: the same 30 sessions from 2025-01-02 as the import
    _import(tmp_path / "cache", _frame(base=300.0))
    chain, told = _chain(tmp_path, Unreachable(), snap)
    if not online:
        chain = ChainSource(None, chain.offline, chain.network)
    got = chain.history("AAA", D(2025, 1, 2), D(2025, 3, 31))  # the run asks beyond the data
    assert float(got.frame["close"].iloc[0]) == 300.0  # the cache's, not the snapshot's (a tie: the cache)
    assert (got.frame.index[0].date(), got.frame.index[-1].date()) == (D(2025, 1, 2), D(2025, 2, 12))
    assert got.provenance.source == "cache:import"
    lacks = "served in part: lacks 2025-02-13..2025-03-31 of 2025-01-02..2025-03-31"
    assert lacks in str(got.provenance.detail)
    assert chain.served == {"AAA": "cache (offline), in part"}
    assert told == []  # the snapshot served nothing: no note about it
    assert chain.stale_note("AAA", D(2025, 2, 11)) is None  # covered: no note
    note = chain.stale_note("AAA", D(2025, 2, 20))
    assert note is not None
    assert f"the cache {tmp_path / 'cache'} holds prices of AAA only to 2025-02-12, not after day 0" in note
    assert "fetch them first" not in note
    assert ("run without --offline" in note) is (not online)


def test_the_snapshot_serves_when_it_holds_more_of_the_range_than_the_cache(tmp_path: Path) -> None:
    snap = _small_snapshot(tmp_path / "s")
    _import(tmp_path / "cache", _frame(days=10, base=300.0))
    chain, told = _chain(tmp_path, Unreachable(), snap)
    chain = ChainSource(None, chain.offline, chain.network)
    got = chain.history("AAA", D(2025, 1, 2), D(2025, 3, 31))
    assert float(got.frame["close"].iloc[0]) == 100.0
    assert len(got.frame) == 30
    assert chain.served == {"AAA": snap.label}
    assert len(told) == 1
    assert told[0].startswith("note: offline run (no network); using the pinned data snapshot t1")


def test_yahoo_serves_first_and_the_cache_after(tmp_path: Path) -> None:
    snap = _small_snapshot(tmp_path / "s")
    chain, told = _chain(tmp_path, Serving(), snap)
    got = chain.history("AAA", D(2025, 1, 2), D(2025, 1, 31))
    assert float(got.frame["close"].iloc[0]) == 7.0  # Yahoo's, not the snapshot's
    assert chain.served["AAA"] == "Yahoo Finance via the cache"
    assert told == []


def test_shares_chain_falls_back_to_the_snapshot(tmp_path: Path) -> None:
    snap = _small_snapshot(tmp_path / "s")

    class NoShares:
        name = "yahoo"

        def shares_on(self, symbol: str, on: dt.date) -> SharesCount | None:
            raise DownloadError("AAA: shares failed") from TimeoutError("timed out")

    network = Network(snap, notify=lambda _: None)
    shares = ChainSharesSource(NoShares(), network, online=True)
    count = shares.shares_on("AAA", D(2025, 2, 1))
    assert count is not None
    assert count.shares == 1e9
    assert network.down is not None


def test_network_failure_detection() -> None:
    refused = DownloadError("x")
    refused.__cause__ = ConnectionRefusedError("refused")
    assert is_network_failure(refused)
    assert not is_network_failure(DownloadError("AMD: Yahoo returned no rows"))


def test_open_sources_default_chain_and_snapshot_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(PRICES_ENV, raising=False)
    default = open_sources(cache=tmp_path / "c")
    assert isinstance(default.prices, ChainSource)
    assert "then the pinned data snapshot" in default.description
    assert not (tmp_path / "c").exists()  # opening writes nothing: factor files appear on first use
    folder = default.factors_folder()
    assert folder is not None
    assert folder.is_relative_to(tmp_path / "c")
    assert len(load_factors(folder, "ff3")) > 100
    only = open_sources(cache=tmp_path / "c", snapshot="only")
    assert isinstance(only.prices, SnapshotSource)
    got = only.prices.history("AMD", D(2025, 10, 1), D(2025, 10, 10))
    assert got.provenance.source == Snapshot().label
    assert only.shares.shares_on("AMD", D(2025, 10, 5)) is not None
    only_folder = only.factors_folder()
    assert only_folder is not None
    assert load_factors(only_folder, "ff5").equals(load_factors(folder, "ff5"))


def test_an_event_newer_than_the_snapshot_says_so(tmp_path: Path) -> None:
    from dealstudy.pipeline.fallback import mark_stale
    from dealstudy.pipeline.study import run_study

    days = pd.bdate_range("2024-01-02", periods=300, name="date")
    rng = np.random.default_rng(7)
    frames = {s: _frame(300, "2024-01-02", 100.0) * np.cumprod(1 + rng.normal(0, 0.01, (300, 1)), axis=0)
              for s in ("AAA", "SPY")}  # fmt: skip
    for frame in frames.values():
        frame["volume"] = 10.0
    write_snapshot(tmp_path / "s", frames, {}, version="t3", as_of=D(2025, 3, 1), provenance="# t\n")
    sources = open_sources(snapshot="only", snapshot_dir=tmp_path / "s", cache=tmp_path / "c")
    late = days[-1] + pd.Timedelta(days=30)
    events = pd.DataFrame({"event_id": ["old", "new"], "ticker": ["AAA", "AAA"], "day0": [days[280], late]})
    study = mark_stale(run_study(events, sources), sources.prices)
    out = study.outcomes.set_index("event_id")
    assert out.loc["old", "outcome"] == "ok"
    assert out.loc["new", "outcome"] == "day0_outside_data"
    assert (
        f"the pinned data snapshot t3 (as of 2025-03-01) has prices of AAA only to {days[-1].date()}, "
        f"not after day 0 ({late.date()}): this event is newer than the snapshot" in out.loc["new", "reason"]
    )
