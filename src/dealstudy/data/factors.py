"""Fama-French daily factors from CSV files, returned in decimal units.

Two layouts are read:

* the tidy layout of the shared snapshot (``date,mkt_rf,smb,hml,rf`` with ISO dates), and
* the Ken French library's own CSV (``F-F_Research_Data_Factors_daily.CSV``: a text preamble, a header
  ``,Mkt-RF,SMB,HML,RF``, ``YYYYMMDD`` dates and a copyright line at the end).

The library publishes percent per day; :func:`load_factors` detects the units and converts to decimals.

Online download: :func:`download_french_factors` uses ``pandas-datareader`` (>= 0.11, the release that
restored pandas 3 compatibility; its ``famafrench`` reader serves the Ken French library). It is an
*optional* dependency (``pip install "pandas-datareader>=0.11"``); without it, download the daily CSVs from
the Ken French data library yourself and point ``--prices``/``load_factors`` at their folder.
"""

from __future__ import annotations

import datetime as dt
import importlib
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from dealstudy._atomic import atomic_write_csv
from dealstudy.errors import DownloadError, MissingDataError, SnapshotError

__all__ = [
    "FACTOR_COLUMNS",
    "FACTOR_FILES",
    "FRENCH_DATASETS",
    "FactorModel",
    "FactorUnits",
    "download_french_factors",
    "find_factor_files",
    "load_factors",
]

FactorModel = Literal["ff3", "ff5", "carhart"]
FactorUnits = Literal["auto", "percent", "decimal"]

#: Columns returned for each model (``rf`` last).
FACTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "ff3": ("mkt_rf", "smb", "hml", "rf"),
    "ff5": ("mkt_rf", "smb", "hml", "rmw", "cma", "rf"),
    "carhart": ("mkt_rf", "smb", "hml", "mom", "rf"),
}

#: File names searched in a directory, per kind (tidy snapshot names first, then the library's names).
FACTOR_FILES: dict[str, tuple[str, ...]] = {
    "ff3": (
        "ff_factors_daily.csv",
        "ff3_factors_daily.csv",
        "F-F_Research_Data_Factors_daily.csv",
        "F-F_Research_Data_Factors_daily.CSV",
    ),
    "ff5": (
        "ff5_factors_daily.csv",
        "F-F_Research_Data_5_Factors_2x3_daily.csv",
        "F-F_Research_Data_5_Factors_2x3_daily.CSV",
    ),
    "mom": (
        "mom_factors_daily.csv",
        "ff_momentum_daily.csv",
        "F-F_Momentum_Factor_daily.csv",
        "F-F_Momentum_Factor_daily.CSV",
    ),
}

_ALIASES = {
    "mkt-rf": "mkt_rf",
    "mktrf": "mkt_rf",
    "mkt_rf": "mkt_rf",
    "mom": "mom",
    "umd": "mom",
    "wml": "mom",
}
#: Median |mkt_rf| above this means percent: a 5% median daily market move is impossible in decimals,
#: and a 0.05% one is implausibly small in percent (the US median is about 0.5%).
_PERCENT_THRESHOLD = 0.05
#: Largest |factor return| accepted (percent or decimal per day): anything bigger is a data error.
_MAX_FACTOR = 1e3


def _normalise(name: str) -> str:
    key = name.strip().lower()
    return _ALIASES.get(key, key.replace("-", "_").replace(" ", "_"))


def _read_table(path: Path) -> pd.DataFrame:
    """Read one factor file (either layout) into a frame indexed by date, in the file's units."""
    try:
        lines = path.read_text(encoding="utf-8-sig", errors="replace").splitlines()
    except OSError as exc:
        raise SnapshotError(f"{path}: cannot read: {exc}") from exc
    date_re = re.compile(r"^\s*(\d{8}|\d{4}-\d{2}-\d{2})\s*,")
    header_at = None
    for i, line in enumerate(lines):
        if "," in line and i + 1 < len(lines) and date_re.match(lines[i + 1]) and not date_re.match(line):
            header_at = i
            break
    if header_at is None:
        raise SnapshotError(
            f"{path}: no header line followed by dated rows (expected date,mkt_rf,...; "
            "a header alone has no rows)"
        )
    end = header_at + 1
    while end < len(lines) and date_re.match(lines[end]):
        end += 1
    block = "\n".join(lines[header_at:end])
    table = pd.read_csv(io.StringIO(block), dtype=str, keep_default_na=False)
    first = table.columns[0]
    table = table.rename(columns={c: _normalise(str(c)) for c in table.columns[1:]})
    text = table[first].astype(str).str.strip()
    fmt = "%Y%m%d" if text.str.fullmatch(r"\d{8}").all() else "%Y-%m-%d"
    dates = pd.to_datetime(text, format=fmt, errors="coerce")
    if dates.isna().any():
        pos = int(np.flatnonzero(dates.isna().to_numpy())[0])
        raise SnapshotError(f"{path}: line {header_at + pos + 2}: unparseable date {text.iloc[pos]!r}")
    frame = pd.DataFrame(
        {c: pd.to_numeric(table[c].to_numpy(), errors="coerce") for c in table.columns if c != first},
        index=table.index,
    ).astype("float64")
    values = frame.to_numpy()
    with np.errstate(invalid="ignore"):
        broken = ~np.isfinite(values) | (values <= -99.0)
        too_big = np.isfinite(values) & (np.abs(values) > _MAX_FACTOR)
    if (broken | too_big).any():
        pos, col = (int(i[0]) for i in np.nonzero(broken | too_big))
        name, lineno = str(frame.columns[col]), header_at + pos + 2
        cell = str(table[table.columns[col + 1]].iloc[pos]).strip()
        if broken[pos, col]:
            raise SnapshotError(
                f"{path}: line {lineno}: missing or non-numeric factor value {cell!r} in column {name}"
            )
        raise SnapshotError(
            f"{path}: line {lineno}: factor value {cell} in column {name} is out of range (|value| at most "
            f"{_MAX_FACTOR:g}, in percent or decimals per day)"
        )
    frame.index = pd.DatetimeIndex(dates, name="date")
    if frame.index.has_duplicates or not frame.index.is_monotonic_increasing:
        raise SnapshotError(f"{path}: dates are duplicated or not ascending")
    return frame


def _to_decimal(frame: pd.DataFrame, path: Path, units: FactorUnits) -> pd.DataFrame:
    if units == "decimal":
        return frame
    if units == "percent":
        return frame / 100.0
    probe = "mkt_rf" if "mkt_rf" in frame.columns else frame.columns[0]
    median = float(np.nanmedian(np.abs(frame[probe].to_numpy())))
    return frame / 100.0 if median > _PERCENT_THRESHOLD else frame


def find_factor_files(directory: Path | str) -> dict[str, Path]:
    """The factor files present in ``directory``, keyed ``ff3``, ``ff5``, ``mom``."""
    folder = Path(directory)
    found: dict[str, Path] = {}
    for kind, names in FACTOR_FILES.items():
        for name in names:
            if (folder / name).is_file():
                found[kind] = folder / name
                break
    return found


def load_factors(
    path_or_dir: Path | str, model: FactorModel = "ff3", *, units: FactorUnits = "auto"
) -> pd.DataFrame:
    """Daily Fama-French factors in decimal units.

    Parameters
    ----------
    path_or_dir : Path or str
        A factor CSV, or a folder holding the files named in :data:`FACTOR_FILES` (``ff_factors_daily.csv``,
        ``ff5_factors_daily.csv``, a momentum file, or the library's own names).
    model : {"ff3", "ff5", "carhart"}
        Which factors to return (columns in :data:`FACTOR_COLUMNS`). ``carhart`` is FF3 plus momentum.
    units : {"auto", "percent", "decimal"}
        Units of the files. ``auto`` treats a file as percent when the median absolute ``mkt_rf`` exceeds
        0.05 (the library publishes percent; a decimal file would need a 5% median daily market move).

    Returns
    -------
    DataFrame
        ``DatetimeIndex`` named ``date``; columns ``mkt_rf, smb, hml [, rmw, cma] [, mom], rf`` in decimals
        (0.01 = 1% per day).

    Raises
    ------
    MissingDataError
        No file for the model (e.g. momentum for ``carhart``), or a file lacks a needed column.
    SnapshotError
        A malformed file (named with the line).

    References
    ----------
    .. [1] Fama, E. F. and French, K. R. (1993). Common risk factors in the returns on stocks and bonds.
       Journal of Financial Economics 33(1), 3-56.
    .. [2] Fama, E. F. and French, K. R. (2015). A five-factor asset pricing model. Journal of Financial
       Economics 116(1), 1-22.
    .. [3] Carhart, M. M. (1997). On persistence in mutual fund performance. Journal of Finance 52(1), 57-82.
    """
    if model not in FACTOR_COLUMNS:
        raise MissingDataError(f"unknown factor model {model!r}; choose one of {', '.join(FACTOR_COLUMNS)}")
    wanted = FACTOR_COLUMNS[model]
    target = Path(path_or_dir).expanduser()
    if target.is_file():
        frame = _to_decimal(_read_table(target), target, units)
        sources = [target]
    elif target.is_dir():
        files = find_factor_files(target)
        base_kind = "ff5" if model == "ff5" else "ff3"
        if base_kind not in files and model != "ff5" and "ff5" in files:
            base_kind = "ff5"  # the 5-factor file also carries mkt_rf, smb, hml, rf
        if base_kind not in files:
            raise MissingDataError(
                f"no {model} factor file in {target} (looked for {', '.join(FACTOR_FILES[base_kind])})"
            )
        frame = _to_decimal(_read_table(files[base_kind]), files[base_kind], units)
        sources = [files[base_kind]]
        if model == "carhart":
            if "mom" not in files:
                raise MissingDataError(
                    f"model 'carhart' needs a momentum factor, but {target} has no momentum file (looked for "
                    f"{', '.join(FACTOR_FILES['mom'])}). Download 'Momentum Factor (Mom) [Daily]' from "
                    "the Ken French data library into that folder, or use model 'ff3' or 'ff5'. dealstudy "
                    "does not download factors itself."
                )
            mom = _to_decimal(_read_table(files["mom"]), files["mom"], units)
            frame = frame.join(mom[["mom"]], how="inner")
            sources.append(files["mom"])
    else:
        raise MissingDataError(f"factor path {target} does not exist")
    absent = [c for c in wanted if c not in frame.columns]
    if absent:
        hint = " (momentum is not in this file; use a folder with a momentum file)" if "mom" in absent else ""
        raise MissingDataError(
            f"factor file(s) {', '.join(map(str, sources))} lack column(s) {', '.join(absent)} "
            f"needed for model {model!r}{hint}"
        )
    out = frame.loc[:, list(wanted)].copy()
    out.attrs["source"] = ", ".join(map(str, sources))
    return out


#: Ken French library dataset names (pandas-datareader ``famafrench`` reader) and the tidy file each becomes.
FRENCH_DATASETS: dict[str, tuple[str, str]] = {
    "ff3": ("F-F_Research_Data_Factors_daily", "ff_factors_daily.csv"),
    "ff5": ("F-F_Research_Data_5_Factors_2x3_daily", "ff5_factors_daily.csv"),
    "mom": ("F-F_Momentum_Factor_daily", "mom_factors_daily.csv"),
}

#: ``reader(dataset, start, end) -> DataFrame`` in the library's units (percent), indexed by date.
FrenchReader = Callable[[str, dt.date, dt.date], pd.DataFrame]


def _datareader(dataset: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    try:
        pdr = importlib.import_module("pandas_datareader.data")  # optional dependency
    except ImportError as exc:
        raise MissingDataError(
            "downloading Fama-French factors needs the optional package pandas-datareader>=0.11 "
            '(pip install "pandas-datareader>=0.11"); or save the daily CSVs from the Ken French data '
            "library in the snapshot folder"
        ) from exc
    tables = pdr.DataReader(dataset, "famafrench", start=start, end=end)
    frame: pd.DataFrame = tables[0]
    return frame


def download_french_factors(
    target_dir: Path | str,
    start: dt.date,
    end: dt.date,
    *,
    kinds: tuple[str, ...] = ("ff3", "ff5", "mom"),
    reader: FrenchReader | None = None,
) -> dict[str, Path]:
    """Download daily factors from the Ken French library and save them as tidy CSVs (percent, as published).

    Parameters
    ----------
    target_dir : Path
        Folder to write ``ff_factors_daily.csv``, ``ff5_factors_daily.csv`` and ``mom_factors_daily.csv``
        (atomically); :func:`load_factors` reads them back in decimals.
    start, end : datetime.date
        Date range.
    kinds : tuple of {"ff3", "ff5", "mom"}
        Which datasets to fetch.
    reader : callable, optional
        ``reader(dataset, start, end)``; default pandas-datareader's ``famafrench`` reader (optional
        dependency: a clear :class:`~dealstudy.errors.MissingDataError` when it is not installed).

    Returns
    -------
    dict
        Kind -> written path.
    """
    read = reader or _datareader
    folder = Path(target_dir)
    written: dict[str, Path] = {}
    for kind in kinds:
        dataset, filename = FRENCH_DATASETS[kind]
        try:
            raw = read(dataset, start, end)
        except MissingDataError:
            raise
        except Exception as exc:
            raise DownloadError(f"Ken French {dataset} {start}..{end}: {type(exc).__name__}: {exc}") from exc
        if raw is None or raw.empty:
            raise DownloadError(f"Ken French {dataset} {start}..{end}: no rows")
        tidy = raw.rename(columns={c: _normalise(str(c)) for c in raw.columns})
        tidy.index = pd.DatetimeIndex(pd.to_datetime(raw.index), name="date")
        atomic_write_csv(folder / filename, tidy.reset_index())
        written[kind] = folder / filename
    return written
