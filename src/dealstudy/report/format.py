"""Numbers and links as the pages show them. Every function returns a string ("n/a" for missing values).

:func:`fmt` is the one formatter of the site: templates (the ``fmt`` filter), the page contexts and the
CSV-to-HTML tables (:func:`column_kind` picks a kind from a column's name and type) all go through it, so a
year, a dollar amount or a p-value reads the same wherever it appears. The ``fmt_*`` functions are its
per-kind implementations.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable

import pandas as pd

from dealstudy.catalog.rules import https_url  # one URL rule for the catalog and the site
from dealstudy.plots.classes import format_usd

__all__ = [
    "KINDS",
    "NUMERIC_KINDS",
    "as_float",
    "column_kind",
    "fmt",
    "fmt_count",
    "fmt_date",
    "fmt_id",
    "fmt_multiple",
    "fmt_num",
    "fmt_p",
    "fmt_pct",
    "fmt_sq_p",
    "fmt_stat",
    "fmt_usd",
    "https_url",
]

NA = "n/a"


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
    """A p-value: three decimals, ``< 0.001`` below."""
    number = as_float(value)
    if not math.isfinite(number):
        return NA
    return "< 0.001" if number < 0.001 else f"{number:.3f}"


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


_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")


def fmt_stat(value: object) -> str:
    """A statistic or coefficient with three significant digits, never in e-notation.

    ``7.18862 -> "7.19"``, ``0.30731 -> "0.307"``, ``1234.5 -> "1,235"``, ``-6.773e-05 -> "−6.8×10⁻⁵"``;
    whole numbers without decimals (``8.0 -> "8"``).
    """
    number = as_float(value)
    if not math.isfinite(number):
        return NA
    size = abs(number)
    if (number.is_integer() and size < 1e15) or size >= 99.95:
        text = f"{number:,.0f}"
    elif size >= 9.995:
        text = f"{number:.1f}"
    elif size >= 1:
        text = f"{number:.2f}"
    elif size >= 0.001:
        text = f"{number:.3f}"
    else:
        mantissa, exponent = f"{number:.1e}".split("e")
        text = f"{mantissa}×10{str(int(exponent)).translate(_SUPERSCRIPT)}"
    return text.replace("-", "−")


def fmt_count(value: object) -> str:
    """A whole count with thousands separators: ``1999 -> "1,999"``."""
    return fmt_num(value, 0)


def fmt_id(value: object) -> str:
    """A year, seed or identifier: digits as they are, no separators (``2025``, ``20251103``)."""
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NA
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _fmt_share(value: object) -> str:
    """A share of a whole as an unsigned percentage, at most two decimals: ``0.95 -> "95%"``,
    ``0.0213 -> "2.13%"``."""
    text = fmt_pct(value, 2, sign=False)
    if text.endswith("%") and "." in text:
        text = text[:-1].rstrip("0").rstrip(".") + "%"
    return text


def _fmt_bool(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return NA
    if isinstance(value, str):
        return "yes" if value.strip().lower() in {"true", "1", "yes"} else "no"
    return "yes" if bool(value) else "no"


def _fmt_text(value: object) -> str:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return NA
    return str(value)


#: Every kind of value the site shows, and how it is written.
KINDS: dict[str, Callable[[object], str]] = {
    "text": _fmt_text,
    "id": fmt_id,  # years, seeds, identifiers: no separators
    "count": fmt_count,
    "usd": fmt_usd,
    "pct": fmt_pct,  # a return as a signed percentage
    "share": _fmt_share,  # a share of a whole as an unsigned percentage
    "p": fmt_p,
    "sq_p": fmt_sq_p,
    "stat": fmt_stat,  # t, F, coefficients: three significant digits
    "price": fmt_num,  # a quoted price in its own currency: two decimals
    "multiple": fmt_multiple,
    "date": fmt_date,
    "bool": _fmt_bool,
}
NUMERIC_KINDS = frozenset({"count", "usd", "pct", "share", "p", "sq_p", "stat", "price", "multiple"})


def fmt(value: object, kind: str = "stat") -> str:
    """``value`` written as a ``kind`` (a key of :data:`KINDS`); ``n/a`` when missing."""
    try:
        writer = KINDS[kind]
    except KeyError:
        raise ValueError(f"unknown number kind {kind!r}; expected one of {sorted(KINDS)}") from None
    return writer(value)


_PCT_NAMES = frozenset({"car", "bhar", "caar", "ar", "mean", "return", "expected_return", "cum_ar", "alpha"})
_SHARE_NAMES = frozenset({"confidence", "reversed_share", "exposure", "binding_share", "sigma"})
_COUNT_NAMES = frozenset(
    {"n", "reps", "skipped", "deals", "legs", "valued", "sessions", "excluded", "days", "estimation_obs"}
)
_ID_NAMES = frozenset({"seed", "year", "id", "first_year", "last_year"})
_DATE_NAMES = frozenset({"date", "day0", "first", "last", "as_of", "stated", "announced"})


def column_kind(name: str, series: pd.Series | None = None) -> str:
    """The kind of a results column from its name, then its dtype (``*_usd`` money, ``*_year`` ids ...)."""
    lower = name.lower()
    if lower in _ID_NAMES or lower.endswith(("_year", "_id", "_seed")):
        return "id"
    if lower.endswith("_usd"):
        return "usd"
    if lower == "sq_p_value":
        return "sq_p"
    if lower in {"p", "p_value", "pvalue"} or lower.endswith(("_p_value", "_p")) or lower.startswith("p_"):
        return "p"
    if lower in _PCT_NAMES:
        return "pct"
    if lower in _SHARE_NAMES or lower.endswith("_share"):
        return "share"
    if lower.endswith(("multiple", "_to_headline", "_to_figure")):
        return "multiple"
    if lower in _COUNT_NAMES or lower.endswith(("_n", "_obs", "_count")):
        return "count"
    if lower in _DATE_NAMES or lower.endswith(("_day0", "_date")):
        return "date"
    if series is None:
        return "text"
    if pd.api.types.is_bool_dtype(series):
        return "bool"
    if pd.api.types.is_integer_dtype(series):
        return "count"
    if pd.api.types.is_float_dtype(series):
        return "stat"
    if pd.api.types.is_datetime64_any_dtype(series):
        return "date"
    return "text"
