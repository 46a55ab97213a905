"""Numbers and links as the pages show them. Every function returns a string ("n/a" for missing values)."""

from __future__ import annotations

import datetime as dt
import math
import re
from urllib.parse import urlsplit

import pandas as pd

from dealstudy.plots.style import format_usd

__all__ = [
    "as_float",
    "fmt_date",
    "fmt_multiple",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "fmt_sq_p",
    "fmt_usd",
    "https_url",
]

NA = "n/a"
_UNSAFE = re.compile(r"[\s\"'<>`\\\x00-\x1f\x7f]")


def as_float(value: object) -> float:
    """``value`` as a float; NaN for None, NA, text that is not a number."""
    if value is None or value is pd.NA or value is pd.NaT:
        return math.nan
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan
    return number


def fmt_usd(value: object) -> str:
    """US dollars in billions (``$12.3bn``) or millions below $1bn."""
    return format_usd(as_float(value))


def fmt_pct(value: object, decimals: int = 2, *, sign: bool = True) -> str:
    """A decimal return as a percentage: ``0.0321 -> "+3.21%"``."""
    number = as_float(value)
    if not math.isfinite(number):
        return NA
    text = f"{abs(number) * 100:,.{decimals}f}%"
    if number < 0:
        return "−" + text
    return ("+" if sign and number > 0 else "") + text


def fmt_num(value: object, decimals: int = 2) -> str:
    """A plain number with ``decimals`` places and a true minus sign."""
    number = as_float(value)
    if not math.isfinite(number):
        return NA
    text = f"{number:,.{decimals}f}"
    return text.replace("-", "−")


def fmt_p(value: object) -> str:
    """A p-value: three decimals, ``<0.001`` below."""
    number = as_float(value)
    if not math.isfinite(number):
        return NA
    return "<0.001" if number < 0.001 else f"{number:.3f}"


def fmt_sq_p(value: object) -> str:
    """A sample-quantile p-value: exactly 0 means the CAR lies beyond every estimation-window CAR.

    The SQ test's p-value moves in steps of 2/M (M estimation CARs), so 0 is shown as such, never as
    ``<0.001``, which would claim a precision the test does not have.
    """
    number = as_float(value)
    if number == 0:
        return "0 (beyond all)"
    return fmt_p(number)


def fmt_multiple(value: object) -> str:
    """A multiple of the headline value: ``0.83×``."""
    number = as_float(value)
    if not math.isfinite(number):
        return NA
    if number != 0 and abs(number) < 0.1:
        return f"{number:.2g}×".replace("-", "−")
    return f"{number:,.2f}×".replace("-", "−")


def fmt_date(value: object) -> str:
    """An ISO date (``2025-09-10``); n/a when missing."""
    if value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value)):
        return NA
    if isinstance(value, dt.datetime | pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return pd.Timestamp(str(value)).strftime("%Y-%m-%d")
    except ValueError:
        return str(value)


def https_url(value: object) -> str | None:
    """``value`` if it is a plain absolute ``https://`` URL with a host, else ``None``.

    Anything else — ``javascript:``, ``data:``, ``http:``, relative paths, URLs with spaces, quotes, angle
    brackets, backslashes or control characters — is refused, so a catalog entry cannot inject a link.
    """
    if not isinstance(value, str) or _UNSAFE.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    if parts.scheme != "https" or not parts.hostname or parts.username or parts.password:
        return None
    return value
