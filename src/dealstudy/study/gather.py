"""Gather every event's days: the returns, regressors, factors and window coverage on the positions some
event reads, then each event's days copied as one block from a sliding-window view."""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.study.aligned import Aligned, BoolArray, FloatArray, IntArray, blocks
from dealstudy.study.inputs import PriceInputs, ReturnInputs, TickerPanel, align_factors
from dealstudy.study.locate import NO_DATA, EventRows
from dealstudy.study.spec import StudySpec

__all__ = ["Padded", "gather_windows", "read_positions", "regressor_symbols"]

#: Positions per chunk of :func:`_in_chunks`.
_CHUNK = 1 << 20


def regressor_symbols(spec: StudySpec, market: str) -> tuple[str, ...]:
    """The benchmark symbols of the model: the event's market, the custom benchmarks, or none."""
    if spec.uses_market:
        return (market,)
    if spec.model == "custom":
        return spec.benchmarks
    return ()


@dataclass
class Padded:
    """Values on the concatenated data's positions, padded by the axis length on both sides (internal).

    Only the positions inside the tickers' data that some event reads are computed; every other position
    is read only where it is masked. Benchmark values hold one copy of the axis per symbol set
    (``bstart`` says where each event's begin).
    """

    r: FloatArray  # ticker returns
    cover: BoolArray  # inside some located event's widest window
    b: FloatArray | None  # benchmark returns (positions x m)
    lag: FloatArray | None  # market return of the previous ticker session (Scholes-Williams)
    lead: FloatArray | None  # market return of the next ticker session (Scholes-Williams)
    f: FloatArray | None  # factors then rf
    bstart: IntArray  # (N,) where the event's regressor values begin
    gathered: BoolArray  # (N,) events whose values are gathered


def read_positions(
    spec: StudySpec,
    inputs: PriceInputs | ReturnInputs,
    tp: TickerPanel,
    er: EventRows,
    p0_of: IntArray,
    cover: BoolArray,
    market_col: NDArray[np.object_],
    factors: tuple[pd.DataFrame, tuple[str, ...]] | None,
    unavailable: Mapping[str, str],
    outcome: NDArray[np.object_],
    reason: NDArray[np.object_],
) -> Padded:
    """Step 4 of alignment: returns, regressors, factors and coverage on the positions the events read.

    Each event reads ``K`` (axis length) consecutive positions of the concatenated data. Events whose
    benchmark has no data get ``no_benchmark`` (in ``outcome`` / ``reason``) and are not gathered.
    """
    n = p0_of.size
    est_lo = spec.estimation[0]
    k_axis = spec.last_day - est_lo + 1
    located = np.flatnonzero(p0_of >= 0)
    lo_x = 1 if spec.scholes_williams else 0  # one more session each side for the adjacent market returns
    ev_lo = er.start + np.maximum(p0_of + est_lo - lo_x, 0)
    ev_hi = er.start + np.minimum(p0_of + spec.last_day + 1 + lo_x, er.length)
    total = tp.ns.size
    need = _union(ev_lo[located], ev_hi[located])
    full_r = _padded(total, k_axis, np.nan)
    full_r[need + k_axis] = _in_chunks(lambda at: inputs.returns_at(tp, at), need)
    full_cover = _padded(total, k_axis, False)
    full_cover[k_axis : k_axis + total] = cover
    padded = Padded(full_r, full_cover, None, None, None, None, er.start.copy(), np.zeros(n, dtype=bool))
    padded.gathered[located] = True
    parts = _benchmark_series(spec, inputs, tp, located, market_col, (ev_lo, ev_hi, need), unavailable)
    for sub, text in parts.absent:
        free = sub[outcome[sub] == ""]
        outcome[free] = "no_benchmark"
        reason[free] = text
        padded.gathered[sub] = False
    for copy, (sub, _, _) in enumerate(parts.present):
        padded.bstart[sub] += copy * total
    if parts.present:
        _fill_benchmarks(padded, spec, tp, parts.present, k_axis)
    if factors is not None:
        frame, cols = factors
        padded.f = _padded(total, k_axis, np.nan, len(cols) + 1)
        padded.f[need + k_axis] = align_factors(frame, (*cols, "rf"), tp.ns.view("datetime64[ns]")[need])
    return padded


@dataclass
class _BenchmarkSeries:
    """The benchmark values of each symbol set (internal to :func:`read_positions`)."""

    present: list[tuple[IntArray, IntArray, list[FloatArray]]]  # events, positions, values by column
    absent: list[tuple[IntArray, str]]  # events whose benchmark has no data, with the reason


def _benchmark_series(
    spec: StudySpec,
    inputs: PriceInputs | ReturnInputs,
    tp: TickerPanel,
    located: IntArray,
    market_col: NDArray[np.object_],
    reads: tuple[IntArray, IntArray, IntArray],
    unavailable: Mapping[str, str],
) -> _BenchmarkSeries:
    """The benchmark returns of the located events on the positions they read, per symbol set (the
    event's market for the market models, the custom benchmarks, none for the other models)."""
    ev_lo, ev_hi, need = reads
    if spec.uses_market:
        groups = pd.factorize(market_col[located], sort=True)
        symbol_sets: list[tuple[str, ...]] = [(str(s),) for s in groups[1]]
        group_of = groups[0]
    else:
        symbol_sets = [regressor_symbols(spec, "")]
        group_of = np.zeros(located.size, dtype=np.int64)
    out = _BenchmarkSeries([], [])
    for g, symbols in enumerate(symbol_sets):
        sub = located[group_of == g]
        at = need if len(symbol_sets) == 1 else _union(ev_lo[sub], ev_hi[sub])
        series = [_in_chunks(functools.partial(inputs.regressor_at, s, tp), at) for s in symbols]
        absent = [s for s, v in zip(symbols, series, strict=True) if v is None]
        if absent:
            cause = "; ".join(f"{s}: {unavailable.get(s, NO_DATA)}" for s in absent)
            out.absent.append((sub, f"no prices for benchmark {cause}"))
        elif symbols:
            out.present.append((sub, at, [v for v in series if v is not None]))
    return out


def _fill_benchmarks(
    padded: Padded,
    spec: StudySpec,
    tp: TickerPanel,
    present: list[tuple[IntArray, IntArray, list[FloatArray]]],
    k_axis: int,
) -> None:
    """Write the benchmark returns (one copy of the axis per symbol set) and, for Scholes-Williams, the
    market returns of the adjacent ticker sessions into ``padded``."""
    total = tp.ns.size
    m = len(present[0][2])
    padded.b = full_b = _padded(len(present) * total, k_axis, np.nan, m)
    full_lag = full_lead = None
    if spec.scholes_williams:
        padded.lag = full_lag = _padded(len(present) * total, k_axis, np.nan)
        padded.lead = full_lead = _padded(len(present) * total, k_axis, np.nan)
    for copy, (_, at, columns) in enumerate(present):
        where = copy * total + at + k_axis
        for c, values in enumerate(columns):
            full_b[where, c] = values
        if full_lag is not None and full_lead is not None:  # the market return of the adjacent sessions
            lag = full_b[where - 1, 0]
            lag[tp.is_first[at]] = np.nan
            full_lag[where] = lag
            lead = full_b[where + 1, 0]
            lead[tp.is_last[at]] = np.nan
            full_lead[where] = lead


def gather_windows(
    al: Aligned, padded: Padded, tp: TickerPanel, er: EventRows, p0_of: IntArray, est_lo: int
) -> None:
    """Step 6 of alignment: copy every gathered event's days into ``al`` (returns, regressors, factors,
    display dates, inside-the-data and estimation-exclusion masks), NaN outside the ticker's data.

    Each event's days are one block copy from a sliding-window view of the padded arrays; blocks of
    events run on :func:`~dealstudy._parallel.map_blocks`' threads, each writing its own rows.
    """
    n, k_axis = al.R.shape
    rows_all = np.flatnonzero(padded.gathered)
    nat = np.datetime64("NaT", "ns")
    all_dates = tp.ns.view("datetime64[ns]")
    disp = np.flatnonzero(al.is_display)
    contiguous = rows_all.size == n  # every event gathered: blocks are slices (views, no fancy indexing)
    win_first = er.start + p0_of + est_lo + k_axis
    win_first_b = padded.bstart + p0_of + est_lo + k_axis
    col = np.arange(k_axis, dtype=np.int64)
    sliding = np.lib.stride_tricks.sliding_window_view
    win_r = sliding(padded.r, k_axis, axis=0)
    win_cover = sliding(padded.cover, k_axis, axis=0)
    win_b = sliding(padded.b, k_axis, axis=0) if padded.b is not None else None
    win_lag = sliding(padded.lag, k_axis, axis=0) if padded.lag is not None else None
    win_lead = sliding(padded.lead, k_axis, axis=0) if padded.lead is not None else None
    win_f = sliding(padded.f, k_axis, axis=0) if padded.f is not None else None
    tlen = er.length

    def gather(block: slice) -> None:
        sel: slice | IntArray = block if contiguous else rows_all[block]
        begin = np.maximum(-(p0_of[sel] + est_lo), 0)[:, None]  # first column inside the data
        end = (tlen[sel] - p0_of[sel] - est_lo)[:, None]  # first column after it
        outside = (col[None, :] < begin) | (col[None, :] >= end)
        starts = win_first[sel]

        def put(target: NDArray[Any], windows: NDArray[Any], where: IntArray) -> None:
            """``target[sel]`` = the windows starting at ``where``, NaN outside the data."""
            values = windows[where]  # (b, K) or (b, m, K)
            if values.ndim == 3:
                values = values.transpose(0, 2, 1)
            if contiguous:
                view = target[sel]
                view[...] = values
                np.copyto(view, np.nan, where=outside if view.ndim == 2 else outside[:, :, None])
            else:
                values = values.copy()
                np.copyto(values, np.nan, where=outside if values.ndim == 2 else outside[:, :, None])
                target[sel] = values

        al.inb[sel] = ~outside
        put(al.R, win_r, starts)
        al.dates[sel] = np.where(
            outside[:, disp],
            nat,
            all_dates[np.clip(starts[:, None] + disp[None, :] - k_axis, 0, all_dates.size - 1)],
        )
        excl = win_cover[starts]
        excl &= ~outside
        excl &= al.is_est[None, :]
        al.excluded[sel] = excl
        if win_b is not None:
            starts_b = win_first_b[sel]
            put(al.B, win_b, starts_b)
            if win_lag is not None and win_lead is not None:
                put(al.B_lag, win_lag, starts_b)
                put(al.B_lead, win_lead, starts_b)
        if win_f is not None:
            put(al.F, win_f, starts)

    map_blocks(gather, blocks(rows_all.size))


def _padded(size: int, width: int, fill: object, *columns: int) -> NDArray[Any]:
    """An uninitialised array of ``size`` rows (``(size, *columns)``), ``width`` fill rows each side."""
    dtype = np.bool_ if isinstance(fill, bool) else np.float64
    out: NDArray[Any] = np.empty((size + 2 * width, *columns), dtype=dtype)
    out[:width] = fill
    out[size + width :] = fill
    return out


def _in_chunks(func: Callable[[IntArray], FloatArray | None], at: IntArray) -> FloatArray | None:
    """``func(at)`` computed on chunks of ``at`` on threads (``func`` works element by element), or None."""
    chunks = [at[lo : lo + _CHUNK] for lo in range(0, at.size, _CHUNK)] or [at]
    parts = map_blocks(func, chunks)
    if any(p is None for p in parts):
        return None
    return np.concatenate([p for p in parts if p is not None])


def _union(lo: IntArray, hi: IntArray) -> IntArray:
    """The positions of the union of the ranges ``lo[j] .. hi[j] - 1``, ascending."""
    keep = hi > lo
    lo, hi = lo[keep], hi[keep]
    if lo.size == 0:
        return np.empty(0, dtype=np.int64)
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    reach = np.maximum.accumulate(hi)
    new = np.concatenate([[True], lo[1:] > reach[:-1]])  # a range that starts a new run
    starts = lo[new]
    ends = reach[np.concatenate([np.flatnonzero(new)[1:] - 1, [lo.size - 1]])]
    lengths = ends - starts
    before = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    out: IntArray = np.arange(int(lengths.sum()), dtype=np.int64) + np.repeat(starts - before, lengths)
    return out
