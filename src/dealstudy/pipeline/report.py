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
import math
import os
import platform
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from dealstudy import __version__
from dealstudy._outdir import check_out
from dealstudy.catalog import Catalog, load_catalog
from dealstudy.config import studiable
from dealstudy.data import DataSources
from dealstudy.economy.currency import currency_for_mic
from dealstudy.economy.models import car_size_baselines
from dealstudy.errors import DownloadError, MissingDataError
from dealstudy.pipeline.analyze import NO_FALLBACKS, AnalysisResults, analyze
from dealstudy.pipeline.fallback import fallback_rules_table
from dealstudy.pipeline.with_without import with_and_without
from dealstudy.report import (
    Headline,
    ReportData,
    TableSpec,
    build_context,
    publish,
    render_figures,
    render_site,
)
from dealstudy.report.context import SiteContext
from dealstudy.report.figure_cache import FigureCache
from dealstudy.report.finding import deal_reconciliation, finding_of, finding_tables
from dealstudy.study import StudySpec
from dealstudy.study.outcomes import USABLE_OUTCOMES
from dealstudy.window import Window, WindowLike

__all__ = ["STAGES", "ProgressCallback", "ReportSummary", "build_report", "report_data"]

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


def _versions() -> str:
    names = (
        "numpy",
        "pandas",
        "scipy",
        "statsmodels",
        "matplotlib",
        "jinja2",
        "exchange-calendars",
        "yfinance",
    )
    parts = [f"dealstudy {__version__}", f"Python {platform.python_version()}"]
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            continue
    return ", ".join(parts)


def _exclusions(results: AnalysisResults) -> pd.DataFrame:
    rows: list[dict[str, str]] = []
    for r in results.study.outcomes.to_dict("records"):
        if r["outcome"] != "ok":
            scope = "fallback model" if r["outcome"] == "fallback_model" else "study"
            rows.append(
                {"scope": scope, "item": str(r["event_id"]), "reason": f"{r['outcome']}: {r['reason']}"}
            )
    outcomes = results.study.outcomes
    studied_ok = set(outcomes.loc[outcomes["outcome"].isin(USABLE_OUTCOMES), "event_id"].astype(str))
    values = results.economy.to_frame()
    for r in values[values["window"] == results.window].to_dict("records"):
        if r["outcome"] not in USABLE_OUTCOMES and str(r["event_id"]) in studied_ok:  # lost in the values
            rows.append(
                {
                    "scope": "dollar value",
                    "item": str(r["event_id"]),
                    "reason": f"{r['outcome']}: {r['reason']}",
                }
            )
    for r in results.economy.exclusions.to_dict("records"):
        rows.append(
            {
                "scope": f"regression sample '{r['sample']}' ({r['window']})",
                "item": f"{r['deal_id']}:{r['ticker']}",
                "reason": str(r["reason"]),
            }
        )
    for model, why in results.skipped_models.items():
        rows.append({"scope": "robustness model", "item": model, "reason": why})
    return pd.DataFrame(rows, columns=["scope", "item", "reason"])


def _headline(results: AnalysisResults) -> Headline:
    economy = results.economy
    totals = economy.totals
    slopes = economy.key_slopes()
    head = slopes[(slopes["model"] == "headline")]
    row = head.iloc[0].to_dict() if len(head) else {}
    try:
        reg = economy.regression("headline")
        intercept = (
            float(reg.params["const"]) * 1e9 if reg.fitted and "const" in reg.params.index else math.nan
        )
    except KeyError:
        intercept = math.nan
    wald = economy.wald
    reps = economy.spec.bootstrap_reps
    return Headline(
        abnormal_value_usd=totals["abnormal_value_usd"],
        headline_value_usd=totals["headline_value_usd"],
        binding_value_usd=totals["binding_value_usd"],
        deals=int(totals["deals"]),
        valued_legs=int(totals["valued_legs"]),
        slope_model="headline",
        slope_term=str(row.get("term", "headline_bn")),
        slope=float(row.get("coef", math.nan)),
        slope_ci_low=float(row.get("ci_low", math.nan)),
        slope_ci_high=float(row.get("ci_high", math.nan)),
        slope_ci_kind=f"{int(economy.spec.confidence * 100)}% pairs-bootstrap ({reps} draws)",
        slope_p_value=float(row.get("p", math.nan)),
        slope_nobs=int(row.get("n", 0) or 0),
        wald_stat=float(wald.stat),
        wald_p_value=float(wald.pvalue),
        wald_text=f"{wald.null}; {economy.spec.cov_type} covariance"
        + ("" if wald.valid else f"; {wald.reason}"),
        fit_intercept_usd=intercept,
    )


def _scatter(results: AnalysisResults) -> pd.DataFrame:
    sample = results.economy.sample
    return pd.DataFrame(
        {
            "label": sample["ticker"],
            "deal_id": sample["deal_id"],
            "ticker": sample["ticker"],
            "headline_value_usd": sample["headline_bn"].astype(float) * 1e9,
            "abnormal_value_usd": sample["abnormal_value_bn"].astype(float) * 1e9,
            "binding_status": sample["binding_status"],
        }
    )


def report_data(
    results: AnalysisResults, closes: dict[str, pd.Series], coverage: pd.DataFrame, sources: DataSources
) -> ReportData:
    """Turn the analysis results into the report's plain inputs."""
    economy = results.economy
    study = results.study
    catalog = results.catalog
    everything = economy.to_frame()
    values = everything[everything["window"] == results.window].reset_index(drop=True)
    currencies = {
        s.ticker: currency_for_mic(s.exchange) or "local currency"
        for d in catalog.deals
        for s in d.securities
    }
    spec = study.spec
    settings = (
        (
            "Expected-return model",
            spec.model + (f" ({', '.join(spec.benchmarks)})" if spec.benchmarks else ""),
        ),
        ("Benchmark", f"{spec.market} for US listings; local index for Tokyo (^N225) and Seoul (^KS11)"),
        ("Returns", spec.returns),
        (
            "Estimation window",
            f"{spec.estimation} trading days (minimum {spec.min_obs} returns)",
        ),
        ("Event windows", ", ".join(str(w) for w in spec.windows)),
        ("Headline window", results.window),
        ("CAR variance", spec.variance.replace("_", " ")),
        ("Regression covariance", economy.spec.cov_type),
        ("Bootstrap", f"{economy.spec.bootstrap_reps} pairs resamples, seed {economy.spec.seed}"),
        ("Robustness models", ", ".join(results.alternatives) or "none"),
    )
    provenance = (
        ("Prices", sources.description),
        ("Catalog", f"{catalog.directory} ({len(catalog.deals)} deals)"),
        ("Catalog checksum (SHA-256)", catalog.checksum),
        ("Software", _versions()),
        ("Report built", dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")),
    )
    key = economy.key_slopes()
    tables: tuple[TableSpec, ...] = (
        TableSpec(
            "key_slopes",
            "Key slopes with bootstrap intervals and the most influential deal",
            key,
            "coef/se/p from OLS with robust standard errors; ci_low/ci_high: pairs-bootstrap percentile "
            "interval; most_influential: the observation whose removal moves the slope most, and the "
            "slope without it.",
        ),
        TableSpec(
            "robustness",
            "Robustness: key slopes by sample, event window and model",
            economy.robustness,
            "The same regressions without confounded events, for each event window and each "
            "expected-return model. A slope that changes sign across rows is not a finding.",
        ),
        TableSpec(
            "bootstrap",
            "Pairs-bootstrap confidence intervals",
            economy.bootstrap,
            "Resampling deal x security observations with replacement; percentile intervals. skipped: "
            "resamples that left an indicator regressor constant (e.g. no confounded event drawn), so the "
            "model cannot be fitted on them; the interval is taken over the remaining reps − skipped "
            "resamples.",
        ),
        TableSpec(
            "influence",
            "Leave-one-out influence on the key slopes",
            economy.influence,
            "Each row drops one observation and re-estimates; large changes flag a single deal "
            "driving the result.",
        ),
        TableSpec(
            "aggregates",
            "Totals by company, counterparty and binding status",
            economy.aggregates,
            "Abnormal value summed over the direct parties; headline and binding values once per deal.",
            page="index",
        ),
        TableSpec(
            "ledger_totals",
            "Commitments ledger: totals by counterparty and partner",
            economy.ledger_totals,
            "Headline and binding commitments by counterparty and listed partner, with the partner's "
            "exposure (binding commitments relative to its market cap).",
            page="index",
        ),
        TableSpec(
            "ledger_stated",
            "Counterparties' own stated figures",
            economy.stated,
            "Revenue run rates and commitments the counterparties stated, with dates and sources.",
            page="index",
        ),
        TableSpec(
            "revisions",
            "Revisions: value created on announcement vs lost on the walk-back",
            economy.revisions,
            "Round trips from an announcement to a later delay or walk-back report.",
            page="index",
        ),
        TableSpec("ledger", "Commitments ledger by counterparty, partner and year", economy.ledger, page=""),
        TableSpec("cumulative", "Cumulative abnormal value by day 0", economy.cumulative, page=""),
        TableSpec(
            "deal_values_detail",
            "Dollar values with market caps, share counts and FX",
            economy.to_frame(),
            page="",
        ),
        TableSpec("events", "The study's events and their day-0 rule", results.events, page=""),
        TableSpec(
            "with_without_fallbacks",
            "Headline figures with and without the fallback models",
            with_and_without(results),
            "Events estimated by a fallback model (short history, missing local index; see methods) "
            "included and left out: mean CAR with its cross-sectional t test, and the total abnormal "
            "dollar value of the announcements.",
            page="index",
        ),
        TableSpec(
            "fallback_rules",
            "Fallback models, in the order tried",
            fallback_rules_table(),
            "An event whose estimation window is short (a recent listing) or whose local index lacks "
            "prices is re-estimated by the first rule that works instead of being excluded; its outcome is "
            "fallback_model with the cause and the model used. The robustness table repeats the headline "
            f"figures without fallbacks ('{spec.model}{NO_FALLBACKS}').",
            page="methods",
        ),
        TableSpec(
            "raw_moves",
            "Raw day-0 move and raw dollar change of every security with prices",
            results.raw_moves,
            "As-traded close on day 0 against day -1 (not dividend-adjusted), and that change times the "
            "shares outstanding at day -1 in USD; shown whatever the outcome, also for events excluded "
            "from the abnormal-return statistics.",
            page="methods",
        ),
        TableSpec(
            "price_coverage",
            "Price data used, per security",
            coverage,
            "As-traded closes read for the charts; the event study reads adjusted closes from the same "
            "source.",
            page="methods",
        ),
    )
    tables = (*tables, *finding_tables(economy))
    rules = dict(
        zip(results.events["event_id"].astype(str), results.events["day0_rule"].astype(str), strict=True)
    )
    return ReportData(
        deals=catalog.deals,
        counterparties=catalog.counterparties,
        window=results.window,
        model=spec.model,
        dollar_values=values,
        deal_values=economy.deal_values(),
        outcomes=study.outcomes,
        abnormal_returns=study.abnormal_returns,
        cars=study.cars,
        aggregate=study.aggregate,
        headline=_headline(results),
        regressions=economy.regressions_frame(),
        exclusions=_exclusions(results),
        closes=closes,
        currencies=currencies,
        tables=tables,
        summaries=economy.summary_text(),
        provenance=provenance,
        settings=settings,
        day0_rules=rules,
        scatter=_scatter(results),
        baselines=car_size_baselines(economy.sample, min_level_obs=economy.spec.min_level_obs),
        finding=finding_of(economy),
        reconciliation=deal_reconciliation(economy.to_frame(), results.press, results.window),
    )


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
        closes, coverage = _closes(catalog, sources)
        if catalog.deals and not closes:
            first = f" (first failure: {coverage['detail'].iloc[0]})" if len(coverage) else ""
            raise MissingDataError(
                f"no prices for any security of the catalog from {sources.description}{first}; "
                f"{sources.remedy}"
            )
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
    counts: dict[str, int] = {}

    def render(folder: Path) -> None:
        context: SiteContext = build_context(data, figures)
        written = render_site(context, folder)
        counts["pages"] = sum(1 for p in written if p.suffix == ".html")

    with timer.stage("render"):
        target = publish(out_dir, render)
    if progress is not None:
        progress("done", len(STAGES), len(STAGES))
    outcomes = results.study.outcomes["outcome"].astype(str).value_counts()
    return ReportSummary(
        out_dir=target,
        deals=len(catalog.deals),
        events=len(results.events),
        studied=int(outcomes.get("ok", 0)),
        outcomes={str(k): int(v) for k, v in outcomes.items()},
        exclusions=tuple(
            (str(r["scope"]), str(r["item"]), str(r["reason"])) for r in data.exclusions.to_dict("records")
        ),
        pages=counts.get("pages", 0),
        figures=len(figures.index) + sum(len(v) for v in figures.events.values()),
        stage_seconds=dict(timer.seconds),
    )
