"""Package-wide defaults and the location of optional shared data.

Only constants and path resolution live here; nothing is read at import time.
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path

__all__ = [
    "DEFAULT_ESTIMATION",
    "DEFAULT_MIN_OBS",
    "DEFAULT_WINDOWS",
    "SHARED_ENV",
    "STUDY_DATES",
    "find_shared_dir",
    "studiable",
]

#: Estimation window in trading days relative to day 0 (inclusive), i.e. a 10-day gap before day -1.
DEFAULT_ESTIMATION: tuple[int, int] = (-250, -11)
#: Minimum number of estimation-window returns for an event to be studied.
DEFAULT_MIN_OBS: int = 120
#: Event windows studied by default, in trading days relative to day 0 (inclusive).
DEFAULT_WINDOWS: tuple[tuple[int, int], ...] = ((0, 0), (-1, 1), (0, 1), (-5, 5), (0, 10))

#: Announcement dates the study can place in event time. pandas' nanosecond timestamps span 1677..2262 and
#: the price ranges around an event need room; a deal dated outside is listed with its reason, not studied.
STUDY_DATES: tuple[dt.date, dt.date] = (dt.date(1900, 1, 1), dt.date(2200, 12, 31))


def studiable(day: dt.date) -> bool:
    """True when ``day`` lies within :data:`STUDY_DATES`."""
    return STUDY_DATES[0] <= day <= STUDY_DATES[1]


#: Environment variable that points at the shared data folder (``prices/``, factors, reference cases).
SHARED_ENV = "DEALSTUDY_SHARED_DIR"


def find_shared_dir(start: Path | None = None) -> Path | None:
    """Locate the ``shared`` folder that sits beside the repository (``../shared``).

    ``$DEALSTUDY_SHARED_DIR`` wins when set. Otherwise walk up from ``start`` (default: this file) and return
    the first ``<ancestor>/../shared`` or ``<ancestor>/shared`` that holds ``data/prices``. Returns ``None``
    when nothing is found; callers decide whether that is an error.
    """
    env = os.environ.get(SHARED_ENV)
    if env:
        path = Path(env).expanduser().resolve()
        return path if path.is_dir() else None
    here = (start or Path(__file__)).resolve()
    for ancestor in [here, *here.parents]:
        for candidate in (ancestor / "shared", ancestor.parent / "shared"):
            if (candidate / "data" / "prices").is_dir():
                return candidate
    return None
