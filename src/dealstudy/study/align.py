"""Align events on trading-day time: day 0 in each ticker's data, then every event's returns, regressors,
factors and estimation exclusions on the common relative-day axis
(:class:`~dealstudy.study.aligned.Aligned`)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from dealstudy.study.aligned import Aligned, BoolArray, IntArray
from dealstudy.study.gather import gather_windows, read_positions, regressor_symbols
from dealstudy.study.inputs import PriceInputs, ReturnInputs
from dealstudy.study.locate import Located, event_rows, locate_day0, same_ticker_neighbours
from dealstudy.study.spec import StudySpec

__all__ = ["align_events"]


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
    outcome = np.full(n, "", dtype=object)
    reason = np.full(n, "", dtype=object)
    er, tp = event_rows(ev, inputs)
    located = locate_day0(ev, tp, er, outcome, reason, unavailable)
    ids = ev["event_id"].to_numpy(dtype=object)
    overlaps, cover = same_ticker_neighbours(ids, tp, er, located.p0, spec.widest_window, outcome, reason)
    market_col = ev["market"].to_numpy(dtype=object)
    factors = (factor_frame, factor_cols) if factor_frame is not None else None
    padded = read_positions(
        spec, inputs, tp, er, located.p0, cover, market_col, factors, unavailable, outcome, reason
    )
    del cover
    if spec.uses_market:
        markets = market_col.copy()  # "+".join((market,)) is the market itself
    else:
        markets = np.full(n, "+".join(regressor_symbols(spec, "")), dtype=object)
    al = _empty_aligned(spec, n, len(factor_cols) + 1 if factor_frame is not None else 0, located)
    al.overlaps, al.markets, al.outcome, al.reason = overlaps, markets, outcome, reason
    _fill_not_gathered(al, np.flatnonzero(~padded.gathered))
    if padded.gathered.any():
        gather_windows(al, padded, tp, er, located.p0, spec.estimation[0])
    return al


def _empty_aligned(spec: StudySpec, n: int, f: int, located: Located) -> Aligned:
    """Step 5 of alignment: the axis, its day masks and uninitialised (events x days) arrays."""
    est_lo, est_hi = spec.estimation
    wlo, whi = spec.widest_window
    shown_lo, shown_hi = spec.ar_range
    rel = np.arange(est_lo, spec.last_day + 1, dtype=np.int64)
    k_axis = rel.size
    m = 1 if spec.uses_market else len(spec.benchmarks)
    is_display: BoolArray = ((rel >= wlo) & (rel <= whi)) | ((rel >= shown_lo) & (rel <= shown_hi))
    empty = np.empty(0, dtype=object)
    return Aligned(
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
        day0=located.day0,
        day0_rule=located.rule,
        overlaps=empty,
        markets=empty,
        outcome=empty,
        reason=empty,
        last_date=located.last_date,
    )


def _fill_not_gathered(al: Aligned, rest: IntArray) -> None:
    """The rows of events never gathered: nothing inside the data."""
    if rest.size:
        for arr in (al.R, al.B, al.B_lag, al.B_lead, al.F):
            arr[rest] = np.nan
        al.dates[rest] = np.datetime64("NaT", "ns")
        al.inb[rest] = False
        al.excluded[rest] = False
