"""``dealstudy prices``: fetch, inspect and import daily price data.

Thin commands over :func:`dealstudy.data.open_sources`. Data problems raise
:class:`~dealstudy.errors.DataError` subclasses, which :func:`dealstudy.cli.main` prints as ``error: ...``
with exit code 3.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from dealstudy._atomic import atomic_write_bytes
from dealstudy.cli import app
from dealstudy.cli._options import DEFAULT_NETWORK_TIMEOUT
from dealstudy.cli._reactions import print_cannot_serve, reactions_by_ticker, reactions_cell
from dealstudy.errors import DataError, DealstudyError, NetworkUnavailableError, SnapshotError

if TYPE_CHECKING:
    from dealstudy.data import DataSources, SnapshotMode
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.coverage import Coverage
    from dealstudy.data.snapshot import SnapshotSource

__all__ = ["BENCHMARKS", "FX_SYMBOLS", "prices_app", "study_symbols"]

#: Benchmarks fetched with the catalog tickers: broad market, Nasdaq-100, semiconductors, tech, Japan, Korea.
BENCHMARKS: tuple[str, ...] = ("SPY", "QQQ", "SMH", "XLK", "^N225", "^KS11")
#: FX rates (local currency per USD) for converting non-US market values.
FX_SYMBOLS: tuple[str, ...] = ("JPY=X", "KRW=X")
#: Calendar days of history before the earliest announcement (a 250-session estimation window and gap).
LOOKBACK_DAYS = 400
#: Calendar days after the latest announcement (post-event windows).
LOOKAHEAD_DAYS = 30

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

PRICES_OPTION = typer.Option(
    None,
    "--prices",
    help="Snapshot folder of SYMBOL.csv files (or $DEALSTUDY_PRICES_DIR); no network.",
    file_okay=False,
)
OFFLINE_OPTION = typer.Option(False, "--offline", help="Use the cache only; never the network.")
CACHE_OPTION = typer.Option(
    None, "--cache", help="Cache folder (default: the user cache dir).", file_okay=False
)
REFRESH_OPTION = typer.Option(False, "--refresh", help="Refetch cached ranges.")
NETWORK_TIMEOUT_OPTION = typer.Option(
    DEFAULT_NETWORK_TIMEOUT,
    "--network-timeout",
    metavar="SECONDS",
    help="Total seconds the downloads may wait on the network; then the command stops with a message.",
)
SNAPSHOT_OPTION = typer.Option(
    False, "--snapshot", help="The pinned data snapshot shipped with dealstudy alone (no cache, no network)."
)
CATALOG_OPTION = typer.Option(Path("events"), "--catalog", help="Catalog folder.", file_okay=False)
FORMAT_OPTION = typer.Option("table", "--format", help="table or json.")
SYMBOLS_ARGUMENT = typer.Argument(None, help="Yahoo symbols (default: catalog tickers + benchmarks + FX).")
DIRECTORY_ARGUMENT = typer.Argument(..., help="Snapshot folder of SYMBOL.csv files.", file_okay=False)


def _stdout() -> Console:
    console = Console()
    return console if console.is_terminal else Console(width=200, soft_wrap=True)


@dataclass(frozen=True)
class StudySymbols:
    """Symbols a study needs, with the date range each needs (from the catalog, where it loaded)."""

    ranges: dict[str, tuple[dt.date, dt.date]]
    catalog_tickers: tuple[str, ...]
    note: str


def study_symbols(catalog_dir: Path, *, require_catalog: bool) -> StudySymbols:
    """Catalog tickers plus benchmarks and FX, each with the range the study needs.

    Each catalog ticker needs ``earliest announcement involving it - 400 days .. latest + 30 days``;
    benchmarks and FX need the catalog-wide range. Without a loadable catalog (and ``require_catalog``
    false) only benchmarks and FX are returned, with no range.
    """
    from dealstudy.catalog import load_catalog

    try:
        catalog = load_catalog(catalog_dir)
    except DealstudyError as exc:
        if require_catalog:
            raise
        reason = " ".join(str(exc).split())
        return StudySymbols({}, (), f"catalog {catalog_dir} not used: {reason[:300]}")
    lookback = dt.timedelta(days=LOOKBACK_DAYS)
    ahead = dt.timedelta(days=LOOKAHEAD_DAYS)
    ranges: dict[str, tuple[dt.date, dt.date]] = {}
    for deal in catalog.deals:
        for security in deal.securities:
            lo, hi = deal.announced - lookback, deal.announced + ahead
            old = ranges.get(security.ticker)
            ranges[security.ticker] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)
    tickers = tuple(sorted(ranges))
    if ranges:
        overall = (min(r[0] for r in ranges.values()), max(r[1] for r in ranges.values()))
        for symbol in (*BENCHMARKS, *FX_SYMBOLS):
            ranges.setdefault(symbol, overall)
    return StudySymbols(ranges, tickers, f"catalog {catalog_dir}: {len(catalog.deals)} deals")


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
    catalog: Path = CATALOG_OPTION,
    prices: Path | None = PRICES_OPTION,
    offline: bool = OFFLINE_OPTION,
    cache: Path | None = CACHE_OPTION,
    refresh: bool = REFRESH_OPTION,
    network_timeout: float = NETWORK_TIMEOUT_OPTION,
    factors: bool = typer.Option(
        False, "--factors", help="Also download Fama-French daily factors (needs pandas-datareader>=0.11)."
    ),
) -> None:
    """Download daily prices into the cache (only missing ranges), and report what each symbol covers.

    Example: dealstudy prices fetch AMD NVDA --start 2024-06-01 --end 2025-12-31
    """
    from dealstudy.data import FACTORS_SUBDIR, open_sources
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.factors import download_french_factors

    first = _parse_date(start, "--start")
    last = _parse_date(end, "--end")
    _check_range(first, last)
    ranges: dict[str, tuple[dt.date, dt.date]] = {}
    if symbols:
        needed = (
            study_symbols(catalog, require_catalog=False)
            if first is None or last is None
            else StudySymbols({}, (), "")
        )
        for symbol in symbols:
            default = needed.ranges.get(symbol)
            lo = first or (default[0] if default else None)
            hi = last or (default[1] if default else None)
            if lo is None or hi is None:
                raise typer.BadParameter(
                    f"{symbol} is not in the catalog ({needed.note or 'no catalog'}): give --start and --end",
                    param_hint="--start/--end",
                )
            ranges[symbol] = (lo, hi)
    else:
        needed = study_symbols(catalog, require_catalog=True)
        ranges = {s: (first or r[0], last or r[1]) for s, r in needed.ranges.items()}
    sources = open_sources(
        prices=prices,
        offline=offline,
        cache=cache,
        refresh=refresh,
        snapshot="off",
        network_timeout=network_timeout,
    )
    err = Console(stderr=True)
    failures: list[str] = []
    rows: list[tuple[str, str, str, str, str]] = []
    progress = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal or len(ranges) < 2,
    )
    with progress:
        task = progress.add_task("fetching", total=len(ranges))
        for symbol, (lo, hi) in sorted(ranges.items()):
            progress.update(task, description=f"fetching {symbol}")
            try:
                got = sources.prices.history(symbol, lo, hi)
                frame = got.frame
                rows.append(
                    (
                        symbol,
                        f"{lo}..{hi}",
                        f"{frame.index[0].date()}..{frame.index[-1].date()}",
                        str(len(frame)),
                        got.provenance.source,
                    )
                )
            except NetworkUnavailableError:
                raise  # the network is given up: one message, not one failure per remaining symbol
            except DataError as exc:
                message = str(exc)
                failures.append(message if message.startswith(symbol) else f"{symbol}: {message}")
                rows.append((symbol, f"{lo}..{hi}", "-", "0", f"FAILED: {exc}"))
            progress.advance(task)
    if factors:
        if not isinstance(sources.prices, CachedSource) or sources.prices.offline:
            failures.append("factors: --factors downloads into the cache; not with --prices or --offline")
        else:
            lo = min(r[0] for r in ranges.values())
            hi = max(r[1] for r in ranges.values())
            try:
                written = download_french_factors(sources.prices.cache_dir / FACTORS_SUBDIR, lo, hi)
                rows.append(
                    ("factors", f"{lo}..{hi}", ", ".join(p.name for p in written.values()), "", "Ken French")
                )
            except DataError as exc:
                failures.append(f"factors: {exc}")
    table = Table(title=f"prices fetch ({sources.description})")
    for column in ("symbol", "requested", "got", "rows", "source"):
        table.add_column(column)
    for row in rows:
        table.add_row(*row)
    _stdout().print(table)
    if failures:
        raise DataError(
            f"{len(failures)} problem(s) fetching {len(ranges)} symbol(s):\n"
            + "\n".join(f"  - {f}" for f in failures)
        )


def _snapshot_coverage(source: SnapshotSource, symbol: str) -> Coverage | None:
    from dealstudy.data.coverage import coverage_of

    if symbol not in source.snapshot.coverage():
        return None
    return coverage_of(symbol, source.snapshot.prices(symbol), source.snapshot.label)


def _coverage_for(sources: DataSources, symbol: str) -> Coverage | str | None:
    """The symbol's coverage, ``None`` when there are no data, or why the data there cannot be used."""
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.chain import ChainSource
    from dealstudy.data.coverage import coverage_of
    from dealstudy.data.csv_dir import CsvDirSource
    from dealstudy.data.snapshot import SnapshotSource

    prices = sources.prices
    if isinstance(prices, ChainSource):
        found = _cached_coverage(prices.offline, symbol)
        return found if found is not None else _snapshot_coverage(prices.snapshot, symbol)
    if isinstance(prices, SnapshotSource):
        return _snapshot_coverage(prices, symbol)
    if isinstance(prices, CachedSource):
        return _cached_coverage(prices, symbol)
    if isinstance(prices, CsvDirSource):
        if not prices.path_for(symbol).is_file():
            return None
        try:
            return coverage_of(symbol, prices.frame(symbol), prices.name)
        except DataError as exc:
            return str(exc)
    return None


def _cached_coverage(prices: CachedSource, symbol: str) -> Coverage | str | None:
    from dealstudy.data.coverage import coverage_of

    seen = len(prices.problems)
    found = prices.cached_frame(symbol)
    if found is None:
        problems = [p for p in prices.problems[seen:] if p.symbol == symbol]
        return f"{problems[0].file}: {problems[0].message}" if problems else None
    frame, source = found
    return coverage_of(symbol, frame, f"cache:{source}")


def _cache_dir_of(sources: DataSources) -> Path | None:
    from dealstudy.data.cache import CachedSource
    from dealstudy.data.chain import ChainSource

    prices = sources.prices
    if isinstance(prices, ChainSource):
        prices = prices.offline
    return prices.cache_dir if isinstance(prices, CachedSource) else None


def _listed_symbols(sources: DataSources) -> list[str]:
    from dealstudy.data.cache import IMPORT_SOURCE, CachedSource
    from dealstudy.data.chain import ChainSource
    from dealstudy.data.csv_dir import CsvDirSource
    from dealstudy.data.snapshot import SnapshotSource

    prices = sources.prices
    if isinstance(prices, CsvDirSource):
        return prices.symbols()
    if isinstance(prices, SnapshotSource):
        return prices.snapshot.symbols()
    cached = prices.offline if isinstance(prices, ChainSource) else prices
    if isinstance(cached, CachedSource):
        return sorted({e.symbol for e in cached.entries() if e.source in (cached.source_key, IMPORT_SOURCE)})
    return []


def _gap_text(dates: tuple[dt.date, ...]) -> str:
    if not dates:
        return "0"
    shown = ", ".join(d.isoformat() for d in dates[:3])
    return f"{len(dates)} ({shown}{', ...' if len(dates) > 3 else ''})"


@prices_app.command("status")
def status(
    catalog: Path = CATALOG_OPTION,
    prices: Path | None = PRICES_OPTION,
    offline: bool = OFFLINE_OPTION,
    cache: Path | None = CACHE_OPTION,
    output: str = FORMAT_OPTION,
    snapshot: bool = SNAPSHOT_OPTION,
) -> None:
    """Coverage per symbol: first/last date, rows, sessions missing vs the exchange calendar, source; per
    catalog security the reactions (deal x security) it serves and those it cannot serve, with the reason.

    Never uses the network: it reads the snapshot folder, or the cache and then the pinned snapshot. Lists
    catalog tickers, benchmarks and FX with no data at all. Exits 0.

    Example: dealstudy prices status --prices ../shared/data/prices
    """
    from dealstudy.data.cache_files import remedy
    from dealstudy.data.coverage import Coverage

    _check_choice(output, ("table", "json"), "--format")
    sources = _open(prices, True if prices is None else offline, cache, False, snapshot=snapshot)
    needed = study_symbols(catalog, require_catalog=False)
    symbols = sorted(set(_listed_symbols(sources)) | set(needed.ranges) | set(BENCHMARKS) | set(FX_SYMBOLS))
    found = {symbol: _coverage_for(sources, symbol) for symbol in symbols}
    corrupt = {symbol: why for symbol, why in found.items() if isinstance(why, str)}
    covs = {symbol: cov if isinstance(cov, Coverage) else None for symbol, cov in found.items()}
    records: list[dict[str, object]] = []
    for symbol in symbols:
        cov = covs[symbol]
        need = needed.ranges.get(symbol)
        role = (
            "catalog"
            if symbol in needed.catalog_tickers
            else ("benchmark" if symbol in BENCHMARKS else ("fx" if symbol in FX_SYMBOLS else "other"))
        )
        records.append(
            {
                "symbol": symbol,
                "role": role,
                "exchange": cov.mic if cov else None,
                "first": cov.first.isoformat() if cov and cov.first else None,
                "last": cov.last.isoformat() if cov and cov.last else None,
                "rows": cov.rows if cov else 0,
                "missing_sessions": [d.isoformat() for d in cov.missing] if cov else [],
                "extra_dates": [d.isoformat() for d in cov.extra] if cov else [],
                "needed": [need[0].isoformat(), need[1].isoformat()] if need else None,
                "covers_needed": (cov.covers(*need) if cov and need else None),
                "source": cov.source if cov else None,
                "corrupt": corrupt.get(symbol),
            }
        )
    no_data = [r["symbol"] for r in records if r["rows"] == 0 and r["corrupt"] is None]
    reactions, reactions_note = reactions_by_ticker(catalog, sources) if needed.catalog_tickers else ({}, "")
    for rec in records:
        if rec["role"] == "catalog":
            rec.update(reactions.get(str(rec["symbol"]), {}))
    if output == "json":
        document: dict[str, object] = {"sources": sources.description, "note": needed.note}
        document.update(
            symbols=records, no_data=no_data, corrupt=sorted(corrupt), reactions_note=reactions_note
        )
        typer.echo(json.dumps(document, indent=1))
        return
    table = Table(title=f"prices status ({sources.description})")
    for column in (
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
    ):
        table.add_column(column, overflow="fold")
    for rec, symbol in zip(records, symbols, strict=True):
        served = reactions_cell(reactions.get(symbol))
        if rec["rows"] == 0:
            state = f"CORRUPT: {corrupt[symbol]}" if symbol in corrupt else "NO DATA"
            table.add_row(symbol, str(rec["role"]), "", "", "", "0", "", "", "", state, served)
            continue
        cov = covs[symbol]
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
    out = _stdout()
    out.print(table)
    out.print(needed.note)
    if no_data:
        out.print(f"no data for: {', '.join(map(str, no_data))}")
    if corrupt:
        where = _cache_dir_of(sources)
        fix = f"; {remedy(where)}" if where is not None else "; fix or replace the files"
        for symbol in sorted(corrupt):  # in full here: the table's cell may be folded
            out.print(f"CORRUPT (not used) {symbol}: {corrupt[symbol]}", markup=False, soft_wrap=True)
        out.print(f"CORRUPT (not used): {', '.join(sorted(corrupt))}{fix}", markup=False, soft_wrap=True)
    if needed.catalog_tickers:
        print_cannot_serve(out, reactions, reactions_note)


@prices_app.command("show")
def show(
    symbol: str = typer.Argument(..., help="Yahoo symbol, e.g. AMD or 9984.T."),
    start: str | None = typer.Option(None, "--start", help="First date (YYYY-MM-DD)."),
    end: str | None = typer.Option(None, "--end", help="Last date (YYYY-MM-DD)."),
    prices: Path | None = PRICES_OPTION,
    offline: bool = OFFLINE_OPTION,
    cache: Path | None = CACHE_OPTION,
    refresh: bool = REFRESH_OPTION,
    network_timeout: float = NETWORK_TIMEOUT_OPTION,
    output: str = typer.Option("table", "--format", help="table or csv."),
    snapshot: bool = SNAPSHOT_OPTION,
) -> None:
    """Print daily prices of one symbol (the last 20 rows unless --start/--end are given), with provenance.

    Example: dealstudy prices show AMD --start 2025-10-01 --end 2025-10-10 --prices ../shared/data/prices
    """
    import numpy as np
    import pandas as pd

    from dealstudy.data.coverage import Coverage
    from dealstudy.data.source import Provenance

    first = _parse_date(start, "--start")
    last = _parse_date(end, "--end")
    _check_range(first, last)
    _check_choice(output, ("table", "csv"), "--format")
    sources = _open(prices, offline, cache, refresh, network_timeout, snapshot=snapshot)
    today = dt.datetime.now(dt.UTC).date()
    if first is None and last is None:
        whole: pd.DataFrame | None = None
        cov = _coverage_for(sources, symbol)
        if isinstance(cov, Coverage) and cov.first is not None and cov.last is not None:
            whole = sources.prices.history(symbol, cov.first, cov.last).frame
        if whole is not None and len(whole):
            first = whole.index[max(0, len(whole) - 20)].date()
            last = whole.index[-1].date()
    got = sources.prices.history(symbol, first or today - dt.timedelta(days=40), last or today)
    frame = got.frame
    if output == "csv":
        sys.stdout.write(frame.to_csv(date_format="%Y-%m-%d", lineterminator="\n"))
        return
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
    out = _stdout()
    out.print(table)
    prov: Provenance = got.provenance
    out.print(
        f"source: {prov.source}; fetched at: {prov.fetched_at or 'unknown'}; "
        f"library: {prov.library_version or '-'}; {prov.detail or ''}"
    )


@prices_app.command("import")
def import_snapshots(
    directory: Path = DIRECTORY_ARGUMENT,
    cache: Path | None = CACHE_OPTION,
) -> None:
    """Validate a snapshot folder and load it into the cache (prices, shares outstanding, factor files).

    Every file is checked first; if any is malformed nothing is imported and each problem is listed with its
    file and line. Imported prices are used by Yahoo-mode runs (also --offline) when they cover the range.

    Example: dealstudy prices import ../shared/data/prices --cache /tmp/dealstudy-cache
    """
    import pandas as pd

    from dealstudy.data import FACTORS_SUBDIR, find_factors_dir
    from dealstudy.data.cache import IMPORT_SOURCE, CachedSource, default_cache_dir
    from dealstudy.data.csv_dir import SHARES_FILE, CsvDirSource, read_price_csv, read_shares_csv
    from dealstudy.data.factors import find_factor_files, load_factors
    from dealstudy.data.source import Provenance
    from dealstudy.data.yahoo import YahooSource

    folder = directory.expanduser().resolve()
    if not folder.is_dir():
        raise DataError(f"snapshot folder {folder} does not exist")
    source = CsvDirSource(folder)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[str] = []
    for symbol in source.symbols():
        try:
            frames[symbol] = read_price_csv(source.path_for(symbol))
        except SnapshotError as exc:
            problems.append(str(exc))
    shares_path = folder / SHARES_FILE
    if shares_path.is_file():
        try:
            read_shares_csv(shares_path)
        except SnapshotError as exc:
            problems.append(str(exc))
    factors_dir = find_factors_dir(folder)
    factor_files = find_factor_files(factors_dir) if factors_dir else {}
    for kind, path in factor_files.items():
        if kind == "mom":
            continue
        try:
            load_factors(path, "ff5" if kind == "ff5" else "ff3")
        except DealstudyError as exc:
            problems.append(str(exc))
    if problems:
        raise SnapshotError(
            f"{len(problems)} invalid file(s) in {folder}; nothing imported:\n"
            + "\n".join(f"  - {p}" for p in problems)
        )
    if not frames:
        raise SnapshotError(f"no SYMBOL.csv files in {folder}")
    cached = CachedSource(YahooSource(), cache if cache is not None else default_cache_dir(), offline=True)
    now = dt.datetime.now(dt.UTC)
    for symbol, frame in frames.items():
        covered = (frame.index[0].date(), frame.index[-1].date())
        provenance = Provenance(f"csv:{folder}", now, None, f"imported from {source.path_for(symbol)}")
        cached.store(IMPORT_SOURCE, symbol, frame, covered, provenance)
    if shares_path.is_file():
        atomic_write_bytes(cached.cache_dir / SHARES_FILE, shares_path.read_bytes())
    for path in factor_files.values():
        atomic_write_bytes(cached.cache_dir / FACTORS_SUBDIR / path.name, path.read_bytes())
    typer.echo(
        f"imported {len(frames)} symbol(s) from {folder} into {cached.cache_dir}"
        + (f"; shares: {SHARES_FILE}" if shares_path.is_file() else "")
        + (f"; factors: {', '.join(p.name for p in factor_files.values())}" if factor_files else "")
    )
