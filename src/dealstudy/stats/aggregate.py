"""All aggregate tests in one table: per group and overall, for every window of the panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dealstudy._parallel import map_blocks
from dealstudy.stats import generalized_rank as gr
from dealstudy.stats import nonparametric as npt
from dealstudy.stats import parametric as pt
from dealstudy.stats._fast import PreparedPanel
from dealstudy.stats.panel import EventPanel, TestResult

__all__ = ["AGGREGATE_COLUMNS", "AGGREGATE_TESTS", "STATISTICS", "Statistic", "aggregate_table"]

Window = tuple[int, int]
AggregateTest = Callable[[EventPanel, Window], TestResult]
FastTest = Callable[[PreparedPanel, Window], TestResult]


@dataclass(frozen=True)
class Statistic:
    """One aggregate test: its name in the result tables, its public function and its fast form.

    ``name`` is the ``test`` column of ``aggregate.csv`` (a contract other tools read); ``test`` is the
    public function, named after its paper, ``test(panel, window) -> TestResult``; ``aliases`` are the
    other names it is importable under from :mod:`dealstudy.stats`; ``fast`` computes the same result
    on a :class:`PreparedPanel` (shared ranks, sums and caches across windows and
    groups), which is what :func:`aggregate_table` runs and what ``test`` wraps on a fresh panel.
    """

    name: str
    test: AggregateTest
    fast: FastTest
    aliases: tuple[str, ...]
    summary: str


STATISTICS: tuple[Statistic, ...] = (
    Statistic("t_test", pt.t_test, pt.t_test_prepared, (), "cross-sectional t test of the CAAR"),
    Statistic(
        "brown_warner_1980", pt.brown_warner_1980, pt.brown_warner_1980_prepared, (),
        "Brown and Warner (1980): each event's estimation-period variance",
    ),
    Statistic(
        "brown_warner_1985", pt.brown_warner_1985, pt.brown_warner_1985_prepared, (),
        "Brown and Warner (1985): crude dependence adjustment (portfolio variance)",
    ),
    Statistic("patell", pt.patell, pt.patell_prepared, (), "Patell (1976) standardized residual test"),
    Statistic(
        "boehmer", pt.boehmer_musumeci_poulsen, pt.boehmer_prepared, ("bmp", "boehmer"),
        "Boehmer, Musumeci and Poulsen (1991) standardized cross-sectional test",
    ),
    Statistic(
        "kolari_pynnonen", pt.kolari_pynnonen, pt.kolari_pynnonen_prepared, (),
        "Kolari and Pynnonen (2010): BMP adjusted for cross-correlation",
    ),
    Statistic("sign", npt.sign, npt.sign_prepared, (), "sign test, exact binomial (Cowan 1992)"),
    Statistic(
        "generalized_sign", npt.generalized_sign, npt.generalized_sign_prepared, (),
        "Cowan (1992) generalized sign test",
    ),
    Statistic(
        "corrado_rank", npt.corrado_rank, npt.corrado_rank_prepared, (),
        "Corrado (1989) rank test as in Corrado and Zivney (1992)",
    ),
    Statistic(
        "corrado_sign", npt.corrado_zivney_sign, npt.corrado_sign_prepared, ("corrado_sign",),
        "Corrado and Zivney (1992) sign test against each event's median",
    ),
    Statistic(
        "wilcoxon", npt.wilcoxon, npt.wilcoxon_prepared, (), "Wilcoxon (1945) signed-rank test on the CARs"
    ),
    Statistic(
        "grank", gr.kolari_pynnonen_rank, gr.grank_prepared, ("grank",),
        "Kolari and Pynnonen (2011) generalized rank test (GRANK-T)",
    ),
)  # fmt: skip
"""Every aggregate test, once, in report order (the order of :func:`aggregate_table`'s rows)."""

AGGREGATE_TESTS: dict[str, AggregateTest] = {s.name: s.test for s in STATISTICS}
"""The aggregate tests by table name, in report order; each is ``test(panel, window) -> TestResult``
(derived from :data:`STATISTICS`)."""

AGGREGATE_COLUMNS = ("group", "window", "n", "mean", "test", "stat", "p_value", "reason")


PARALLEL_WINDOWS_MIN_EVENTS = 20_000
"""From this many events on, the windows of a set (after the first) are tested on
:func:`dealstudy._parallel.map_blocks` threads: their array work then outweighs the Python overhead."""


def _test_set(
    label: str, prep: PreparedPanel, rows: list[tuple[str, str, int, float, str, float, float, str]]
) -> None:
    """Append every test of every window of one (group) panel to ``rows``.

    On large panels the first window is tested alone (it computes most of what all windows share),
    the rest of the shared arrays are computed (:meth:`PreparedPanel.prefetch`,
    :func:`dealstudy.stats.generalized_rank.prefetch`), then the other windows are tested on threads;
    each window's results depend only on the shared arrays, and come back in window order.
    """

    def window_rows(window: Window) -> list[tuple[str, str, int, float, str, float, float, str]]:
        wname = f"{window[0]}:{window[1]}"
        out = []
        for statistic in STATISTICS:
            r = statistic.fast(prep, window)
            out.append((label, wname, r.nobs, r.mean, statistic.name, r.stat, r.pvalue, r.reason))
        return out

    windows = list(prep.panel.windows)
    if prep.panel.n_events < PARALLEL_WINDOWS_MIN_EVENTS or len(windows) < 2:
        for window in windows:
            rows.extend(window_rows(window))
        return
    rows.extend(window_rows(windows[0]))
    prep.prefetch()
    gr.prefetch(prep)
    for part in map_blocks(window_rows, windows[1:]):
        rows.extend(part)


def aggregate_table(panel: EventPanel) -> pd.DataFrame:
    """Every aggregate test for every window of the panel, overall and per group.

    Returns
    -------
    DataFrame
        Columns ``group, window, n, mean, test, stat, p_value, reason``: group ``"all"`` first, then each
        distinct label of ``panel.groups`` in sorted order (left out when the only label is ``"all"``);
        within a group, the windows in ``panel.windows`` order (formatted ``"a:b"``), and within a window
        the tests in :data:`STATISTICS` order. ``mean`` is the AAR (one day) or CAAR over the
        window of the test's events; ``stat``/``p_value`` are NaN where the test cannot be computed,
        with ``reason`` saying why (empty otherwise). p-values are two-sided.
    """
    groups = [str(g) for g in panel.groups]
    labels = sorted(set(groups))
    grouped = bool(labels) and labels != ["all"]
    parts = (
        np.searchsorted(np.asarray(labels, dtype=object), np.asarray(groups, dtype=object))
        if grouped
        else None
    )
    whole = PreparedPanel(panel, windows_ahead=tuple(panel.windows), parts=parts)
    rows: list[tuple[str, str, int, float, str, float, float, str]] = []
    _test_set("all", whole, rows)
    if grouped:
        whole.hand_out()  # the groups' shares of the per-event caches, moved out of the whole panel's
        for i, label in enumerate(labels):
            # the group's caches are sliced from the whole panel's (ranks are within events, so exact),
            # and its column sums, GRANK counts and pooled rbar come from the passes over all events
            sub = whole.part(i)
            if i == len(labels) - 1:
                whole.release()  # no later set needs the whole panel's caches
            _test_set(label, sub, rows)
            del sub  # before the next group's subset is built
    frame = pd.DataFrame(rows, columns=list(AGGREGATE_COLUMNS))
    return frame.astype({"n": "int64", "mean": "float64", "stat": "float64", "p_value": "float64"})
