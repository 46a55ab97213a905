"""``dealstudy analyze``: catalog -> prices -> event study -> dollar value, multiples and regressions.

Thin command: parses options, calls :func:`dealstudy.pipeline.analyze.analyze`, prints the headline table
(total abnormal, headline and binding value; key slopes with bootstrap CIs; the Wald test; N and the
exclusions) and writes the files with ``--out``. Invalid options or catalog: exit 2; data unavailable: exit 3.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.table import Table

from dealstudy._outdir import check_out
from dealstudy._timings import stage
from dealstudy.cli import app
from dealstudy.cli._data_options import DataOptions
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
from dealstudy.cli._summary import command_timings, print_exclusions, print_study_summary
from dealstudy.errors import SpecificationError
from dealstudy.study import MODELS

if TYPE_CHECKING:
    from dealstudy.study import StudySpec
    from dealstudy.window import Window

__all__ = ["COV_TYPES", "analyze_command"]

BN = 1e9
#: ``dealstudy.economy.regressions.CovType`` spelled out here so that ``dealstudy --help`` does not import
#: statsmodels (a unit test keeps the two equal).
COV_TYPES: tuple[str, ...] = ("HC3", "HC1", "cluster", "nonrobust")


def _bn(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"${value / BN:,.1f}bn"


def _num(value: float, digits: int = 3) -> str:
    return "" if not math.isfinite(value) else f"{value:.{digits}f}"


def _print_headline(results: object, console: Console) -> None:
    from dealstudy.pipeline.analyze import AnalysisResults

    assert isinstance(results, AnalysisResults)
    economy = results.economy
    totals = economy.totals
    head = Table(title=f"Press-release economy, window {economy.spec.window}, {economy.model} model")
    head.add_column("announcements")
    head.add_column("value", justify="right")
    head.add_row("deals", f"{int(totals['deals'])}")
    head.add_row("direct-party securities valued", f"{int(totals['valued_legs'])}")
    head.add_row("abnormal value (sum of AR x cap(t-1))", _bn(totals["abnormal_value_usd"]))
    head.add_row("abnormal value (CAR x cap(-1))", _bn(totals["car_value_usd"]))
    head.add_row("raw market-cap change", _bn(totals["raw_value_usd"]))
    head.add_row("headline value", _bn(totals["headline_value_usd"]))
    head.add_row("binding value", _bn(totals["binding_value_usd"]))
    console.print(head)
    slopes = Table(
        title=f"Key slopes ({economy.spec.cov_type} SE; {economy.spec.bootstrap_reps} pairs-bootstrap CI)"
    )
    for name, just in (
        ("model", "left"),
        ("term", "left"),
        ("coef", "right"),
        ("se", "right"),
        ("p", "right"),
        ("95% CI", "right"),
        ("N", "right"),
        ("most influential (coef without it)", "left"),
    ):
        slopes.add_column(name, justify=just)  # type: ignore[arg-type]
    for row in economy.key_slopes().to_dict("records"):
        slopes.add_row(
            str(row["model"]),
            str(row["term"]),
            _num(row["coef"]),
            _num(row["se"]),
            _num(row["p"]),
            f"[{_num(row['ci_low'])}, {_num(row['ci_high'])}]",
            str(row["n"]),
            f"{row['most_influential']} ({_num(row['coef_without_it'])})" if row["most_influential"] else "",
        )
    console.print(slopes)
    for result in economy.regressions:  # a model without slopes says why (e.g. "not estimable: N = 0 ...")
        if result.reason:
            console.print(f"{result.name}: {result.reason}", markup=False)
    wald = economy.wald
    console.print(
        f"Wald test {wald.null}: F({wald.df_num}, {wald.df_denom:g}) = {_num(wald.stat)}, "
        f"p = {_num(wald.pvalue)}" + ("" if wald.valid else f" ({wald.reason})"),
        markup=False,
    )
    main = economy.excluded()
    counts = main["reason"].str.replace(r":.*", "", regex=True).value_counts()
    console.print(
        f"Sample: N = {len(economy.sample)} deal x security observations; {len(main)} excluded:",
        markup=False,
    )
    for why, n in counts.items():
        console.print(f"  {n:3d}  {why}", markup=False)
    for name in ("binding_split", "car_size"):
        extra = economy.exclusions[economy.exclusions["sample"] == name]
        if len(extra):
            labels = ", ".join(extra["deal_id"] + ":" + extra["ticker"])
            console.print(
                f"  {name} also leaves out {len(extra)}: {labels} ({extra['reason'].iloc[0]})", markup=False
            )
    for model, why in results.skipped_models.items():
        console.print(f"robustness model {model} skipped: {why}", markup=False)


RobustnessOption = Annotated[
    str, typer.Option("--robustness-models", help="Comma-separated models rerun for the robustness table.")
]
CovOption = Annotated[
    str, typer.Option("--cov", help="Regression covariance: HC3, HC1, cluster (by date), nonrobust.")
]
BootstrapRepsOption = Annotated[int, typer.Option("--bootstrap-reps", help="Pairs-bootstrap resamples.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap generator.")]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write the study files and the economy tables here.")
]
FormatOption = Annotated[
    str, typer.Option("--format", help="File format of the --out tables: csv (default) or parquet.")
]


@app.command("analyze")
def analyze_command(
    catalog: CatalogOption = Path("events"),
    prices: PricesOption = None,
    offline: OfflineOption = False,
    cache: CacheOption = None,
    network_timeout: NetworkTimeoutOption = DEFAULT_NETWORK_TIMEOUT,
    snapshot: SnapshotOption = False,
    window: HeadlineWindowOption = DEFAULT_HEADLINE_WINDOW,
    model: ModelOption = "market",
    robustness: RobustnessOption = "market_adjusted,ff3",
    cov: CovOption = "HC3",
    reps: BootstrapRepsOption = 1999,
    seed: SeedOption = 20251103,
    out: OutOption = None,
    fmt: FormatOption = "csv",
    timings: TimingsOption = False,
) -> None:
    """Run the whole analysis on the deals catalog and print the headline table.

    Example: dealstudy analyze --prices ../shared/data/prices --out reports/analysis
    """
    # Every option is checked before the catalog, the data or the analysis modules are touched.
    spec, models = _checked_options(model, robustness, cov, reps, fmt)

    from dealstudy.pipeline.analysis_files import ANALYSIS_FILES
    from dealstudy.pipeline.study import STUDY_FILES

    if out is not None:
        check_out(out, "analyze", STUDY_FILES + ANALYSIS_FILES)
    data = DataOptions(prices, offline, cache, snapshot, network_timeout)
    with command_timings(timings):
        _run(catalog, data, spec, models, window, cov, reps, seed, out, fmt)


def _checked_options(
    model: str, robustness: str, cov: str, reps: int, fmt: str
) -> tuple[StudySpec, tuple[str, ...]]:
    """The study spec and the robustness models, once every option is valid.

    Raises
    ------
    SpecificationError
        Naming the first invalid option (exit 2).
    """
    from dealstudy.study import StudySpec

    if cov not in COV_TYPES:
        raise SpecificationError(f"--cov {cov!r}: choose one of {', '.join(COV_TYPES)}")
    if model == "custom":
        raise SpecificationError("--model custom needs benchmarks; use `dealstudy study` for custom models")
    if reps < 0:
        raise SpecificationError("--bootstrap-reps must be >= 0")
    if fmt not in ("csv", "parquet"):
        raise SpecificationError(f"--format {fmt!r}: choose csv or parquet")
    models = tuple(m.strip() for m in robustness.split(",") if m.strip())
    for name in models:
        if name not in MODELS or name == "custom":
            raise SpecificationError(f"--robustness-models: {name!r} is not one of {', '.join(MODELS[:-1])}")
    return StudySpec(model=model), models  # type: ignore[arg-type]  # validated by StudySpec


def _run(
    catalog: Path,
    data: DataOptions,
    spec: StudySpec,
    models: tuple[str, ...],
    window: Window,
    cov: str,
    reps: int,
    seed: int,
    out: Path | None,
    fmt: str,
) -> None:
    """Open the data sources, run the analysis, print the summary and the headline table (stdout) and the
    exclusions (stderr), and write the files to ``out`` when given."""
    from dealstudy.pipeline.analysis_files import write_analysis
    from dealstudy.pipeline.analyze import analyze

    err = Console(stderr=True, highlight=False, soft_wrap=True)
    results = analyze(
        catalog,
        data.open(),
        spec,
        window=window,
        models=models,
        cov_type=cov,  # type: ignore[arg-type]
        bootstrap_reps=reps,
        seed=seed,
    )
    with stage("print"):
        console = Console(highlight=False, width=160)
        print_study_summary(results.study, console, 0)
        _print_headline(results, console)
        print_exclusions(results.study.outcomes, err)
    if out is not None:
        with stage("write"):
            paths = write_analysis(results, out, fmt)  # type: ignore[arg-type]  # checked above
        err.print(f"wrote {len(paths)} files to {out}", markup=False)
