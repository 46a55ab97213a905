"""``dealstudy prices``: fetch, inspect and import daily price data.

Thin commands: they parse options, call one function of the data layer (:mod:`dealstudy.data.fetch`,
:mod:`dealstudy.data.status`, :mod:`dealstudy.data.import_csv`) and print its result. Data problems raise
:class:`~dealstudy.errors.DataError` subclasses, which :func:`dealstudy.cli.main` prints as ``error: ...``
with exit code 3.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dealstudy.cli import app
from dealstudy.cli._options import (
    DEFAULT_NETWORK_TIMEOUT,
    CacheOption,
    CatalogOption,
    NetworkTimeoutOption,
    OfflineOption,
    PricesOption,
    SnapshotOption,
)
from dealstudy.cli._reactions import print_cannot_serve, reactions_by_ticker, reactions_cell

if TYPE_CHECKING:
    from dealstudy.data import DataSources, SnapshotMode
    from dealstudy.data.fetch import FetchResult
    from dealstudy.data.source import PriceHistory
    from dealstudy.data.status import PriceStatus
    from dealstudy.data.symbols import StudySymbols

__all__ = ["prices_app"]

prices_app = typer.Typer(
    name="prices",
    help=(
        "Daily prices: fetch into the cache, show coverage, inspect, import snapshots.\n\n"
        "Example: dealstudy prices status --prices ../shared/data/prices"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(prices_app, name="prices")

REFRESH_OPTION = typer.Option(False, "--refresh", help="Refetch cached ranges.")
FORMAT_OPTION = typer.Option("table", "--format", help="table or json.")
SYMBOLS_ARGUMENT = typer.Argument(None, help="Yahoo symbols (default: catalog tickers + benchmarks + FX).")
DIRECTORY_ARGUMENT = typer.Argument(..., help="Snapshot folder of SYMBOL.csv files.", file_okay=False)


def _stdout() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=200, soft_wrap=True)


def _parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option) from exc


def _check_range(first: dt.date | None, last: dt.date | None) -> None:
    if first is not None and last is not None and first > last:
        raise typer.BadParameter(f"--start {first} is after --end {last}", param_hint="--start/--end")


def _check_choice(value: str, choices: tuple[str, ...], option: str) -> None:
    if value not in choices:
        raise typer.BadParameter(f"{value!r} is not one of {', '.join(choices)}", param_hint=option)


def _open(
    prices: Path | None,
    offline: bool,
    cache: Path | None,
    refresh: bool,
    network_timeout: float = DEFAULT_NETWORK_TIMEOUT,
    *,
    snapshot: bool = False,
) -> DataSources:
    from dealstudy.data import open_sources

    mode: SnapshotMode = "only" if snapshot else "fallback"
    return open_sources(
        prices=prices,
        offline=offline,
        cache=cache,
        refresh=refresh,
        snapshot=mode,
        network_timeout=network_timeout,
    )


@prices_app.command("fetch")
def fetch(
    symbols: list[str] | None = SYMBOLS_ARGUMENT,
    start: str | None = typer.Option(
        None, "--start", help="First date (default: earliest announcement - 400d)."
    ),
    end: str | None = typer.Option(None, "--end", help="Last date (default: latest announcement + 30d)."),
    catalog: CatalogOption = Path("events"),
    prices: PricesOption = None,
    offline: OfflineOption = False,
    cache: CacheOption = None,
    refresh: bool = REFRESH_OPTION,
    network_timeout: NetworkTimeoutOption = DEFAULT_NETWORK_TIMEOUT,
    factors: bool = typer.Option(
        False, "--factors", help="Also download Fama-French daily factors (needs pandas-datareader>=0.11)."
    ),
) -> None:
    """Download daily prices into the cache (only missing ranges), and report what each symbol covers.

    Example: dealstudy prices fetch AMD NVDA --start 2024-06-01 --end 2025-12-31
    """
    from dealstudy.data import open_sources
    from dealstudy.data.fetch import fetch_prices, plan_fetch

    first = _parse_date(start, "--start")
    last = _parse_date(end, "--end")
    _check_range(first, last)
    plan = plan_fetch(symbols, first, last, catalog)
    if plan.unknown is not None:
        raise typer.BadParameter(
            f"{plan.unknown} is not in the catalog ({plan.note or 'no catalog'}): give --start and --end",
            param_hint="--start/--end",
        )
    sources = open_sources(
        prices=prices,
        offline=offline,
        cache=cache,
        refresh=refresh,
        snapshot="off",
        network_timeout=network_timeout,
    )
    err = Console(stderr=True)
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal or len(plan.ranges) < 2,
    )
    with progress:
        task = progress.add_task("fetching", total=len(plan.ranges))
        result = fetch_prices(
            sources,
            plan.ranges,
            factors=factors,
            starting=lambda symbol: progress.update(task, description=f"fetching {symbol}"),
            finished=lambda symbol: progress.advance(task),
        )
    _stdout().print(_fetch_table(result, sources.description))
    result.raise_failures(len(plan.ranges))


def _fetch_table(result: FetchResult, description: str) -> Table:
    table = Table(title=f"prices fetch ({description})")
    for column in ("symbol", "requested", "got", "rows", "source"):
        table.add_column(column)
    for row in result.rows:
        table.add_row(*row)
    return table


def _gap_text(dates: tuple[dt.date, ...]) -> str:
    if not dates:
        return "0"
    shown = ", ".join(d.isoformat() for d in dates[:3])
    return f"{len(dates)} ({shown}{', ...' if len(dates) > 3 else ''})"


@prices_app.command("status")
def status(
    catalog: CatalogOption = Path("events"),
    prices: PricesOption = None,
    offline: OfflineOption = False,
    cache: CacheOption = None,
    output: str = FORMAT_OPTION,
    snapshot: SnapshotOption = False,
) -> None:
    """Coverage per symbol: first/last date, rows, sessions missing vs the exchange calendar, source; per
    catalog security the reactions (deal x security) it serves and those it cannot serve, with the reason.

    Never uses the network: it reads the snapshot folder, or the cache and then the pinned snapshot. Lists
    catalog tickers, benchmarks and FX with no data at all. Exits 0.

    Example: dealstudy prices status --prices ../shared/data/prices
    """
    from dealstudy.data.status import price_status
    from dealstudy.data.symbols import study_symbols

    _check_choice(output, ("table", "json"), "--format")
    sources = _open(prices, True if prices is None else offline, cache, False, snapshot=snapshot)
    needed = study_symbols(catalog, require_catalog=False)
    found = price_status(sources, needed)
    reactions, reactions_note = reactions_by_ticker(catalog, sources) if needed.catalog_tickers else ({}, "")
    found.add_reactions(reactions)
    if output == "json":
        document: dict[str, object] = {"sources": sources.description, "note": needed.note}
        document.update(
            symbols=found.records,
            no_data=found.no_data,
            corrupt=sorted(found.corrupt),
            reactions_note=reactions_note,
        )
        typer.echo(json.dumps(document, indent=1))
        return
    out = _stdout()
    out.print(_status_table(found, needed, reactions, sources.description))
    _print_status_notes(out, found, needed, sources)
    if needed.catalog_tickers:
        print_cannot_serve(out, reactions, reactions_note)


_STATUS_COLUMNS = (
    "symbol",
    "role",
    "exch",
    "first",
    "last",
    "rows",
    "missing sessions",
    "extra",
    "study range",
    "source",
    "reactions",
)


def _status_table(
    found: PriceStatus, needed: StudySymbols, reactions: dict[str, dict[str, Any]], description: str
) -> Table:
    table = Table(title=f"prices status ({description})")
    for column in _STATUS_COLUMNS:
        table.add_column(column, overflow="fold")
    for rec, symbol in zip(found.records, found.symbols, strict=True):
        served = reactions_cell(reactions.get(symbol))
        if rec["rows"] == 0:
            state = f"CORRUPT: {found.corrupt[symbol]}" if symbol in found.corrupt else "NO DATA"
            table.add_row(symbol, str(rec["role"]), "", "", "", "0", "", "", "", state, served)
            continue
        cov = found.coverage[symbol]
        assert cov is not None
        need = needed.ranges.get(symbol)
        study = "" if need is None else ("ok" if cov.covers(*need) else f"needs {need[0]}..{need[1]}")
        table.add_row(
            symbol,
            str(rec["role"]),
            cov.mic or "24h",
            str(cov.first),
            str(cov.last),
            str(cov.rows),
            _gap_text(cov.missing),
            _gap_text(cov.extra),
            study,
            cov.source,
            served,
        )
    return table


def _print_status_notes(out: Console, found: PriceStatus, needed: StudySymbols, sources: DataSources) -> None:
    """The catalog note, the symbols without data, and each corrupt one in full with the remedy."""
    from dealstudy.data.cache_files import remedy
    from dealstudy.data.status import cache_dir_of

    out.print(needed.note)
    if found.no_data:
        out.print(f"no data for: {', '.join(map(str, found.no_data))}")
    corrupt = found.corrupt
    if corrupt:
        where = cache_dir_of(sources)
        fix = f"; {remedy(where)}" if where is not None else "; fix or replace the files"
        for symbol in sorted(corrupt):  # in full here: the table's cell may be folded
            out.print(f"CORRUPT (not used) {symbol}: {corrupt[symbol]}", markup=False, soft_wrap=True)
        out.print(f"CORRUPT (not used): {', '.join(sorted(corrupt))}{fix}", markup=False, soft_wrap=True)


@prices_app.command("show")
def show(
    symbol: str = typer.Argument(..., help="Yahoo symbol, e.g. AMD or 9984.T."),
    start: str | None = typer.Option(None, "--start", help="First date (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--end", help="Last date (YYYY-MM-DD)."),
    prices: PricesOption = None,
    offline: OfflineOption = False,
    cache: CacheOption = None,
    refresh: bool = REFRESH_OPTION,
    network_timeout: NetworkTimeoutOption = DEFAULT_NETWORK_TIMEOUT,
    output: str = typer.Option("table", "--format", help="table or csv."),
    snapshot: SnapshotOption = False,
) -> None:
    """Print daily prices of one symbol (the last 20 rows unless --start/--end are given), with provenance.

    Example: dealstudy prices show AMD --start 2025-10-01 --end 2025-10-10 --prices ../shared/data/prices
    """
    from dealstudy.data.status import recent_history

    first = _parse_date(start, "--start")
    last = _parse_date(end, "--end")
    _check_range(first, last)
    _check_choice(output, ("table", "csv"), "--format")
    sources = _open(prices, offline, cache, refresh, network_timeout, snapshot=snapshot)
    got = recent_history(sources, symbol, first, last, dt.datetime.now(dt.UTC).date())
    if output == "csv":
        sys.stdout.write(got.frame.to_csv(date_format="%Y-%m-%d", lineterminator="\n"))
        return
    out = _stdout()
    out.print(_history_table(symbol, got))
    prov = got.provenance
    out.print(
        f"source: {prov.source}; fetched at: {prov.fetched_at or 'unknown'}; "
        f"library: {prov.library_version or '-'}; {prov.detail or ''}"
    )


def _history_table(symbol: str, got: PriceHistory) -> Table:
    import numpy as np
    import pandas as pd

    frame = got.frame
    table = Table(title=f"{symbol} {frame.index[0].date()}..{frame.index[-1].date()} ({len(frame)} rows)")
    table.add_column("date")
    for column in frame.columns:
        table.add_column(column, justify="right")
    columns = list(frame.columns)
    for day, values in zip(pd.DatetimeIndex(frame.index), frame.to_numpy(dtype=float), strict=True):
        cells = [
            "" if np.isnan(v) else (f"{v:,.0f}" if name == "volume" else f"{v:.4f}")
            for name, v in zip(columns, values, strict=True)
        ]
        table.add_row(day.date().isoformat(), *cells)
    return table


@prices_app.command("import")
def import_snapshots(
    directory: Path = DIRECTORY_ARGUMENT,
    cache: CacheOption = None,
) -> None:
    """Validate a snapshot folder and load it into the cache (prices, shares outstanding, factor files).

    Every file is checked first; if any is malformed nothing is imported and each problem is listed with its
    file and line. Imported prices are used by Yahoo-mode runs (also --offline) when they cover the range.

    Example: dealstudy prices import ../shared/data/prices --cache /tmp/dealstudy-cache
    """
    from dealstudy.data.import_csv import import_snapshot

    done = import_snapshot(directory, cache)
    typer.echo(
        f"imported {done.symbols} symbol(s) from {done.folder} into {done.cache_dir}"
        + (f"; shares: {done.shares_file}" if done.shares_file is not None else "")
        + (f"; factors: {', '.join(done.factor_files)}" if done.factor_files else "")
    )
