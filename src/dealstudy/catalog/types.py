"""Value types of the catalog files: annotated validators that raise the catalog's own messages.

Each type (``Text``, ``Number``, ``Url`` ...) is a pydantic ``PlainValidator`` around a function that either
returns the typed value or raises :func:`refuse` with the message a catalog editor sees ("expected text, got a
number (5)"). ``Opt*`` types accept null; the others say "must not be null". The models in
:mod:`dealstudy.catalog.models` declare the keys with these types.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Annotated, Any, Final, Literal, TypeVar

from pydantic import BeforeValidator, PlainValidator
from pydantic_core import PydanticCustomError

from dealstudy.catalog.fields import ID_PATTERN, describe
from dealstudy.catalog.rules import date_problem, quote, url_problem
from dealstudy.catalog.schema import TIMINGS, VALUE_QUALIFIERS

__all__ = [
    "Number",
    "OptDate",
    "OptNumber",
    "OptQualifier",
    "OptText",
    "OptTiming",
    "OptUrl",
    "Text",
    "TextList",
    "Timing",
    "Url",
    "boolean",
    "checked",
    "choice",
    "date_value",
    "day_or_month",
    "instant",
    "list_or_empty",
    "refuse",
    "slug",
    "typed",
]

T = TypeVar("T")
_ISO_DATE: Final = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_MONTH: Final = re.compile(r"^\d{4}-\d{2}$")


def refuse(message: str, field: str = "") -> PydanticCustomError:
    """A validation error carrying the catalog's message (and, for a rule, the field it belongs to)."""
    return PydanticCustomError("catalog", "{message}", {"message": message, "field": field})


def _required(check: Callable[[object], T]) -> Callable[[object], T]:
    def run(value: object) -> T:
        if value is None:
            raise refuse("must not be null")
        return check(value)

    return run


def _optional(check: Callable[[object], T]) -> Callable[[object], T | None]:
    return lambda value: None if value is None else check(value)


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise refuse(f"expected text, got {describe(value)}")
    if not value.strip():
        raise refuse("must not be empty")
    return value.strip()


def _number(value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise refuse(f"expected a number, got {describe(value)}")
    if not math.isfinite(float(value)):
        raise refuse(f"must be a finite number, got {value!r}")
    if value < 0:
        raise refuse(f"must not be negative, got {value!r}")
    return float(value)


def date_value(value: object) -> dt.date:
    if isinstance(value, str) and _ISO_DATE.match(value.strip()):
        with contextlib.suppress(ValueError):
            value = dt.date.fromisoformat(value.strip())
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        if (problem := date_problem(value)) is not None:
            raise refuse(problem)
        return value
    if isinstance(value, str):
        raise refuse(f"not a valid date: {quote(value)} (use YYYY-MM-DD)")
    raise refuse(f"expected a date (YYYY-MM-DD), got {describe(value)}")


def day_or_month(value: object) -> tuple[dt.date, Literal["day", "month"]]:
    """A date, or a month ``YYYY-MM`` (returned as its first day) where only the month is known."""
    if isinstance(value, str) and _ISO_MONTH.match(value.strip()):
        year, month = (int(part) for part in value.strip().split("-"))
        if not 1 <= month <= 12:
            raise refuse(f"not a valid month: {quote(value)} (use YYYY-MM)")
        return date_value(dt.date(year, month, 1)), "month"
    return date_value(value), "day"


def instant(value: object) -> dt.datetime:
    example = "2025-11-03T07:00:00-05:00"
    if isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError:
            raise refuse(f"not a valid date and time: {quote(value)} (use e.g. {example})") from None
        if "T" not in value.strip().upper() and " " not in value.strip():
            raise refuse(f"{quote(value)} has no time of day (use e.g. {example})")
        value = parsed
    if not isinstance(value, dt.datetime):
        raise refuse(f"expected a date and time with UTC offset, got {describe(value)}")
    if value.utcoffset() is None:
        raise refuse(f"'{value.isoformat()}' has no UTC offset (write e.g. {example})")
    return value


def choice(allowed: tuple[str, ...]) -> Callable[[object], str]:
    def check(value: object) -> str:
        if not isinstance(value, str):
            raise refuse(f"expected one of {', '.join(allowed)}; got {describe(value)}")
        if value not in allowed:
            raise refuse(f"{quote(value)} is not one of: {', '.join(allowed)}")
        return value

    return check


def _url(value: object) -> str:
    text = _text(value)
    if (problem := url_problem(text)) is not None:
        raise refuse(problem)
    return text


def boolean(value: object) -> bool:
    if not isinstance(value, bool):
        raise refuse(f"expected true or false, got {describe(value)}")
    return value


def checked(check: Callable[[str], str | None]) -> Callable[[object], str]:
    def run(value: object) -> str:
        text = _text(value)
        if (problem := check(text)) is not None:
            raise refuse(problem)
        return text

    return run


def slug(value: object) -> str:
    text = _text(value)
    if not ID_PATTERN.match(text):
        raise refuse(
            f"{quote(text)} is not a valid id (lowercase letters, digits and hyphens; "
            "dots allowed inside, e.g. cipher-aws-5.5b)"
        )
    return text


def list_or_empty(value: object) -> object:
    if value is None:
        return []
    if not isinstance(value, list):
        raise refuse(f"expected a list, got {describe(value)}")
    return value


def typed(check: Callable[[object], Any], *, required: bool = True) -> Any:
    return PlainValidator(_required(check) if required else _optional(check))


Text = Annotated[str, typed(_text)]
OptText = Annotated[str | None, typed(_text, required=False)]
Number = Annotated[float, typed(_number)]
OptNumber = Annotated[float | None, typed(_number, required=False)]
OptDate = Annotated[dt.date | None, typed(date_value, required=False)]
Url = Annotated[str, typed(_url)]
OptUrl = Annotated[str | None, typed(_url, required=False)]
Timing = Annotated[str, typed(choice(TIMINGS))]
OptTiming = Annotated[str | None, typed(choice(TIMINGS), required=False)]
OptQualifier = Annotated[str | None, typed(choice(VALUE_QUALIFIERS), required=False)]
TextList = Annotated[list[Text], BeforeValidator(list_or_empty)]
