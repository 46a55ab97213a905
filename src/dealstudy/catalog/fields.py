"""Typed readers that record every problem instead of stopping at the first (used by ``earnings.yaml``; deals
and counterparties are declared as pydantic models in :mod:`dealstudy.catalog.models`).

Each reader takes the raw value parsed from YAML (or built from a CSV row or command-line options), returns
the typed value or ``None``, and adds a :class:`~dealstudy.errors.CatalogProblem` to the :class:`Problems`
collector when the value is unusable. The messages are part of the interface: tests assert them verbatim.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Literal

from dealstudy.catalog.rules import date_problem, quote, url_problem
from dealstudy.errors import CatalogProblem

__all__ = [
    "ID_PATTERN",
    "MISSING",
    "Problems",
    "describe",
    "format_usd",
    "quote",
]

#: Deal ids: lowercase letters and digits in hyphen-separated words; a dot may join digits/letters inside a
#: word (``cipher-aws-5.5b``).
ID_PATTERN: Final = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+(?:\.[a-z0-9]+)*)*$")
#: ISO 10383 market identifier codes are four uppercase letters (digits occur in a few, e.g. ``XTK1``).
_ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH: Final = re.compile(r"^\d{4}-\d{2}$")


class _Missing:
    """Marker for a key that is absent (as opposed to present with value null)."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Final = _Missing()


def describe(value: object) -> str:
    """Name the type of a parsed value the way a catalog editor would ("text ('x')", "a list" ...)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({'true' if value else 'false'})"
    if isinstance(value, int | float):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return f"text ({quote(value)})"
    if isinstance(value, dt.datetime):
        return f"a date and time ({value.isoformat()})"
    if isinstance(value, dt.date):
        return f"a date ({value.isoformat()})"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "a mapping"
    return f"a {type(value).__name__} value"


def format_usd(value: float) -> str:
    """Format a USD amount for a message: ``38,000,000,000`` (decimals kept only when present)."""
    if math.isfinite(value) and value == int(value):
        return f"{int(value):,}"
    return f"{value:,}"


@dataclass
class Problems:
    """Collects problems for one entry (a deal, a counterparty) of one file."""

    file: str
    entry: str
    items: list[CatalogProblem] = field(default_factory=list)

    def add(self, name: str, message: str) -> None:
        """Record a problem with field ``name``."""
        self.items.append(CatalogProblem(self.file, self.entry, name, message))

    # ------------------------------------------------------------------ structure
    def keys(
        self, data: Mapping[object, object], allowed: Sequence[str], required: Iterable[str], prefix: str = ""
    ) -> None:
        """Report unknown keys (with a close match when there is one) and missing required keys."""
        for key in data:
            if isinstance(key, str) and key in allowed:
                continue
            shown = key if isinstance(key, str) else repr(key)
            close = difflib.get_close_matches(str(key), allowed, n=1, cutoff=0.75)
            hint = f" (did you mean '{close[0]}'?)" if close else ""
            self.add(prefix + str(shown), f"unknown key{hint}")
        for key in required:
            if key not in data:
                self.add(prefix + key, "required key is missing")

    # ------------------------------------------------------------------ scalars
    def text(self, name: str, value: object, *, required: bool = False) -> str | None:
        """A non-empty string; ``None`` (or missing) is allowed unless ``required``."""
        if value is MISSING or value is None:
            if required and value is None:
                self.add(name, "must not be null")
            return None
        if not isinstance(value, str):
            self.add(name, f"expected text, got {describe(value)}")
            return None
        if not value.strip():
            self.add(name, "must not be empty")
            return None
        return value.strip()

    def number(self, name: str, value: object) -> float | None:
        """A finite, non-negative number (YAML int or float; a boolean is not a number)."""
        if value is MISSING or value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.add(name, f"expected a number, got {describe(value)}")
            return None
        number = float(value)
        if not math.isfinite(number):
            self.add(name, f"must be a finite number, got {value!r}")
            return None
        if number < 0:
            self.add(name, f"must not be negative, got {value!r}")
            return None
        return number

    def boolean(self, name: str, value: object) -> bool | None:
        """``true`` or ``false``."""
        if value is MISSING or value is None:
            return None
        if not isinstance(value, bool):
            self.add(name, f"expected true or false, got {describe(value)}")
            return None
        return value

    def date(self, name: str, value: object, *, required: bool = False) -> dt.date | None:
        """A calendar date: a YAML date or ISO text ``YYYY-MM-DD``."""
        if value is MISSING or value is None:
            if required and value is None:
                self.add(name, "must not be null")
            return None
        if isinstance(value, dt.datetime):
            self.add(name, f"expected a date (YYYY-MM-DD), got {describe(value)}")
            return None
        if isinstance(value, str) and _ISO_DATE.match(value.strip()):
            with contextlib.suppress(ValueError):  # an impossible date stays text, reported below
                value = dt.date.fromisoformat(value.strip())
        if isinstance(value, dt.date):
            return self.in_range(name, value)
        if isinstance(value, str):
            self.add(name, f"not a valid date: {quote(value)} (use YYYY-MM-DD)")
            return None
        self.add(name, f"expected a date (YYYY-MM-DD), got {describe(value)}")
        return None

    def in_range(self, name: str, value: dt.date) -> dt.date | None:
        """``value`` when it lies within the catalog's date range (:func:`~.rules.date_problem`)."""
        problem = date_problem(value)
        if problem is not None:
            self.add(name, problem)
            return None
        return value

    def partial_date(
        self, name: str, value: object, *, required: bool = False
    ) -> tuple[dt.date | None, Literal["day", "month"]]:
        """A calendar date, or a month ``YYYY-MM`` where only the month is known.

        Returns the date (the 1st of the month for a month) and its precision.
        """
        if isinstance(value, str) and _ISO_MONTH.match(value.strip()):
            year, month = (int(part) for part in value.strip().split("-"))
            if 1 <= month <= 12:
                return self.in_range(name, dt.date(year, month, 1)), "month"
            self.add(name, f"not a valid month: {quote(value)} (use YYYY-MM)")
            return None, "month"
        return self.date(name, value, required=required), "day"

    def instant(self, name: str, value: object) -> dt.datetime | None:
        """An ISO 8601 date and time with a UTC offset (YAML timestamp or text)."""
        if value is MISSING or value is None:
            return None
        if isinstance(value, str):
            text = value.strip()
            try:
                parsed = dt.datetime.fromisoformat(text)
            except ValueError:
                self.add(
                    name,
                    f"not a valid date and time: {quote(value)} (use e.g. 2025-11-03T07:00:00-05:00)",
                )
                return None
            if "T" not in text.upper() and " " not in text:
                self.add(name, f"{quote(value)} has no time of day (use e.g. 2025-11-03T07:00:00-05:00)")
                return None
            value = parsed
        if not isinstance(value, dt.datetime):
            self.add(name, f"expected a date and time with UTC offset, got {describe(value)}")
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            self.add(
                name,
                f"'{value.isoformat()}' has no UTC offset (write e.g. 2025-11-03T07:00:00-05:00)",
            )
            return None
        return value

    def choice(
        self, name: str, value: object, allowed: Sequence[str], *, required: bool = False
    ) -> str | None:
        """One of a closed set of words."""
        if value is MISSING or value is None:
            if required and value is None:
                self.add(name, "must not be null")
            return None
        if not isinstance(value, str):
            self.add(name, f"expected one of {', '.join(allowed)}; got {describe(value)}")
            return None
        if value not in allowed:
            self.add(name, f"{quote(value)} is not one of: {', '.join(allowed)}")
            return None
        return value

    def url(self, name: str, value: object, *, required: bool = False) -> str | None:
        """An ``https://`` URL with a host; ``javascript:`` and every other scheme are refused."""
        text = self.text(name, value, required=required)
        if text is None:
            return None
        problem = url_problem(text)
        if problem is not None:
            self.add(name, problem)
            return None
        return text

    # ------------------------------------------------------------------ containers
    def items_of(self, name: str, value: object) -> list[object] | None:
        """A YAML list (``None`` when missing or null)."""
        if value is MISSING or value is None:
            return None
        if not isinstance(value, list):
            self.add(name, f"expected a list, got {describe(value)}")
            return None
        return value

    def text_list(self, name: str, value: object) -> tuple[str, ...] | None:
        """A list of non-empty strings; ``None`` when the list itself is unusable."""
        items = self.items_of(name, value)
        if items is None:
            return None if value not in (MISSING, None) else ()
        before = len(self.items)
        result = [self.text(f"{name}[{i}]", item, required=True) for i, item in enumerate(items)]
        if len(self.items) != before:
            return None
        return tuple(r for r in result if r is not None)
