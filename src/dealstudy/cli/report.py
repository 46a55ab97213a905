"""``dealstudy report``: catalog -> prices -> study -> dollar values and regressions -> a static site.

Thin command: parses options, calls :func:`dealstudy.pipeline.report.build_report` with a progress bar on
stderr (quiet when stderr is not a terminal) and prints a summary: deals, securities studied, what was
excluded and why, the time per stage and where the report is. Invalid options or catalog: exit 2; data
unavailable: exit 3. A failed run leaves the previous report in place.
"""

from __future__ import annotations

import sys
import webbrowser
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from dealstudy._outdir import check_out
from dealstudy._timings import format_timings
from dealstudy.cli import app
from dealstudy.cli._options import (
    DEFAULT_HEADLINE_WINDOW,
    DEFAULT_NETWORK_TIMEOUT,
    CacheOption,
    CatalogOption,
    HeadlineWindowOption,
    ModelOption,
    NetworkTimeoutOption,
    OfflineOption,
    PricesOption,
    SnapshotOption,
    TimingsOption,
)
from dealstudy.errors import SpecificationError

if TYPE_CHECKING:
    from dealstudy.data import DataSources
    from dealstudy.pipeline.report import ReportSummary
    from dealstudy.study import StudySpec
    from dealstudy.window import Window

__all__ = ["FIGURES_SUBDIR", "report_command"]

#: Subfolder of the cache folder holding the figure cache (dealstudy.report.figure_cache).
FIGURES_SUBDIR = "figures"

_STAGE_TEXT = {
    "load": "reading the catalog",
    "prices": "reading prices",
    "study": "event study",
    "regressions": "dollar values and regressions",
    "figures": "drawing figures",
    "render": "writing the site",
    "done": "done",
}


@app.command("report")
def report_command(
    catalog: CatalogOption = Path("events"),
    prices: PricesOption = None,
    offline: OfflineOption = False,
    cache: CacheOption = None,
    network_timeout: NetworkTimeoutOption = DEFAULT_NETWORK_TIMEOUT,
    snapshot: SnapshotOption = False,
    model: ModelOption = "market",
    window: HeadlineWindowOption = DEFAULT_HEADLINE_WINDOW,
    out: Annotated[Path, typer.Option("--out", help="Report folder (replaced on success).")] = Path(
        "reports/latest"
    ),
    reps: Annotated[int, typer.Option("--bootstrap-reps", help="Pairs-bootstrap resamples.")] = 1999,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open index.html in a browser when done.")
    ] = False,
    timings: TimingsOption = False,
    figure_cache: Annotated[
        bool,
        typer.Option(
            "--figure-cache/--no-figure-cache",
            help="Reuse figures whose inputs did not change (cache folder: figures/ in the cache).",
        ),
    ] = True,
) -> None:
    """Build the static HTML report of the deals catalog.

    Examples: dealstudy report --prices ../shared/data/prices --out reports/latest ;
    dealstudy report --offline (from the cache filled by `dealstudy prices`).
    """
    from dealstudy.data import open_sources

    spec = _report_spec(model, reps)
    check_out(out, "report")
    sources = open_sources(
        prices=prices,
        offline=offline,
        cache=cache,
        snapshot="only" if snapshot else "fallback",
        network_timeout=network_timeout,
    )
    figures = _figure_cache_dir(cache) if figure_cache else None
    summary = _build_with_progress(catalog, sources, spec, out, window, reps, figures)
    console = Console(highlight=False, soft_wrap=True)
    for line in _summary_lines(summary):
        console.print(line, markup=False)
    if timings:
        Console(stderr=True, highlight=False, soft_wrap=True).print(
            format_timings(dict(summary.stage_seconds), summary.total_seconds), markup=False
        )
    index = summary.out_dir / "index.html"
    console.print(f"report: {index}  ({summary.pages} pages, {summary.figures} figures)", markup=False)
    if open_browser:
        webbrowser.open(index.as_uri())


def _report_spec(model: str, reps: int) -> StudySpec:
    """The study of the report, after the checks of ``--model`` and ``--bootstrap-reps`` (exit 2)."""
    from dealstudy.study import StudySpec

    if model == "custom":
        raise SpecificationError("--model custom needs benchmarks; use `dealstudy study` for custom models")
    if reps < 0:
        raise SpecificationError("--bootstrap-reps must be >= 0")
    return StudySpec(model=model)  # type: ignore[arg-type]  # validated by StudySpec


def _figure_cache_dir(cache: Path | None) -> Path:
    """``figures/`` in the cache folder (``--cache`` or the user cache dir)."""
    from dealstudy.data.cache import default_cache_dir

    return (cache.expanduser() if cache is not None else default_cache_dir()) / FIGURES_SUBDIR


def _build_with_progress(
    catalog: Path,
    sources: DataSources,
    spec: StudySpec,
    out: Path,
    window: Window,
    reps: int,
    figures: Path | None,
) -> ReportSummary:
    """:func:`~dealstudy.pipeline.report.build_report` with a progress bar of its stages on stderr (a TTY)."""
    from dealstudy.pipeline.report import STAGES, build_report

    err = Console(stderr=True, highlight=False)
    progress = Progress(
        TextColumn("[bold]{task.description:<32}"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} stages"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not sys.stderr.isatty(),
    )
    with progress:
        task = progress.add_task(_STAGE_TEXT["load"], total=len(STAGES))

        def update(stage: str, completed: int, total: int) -> None:
            progress.update(task, description=_STAGE_TEXT.get(stage, stage), completed=completed, total=total)

        return build_report(
            catalog, sources, spec, out, window=window, progress=update, bootstrap_reps=reps,
            figure_cache=figures,
        )  # fmt: skip


def _summary_lines(summary: ReportSummary) -> list[str]:
    """Events studied, those not studied by outcome, exclusions by scope, and the time per stage."""
    fallbacks = summary.outcomes.get("fallback_model", 0)
    lines = [
        f"{summary.deals} deals, {summary.events} deal x security events; "
        f"{summary.studied} studied (outcome ok)"
        + (f", {fallbacks} more by a fallback model (outcome fallback_model)" if fallbacks else "")
    ]
    others = {k: v for k, v in summary.outcomes.items() if k not in ("ok", "fallback_model")}
    if others:
        lines.append(
            "not studied: "
            + ", ".join(f"{n} {code}" for code, n in sorted(others.items(), key=lambda kv: -kv[1]))
        )
    scopes = Counter(scope.split(" (")[0] for scope, _, _ in summary.exclusions)
    if scopes:
        lines.append(
            f"{len(summary.exclusions)} exclusions listed with their reasons on methods.html#exclusions ("
            + ", ".join(f"{n} {scope}" for scope, n in scopes.most_common())
            + ")"
        )
    stages = ", ".join(f"{stage} {seconds:.1f}s" for stage, seconds in summary.stage_seconds.items())
    lines.append(f"built in {summary.total_seconds:.1f}s ({stages})")
    return lines
