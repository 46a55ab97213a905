"""``prices import DIR``: validate a snapshot folder, then load it into the cache.

Every file is checked first (prices, ``shares_outstanding.csv``, factor files); if any is malformed nothing is
imported and each problem is listed with its file and line. The prices go into the cache under
:data:`~dealstudy.data.cache.IMPORT_SOURCE`; shares and factor files are copied beside them (atomically).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dealstudy._atomic import atomic_write_bytes
from dealstudy.errors import DataError, DealstudyError, SnapshotError

if TYPE_CHECKING:
    import pandas as pd

    from dealstudy.data.csv_dir import CsvDirSource

__all__ = ["ImportResult", "import_snapshot"]


@dataclass(frozen=True)
class ImportResult:
    """What ``prices import`` loaded: the number of symbols, from where, into which cache, and the extras."""

    symbols: int
    folder: Path
    cache_dir: Path
    shares_file: str | None
    factor_files: tuple[str, ...]


@dataclass(frozen=True)
class _Checked:
    """A snapshot folder whose every file parsed."""

    source: CsvDirSource
    frames: dict[str, pd.DataFrame]
    shares: Path | None
    factor_files: dict[str, Path]


def _check_folder(folder: Path) -> _Checked:
    """Parse every file of ``folder``; raise one :class:`SnapshotError` listing every problem, if any."""
    from dealstudy.data import find_factors_dir
    from dealstudy.data.csv_dir import SHARES_FILE, CsvDirSource, read_price_csv, read_shares_csv
    from dealstudy.data.factors import find_factor_files, load_factors

    source = CsvDirSource(folder)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for symbol in source.symbols():
        try:
            frames[symbol] = read_price_csv(source.path_for(symbol))
        except SnapshotError as exc:
            problems.append(str(exc))
    shares_path = folder / SHARES_FILE
    if shares_path.is_file():
        try:
            read_shares_csv(shares_path)
        except SnapshotError as exc:
            problems.append(str(exc))
    factors_dir = find_factors_dir(folder)
    factor_files = find_factor_files(factors_dir) if factors_dir else {}
    for kind, path in factor_files.items():
        if kind == "mom":
            continue
        try:
            load_factors(path, "ff5" if kind == "ff5" else "ff3")
        except DealstudyError as exc:
            problems.append(str(exc))
    if problems:
        raise SnapshotError(
            f"{len(problems)} invalid file(s) in {folder}; nothing imported:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    if not frames:
        raise SnapshotError(f"no SYMBOL.csv files in {folder}")
    return _Checked(source, frames, shares_path if shares_path.is_file() else None, factor_files)


def import_snapshot(directory: Path, cache: Path | None) -> ImportResult:
    """Check every file of ``directory``, then store its prices, shares and factor files in the cache.

    Raises
    ------
    DataError
        The folder does not exist.
    SnapshotError
        A file is malformed (nothing imported), or the folder holds no ``SYMBOL.csv``.
    """
    from dealstudy.data import FACTORS_SUBDIR
    from dealstudy.data.cache import IMPORT_SOURCE, CachedSource, default_cache_dir
    from dealstudy.data.csv_dir import SHARES_FILE
    from dealstudy.data.source import Provenance
    from dealstudy.data.yahoo import YahooSource

    folder = directory.expanduser().resolve()
    if not folder.is_dir():
        raise DataError(f"snapshot folder {folder} does not exist")
    checked = _check_folder(folder)
    cached = CachedSource(YahooSource(), cache if cache is not None else default_cache_dir(), offline=True)
    now = dt.datetime.now(dt.UTC)
    for symbol, frame in checked.frames.items():
        covered = (frame.index[0].date(), frame.index[-1].date())
        path = checked.source.path_for(symbol)
        provenance = Provenance(f"csv:{folder}", now, None, f"imported from {path}")
        cached.store(IMPORT_SOURCE, symbol, frame, covered, provenance)
    if checked.shares is not None:
        atomic_write_bytes(cached.cache_dir / SHARES_FILE, checked.shares.read_bytes())
    for path in checked.factor_files.values():
        atomic_write_bytes(cached.cache_dir / FACTORS_SUBDIR / path.name, path.read_bytes())
    return ImportResult(
        len(checked.frames),
        folder,
        cached.cache_dir,
        SHARES_FILE if checked.shares is not None else None,
        tuple(p.name for p in checked.factor_files.values()),
    )
