"""Exception hierarchy.

Every error the package raises on purpose derives from :class:`DealstudyError`, so the CLI can map it to a
clear message and an exit code instead of a traceback. Problems that concern one event (a missing ticker, a
thin estimation window) are *not* exceptions: they become an outcome code with a reason on that event.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "CacheError",
    "CatalogError",
    "CatalogProblem",
    "DataError",
    "DealstudyError",
    "DownloadError",
    "MissingDataError",
    "NetworkUnavailable",
    "NetworkUnavailableError",
    "OptionError",
    "OutputError",
    "SnapshotError",
    "SpecificationError",
]


class DealstudyError(Exception):
    """Base class of every error dealstudy raises deliberately."""

    exit_code: int = 1


@dataclass(frozen=True)
class CatalogProblem:
    """One problem found in the catalog: where it is and why it is wrong."""

    file: str
    entry: str
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.entry:
            where += f" [{self.entry}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.message}"


class CatalogError(DealstudyError):
    """The catalog (or a file offered to it) is invalid; carries every problem found, not just the first."""

    exit_code = 2

    def __init__(self, problems: list[CatalogProblem] | CatalogProblem) -> None:
        self.problems = [problems] if isinstance(problems, CatalogProblem) else list(problems)
        lines = [str(p) for p in self.problems]
        head = f"{len(lines)} problem(s) in the catalog" if len(lines) != 1 else "1 problem in the catalog"
        super().__init__(head + ":\n" + "\n".join(f"  - {line}" for line in lines))


class SpecificationError(DealstudyError, ValueError):
    """A study was specified inconsistently (bad window, unknown model, missing column...)."""

    exit_code = 2


class OptionError(DealstudyError):
    """A command-line option could not be parsed (raised by the CLI's option parsers; deliberately not a
    ``ValueError``, so the CLI reports the message itself instead of a generic "invalid value")."""

    exit_code = 2


class OutputError(DealstudyError):
    """An ``--out`` path dealstudy must not or cannot write (a file, a folder of other files, read-only)."""

    exit_code = 2


class DataError(DealstudyError):
    """Base class for price, factor, FX and shares data problems."""

    exit_code = 3


class DownloadError(DataError):
    """A download failed, came back empty or all-NaN, or covered less than the requested range."""


class NetworkUnavailableError(DataError):
    """The network was given up for this command: the deadline passed or connections failed repeatedly.

    Not a :class:`DownloadError` (which concerns one symbol): it stops the whole command, or lets a caller
    fall back to data that need no network. The message says why and what to do.
    """


#: The name the data layer's callers may also use.
NetworkUnavailable = NetworkUnavailableError


class MissingDataError(DataError):
    """Data needed for a symbol and range are not available (for example offline with an empty cache)."""


class SnapshotError(DataError):
    """A snapshot CSV file is malformed; the message names the file and line."""


class CacheError(DataError):
    """The on-disk cache is unusable (corrupt file, bad manifest, lock timeout)."""
