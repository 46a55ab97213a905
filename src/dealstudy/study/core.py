"""The engine's core: align events on trading-day time, estimate every event's model at once, give every
event an outcome, and build the panel of abnormal returns with their variances."""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats.panel import EventPanel
from dealstudy.study.inputs import PriceInputs, ReturnInputs, TickerPanel, align_factors
from dealstudy.study.ols import batch_ols, scholes_williams_beta, simple_ols
from dealstudy.study.spec import StudySpec
from dealstudy.window import Window

__all__ = [
    "Aligned",
    "Fitted",
    "align_events",
    "display_variances",
    "estimate",
    "make_panel",
    "panel_windows",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Residual standard deviations below this are treated as zero (``zero_variance``).
ZERO_SIGMA = 1e-12

#: Events per block where the engine works on (events x days) arrays block by block.
_BLOCK = 512


@dataclass
class Aligned:
    """Events on the common relative-day axis (internal; filled by :func:`align_events`)."""

    rel: IntArray  # (K,)
    is_est: BoolArray  # (K,)
    is_event: BoolArray  # (K,) days of the widest window
    is_display: BoolArray  # (K,) days of the display range (ar_range) or of the widest window
    R: FloatArray  # (N, K) ticker returns
    B: FloatArray  # (N, K, m) benchmark returns
    B_lag: FloatArray  # (N, K) market return of the previous ticker session (Scholes-Williams; else (N, 0))
    B_lead: FloatArray  # (N, K) market return of the next ticker session (Scholes-Williams; else (N, 0))
    F: FloatArray  # (N, K, f + 1) factors then rf
    dates: NDArray[np.datetime64]  # (N, D) dates of the display days (columns where is_display holds)
    inb: BoolArray  # (N, K) inside the ticker's data
    excluded: BoolArray  # (N, K) estimation day inside another event window of the same ticker
    day0: NDArray[np.datetime64]  # (N,)
    day0_rule: NDArray[np.object_]
    overlaps: NDArray[np.object_]  # ids of the same ticker's events with overlapping widest windows
    markets: NDArray[np.object_]
    outcome: NDArray[np.object_]
    reason: NDArray[np.object_]
    last_date: NDArray[np.datetime64]  # (N,) last date of the ticker's data

    def release_regressors(self) -> None:
        """Drop the (N, K) regressor arrays once the models are estimated (nothing after reads them)."""
        self.B = np.empty((0, *self.B.shape[1:]))
        self.B_lag = np.empty((0, *self.B_lag.shape[1:]))
        self.B_lead = np.empty((0, *self.B_lead.shape[1:]))
        self.F = np.empty((0, *self.F.shape[1:]))

    def set(self, i: int, code: str, text: str) -> None:
        """Give event ``i`` an outcome unless it already has one."""
        if not self.outcome[i]:
            self.outcome[i] = code
            self.reason[i] = text


def _regressors(spec: StudySpec, market: str) -> tuple[str, ...]:
    if spec.uses_market:
        return (market,)
    if spec.model == "custom":
        return spec.benchmarks
    return ()


def align_events(
    ev: pd.DataFrame,
    inputs: PriceInputs | ReturnInputs,
    spec: StudySpec,
    factor_frame: pd.DataFrame | None,
    factor_cols: tuple[str, ...],
    unavailable: dict[str, str],
) -> Aligned:
    """Place every event on the relative-day axis: day 0, outcomes of events that cannot be placed, and the
    gathered returns, regressors, dates and estimation exclusions (all tickers at once, see the Notes).

    Notes
    -----
    The tickers' data are concatenated (:class:`~dealstudy.study.inputs.TickerPanel`); day 0 is located
    by one search per ticker, same-ticker overlaps and duplicates come from one sort of ``(ticker, day
    0)``, and the window coverage of every ticker's sessions from one cumulative sum. Returns, regressors
    and factors are computed only on the positions some event reads (with the same arithmetic as
    :meth:`~dealstudy.study.inputs.PriceInputs.ticker` and ``regressor`` per ticker). Each event's days are
    then copied as one block from a sliding-window view, in blocks of events on
    :func:`~dealstudy._parallel.map_blocks`' threads (each block writing its own rows).
    """
    n = len(ev)
    est_lo, est_hi = spec.estimation
    wlo, whi = spec.widest_window
    shown_lo, shown_hi = spec.ar_range
    rel = np.arange(est_lo, spec.last_day + 1, dtype=np.int64)
    k_axis = rel.size
    m = 1 if spec.uses_market else len(spec.benchmarks)
    f = len(factor_cols) + 1 if factor_frame is not None else 0
    nat = np.datetime64("NaT", "ns")
    market_col = ev["market"].to_numpy(dtype=object)
    if spec.uses_market:
        markets = market_col.copy()  # "+".join((market,)) is the market itself
    else:
        markets = np.full(n, "+".join(_regressors(spec, "")), dtype=object)
    is_display = ((rel >= wlo) & (rel <= whi)) | ((rel >= shown_lo) & (rel <= shown_hi))
    ids = ev["event_id"].to_numpy(dtype=object)
    day0_in = ev["day0"].to_numpy(dtype="datetime64[ns]")
    date_in = ev["date"].to_numpy(dtype="datetime64[ns]")
    timing = ev["timing"].to_numpy(dtype=object)
    given_rules = ev["day0_rule"].to_numpy(dtype=object)
    width = whi - wlo

    codes, uniques = pd.factorize(ev["ticker"].to_numpy(dtype=object), sort=False)
    tickers = [str(t) for t in uniques]
    tp = inputs.tickers(tickers)
    t_of = codes.astype(np.int64)
    tstart, tlen = tp.start[t_of], tp.length[t_of]
    has_data = tlen > 0
    given = ~np.isnat(day0_in)
    anchor = np.where(given, day0_in, date_in)
    outcome = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    day0 = anchor.copy()
    last_date = np.full(n, nat, dtype="datetime64[ns]")
    all_dates = tp.ns.view("datetime64[ns]")

    # --- day 0: one search per ticker ---
    p0_of = np.full(n, -1, dtype=np.int64)  # position of day 0 within its ticker's data
    rule = given_rules.copy()  # events of tickers without data keep the given rule
    dv = np.flatnonzero(has_data)
    if dv.size:
        last_date[dv] = all_dates[tstart[dv] + tlen[dv] - 1]
        a = anchor[dv]
        n_t = tlen[dv]
        # first date at or after the anchor: np.searchsorted(dates, anchor, side="left") ticker by ticker
        pos = _search_by_ticker(tp, t_of[dv], a.view(np.int64))
        pos = np.where(np.isnat(a), n_t, pos)  # (as numpy sorts NaT last)
        exact = (pos < n_t) & (all_dates[tstart[dv] + np.minimum(pos, n_t - 1)] == a)
        first_d = all_dates[tstart[dv]]
        last_d = all_dates[tstart[dv] + n_t - 1]
        g = given[dv]
        outside = (a < first_d) | (a > last_d)
        # map_day0's rule on the ticker's own data dates: after the close or on a non-trading day -> the
        # next session (time zones, which need exchange calendars, are the pipeline's: it passes day0 in)
        closed = timing[dv] == "non_trading_day"
        after = ~g & exact & ((timing[dv] == "after_close") | closed)
        pos = pos + after
        code = np.where(g, 0, np.where(after, np.where(closed, 5, 1), np.where(exact, 2, 3)))
        code = np.where(outside & ~g, 4, code)
        rule[dv] = _DAY0_RULES[code]
        keep_rule = g & (given_rules[dv] != "")
        rule[dv[keep_rule]] = given_rules[dv[keep_rule]]
        missing = g & ~exact & ~outside
        beyond = ~g & ~outside & (pos >= n_t)
        bad = outside | missing | beyond
        for j in np.flatnonzero(bad).tolist():
            i = int(dv[j])
            ticker = tickers[t_of[i]]
            text = str(a[j])[:10]
            first, last = str(first_d[j])[:10], str(last_d[j])[:10]
            if outside[j]:
                outcome[i] = "day0_outside_data"
                reason[i] = f"day 0 {text} is outside the price data of {ticker} ({first}..{last})"
            elif missing[j]:
                outcome[i] = "gap_in_event_window"
                reason[i] = f"day 0 {text} is not a session in the price data of {ticker} (a missing day)"
            else:
                outcome[i] = "day0_outside_data"
                reason[i] = f"day 0 after {text} is after the last price of {ticker} ({last})"
        ok = ~bad & ~g
        day0[dv[ok]] = all_dates[tstart[dv[ok]] + pos[ok]]
        p0_of[dv] = np.where(bad, -1, pos)
    for i in np.flatnonzero(~has_data).tolist():
        ticker = tickers[t_of[i]]
        cause = unavailable.get(ticker, _NO_DATA)
        outcome[i] = "no_prices"
        reason[i] = f"no prices for {ticker}: {cause}"

    # --- located events: same-day duplicates, overlaps and window coverage, from one sort ---
    located = np.flatnonzero(p0_of >= 0)
    overlaps = np.full(n, "", dtype=object)
    cover = np.zeros(tp.ns.size, dtype=bool)
    if located.size:
        stride = int(tp.length.max()) + 2 * abs(width) + 2  # windows never reach the next ticker's keys
        key = t_of[located] * stride + p0_of[located]
        order = np.argsort(key, kind="stable")  # by ticker, day 0, then input order
        srows, skey = located[order], key[order]
        same = np.flatnonzero(skey[1:] == skey[:-1]) + 1
        if same.size:
            run_start = np.flatnonzero(np.concatenate([[True], skey[1:] != skey[:-1]]))
            first_of = run_start[np.searchsorted(run_start, same, side="right") - 1]
            for q, f0 in zip(same.tolist(), first_of.tolist(), strict=True):
                i = int(srows[q])
                outcome[i] = "overlapping_event"
                reason[i] = (
                    f"same ticker {tickers[t_of[i]]} and day 0 {str(all_dates[tstart[i] + p0_of[i]])[:10]} "
                    f"as event {ids[srows[f0]]}"
                )
        lo = np.searchsorted(skey, skey - width, side="left")
        hi = np.searchsorted(skey, skey + width, side="right")
        near = np.flatnonzero(hi - lo > 1)
        if near.size:
            sids = [str(x) for x in ids[srows]]
            texts = []
            for j, a0, b0 in zip(near.tolist(), lo[near].tolist(), hi[near].tolist(), strict=True):
                texts.append(";".join(sids[a0:j] + sids[j + 1 : b0]))
            overlaps[srows[near]] = texts
        # coverage of every located event's widest window, for the estimation exclusion
        lp0, ls, ln = p0_of[located], tstart[located], tlen[located]
        up = ls + np.minimum(np.maximum(lp0 + wlo, 0), ln)
        down = ls + np.minimum(np.maximum(lp0 + whi + 1, 0), ln)
        size = tp.ns.size + 1
        counts = np.bincount(up, minlength=size) - np.bincount(down, minlength=size)
        cover = np.cumsum(counts)[: tp.ns.size] > 0

    # --- values on the positions the events read: returns, regressors, factors, coverage ---
    # Each event reads k_axis consecutive positions of the concatenated data (one block copy per event from a
    # sliding-window view of an array padded by k_axis on both sides). Only the positions inside the tickers'
    # data that some event reads are computed; every other position is read only where it is masked.
    lo_x = 1 if spec.scholes_williams else 0  # one more session each side for the adjacent market returns
    ev_lo = tstart + np.maximum(p0_of + est_lo - lo_x, 0)
    ev_hi = tstart + np.minimum(p0_of + spec.last_day + 1 + lo_x, tlen)
    total = tp.ns.size
    need = _union(ev_lo[located], ev_hi[located])
    full_r = _padded(total, k_axis, np.nan)
    full_r[need + k_axis] = _in_chunks(lambda at: inputs.returns_at(tp, at), need)
    full_cover = _padded(total, k_axis, False)
    full_cover[k_axis : k_axis + total] = cover
    del cover
    bstart = tstart.copy()  # where the event's regressor values begin (one copy of the axis per symbol set)
    gathered = np.zeros(n, dtype=bool)
    gathered[located] = True
    if spec.uses_market:
        groups = pd.factorize(market_col[located], sort=True)
        symbol_sets: list[tuple[str, ...]] = [(str(s),) for s in groups[1]]
        group_of = groups[0]
    else:
        symbol_sets = [_regressors(spec, "")]
        group_of = np.zeros(located.size, dtype=np.int64)
    parts: list[tuple[int, IntArray, list[FloatArray]]] = []  # axis copy, positions, values by column
    for g, symbols in enumerate(symbol_sets):
        sub = located[group_of == g]
        at = need if len(symbol_sets) == 1 else _union(ev_lo[sub], ev_hi[sub])
        series = [_in_chunks(functools.partial(inputs.regressor_at, s, tp), at) for s in symbols]
        absent = [s for s, v in zip(symbols, series, strict=True) if v is None]
        if absent:
            cause = "; ".join(f"{s}: {unavailable.get(s, _NO_DATA)}" for s in absent)
            free = sub[outcome[sub] == ""]
            outcome[free] = "no_benchmark"
            reason[free] = f"no prices for benchmark {cause}"
            gathered[sub] = False
            continue
        if m:
            bstart[sub] += len(parts) * total
            parts.append((len(parts), at, [v for v in series if v is not None]))
    full_b = full_lag = full_lead = None
    if parts:
        full_b = _padded(len(parts) * total, k_axis, np.nan, m)
        if spec.scholes_williams:
            full_lag = _padded(len(parts) * total, k_axis, np.nan)
            full_lead = _padded(len(parts) * total, k_axis, np.nan)
        for copy, at, columns in parts:
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
    del parts
    full_f = None
    if factor_frame is not None:
        full_f = _padded(total, k_axis, np.nan, f)
        full_f[need + k_axis] = align_factors(factor_frame, (*factor_cols, "rf"), all_dates[need])

    al = Aligned(
        rel=rel,
        is_est=rel <= est_hi,
        is_event=(rel >= wlo) & (rel <= whi),
        is_display=is_display,
        R=np.empty((n, k_axis)),
        B=np.empty((n, k_axis, m)),
        B_lag=np.empty((n, k_axis if spec.scholes_williams else 0)),
        B_lead=np.empty((n, k_axis if spec.scholes_williams else 0)),
        F=np.empty((n, k_axis, f)),
        dates=np.empty((n, int(is_display.sum())), dtype="datetime64[ns]"),
        inb=np.empty((n, k_axis), dtype=bool),
        excluded=np.empty((n, k_axis), dtype=bool),
        day0=day0,
        day0_rule=rule,
        overlaps=overlaps,
        markets=markets,
        outcome=outcome,
        reason=reason,
        last_date=last_date,
    )
    rows_all = np.flatnonzero(gathered)
    rest = np.flatnonzero(~gathered)
    if rest.size:  # events never gathered: nothing inside the data
        for arr in (al.R, al.B, al.B_lag, al.B_lead, al.F):
            arr[rest] = np.nan
        al.dates[rest] = nat
        al.inb[rest] = False
        al.excluded[rest] = False
    if rows_all.size == 0:
        return al
    disp = np.flatnonzero(is_display)
    contiguous = rows_all.size == n  # every event gathered: blocks are slices (views, no fancy indexing)
    win_first = tstart + p0_of + est_lo + k_axis
    win_first_b = bstart + p0_of + est_lo + k_axis
    col = np.arange(k_axis, dtype=np.int64)
    sliding = np.lib.stride_tricks.sliding_window_view
    win_r = sliding(full_r, k_axis, axis=0)
    win_cover = sliding(full_cover, k_axis, axis=0)
    win_b = sliding(full_b, k_axis, axis=0) if full_b is not None else None
    win_lag = sliding(full_lag, k_axis, axis=0) if full_lag is not None else None
    win_lead = sliding(full_lead, k_axis, axis=0) if full_lead is not None else None
    win_f = sliding(full_f, k_axis, axis=0) if full_f is not None else None

    def gather(lo_row: int) -> None:
        sel: slice | IntArray = (
            slice(lo_row, lo_row + _BLOCK) if contiguous else rows_all[lo_row : lo_row + _BLOCK]
        )
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

    map_blocks(gather, range(0, rows_all.size, _BLOCK))
    return al


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


#: Positions per chunk of :func:`_in_chunks`.
_CHUNK = 1 << 20


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


def _search_by_ticker(tp: TickerPanel, t: IntArray, when: IntArray) -> IntArray:
    """``np.searchsorted(dates of ticker t[j], when[j], side="left")`` for every ``j``, a call per ticker."""
    order = np.argsort(t, kind="stable")
    ts, ws = t[order], when[order]
    cuts = np.flatnonzero(np.concatenate([[True], ts[1:] != ts[:-1], [True]]))
    out = np.empty(t.size, dtype=np.int64)
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        s, n_t = int(tp.start[ts[a]]), int(tp.length[ts[a]])
        out[order[a:b]] = np.searchsorted(tp.ns[s : s + n_t], ws[a:b], side="left")
    return out


#: ``day0_rule`` by code: given, after the close, a session, not a session, outside the data, announced on
#: a non-trading day.
_DAY0_RULES = np.array(
    [
        "day 0 given",
        "after_close: next session",
        "announcement date is a session",
        "not a session: next session",
        "announcement date",
        "non_trading_day: next session",
    ],
    dtype=object,
)

_DAY_NS = 86_400_000_000_000
_NO_DATA = "the price source has no data for it"


@dataclass
class Fitted:
    """Model estimates of the events that reached estimation (internal)."""

    rows: IntArray  # event rows that are ok
    X: FloatArray  # (n_ok, D, k) regressors on the display days (columns where al.is_display holds)
    ar: FloatArray  # (n_ok, K) abnormal returns / residuals (NaN where inputs missing)
    est_mask: BoolArray  # (n_ok, K)
    params: FloatArray  # (n_ok, k)
    xtx_inv: FloatArray  # (n_ok, k, k)
    sigma: FloatArray  # (n_ok,)
    nobs: IntArray  # (n_ok,)
    dof: IntArray  # (n_ok,)
    r_squared: FloatArray  # (n_ok,)
    nobs_all: IntArray  # (N,) estimation observations of every event (0 where never aligned)
    excluded_all: IntArray  # (N,) estimation days excluded as inside other events' windows


def _design(al: Aligned, spec: StudySpec, rows: IntArray | slice) -> tuple[FloatArray, FloatArray]:
    """Regressors ``X`` (n, K, k) and offset (n, K) of the events ``rows``."""
    R = al.R[rows]
    n, k_axis = R.shape
    ones = np.ones((n, k_axis, 1))
    offset = np.zeros((n, k_axis))
    if spec.model == "market_adjusted":
        X = np.empty((n, k_axis, 0))
        offset = al.B[rows][:, :, 0]
    elif spec.model == "constant_mean":
        X = ones
    elif spec.uses_factors:
        F = al.F[rows]
        X = np.concatenate([ones, F[:, :, :-1]], axis=2)
        offset = F[:, :, -1]
    else:
        X = np.concatenate([ones, al.B[rows]], axis=2)
    return X, offset


def row_counts(mask: BoolArray) -> IntArray:
    """``mask.sum(axis=-1)`` as int64, counted in small integers (several times faster than a bool sum)."""
    if mask.shape[-1] < 65_535:
        return np.asarray(mask.view(np.uint8).sum(axis=-1, dtype=np.uint16), dtype=np.int64)
    return np.asarray(mask.sum(axis=-1), dtype=np.int64)


def _blocks(n: int) -> list[slice]:
    """Row blocks of :data:`_BLOCK` events covering ``0..n``."""
    return [slice(lo, lo + _BLOCK) for lo in range(0, n, _BLOCK)]


def _date_text(values: NDArray[np.datetime64]) -> list[str]:
    """``str(value)[:10]`` of each date (``YYYY-MM-DD``, ``NaT``)."""
    return [str(s)[:10] for s in np.datetime_as_string(values.astype("datetime64[ns]"), unit="D").tolist()]


def describe_days(al: Aligned, rows: IntArray, bad: BoolArray) -> list[str]:
    """``+3 (2025-09-19), +4 (2025-09-22)`` per event ``rows[j]`` for the widest-window days where
    ``bad[j]`` (over the columns of ``al.is_event``) holds: at most five days, then ``and n more``."""
    ev_cols = np.flatnonzero(al.is_event)
    disp_pos = np.cumsum(al.is_display) - 1  # display-day index of each axis column
    r, c = np.nonzero(bad)
    first_of_row = np.searchsorted(r, np.arange(rows.size), side="left")
    total = np.bincount(r, minlength=rows.size)
    rank = np.arange(r.size) - first_of_row[r]
    shown = rank < 5
    r, c = r[shown], ev_cols[c[shown]]
    i = rows[r]
    inside = al.inb[i, c]
    day = al.rel[c]
    dates = _date_text(al.dates[i, disp_pos[c]])
    lasts = _date_text(al.last_date[i])
    parts: list[list[str]] = [[] for _ in range(rows.size)]
    for row, d, ins, dt, last in zip(r.tolist(), day.tolist(), inside.tolist(), dates, lasts, strict=True):
        when = dt if ins else ("before the first price" if d < 0 else f"after the last price {last}")
        parts[row].append(f"{d:+d} ({when})")
    out = []
    for p, t in zip(parts, total.tolist(), strict=True):
        more = t - len(p)
        out.append(", ".join(p) + (f" and {more} more" if more > 0 else ""))
    return out


def thin_reasons(al: Aligned, rows: IntArray, spec: StudySpec, need: int, nobs: IntArray) -> list[str]:
    """Why each event ``rows[j]`` has fewer estimation returns (``nobs[j]``) than needed, by cause."""
    excl = al.excluded[rows]
    est = al.is_est[None, :] & ~excl
    inb = al.inb[rows]
    r_ok = np.isfinite(al.R[rows])
    inside = est & inb
    before = row_counts(est & ~inb)
    n_excl = row_counts(excl)
    no_r = row_counts(inside & ~r_ok)
    zero = np.zeros(rows.size, dtype=np.int64)
    no_b = row_counts(inside & r_ok & ~np.isfinite(al.B[rows]).all(axis=2)) if al.B.shape[2] else zero
    no_f = row_counts(inside & r_ok & ~np.isfinite(al.F[rows]).all(axis=2)) if al.F.shape[2] else zero
    window = str(spec.estimation)
    out = []
    for j, i in enumerate(rows.tolist()):
        parts = []
        if before[j]:
            parts.append(f"{before[j]} days before the first price of the ticker")
        if n_excl[j]:
            parts.append(f"{n_excl[j]} inside other event windows of the same ticker")
        if no_r[j]:
            parts.append(f"{no_r[j]} without a ticker return")
        if no_b[j]:
            parts.append(f"{no_b[j]} without a return of benchmark {al.markets[i]}")
        if no_f[j]:
            parts.append(f"{no_f[j]} without factor data")
        if spec.scholes_williams:
            parts.append("Scholes-Williams also needs the market return of the adjacent days")
        detail = f" ({'; '.join(parts)})" if parts else ""
        out.append(f"{nobs[j]} estimation returns in {window}, fewer than the minimum {need}{detail}")
    return out


def _benchmark_short(al: Aligned, spec: StudySpec, rows: IntArray, need: int, nobs: IntArray) -> IntArray:
    """Give ``no_benchmark`` to the thin events whose ticker has enough estimation returns but whose benchmark
    lacks prices on too many of those days (the real cause); return the remaining (thin) rows."""
    if not rows.size or not al.B.shape[2]:
        return rows
    own = al.is_est[None, :] & ~al.excluded[rows] & np.isfinite(al.R[rows])
    if al.F.shape[2]:
        own &= np.isfinite(al.F[rows]).all(axis=2)
    n_own = row_counts(own)
    short = n_own >= need
    window = str(spec.estimation)
    texts = [
        f"benchmark {al.markets[i]} has no price on {n - k} of the {n} estimation days with a ticker return "
        f"in {window}: {k} estimation returns, fewer than the minimum {need}"
        for i, n, k in zip(rows[short].tolist(), n_own[short].tolist(), nobs[short].tolist(), strict=True)
    ]
    _set_many(al, rows[short], "no_benchmark", texts)
    return rows[~short]


def _set_many(al: Aligned, rows: IntArray, code: str, texts: list[str]) -> None:
    """Give the events ``rows`` (none of which has an outcome yet) ``code`` and their reasons."""
    if rows.size:
        al.outcome[rows] = code
        reasons = np.empty(rows.size, dtype=object)
        reasons[:] = texts
        al.reason[rows] = reasons


def estimate(al: Aligned, spec: StudySpec) -> Fitted:
    n_all, k_axis = al.R.shape
    n_est = int(al.is_est.sum())
    est = slice(0, n_est)  # the estimation days are the first columns of the axis
    assert al.is_est[:n_est].all()
    assert not al.is_est[n_est:].any()
    est_mask = np.empty((n_all, k_axis), dtype=bool)
    nobs_all = np.empty(n_all, dtype=np.int64)
    excluded_all = np.empty(n_all, dtype=np.int64)

    def masks(sl: slice) -> None:
        m = np.isfinite(al.R[sl])
        if al.B.shape[2] == 1:
            m &= np.isfinite(al.B[sl, :, 0])
        elif al.B.shape[2]:
            m &= np.isfinite(al.B[sl]).all(axis=2)
        if al.F.shape[2]:
            m &= np.isfinite(al.F[sl]).all(axis=2)
        m &= ~al.excluded[sl]
        m[:, n_est:] = False
        if spec.scholes_williams:
            m &= np.isfinite(al.B_lag[sl]) & np.isfinite(al.B_lead[sl])
        est_mask[sl] = m
        nobs_all[sl] = row_counts(m)
        excluded_all[sl] = row_counts(al.excluded[sl, est])

    map_blocks(masks, _blocks(n_all))
    ev_cols = al.is_event
    wtxt = str(spec.widest_window)
    bad_r_all = ~np.isfinite(al.R[:, ev_cols])
    fail = np.flatnonzero((al.outcome == "") & bad_r_all.any(axis=1))
    _set_many(
        al,
        fail,
        "gap_in_event_window",
        [
            f"no return of the ticker for day(s) {d} of the widest window {wtxt}"
            for d in describe_days(al, fail, bad_r_all[fail])
        ],
    )
    if al.B.shape[2]:
        bad_b_all: BoolArray = ~np.asarray(np.isfinite(al.B[:, ev_cols]).all(axis=2))
        fail = np.flatnonzero((al.outcome == "") & bad_b_all.any(axis=1))
        _set_many(
            al,
            fail,
            "no_benchmark",
            [
                f"benchmark {al.markets[i]} has no price for day(s) {d} of the widest window {wtxt}"
                for i, d in zip(fail.tolist(), describe_days(al, fail, bad_b_all[fail]), strict=True)
            ],
        )
    if al.F.shape[2]:
        bad_f_all: BoolArray = ~np.asarray(np.isfinite(al.F[:, ev_cols]).all(axis=2))
        fail = np.flatnonzero((al.outcome == "") & bad_f_all.any(axis=1))
        _set_many(
            al,
            fail,
            "no_factors",
            [
                f"no factor returns for day(s) {d} of the widest window {wtxt}"
                for d in describe_days(al, fail, bad_f_all[fail])
            ],
        )
    need = max(spec.min_obs, spec.n_params + 1)
    fail = np.flatnonzero((al.outcome == "") & (nobs_all < need))
    fail = _benchmark_short(al, spec, fail, need, nobs_all[fail])
    _set_many(al, fail, "thin_estimation", thin_reasons(al, fail, spec, need, nobs_all[fail]))
    cand = np.flatnonzero(al.outcome == "")
    every = cand.size == n_all
    rows: IntArray | slice = slice(None) if every else cand  # no fancy-index copies when all are candidates
    k = spec.n_params
    mc = est_mask if every else est_mask[cand]
    disp = np.flatnonzero(al.is_display)
    simple = spec.model == "market" or (spec.model == "custom" and len(spec.benchmarks) == 1)
    n_c = cand.size

    def block_rows(sl: slice) -> IntArray | slice:
        return sl if every else cand[sl]

    X: FloatArray = np.empty((0, 0, 0))
    y: FloatArray = np.empty((0, 0))
    ar = np.empty((n_c, k_axis))
    ssr = np.empty(n_c)
    sst = np.empty(n_c)
    nobs = row_counts(mc)
    p0 = np.empty((n_c, k))  # the parameters with NaN as 0 (filled below)
    fused = simple and not spec.scholes_williams  # the ARs of a block right after its fit

    def ar_block(sl: slice) -> None:  # ARs and residual moments of a block of events
        if simple:
            rb = block_rows(sl)
            yb = al.R[rb]
            regressors = al.B[rb, :, 0]
            known = np.isfinite(regressors)
            with np.errstate(invalid="ignore", over="ignore"):  # values where a regressor is missing unused
                fitted = p0[sl, :1] + regressors * p0[sl, 1:]
        else:
            yb = y[sl]
            fitted = np.einsum("ntk,nk->nt", np.nan_to_num(X[sl]), p0[sl]) if k else np.zeros(yb.shape)
            known = np.asarray(np.isfinite(X[sl]).all(axis=2)) if k else np.ones(yb.shape, dtype=bool)
        # NaN wherever R or a regressor is missing (a display day beyond a benchmark's last price must not
        # get R - alpha as its abnormal return)
        ar[sl] = np.where(known, yb - fitted, np.nan)
        m = mc[sl, est]
        resid = np.where(m, ar[sl, est], 0.0)
        ssr[sl] = np.einsum("nt,nt->n", resid, resid)
        with np.errstate(divide="ignore", invalid="ignore"):
            ye = yb[:, est]
            ybar = np.where(m, ye, 0.0).sum(axis=1) / nobs[sl]
            sst[sl] = np.where(m, (ye - ybar[:, None]) ** 2, 0.0).sum(axis=1)

    if simple:  # design [1, x]: closed-form OLS block by block, no (N, K, 2) design nor copies of R, B
        params = np.empty((n_c, 2))
        inv = np.empty((n_c, 2, 2))
        ols_singular = np.empty(n_c, dtype=bool)
        X_disp = np.empty((n_c, disp.size, 2))

        def fit_block(sl: slice) -> None:
            rb = block_rows(sl)
            xb = al.B[rb, :, 0]
            ob = simple_ols(xb[:, est], al.R[rb][:, est], mc[sl, est], with_ssr=False)
            params[sl], inv[sl], ols_singular[sl] = ob.params, ob.xtx_inv, ob.singular
            X_disp[sl, :, 0] = 1.0
            X_disp[sl, :, 1] = xb[:, disp]
            if fused:
                p0[sl] = np.nan_to_num(params[sl])
                ar_block(sl)

        map_blocks(fit_block, _blocks(n_c))
    else:
        X, offset = _design(al, spec, cand)
        y = al.R[cand] - offset
        del offset
        ols = batch_ols(X[:, est], y[:, est], mc[:, est])
        X_disp = X[:, disp]
        params, inv, ols_singular = ols.params, ols.xtx_inv, ols.singular
    if spec.scholes_williams:
        alpha, beta, _ = scholes_williams_beta(
            al.R[rows][:, est],
            al.B[rows][:, est, 0],
            al.B_lag[rows][:, est],
            al.B_lead[rows][:, est],
            mc[:, est],
        )
        params = np.where(ols_singular[:, None], np.nan, np.stack([alpha, beta], axis=1))
    if not fused:
        p0 = np.nan_to_num(params)
        map_blocks(ar_block, _blocks(n_c))
    dof = nobs - k
    denom = dof if spec.sigma_ddof == "model" else nobs
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(ssr / denom)
        r2 = np.where((sst > 0) & (k > 0), 1.0 - ssr / sst, np.nan) if k else np.full(n_c, np.nan)
    singular = ols_singular | ~np.isfinite(params).all(axis=1)
    flat = ~singular & ~(np.isfinite(sigma) & (sigma >= ZERO_SIGMA))
    for q in np.flatnonzero(singular):
        al.set(
            int(cand[q]),
            "zero_variance",
            "a regressor has no variation in the estimation window (X'X is singular)",
        )
    for q in np.flatnonzero(flat):
        al.set(
            int(cand[q]), "zero_variance", f"residual variance is zero over the {nobs[q]} estimation returns"
        )
    keep = ~singular & ~flat
    al.outcome[cand[keep]] = "ok"
    sel: BoolArray | slice = slice(None) if keep.all() else keep
    return Fitted(
        rows=cand[keep],
        X=X_disp[sel],
        ar=_compact(ar, keep),
        est_mask=mc[sel],
        params=params[sel],
        xtx_inv=inv[sel],
        sigma=sigma[sel],
        nobs=nobs[sel],
        dof=dof[sel],
        r_squared=r2[sel],
        nobs_all=nobs_all,
        excluded_all=excluded_all,
    )


def _compact(a: FloatArray, keep: BoolArray) -> FloatArray:
    """``a[keep]`` without a second copy of ``a``: kept rows moved up in place, block by block."""
    idx = np.flatnonzero(keep)
    if idx.size == keep.size:
        return a
    for lo in range(0, idx.size, _BLOCK):  # destination rows never pass the source rows still to move
        a[lo : lo + _BLOCK] = a[idx[lo : lo + _BLOCK]]
    return a[: idx.size]


def panel_windows(spec: StudySpec) -> tuple[Window, ...]:
    """Every single day of the widest window, then the requested windows not already listed."""
    wlo, whi = spec.widest_window
    out = [Window(d, d) for d in range(wlo, whi + 1)]
    out += [w for w in spec.windows if w not in out]
    return tuple(out)


def make_panel(
    al: Aligned, fit: Fitted, spec: StudySpec, groups: NDArray[np.object_]
) -> tuple[EventPanel, FloatArray]:
    """The :class:`EventPanel` of the ok events and the CAR variances of its windows.

    The panel's axis ends with the widest window (days of the display range after it are left out). When
    the axis is the whole of ``fit.ar``'s, the panel's ARs are ``fit.ar`` itself with the days outside the
    estimation sample and the widest window set missing (so ``fit.ar`` must not be read after this)."""
    windows = panel_windows(spec)
    n_ok = fit.rows.size
    k = fit.X.shape[2]
    sig2 = fit.sigma**2
    pe = spec.variance == "prediction_error" and k > 0
    disp_rel = al.rel[al.is_display]
    ev_cols = np.flatnonzero(al.is_event)
    ev_in_disp = al.is_event[al.is_display]
    ev_rel = disp_rel[ev_in_disp]
    axis_len = int((al.rel <= spec.widest_window[1]).sum())  # a prefix of the axis
    in_place = axis_len == fit.ar.shape[1]
    var_ar = np.empty((n_ok, axis_len))
    car_var = np.empty((n_ok, len(windows)))
    ar = fit.ar if in_place else np.empty((n_ok, axis_len))
    # each window's event days as a slice of the event days (a window is a run of consecutive days)
    in_window = [
        slice(int(np.searchsorted(ev_rel, a)), int(np.searchsorted(ev_rel, b, side="right")))
        for a, b in windows
    ]

    def block(sl: slice) -> None:  # rows of one block of events
        s2 = sig2[sl]
        X0 = np.nan_to_num(fit.X[sl][:, ev_in_disp])  # (b, event days, k)
        inv = fit.xtx_inv[sl]
        c = 1.0 + np.einsum("ntk,nkl,ntl->nt", X0, inv, X0) if pe else np.ones((s2.size, ev_cols.size))
        est = al.is_est[None, :axis_len] & fit.est_mask[sl, :axis_len]
        var_ar[sl] = np.where(est, s2[:, None], np.nan)
        var_ar[sl, ev_cols] = s2[:, None] * c  # event days (the prediction-error factor only there)
        for w, (a, b) in enumerate(windows):
            q = np.zeros(s2.size)
            if pe:
                sw = X0[:, in_window[w]].sum(axis=1)
                q = np.einsum("nk,nkl,nl->n", sw, inv, sw)
            car_var[sl, w] = s2 * (b - a + 1 + q)
        hidden = ~(al.is_event[None, :axis_len] | est)
        if in_place:
            np.copyto(ar[sl], np.nan, where=hidden)
        else:
            ar[sl] = np.where(hidden, np.nan, fit.ar[sl, :axis_len])

    map_blocks(block, _blocks(n_ok))
    axis = slice(0, axis_len)
    panel = EventPanel(
        rel_days=al.rel[axis].copy(),
        ar=ar,
        var_ar=var_ar,
        sigma=fit.sigma.copy(),
        nobs=fit.nobs.copy(),
        dof=fit.dof.copy(),
        is_estimation=al.is_est[axis].copy(),
        is_event=al.is_event[axis].copy(),
        windows=windows,
        car_var=car_var,
        groups=groups,
    )
    return panel, car_var


def display_variances(
    al: Aligned, fit: Fitted, spec: StudySpec
) -> tuple[IntArray, FloatArray, FloatArray, FloatArray]:
    """The display days' columns, ARs, AR variances and variances of the ARs' running sum (internal).

    Returns ``cols`` (axis columns of the display days, ascending), then ``ar``, ``var_ar`` and
    ``var_cum_ar``, each ``(n_ok, len(cols))``, NaN where the AR is missing. ``var_cum_ar[:, j]`` is the
    variance under the null of the sum of the event's ARs on the display days up to ``cols[j]`` that have
    one: with ``L`` such days and ``s`` the sum of their regressor vectors, ``sigma^2 (L + s' (X'X)^{-1} s)``
    (prediction-error variance) or ``L sigma^2``: the formula of a window's CAR variance, so the two agree
    for a window that starts on the first display day.
    """
    cols = np.flatnonzero(al.is_display).astype(np.int64)
    n_ok = fit.ar.shape[0]
    k = fit.X.shape[2]
    pe = spec.variance == "prediction_error" and k > 0
    ar = np.empty((n_ok, cols.size))
    var_ar = np.empty((n_ok, cols.size))
    var_cum = np.empty((n_ok, cols.size))

    def block(sl: slice) -> None:  # rows of one block of events
        a = fit.ar[sl][:, cols]
        ar[sl] = a
        sig2 = fit.sigma[sl, None] ** 2
        shown = np.isfinite(a)
        count = np.cumsum(shown, axis=1)
        if pe:
            X0 = np.where(shown[:, :, None], np.nan_to_num(fit.X[sl]), 0.0)  # fit.X is on the display days
            inv = fit.xtx_inv[sl]
            c = 1.0 + np.einsum("ntk,nkl,ntl->nt", X0, inv, X0)
            s = np.cumsum(X0, axis=1)
            q = np.einsum("ntk,nkl,ntl->nt", s, inv, s)
        else:
            c = np.ones(a.shape)
            q = np.zeros(a.shape)
        var_ar[sl] = np.where(shown, sig2 * c, np.nan)
        var_cum[sl] = np.where(shown, sig2 * (count + q), np.nan)

    map_blocks(block, _blocks(n_ok))
    return cols, ar, var_ar, var_cum
