"""``dealstudy study``: an ad-hoc event study of the events in a CSV file.

Thin command: it parses options, calls :mod:`dealstudy.pipeline.study` and prints. Tables go to stdout (or
JSON with ``--format json``); the outcome summary (ok / excluded with reasons) goes to stderr. Bad options or
files raise :class:`~dealstudy.errors.SpecificationError` (exit 2); unavailable data sources raise
:class:`~dealstudy.errors.DataError` (exit 3).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from dealstudy._timings import stage
from dealstudy.cli import app
from dealstudy.cli._options import CacheOption, OfflineOption, PricesOption
from dealstudy.cli._summary import (
    DEFAULT_SHOW,
    command_timings,
    parse_show,
    print_exclusions,
    print_study_summary,
)
from dealstudy.config import DEFAULT_ESTIMATION, DEFAULT_MIN_OBS
from dealstudy.errors import SpecificationError
from dealstudy.study import MODELS, StudySpec, format_window, parse_window

__all__ = ["study_command"]


def _spec(
    model: str,
    market: str,
    benchmarks: str,
    returns: str,
    estimation: str,
    min_obs: int,
    windows: list[str] | None,
    variance: str,
    scholes_williams: bool,
) -> StudySpec:
    bench = tuple(b.strip() for b in benchmarks.split(",") if b.strip())
    parsed = tuple(parse_window(w) for w in windows) if windows else None
    options: dict[str, Any] = {}
    if parsed:
        options["windows"] = parsed
    return StudySpec(
        model=model,  # type: ignore[arg-type]  # validated by StudySpec
        returns=returns,  # type: ignore[arg-type]
        estimation=parse_window(estimation),
        min_obs=min_obs,
        variance=variance,  # type: ignore[arg-type]
        market=market,
        benchmarks=bench,
        scholes_williams=scholes_williams,
        **options,
    )


@app.command("study")
def study_command(
    events: Annotated[
        Path,
        typer.Argument(
            metavar="EVENTS.csv", help="Header event_id,ticker,date; optional timing, market, group."
        ),
    ],
    prices: PricesOption = None,
    offline: OfflineOption = False,
    cache: CacheOption = None,
    market: Annotated[
        str, typer.Option("--market", help="Default benchmark (an event's 'market' column wins).")
    ] = "SPY",
    model: Annotated[str, typer.Option("--model", help=f"One of {', '.join(MODELS)}.")] = "market",
    benchmarks: Annotated[
        str, typer.Option("--benchmarks", help="Comma-separated symbols for --model custom, e.g. SPY,SMH.")
    ] = "",
    returns: Annotated[str, typer.Option("--returns", help="simple or log.")] = "simple",
    estimation: Annotated[
        str, typer.Option("--estimation", help="Estimation window in trading days, START:END.")
    ] = format_window(DEFAULT_ESTIMATION),
    min_obs: Annotated[int, typer.Option("--min-obs", help="Minimum estimation returns.")] = DEFAULT_MIN_OBS,
    window: Annotated[
        list[str] | None,
        typer.Option("--window", help="Event window START:END (repeatable; default 0:0 -1:1 0:1 -5:5 0:10)."),
    ] = None,
    variance: Annotated[
        str, typer.Option("--variance", help="prediction_error (Campbell-Lo-MacKinlay) or residual.")
    ] = "prediction_error",
    scholes_williams: Annotated[
        bool, typer.Option("--scholes-williams", help="Scholes-Williams beta (market model).")
    ] = False,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write outcomes/abnormal_returns/cars/aggregate.csv here.")
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format",
            help="csv (default) or parquet: format of the --out tables; json: the tables as JSON on stdout.",
        ),
    ] = "csv",
    show: Annotated[
        str, typer.Option("--show", help="Events listed, largest |t| of the first window first; or 'all'.")
    ] = DEFAULT_SHOW,
    timings: Annotated[bool, typer.Option("--timings", help="Print the time of each stage.")] = False,
) -> None:
    """Run an event study of the events in EVENTS.csv and print a summary.

    The terminal shows the outcome counts, the aggregate tests of the first window and the events with the
    largest |t| (--show); every event is in the files written with --out.

    Example: dealstudy study events.csv --prices ../shared/data/prices --window 0:0 --window=-1:1 --out out/
    """
    with command_timings(timings):
        _run(events, prices, offline, cache, out, fmt, show, (
            model, market, benchmarks, returns, estimation, min_obs, window, variance, scholes_williams,
        ))  # fmt: skip


def _run(
    events: Path,
    prices: Path | None,
    offline: bool,
    cache: Path | None,
    out: Path | None,
    fmt: str,
    show: str,
    spec_args: tuple[Any, ...],
) -> None:
    from dealstudy.data import open_sources
    from dealstudy.pipeline.study import read_events_csv, run_study, study_to_json, write_study

    fmt = "csv" if fmt == "table" else fmt  # "table" was the name of the default before csv/parquet
    if fmt not in ("csv", "parquet", "json"):
        raise SpecificationError(f"--format {fmt!r}: choose csv, parquet or json")
    shown = parse_show(show)
    spec = _spec(*spec_args)
    with stage("read events"):
        frame = read_events_csv(events)
    sources = open_sources(prices=prices, offline=offline, cache=cache)
    results = run_study(frame, sources, spec)
    with stage("tests"):
        _ = results.aggregate
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if out is not None:
        with stage("write"):
            paths = write_study(results, out, "parquet" if fmt == "parquet" else "csv")
        err.print(f"wrote {', '.join(p.name for p in paths)} to {out}", markup=False)
    with stage("print"):
        if fmt == "json":
            typer.echo(study_to_json(results))
        else:
            print_study_summary(results, Console(highlight=False, width=200), shown)
        print_exclusions(results.outcomes, err)
