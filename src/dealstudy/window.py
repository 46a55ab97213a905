"""The event window: a value type for a range of trading days relative to day 0, written ``"START:END"``.

>>> w = Window.parse("-1:1")
>>> str(w), w.start, w.end, w.length
('-1:1', -1, 1, 3)
>>> Window.parse("0:10") > w
True

A window is parsed once, where text enters the package (the command line, :func:`dealstudy.api.analyze`,
:class:`dealstudy.study.StudySpec`) and carried as a :class:`Window` from there on. Tables keep the text
form (``str(window)``) in their ``window`` column, so the files stay as they were.
"""

from __future__ import annotations

import numbers
from typing import Any, NamedTuple

from dealstudy.errors import SpecificationError

__all__ = ["Window", "WindowError", "WindowLike"]


class WindowError(SpecificationError):
    """A window is malformed: not ``START:END``, not integers, or START after END (a ``ValueError``)."""


class _Pair(NamedTuple):
    start: int
    end: int


class Window(_Pair):
    """Trading days ``start..end`` relative to day 0, both inclusive, ``start <= end``: ``Window(-1, 1)``.

    A frozen, ordered value (by start, then end), hashable, with the text form ``str(w) == "-1:1"``. It is a
    named pair, so code written for ``(start, end)`` tuples keeps working: it unpacks (``a, b = w``), indexes
    (``w[0]``) and compares equal to (and hashes as) the pair ``(start, end)``. Construction validates:
    integers only, ``start <= end`` (else :class:`WindowError`).
    """

    __slots__ = ()

    def __new__(cls, start: int, end: int) -> Window:
        given: tuple[tuple[str, object], ...] = (("start", start), ("end", end))  # callers may be untyped
        for name, value in given:
            if isinstance(value, bool) or not isinstance(value, numbers.Integral):
                raise WindowError(f"window {name} must be an integer, got {value!r}")
        first, last = int(start), int(end)
        if first > last:
            raise WindowError(f"window {first}:{last}: start must not be after end")
        return super().__new__(cls, first, last)

    @classmethod
    def parse(cls, text: str | Window) -> Window:
        """``"-1:1"`` -> ``Window(-1, 1)`` (a window passes through); else :class:`WindowError`."""
        if isinstance(text, Window):
            return text
        parts = str(text).strip().split(":")
        if len(parts) != 2:
            raise WindowError(f"window {text!r}: expected START:END in trading days, e.g. -1:1")
        try:
            start, end = int(parts[0]), int(parts[1])
        except ValueError:
            raise WindowError(f"window {text!r}: START and END must be integers") from None
        if start > end:
            raise WindowError(f"window {text!r}: START must not be after END")
        return cls(start, end)

    @classmethod
    def of(cls, value: object, name: str = "window") -> Window:
        """A window from a :class:`Window`, its text ``"a:b"`` or a pair ``(a, b)`` of integers."""
        if isinstance(value, Window):
            return value
        if isinstance(value, str):
            return cls.parse(value)
        if not isinstance(value, tuple | list) or len(value) != 2:
            raise WindowError(f"{name}: expected a pair (start, end), got {value!r}")
        pair: list[Any] = list(value)
        for v in pair:
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not float(v).is_integer():
                raise WindowError(f"{name}: start and end must be integers, got {value!r}")
        start, end = int(pair[0]), int(pair[1])
        if start > end:
            raise WindowError(f"{name} {start}:{end}: start must not be after end")
        return cls(start, end)

    @property
    def length(self) -> int:
        """Number of trading days, ``end - start + 1``."""
        return self.end - self.start + 1

    def __str__(self) -> str:
        return f"{self.start}:{self.end}"

    def __repr__(self) -> str:
        return f"Window({self.start}, {self.end})"


#: What the API accepts where a window is expected.
WindowLike = Window | str | tuple[int, int]
