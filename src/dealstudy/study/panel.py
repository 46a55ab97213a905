"""The panel of the ok events for the aggregate tests, and the variances of their abnormal returns and
CARs (prediction-error or residual)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats.panel import EventPanel
from dealstudy.study.aligned import Aligned, FloatArray, IntArray, blocks
from dealstudy.study.estimate import Fitted
from dealstudy.study.spec import StudySpec
from dealstudy.window import Window

__all__ = ["display_variances", "make_panel", "panel_windows", "quadratic_form"]


def quadratic_form(x: FloatArray, inv: FloatArray) -> FloatArray:
    """``x' inv x`` of every row: ``np.einsum("ntk,nkl,ntl->nt", x, inv, x)`` for ``x`` of shape ``(n, t,
    k)`` (``"nk,nkl,nl->n"`` for ``(n, k)``), ``inv`` of shape ``(n, k, k)``, with einsum's arithmetic.

    Each element is ``0 + (x_0 inv_00) x_0 + (x_0 inv_01) x_1 + ... + (x_k inv_kk) x_k``, the products
    added in einsum's order, (k, l) row by row; one pass over the rows per (k, l) instead of einsum's loop
    of ``k * k`` steps per element (several times faster for the small ``k`` of the models).
    """
    k = x.shape[-1]
    cells = inv.reshape(inv.shape[0], *([1] * (x.ndim - 2)), k, k)  # broadcast over the days
    out = np.zeros(x.shape[:-1])
    with np.errstate(over="ignore", invalid="ignore"):  # as silent as einsum
        for a in range(k):
            for b in range(k):
                out += (x[..., a] * cells[..., a, b]) * x[..., b]
    return out


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

    The panel's axis ends with the widest window (days of the display range after it are left out). The
    panel's ARs take ``fit.ar``'s memory: ``fit.ar`` with the days outside the estimation sample and the
    widest window set missing, its rows moved up to the panel's axis when that is shorter (``fit.ar`` is
    then that array: only its estimation and widest-window days may be read after this)."""
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
    in_place = fit.ar.flags.c_contiguous  # masked where it is, then moved up to the shorter axis
    var_ar = np.empty((n_ok, axis_len))
    car_var = np.empty((n_ok, len(windows)))
    ar = fit.ar if in_place else np.empty((n_ok, axis_len))
    lengths = np.array([b - a + 1 for a, b in windows], dtype=np.int64)
    # each window's event days as a slice of the event days (a window is a run of consecutive days)
    in_window = [
        slice(int(np.searchsorted(ev_rel, a)), int(np.searchsorted(ev_rel, b, side="right")))
        for a, b in windows
    ]

    def block(sl: slice) -> None:  # rows of one block of events
        s2 = sig2[sl]
        X0 = np.nan_to_num(fit.X[sl][:, ev_in_disp])  # (b, event days, k)
        inv = fit.xtx_inv[sl]
        c = 1.0 + quadratic_form(X0, inv) if pe else np.ones((s2.size, ev_cols.size))
        est = al.is_est[None, :axis_len] & fit.est_mask[sl, :axis_len]
        var_ar[sl] = np.where(est, s2[:, None], np.nan)
        var_ar[sl, ev_cols] = s2[:, None] * c  # event days (the prediction-error factor only there)
        q = np.zeros((s2.size, len(windows)))
        if pe:  # every window's summed regressors (b, windows, k), one quadratic form
            q = quadratic_form(np.stack([X0[:, days].sum(axis=1) for days in in_window], axis=1), inv)
        car_var[sl] = s2[:, None] * (lengths + q)
        hidden = ~(al.is_event[None, :axis_len] | est)
        if in_place:
            np.copyto(ar[sl, :axis_len], np.nan, where=hidden)
        else:
            ar[sl] = np.where(hidden, np.nan, fit.ar[sl, :axis_len])

    map_blocks(block, blocks(n_ok))
    if in_place and axis_len < ar.shape[1]:
        ar = fit.ar = _shorter_rows(ar, axis_len)
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


def _shorter_rows(a: FloatArray, width: int) -> FloatArray:
    """``a[:, :width]`` as a C-contiguous array in ``a``'s own memory (``a`` C-contiguous): the rows moved up
    block by block, in order (a block's destination never reaches rows still to be moved), no new memory."""
    out = a.reshape(-1)[: a.shape[0] * width].reshape(a.shape[0], width)
    for sl in blocks(a.shape[0]):
        out[sl] = a[sl, :width]  # may overlap its own source: NumPy copies through a buffer then
    return out


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
            c = 1.0 + quadratic_form(X0, inv)
            s = np.cumsum(X0, axis=1)
            q = quadratic_form(s, inv)
        else:
            c = np.ones(a.shape)
            q = np.zeros(a.shape)
        var_ar[sl] = np.where(shown, sig2 * c, np.nan)
        var_cum[sl] = np.where(shown, sig2 * (count + q), np.nan)

    map_blocks(block, blocks(n_ok))
    return cols, ar, var_ar, var_cum
