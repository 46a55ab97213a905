"""Test statistics for event studies, each named after its paper.

Functions carry the papers' names (``boehmer_musumeci_poulsen``, short ``bmp``; ``corrado_zivney_sign``;
``kolari_pynnonen_rank``); result tables keep the short test names of the output files (``boehmer``,
``corrado_sign``, ``grank``), which are also importable here under those names.

Aggregate tests take an :class:`EventPanel` and a window and return a :class:`TestResult`;
:data:`STATISTICS` lists them once (table name, paper-named function, aliases, fast form, citation) and
:func:`aggregate_table` runs them all. Single-event tests: :func:`single_event_t`, :func:`sq_test`.
"""

from dealstudy.stats.aggregate import AGGREGATE_TESTS, STATISTICS, Statistic, aggregate_table
from dealstudy.stats.generalized_rank import grank, kolari_pynnonen_rank
from dealstudy.stats.nonparametric import (
    corrado_rank,
    corrado_sign,
    corrado_zivney_sign,
    generalized_sign,
    sign,
    wilcoxon,
)
from dealstudy.stats.panel import EventPanel, TestResult
from dealstudy.stats.parametric import (
    bmp,
    boehmer,
    boehmer_musumeci_poulsen,
    brown_warner_1980,
    brown_warner_1985,
    kolari_pynnonen,
    patell,
    t_test,
)
from dealstudy.stats.single import single_event_t, sq_test

__all__ = [
    "AGGREGATE_TESTS",
    "STATISTICS",
    "EventPanel",
    "Statistic",
    "TestResult",
    "aggregate_table",
    "bmp",
    "boehmer",
    "boehmer_musumeci_poulsen",
    "brown_warner_1980",
    "brown_warner_1985",
    "corrado_rank",
    "corrado_sign",
    "corrado_zivney_sign",
    "generalized_sign",
    "grank",
    "kolari_pynnonen",
    "kolari_pynnonen_rank",
    "patell",
    "sign",
    "single_event_t",
    "sq_test",
    "t_test",
    "wilcoxon",
]
