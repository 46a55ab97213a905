"""The ``study`` pipeline: an events CSV and the data sources in, an event study and its files out.

This is the only part of the study that touches I/O: it fetches adjusted closes through the data layer, maps
day 0 with the calendar layer, runs :class:`dealstudy.study.EventStudy` and writes the result tables. The
events file is read by :func:`dealstudy.pipeline.events_csv.read_events_csv`.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from dealstudy._atomic import AtomicBatch
from dealstudy._outdir import check_out
from dealstudy._tables import TableFormat, dates_to_text, write_table
from dealstudy._timings import stage
from dealstudy.data import DataSources
from dealstudy.data.bulk import PriceBlock
from dealstudy.data.calendars import exchange_for_symbol, map_day0, sessions
from dealstudy.data.factors import load_factors
from dealstudy.data.sanity import SANITY_COLUMNS, SuspectPrice, suspect_prices, suspect_segments
from dealstudy.errors import DataError, DownloadError, MissingDataError, SpecificationError
from dealstudy.study import EventStudy, StudyResults, StudySpec
from dealstudy.study.suspect import drop_suspect_prices, mark_suspect_events

if TYPE_CHECKING:
    from numpy.typing import NDArray

__all__ = [
    "STUDY_FILES",
    "StudyNeeds",
    "fetch_prices",
    "map_event_day0",
    "run_study",
    "study_factors",
    "study_needs",
    "study_prices",
    "study_to_json",
    "write_study",
]

#: The files :func:`write_study` writes, in this order.
STUDY_FILES: tuple[str, ...] = ("outcomes.csv", "abnormal_returns.csv", "cars.csv", "aggregate.csv")

#: Calendar days fetched per trading day of the windows, plus a margin (holidays, data gaps).
_CALENDAR_PER_TRADING_DAY = 1.5
_MARGIN_DAYS = 20


def _fetch_range(dates: pd.Series, spec: StudySpec) -> tuple[dt.date, dt.date]:
    lo, hi = spec.estimation[0], spec.last_day
    back = math.ceil(abs(min(lo, 0)) * _CALENDAR_PER_TRADING_DAY) + _MARGIN_DAYS
    ahead = math.ceil(max(hi, 0) * _CALENDAR_PER_TRADING_DAY) + _MARGIN_DAYS
    start = pd.Timestamp(dates.min()) - pd.Timedelta(days=back)
    end = pd.Timestamp(dates.max()) + pd.Timedelta(days=ahead)
    return start.date(), end.date()


def fetch_prices(
    sources: DataSources,
    symbols: Iterable[str],
    start: dt.date,
    end: dt.date,
    suspects: dict[str, list[SuspectPrice]] | None = None,
) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """Adjusted closes of ``symbols`` over ``start..end``; per-symbol data errors become reasons.

    With ``suspects``, each symbol's suspect sessions (:func:`dealstudy.data.sanity.suspect_prices`) are
    added to it; the prices themselves are returned as the source gave them. A source with a
    ``histories`` method (a folder of CSV files) is read in one :class:`~dealstudy.data.bulk.PriceBlock`
    (the suspects found on it at once, :func:`~dealstudy.data.sanity.suspect_segments`), others symbol by
    symbol; both give the same result.

    Returns
    -------
    prices : dict of symbol to Series
        ``adj_close`` on the symbol's session dates.
    unavailable : dict of symbol to reason
        Symbols the source could not supply (:class:`MissingDataError` / :class:`DownloadError` message).
    """
    wanted = list(dict.fromkeys(symbols))
    histories = getattr(sources.prices, "histories", None)
    if callable(histories):  # a folder of CSV files: every symbol's columns at once, no frame per symbol
        return _from_block(histories(wanted, start, end, SANITY_COLUMNS), wanted, start, end, suspects)
    prices: dict[str, pd.Series] = {}
    unavailable: dict[str, str] = {}
    preload = getattr(sources.prices, "preload", None)
    if callable(preload):  # read the files in bulk, in parallel
        preload(wanted)
    for symbol in wanted:
        try:
            history = sources.prices.history(symbol, start, end)
        except (MissingDataError, DownloadError) as exc:
            unavailable[symbol] = str(exc)
            continue
        series = history.frame["adj_close"].astype(float)
        if series.dropna().empty:
            unavailable[symbol] = _no_adjusted_close(symbol, start, end)
            continue
        prices[symbol] = series
        if suspects is not None:
            found = suspect_prices(history.frame)
            if found:
                suspects[symbol] = found
    return prices, unavailable


def _no_adjusted_close(symbol: str, start: dt.date, end: dt.date) -> str:
    return f"no adjusted close for {symbol} in {start}..{end}"


def _from_block(
    block: PriceBlock,
    wanted: list[str],
    start: dt.date,
    end: dt.date,
    suspects: dict[str, list[SuspectPrice]] | None,
) -> tuple[dict[str, pd.Series], dict[str, str]]:
    """:func:`fetch_prices`' result from a :class:`PriceBlock`: the same series, reasons and suspects (and
    the same error raised, at the same symbol) as the per-symbol path."""
    prices: dict[str, pd.Series] = {}
    unavailable: dict[str, str] = {}
    found: dict[int, list[SuspectPrice]] = {}
    if suspects is not None:
        close = block.columns.get("close")
        found = suspect_segments(block.dates, block.offsets, block.columns["adj_close"], close)
    adj = block.columns["adj_close"]
    for symbol in wanted:
        error = block.errors.get(symbol)
        if error is not None:
            if not isinstance(error, MissingDataError | DownloadError):
                raise error
            unavailable[symbol] = str(error)
            continue
        rows = block.rows(symbol)
        if np.isnan(adj[rows]).all():
            unavailable[symbol] = _no_adjusted_close(symbol, start, end)
            continue
        prices[symbol] = block.series(symbol)
        if suspects is not None and block.position(symbol) in found:
            suspects[symbol] = found[block.position(symbol)]
    return prices, unavailable


def _on_exchange_sessions(symbol: str, series: pd.Series) -> pd.Series:
    """``series`` on the union of its dates and its exchange's sessions over its range (missing -> NaN).

    A session the exchange held but the data lack (e.g. 005930.KS on 2025-09-19) thus shows as a missing
    price, so the engine reports a gap instead of silently counting one trading day too few.
    """
    index = series.index
    try:
        mic = exchange_for_symbol(symbol)
        if mic is None:
            return series
        first, last = index[0].date(), index[-1].date()
        cal = _sessions(mic, first, last)
    except (SpecificationError, DataError):
        return series
    return union_reindex(series, cal, functools.partial(_session_keys, mic, first, last))


_UNITS = ("s", "ms", "us", "ns")
_NAT = np.iinfo(np.int64).min  # NaT's integer


@functools.lru_cache(maxsize=256)
def _sessions(mic: str, start: dt.date, end: dt.date) -> pd.DatetimeIndex:
    """:func:`sessions`, once per range (most tickers of a study share their first and last date)."""
    return sessions(mic, start, end)


@functools.lru_cache(maxsize=256)
def _session_keys(mic: str, start: dt.date, end: dt.date, unit: str) -> NDArray[np.int64]:
    """The integers of :func:`_sessions` in ``unit`` (read-only), once per range and unit."""
    keys = _sessions(mic, start, end).as_unit(unit).asi8.copy()  # type: ignore[arg-type]
    keys.flags.writeable = False
    return keys


def union_reindex(
    series: pd.Series, extra: pd.DatetimeIndex, keys: Callable[[str], NDArray[np.int64]] | None = None
) -> pd.Series:
    """``series.reindex(series.index.union(extra))``: same index (values, unit, name) and values.

    For the usual case (both indexes sorted and unique, tz-naive, float values) the dates ``series`` lacks
    are inserted with NumPy (binary search, no sort), without pandas' frequency inference on every union
    (most of the time of 1,000 tickers). ``keys(unit)``, when given, is ``extra`` as integers in ``unit``
    (a cached copy, for a calendar shared by many series).
    """
    index = series.index if isinstance(series.index, pd.DatetimeIndex) else pd.DatetimeIndex(series.index)
    simple = (
        index.tz is None
        and extra.tz is None
        and series.dtype == np.float64
        and index.unit in _UNITS
        and extra.unit in _UNITS
        and extra.is_monotonic_increasing  # cached on a shared calendar
        and extra.is_unique
        and _increasing(index.asi8)  # what pandas' two checks say, without its hash table per series
    )
    if not simple:
        return series.reindex(index.union(extra))
    unit = max(index.unit, extra.unit, key=_UNITS.index)  # pandas takes the finer unit
    own = _in_unit(index, unit)
    other = keys(unit) if keys is not None else extra.as_unit(unit).asi8
    held = np.zeros(len(other), dtype=bool)  # both sorted and unique: insert the dates ``own`` lacks
    if len(own):
        held = own[np.minimum(np.searchsorted(own, other), len(own) - 1)] == other
    lacking = other[~held]
    name = index.name if index.name == extra.name else None
    if not lacking.size and unit == index.unit:  # the usual case: the data hold every session
        return series if name == index.name else series.set_axis(index.rename(name))
    at = np.searchsorted(own, lacking) + np.arange(lacking.size)  # where the lacking dates go
    kept = np.ones(own.size + lacking.size, dtype=bool)
    kept[at] = False
    merged = np.empty(kept.size, dtype=np.int64)
    merged[kept], merged[at] = own, lacking
    values = np.full(kept.size, np.nan)
    values[kept] = series.to_numpy(dtype=np.float64)
    out_index = pd.DatetimeIndex(merged.view(f"M8[{unit}]"), name=name)
    return pd.Series(values, index=out_index, name=series.name, copy=False)


def _in_unit(index: pd.DatetimeIndex, unit: str) -> NDArray[np.int64]:
    """``index.as_unit(unit).asi8`` of a sorted index for a finer (or the same) ``unit``: the integers
    multiplied, which is what pandas gives inside the range of the unit (outside it, pandas itself, which
    raises)."""
    raw = index.asi8
    factor = 1000 ** (_UNITS.index(unit) - _UNITS.index(str(index.unit)))
    if factor == 1:
        return raw
    if raw.size and not (_NAT // factor < raw[0] and raw[-1] < -_NAT // factor):  # sorted
        return index.as_unit(unit).asi8  # type: ignore[arg-type]
    scaled: NDArray[np.int64] = raw * factor
    return scaled


def _increasing(values: NDArray[np.int64]) -> bool:
    """The dates ``values`` (a DatetimeIndex's integers) are sorted, unique and without NaT."""
    if values.size == 0:
        return True
    return bool(values[0] != _NAT and (values[1:] > values[:-1]).all())


def map_event_day0(events: pd.DataFrame, prices: dict[str, pd.Series]) -> pd.DataFrame:
    """Add ``day0``/``day0_rule`` for events with a ``timing`` (via :func:`map_day0` on the ticker's data
    sessions); events without timing keep ``date`` for the engine's rule (that date if it is a session of
    the ticker, else the next session)."""
    out = events.copy()
    day0 = np.full(len(out), np.datetime64("NaT"), dtype="datetime64[ns]")
    rules: list[str] = [""] * len(out)
    timings: list[Any] = out["timing"].tolist() if "timing" in out.columns else []
    timed = [i for i, timing in enumerate(timings) if timing]  # events without timing: the engine's rule
    tickers, dates = out["ticker"].iloc[timed].tolist(), out["date"].iloc[timed].tolist()
    for row, ticker, date in zip(timed, tickers, dates, strict=True):
        series = prices.get(str(ticker))
        if series is None:
            continue
        try:
            mic = exchange_for_symbol(str(ticker)) or "XNYS"
            present = series.dropna().index
            mapped = map_day0(pd.Timestamp(date).date(), timings[row], mic, sessions=present)
        except (SpecificationError, DataError):
            continue  # the engine's own rule (and outcome) applies
        day0[row] = pd.Timestamp(mapped.session).as_unit("ns").to_datetime64()
        rules[row] = mapped.rule + (f" ({mapped.note})" if mapped.note else "")
    out["day0"] = pd.Series(day0, index=out.index)
    out["day0_rule"] = rules
    return out


@dataclass(frozen=True)
class StudyNeeds:
    """What a study of some events needs from the data layer.

    Attributes
    ----------
    start, end : date
        The calendar range to fetch: the earliest event's estimation window to the latest event's last
        window day, with a margin (:func:`_fetch_range`).
    tickers : tuple of str
        The events' tickers, in order of first appearance.
    benchmarks : tuple of str
        The benchmark series the model needs (markets of the events, or ``spec.benchmarks`` for custom).
    """

    start: dt.date
    end: dt.date
    tickers: tuple[str, ...]
    benchmarks: tuple[str, ...]


def study_needs(events: pd.DataFrame, spec: StudySpec) -> StudyNeeds:
    """The symbols and the date range a study of ``events`` needs (see :class:`StudyNeeds`)."""
    if "date" not in events.columns and "day0" not in events.columns:
        raise SpecificationError("events need a 'date' (or 'day0') column")
    anchor = events["day0"] if "day0" in events.columns else events["date"]
    start, end = _fetch_range(pd.to_datetime(anchor), spec)
    markets = events["market"].replace("", np.nan).fillna(spec.market) if "market" in events.columns else None
    benchmarks: list[str] = []
    if spec.uses_market:
        benchmarks = list(dict.fromkeys(markets.tolist() if markets is not None else [spec.market]))
    elif spec.model == "custom":
        benchmarks = list(spec.benchmarks)
    tickers = tuple(pd.unique(events["ticker"].astype(str).to_numpy(dtype=object)))  # first appearance
    return StudyNeeds(start, end, tickers, tuple(str(b) for b in benchmarks))


def study_factors(sources: DataSources, spec: StudySpec) -> pd.DataFrame | None:
    """The factor table the model needs (``None`` for models without factors)."""
    if not spec.uses_factors:
        return None
    folder = sources.factors_folder()
    if folder is None:
        raise MissingDataError(f"model {spec.model!r} needs factor files; none found ({sources.description})")
    return load_factors(folder, spec.model)  # type: ignore[arg-type]


def study_prices(
    events: pd.DataFrame,
    prices: dict[str, pd.Series],
    spec: StudySpec,
    *,
    factors: pd.DataFrame | None = None,
    unavailable: dict[str, str] | None = None,
    suspects: Mapping[str, Sequence[SuspectPrice]] | None = None,
) -> StudyResults:
    """Map day 0 and run the engine on prices already fetched (the part of :func:`run_study` after I/O).

    ``prices`` maps the tickers and benchmarks of :func:`study_needs` to their adjusted closes (it is not
    modified); ``unavailable`` gives the reason for each symbol the source could not supply. Every step is
    per ticker, so a study of a subset of tickers (all events of each) gives those events' rows exactly as
    a study of all events does (the distributed engine relies on it).

    ``suspects`` are the symbols' suspect sessions (:func:`dealstudy.data.sanity.suspect_prices` on the full
    price frames, as :func:`fetch_prices` finds them); without it they are found from the adjusted closes
    (the close/adj_close rule then cannot apply). Their prices are dropped before the engine runs and the
    events whose window they touch get ``suspect_prices`` (:mod:`dealstudy.study.suspect`).
    """
    needs = study_needs(events, spec)
    if suspects is None:
        suspects = {s: found for s, c in prices.items() if (found := suspect_prices(c.to_frame("adj_close")))}
    closes = dict(prices)
    for ticker in needs.tickers:
        if ticker in closes and ticker not in needs.benchmarks:
            closes[ticker] = _on_exchange_sessions(ticker, closes[ticker])
    frame = events if "day0" in events.columns else map_event_day0(events, closes)
    screened = drop_suspect_prices(closes, suspects)  # after day 0 is mapped on the data as given
    results = EventStudy(spec).fit(frame, screened, factors=factors, unavailable=unavailable or {})
    return mark_suspect_events(results, suspects, closes)


def run_study(events: pd.DataFrame, sources: DataSources, spec: StudySpec | None = None) -> StudyResults:
    """Fetch what the events need, map day 0 and run the study.

    Parameters
    ----------
    events : DataFrame
        As returned by :func:`dealstudy.pipeline.events_csv.read_events_csv` (``event_id, ticker, date``
        [, ``timing, market, group``]), or with ``day0`` already mapped.
    sources : DataSources
        From :func:`dealstudy.data.open_sources`.
    spec : StudySpec, optional

    Returns
    -------
    StudyResults
    """
    spec = spec or StudySpec()
    needs = study_needs(events, spec)
    with stage("read prices"):
        symbols = [*needs.tickers, *needs.benchmarks]
        suspects: dict[str, list[SuspectPrice]] = {}
        prices, unavailable = fetch_prices(sources, symbols, needs.start, needs.end, suspects)
        factors = study_factors(sources, spec)
    with stage("align and fit"):
        return study_prices(events, prices, spec, factors=factors, unavailable=unavailable, suspects=suspects)


def write_study(results: StudyResults, out_dir: Path | str, fmt: TableFormat = "csv") -> list[Path]:
    """Write exactly ``outcomes``, ``abnormal_returns``, ``cars`` and ``aggregate`` into ``out_dir`` as
    ``.csv`` (default: ISO dates, full float precision) or ``.parquet`` (same columns); returns the paths.
    ``out_dir`` must be new, empty or hold only such files (:func:`check_out`).

    The four files are renamed into place together once all are written (:class:`AtomicBatch`): an error
    or an interrupt leaves the folder as it was. The per-event tables are written on a second thread while
    this one runs the aggregate tests when they are not computed yet (Arrow formats the text without
    holding the GIL, so on two cores the two overlap); the stages are ``tests`` (the tests, the other tables
    being written meanwhile) and ``write`` (the writing left after them).
    """
    check_out(out_dir, "study", STUDY_FILES)
    stems = [name.removesuffix(".csv") for name in STUDY_FILES]
    per_event = (results.outcomes, results.abnormal_returns, results.cars)

    def write_per_event() -> list[Path]:
        return [
            write_table(out_dir, stem, t, fmt, batch=batch)
            for stem, t in zip(stems[:3], per_event, strict=True)
        ]

    with AtomicBatch() as batch, ThreadPoolExecutor(1, thread_name_prefix="dealstudy-writer") as writer:
        written = writer.submit(write_per_event)
        with stage("tests"):
            aggregate = results.aggregate
        with stage("write"):
            paths = [*written.result(), write_table(out_dir, stems[-1], aggregate, fmt, batch=batch)]
    return paths


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = dates_to_text(frame)
    records: list[dict[str, Any]] = []
    for row in out.to_dict(orient="records"):
        clean: dict[str, Any] = {}
        for key, value in row.items():
            if isinstance(value, np.generic):
                value = value.item()
            missing = isinstance(value, float) and not math.isfinite(value)
            if (
                missing
                or value is pd.NaT
                or (not isinstance(value, str | int | float | bool) and pd.isna(value))
            ):
                value = None
            clean[str(key)] = value
        records.append(clean)
    return records


def study_to_json(results: StudyResults) -> str:
    """The four result tables (and the specification) as one JSON document; NaN becomes ``null``."""
    spec = results.spec
    document = {
        "spec": {
            "model": spec.model,
            "returns": spec.returns,
            "estimation": str(spec.estimation),
            "min_obs": spec.min_obs,
            "windows": [str(w) for w in spec.windows],
            "variance": spec.variance,
            "sigma_ddof": spec.sigma_ddof,
            "market": spec.market,
            "benchmarks": list(spec.benchmarks),
            "scholes_williams": spec.scholes_williams,
            "ar_range": str(spec.ar_range),
        },
        "outcomes": _records(results.outcomes),
        "abnormal_returns": _records(results.abnormal_returns),
        "cars": _records(results.cars),
        "aggregate": _records(results.aggregate),
    }
    return json.dumps(document, indent=1, allow_nan=False)
