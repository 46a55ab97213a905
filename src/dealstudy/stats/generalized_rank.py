"""Kolari and Pynnonen (2011) generalized rank test (GRANK-T), and the work it shares across windows.

GRANK ranks each event's standardized CAR among its standardized estimation residuals. On a prepared
panel the comparisons of every window's CARs with the residuals are counted at once
(:meth:`dealstudy.stats._fast.PreparedPanel.sign_count_sums`, for all windows of ``windows_ahead`` and
for each part), and each window's test then takes its counts from ``prep.caches.grank``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats._fast import Matrix, PreparedPanel, Weight, row_blocks
from dealstudy.stats._result import invalid, t_result
from dealstudy.stats.panel import BoolArray, EventPanel, FloatArray, TestResult

__all__ = ["grank", "grank_prepared", "kolari_pynnonen_rank", "prefetch"]

Window = tuple[int, int]


def _sign_sums(prep: PreparedPanel, g: FloatArray, w: FloatArray) -> tuple[FloatArray, FloatArray]:
    """Column sums weighted by ``w`` and row sums of ``sign(SAR_it - g_i)`` (missing SARs counted as 0).

    ``sign(SAR_it - g_i)`` is +1 where the event value lies below an estimation value (lifting that
    value's rank by one), 0 for a tie (by one half) and -1 above; rows outside the sample have g = NaN and
    weight 0 (their row sums are not used). The SARs are rebuilt in blocks of rows that stay in cache (no
    (N, T) array is kept): one pass over the estimation residuals per window.
    """
    est = prep.est_ar
    n, t = est.shape
    sigma = np.asarray(prep.panel.sigma, dtype=float)
    overflow = prep.sar_overflow
    col = np.zeros(t)
    row = np.empty(n)
    for rows in row_blocks(n, t):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            sar = est[rows] / sigma[rows, None]
        gb = g[rows, None]
        # comparisons with NaN are false: a missing SAR (or a row outside the sample, g NaN) counts 0
        above = sar > gb
        below = sar < gb
        if overflow:  # an infinite SAR is missing, as a NaN one
            observed = np.isfinite(sar)
            np.logical_and(above, observed, out=above)
            np.logical_and(below, observed, out=below)
        sgn = above.view(np.int8) - below.view(np.int8)
        row[rows] = sgn.sum(axis=1)
        col += w[rows] @ sgn
    return col, row


def _grank_values(prep: PreparedPanel, window: Window) -> tuple[BoolArray, FloatArray] | TestResult:
    """GRANK's sample (events with a complete window, a CAR variance and a usable sd) and each one's
    re-standardized CAR ``SCAR*_i``, or the invalid result when the test cannot be computed (cached per
    window in ``prep.caches.memo``)."""
    key = ("grank_values", window)
    if key not in prep.caches.memo:
        prep.caches.memo[key] = _compute_grank_values(prep, window)
    result: tuple[BoolArray, FloatArray] | TestResult = prep.caches.memo[key]
    return result


def _compute_grank_values(prep: PreparedPanel, window: Window) -> tuple[BoolArray, FloatArray] | TestResult:
    name = "grank"
    s = prep.sample(window)
    sigma = np.asarray(prep.panel.sigma, dtype=float)
    var = s.car_var
    with np.errstate(invalid="ignore"):
        ok = s.used & np.isfinite(var) & (var > 0) & np.isfinite(sigma) & (sigma > 0)
    n = int(ok.sum())
    if n == 0:
        return invalid(name, 0, s.mean, "no event with a complete window and a CAR variance")
    if n == 1:
        return invalid(name, 1, s.mean, "N = 1: cross-sectional sd of standardized CARs undefined")
    scar = s.car[ok] / np.sqrt(var[ok])
    if np.ptp(scar) == 0.0:
        return invalid(name, n, s.mean, "zero variance: all standardized CARs are equal")
    return ok, scar / scar.std(ddof=1)  # re-standardized for event-induced variance


def _part_grank_values(
    prep: PreparedPanel, window: Window, masks: list[BoolArray]
) -> list[tuple[BoolArray, FloatArray] | None]:
    """:func:`_grank_values` of the events of each part of ``prep`` (``masks``: the events of each part),
    as masks over all events: what each part's own panel finds, from the same per-event values in the
    same order; None where a part's test cannot be computed."""
    s = prep.sample(window)
    sigma = np.asarray(prep.panel.sigma, dtype=float)
    var = s.car_var
    with np.errstate(invalid="ignore"):
        candidates = s.used & np.isfinite(var) & (var > 0) & np.isfinite(sigma) & (sigma > 0)
    out: list[tuple[BoolArray, FloatArray] | None] = []
    for mask in masks:
        ok = candidates & mask
        scar = s.car[ok] / np.sqrt(var[ok])
        if scar.size < 2 or np.ptp(scar) == 0.0:
            out.append(None)
        else:
            out.append((ok, scar / scar.std(ddof=1)))
    return out


def _grank_sign_terms(
    prep: PreparedPanel, window: Window, ok: BoolArray, g_ok: FloatArray
) -> tuple[FloatArray, NDArray[np.int16]]:
    """``sum_i w_i (#(SAR_it < g_i) + #(SAR_it <= g_i))`` per estimation day and the per-event counts
    of :meth:`PreparedPanel.sign_count_sums`, for ``window`` (and, on the first call, for every window of
    ``prep.windows_ahead`` and for each part of ``prep`` at once; the results are kept in
    ``prep.caches.grank``, the parts' in ``prep.part_shared`` for their own panels)."""
    _ensure_grank_counts(prep, window, ok, g_ok)
    prep.caches.grank_done.add(window)
    return prep.caches.grank.pop(window)  # (each window's test runs once: free as we go)


def _ensure_grank_counts(prep: PreparedPanel, window: Window, ok: BoolArray, g_ok: FloatArray) -> None:
    """Fill ``prep.caches.grank`` for ``window`` (and the windows ahead, and the parts; see
    :func:`_grank_sign_terms`)."""
    if window not in prep.caches.grank:
        others = [
            w
            for w in prep.windows_ahead
            if w != window and w not in prep.caches.grank and w not in prep.caches.grank_done
        ]
        masks = [prep.parts == p for p in range(prep.part_count)] if prep.parts is not None else []
        prep.sample(window)  # (so that the threads below only add samples of other windows)

        def values_of(w: Window) -> tuple[tuple[BoolArray, FloatArray] | TestResult, list[Any]]:
            own = (ok, g_ok) if w == window else _grank_values(prep, w)
            return own, _part_grank_values(prep, w, masks) if masks else []

        # each window's values (and its sample) on threads: independent, results in window order
        batch: dict[Window, tuple[BoolArray, FloatArray]] = {}
        part_values_of: dict[Window, list[Any]] = {}
        for w, (own, parts_w) in zip(
            [window, *others], map_blocks(values_of, [window, *others]), strict=True
        ):
            if not isinstance(own, TestResult):
                batch[w] = own
                part_values_of[w] = parts_w
        n_w = len(batch)
        # one column per window for all events, and one per window with each event's own part's values
        g = np.full((n_w * (2 if prep.part_count else 1), prep.panel.n_events), np.nan)  # (columns, N)
        by_part: list[dict[Window, tuple[BoolArray, FloatArray]]] = [{} for _ in masks]
        for j, (w, (ok_w, g_w)) in enumerate(batch.items()):
            g[j, ok_w] = g_w
            if w != window:  # kept in g until the counts are known (not twice)
                prep.caches.memo.pop(("grank_values", w), None)
            for p, part_values in enumerate(part_values_of[w]):
                if part_values is not None:
                    g[n_w + j, part_values[0]] = part_values[1]
                    by_part[p][w] = part_values
        sums, counts = prep.sign_count_sums(g.T)
        for j, (w, (ok_w, _)) in enumerate(batch.items()):
            prep.caches.grank[w] = (sums[0, j], counts[:, j])
            if w != window:
                prep.caches.memo[("grank_values", w)] = (ok_w, g[j, ok_w])
        for p, part_windows in enumerate(by_part):
            part_counts = counts[masks[p], n_w:]
            shared = prep.part_shared[p]
            for j, w in enumerate(batch):
                if w in part_windows:
                    ok_p, g_p = part_windows[w]
                    shared.grank[w] = (sums[1 + p, n_w + j], part_counts[:, j])
                    shared.memo[("grank_values", w)] = (ok_p[masks[p]], g_p)
        if window in prep.windows_ahead:  # every window's counts are known: the order is not needed
            prep.drop_est_order()


def prefetch(prep: PreparedPanel) -> None:
    """Compute what the nonparametric tests of every window of ``prep.windows_ahead`` share (GRANK's
    sign counts), so that the windows can then be tested in any order or at once."""
    if prep.sar_overflow:
        return
    for window in prep.windows_ahead:
        if window in prep.caches.grank_done or window in prep.caches.grank:
            continue
        values = _grank_values(prep, window)
        if not isinstance(values, TestResult):
            _ensure_grank_counts(prep, window, *values)
            return


def grank_prepared(prep: PreparedPanel, window: Window) -> TestResult:
    name = "grank"
    s = prep.sample(window)
    values = _grank_values(prep, window)
    prep.caches.memo.pop(("grank_values", window), None)  # (each window's test runs once: free as we go)
    if isinstance(values, TestResult):
        return values
    ok, g_ok = values
    n = int(g_ok.size)
    # Estimation SARs of all events; rows outside the sample get weight 0.
    # sign(SAR_it - g_i): +1 where the event value lies below an estimation value (lifting that value's
    # rank by one), 0 for a tie (by one half), -1 above; 0 where missing or outside the sample.
    t_fin = prep.est_sar_count[ok]  # non-missing estimation SARs
    fin_w = prep.colsum(Matrix.EST_SAR_FINITE, Weight.GRANK, ok)
    if prep.sar_overflow:  # an infinite SAR counts as missing: compare the rebuilt SARs themselves
        g = np.full(prep.panel.n_events, np.nan)
        g[ok] = g_ok
        w_sgn, row_sgn = _sign_sums(prep, g, np.where(ok, prep.grank_weight, 0.0))
        below_twice: FloatArray | NDArray[np.int16] = t_fin - row_sgn[ok]
    else:  # sign = finite - [SAR < g] - [SAR <= g], counted from the rank codes
        below, counts = _grank_sign_terms(prep, window, ok, g_ok)
        w_sgn = fin_w - below
        below_twice = counts[ok]
    n_t = prep.colsum(Matrix.EST_SAR_FINITE, Weight.SIGMA_USABLE, ok)
    u_sum = prep.colsum(Matrix.EST_SAR_RANK, Weight.GRANK, ok) + 0.5 * (fin_w + w_sgn) - 0.5 * n_t
    rank_event = 1.0 + 0.5 * below_twice  # 1 + #(SAR < g) + #(SAR == g) / 2
    u_event = rank_event / (t_fin + 2.0) - 0.5
    days = n_t > 0
    ubar_t = u_sum[days] / n_t[days]
    ubar_0 = float(u_event.mean())
    big_t = int(days.sum()) + 1
    if big_t < 3:
        return invalid(name, n, s.mean, "no estimation data: fewer than 2 estimation days")
    s2 = (float((n_t[days] / n * ubar_t**2).sum()) + ubar_0**2) / big_t
    if not s2 > 0.0:
        return invalid(name, n, s.mean, "zero variance of the mean ranks")
    z = ubar_0 / math.sqrt(s2)
    if big_t - 1 - z * z <= 0.0:
        return invalid(name, n, s.mean, "Z^2 >= T - 1: t transform undefined")
    stat = z * math.sqrt((big_t - 2) / (big_t - 1 - z * z))
    return t_result(name, stat, big_t - 2, n, s.mean)


def kolari_pynnonen_rank(panel: EventPanel, window: Window) -> TestResult:
    """Kolari and Pynnonen (2011) generalized rank test (GRANK-T).

    Notes
    -----
    Standardized estimation residuals :math:`\\mathrm{SAR}_{it} = \\mathrm{AR}_{it}/\\hat\\sigma_i`;
    the window enters as a single "event day" through the standardized CAR
    :math:`\\mathrm{SCAR}_i = \\mathrm{CAR}_i/\\hat\\sigma_{\\mathrm{CAR}_i}`, re-standardized by its
    cross-sectional sd, :math:`\\mathrm{SCAR}^*_i = \\mathrm{SCAR}_i / s_{\\mathrm{SCAR}}` (for
    event-induced variance). The generalized SARs are the estimation SARs plus :math:`\\mathrm{SCAR}^*_i`
    (:math:`T_i` non-missing values), ranked within each event:
    :math:`U_{it} = \\mathrm{rank}(\\mathrm{GSAR}_{it})/(T_i+1) - 1/2`. With :math:`N_t` events observed on
    day :math:`t`, :math:`\\bar U_t = N_t^{-1}\\sum_i U_{it}`, and :math:`T` = estimation days with data
    plus one (the event day 0),

    .. math:: S_{\\bar U}^2 = \\frac{1}{T}\\sum_{t} \\frac{N_t}{N}\\bar U_t^2,\\qquad
              Z = \\frac{\\bar U_0}{S_{\\bar U}},\\qquad
              t_{grank} = Z\\sqrt{\\frac{T-2}{T-1-Z^2}} \\sim t(T-2).

    A one-day window uses that day's SAR (prediction-error variance) as :math:`\\mathrm{SCAR}_i`.

    References
    ----------
    Kolari, J. W. and Pynnonen, S. (2011). Nonparametric rank tests for event studies. *Journal of
    Empirical Finance* 18(5), 953-971.
    """
    return grank_prepared(PreparedPanel(panel), window)


#: The name of :func:`kolari_pynnonen_rank` in result tables (``aggregate.csv`` test ``grank``).
grank = kolari_pynnonen_rank
