"""Turn the engine's arrays into the result tables (outcomes, abnormal returns, CARs) and the panel."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from scipy import special

from dealstudy._parallel import map_blocks
from dealstudy.stats.panel import EventPanel
from dealstudy.study.aligned import Aligned, BoolArray, FloatArray, IntArray, row_counts
from dealstudy.study.estimate import Fitted
from dealstudy.study.panel import display_variances, make_panel
from dealstudy.study.results import AR_COLUMNS, CAR_COLUMNS, OUTCOME_COLUMNS, StudyResults
from dealstudy.study.spec import FACTOR_COLUMNS, StudySpec

__all__ = ["build_results", "param_names", "sq_pvalues"]

#: Events per thread task in :func:`sq_pvalues`, and per sub-block inside it (kept small for the cache).
_BLOCK = 8192
_SUB = 512
#: A column of event ids or tickers, its type inferred once per event.
Column = pd.api.extensions.ExtensionArray

#: Events per block of t p-values.
_P_BLOCK = 16384


def param_names(spec: StudySpec) -> tuple[str, ...]:
    """Names of the estimated parameters, in the order of the design matrix."""
    if spec.model == "market_adjusted":
        return ()
    if spec.model == "constant_mean":
        return ("alpha",)
    if spec.model == "market":
        return ("alpha", "beta")
    if spec.model == "custom":
        return ("alpha", *(f"beta_{b}" for b in spec.benchmarks))
    return ("alpha", *(f"beta_{f}" for f in FACTOR_COLUMNS[spec.model]))


def sq_pvalues(car: FloatArray, residuals: FloatArray, length: int) -> FloatArray:
    """Sample-quantile (SQ) p-values of many events at once: :func:`dealstudy.stats.single.sq_test`,
    vectorised.

    Parameters
    ----------
    car : (N,)
        Event CARs over ``length`` days.
    residuals : (N, T)
        Estimation residuals in time order, NaN where missing or excluded.
    length : int

    Notes
    -----
    As in ``sq_test``: the null distribution of event ``i`` is the ``M_i`` sums ``S_j`` of ``length``
    consecutive residuals (windows touching a NaN dropped); ``p = min(1, 2 min(#{S_j <= CAR},
    #{S_j >= CAR}) / M_i)``; NaN when ``M_i`` is below ``SQ_MIN_ESTIMATION_CARS`` or the CAR is missing.

    References
    ----------
    Gelbach, J. B., Helland, E. and Klick, J. (2013). Valid inference in single-firm, single-event
    studies. *American Law and Economics Review* 15(2), 495-541.
    """
    res = np.asarray(residuals, dtype=np.float64)
    cars = np.asarray(car, dtype=np.float64)[None, :]
    out: FloatArray = _sq_pvalues(cars, np.array([length]), res, np.isfinite(res))[0]
    return out


def _sq_pvalues(cars: FloatArray, lengths: IntArray, residuals: FloatArray, used: BoolArray) -> FloatArray:
    """:func:`sq_pvalues` of several windows at once: CARs ``cars`` (W, N) over ``lengths`` (W,) days.

    The residuals are ``residuals`` (N, T) where ``used`` holds and missing elsewhere (no (N, T) copy).
    The null sums of every length come from one sequential pass (after adding the ``L``-th residual the
    running sums are those of length ``L``, added in the same order as :func:`sq_pvalues` adds them).
    """

    n, t = residuals.shape
    out = np.full(cars.shape, np.nan)
    if n == 0:
        return out
    longest = min(int(lengths.max()), t) if lengths.size else 0

    def chunk(rows: slice) -> None:  # own rows written; small sub-blocks stay in the CPU cache
        for lo in range(rows.start, min(rows.stop, n), _SUB):
            _sq_block(cars, lengths, residuals, used, slice(lo, min(lo + _SUB, n)), longest, out)

    map_blocks(chunk, [slice(lo, lo + _BLOCK) for lo in range(0, n, _BLOCK)])
    return out


def _sq_block(
    cars: FloatArray,
    lengths: IntArray,
    residuals: FloatArray,
    used: BoolArray,
    sl: slice,
    longest: int,
    out: FloatArray,
) -> None:
    """SQ p-values of the events ``sl`` into ``out[:, sl]``, days along the first axis (time-major)."""
    from dealstudy.stats.single import SQ_MIN_ESTIMATION_CARS

    t = residuals.shape[1]
    res = residuals[sl]
    valid = used[sl] & np.isfinite(res)  # masked along the events' rows, then made time-major
    b = valid.shape[0]
    filled = np.where(valid, res, 0.0).T.copy()
    missing = (~valid).T.copy().view(np.uint8)
    del valid
    sums = np.zeros((t, b))
    gaps = np.zeros((t, b), dtype=np.uint16 if longest < 65_535 else np.int64)  # missing days per window
    below = np.empty((t, b), dtype=bool)
    for j in range(longest):  # sequential sums, as a sliding window would add them
        sums[: t - j] += filled[j:]
        gaps[: t - j] += missing[j:]
        length = j + 1
        m_windows = t - length + 1
        which = np.flatnonzero(lengths == length)
        if which.size == 0:
            continue
        complete = gaps[:m_windows] == 0  # no missing residual in the window
        m = row_counts(complete.T)
        part, flags = sums[:m_windows], below[:m_windows]
        for w in which.tolist():
            c = cars[w, sl]
            np.less_equal(part, c[None, :], out=flags)
            flags &= complete  # incomplete windows never count
            lower = row_counts(flags.T)
            np.greater_equal(part, c[None, :], out=flags)
            flags &= complete
            upper = row_counts(flags.T)
            with np.errstate(divide="ignore", invalid="ignore"):
                p = np.minimum(1.0, 2.0 * np.minimum(lower, upper) / m)
            ok = (m >= SQ_MIN_ESTIMATION_CARS) & np.isfinite(c)
            out[w, sl] = np.where(ok, p, np.nan)


def build_results(spec: StudySpec, ev: pd.DataFrame, al: Aligned, fit: Fitted) -> StudyResults:
    """Assemble :class:`StudyResults` from the aligned events and the fitted models."""
    rows = fit.rows
    groups = ev["group"].to_numpy(dtype=object)[rows]
    out = _outcomes_table(spec, ev, al, fit)
    # the events' own columns (their text dtype inferred once, by normalise_events), at the ok rows
    id_col, ticker_col = ev["event_id"].array.take(rows), ev["ticker"].array.take(rows)
    ids, tickers = id_col.to_numpy(dtype=object), ticker_col.to_numpy(dtype=object)
    ars = _ar_table(spec, al, fit, id_col, ticker_col)
    # the panel last but the CARs: it may take fit.ar's memory, masked (display days read above)
    panel, car_var = make_panel(al, fit, spec, np.asarray(groups, dtype=object))
    columns, sq_of = _car_columns(spec, al, fit, car_var, panel)
    cars = _cars_table(spec, fit, columns, sq_of, (ids, tickers), (id_col, ticker_col))
    assert tuple(out.columns[: len(OUTCOME_COLUMNS)]) == OUTCOME_COLUMNS
    assert tuple(ars.columns[: len(AR_COLUMNS)]) == AR_COLUMNS
    return StudyResults(
        spec=spec,
        outcomes=out,
        abnormal_returns=ars,
        cars=cars,
        panel=panel,
        panel_event_ids=tuple(map(str, ids.tolist())),
    )


def _outcomes_table(spec: StudySpec, ev: pd.DataFrame, al: Aligned, fit: Fitted) -> pd.DataFrame:
    """The outcomes table: every event with its outcome, reason, estimation sample and parameters."""
    n = len(ev)
    rows = fit.rows
    names = param_names(spec)
    out = pd.DataFrame(
        {
            "event_id": ev["event_id"].array,  # already of the dtype inferred from the texts
            "ticker": ev["ticker"].array,
            "day0": pd.DatetimeIndex(al.day0),
            "outcome": al.outcome.astype(object),
            "reason": al.reason.astype(object),
            "estimation_obs": fit.nobs_all,
            "alpha": np.nan,
            "beta": np.nan,
            "sigma": np.nan,
            "r_squared": np.nan,
        }
    )
    params = np.full((n, len(names)), np.nan)
    params[rows] = fit.params
    if spec.model == "market_adjusted":
        out.loc[rows, "alpha"] = 0.0
        out.loc[rows, "beta"] = 1.0
    else:
        out["alpha"] = params[:, 0]
        if len(names) > 1:
            out["beta"] = params[:, 1]
    out.loc[rows, "sigma"] = fit.sigma
    out.loc[rows, "r_squared"] = fit.r_squared
    out["group"] = ev["group"].to_numpy(dtype=object)
    out["market"] = np.asarray(al.markets, dtype=object)
    dof = np.full(n, np.nan)
    dof[rows] = fit.dof
    out["dof"] = dof
    out["estimation_excluded"] = fit.excluded_all
    out["overlaps"] = np.asarray(al.overlaps, dtype=object)
    out["day0_rule"] = np.asarray(al.day0_rule, dtype=object)
    if len(names) > 2:
        for c, name in enumerate(names[1:], start=1):
            out[name] = params[:, c]
    if spec.scholes_williams:
        out["beta_method"] = np.where(out["outcome"] == "ok", "scholes_williams", "")
    return out


def _ar_table(spec: StudySpec, al: Aligned, fit: Fitted, id_col: Column, ticker_col: Column) -> pd.DataFrame:
    """The abnormal-returns table: the ok events' every day of the widest window and display days with an
    AR, with returns, expected returns, variances and the running sum."""
    rows = fit.rows
    shown_cols, ar, var_ar, var_cum = display_variances(al, fit, spec)
    in_window = np.broadcast_to(al.is_event[shown_cols], ar.shape)
    keep = (in_window | np.isfinite(ar)).reshape(-1)
    assert shown_cols.size == al.dates.shape[1]  # the display days, in axis order
    ret = al.R[np.ix_(rows, shown_cols)]
    at = np.flatnonzero(keep)  # kept (event, day) cells, event-major
    of_event = at // shown_cols.size
    return pd.DataFrame(
        {
            "event_id": id_col.take(of_event),
            "ticker": ticker_col.take(of_event),
            "event_time": al.rel[shown_cols][at % shown_cols.size],
            "date": pd.DatetimeIndex(al.dates[rows].reshape(-1)[at]),
            "return": ret.reshape(-1)[at],
            "expected_return": (ret - ar).reshape(-1)[at],
            "ar": ar.reshape(-1)[at],
            "var_ar": var_ar.reshape(-1)[at],
            "in_window": in_window.reshape(-1)[at],
            "cum_ar": np.where(np.isfinite(ar), np.nancumsum(ar, axis=1), np.nan).reshape(-1)[at],
            "var_cum_ar": var_cum.reshape(-1)[at],
        },
        copy=False,  # every column is a new array: no need to copy them into 2-D blocks
    )


def _car_columns(
    spec: StudySpec, al: Aligned, fit: Fitted, car_var: FloatArray, panel: EventPanel
) -> tuple[dict[str, list[FloatArray]], list[FloatArray]]:
    """Each requested window's CAR, BHAR, standard error, t and p-value of the ok events (one array per
    window under each name), and its SQ p-values."""
    n_ok = fit.rows.size
    n_est = int(al.is_est.sum())  # the estimation days are the first columns of the axis
    residuals, used = fit.ar[:, :n_est], fit.est_mask[:, :n_est]  # views
    cols_of = [np.flatnonzero((al.rel >= a) & (al.rel <= b)) for a, b in spec.windows]
    car_of = [fit.ar[:, cols].sum(axis=1) for cols in cols_of]
    sq_of: list[FloatArray] = [np.empty(0)] * len(spec.windows)
    if n_ok and spec.windows:
        lengths = np.array([b - a + 1 for a, b in spec.windows], dtype=np.int64)
        sq = _sq_pvalues(np.stack(car_of), lengths, residuals, used)
        sq_of = list(sq)
    columns: dict[str, list[FloatArray]] = {c: [] for c in ("car", "bhar", "se", "t_stat", "p_value")}
    for w_pos, w in enumerate(spec.windows):
        cols = cols_of[w_pos]
        car = car_of[w_pos]
        r = al.R[np.ix_(fit.rows, cols)]
        e = r - fit.ar[:, cols]
        if spec.returns == "log":
            bhar = np.exp(r.sum(axis=1)) - np.exp(e.sum(axis=1))
        else:
            bhar = np.prod(1.0 + r, axis=1) - np.prod(1.0 + e, axis=1)
        se = np.sqrt(car_var[:, panel.window_position(w)])
        with np.errstate(divide="ignore", invalid="ignore"):
            t = car / se
        for name, values in zip(("car", "bhar", "se", "t_stat"), (car, bhar, se, t), strict=True):
            columns[name].append(values)
    if spec.windows:  # two-sided t p-values of every window at once, in row blocks on threads
        t_all = np.stack(columns["t_stat"], axis=1)
        p_all = np.empty(t_all.shape)

        def p_block(sl: slice) -> None:
            p_all[sl] = 2.0 * special.stdtr(fit.dof[sl, None], -np.abs(t_all[sl]))  # = 2 t.sf(|t|)

        map_blocks(p_block, [slice(lo, lo + _P_BLOCK) for lo in range(0, n_ok, _P_BLOCK)])
        columns["p_value"] = list(p_all.T)
    return columns, sq_of


def _cars_table(
    spec: StudySpec,
    fit: Fitted,
    columns: dict[str, list[FloatArray]],
    sq_of: list[FloatArray],
    events: tuple[NDArray[np.object_], NDArray[np.object_]],
    arrays: tuple[Column, Column],
) -> pd.DataFrame:
    """The CARs table: one row per ok event and window, event-major (all windows of an event together,
    events in input order)."""
    n_ok = fit.rows.size
    n_w = len(spec.windows)
    if n_ok and n_w:
        id_col, ticker_col = arrays
        each = np.repeat(np.arange(n_ok), n_w)
        return pd.DataFrame(
            {
                "event_id": id_col.take(each),
                "ticker": ticker_col.take(each),
                "window": pd.Series([str(w) for w in spec.windows]).array.take(np.tile(np.arange(n_w), n_ok)),
                **{name: np.stack(v, axis=1).reshape(-1) for name, v in columns.items()},
                "sq_p_value": np.stack(sq_of, axis=1).reshape(-1),
                "days": np.tile(np.array([b - a + 1 for a, b in spec.windows], dtype=np.int64), n_ok),
                "dof": np.repeat(fit.dof, n_w),
            },
            copy=False,  # every column is a new array
        )
    ids, tickers = events
    frames = [
        pd.DataFrame(
            {
                "event_id": ids,
                "ticker": tickers,
                "window": str(w),
                **{name: columns[name][w_pos] for name in columns},
                "sq_p_value": np.empty(0),
                "days": w[1] - w[0] + 1,
                "dof": fit.dof,
            }
        )
        for w_pos, w in enumerate(spec.windows)
    ]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(CAR_COLUMNS))
