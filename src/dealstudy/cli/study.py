"""``dealstudy study``: an ad-hoc event study of the events in a CSV file.

Thin command: it parses options, calls :mod:`dealstudy.pipeline.study` and prints. Tables go to stdout (or
JSON with ``--format json``); the outcome summary (ok / excluded with reasons) goes to stderr. Bad options or
files raise :class:`~dealstudy.errors.SpecificationError` (exit 2); unavailable data sources raise
:class:`~dealstudy.errors.DataError` (exit 3).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from dealstudy.cli import app
from dealstudy.cli._options import CacheOption, OfflineOption, PricesOption
from dealstudy.config import DEFAULT_ESTIMATION, DEFAULT_MIN_OBS
from dealstudy.errors import SpecificationError
from dealstudy.study import MODELS, StudySpec, format_window, parse_window

if TYPE_CHECKING:
    from dealstudy.study import StudyResults

__all__ = ["study_command"]


def _number(value: Any, digits: int = 4) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "" if not math.isfinite(x) else f"{x:.{digits}f}"


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


def _print_tables(results: StudyResults, console: Console) -> None:
    spec = results.spec
    cars = results.cars
    table = Table(title=f"CARs ({spec.model} model, {spec.returns} returns)", show_lines=False)
    for col in ("event", "ticker", "day 0"):
        table.add_column(col)
    for w in spec.windows:
        table.add_column(f"CAR {format_window(w)}", justify="right")
        table.add_column("t", justify="right")
    ok = results.outcomes[results.outcomes["outcome"] == "ok"]
    by_event = {str(eid): grp.set_index("window") for eid, grp in cars.groupby("event_id", sort=False)}
    for row in ok.itertuples(index=False):
        grp = by_event.get(str(row.event_id))
        cells = [str(row.event_id), str(row.ticker), str(row.day0)[:10]]
        for w in spec.windows:
            name = format_window(w)
            if grp is None or name not in grp.index:
                cells += ["", ""]
            else:
                cells += [_number(grp.loc[name, "car"]), _number(grp.loc[name, "t_stat"], 2)]
        table.add_row(*cells)
    console.print(table)
    if not results.n_ok:
        return
    main = format_window(spec.windows[0])
    agg = results.aggregate
    sel = agg[(agg["group"] == "all") & (agg["window"] == main)]
    tests = Table(title=f"Aggregate tests, window {main}, all events (two-sided p-values)")
    for col, just in (("test", "left"), ("n", "right"), ("mean", "right"), ("stat", "right"), ("p", "right")):
        tests.add_column(col, justify=just)  # type: ignore[arg-type]
    tests.add_column("note")
    for r in sel.itertuples(index=False):
        tests.add_row(
            str(r.test), str(r.n), _number(r.mean), _number(r.stat, 3), _number(r.p_value, 4), str(r.reason)
        )
    console.print(tests)


def _print_outcomes(results: StudyResults, console: Console) -> None:
    out = results.outcomes
    console.print(f"events: {len(out)}   ok: {results.n_ok}   excluded: {len(out) - results.n_ok}")
    for row in results.excluded.itertuples(index=False):
        console.print(f"  {row.event_id} ({row.ticker}): {row.outcome}: {row.reason}", markup=False)


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
    fmt: Annotated[str, typer.Option("--format", help="table or json.")] = "table",
) -> None:
    """Run an event study of the events in EVENTS.csv.

    Example: dealstudy study events.csv --prices ../shared/data/prices --window 0:0 --window=-1:1 --out out/
    """
    from dealstudy.data import open_sources
    from dealstudy.pipeline.study import read_events_csv, run_study, study_to_json, write_study

    if fmt not in ("table", "json"):
        raise SpecificationError(f"--format {fmt!r}: choose table or json")
    spec = _spec(model, market, benchmarks, returns, estimation, min_obs, window, variance, scholes_williams)
    frame = read_events_csv(events)
    sources = open_sources(prices=prices, offline=offline, cache=cache)
    results = run_study(frame, sources, spec)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    if out is not None:
        paths = write_study(results, out)
        err.print(f"wrote {', '.join(p.name for p in paths)} to {out}", markup=False)
    if fmt == "json":
        typer.echo(study_to_json(results))
    else:
        _print_tables(results, Console(highlight=False, width=200))
    _print_outcomes(results, err)
