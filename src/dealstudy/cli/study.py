"""``dealstudy study``: an ad-hoc event study of the events in a CSV file.

Thin command: it parses options, reads the events with :mod:`dealstudy.pipeline.events_csv`, calls
:mod:`dealstudy.pipeline.study` and prints. Tables go to stdout (or JSON with ``--format json``); the
outcome summary (ok / excluded with reasons) goes to stderr. Bad options or files raise
:class:`~dealstudy.errors.SpecificationError` (exit 2); unavailable data sources raise
:class:`~dealstudy.errors.DataError` (exit 3).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from dealstudy._outdir import check_out
from dealstudy._timings import stage
from dealstudy.cli import app
from dealstudy.cli._data_options import DataOptions
from dealstudy.cli._options import (
    DEFAULT_NETWORK_TIMEOUT,
    CacheOption,
    ModelOption,
    NetworkTimeoutOption,
    OfflineOption,
    PricesOption,
    SnapshotOption,
    TimingsOption,
    parse_window_option,
)
from dealstudy.cli._summary import (
    DEFAULT_SHOW,
    command_timings,
    parse_show,
    print_exclusions,
    print_study_summary,
    tests_table,
)
from dealstudy.config import DEFAULT_MIN_OBS
from dealstudy.errors import SpecificationError
from dealstudy.study import StudySpec
from dealstudy.study.spec import DEFAULT_ESTIMATION_WINDOW
from dealstudy.window import Window

if TYPE_CHECKING:
    import pandas as pd

    from dealstudy.data import DataSources
    from dealstudy.pipeline.blocked import BlockedStudy
    from dealstudy.pipeline.distributed import DaskStudy

__all__ = ["study_command"]


EventsArgument = Annotated[
    Path,
    typer.Argument(metavar="EVENTS.csv", help="Header event_id,ticker,date; optional timing, market, group."),
]
MarketOption = Annotated[
    str, typer.Option("--market", help="Default benchmark (an event's 'market' column wins).")
]
BenchmarksOption = Annotated[
    str, typer.Option("--benchmarks", help="Comma-separated symbols for --model custom, e.g. SPY,SMH.")
]
ReturnsOption = Annotated[str, typer.Option("--returns", help="simple or log.")]
EstimationOption = Annotated[
    Window,
    typer.Option(
        "--estimation",
        parser=parse_window_option,
        metavar="START:END",
        help="Estimation window in trading days, START:END.",
    ),
]
MinObsOption = Annotated[int, typer.Option("--min-obs", help="Minimum estimation returns.")]
WindowsOption = Annotated[
    list[Window] | None,
    typer.Option(
        "--window",
        parser=parse_window_option,
        metavar="START:END",
        help="Event window START:END (repeatable; default 0:0 -1:1 0:1 -5:5 0:10).",
    ),
]
VarianceOption = Annotated[
    str, typer.Option("--variance", help="prediction_error (Campbell-Lo-MacKinlay) or residual.")
]
ScholesWilliamsOption = Annotated[
    bool, typer.Option("--scholes-williams", help="Scholes-Williams beta (market model).")
]
OutOption = Annotated[
    Path | None,
    typer.Option(
        "--out", help="Write outcomes/abnormal_returns/cars/aggregate here (dask: Parquet, and series/)."
    ),
]
FormatOption = Annotated[
    str,
    typer.Option(
        "--format",
        help="csv (default) or parquet: format of the --out tables; json: the tables as JSON on stdout.",
    ),
]
ShowOption = Annotated[
    str, typer.Option("--show", help="Events listed, largest |t| of the first window first; or 'all'.")
]
EngineOption = Annotated[
    str,
    typer.Option(
        "--engine",
        help="single (this process), blocks (this process, block by block, Parquet in --out: for event "
        "sets whose tables do not fit in memory) or dask (a Dask cluster; Parquet in --out).",
    ),
]
SchedulerOption = Annotated[
    str | None,
    typer.Option("--scheduler", help="--engine dask: address of a running scheduler (tcp://host:8786)."),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", help="--engine dask without --scheduler: local workers (default: cores)."),
]
PricesDatasetOption = Annotated[
    str | None,
    typer.Option(
        "--prices-dataset",
        help="Parquet price dataset (symbol, date, adj_close): a path or fsspec URL all workers read.",
    ),
]


@app.command("study")
def study_command(
    events: EventsArgument,
    prices: PricesOption = None,
    offline: OfflineOption = False,
    cache: CacheOption = None,
    network_timeout: NetworkTimeoutOption = DEFAULT_NETWORK_TIMEOUT,
    snapshot: SnapshotOption = False,
    market: MarketOption = "SPY",
    model: ModelOption = "market",
    benchmarks: BenchmarksOption = "",
    returns: ReturnsOption = "simple",
    estimation: EstimationOption = DEFAULT_ESTIMATION_WINDOW,
    min_obs: MinObsOption = DEFAULT_MIN_OBS,
    window: WindowsOption = None,
    variance: VarianceOption = "prediction_error",
    scholes_williams: ScholesWilliamsOption = False,
    out: OutOption = None,
    fmt: FormatOption = "csv",
    show: ShowOption = DEFAULT_SHOW,
    timings: TimingsOption = False,
    engine: EngineOption = "single",
    scheduler: SchedulerOption = None,
    workers: WorkersOption = None,
    prices_dataset: PricesDatasetOption = None,
) -> None:
    """Run an event study of the events in EVENTS.csv and print a summary.

    The terminal shows the outcome counts, the aggregate tests of the first window and the events with the
    largest |t| (--show); every event is in the files written with --out.

    Example: dealstudy study events.csv --prices ../shared/data/prices --window 0:0 --window=-1:1 --out out/
    """
    data = DataOptions(prices, offline, cache, snapshot, network_timeout)
    model_options = _ModelOptions(
        model, market, benchmarks, returns, estimation, min_obs, window, variance, scholes_williams
    )
    cluster = _Cluster(engine, scheduler, workers, prices_dataset)
    with command_timings(timings):
        _run(events, data, out, fmt, show, cluster, model_options)


@dataclass(frozen=True)
class _ModelOptions:
    """The options that make the :class:`StudySpec` (model, benchmarks, returns, windows, variance)."""

    model: str
    market: str
    benchmarks: str
    returns: str
    estimation: Window
    min_obs: int
    windows: list[Window] | None
    variance: str
    scholes_williams: bool

    def spec(self) -> StudySpec:
        """The spec these options describe (``--window`` given: those windows, else the default ones).

        Raises
        ------
        SpecificationError
            When the spec is invalid (exit 2).
        """
        bench = tuple(b.strip() for b in self.benchmarks.split(",") if b.strip())
        options: dict[str, Any] = {}
        if self.windows:
            options["windows"] = tuple(self.windows)
        return StudySpec(
            model=self.model,  # type: ignore[arg-type]  # validated by StudySpec
            returns=self.returns,  # type: ignore[arg-type]
            estimation=self.estimation,
            min_obs=self.min_obs,
            variance=self.variance,  # type: ignore[arg-type]
            market=self.market,
            benchmarks=bench,
            scholes_williams=self.scholes_williams,
            **options,
        )


@dataclass(frozen=True)
class _Cluster:
    """Where the study runs (``--engine``, ``--scheduler``, ``--workers``) and ``--prices-dataset``."""

    engine: str
    scheduler: str | None
    workers: int | None
    prices_dataset: str | None

    def check(self, out: Path | None, fmt: str) -> None:
        if self.engine not in ("single", "blocks", "dask"):
            raise SpecificationError(f"--engine {self.engine!r}: choose single, blocks or dask")
        if self.engine != "dask" and (self.scheduler or self.workers):
            raise SpecificationError("--scheduler and --workers need --engine dask")
        if self.engine != "single" and out is None:
            raise SpecificationError(f"--engine {self.engine} writes Parquet tables: give --out DIR")
        if self.engine != "single" and fmt == "json":
            raise SpecificationError(
                f"--engine {self.engine}: --format json is not available (tables are in --out)"
            )


def _run_partitioned(
    frame: pd.DataFrame, sources: DataSources, spec: StudySpec, out: Path, cluster: _Cluster, err: Console
) -> None:
    """``--engine blocks`` (block by block in this process) or ``--engine dask`` (on a Dask cluster): the
    study in partitions of tickers, its tables written to ``out`` as Parquet."""
    from dealstudy.pipeline._parquet_out import TABLES

    if cluster.engine == "blocks":
        from dealstudy.pipeline.blocked import run_study_blocked

        result: BlockedStudy | DaskStudy = run_study_blocked(
            frame, out, spec=spec, sources=sources, prices_dataset=cluster.prices_dataset
        )
    else:
        from dealstudy.pipeline.distributed import run_study_dask

        result = run_study_dask(
            frame,
            out,
            spec=spec,
            sources=sources,
            prices_dataset=cluster.prices_dataset,
            scheduler=cluster.scheduler,
            n_workers=cluster.workers,
        )
    err.print(
        f"wrote {'/, '.join(TABLES)}/ ({result.partitions} partitions) and aggregate.parquet to {out}",
        markup=False,
    )
    if result.n_ok:
        Console(highlight=False, width=200).print(tests_table(result.aggregate, spec))
    print_exclusions(result.status, err)


def _run(
    events: Path,
    data: DataOptions,
    out: Path | None,
    fmt: str,
    show: str,
    cluster: _Cluster,
    model_options: _ModelOptions,
) -> None:
    """Check the options (in the order their errors are reported), read the events, open the data sources
    and run the study in partitions (:func:`_run_partitioned`) or here: write the tables to ``out``, print
    the summary or the JSON (stdout) and the exclusions (stderr)."""
    from dealstudy.pipeline._parquet_out import TABLES
    from dealstudy.pipeline.events_csv import read_events_csv
    from dealstudy.pipeline.study import STUDY_FILES, run_study, study_to_json, write_study

    fmt = "csv" if fmt == "table" else fmt  # "table" was the name of the default before csv/parquet
    if fmt not in ("csv", "parquet", "json"):
        raise SpecificationError(f"--format {fmt!r}: choose csv, parquet or json")
    cluster.check(out, fmt)
    shown = parse_show(show)
    spec = model_options.spec()
    if out is not None:
        check_out(out, "study", STUDY_FILES if cluster.engine == "single" else (*STUDY_FILES, *TABLES))
    with stage("read events"):
        frame = read_events_csv(events)
    sources = data.open()
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if cluster.engine != "single":
        assert out is not None
        _run_partitioned(frame, sources, spec, out, cluster, err)
        return
    if cluster.prices_dataset is not None:
        from dealstudy.data.parquet_prices import ParquetPriceSource

        sources = replace(sources, prices=ParquetPriceSource(cluster.prices_dataset))
    results = run_study(frame, sources, spec)
    if out is None:
        with stage("tests"):
            _ = results.aggregate
    else:  # the tests run while the per-event tables are written (stages "tests" and "write")
        paths = write_study(results, out, "parquet" if fmt == "parquet" else "csv")
        err.print(f"wrote {', '.join(p.name for p in paths)} to {out}", markup=False)
    with stage("print"):
        if fmt == "json":
            typer.echo(study_to_json(results))
        else:
            print_study_summary(results, Console(highlight=False, width=200), shown)
        print_exclusions(results.outcomes, err)
