"""The ``report`` pipeline: catalog -> prices -> study and economy -> figures -> a static site, timed.

Stages, each timed (:attr:`ReportSummary.stage_seconds`):

``load``
    Read and validate the catalog.
``prices``
    Read the as-traded closes of every listed security around its deals (for the price charts and the
    provenance table).
``study``
    The event studies inside :func:`dealstudy.pipeline.analyze.analyze` (its ``"study"`` and
    ``"robustness"`` stages): day 0 of every deal x security, the main model and the study rerun with each
    robustness model, and the closes, share counts and FX rates of the dollar values.
``regressions``
    The press-release-economy layer (``analyze``'s ``"economy"`` stage: dollar values, the three
    regressions, bootstrap, leave-one-out, robustness table, aggregates, ledger, revisions), exactly as
    ``dealstudy analyze`` computes it, and the report's tables built from it.
``figures``
    Every figure drawn and serialised to inline SVG.
``render``
    Templates rendered and data files written into a temporary folder beside ``out_dir``, which then
    replaces ``out_dir`` in one swap. A failure in any stage leaves the previous report untouched.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dealstudy._outdir import check_out
from dealstudy.catalog import Catalog, load_catalog
from dealstudy.config import studiable
from dealstudy.data import DataSources
from dealstudy.errors import DownloadError, MissingDataError
from dealstudy.pipeline.analyze import AnalysisResults, analyze
from dealstudy.pipeline.report_data import report_data
from dealstudy.report import ReportData, build_context, publish, render_figures, render_site
from dealstudy.report.context import SiteContext
from dealstudy.report.figure_cache import FigureCache
from dealstudy.report.site_figure import FigureSet
from dealstudy.study import StudySpec
from dealstudy.window import Window, WindowLike

__all__ = ["STAGES", "ProgressCallback", "ReportSummary", "build_report"]

#: The pipeline's stages, in order.
STAGES: tuple[str, ...] = ("load", "prices", "study", "regressions", "figures", "render")

#: Report stage of each of :data:`dealstudy.pipeline.analyze.ANALYSIS_STAGES`.
_ANALYSIS_STAGE: dict[str, str] = {"study": "study", "robustness": "study", "economy": "regressions"}

#: ``progress(stage, completed, total)``: called when a stage starts, and with ``"done"`` at the end.
ProgressCallback = Callable[[str, int, int], None]

_PRICE_MARGIN_DAYS = 70  # calendar days around the deals: covers ±30 trading days for the charts


@dataclass(frozen=True)
class ReportSummary:
    """What a report run did.

    Attributes
    ----------
    out_dir : Path
        Where the report is (``index.html`` inside).
    deals, events, studied : int
        Deals in the catalog, deal x security events, events with outcome ``ok``.
    outcomes : dict of str to int
        Events per study outcome code.
    exclusions : tuple of (str, str, str)
        Every exclusion as ``(scope, item, reason)``.
    pages, figures : int
        HTML pages and figures written.
    stage_seconds : dict of str to float
        Wall time per stage (:data:`STAGES`), in order.
    """

    out_dir: Path
    deals: int
    events: int
    studied: int
    outcomes: dict[str, int]
    exclusions: tuple[tuple[str, str, str], ...]
    pages: int
    figures: int
    stage_seconds: dict[str, float]

    @property
    def total_seconds(self) -> float:
        return float(sum(self.stage_seconds.values()))


def _report_spec(spec: StudySpec, window: WindowLike) -> StudySpec:
    """The study spec with the headline window as its main window (added when absent), as ``analyze`` does.

    The figures' AR paths cover the study's widest window clipped to -10..+10. The report deliberately does
    not widen the windows to -10:10 itself: the engine needs every day of the widest window, so a wider
    window would drop events (data gaps, benchmark coverage) and the report would no longer show the
    numbers ``dealstudy analyze`` computes. Add -10:10 to the spec's windows to get the full paths.
    """
    return dataclasses.replace(spec, main_window=Window.of(window))


def _closes(catalog: Catalog, sources: DataSources) -> tuple[dict[str, pd.Series], pd.DataFrame]:
    """As-traded closes around the deals per ticker, and a coverage table with each file's provenance."""
    dates = [d.announced for d in catalog.deals if studiable(d.announced)]  # others are listed, not studied
    closes: dict[str, pd.Series] = {}
    rows = []
    if not dates:
        return closes, pd.DataFrame(columns=["ticker", "first", "last", "sessions", "source", "detail"])
    start = min(dates) - dt.timedelta(days=_PRICE_MARGIN_DAYS)
    end = max(dates) + dt.timedelta(days=_PRICE_MARGIN_DAYS)
    for ticker in dict.fromkeys(s.ticker for d in catalog.deals for s in d.securities):
        try:
            history = sources.prices.history(ticker, start, end)
        except (MissingDataError, DownloadError) as exc:
            rows.append(
                {
                    "ticker": ticker,
                    "first": "",
                    "last": "",
                    "sessions": 0,
                    "source": "unavailable",
                    "detail": str(exc),
                }
            )
            continue
        series = history.frame["close"].astype(float).dropna()
        closes[ticker] = series
        fetched = history.provenance.fetched_at
        rows.append(
            {
                "ticker": ticker,
                "first": series.index.min().date() if len(series) else "",
                "last": series.index.max().date() if len(series) else "",
                "sessions": len(series),
                "source": history.provenance.source
                + (f" (fetched {fetched:%Y-%m-%d %H:%M} UTC)" if fetched else ""),
                "detail": history.provenance.detail or "",
            }
        )
    return closes, pd.DataFrame(rows)


class _Timer:
    """Wall time per stage; a stage runs until the next one begins (:meth:`begin`) or its block ends."""

    def __init__(self, progress: ProgressCallback | None) -> None:
        self.seconds: dict[str, float] = {}
        self.progress = progress
        self._current: str | None = None
        self._start = 0.0

    def begin(self, name: str) -> None:
        """End the running stage (if another) and start ``name``; re-entering a stage adds to its time."""
        if name == self._current:
            return
        self.end()
        if self.progress is not None:
            self.progress(name, len(self.seconds), len(STAGES))
        self._current, self._start = name, time.perf_counter()

    def end(self) -> None:
        if self._current is not None:
            elapsed = time.perf_counter() - self._start
            self.seconds[self._current] = self.seconds.get(self._current, 0.0) + elapsed
            self._current = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.begin(name)
        try:
            yield
        finally:
            self.end()


def build_report(
    catalog_dir: Path | str,
    sources: DataSources,
    spec: StudySpec | None = None,
    out_dir: Path | str = Path("reports/latest"),
    *,
    window: WindowLike = "0:1",
    progress: ProgressCallback | None = None,
    bootstrap_reps: int = 1999,
    workers: int | None = None,
    figure_cache: Path | None = None,
) -> ReportSummary:
    """Build the static report of a catalog into ``out_dir``.

    Parameters
    ----------
    catalog_dir : Path or str
        The ``events/`` folder.
    sources : DataSources
        From :func:`dealstudy.data.open_sources`.
    spec : StudySpec, optional
        The main study (default: market model). The headline ``window`` is added to its windows when
        absent; the AR/CAR figures cover its widest window, clipped to -10..+10.
    out_dir : Path or str
        The report folder; replaced only when the whole build succeeds.
    window : Window or str
        Event window of the dollar values, regressions and headline figures (``"-1:1"`` or a :class:`Window`).
    progress : callable, optional
        ``progress(stage, completed, total)`` at the start of each stage and ``("done", total, total)``.
    bootstrap_reps : int
        Pairs-bootstrap resamples of the key slopes.
    workers : int, optional
        Processes drawing the per-security figures (default: up to 2, the CPUs available).
    figure_cache : Path, optional
        Folder of the content-addressed figure cache (:mod:`dealstudy.report.figure_cache`): figures whose
        inputs did not change are reused instead of drawn. ``None`` draws every figure.

    Returns
    -------
    ReportSummary
    """
    check_out(out_dir, "report")  # before any work: never a file, never a folder of the user's files
    timer = _Timer(progress)
    spec = _report_spec(spec or StudySpec(), window)
    with timer.stage("load"):
        catalog = load_catalog(catalog_dir)
    with timer.stage("prices"):
        closes, coverage = _catalog_closes(catalog, sources)
    with timer.stage("study"):  # analyze() moves the timer on to "regressions" when its economy starts
        results = analyze(
            catalog,
            sources,
            spec,
            window=window,
            bootstrap_reps=bootstrap_reps,
            on_stage=lambda name: timer.begin(_ANALYSIS_STAGE[name]),
        )
        timer.begin("regressions")
        data = report_data(results, closes, coverage, sources)
    with timer.stage("figures"):
        figures = render_figures(
            data,
            workers=workers if workers is not None else min(2, os.cpu_count() or 1),
            cache=FigureCache(figure_cache) if figure_cache is not None else None,
        )
    with timer.stage("render"):
        target, pages = _render(out_dir, data, figures)
    if progress is not None:
        progress("done", len(STAGES), len(STAGES))
    return _summary(target, results, data, figures, pages, timer.seconds)


def _catalog_closes(catalog: Catalog, sources: DataSources) -> tuple[dict[str, pd.Series], pd.DataFrame]:
    """:func:`_closes`, refusing a catalog none of whose securities has prices in ``sources``."""
    closes, coverage = _closes(catalog, sources)
    if catalog.deals and not closes:
        first = f" (first failure: {coverage['detail'].iloc[0]})" if len(coverage) else ""
        raise MissingDataError(
            f"no prices for any security of the catalog from {sources.description}{first}; {sources.remedy}"
        )
    return closes, coverage


def _render(out_dir: Path | str, data: ReportData, figures: FigureSet) -> tuple[Path, int]:
    """Render the site into a new folder that then replaces ``out_dir``; its path and the pages written."""
    counts: dict[str, int] = {}

    def render(folder: Path) -> None:
        context: SiteContext = build_context(data, figures)
        written = render_site(context, folder)
        counts["pages"] = sum(1 for p in written if p.suffix == ".html")

    target = publish(out_dir, render)
    return target, counts.get("pages", 0)


def _summary(
    target: Path,
    results: AnalysisResults,
    data: ReportData,
    figures: FigureSet,
    pages: int,
    seconds: dict[str, float],
) -> ReportSummary:
    """What the run did: counts of deals, events and outcomes, the exclusions, pages, figures and times."""
    outcomes = results.study.outcomes["outcome"].astype(str).value_counts()
    return ReportSummary(
        out_dir=target,
        deals=len(results.catalog.deals),
        events=len(results.events),
        studied=int(outcomes.get("ok", 0)),
        outcomes={str(k): int(v) for k, v in outcomes.items()},
        exclusions=tuple(
            (str(r["scope"]), str(r["item"]), str(r["reason"])) for r in data.exclusions.to_dict("records")
        ),
        pages=pages,
        figures=len(figures.index) + sum(len(v) for v in figures.events.values()),
        stage_seconds=dict(seconds),
    )
