"""The engine's core: align events on trading-day time, estimate every event's model at once, give every
event an outcome, and build the panel of abnormal returns with their variances."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.stats.panel import EventPanel
from dealstudy.study.inputs import PriceInputs, ReturnInputs, align_factors
from dealstudy.study.ols import batch_ols, scholes_williams_beta, simple_ols
from dealstudy.study.spec import StudySpec, format_window

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
_BLOCK = 8192


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
    day0_rule: list[str]
    overlaps: list[str]
    markets: list[str]
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


def _by_regressors(
    spec: StudySpec, market_col: NDArray[np.object_], rows: IntArray
) -> list[tuple[tuple[str, ...], IntArray]]:
    """The events ``rows`` grouped by their regressor symbols, groups in sorted order of the symbols."""
    if not spec.uses_market:
        return [(_regressors(spec, ""), rows)]
    mk = market_col[rows]
    first = str(mk[0])
    if (mk == first).all():  # the usual case: one benchmark for all the ticker's events
        return [(_regressors(spec, first), rows)]
    regs = [_regressors(spec, str(v)) for v in mk]
    return [
        (symbols, rows[np.array([r == symbols for r in regs], dtype=bool)]) for symbols in sorted(set(regs))
    ]


def align_events(
    ev: pd.DataFrame,
    inputs: PriceInputs | ReturnInputs,
    spec: StudySpec,
    factor_frame: pd.DataFrame | None,
    factor_cols: tuple[str, ...],
    unavailable: dict[str, str],
) -> Aligned:
    n = len(ev)
    est_lo, est_hi = spec.estimation
    wlo, whi = spec.widest_window
    shown_lo, shown_hi = spec.ar_range
    rel = np.arange(est_lo, spec.last_day + 1, dtype=np.int64)
    k_axis = rel.size
    m = 1 if spec.uses_market else len(spec.benchmarks)
    f = len(factor_cols) + 1 if factor_frame is not None else 0
    nat = np.datetime64("NaT", "ns")
    markets = ["+".join(_regressors(spec, mk)) for mk in ev["market"].tolist()]
    is_display = ((rel >= wlo) & (rel <= whi)) | ((rel >= shown_lo) & (rel <= shown_hi))
    al = Aligned(
        rel=rel,
        is_est=rel <= est_hi,
        is_event=(rel >= wlo) & (rel <= whi),
        is_display=is_display,
        R=np.full((n, k_axis), np.nan),
        B=np.full((n, k_axis, m), np.nan),
        B_lag=np.full((n, k_axis if spec.scholes_williams else 0), np.nan),
        B_lead=np.full((n, k_axis if spec.scholes_williams else 0), np.nan),
        F=np.full((n, k_axis, f), np.nan),
        dates=np.full((n, int(is_display.sum())), nat, dtype="datetime64[ns]"),
        inb=np.zeros((n, k_axis), dtype=bool),
        excluded=np.zeros((n, k_axis), dtype=bool),
        day0=np.full(n, nat, dtype="datetime64[ns]"),
        day0_rule=[""] * n,
        overlaps=[""] * n,
        markets=markets,
        outcome=np.array([""] * n, dtype=object),
        reason=np.array([""] * n, dtype=object),
        last_date=np.full(n, nat, dtype="datetime64[ns]"),
    )
    ids = ev["event_id"].to_numpy(dtype=object)
    day0_in = ev["day0"].to_numpy(dtype="datetime64[ns]")
    date_in = ev["date"].to_numpy(dtype="datetime64[ns]")
    timing = ev["timing"].to_numpy(dtype=object)
    given_rules = ev["day0_rule"].to_numpy(dtype=object)
    market_col = ev["market"].to_numpy(dtype=object)
    width = whi - wlo

    # Segments: one per (ticker, regressor set), concatenated so that all events are gathered at once.
    seg_r: list[FloatArray] = []
    seg_dates: list[NDArray[np.datetime64]] = []
    seg_cover: list[IntArray] = []
    seg_b: list[FloatArray] = []
    seg_lag: list[FloatArray] = []
    seg_lead: list[FloatArray] = []
    seg_f: list[FloatArray] = []
    seg_of = np.full(n, -1, dtype=np.int64)  # segment of each event
    p0_of = np.full(n, -1, dtype=np.int64)  # position of day 0 within its ticker's data

    for ticker, rows in ev.groupby("ticker", sort=False).indices.items():
        rows = np.asarray(rows, dtype=np.int64)
        data = inputs.ticker(str(ticker))
        if data is None:
            cause = unavailable.get(str(ticker), "the price source has no data for it")
            for i in rows:
                al.day0[i] = day0_in[i] if not np.isnat(day0_in[i]) else date_in[i]
                al.day0_rule[i] = str(given_rules[i])
                al.set(int(i), "no_prices", f"no prices for {ticker}: {cause}")
            continue
        dates = data.dates
        n_t = dates.size
        dvals = dates
        al.last_date[rows] = dvals[-1]
        p0 = _locate_day0(al, rows, str(ticker), dvals, day0_in[rows], date_in[rows], timing[rows])
        for i in rows[(given_rules[rows] != "") & ~np.isnat(day0_in[rows])].tolist():
            al.day0_rule[i] = str(given_rules[i])
        located = p0 >= 0
        # Same ticker, same day 0 as an earlier event: excluded, with a pointer to the first one.
        loc = np.flatnonzero(located)
        if loc.size > 1:
            by_day = loc[np.argsort(p0[loc], kind="stable")]
            again = np.flatnonzero(p0[by_day[1:]] == p0[by_day[:-1]]) + 1
            if again.size:
                firsts = np.flatnonzero(np.concatenate([[True], p0[by_day[1:]] != p0[by_day[:-1]]]))
                first_of = firsts[np.searchsorted(firsts, again, side="right") - 1]
                for q, f0 in zip(again.tolist(), first_of.tolist(), strict=True):
                    j = int(by_day[q])
                    al.set(
                        int(rows[j]),
                        "overlapping_event",
                        f"same ticker {ticker} and day 0 {str(dvals[p0[j]])[:10]} "
                        f"as event {ids[rows[by_day[f0]]]}",
                    )
        lrows, lp0 = rows[located], p0[located]
        if lrows.size == 0:
            continue
        p0_of[lrows] = lp0
        # Coverage of every located event's widest window, for the estimation exclusion.
        diff = np.zeros(n_t + 1, dtype=np.int64)
        np.add.at(diff, np.minimum(np.maximum(lp0 + wlo, 0), n_t), 1)
        np.add.at(diff, np.minimum(np.maximum(lp0 + whi + 1, 0), n_t), -1)
        cover = np.cumsum(diff)[:n_t]
        if lrows.size > 1:
            order = np.argsort(lp0, kind="stable")
            sp0 = lp0[order]
            lo = np.searchsorted(sp0, lp0 - width, side="left")
            hi = np.searchsorted(sp0, lp0 + width, side="right")
            for jj in np.flatnonzero(hi - lo > 1):
                others = [str(ids[lrows[order[q]]]) for q in range(lo[jj], hi[jj]) if order[q] != jj]
                al.overlaps[lrows[jj]] = ";".join(others)
        fa = align_factors(factor_frame, (*factor_cols, "rf"), dates) if factor_frame is not None else None
        for symbols, sub in _by_regressors(spec, market_col, lrows):
            series = [inputs.regressor(s, dates) for s in symbols]
            missing = [s for s, v in zip(symbols, series, strict=True) if v is None]
            if missing:
                cause = "; ".join(
                    f"{s}: {unavailable.get(s, 'the price source has no data for it')}" for s in missing
                )
                for i in sub:
                    al.set(int(i), "no_benchmark", f"no prices for benchmark {cause}")
                continue
            seg_of[sub] = len(seg_r)
            seg_r.append(data.returns)
            seg_dates.append(dvals)
            seg_cover.append(cover)
            b = np.empty((n_t, m))
            for c, values in enumerate(series):
                assert values is not None
                b[:, c] = values
            seg_b.append(b)
            if spec.scholes_williams:
                first = b[:, 0]
                seg_lag.append(np.concatenate([[np.nan], first[:-1]]))
                seg_lead.append(np.concatenate([first[1:], [np.nan]]))
            if fa is not None:
                seg_f.append(fa)

    rows_all = np.flatnonzero(seg_of >= 0)
    if rows_all.size == 0:
        return al
    lengths = np.array([r.size for r in seg_r], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    all_r = np.concatenate(seg_r)
    all_dates = np.concatenate(seg_dates)
    all_cover = np.concatenate(seg_cover)
    all_b = np.concatenate(seg_b) if m else None
    all_lag = np.concatenate(seg_lag) if spec.scholes_williams else None
    all_lead = np.concatenate(seg_lead) if spec.scholes_williams else None
    all_f = np.concatenate(seg_f) if seg_f else None
    disp = np.flatnonzero(is_display)
    for lo_row in range(0, rows_all.size, _BLOCK):  # gather in blocks of events: small temporaries
        rows_b = rows_all[lo_row : lo_row + _BLOCK]
        seg = seg_of[rows_b]
        local = p0_of[rows_b][:, None] + rel[None, :]
        inb = (local >= 0) & (local < lengths[seg][:, None])
        flat = starts[seg][:, None] + np.where(inb, local, 0)
        del local
        al.inb[rows_b] = inb
        al.R[rows_b] = np.where(inb, all_r[flat], np.nan)
        al.dates[rows_b] = np.where(inb[:, disp], all_dates[flat[:, disp]], nat)
        al.excluded[rows_b] = inb & al.is_est[None, :] & (all_cover[flat] > 0)
        if all_b is not None:
            al.B[rows_b] = np.where(inb[:, :, None], all_b[flat], np.nan)
        if all_lag is not None and all_lead is not None:
            al.B_lag[rows_b] = np.where(inb, all_lag[flat], np.nan)
            al.B_lead[rows_b] = np.where(inb, all_lead[flat], np.nan)
        if all_f is not None:
            al.F[rows_b] = np.where(inb[:, :, None], all_f[flat], np.nan)
    return al


def _locate_day0(
    al: Aligned,
    rows: IntArray,
    ticker: str,
    dvals: NDArray[np.datetime64],
    day0: NDArray[np.datetime64],
    date: NDArray[np.datetime64],
    timing: NDArray[np.object_],
) -> IntArray:
    """Positions of day 0 in the ticker's dates (``-1`` with an outcome set where there is none).

    ``day0`` given: it must be a date of the data. Else from ``date``: that date if it is a date of the data
    and ``timing`` is not ``after_close``, otherwise the next date of the data.
    """
    n_t = dvals.size
    first, last = str(dvals[0])[:10], str(dvals[-1])[:10]
    given = ~np.isnat(day0)
    anchor = np.where(given, day0, date)
    al.day0[rows] = anchor
    pos = np.searchsorted(dvals, anchor, side="left").astype(np.int64)
    exact = (pos < n_t) & (dvals[np.minimum(pos, n_t - 1)] == anchor)
    outside = (anchor < dvals[0]) | (anchor > dvals[-1])
    after = ~given & exact & (timing == "after_close")
    pos = pos + after
    rule = np.where(
        given,
        "day 0 given",
        np.where(
            after,
            "after_close: next session",
            np.where(exact, "announcement date is a session", "not a session: next session"),
        ),
    )
    rule = np.where(outside & ~given, "announcement date", rule)
    missing = given & ~exact & ~outside
    beyond = ~given & ~outside & (pos >= n_t)
    for j, i in enumerate(rows.tolist()):
        al.day0_rule[i] = str(rule[j])
    for j in np.flatnonzero(outside | missing | beyond).tolist():
        i = int(rows[j])
        text = str(anchor[j])[:10]
        if outside[j]:
            al.set(
                i,
                "day0_outside_data",
                f"day 0 {text} is outside the price data of {ticker} ({first}..{last})",
            )
        elif missing[j]:
            al.set(
                i,
                "gap_in_event_window",
                f"day 0 {text} is not a session in the price data of {ticker} (a missing day)",
            )
        else:
            al.set(i, "day0_outside_data", f"day 0 after {text} is after the last price of {ticker} ({last})")
    bad = outside | missing | beyond
    ok = ~bad & ~given
    al.day0[rows[ok]] = dvals[pos[ok]]
    return np.where(bad, -1, pos)


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


def _available(al: Aligned) -> BoolArray:
    """Days (N, K) with the ticker's return and every regressor."""
    avail = np.isfinite(al.R)
    if al.B.shape[2]:
        avail &= np.isfinite(al.B).all(axis=2)
    if al.F.shape[2]:
        avail &= np.isfinite(al.F).all(axis=2)
    return avail


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


def _describe_days(al: Aligned, i: int, bad: BoolArray) -> str:
    """``+3 (2025-09-19), +4 (2025-09-22)`` for the event days where ``bad`` holds (at most five)."""
    parts = []
    for c in np.flatnonzero(bad)[:5]:
        day = int(al.rel[c])
        when = (
            str(al.dates[i, int(np.count_nonzero(al.is_display[:c]))])[:10]
            if al.inb[i, c]
            else f"after the last price {str(al.last_date[i])[:10]}"
        )
        if not al.inb[i, c] and day < 0:
            when = "before the first price"
        parts.append(f"{day:+d} ({when})")
    more = int(bad.sum()) - len(parts)
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def estimate(al: Aligned, spec: StudySpec) -> Fitted:
    avail = _available(al)
    ev_cols = al.is_event
    est_mask = al.is_est[None, :] & avail & ~al.excluded
    if spec.scholes_williams:
        est_mask &= np.isfinite(al.B_lag) & np.isfinite(al.B_lead)
    nobs_all = est_mask.sum(axis=1).astype(np.int64)
    excluded_all = (al.excluded & al.is_est[None, :]).sum(axis=1).astype(np.int64)
    wtxt = format_window(spec.widest_window)
    pending = al.outcome == ""
    bad_r_all = ~np.isfinite(al.R[:, ev_cols])
    for i in np.flatnonzero(pending & bad_r_all.any(axis=1)):
        al.set(
            int(i),
            "gap_in_event_window",
            f"no return of the ticker for day(s) {_describe_days(al, int(i), _full(ev_cols, bad_r_all[i]))} "
            f"of the widest window {wtxt}",
        )
    if al.B.shape[2]:
        bad_b_all: BoolArray = ~np.asarray(np.isfinite(al.B[:, ev_cols]).all(axis=2))
        for i in np.flatnonzero((al.outcome == "") & bad_b_all.any(axis=1)):
            al.set(
                int(i),
                "no_benchmark",
                f"benchmark {al.markets[i]} has no price for day(s) "
                f"{_describe_days(al, int(i), _full(ev_cols, bad_b_all[i]))} of the widest window {wtxt}",
            )
    if al.F.shape[2]:
        bad_f_all: BoolArray = ~np.asarray(np.isfinite(al.F[:, ev_cols]).all(axis=2))
        for i in np.flatnonzero((al.outcome == "") & bad_f_all.any(axis=1)):
            al.set(
                int(i),
                "no_factors",
                f"no factor returns for day(s) {_describe_days(al, int(i), _full(ev_cols, bad_f_all[i]))} "
                f"of the widest window {wtxt}",
            )
    need = max(spec.min_obs, spec.n_params + 1)
    for i in np.flatnonzero((al.outcome == "") & (nobs_all < need)):
        al.set(int(i), "thin_estimation", _thin_reason(al, int(i), spec, need, int(nobs_all[i])))
    cand = np.flatnonzero(al.outcome == "")
    every = cand.size == al.R.shape[0]
    rows: IntArray | slice = slice(None) if every else cand  # no fancy-index copies when all are candidates
    k = spec.n_params
    n_est = int(al.is_est.sum())
    est = slice(0, n_est)  # the estimation days are the first columns of the axis
    assert al.is_est[:n_est].all()
    assert not al.is_est[n_est:].any()
    mc = est_mask[rows]
    disp = np.flatnonzero(al.is_display)
    simple = spec.model == "market" or (spec.model == "custom" and len(spec.benchmarks) == 1)
    n_c = cand.size

    def block_rows(sl: slice) -> IntArray | slice:
        return sl if every else cand[sl]

    if simple:  # design [1, x]: closed-form OLS block by block, no (N, K, 2) design nor copies of R, B
        params = np.empty((n_c, 2))
        inv = np.empty((n_c, 2, 2))
        ols_singular = np.empty(n_c, dtype=bool)
        X_disp = np.ones((n_c, disp.size, 2))
        for lo in range(0, n_c, _BLOCK):
            sl = slice(lo, lo + _BLOCK)
            rb = block_rows(sl)
            xb = al.B[rb, :, 0]
            ob = simple_ols(xb[:, est], al.R[rb][:, est], mc[sl, est])
            params[sl], inv[sl], ols_singular[sl] = ob.params, ob.xtx_inv, ob.singular
            X_disp[sl, :, 1] = xb[:, disp]
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
    p0 = np.nan_to_num(params)
    ar = np.empty((n_c, al.R.shape[1]))
    ssr = np.empty(cand.size)
    sst = np.empty(cand.size)
    nobs = mc.sum(axis=1).astype(np.int64)
    for lo in range(0, cand.size, _BLOCK):  # ARs and residual moments block by block
        sl = slice(lo, lo + _BLOCK)
        if simple:
            rb = block_rows(sl)
            yb = al.R[rb]
            regressors = al.B[rb, :, 0]
            fitted = p0[sl, :1] + np.nan_to_num(regressors) * p0[sl, 1:]
            known = np.isfinite(regressors)
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
    dof = nobs - k
    denom = dof if spec.sigma_ddof == "model" else nobs
    with np.errstate(divide="ignore", invalid="ignore"):
        sigma = np.sqrt(ssr / denom)
        r2 = np.where((sst > 0) & (k > 0), 1.0 - ssr / sst, np.nan) if k else np.full(cand.size, np.nan)
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


def _thin_reason(al: Aligned, i: int, spec: StudySpec, need: int, nobs: int) -> str:
    """Why event ``i`` has fewer estimation returns than needed, day counts by cause."""
    est = al.is_est & ~al.excluded[i]
    parts = []
    before = int((est & ~al.inb[i]).sum())
    if before:
        parts.append(f"{before} days before the first price of the ticker")
    if int(al.excluded[i].sum()):
        parts.append(f"{int(al.excluded[i].sum())} inside other event windows of the same ticker")
    inside = est & al.inb[i]
    no_r = int((inside & ~np.isfinite(al.R[i])).sum())
    if no_r:
        parts.append(f"{no_r} without a ticker return")
    if al.B.shape[2]:
        no_b = int((inside & np.isfinite(al.R[i]) & ~np.isfinite(al.B[i]).all(axis=1)).sum())
        if no_b:
            parts.append(f"{no_b} without a return of benchmark {al.markets[i]}")
    if al.F.shape[2]:
        no_f = int((inside & np.isfinite(al.R[i]) & ~np.isfinite(al.F[i]).all(axis=1)).sum())
        if no_f:
            parts.append(f"{no_f} without factor data")
    if spec.scholes_williams:
        parts.append("Scholes-Williams also needs the market return of the adjacent days")
    detail = f" ({'; '.join(parts)})" if parts else ""
    window = format_window(spec.estimation)
    return f"{nobs} estimation returns in {window}, fewer than the minimum {need}{detail}"


def _full(cols: BoolArray, sub: BoolArray) -> BoolArray:
    """Expand a mask over the columns where ``cols`` holds to a mask over the whole axis."""
    out = np.zeros(cols.size, dtype=bool)
    out[np.flatnonzero(cols)] = sub
    return out


def panel_windows(spec: StudySpec) -> tuple[tuple[int, int], ...]:
    """Every single day of the widest window, then the requested windows not already listed."""
    wlo, whi = spec.widest_window
    out = [(d, d) for d in range(wlo, whi + 1)]
    out += [w for w in spec.windows if w not in out]
    return tuple(out)


def make_panel(
    al: Aligned, fit: Fitted, spec: StudySpec, groups: NDArray[np.object_]
) -> tuple[EventPanel, FloatArray, FloatArray]:
    """The :class:`EventPanel` of the ok events, plus ``var_ar`` on the event days and the CAR variances.

    The panel's axis ends with the widest window (days of the display range after it are left out)."""
    windows = panel_windows(spec)
    n_ok = fit.rows.size
    k = fit.X.shape[2]
    sig2 = fit.sigma**2
    pe = spec.variance == "prediction_error" and k > 0
    disp_rel = al.rel[al.is_display]
    ev_cols = np.flatnonzero(al.is_event)
    X0 = np.nan_to_num(fit.X[:, al.is_event[al.is_display]])  # (n_ok, event days, k)
    c = 1.0 + np.einsum("ntk,nkl,ntl->nt", X0, fit.xtx_inv, X0) if pe else np.ones((n_ok, ev_cols.size))
    est = al.is_est[None, :] & fit.est_mask
    var_ar = np.where(est, sig2[:, None], np.nan)
    var_ar[:, ev_cols] = sig2[:, None] * c  # event days (the prediction-error factor only there)
    car_var = np.empty((n_ok, len(windows)))
    ev_rel = disp_rel[al.is_event[al.is_display]]
    for w, (a, b) in enumerate(windows):
        length = b - a + 1
        q = np.zeros(n_ok)
        if pe:
            s = X0[:, (ev_rel >= a) & (ev_rel <= b)].sum(axis=1)
            q = np.einsum("nk,nkl,nl->n", s, fit.xtx_inv, s)
        car_var[:, w] = sig2 * (length + q)
    axis = slice(0, int((al.rel <= spec.widest_window[1]).sum()))  # a prefix of the axis
    shown = al.is_event[None, axis] | est[:, axis]
    panel = EventPanel(
        rel_days=al.rel[axis].copy(),
        ar=np.where(shown, fit.ar[:, axis], np.nan),
        var_ar=var_ar[:, axis],
        sigma=fit.sigma.copy(),
        nobs=fit.nobs.copy(),
        dof=fit.dof.copy(),
        is_estimation=al.is_est[axis].copy(),
        is_event=al.is_event[axis].copy(),
        windows=windows,
        car_var=car_var,
        groups=groups,
    )
    return panel, var_ar, car_var


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
    ar = fit.ar[:, cols]
    k = fit.X.shape[2]
    sig2 = fit.sigma[:, None] ** 2
    shown = np.isfinite(ar)
    count = np.cumsum(shown, axis=1)
    if spec.variance == "prediction_error" and k > 0:
        X0 = np.where(shown[:, :, None], np.nan_to_num(fit.X), 0.0)  # fit.X is on the display days
        c = 1.0 + np.einsum("ntk,nkl,ntl->nt", X0, fit.xtx_inv, X0)
        s = np.cumsum(X0, axis=1)
        q = np.einsum("ntk,nkl,ntl->nt", s, fit.xtx_inv, s)
    else:
        c = np.ones(ar.shape)
        q = np.zeros(ar.shape)
    var_ar = np.where(shown, sig2 * c, np.nan)
    var_cum = np.where(shown, sig2 * (count + q), np.nan)
    return cols, ar, var_ar, var_cum
