"""The data options of the commands that read prices, carried together and opened in one place.

``--prices``, ``--offline``, ``--cache``, ``--snapshot`` and ``--network-timeout`` (declared in
:mod:`dealstudy.cli._options`) choose the :class:`~dealstudy.data.DataSources` of ``study`` and ``analyze``.
The data layer is imported only when the sources are opened, so that ``--help`` stays quick.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dealstudy.data import DataSources

__all__ = ["DataOptions"]


@dataclass(frozen=True)
class DataOptions:
    """Where prices come from, as given on the command line."""

    prices: Path | None
    offline: bool
    cache: Path | None
    snapshot: bool
    network_timeout: float

    def open(self) -> DataSources:
        """The sources these options choose: ``--snapshot`` is the pinned snapshot alone (``only``),
        otherwise the snapshot fills what the cache and Yahoo lack (``fallback``)."""
        from dealstudy.data import SnapshotMode, open_sources

        mode: SnapshotMode = "only" if self.snapshot else "fallback"
        return open_sources(
            prices=self.prices,
            offline=self.offline,
            cache=self.cache,
            snapshot=mode,
            network_timeout=self.network_timeout,
        )
