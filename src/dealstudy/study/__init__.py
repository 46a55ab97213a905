"""The event-study engine: pure computation on frames and arrays (no I/O).

>>> from dealstudy.study import StudySpec, EventStudy
>>> results = EventStudy(StudySpec(model="market")).fit(events, prices)  # doctest: +SKIP
"""

from dealstudy.study.engine import EventStudy
from dealstudy.study.outcomes import OUTCOMES, Outcome
from dealstudy.study.results import StudyResults
from dealstudy.study.spec import MODELS, StudySpec, format_window, parse_window

__all__ = [
    "MODELS",
    "OUTCOMES",
    "EventStudy",
    "Outcome",
    "StudyResults",
    "StudySpec",
    "format_window",
    "parse_window",
]
