"""The event-study engine: pure computation on frames and arrays (no I/O).

>>> from dealstudy.study import StudySpec, EventStudy
>>> results = EventStudy(StudySpec(model="market")).fit(events, prices)  # doctest: +SKIP

The engine and its results (:class:`EventStudy`, :class:`StudyResults`, which need scipy) are imported on
first use, so that reading the specification (``StudySpec``, ``MODELS``) stays quick, e.g. for the
command line's help.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dealstudy.study.outcomes import OUTCOMES, Outcome
from dealstudy.study.spec import MODELS, StudySpec
from dealstudy.window import Window, WindowError

if TYPE_CHECKING:
    from dealstudy.study.engine import EventStudy
    from dealstudy.study.results import StudyResults

__all__ = [
    "MODELS",
    "OUTCOMES",
    "EventStudy",
    "Outcome",
    "StudyResults",
    "StudySpec",
    "Window",
    "WindowError",
]

_LAZY = {"EventStudy": "dealstudy.study.engine", "StudyResults": "dealstudy.study.results"}


def __getattr__(name: str) -> Any:
    """Import :class:`EventStudy` and :class:`StudyResults` when first asked for."""
    if name in _LAZY:
        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
