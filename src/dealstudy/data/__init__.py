"""The data layer: the only part of dealstudy that reads data files or touches the network.

:func:`open_sources` is the single entry point every command uses. It returns a :class:`DataSources`
bundle: a price source, a shares-outstanding source and the folder holding factor files.

* ``prices=DIR`` (or ``$DEALSTUDY_PRICES_DIR``): CSV snapshots in ``DIR`` (:class:`CsvDirSource`), shares from
  ``DIR/shares_outstanding.csv``, factor files from ``DIR`` or its parent. No network.
* otherwise (``snapshot="fallback"``, the default): the source order of :mod:`dealstudy.data.chain`: the
  on-disk cache (:class:`CachedSource`), Yahoo Finance for what it lacks or what is newer (not with
  ``offline=True``), then the pinned snapshot shipped with the package (:mod:`dealstudy.data.snapshot`);
  share counts and factor files likewise.
* ``snapshot="only"`` (``--snapshot``): the pinned snapshot alone, a fully reproducible build.
* ``snapshot="off"``: the cache and Yahoo only (``prices fetch``, tests of the cache).
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from dealstudy.data.cache import CachedSource, default_cache_dir
from dealstudy.data.chain import ChainSharesSource, ChainSource, Network
from dealstudy.data.csv_dir import SHARES_FILE, CsvDirSource, CsvSharesSource
from dealstudy.data.factors import find_factor_files
from dealstudy.data.network import DEFAULT_DEADLINE, DEFAULT_REQUEST_TIMEOUT, NetworkGuard
from dealstudy.data.snapshot import Snapshot, SnapshotSharesSource, SnapshotSource
from dealstudy.data.source import (
    PRICE_COLUMNS,
    PriceHistory,
    PriceSource,
    Provenance,
    SharesCount,
    SharesSource,
)
from dealstudy.data.yahoo import YahooEarningsSource, YahooSharesSource, YahooSource
from dealstudy.errors import SpecificationError

__all__ = [
    "FACTORS_SUBDIR",
    "NO_PARSED_CACHE_ENV",
    "PARSED_SUBDIR",
    "PRICES_ENV",
    "PRICE_COLUMNS",
    "DataSources",
    "PriceHistory",
    "PriceSource",
    "Provenance",
    "SharesCount",
    "SharesSource",
    "SnapshotMode",
    "find_factors_dir",
    "open_sources",
]

#: Environment variable naming a snapshot directory (same as ``--prices``).
PRICES_ENV = "DEALSTUDY_PRICES_DIR"
#: Folder inside the cache where ``prices import`` puts factor files.
FACTORS_SUBDIR = "factors"
#: Subfolder of the cache folder holding parsed CSV price folders as Parquet (dealstudy.data.parsed_cache).
PARSED_SUBDIR = "parsed"
#: Subfolder of the cache holding Yahoo earnings dates, one CSV per symbol.
EARNINGS_SUBDIR = "earnings"
#: Set (non-empty) to read price folders without the Parquet cache of parsed files.
NO_PARSED_CACHE_ENV = "DEALSTUDY_NO_PARSED_CACHE"
#: ``fallback`` (cache -> Yahoo -> snapshot), ``only`` (the snapshot alone) or ``off`` (cache -> Yahoo).
SnapshotMode = Literal["fallback", "only", "off"]


@dataclass(frozen=True)
class DataSources:
    """What a command needs from the outside world.

    Attributes
    ----------
    prices : PriceSource
        Daily prices per symbol.
    shares : SharesSource
        Shares outstanding per symbol and date.
    factors_dir : Path or None
        Folder with Fama-French factor files (see :func:`dealstudy.data.factors.load_factors`); ``None``
        when none was found.
    description : str
        One line for logs and the report: where the data come from.
    earnings : YahooEarningsSource or None
        Past earnings release dates (online runs: Yahoo through the cache); ``None`` for snapshots, where
        the catalog's ``earnings.yaml`` is the only calendar.
    snapshot_factors : SnapshotFactors or None
        The pinned snapshot's factor tables, used when ``factors_dir`` is ``None``; written as CSV files
        only when a model needs them (see :meth:`factors_folder`), so commands that never use factors
        write nothing.
    remedy : str
        What the user can do when these sources hold no prices at all (offline runs are never told to
        fetch).
    """

    prices: PriceSource
    shares: SharesSource
    factors_dir: Path | None
    description: str
    earnings: YahooEarningsSource | None = None
    snapshot_factors: SnapshotFactors | None = None
    remedy: str = "fetch them first (dealstudy prices fetch) or pass --prices DIR with CSV snapshots"

    def factors_folder(self) -> Path | None:
        """The folder of factor files: ``factors_dir``, else the snapshot's tables (written on first use)."""
        if self.factors_dir is not None:
            return self.factors_dir
        return self.snapshot_factors.folder() if self.snapshot_factors is not None else None


@dataclass
class SnapshotFactors:
    """The snapshot's factor tables as CSV files under ``cache_dir`` (a temporary folder if not writable).

    Attributes
    ----------
    snapshot : Snapshot
    cache_dir : Path
    """

    snapshot: Snapshot
    cache_dir: Path
    _folder: Path | None = field(default=None, repr=False)

    def folder(self) -> Path | None:
        """Write the tables once (kept when already there) and return their folder; ``None`` if none.

        Raises
        ------
        SnapshotError
            The snapshot's factor table is damaged (its checksum does not match).
        """
        if self._folder is None:
            target = self.cache_dir / "snapshot" / self.snapshot.version / FACTORS_SUBDIR
            try:
                self._folder = self.snapshot.write_factor_csvs(target)
            except OSError:
                temporary = Path(tempfile.mkdtemp(prefix="dealstudy-factors-"))
                self._folder = self.snapshot.write_factor_csvs(temporary)
        return self._folder


def find_factors_dir(prices_dir: Path) -> Path | None:
    """The folder holding factor files: ``prices_dir`` itself or its parent (the shared layout)."""
    for folder in (prices_dir, prices_dir.parent):
        if find_factor_files(folder):
            return folder
    return None


def open_sources(
    *,
    prices: Path | None = None,
    offline: bool = False,
    cache: Path | None = None,
    refresh: bool = False,
    network_timeout: float = DEFAULT_DEADLINE,
    snapshot: SnapshotMode = "fallback",
    snapshot_dir: Path | None = None,
) -> DataSources:
    """Open the data sources for a run (the single entry point for every CLI command).

    Parameters
    ----------
    prices : Path, optional
        A snapshot directory of ``SYMBOL.csv`` files. Defaults to ``$DEALSTUDY_PRICES_DIR`` when set.
    offline : bool
        Without ``prices``: never the network (the cache, then the pinned snapshot).
    cache : Path, optional
        Cache folder (default ``platformdirs.user_cache_dir("dealstudy")``).
    refresh : bool
        Without ``prices``: refetch requested ranges even when cached.
    network_timeout : float, default 60
        Total seconds the downloads of this run may wait on the network (``--network-timeout``); one
        :class:`~dealstudy.data.network.NetworkGuard` with this deadline, a per-request timeout and a
        circuit breaker serves prices and share counts. Past it the run goes on with the cache and the
        snapshot (``snapshot="fallback"``, said once), or stops with
        :class:`~dealstudy.errors.NetworkUnavailable` (``snapshot="off"``).
    snapshot : {"fallback", "only", "off"}
        Use of the pinned snapshot (see the module notes).
    snapshot_dir : Path, optional
        A snapshot folder instead of the embedded one.

    Returns
    -------
    DataSources
    """
    if prices is None and os.environ.get(PRICES_ENV) and snapshot != "only":
        prices = Path(os.environ[PRICES_ENV])
    if prices is not None:
        return _csv_sources(Path(prices), cache)
    guard = _network_guard(network_timeout)
    cache_dir = Path(cache).expanduser() if cache is not None else default_cache_dir()
    pinned = Snapshot(snapshot_dir)
    if snapshot == "only":
        return _snapshot_sources(pinned, cache_dir)
    cached = _cache_in_front_of_yahoo(cache_dir, guard, offline=offline, refresh=refresh)
    if snapshot == "off":
        return _cache_sources(cached, offline)
    return _chained_sources(cached, pinned, guard, offline=offline)


def _csv_sources(prices: Path, cache: Path | None) -> DataSources:
    """``--prices DIR``: the CSV snapshots there (parsed once into the cache), its shares and factor files."""
    directory = prices.expanduser().resolve()
    parsed = (Path(cache).expanduser() if cache is not None else default_cache_dir()) / PARSED_SUBDIR
    use_parsed = not os.environ.get(NO_PARSED_CACHE_ENV)
    price_source = CsvDirSource(directory, cache_dir=parsed if use_parsed else None)
    shares_path = directory / SHARES_FILE
    factors_dir = find_factors_dir(directory)
    description = (
        f"CSV snapshots in {directory} (no network); shares: "
        + (str(shares_path) if shares_path.is_file() else "none")
        + f"; factors: {factors_dir or 'none found'}"
    )
    remedy = f"put their SYMBOL.csv files in {directory}, or run without --prices to use the cache"
    shares_source = CsvSharesSource(shares_path)
    return DataSources(price_source, shares_source, factors_dir, description, remedy=remedy)


def _network_guard(network_timeout: float) -> NetworkGuard:
    """One guard for every download of the run: ``network_timeout`` in all, at most 20 s a request."""
    if not network_timeout > 0:
        raise SpecificationError(f"--network-timeout {network_timeout:g}: must be > 0 seconds")
    return NetworkGuard(
        deadline=network_timeout, request_timeout=min(DEFAULT_REQUEST_TIMEOUT, network_timeout)
    )


def _snapshot_sources(pinned: Snapshot, cache_dir: Path) -> DataSources:
    """``--snapshot``: the pinned snapshot alone (its factor tables written under the cache on use)."""
    description = f"the pinned data {pinned.label} only (--snapshot, no network); factors: the snapshot's"
    return DataSources(
        SnapshotSource(pinned),
        SnapshotSharesSource(pinned),
        None,
        description,
        snapshot_factors=SnapshotFactors(pinned, cache_dir),
        remedy="run without --snapshot to use the cache and Yahoo Finance, or pass --prices DIR",
    )


@dataclass(frozen=True)
class _CachedYahoo:
    """The cache in front of Yahoo with the share counts, factor files and earnings dates that go with it."""

    prices: CachedSource
    shares: SharesSource
    factors_dir: Path | None
    earnings: YahooEarningsSource
    #: ``"Yahoo Finance via cache DIR"`` (or cache only, or refreshing).
    via: str
    #: Where share counts come from: ``imported snapshot`` or ``Yahoo``.
    shares_text: str


def _cache_in_front_of_yahoo(
    cache_dir: Path, guard: NetworkGuard, *, offline: bool, refresh: bool
) -> _CachedYahoo:
    """The cache and Yahoo; shares from a snapshot imported into the cache (always, offline) else Yahoo."""
    cached = CachedSource(YahooSource(guard=guard), cache_dir, offline=offline, refresh=refresh)
    imported_shares = cache_dir / SHARES_FILE
    use_imported = offline or imported_shares.is_file()
    shares: SharesSource = (
        CsvSharesSource(imported_shares) if use_imported else YahooSharesSource(guard=guard)
    )
    factors = cache_dir / FACTORS_SUBDIR
    factors_dir = factors if find_factor_files(factors) else None
    mode = (
        "cache only (offline)" if offline else ("Yahoo Finance, refreshing" if refresh else "Yahoo Finance")
    )
    shares_text = "imported snapshot" if isinstance(shares, CsvSharesSource) else "Yahoo"
    earnings = YahooEarningsSource(cache_dir / EARNINGS_SUBDIR, offline=offline, refresh=refresh, guard=guard)
    return _CachedYahoo(cached, shares, factors_dir, earnings, f"{mode} via cache {cache_dir}", shares_text)


def _cache_sources(cached: _CachedYahoo, offline: bool) -> DataSources:
    """``snapshot="off"``: the cache and Yahoo only."""
    description = (
        f"{cached.via}; shares: {cached.shares_text}; factors: "
        + f"{cached.factors_dir or 'none (import a snapshot directory with factor files)'}"
    )
    return DataSources(
        cached.prices,
        cached.shares,
        cached.factors_dir,
        description,
        cached.earnings,
        remedy=_remedy(offline),
    )


def _chained_sources(
    cached: _CachedYahoo, pinned: Snapshot, guard: NetworkGuard, *, offline: bool
) -> DataSources:
    """``snapshot="fallback"``: the cache, Yahoo for what it lacks, then the pinned snapshot."""
    network = Network(pinned)
    offline_cache = (
        cached.prices
        if offline
        else CachedSource(YahooSource(guard=guard), cached.prices.cache_dir, offline=True)
    )
    chain = ChainSource(None if offline else cached.prices, offline_cache, network)
    description = (
        f"{cached.via}, then the pinned data {pinned.label}; shares: {cached.shares_text}, then "
        f"the snapshot; factors: {cached.factors_dir or 'the snapshot' + chr(39) + 's'}"
    )
    online_shares = not isinstance(cached.shares, CsvSharesSource)
    shares_chain = ChainSharesSource(cached.shares, network, online=online_shares)
    pinned_factors = SnapshotFactors(pinned, cached.prices.cache_dir)
    return DataSources(
        chain,
        shares_chain,
        cached.factors_dir,
        description,
        cached.earnings,
        pinned_factors,
        remedy=_remedy(offline),
    )


def _remedy(offline: bool) -> str:
    if not offline:
        return DataSources.remedy
    return (
        "run without --offline to fetch them, or import a snapshot folder into the cache "
        "(dealstudy prices import DIR --cache CACHE), or pass --prices DIR with CSV snapshots"
    )
