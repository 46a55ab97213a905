"""Outcomes decided before the models are fitted: a day of the widest window without a return of the
ticker, a benchmark or the factors, and too few estimation returns (with the cause, by count)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from dealstudy.study.aligned import Aligned, BoolArray, IntArray, row_counts, set_many
from dealstudy.study.spec import StudySpec

__all__ = ["describe_days", "screen_estimation", "screen_event_windows", "thin_reasons"]


def screen_event_windows(al: Aligned, spec: StudySpec) -> None:
    """Give ``gap_in_event_window``, ``no_benchmark`` or ``no_factors`` to the events still without an
    outcome that miss a ticker return, a benchmark return or the factors on a day of the widest window."""
    ev_cols = al.is_event
    wtxt = str(spec.widest_window)
    _give_missing(
        al,
        ~np.isfinite(al.R[:, ev_cols]),
        "gap_in_event_window",
        lambda i, d: f"no return of the ticker for day(s) {d} of the widest window {wtxt}",
    )
    if al.B.shape[2]:
        _give_missing(
            al,
            ~np.asarray(np.isfinite(al.B[:, ev_cols]).all(axis=2)),
            "no_benchmark",
            lambda i, d: f"benchmark {al.markets[i]} has no price for day(s) {d} of the widest window {wtxt}",
        )
    if al.F.shape[2]:
        _give_missing(
            al,
            ~np.asarray(np.isfinite(al.F[:, ev_cols]).all(axis=2)),
            "no_factors",
            lambda i, d: f"no factor returns for day(s) {d} of the widest window {wtxt}",
        )


def _give_missing(al: Aligned, bad: BoolArray, code: str, text: Callable[[int, str], str]) -> None:
    """Give ``code`` to the events still without an outcome with a ``bad`` day of the widest window (over
    the columns of ``al.is_event``), the reason ``text(event, days)`` naming the days."""
    fail = np.flatnonzero((al.outcome == "") & bad.any(axis=1))
    days = describe_days(al, fail, bad[fail])
    set_many(al, fail, code, [text(i, d) for i, d in zip(fail.tolist(), days, strict=True)])


def screen_estimation(al: Aligned, spec: StudySpec, nobs_all: IntArray) -> None:
    """Give the events still without an outcome that have fewer than ``max(min_obs, n_params + 1)``
    estimation returns (``nobs_all``) ``no_benchmark`` (the benchmark lacks the prices) or
    ``thin_estimation``, with the count of missing days by cause."""
    need = max(spec.min_obs, spec.n_params + 1)
    fail = np.flatnonzero((al.outcome == "") & (nobs_all < need))
    fail = _benchmark_short(al, spec, fail, need, nobs_all[fail])
    set_many(al, fail, "thin_estimation", thin_reasons(al, fail, spec, need, nobs_all[fail]))


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
    columns = (nobs, before, n_excl, no_r, no_b, no_f)
    counts = zip(*(c.tolist() for c in columns), strict=True)  # Python ints: no NumPy scalar per element
    markets = al.markets[rows].tolist()
    for (n_j, before_j, excl_j, no_r_j, no_b_j, no_f_j), market in zip(counts, markets, strict=True):
        parts = []
        if before_j:
            parts.append(f"{before_j} days before the first price of the ticker")
        if excl_j:
            parts.append(f"{excl_j} inside other event windows of the same ticker")
        if no_r_j:
            parts.append(f"{no_r_j} without a ticker return")
        if no_b_j:
            parts.append(f"{no_b_j} without a return of benchmark {market}")
        if no_f_j:
            parts.append(f"{no_f_j} without factor data")
        if spec.scholes_williams:
            parts.append("Scholes-Williams also needs the market return of the adjacent days")
        detail = f" ({'; '.join(parts)})" if parts else ""
        out.append(f"{n_j} estimation returns in {window}, fewer than the minimum {need}{detail}")
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
    set_many(al, rows[short], "no_benchmark", texts)
    return rows[~short]
