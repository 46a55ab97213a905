"""The source order of every command: the user's cache, then Yahoo Finance, then the pinned snapshot.

:class:`ChainSource` asks the cache (which fetches from Yahoo what it lacks or what is newer), and when that
fails for a symbol serves the symbol from the snapshot (:mod:`dealstudy.data.snapshot`). A network failure
(no DNS, connection refused, timeouts after the retries) trips a breaker shared by prices and share counts:
the rest of the run reads the cache offline and then the snapshot, without waiting on the network again, and
the command says once, on stderr, that it uses the snapshot and as of which date.

When the cache covers only part of a range (an imported snapshot that ends before the run's last day, say)
and Yahoo cannot fill the rest (offline, or the network is down), the cache's rows serve, as a CSV folder
(``--prices``) would, unless the snapshot holds more of the range: the events whose windows they cover are
studied, and each later event is marked with the cache's last date (:meth:`ChainSource.stale_note`).

Which source served each symbol is kept in :attr:`ChainSource.served` (for the report's methods page).
"""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass, field

from dealstudy.data.cache import CachedSource
from dealstudy.data.snapshot import Snapshot, SnapshotSharesSource, SnapshotSource, stale_note
from dealstudy.data.source import PriceHistory, SharesCount, SharesSource, check_symbol
from dealstudy.data.yahoo_retry import is_transient
from dealstudy.errors import DownloadError, MissingDataError, NetworkUnavailableError

__all__ = ["ChainSharesSource", "ChainSource", "Network", "is_network_failure"]

_NETWORK_NAMES = frozenset({"DNSError", "ConnectionError", "ConnectTimeout", "Timeout", "ReadTimeout"})


def is_network_failure(exc: BaseException) -> bool:
    """True when ``exc`` (or an exception it was raised from) says the network is unreachable."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return False
        if type(seen).__name__ in _NETWORK_NAMES or "Network" in type(seen).__name__ or is_transient(seen):
            return True
        if isinstance(seen, OSError | TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


def _stderr(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@dataclass
class Network:
    """The breaker shared by the price and share-count chains of one run, and the one-time notice.

    Attributes
    ----------
    snapshot : Snapshot
    notify : callable
        Receives the notice (default: a line on stderr).
    down : str or None
        Why the network was given up (``None`` while it is still tried).
    """

    snapshot: Snapshot
    notify: Callable[[str], None] = _stderr
    down: str | None = None
    _told: bool = field(default=False, repr=False)

    def give_up(self, exc: BaseException) -> None:
        """Record a network failure; later calls use the cache offline and the snapshot only."""
        if self.down is None:
            self.down = " ".join(str(exc).split())[:240]

    def tell(self, *, offline: bool = False) -> None:
        """Say once that the snapshot is used, and as of which date."""
        if self._told:
            return
        self._told = True
        if offline:
            why = "offline run (no network)"
        else:
            why = (
                f"Yahoo Finance is unreachable ({self.down})"
                if self.down
                else "the cache and Yahoo lack data"
            )
        self.notify(
            f"note: {why}; using the pinned data {self.snapshot.label} for what the cache lacks "
            f"(its prices end {self.snapshot.typical_end()} for most securities; later events are marked)."
        )


class ChainSource:
    """Cache -> Yahoo -> snapshot (see the module notes); a :class:`~dealstudy.data.source.PriceSource`.

    Parameters
    ----------
    online : CachedSource or None
        The cache in front of Yahoo (``None`` for an offline run: cache only).
    offline : CachedSource
        The same cache, offline (used once the network is down, and for offline runs).
    network : Network
    """

    name = "chain"

    def __init__(self, online: CachedSource | None, offline: CachedSource, network: Network) -> None:
        self.online = online
        self.offline = offline
        self.network = network
        self.snapshot = SnapshotSource(network.snapshot)
        self.served: dict[str, str] = {}
        self.fallback_reasons: dict[str, str] = {}
        self.held_to: dict[str, dt.date] = {}

    @property
    def cache_dir(self) -> object:
        return self.offline.cache_dir

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        check_symbol(symbol)  # a name that is no symbol is refused once, not by every source in turn
        first: Exception | None = None
        try:
            history = self._primary(symbol, start, end)
        except (DownloadError, MissingDataError, NetworkUnavailableError) as exc:
            first = exc
        else:
            self.served[symbol] = "Yahoo Finance via the cache" if self.online else "cache (offline)"
            return history
        held = self.offline.held(symbol, start, end)  # the cache's rows in the range, when it covers a part
        try:
            pinned = self.snapshot.history(symbol, start, end)
        except MissingDataError as exc:
            if held is None:
                label = self.network.snapshot.label
                raise type(first)(f"{first}; the {label} has none either: {exc}") from first
            pinned = None
        if held is not None and (pinned is None or len(held.frame) >= len(pinned.frame)):
            self.served[symbol] = "cache (offline), in part"
            self.held_to[symbol] = max(held.frame.index[-1].date(), self.held_to.get(symbol, dt.date.min))
            return held
        assert pinned is not None
        self.network.tell(offline=self.online is None)
        self.served[symbol] = self.network.snapshot.label
        self.fallback_reasons[symbol] = " ".join(str(first).split())[:300]
        return pinned

    def stale_note(self, symbol: str, day0: dt.date) -> str | None:
        """Why an event on ``day0`` lacks prices when the snapshot or part of the cache served ``symbol``."""
        held_to = self.held_to.get(symbol)
        if self.served.get(symbol) == "cache (offline), in part" and held_to is not None and held_to <= day0:
            return (
                f"the cache {self.offline.cache_dir} holds prices of {symbol} only to {held_to}, not after "
                f"day 0 ({day0}); "
                + (
                    "run without --offline to fetch newer prices, or import a newer snapshot folder"
                    if self.online is None
                    else "Yahoo Finance could not be reached for newer prices"
                )
            )
        served = self.served.get(symbol) == self.network.snapshot.label
        return stale_note(self.network.snapshot, symbol, day0, served)

    def _primary(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        if self.online is None or self.network.down is not None:
            return self.offline.history(symbol, start, end)
        try:
            return self.online.history(symbol, start, end)
        except NetworkUnavailableError as exc:  # the run's network deadline or breaker: cache, then snapshot
            self.network.give_up(exc)
            return self.offline.history(symbol, start, end)
        except DownloadError as exc:
            if is_network_failure(exc):
                self.network.give_up(exc)
            raise


class ChainSharesSource:
    """Share counts: the first source (imported file or Yahoo), then the snapshot's point-in-time counts."""

    def __init__(self, first: SharesSource, network: Network, *, online: bool) -> None:
        self.first = first
        self.online = online
        self.network = network
        self.snapshot = SnapshotSharesSource(network.snapshot)
        self.name = f"{first.name}, then {network.snapshot.label}"

    def shares_on(self, symbol: str, on: dt.date) -> SharesCount | None:
        if not (self.online and self.network.down is not None):
            try:
                count = self.first.shares_on(symbol, on)
            except (DownloadError, MissingDataError, NetworkUnavailableError) as exc:
                if isinstance(exc, NetworkUnavailableError) or is_network_failure(exc):
                    self.network.give_up(exc)
                count = None
            if count is not None:
                return count
        return self.snapshot.shares_on(symbol, on)
