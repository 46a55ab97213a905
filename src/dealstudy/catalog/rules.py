"""Rules on single catalog values, each a function returning why a value is refused (``None`` when fine).

They are shared by every reader of catalog data: the YAML validator, the CSV importer, ``events add`` and the
report, which uses :func:`https_url` to decide whether a source becomes a link. Keeping one function per rule
means ``events validate`` never accepts a value that a later step withholds or crashes on.
"""

from __future__ import annotations

import datetime as dt
import re
from functools import cache
from typing import Final
from urllib.parse import urlsplit

__all__ = [
    "EARLIEST_DATE",
    "MAX_FILE_BYTES",
    "SUFFIX_MICS",
    "TICKER_PATTERN",
    "US_MICS",
    "date_problem",
    "https_url",
    "latest_date",
    "listing_mismatch",
    "mic_problem",
    "quote",
    "ticker_problem",
    "url_problem",
]

#: Catalog files larger than this are refused before they are read (a deal file is a few kilobytes).
MAX_FILE_BYTES: Final = 1_000_000
#: Catalog dates (announcements, stated figures, press claims) lie within EARLIEST_DATE .. today + 2 years.
EARLIEST_DATE: Final = dt.date(1990, 1, 1)
#: A Yahoo Finance equity symbol: 1-12 uppercase letters or digits (hyphens inside, ``BRK-B``), optionally a
#: dot and a 1-3 character class or exchange suffix (``9984.T``, ``000660.KS``, ``BRK.B``).
TICKER_PATTERN: Final = re.compile(r"^[A-Z0-9](?:[A-Z0-9-]{0,10}[A-Z0-9])?(?:\.[A-Z0-9]{1,3})?$")
_MIC_PATTERN: Final = re.compile(r"^[A-Z][A-Z0-9]{3}$")
#: Characters that never appear in a URL the site links to (and that could break out of an attribute).
_UNSAFE_URL: Final = re.compile(r"[\s\"'<>`\\\x00-\x1f\x7f]")

#: Yahoo symbol suffixes and the MICs their listings trade on (only suffixes the catalog is likely to meet;
#: an unlisted suffix is not checked).
SUFFIX_MICS: Final[dict[str, tuple[str, ...]]] = {
    "T": ("XTKS",),
    "KS": ("XKRX",),
    "KQ": ("XKRX", "XKOS"),
    "HK": ("XHKG",),
    "L": ("XLON",),
    "DE": ("XETR", "XFRA"),
    "PA": ("XPAR",),
    "AS": ("XAMS",),
    "SW": ("XSWX",),
    "TW": ("XTAI",),
    "SS": ("XSHG",),
    "SZ": ("XSHE",),
    "TO": ("XTSE",),
    "AX": ("XASX",),
}
#: MICs whose listings Yahoo writes without a suffix (US venues; they trade on the NYSE calendar).
US_MICS: Final = ("XNAS", "XNGS", "XNMS", "XNCM", "XNYS", "ARCX", "XASE", "BATS", "IEXG")


def quote(text: str, limit: int = 60) -> str:
    """Quote user text for a message, on one line and shortened to ``limit`` characters."""
    flat = " ".join(text.split()) if "\n" in text else text
    if len(flat) > limit:
        flat = flat[: limit - 3] + "..."
    return f"'{flat}'"


def latest_date(today: dt.date | None = None) -> dt.date:
    """The last date a catalog entry may carry: two years after ``today`` (default: the current date)."""
    day = today or dt.date.today()
    try:
        return day.replace(year=day.year + 2)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 2, day=28)


def date_problem(value: dt.date, today: dt.date | None = None) -> str | None:
    """Why a catalog date is out of range (before 1990 or more than two years ahead), else ``None``."""
    last = latest_date(today)
    if EARLIEST_DATE <= value <= last:
        return None
    return (
        f"{value.isoformat()} is outside the catalog's range {EARLIEST_DATE.isoformat()} to "
        f"{last.isoformat()} (today + 2 years)"
    )


def ticker_problem(ticker: str) -> str | None:
    """Why ``ticker`` is not a Yahoo Finance equity symbol, else ``None``."""
    if TICKER_PATTERN.match(ticker):
        return None
    return (
        f"{quote(ticker)} is not a Yahoo Finance symbol (1-12 uppercase letters or digits, hyphens only "
        "inside, optionally a dot and a suffix such as .T or .KS)"
    )


#: Exchanges whose calendars exchange_calendars has had since before 4.5 (the oldest release the project
#: accepts; a test checks each against the installed release): checked without importing the library,
#: which takes 0.15-0.4 s. Any other MIC is looked up in the library itself.
LONG_STANDING_CALENDARS: Final = frozenset(
    {"XTKS", "XKRX", "XLON", "XHKG", "XTAI", "XSHG", "XAMS", "XPAR", "XETR", "XTSE", "XASX", "XSWX"}
)


@cache
def _calendar_names() -> frozenset[str]:
    import exchange_calendars

    return frozenset(exchange_calendars.get_calendar_names(include_aliases=True))


def mic_problem(mic: str) -> str | None:
    """Why ``mic`` is not a MIC with a trading calendar (US venues use the NYSE calendar), else ``None``."""
    if not _MIC_PATTERN.match(mic):
        return f"{quote(mic)} is not an ISO 10383 MIC (four uppercase letters, e.g. XNYS, XNAS, XTKS, XKRX)"
    if mic in US_MICS or mic in LONG_STANDING_CALENDARS or mic in _calendar_names():
        return None
    return f"'{mic}' is not an exchange with a known trading calendar (e.g. XNYS, XNAS, XTKS, XKRX, XLON)"


def listing_mismatch(ticker: str, exchange: str) -> str | None:
    """Why a Yahoo symbol's suffix contradicts the listing's MIC, else ``None``."""
    base, dot, suffix = ticker.rpartition(".")
    if dot and suffix in SUFFIX_MICS:
        expected = SUFFIX_MICS[suffix]
        if exchange not in expected:
            return (
                f"ticker '{ticker}' has Yahoo suffix .{suffix}, which trades on {' or '.join(expected)}, "
                f"not {exchange}"
            )
        return None
    known_foreign = {mic for mics in SUFFIX_MICS.values() for mic in mics}
    if not (dot and base) and exchange in known_foreign:
        return f"ticker '{ticker}' has no Yahoo exchange suffix (a US listing) but exchange is {exchange}"
    return None


def url_problem(text: str) -> str | None:
    """Why ``text`` is not a plain absolute ``https://`` URL the report may link to, else ``None``.

    Refused: ``javascript:`` and every scheme but https; a missing host; user names or passwords; spaces,
    quotes, angle brackets, backquotes, backslashes and control characters anywhere.
    """
    try:
        parts = urlsplit(text)
        scheme, host = parts.scheme.lower(), parts.hostname
    except ValueError:
        return f"not a valid URL: {quote(text)}"
    if scheme == "javascript":
        return f"javascript: URLs are not allowed: {quote(text)}"
    if scheme != "https":
        return f"not an https URL: {quote(text)}"
    if not host or _UNSAFE_URL.search(text):
        return f"not a valid URL: {quote(text)}"
    if parts.username is not None or parts.password is not None:
        return f"URLs with a user name or password are not allowed: {quote(text)}"
    return None


def https_url(value: object) -> str | None:
    """``value`` if it is a URL the catalog accepts (:func:`url_problem`), else ``None``.

    The report links only such URLs, so a catalog entry cannot inject a link.
    """
    if not isinstance(value, str) or url_problem(value) is not None:
        return None
    return value
