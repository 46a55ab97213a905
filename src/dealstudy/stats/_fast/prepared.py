"""Quantities shared by several aggregate tests, computed once per panel (and reused across windows).

:class:`PreparedPanel` caches per-event arrays (ranks, signs, standardized residuals) so that
:func:`dealstudy.stats.aggregate.aggregate_table` ranks a 100,000-event panel once, not once per window and
test. Everything here is vectorised over events; the kernels live beside it (:mod:`.ranks`,
:mod:`.sign_counts`, :mod:`.correlation`) and everything computed is kept in one :class:`.caches.Caches`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats._fast import colsums, correlation, sign_counts
from dealstudy.stats._fast.blocks import call, column_view, row_blocks, take_rows
from dealstudy.stats._fast.caches import Caches, cached, move_event_rows
from dealstudy.stats._fast.colsums import Matrix, Weight
from dealstudy.stats._fast.moments import EstimationMoments, estimation_moments
from dealstudy.stats._fast.ranks import PanelCodes, panel_codes
from dealstudy.stats._fast.sample import WindowSample, make_sample, part_sample
from dealstudy.stats.panel import BoolArray, EventPanel, FloatArray

__all__ = ["PreparedPanel"]

Window = tuple[int, int]

_PER_EVENT = (
    "est_count",
    "est_var",
    "positive_share",
    "combined_count",
    "codes",
    "sigma_usable",
    "grank_weight",
    "est_sar_count",
)
"""Cached values with one row per event, which :meth:`PreparedPanel.subset` slices instead of recomputing."""

_PREFETCH = (
    "est_count",
    "est_var",
    "portfolio_est",
    "positive_share",
    "combined_count",
    "sigma_usable",
    "est_sar_count",
    "grank_weight",
    "ones",
    "sar_overflow",
    "rbar",
)
"""Cached values every window's tests use (:meth:`PreparedPanel.prefetch`)."""

_PREFETCH_SUMS = (
    (Matrix.COMBINED_OBSERVED, Weight.ONES),
    (Matrix.CORRADO_U, Weight.ONES),
    (Matrix.CORRADO_G, Weight.ONES),
    (Matrix.EST_SAR_FINITE, Weight.SIGMA_USABLE),
    (Matrix.EST_SAR_FINITE, Weight.GRANK),
    (Matrix.EST_SAR_RANK, Weight.GRANK),
)


class PreparedPanel:
    """A panel plus lazily computed, cached per-event quantities for the aggregate tests.

    Memory: no (N, K) float64 array is cached. Ranks are stored exactly as integer codes (twice the
    average rank, 0 where missing: ranks are integers or halves of integers) and Corrado-Zivney signs as
    ``int8`` (0 where missing); the float values the tests sum are rebuilt from them block by block when
    a column sum is needed, and are bit-for-bit the values a float cache would hold. Which estimation
    SARs are observed is not kept either: it is found again per block of rows
    (:meth:`est_sar_finite_rows`); the moments of the estimation residuals come from one pass
    (:attr:`est_moments`). Estimation residuals are a view of the panel
    where the estimation days are contiguous. Everything computed is in :attr:`caches`.
    """

    def __init__(
        self,
        panel: EventPanel,
        windows_ahead: tuple[tuple[int, int], ...] = (),
        parts: NDArray[np.intp] | None = None,
    ) -> None:
        """``windows_ahead``: the windows all tests will be run on (as by
        :func:`dealstudy.stats.aggregate.aggregate_table`); per-window work that is cheaper for many
        windows at once (GRANK's sign counts) is then done for all of them on the first call.

        ``parts``: (N,) the part (0, 1, ...) of each event when the tests will also be run on the
        events of each part (:meth:`part`, the groups of ``aggregate_table``); the passes over all
        events then also compute some of each part's sums, which :meth:`part` hands on.
        """
        self.panel = panel
        self.windows_ahead = tuple(windows_ahead)
        self.parts = None if parts is None else np.asarray(parts, dtype=np.intp)
        self.part_count = int(self.parts.max()) + 1 if self.parts is not None and self.parts.size else 0
        self.caches = Caches()
        self.part_shared: list[Caches] = [Caches() for _ in range(self.part_count)]
        """Per part: results of the passes over all events that the part's own panel takes over."""

    def subset(self, mask: BoolArray) -> PreparedPanel:
        """The prepared panel of the events where ``mask`` is true, reusing per-event caches (the
        panel and the caches are sliced on :func:`dealstudy._parallel.map_blocks` threads)."""
        values = self.caches.values
        names = [name for name in _PER_EVENT if name in values]
        tasks: list[Callable[[], Any]] = [lambda: self.panel.subset(mask)]
        tasks += [functools.partial(_take_event_rows, values[name], mask) for name in names]
        panel, *arrays = map_blocks(call, tasks)
        sub = PreparedPanel(panel, self.windows_ahead)
        sub.caches.values.update(zip(names, arrays, strict=True))
        return sub

    def part(self, index: int) -> PreparedPanel:
        """The prepared panel of the events of part ``index`` (see ``parts``), reusing per-event caches
        and the part's results of passes over all events (column sums, GRANK sign counts, rbar)."""
        if self.parts is None:
            raise ValueError("this panel has no parts")
        mask = self.parts == index
        sub = self.subset(mask)
        samples = map_blocks(functools.partial(part_sample, mask=mask), list(self.caches.samples.values()))
        sub.caches.samples.update((s.window, s) for s in samples)
        shared, self.part_shared[index] = self.part_shared[index], Caches()  # handed on: the part frees them
        sub.caches.absorb(shared)
        return sub

    def hand_out(self) -> None:
        """Move every per-event cached value into each part's share (see ``parts``; one array at a time,
        :func:`.caches.move_event_rows`) and drop the rest of what this panel computed but the window
        samples, before the parts' panels are built (:meth:`part`): the parts then hold what this panel
        held, not as much again. Call it once the tests of this panel are done."""
        if self.parts is None:
            raise ValueError("this panel has no parts")
        masks = [self.parts == p for p in range(self.part_count)]
        values = self.caches.values
        moved = move_event_rows(values, [name for name in _PER_EVENT if name in values], masks)
        for shared, part_values in zip(self.part_shared, moved, strict=True):
            shared.values.update(part_values)
        self.caches = Caches(samples=self.caches.samples)

    def prefetch(self) -> None:
        """Compute every cached value the tests of any window use (their first use is then not inside
        threads that test several windows at once)."""
        for name in _PREFETCH:
            getattr(self, name)
        everyone = np.ones(self.panel.n_events, dtype=bool)
        for matrix, weight in _PREFETCH_SUMS:
            self.colsum(matrix, weight, everyone)

    def release(self) -> None:
        """Drop everything computed (the panel stays); it is recomputed if needed again."""
        self.caches = Caches()
        self.part_shared = [Caches() for _ in range(self.part_count)]

    # -- per-window sample -------------------------------------------------------------------------
    def sample(self, window: tuple[int, int]) -> WindowSample:
        """Events with a complete CAR over ``window`` (cached)."""
        samples = self.caches.samples
        if window not in samples:
            samples[window] = make_sample(self.panel, window)
        return samples[window]

    # -- estimation period -------------------------------------------------------------------------
    @cached
    def est_ar(self) -> FloatArray:
        """(N, T1) estimation residuals (a view of the panel when the estimation days are contiguous)."""
        return column_view(np.asarray(self.panel.ar, dtype=float), np.asarray(self.panel.is_estimation))

    @cached
    def est_moments(self) -> EstimationMoments:
        """Per-event and per-day moments of the estimation residuals, from one pass over them
        (:func:`.moments.estimation_moments`): what ``est_count``, ``est_var``, ``portfolio_est``,
        ``positive_share`` and ``rbar`` read."""
        return estimation_moments(self.est_ar)

    @cached
    def est_count(self) -> FloatArray:
        """(N,) number of non-missing estimation residuals."""
        return self.est_moments.count

    @cached
    def est_var(self) -> FloatArray:
        """(N,) sample variance (ddof 1, about the event's own mean) of each event's non-missing estimation
        residuals; NaN with fewer than two (Brown and Warner 1980, estudy2's ``brown_warner_1980``)."""
        return self.est_moments.var

    @cached
    def portfolio_est(self) -> FloatArray:
        """(T1,) equally weighted mean residual per estimation day (NaN on days with no event)."""
        moments = self.est_moments
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(moments.day_count > 0, moments.day_total / moments.day_count, np.nan)

    @cached
    def positive_share(self) -> FloatArray:
        """(N,) share of positive estimation residuals per event (Cowan 1992), NaN without data."""
        moments = self.est_moments
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(moments.count > 0, moments.positive / moments.count, np.nan)

    # -- combined estimation + event sample (Corrado 1989; Corrado and Zivney 1992) ----------------
    @cached
    def combined_mask(self) -> BoolArray:
        """(K,) axis days in the ranking sample: estimation days and event days."""
        return np.asarray(self.panel.is_estimation | self.panel.is_event, dtype=bool)

    @cached
    def codes(self) -> PanelCodes:
        """Rank codes, estimation rank codes, sign codes and estimation order of the ranking sample
        (:func:`dealstudy.stats._fast.ranks.panel_codes`; the estimation codes 0 where sigma is unusable)."""
        return self._compute_codes()

    def _compute_codes(self) -> PanelCodes:
        p = self.panel
        return panel_codes(
            np.asarray(p.ar, dtype=float),
            np.asarray(p.is_estimation, dtype=bool),
            self.combined_mask,
            self.sigma_usable > 0,
        )

    def drop_est_order(self) -> None:
        """Free :attr:`est_order` once GRANK's sign counts of every window are known (it is
        recomputed, with the other codes, if needed again)."""
        codes = self.caches.values.get("codes")
        if codes is not None:
            self.caches.values["codes"] = PanelCodes(codes.rank, codes.est, codes.sign, None)

    @property
    def rank_codes(self) -> NDArray[np.signedinteger]:
        """(N, K_c) twice the average rank of each AR over the combined sample, 0 where missing."""
        return self.codes.rank

    @property
    def est_rank_codes(self) -> NDArray[np.signedinteger]:
        """(N, T1) twice the average rank of each estimation residual (= SAR) within its event, 0 where
        missing or where the event's residual sd is unusable."""
        return self.codes.est

    @property
    def sign_codes(self) -> NDArray[np.int8]:
        """(N, K_c) ``G_it = sign(AR_it - median_i)``, median over the combined sample; 0 where missing."""
        return self.codes.sign

    @property
    def est_order(self) -> NDArray[np.unsignedinteger]:
        """(N, T1) the estimation days of each event in ascending order of residual: first the days with
        a finite residual (``est_count`` of them; tied residuals in any order), then the others."""
        codes = self.codes
        if codes.est_order is None:  # dropped: recompute it (with the other codes, kept as they are)
            codes = PanelCodes(codes.rank, codes.est, codes.sign, self._compute_codes().est_order)
            self.caches.values["codes"] = codes
        assert codes.est_order is not None
        return codes.est_order

    @cached
    def combined_count(self) -> FloatArray:
        """(N,) number of non-missing ARs in the ranking sample (``M_i``)."""
        return np.asarray((self.rank_codes > 0).sum(axis=1), dtype=float)

    # -- standardized estimation residuals (Kolari and Pynnonen 2011) ------------------------------
    def est_sar_finite_rows(self, rows: slice | NDArray[np.intp]) -> BoolArray:
        """(rows, T1) the estimation SAR ``AR / sigma`` is observed (finite): computed per block of rows,
        not kept."""
        sigma = np.asarray(self.panel.sigma, dtype=float)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            observed: BoolArray = np.isfinite(self.est_ar[rows] / sigma[rows, None])
        return observed

    @cached
    def sigma_usable(self) -> FloatArray:
        """(N,) 1.0 where the residual sd is finite and positive, else 0.0."""
        sigma = np.asarray(self.panel.sigma, dtype=float)
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(sigma) & (sigma > 0)
        return np.asarray(usable, dtype=float)

    @cached
    def est_sar_count(self) -> FloatArray:
        """(N,) number of non-missing estimation SARs."""
        return _row_counts(self.est_sar_finite_rows, self.est_ar.shape)

    @cached
    def grank_weight(self) -> FloatArray:
        """(N,) ``1 / (T_i + 1)`` with ``T_i`` = non-missing estimation SARs + 1 (0 where sigma unusable)."""
        return self.sigma_usable / (self.est_sar_count + 2.0)

    @cached
    def ones(self) -> FloatArray:
        return np.ones(self.panel.n_events, dtype=float)

    # -- weighted column sums of per-event, per-day matrices (rebuilt from the codes block by block) --
    def weight(self, weight: Weight) -> FloatArray:
        """(N,) the per-event weight ``weight``."""
        if weight is Weight.ONES:
            return self.ones
        if weight is Weight.SIGMA_USABLE:
            return self.sigma_usable
        return self.grank_weight

    @cached
    def sar_overflow(self) -> bool:
        """Whether some finite estimation residual of an event with a usable sd has a non-finite SAR
        (``AR / sigma`` overflows); then that SAR counts as missing."""
        usable = self.sigma_usable > 0
        return bool((self.est_count[usable] != self.est_sar_count[usable]).any())

    def colsum(self, matrix: Matrix, weight: Weight, mask: BoolArray) -> FloatArray:
        """``sum_i mask_i * weight_i * matrix[i, :]`` for a per-event ``matrix`` and ``weight``.

        The full weighted sum over all events is computed once (in row blocks, with each part's sum
        kept for the part's panel); each call subtracts the few events outside ``mask`` (events a window
        drops for a missing day), so per-window cost is small.
        """
        w = self.weight(weight)
        full = self.caches.colsums.get((matrix, weight))
        if full is None:
            full, by_part = colsums.full_colsums(self, matrix, w)
            self.caches.colsums[(matrix, weight)] = full
            for p, total in enumerate(by_part):
                self.part_shared[p].colsums[(matrix, weight)] = total
        drop = np.flatnonzero(~mask & (w != 0) & colsums.row_nonzero(self, matrix))
        if drop.size:
            return np.asarray(full - w[drop] @ colsums.matrix_rows(self, matrix, drop), dtype=float)
        return np.asarray(full.copy(), dtype=float)

    # -- GRANK sign counts (Kolari and Pynnonen 2011) ----------------------------------------------
    @cached
    def sign_count_chunks(self) -> tuple[NDArray[np.intp], list[sign_counts.Chunk], FloatArray]:
        """Events by weight class and part, in chunks (:func:`.sign_counts.sign_count_chunks`)."""
        return sign_counts.sign_count_chunks(self)

    def sign_count_sums(
        self, g: FloatArray, threads: int | None = None
    ) -> tuple[FloatArray, NDArray[np.int16]]:
        """GRANK's comparisons of each event's estimation SARs with the per-event values ``g`` (N, W)
        (:func:`.sign_counts.sign_count_sums`)."""
        return sign_counts.sign_count_sums(self, g, threads)

    # -- cross-correlation (Kolari and Pynnonen 2010) ----------------------------------------------
    @cached
    def rbar(self) -> tuple[float, int]:
        """Mean pairwise correlation of estimation residuals and the number of events it is based on.

        With parts, the pass over all events also gives each part's pooled estimate (where the part
        has more than :data:`.correlation.RBAR_EXACT_MAX_EVENTS` events), which :meth:`part` hands on."""
        whole, by_part = correlation.mean_pairwise_correlation_parts(
            self.est_ar, None, self.parts, self.part_count, self.est_moments
        )
        for p, value in by_part.items():
            self.part_shared[p].values["rbar"] = value
        return whole


def _row_counts(observed: Callable[[slice], BoolArray], shape: tuple[int, ...]) -> FloatArray:
    """(N,) the number of true values in each row of the (N, T) mask whose row blocks ``observed`` gives
    (in row blocks on :func:`dealstudy._parallel.map_blocks` threads)."""
    out = np.empty(shape[0])

    def run(rows: slice) -> None:
        out[rows] = observed(rows).sum(axis=1)

    map_blocks(run, row_blocks(shape[0], shape[1]))
    return out


def _take_event_rows(value: Any, mask: BoolArray) -> Any:
    """The rows ``mask`` of a per-event cached value (an array, or the arrays of :class:`PanelCodes`)."""
    if isinstance(value, PanelCodes):
        order = None if value.est_order is None else take_rows(value.est_order, mask)
        return PanelCodes(
            take_rows(value.rank, mask), take_rows(value.est, mask), take_rows(value.sign, mask), order
        )
    return take_rows(value, mask)
