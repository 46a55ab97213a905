"""Session tables of exchange calendars, computed once and kept on disk.

Building an :mod:`exchange_calendars` calendar evaluates every holiday rule from 1970 to 2200 whatever the
requested range; for Seoul (``XKRX``) the Korean lunar holidays alone take 7-20 s per process under
pandas 3 (bounds do not help: the cost is the holiday table, not the session range). What
:mod:`dealstudy.data.calendars` needs from a calendar is small: the sessions, each session's open and close
(early closes included), the exchange's time zone and its regular hours. :class:`SessionTable` holds exactly
that, as arrays.

:func:`session_table` returns the table of one calendar, memoised per process, and reads it from
``<user cache dir>/dealstudy/calendars/`` when a previous process computed it (``platformdirs``; it honours
``$XDG_CACHE_HOME``). A file is keyed by the calendar code, the calendar year in which it was built, the
versions of exchange_calendars and pandas and a format number, so upgrading either library recomputes it. It
covers exchange_calendars' default range (20 years back) through 31 December of the following year; the
range actually served is clipped to the library's own default bounds of *today* (20 years back, one year
ahead), so answers are those of ``exchange_calendars.get_calendar(code)``. Files are written atomically;
one that cannot be read or fails its checks (truncated, corrupt, wrong key) is recomputed and replaced;
an unwritable cache folder only costs the recomputation.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import logging
import re
import warnings
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd

from dealstudy._atomic import atomic_write_bytes
from dealstudy.errors import SpecificationError

__all__ = ["SessionTable", "session_table", "table_cache_dir", "table_path"]

log = logging.getLogger(__name__)

#: Bump when the file layout or its meaning changes.
FORMAT = 1
_CODE = re.compile(r"^[A-Z0-9]{2,8}$")


@dataclass(frozen=True, eq=False)
class SessionTable:
    """Sessions of one exchange calendar with their opening and closing instants.

    Attributes
    ----------
    code : str
        exchange_calendars code (``XNYS``, ``XTKS``, ``XKRX``...).
    tz : str
        IANA time zone of the exchange.
    sessions : numpy.ndarray
        ``datetime64[ns]`` session labels (naive midnight), strictly increasing.
    opens, closes : numpy.ndarray
        ``datetime64[ns]`` UTC instants of each session's open and close (early closes included).
    regular_open, regular_close : datetime.time
        The exchange's current regular hours, local time.
    """

    code: str
    tz: str
    sessions: np.ndarray
    opens: np.ndarray
    closes: np.ndarray
    regular_open: dt.time
    regular_close: dt.time

    @property
    def first_session(self) -> pd.Timestamp:
        """The first session served."""
        return pd.Timestamp(self.sessions[0])

    @property
    def last_session(self) -> pd.Timestamp:
        """The last session served."""
        return pd.Timestamp(self.sessions[-1])

    def _pos(self, day: pd.Timestamp, side: Literal["left", "right"] = "left") -> int:
        nanos = self.sessions.view("int64")
        return int(np.searchsorted(nanos, np.int64(day.value), side=side))

    def sessions_in_range(self, lo: pd.Timestamp, hi: pd.Timestamp) -> pd.DatetimeIndex:
        """Sessions with ``lo <= session <= hi``."""
        return pd.DatetimeIndex(self.sessions[self._pos(lo) : self._pos(hi, "right")], name="date")

    def is_session(self, day: pd.Timestamp) -> bool:
        """Whether ``day`` (naive midnight) is a session."""
        return self._pos(day, "right") > self._pos(day)

    def session_after(self, day: pd.Timestamp) -> pd.Timestamp | None:
        """The first session ``> day``; ``None`` past the last session."""
        i = self._pos(day, "right")
        return pd.Timestamp(self.sessions[i]) if i < len(self.sessions) else None

    def session_open(self, day: pd.Timestamp) -> pd.Timestamp:
        """UTC instant of the open of session ``day``."""
        return pd.Timestamp(self.opens[self._pos(day)]).tz_localize("UTC")

    def session_close(self, day: pd.Timestamp) -> pd.Timestamp:
        """UTC instant of the close of session ``day``."""
        return pd.Timestamp(self.closes[self._pos(day)]).tz_localize("UTC")

    def clipped(self, lo: pd.Timestamp, hi: pd.Timestamp) -> SessionTable:
        """The table restricted to sessions in ``[lo, hi]``."""
        i, j = self._pos(lo), self._pos(hi, "right")
        return SessionTable(
            self.code,
            self.tz,
            self.sessions[i:j],
            self.opens[i:j],
            self.closes[i:j],
            self.regular_open,
            self.regular_close,
        )


def table_cache_dir() -> Path:
    """``platformdirs.user_cache_dir("dealstudy") / "calendars"``."""
    import platformdirs

    return Path(platformdirs.user_cache_dir("dealstudy")) / "calendars"


def _versions() -> dict[str, str]:
    return {
        "exchange_calendars": metadata.version("exchange_calendars"),
        "pandas": pd.__version__,
        "format": str(FORMAT),
    }


def table_path(code: str, year: int, directory: Path | None = None) -> Path:
    """File of the table of ``code`` built in ``year`` for the installed library versions."""
    v = _versions()
    name = f"{code}-{year}-xcals{v['exchange_calendars']}-pandas{v['pandas']}-f{FORMAT}.npz"
    return (directory if directory is not None else table_cache_dir()) / name


def _today() -> pd.Timestamp:
    """Today as exchange_calendars sees it (naive local midnight)."""
    return pd.Timestamp.now().floor("D")


def _ns(values: Any) -> np.ndarray:
    """Naive ``datetime64[ns]`` values of a DatetimeIndex or Series (tz-aware values taken in UTC)."""
    idx = pd.DatetimeIndex(values)
    if idx.tz is not None:
        idx = idx.tz_convert("UTC").tz_localize(None)
    return np.asarray(idx.as_unit("ns").values, dtype="datetime64[ns]")


def build_table(code: str, year: int) -> SessionTable:
    """Construct the calendar with exchange_calendars and extract its table (slow for XKRX).

    The range is the library's default start through 31 December of ``year + 1`` (the library's default
    end, one year ahead, falls before it all through ``year``).
    """
    import exchange_calendars as xcals

    end = pd.Timestamp(year + 1, 12, 31)
    try:
        # exchange_calendars 4.13 builds its holiday tables with pandas APIs that pandas 3 deprecates
        # (Pandas4Warning from Series.values on tz-aware data); the results are correct, so silence them
        # for the construction only.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", category=DeprecationWarning)
            warnings.simplefilter("ignore", category=FutureWarning)
            try:
                cal = xcals.get_calendar(code, end=end)
            except ValueError:  # `end` beyond the calendar's bound_max (XKRX: 2050): its default end
                cal = xcals.get_calendar(code)
            opens = cal.opens
            closes = cal.closes
    except Exception as exc:  # InvalidCalendarName and friends
        raise SpecificationError(f"no exchange calendar for MIC {code!r}: {exc}") from exc
    return SessionTable(
        code=code,
        tz=str(cal.tz),
        sessions=_ns(cal.sessions),
        opens=_ns(opens),
        closes=_ns(closes),
        regular_open=cal.open_times[-1][1],
        regular_close=cal.close_times[-1][1],
    )


def _meta(table: SessionTable, year: int) -> dict[str, str]:
    return {
        **_versions(),
        "code": table.code,
        "year": str(year),
        "tz": table.tz,
        "regular_open": table.regular_open.isoformat(),
        "regular_close": table.regular_close.isoformat(),
    }


def _to_bytes(table: SessionTable, year: int) -> bytes:
    buffer = io.BytesIO()
    np.savez(
        buffer,
        sessions=table.sessions.view("int64"),
        opens=table.opens.view("int64"),
        closes=table.closes.view("int64"),
        meta=np.array(json.dumps(_meta(table, year), sort_keys=True)),
    )
    return buffer.getvalue()


def _from_file(path: Path, code: str, year: int) -> SessionTable:
    """Read and check a stored table; raises (``ValueError``, ``OSError``, ``BadZipFile``...) on a problem."""
    raw = io.BytesIO(path.read_bytes())  # (np.load on a path leaks the handle when the file is no zip)
    with np.load(raw, allow_pickle=False) as data:  # zip members carry a CRC-32, checked on read
        meta = json.loads(str(data["meta"][()]))
        sessions = data["sessions"].astype("int64").view("datetime64[ns]")
        opens = data["opens"].astype("int64").view("datetime64[ns]")
        closes = data["closes"].astype("int64").view("datetime64[ns]")
    expected = {**_versions(), "code": code, "year": str(year)}
    if any(meta.get(k) != v for k, v in expected.items()):
        raise ValueError(f"key mismatch: {meta}")
    n = len(sessions)
    if n == 0 or len(opens) != n or len(closes) != n:
        raise ValueError("array lengths differ or no sessions")
    if not (np.all(np.diff(sessions) > np.timedelta64(0, "ns")) and np.all(opens < closes)):
        raise ValueError("sessions not increasing or an open not before its close")
    return SessionTable(
        code=code,
        tz=meta["tz"],
        sessions=sessions,
        opens=opens,
        closes=closes,
        regular_open=dt.time.fromisoformat(meta["regular_open"]),
        regular_close=dt.time.fromisoformat(meta["regular_close"]),
    )


def _stored_table(code: str, year: int) -> SessionTable:
    """The full table of ``code`` for ``year``: from disk when possible, else built and stored."""
    path = table_path(code, year)
    if path.exists():
        try:
            return _from_file(path, code, year)
        except Exception as exc:  # whatever is wrong with a cache file, the cure is to recompute it
            log.warning("calendar table %s is unusable (%s); recomputing it", path, exc)
    table = build_table(code, year)
    try:
        atomic_write_bytes(path, _to_bytes(table, year))
    except OSError as exc:
        log.warning("cannot store calendar table %s (%s); continuing without it", path, exc)
    return table


@functools.lru_cache(maxsize=16)
def session_table(code: str) -> SessionTable:
    """The sessions of ``code`` over exchange_calendars' default range as of today.

    Parameters
    ----------
    code : str
        An exchange_calendars code (``XNYS``, ``XTKS``, ``XKRX``...), upper case.

    Returns
    -------
    SessionTable
        Sessions from 20 years before today (or the calendar's earliest date) through one year after today,
        the range of ``exchange_calendars.get_calendar(code)``.

    Raises
    ------
    SpecificationError
        An invalid code or one that exchange_calendars does not know.
    """
    if not _CODE.match(code):
        raise SpecificationError(f"no exchange calendar for MIC {code!r}")
    today = _today()
    full = _stored_table(code, today.year)
    return full.clipped(today - pd.DateOffset(years=20), today + pd.DateOffset(years=1))
