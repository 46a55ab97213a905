"""dealstudy: event studies of AI compute-deal announcements.

The names a notebook needs are importable from the package itself; each is imported on first use, so
``import dealstudy`` stays quick (the command line imports the package too)::

    from dealstudy import EventStudy, StudySpec, Window, load_catalog, analyze, build_report, open_sources

    sources = open_sources(prices="../shared/data/prices")
    results = analyze("events", sources, window="-1:1")
    results.study                       # one-line repr; in a notebook, the summary as HTML
    results.study.summary()             # Summary: print it, or .as_text() / .as_html()
    results.study.tests("-1:1")         # tests x groups
    results.study.caar("-5:5")          # CAAR path with a confidence band, per group
    results.study.conf_int(0.05)        # each event's CAR with its confidence interval

See :mod:`dealstudy.api` for the functions that wire data sources to the computations.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from dealstudy.catalog import Catalog, load_catalog
    from dealstudy.data import DataSources, open_sources
    from dealstudy.pipeline.analyze import AnalysisResults, analyze
    from dealstudy.pipeline.events_csv import read_events_csv
    from dealstudy.pipeline.report import build_report
    from dealstudy.pipeline.study import run_study
    from dealstudy.study import EventStudy, StudyResults, StudySpec
    from dealstudy.study.summary import Summary
    from dealstudy.window import Window

#: Public name -> the module that defines it (imported on first access).
_LAZY: dict[str, str] = {
    "AnalysisResults": "dealstudy.pipeline.analyze",
    "Catalog": "dealstudy.catalog",
    "DataSources": "dealstudy.data",
    "EventStudy": "dealstudy.study",
    "StudyResults": "dealstudy.study",
    "StudySpec": "dealstudy.study",
    "Summary": "dealstudy.study.summary",
    "Window": "dealstudy.window",
    "analyze": "dealstudy.pipeline.analyze",
    "build_report": "dealstudy.pipeline.report",
    "load_catalog": "dealstudy.catalog",
    "open_sources": "dealstudy.data",
    "read_events_csv": "dealstudy.pipeline.events_csv",
    "run_study": "dealstudy.pipeline.study",
}

__all__ = [
    "AnalysisResults",
    "Catalog",
    "DataSources",
    "EventStudy",
    "StudyResults",
    "StudySpec",
    "Summary",
    "Window",
    "__version__",
    "analyze",
    "build_report",
    "load_catalog",
    "open_sources",
    "read_events_csv",
    "run_study",
]


def __getattr__(name: str) -> Any:
    """Import a public name (see :data:`_LAZY`) when first asked for."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
