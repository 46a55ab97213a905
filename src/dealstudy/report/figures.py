"""Draw every figure of the site and serialise it to inline SVG (the "figures" stage of the pipeline).

The index page's figures are drawn by :mod:`dealstudy.report.index_figures`, each security's figure by
:mod:`dealstudy.report.event_figures` (in worker processes when asked) and each deal family's timeline by
:mod:`dealstudy.report.families`; a :class:`~dealstudy.report.figure_cache.FigureCache` saves redrawing
what did not change.
"""

from __future__ import annotations

import dataclasses
import importlib
import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor

from dealstudy.report.event_figures import draw_event, event_jobs
from dealstudy.report.families import draw_family, family_jobs
from dealstudy.report.figure_cache import FigureCache
from dealstudy.report.index_figures import index_figures
from dealstudy.report.inputs import ReportData
from dealstudy.report.site_figure import FigureSet, SiteFigure

__all__ = ["render_event_figures", "render_figures"]


def _fork_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of forked workers (they inherit the loaded modules and font cache), or None where unsafe."""
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    importlib.import_module("dealstudy.plots.security")  # matplotlib and its fonts, loaded once for all
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def render_event_figures(data: ReportData, *, workers: int = 1) -> dict[str, tuple[SiteFigure, ...]]:
    """The per-security figures of the deal pages, keyed by event id (empty tuple: nothing to draw).

    With ``workers`` >= 2 (and where ``fork`` is available) they are drawn in that many forked processes;
    the output is identical.
    """
    return render_figures(data, workers=workers, index=False).events


def _family_figures(data: ReportData, cache: FigureCache | None) -> dict[str, SiteFigure]:
    """Each deal family's timeline (:mod:`dealstudy.report.families`) by member deal id, taken from
    ``cache`` when its drawing job is there."""
    out: dict[str, SiteFigure] = {}
    for job in family_jobs(data):
        key = cache.key(job) if cache is not None else ""
        hit = cache.get(key) if cache is not None else None
        figure = hit if isinstance(hit, SiteFigure) else SiteFigure(*draw_family(job))
        if cache is not None and not isinstance(hit, SiteFigure):
            cache.put(key, figure)
        out.update(dict.fromkeys(job.members, figure))
    return out


def render_figures(
    data: ReportData, *, workers: int = 1, index: bool = True, cache: FigureCache | None = None
) -> FigureSet:
    """Draw the index figures and the per-security figures of every deal page.

    Parameters
    ----------
    data : ReportData
    workers : int
        With 2 or more (and where ``fork`` is available), the per-security figures are drawn in that many
        forked processes while this one draws the index figures; the output is identical.
    index : bool
        Draw the index figures (``False`` leaves ``FigureSet.index`` empty).
    cache : FigureCache, optional
        Per-security figures whose drawing job (data, captions, drawing code) is in the cache are taken
        from it instead of being drawn, and so are the index figures when the whole report data is
        unchanged; newly drawn ones are added.
    """
    ids, jobs = event_jobs(data)
    keys = {job.eid: cache.key(job) for job in jobs} if cache is not None else {}
    drawn: dict[str, SiteFigure] = {}
    if cache is not None:
        for job in jobs:
            hit = cache.get(keys[job.eid])
            if isinstance(hit, SiteFigure):
                drawn[job.eid] = hit
        jobs = [job for job in jobs if job.eid not in drawn]

    def draw_index() -> tuple[SiteFigure, ...]:
        if not index:
            return ()
        if cache is None:
            return index_figures(data)
        # provenance (dates of the run), the summaries and the page tables do not enter these figures
        drawn_from = dataclasses.replace(data, provenance=(), summaries="", tables=())
        key = cache.key(("index figures", drawn_from))
        hit = cache.get(key)
        if isinstance(hit, tuple) and all(isinstance(f, SiteFigure) for f in hit):
            return hit
        drawn_index = index_figures(data)
        cache.put(key, drawn_index)
        return drawn_index

    pool = _fork_pool(workers) if len(jobs) > 4 else None
    if pool is None:
        new = dict(map(draw_event, jobs))
        head = draw_index()
    else:
        with pool, warnings.catch_warnings():
            # Python >= 3.12 warns that forking a multi-threaded process may deadlock; the workers only
            # draw matplotlib figures from the frames they are handed and take no locks of the parent.
            warnings.simplefilter("ignore", DeprecationWarning)
            chunks = max(1, len(jobs) // (4 * workers))
            results = pool.map(draw_event, jobs, chunksize=chunks)
            head = draw_index()
            new = dict(results)
    if cache is not None:
        for eid, figure in new.items():
            cache.put(keys[eid], figure)
    drawn.update(new)
    families = _family_figures(data, cache) if index else {}
    return FigureSet(
        index=head, events={eid: (drawn[eid],) if eid in drawn else () for eid in ids}, families=families
    )
