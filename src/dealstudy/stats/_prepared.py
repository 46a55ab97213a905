"""Quantities shared by several aggregate tests, computed once per panel (and reused across windows).

:class:`PreparedPanel` caches per-event arrays (ranks, signs, standardized residuals) so that
:func:`dealstudy.stats.aggregate.aggregate_table` ranks a 100,000-event panel once, not once per window and
test. Everything here is vectorised over events.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks, thread_count
from dealstudy.errors import SpecificationError
from dealstudy.stats.panel import BoolArray, EventPanel, FloatArray

_T = TypeVar("_T", bound=np.generic)

__all__ = ["PreparedPanel", "WindowSample", "masked_mean", "rank_rows"]

RBAR_EXACT_MAX_EVENTS = 2000
"""Up to this many events the mean pairwise correlation is computed pair by pair (see
:func:`mean_pairwise_correlation`); above it, by the pooled estimator in O(N T)."""


def masked_mean(x: FloatArray, mask: BoolArray, axis: int) -> tuple[FloatArray, FloatArray]:
    """Mean of ``x`` where ``mask`` along ``axis`` and the count; NaN (no warning) where the count is 0."""
    count = mask.sum(axis=axis).astype(float)
    total = np.where(mask, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return mean, count


def rank_rows(x: FloatArray) -> FloatArray:
    """Average ranks (1 = smallest) within each row; non-finite values get NaN and are not counted."""
    return rank_rows_two(x, np.ones(x.shape[1], dtype=bool))[0]


def rank_rows_two(x: FloatArray, part: BoolArray) -> tuple[FloatArray, FloatArray]:
    """Average ranks within each row over all columns and over the columns in ``part`` only.

    One sort serves both rankings: in each sorted row, the rank of a value among the ``part`` columns is
    the running count of ``part`` values. Ties get the average rank of their run (as
    ``scipy.stats.rankdata(..., method="average", nan_policy="omit")``); non-finite values get NaN.

    Returns
    -------
    (ranks over all columns (N, K), ranks over the ``part`` columns (N, part.sum()))
    """
    rank_all, rank_part, _ = _rank_rows_sorted(x, part)
    return rank_all, rank_part


def _rank_rows_sorted(x: FloatArray, part: BoolArray) -> tuple[FloatArray, FloatArray, FloatArray]:
    """:func:`rank_rows_two` plus each row sorted ascending (non-finite values as NaN, last)."""
    rank_all, rank_part, xs, _, _ = _rank_rows_ordered(x, part)
    return rank_all, rank_part, xs


def _rank_rows_ordered(
    x: FloatArray, part: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.intp], BoolArray]:
    """:func:`_rank_rows_sorted` plus the sorting permutation of each row and which sorted entries are
    finite ``part`` columns (the exact, argsort-based ranking)."""
    n, k = x.shape
    if x.size == 0:
        nan = np.full(x.shape, np.nan)
        return nan, np.full((n, int(part.sum())), np.nan), nan, np.zeros(x.shape, np.intp), x == 0
    x = np.where(np.isfinite(x), x, np.nan)
    order = np.argsort(x, axis=1)  # NaN sorts last
    xs = np.take_along_axis(x, order, axis=1)
    fin = np.isfinite(xs)
    in_part = part[order] & fin
    pos_all = np.cumsum(fin, axis=1, dtype=float)
    pos_part = np.cumsum(in_part, axis=1, dtype=float)
    new = np.ones(xs.shape, dtype=bool)
    new[:, 1:] = xs[:, 1:] != xs[:, :-1]  # start of a run of equal values (NaN != NaN)
    if not new[fin].all():  # ties: average each ranking's positions over its members of the run
        gid = np.cumsum(new.ravel()) - 1
        for pos, member in ((pos_all, fin), (pos_part, in_part)):
            weight = member.ravel().astype(float)
            total = np.bincount(gid, weights=pos.ravel() * weight)
            count = np.bincount(gid, weights=weight)
            with np.errstate(invalid="ignore", divide="ignore"):
                pos[...] = (total / count)[gid].reshape(n, k)
    pos_all[~fin] = np.nan
    pos_part[~in_part] = np.nan
    rank_all = np.empty((n, k))
    np.put_along_axis(rank_all, order, pos_all, axis=1)
    rank_part = np.empty((n, k))
    np.put_along_axis(rank_part, order, pos_part, axis=1)
    return rank_all, rank_part[:, part], xs, order, in_part


def _sortable_keys(x: FloatArray, fin: BoolArray) -> tuple[NDArray[np.int64], int]:
    """Each value of ``x`` as an ``int64`` key that sorts like the value, its low bits replaced by the
    column index; non-finite values (``~fin``) get keys above every finite one, further apart than the
    index bits (so that they never look tied).

    Returns the keys and the number of low bits holding the column index. Two finite values whose keys
    differ by at most the index bits may be equal or differ only in their last mantissa bits: the caller
    must not rely on the key order for them (:func:`_code_block` ranks such rows exactly instead).
    """
    k = x.shape[1]
    shift = max(1, (k - 1).bit_length())
    low = (1 << shift) - 1
    key = (x + 0.0).view(np.int64)  # + 0.0 turns -0.0 into +0.0 (equal values get equal bits)
    flip = key >> 63  # -1 where the sign bit is set, else 0
    flip.view(np.uint64)[...] >>= np.uint64(1)  # 0x7fff...: flip every bit but the sign of negatives
    key ^= flip
    del flip
    columns = np.arange(k, dtype=np.int64)
    key &= ~low
    key |= columns
    # above the largest finite key (of the largest double, 0x7fef...): 0x7ff0... + column << shift | column
    missing = np.int64(0x7FF0 << 48) + (columns << shift) + columns
    np.copyto(key, missing, where=~fin)
    return key, shift


@dataclass(frozen=True)
class _CodeBlock:
    """Rank codes, estimation rank codes, estimation sort order and sign codes of a block of rows."""

    rank: NDArray[np.signedinteger]
    est: NDArray[np.signedinteger]
    est_order: NDArray[np.unsignedinteger]
    sign: NDArray[np.int8]


def _code_block(
    x: FloatArray,
    in_est: BoolArray,
    code_dtype: type[np.signedinteger],
    est_dtype: type[np.signedinteger],
    order_dtype: type[np.unsignedinteger],
    include: BoolArray | None = None,
) -> _CodeBlock:
    """Rank codes (twice the average rank, 0 where missing) of each row of ``x`` over all its columns
    and over the ``in_est`` columns, the ``in_est`` columns of each row in ascending order of value (its
    finite values first; ties in any order), and ``sign(x - row median)`` (0 where missing).

    Rows are ranked by one sort of packed keys (:func:`_sortable_keys`); rows where two finite values
    cannot be told apart by their keys (ties or near ties) are ranked by :func:`_rank_rows_ordered`
    instead, so the codes are exactly those of the average ranks either way. Columns outside
    ``include`` (when given) are left out, as missing values.
    """
    x = np.ascontiguousarray(x)
    n, k = x.shape
    te = int(in_est.sum())
    est_col = np.cumsum(in_est) - 1  # column of each estimation column among the estimation columns
    fin = np.isfinite(x)
    if include is not None:
        fin &= include
        in_est = in_est & include
    m = fin.sum(axis=1)
    if n == 0 or k == 0:
        return _CodeBlock(
            np.zeros((n, k), dtype=code_dtype),
            np.zeros((n, te), dtype=est_dtype),
            np.zeros((n, te), dtype=order_dtype),
            np.zeros((n, k), dtype=np.int8),
        )
    key, shift = _sortable_keys(x, fin)
    low = (1 << shift) - 1
    est_key = np.array(_column_view(key, in_est))  # a copy, sorted on its own: estimation ranks, order
    key.sort(axis=1)
    # two finite neighbours whose keys differ by at most the index bits may be tied: rank those rows
    # exactly (the estimation keys are a subset of the same keys, so this covers their ties too)
    if k > 1:
        closest = np.diff(key.view(np.uint64), axis=1).min(axis=1)
        exact = np.flatnonzero(closest <= np.uint64(low))
    else:
        exact = np.zeros(0, dtype=np.intp)
    key &= low
    key += np.arange(0, n * k, k)[:, None]
    flat = key  # flat index into an (n, k) array of each sorted value
    twice = np.arange(2, 2 * k + 1, 2, dtype=code_dtype)
    rank = np.empty((n, k), dtype=code_dtype)
    rank.ravel()[flat] = np.where(twice <= 2 * m[:, None], twice, 0)
    est_key.sort(axis=1)
    est_key &= low
    order_est = np.take(est_col, est_key).astype(order_dtype)
    est_key = order_est.astype(np.intp)
    est_key += np.arange(0, n * te, te)[:, None]
    twice_est = np.arange(2, 2 * te + 1, 2, dtype=est_dtype)
    m_est = _column_view(fin, in_est).sum(axis=1)
    est = np.empty((n, te), dtype=est_dtype)
    est.ravel()[est_key] = np.where(twice_est <= 2 * m_est[:, None], twice_est, 0)
    del est_key
    lo = np.clip((m - 1) // 2, 0, k - 1)
    hi = np.clip(m // 2, 0, k - 1)
    r = np.arange(n)
    xs_lo, xs_hi = x.ravel()[flat[r, lo]], x.ravel()[flat[r, hi]]
    if exact.size:  # ties or near ties: the argsort-based average ranks
        x_exact = x[exact] if include is None else np.where(include, x[exact], np.nan)
        rank_all, rank_part, xs, order, in_part = _rank_rows_ordered(x_exact, in_est)
        rank[exact] = np.nan_to_num(2.0 * rank_all, nan=0.0)
        est[exact] = np.nan_to_num(2.0 * rank_part, nan=0.0)
        sub = np.zeros((exact.size, te), dtype=order_dtype)
        r_idx, s_idx = np.nonzero(in_part)
        sub[r_idx, np.cumsum(in_part, axis=1)[r_idx, s_idx] - 1] = est_col[order[r_idx, s_idx]]
        order_est[exact] = sub
        re = np.arange(exact.size)
        xs_lo[exact], xs_hi[exact] = xs[re, lo[exact]], xs[re, hi[exact]]
    with np.errstate(invalid="ignore"):  # rows without data: med NaN (their x values are not finite)
        med = np.where(m > 0, 0.5 * (xs_lo + xs_hi), np.nan)[:, None]
        # sign(x - med) (x - med is 0 only where x == med); 0 where x is missing
        above = (x > med) & fin
        below = (x < med) & fin
    sign = above.view(np.int8) - below.view(np.int8)
    return _CodeBlock(rank, est, order_est, sign)


@dataclass(frozen=True)
class WindowSample:
    """The events that have a complete CAR over one window, and their CARs and CAR variances."""

    window: tuple[int, int]
    columns: slice
    length: int
    used: BoolArray  # (N,) every AR of the window is finite
    car: FloatArray  # (N,) NaN where not used
    car_var: FloatArray  # (N,) NaN where unknown
    n: int  # events used
    mean: float  # CAAR of the used events (AAR for one day); NaN when none


BLOCK_ELEMENTS = 1 << 17
"""Elements of an (events, days) block processed at once (1 MB of float64): per-event passes over the
panel run in row blocks of this size, so their temporaries stay small and in cache."""


def row_blocks(n: int, width: int) -> list[slice]:
    """Consecutive row slices of ``n`` rows, each about :data:`BLOCK_ELEMENTS` / ``width`` rows."""
    step = max(1, BLOCK_ELEMENTS // max(width, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def _column_view(x: NDArray[_T], columns: BoolArray) -> NDArray[_T]:
    """``x[:, columns]``: a view when the selected columns are contiguous, else a C-ordered copy."""
    idx = np.flatnonzero(columns)
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return x[:, int(idx[0]) : int(idx[-1]) + 1]
    return np.ascontiguousarray(x[:, columns])  # (boolean column indexing alone gives Fortran order)


def _column_runs(columns: BoolArray) -> list[tuple[slice, slice]]:
    """The runs of consecutive selected ``columns``: ``(source, target)`` slices with
    ``x[:, columns][:, target] == x[:, source]``."""
    idx = np.flatnonzero(columns)
    if idx.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1) + 1
    starts, stops = np.r_[0, breaks], np.r_[breaks, idx.size]
    return [
        (slice(int(idx[a]), int(idx[b - 1]) + 1), slice(int(a), int(b)))
        for a, b in zip(starts, stops, strict=True)
    ]


def _part_sample(s: WindowSample, mask: BoolArray) -> WindowSample:
    """The sample of the events ``mask`` from the same per-event values (n and mean of the part's)."""
    used = s.used[mask]
    car = s.car[mask]
    n = int(used.sum())
    mean = float(car[used].mean()) if n else float("nan")
    return WindowSample(s.window, s.columns, s.length, used, car, s.car_var[mask], n, mean)


def _take_rows(x: NDArray[_T], mask: BoolArray) -> NDArray[_T]:
    """``x[mask]``."""
    return x[mask]


def _call(task: Callable[[], Any]) -> Any:
    """``task()`` (for :func:`dealstudy._parallel.map_blocks` over a list of tasks)."""
    return task()


def _rank_code_dtype(width: int) -> type[np.signedinteger]:
    """Smallest signed integer type that holds twice a rank among ``width`` values."""
    return np.int16 if 2 * width <= np.iinfo(np.int16).max else np.int32


def _order_dtype(width: int) -> type[np.unsignedinteger]:
    """Smallest unsigned integer type that holds a column index among ``width`` columns (and ``width``)."""
    for dtype in (np.uint8, np.uint16):
        if width <= np.iinfo(dtype).max:
            return dtype
    return np.uint32


class PreparedPanel:
    """A panel plus lazily computed, cached per-event quantities for the aggregate tests.

    Memory: no (N, K) float64 array is cached. Ranks are stored exactly as integer codes (twice the
    average rank, 0 where missing: ranks are integers or halves of integers), Corrado-Zivney signs as
    ``int8`` (0 where missing) and observed masks as ``bool``; the float values the tests sum are
    rebuilt from them block by block when a column sum is needed, and are bit-for-bit the values a
    float cache would hold. Estimation residuals are a view of the panel where the estimation days are
    contiguous.
    """

    _PER_EVENT = (
        "est_finite",
        "est_count",
        "est_var",
        "positive_share",
        "combined_count",
        "rank_codes",
        "est_rank_codes",
        "est_order",
        "sign_codes",
        "est_sar_finite",
        "sigma_usable",
        "grank_weight",
        "est_sar_count",
    )
    """Cached arrays with one row per event, which :meth:`subset` slices instead of recomputing."""

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
        self.part_shared: list[dict[str, Any]] = [{} for _ in range(self.part_count)]
        """Per part: results of shared passes, by the name the part's panel keeps them under."""
        self._windows: dict[tuple[int, int], WindowSample] = {}
        self.grank_cache: dict[tuple[int, int], tuple[FloatArray, NDArray[np.int16]]] = {}
        self.grank_done: set[tuple[int, int]] = set()
        self.memo: dict[Any, Any] = {}
        """Intermediate results that several tests share (keyed by name, or name and window)."""

    def subset(self, mask: BoolArray) -> PreparedPanel:
        """The prepared panel of the events where ``mask`` is true, reusing per-event caches (the
        panel and the caches are sliced on :func:`dealstudy._parallel.map_blocks` threads)."""
        names = [name for name in self._PER_EVENT if name in self.__dict__]
        tasks: list[Callable[[], Any]] = [lambda: self.panel.subset(mask)]
        tasks += [functools.partial(_take_rows, self.__dict__[name], mask) for name in names]
        panel, *arrays = map_blocks(_call, tasks)
        sub = PreparedPanel(panel, self.windows_ahead)
        sub.__dict__.update(zip(names, arrays, strict=True))
        return sub

    def part(self, index: int) -> PreparedPanel:
        """The prepared panel of the events of part ``index`` (see ``parts``), reusing per-event caches
        and the part's results of passes over all events (column sums, GRANK sign counts, rbar)."""
        if self.parts is None:
            raise ValueError("this panel has no parts")
        mask = self.parts == index
        sub = self.subset(mask)
        samples = map_blocks(functools.partial(_part_sample, mask=mask), list(self._windows.values()))
        sub._windows.update((s.window, s) for s in samples)
        shared, self.part_shared[index] = self.part_shared[index], {}  # handed on: the part frees them
        for name, value in shared.items():
            if name == "grank_cache":
                sub.grank_cache.update(value)
            elif name == "memo":
                sub.memo.update(value)
            else:
                sub.__dict__[name] = value
        return sub

    def prefetch(self) -> None:
        """Compute every cached array the tests of any window use (their first use is then not inside
        threads that test several windows at once)."""
        for name in (
            "est_finite",
            "est_count",
            "est_var",
            "portfolio_est",
            "positive_share",
            "combined_count",
            "est_sar_finite",
            "sigma_usable",
            "est_sar_count",
            "grank_weight",
            "ones",
            "sar_overflow",
            "rbar",
        ):
            getattr(self, name)
        everyone = np.ones(self.panel.n_events, dtype=bool)
        for matrix, weight in (
            ("combined_observed", "ones"),
            ("corrado_u_filled", "ones"),
            ("corrado_g_filled", "ones"),
            ("est_sar_finite", "sigma_usable"),
            ("est_sar_finite", "grank_weight"),
            ("est_sar_rank_filled", "grank_weight"),
        ):
            self.colsum(matrix, weight, everyone)

    def release(self) -> None:
        """Drop every cached array (the panel stays); they are recomputed if needed again."""
        panel, ahead, parts = self.panel, self.windows_ahead, self.parts
        self.__dict__.clear()
        self.__init__(panel, ahead, parts)  # type: ignore[misc]

    # -- per-window sample -------------------------------------------------------------------------
    def sample(self, window: tuple[int, int]) -> WindowSample:
        """Events with a complete CAR over ``window`` (cached)."""
        if window not in self._windows:
            self._windows[window] = self._make_sample(window)
        return self._windows[window]

    def _make_sample(self, window: tuple[int, int]) -> WindowSample:
        p = self.panel
        a, b = int(window[0]), int(window[1])
        event_days = p.rel_days[p.is_event]
        if b < a or event_days.size == 0 or a < event_days[0] or b > event_days[-1]:
            span = f"{event_days[0]}:{event_days[-1]}" if event_days.size else "none"
            raise SpecificationError(f"window {a}:{b} is not inside the panel's event days ({span})")
        cols = p.window_columns((a, b))
        block = p.ar[:, cols]
        if a == b:  # one day: the CAR is the AR (a sum of one value is that value)
            used: BoolArray = np.isfinite(block[:, 0])
            car = np.where(used, block[:, 0], np.nan)
        else:
            used = np.asarray(np.isfinite(block).all(axis=1), dtype=bool)
            car = np.where(used, np.where(used[:, None], block, 0.0).sum(axis=1), np.nan)
        if (a, b) in p.windows:
            var = np.asarray(p.car_var[:, p.window_position((a, b))], dtype=float)
        elif a == b:
            var = np.asarray(p.var_ar[:, cols.start], dtype=float)
        else:
            var = np.full(p.n_events, np.nan)
        n = int(used.sum())
        mean = float(car[used].mean()) if n else float("nan")
        return WindowSample((a, b), cols, b - a + 1, used, car, var, n, mean)

    # -- estimation period -------------------------------------------------------------------------
    @cached_property
    def est_ar(self) -> FloatArray:
        """(N, T1) estimation residuals (a view of the panel when the estimation days are contiguous)."""
        return _column_view(np.asarray(self.panel.ar, dtype=float), np.asarray(self.panel.is_estimation))

    @cached_property
    def est_finite(self) -> BoolArray:
        x = self.est_ar
        out = np.empty(x.shape, dtype=bool)

        def run(rows: slice) -> None:
            np.isfinite(x[rows], out=out[rows])

        map_blocks(run, row_blocks(x.shape[0], x.shape[1]))
        return out

    @cached_property
    def est_count(self) -> FloatArray:
        """(N,) number of non-missing estimation residuals."""
        return np.asarray(self.est_finite.sum(axis=1), dtype=float)

    @cached_property
    def est_var(self) -> FloatArray:
        """(N,) sample variance (ddof 1, about the event's own mean) of each event's non-missing estimation
        residuals; NaN with fewer than two (Brown and Warner 1980, estudy2's ``brown_warner_1980``)."""
        x, fin, count = self.est_ar, self.est_finite, self.est_count
        out = np.full(self.panel.n_events, np.nan)

        def run(rows: slice) -> None:
            values = np.where(fin[rows], x[rows], 0.0)
            m = count[rows]
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = values.sum(axis=1) / m
                dev = np.where(fin[rows], x[rows] - mean[:, None], 0.0)
                out[rows] = np.where(m > 1, (dev * dev).sum(axis=1) / (m - 1), np.nan)

        map_blocks(run, row_blocks(x.shape[0], x.shape[1]))
        return out

    @cached_property
    def portfolio_est(self) -> FloatArray:
        """(T1,) equally weighted mean residual per estimation day (NaN on days with no event)."""
        x, fin = self.est_ar, self.est_finite
        count = np.zeros(x.shape[1], dtype=np.int64)
        total = np.zeros(x.shape[1])
        blocks = row_blocks(x.shape[0], x.shape[1])
        for block_total, block_count in map_blocks(
            lambda rows: (np.where(fin[rows], x[rows], 0.0).sum(axis=0), fin[rows].sum(axis=0)), blocks
        ):  # in block order: the same sum for any number of threads
            total += block_total
            count += block_count
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(count > 0, total / count, np.nan)

    @cached_property
    def positive_share(self) -> FloatArray:
        """(N,) share of positive estimation residuals per event (Cowan 1992), NaN without data."""
        positive = np.zeros(self.panel.n_events)

        def run(rows: slice) -> None:
            positive[rows] = ((self.est_ar[rows] > 0) & self.est_finite[rows]).sum(axis=1)

        self.est_finite  # noqa: B018 (computed once, before the threads read it)
        map_blocks(run, row_blocks(self.panel.n_events, self.est_ar.shape[1]))
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.est_count > 0, positive / self.est_count, np.nan)

    # -- combined estimation + event sample (Corrado 1989; Corrado and Zivney 1992) ----------------
    @cached_property
    def combined_mask(self) -> BoolArray:
        """(K,) axis days in the ranking sample: estimation days and event days."""
        return np.asarray(self.panel.is_estimation | self.panel.is_event, dtype=bool)

    _CODES = ("rank_codes", "est_rank_codes", "sign_codes", "est_order")

    def _codes(self, name: str) -> Any:
        """The cached array ``name`` of :data:`_CODES`, computed (with the other missing ones) by
        :meth:`_compute_codes` when missing (the estimation order is dropped once GRANK's sign counts
        of every window are known, see :meth:`drop_est_order`)."""
        if name not in self.__dict__:
            for key, value in zip(self._CODES, self._compute_codes(), strict=True):
                self.__dict__.setdefault(key, value)
        return self.__dict__[name]

    def drop_est_order(self) -> None:
        """Free :attr:`est_order` (recomputed if needed again)."""
        self.__dict__.pop("est_order", None)

    def _compute_codes(
        self,
    ) -> tuple[
        NDArray[np.signedinteger], NDArray[np.signedinteger], NDArray[np.int8], NDArray[np.unsignedinteger]
    ]:
        """One blocked pass over the ranking sample: rank codes, estimation rank codes, sign codes and
        the estimation order.

        Per event (row): twice the average rank of each AR over the combined sample and over the
        estimation days only (one sort serves both, see :func:`_code_block`; 0 where missing, and the
        estimation codes 0 on events whose residual sd is unusable), ``sign(AR - median over the
        combined sample)`` (0 where missing), and the estimation days in ascending order of AR. Row
        blocks run on :func:`dealstudy._parallel.map_blocks` threads, each writing its own rows.
        """
        p = self.panel
        combined = self.combined_mask
        in_est = np.asarray(p.is_estimation[combined], dtype=bool)
        kc, te = int(combined.sum()), int(in_est.sum())
        n = p.n_events
        code_dtype, est_dtype = _rank_code_dtype(kc), _rank_code_dtype(te)
        order_dtype = _order_dtype(te)
        rank_codes = np.zeros((n, kc), dtype=code_dtype)
        est_codes = np.zeros((n, te), dtype=est_dtype)
        sign_codes = np.zeros((n, kc), dtype=np.int8)
        est_order = np.zeros((n, te), dtype=order_dtype)
        usable = self.sigma_usable > 0
        ar = np.asarray(p.ar, dtype=float)
        est_all = np.asarray(p.is_estimation, dtype=bool)

        runs = _column_runs(combined)

        def run(rows: slice) -> None:
            # rank whole rows of the panel, the days outside the sample left out (no column copy)
            block = _code_block(ar[rows], est_all, code_dtype, est_dtype, order_dtype, include=combined)
            for source, target in runs:
                rank_codes[rows, target] = block.rank[:, source]
                sign_codes[rows, target] = block.sign[:, source]
            block.est[~usable[rows]] = 0
            est_codes[rows] = block.est
            est_order[rows] = block.est_order

        map_blocks(run, row_blocks(n, 2 * kc))  # half-size blocks: the sort keys' temporaries stay small
        return rank_codes, est_codes, sign_codes, est_order

    @property
    def rank_codes(self) -> NDArray[np.signedinteger]:
        """(N, K_c) twice the average rank of each AR over the combined sample, 0 where missing."""
        return self._codes("rank_codes")  # type: ignore[no-any-return]

    @property
    def est_rank_codes(self) -> NDArray[np.signedinteger]:
        """(N, T1) twice the average rank of each estimation residual (= SAR) within its event, 0 where
        missing or where the event's residual sd is unusable."""
        return self._codes("est_rank_codes")  # type: ignore[no-any-return]

    @property
    def sign_codes(self) -> NDArray[np.int8]:
        """(N, K_c) ``G_it = sign(AR_it - median_i)``, median over the combined sample; 0 where missing."""
        return self._codes("sign_codes")  # type: ignore[no-any-return]

    @property
    def est_order(self) -> NDArray[np.unsignedinteger]:
        """(N, T1) the estimation days of each event in ascending order of residual: first the days with
        a finite residual (``est_count`` of them; tied residuals in any order), then the others."""
        return self._codes("est_order")  # type: ignore[no-any-return]

    @cached_property
    def combined_count(self) -> FloatArray:
        """(N,) number of non-missing ARs in the ranking sample (``M_i``)."""
        return np.asarray((self.rank_codes > 0).sum(axis=1), dtype=float)

    # -- standardized estimation residuals (Kolari and Pynnonen 2011) ------------------------------
    @cached_property
    def est_sar_finite(self) -> BoolArray:
        """(N, T1) the estimation SAR is observed (finite)."""
        n, t = self.est_ar.shape
        out = np.empty((n, t), dtype=bool)
        sigma = np.asarray(self.panel.sigma, dtype=float)
        x = self.est_ar

        def run(rows: slice) -> None:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                np.isfinite(x[rows] / sigma[rows, None], out=out[rows])

        map_blocks(run, row_blocks(n, t))
        return out

    @cached_property
    def sigma_usable(self) -> FloatArray:
        """(N,) 1.0 where the residual sd is finite and positive, else 0.0."""
        sigma = np.asarray(self.panel.sigma, dtype=float)
        with np.errstate(invalid="ignore"):
            usable = np.isfinite(sigma) & (sigma > 0)
        return np.asarray(usable, dtype=float)

    @cached_property
    def est_sar_count(self) -> FloatArray:
        """(N,) number of non-missing estimation SARs."""
        return np.asarray(self.est_sar_finite.sum(axis=1), dtype=float)

    @cached_property
    def grank_weight(self) -> FloatArray:
        """(N,) ``1 / (T_i + 1)`` with ``T_i`` = non-missing estimation SARs + 1 (0 where sigma unusable)."""
        return self.sigma_usable / (self.est_sar_count + 2.0)

    @cached_property
    def ones(self) -> FloatArray:
        return np.ones(self.panel.n_events, dtype=float)

    # -- per-event, per-day matrices the column sums use (rebuilt from the codes block by block) -----
    def matrix_rows(self, matrix: str, rows: slice | NDArray[np.intp]) -> FloatArray:
        """Rows ``rows`` of one of the per-event, per-day matrices that :meth:`colsum` sums, as float64.

        ``combined_observed`` (1.0 where the AR is observed in the ranking sample), ``corrado_u_filled``
        (``U_it = rank_it / (1 + M_i) - 1/2``, 0 where missing), ``corrado_g_filled`` (``G_it``, 0 where
        missing), ``est_sar_rank_filled`` (the average rank of each estimation SAR, 0 where missing or
        the sd is unusable) and ``est_sar_finite`` (1.0 where the estimation SAR is observed).
        """
        if matrix == "combined_observed":
            return (self.rank_codes[rows] > 0).astype(float)
        if matrix == "corrado_u_filled":
            codes = self.rank_codes[rows]
            m = self.combined_count[rows]
            u = (codes / 2.0) / (1.0 + m[:, None]) - 0.5
            return np.where(codes > 0, u, 0.0)
        if matrix == "corrado_g_filled":
            return self.sign_codes[rows].astype(float)
        if matrix == "est_sar_rank_filled":
            return self.est_rank_codes[rows] / 2.0
        if matrix == "est_sar_finite":
            return self.est_sar_finite[rows].astype(float)
        raise KeyError(f"unknown per-event matrix {matrix!r}")

    def _row_nonzero(self, matrix: str) -> BoolArray:
        """(N,) events whose row of ``matrix`` can be non-zero (events without data add nothing)."""
        if matrix.startswith(("combined_", "corrado_")):
            return np.asarray(self.combined_count > 0, dtype=bool)
        return np.asarray((self.est_count > 0) & (self.sigma_usable > 0), dtype=bool)

    @cached_property
    def sar_overflow(self) -> bool:
        """Whether some finite estimation residual of an event with a usable sd has a non-finite SAR
        (``AR / sigma`` overflows); then that SAR counts as missing."""
        usable = self.sigma_usable > 0
        return bool((self.est_count[usable] != self.est_sar_count[usable]).any())

    def colsum(self, matrix: str, weight: str, mask: BoolArray) -> FloatArray:
        """``sum_i mask_i * weight_i * matrix[i, :]`` for a per-event ``matrix`` and cached ``weight``.

        The full weighted sum over all events is computed once (in row blocks); each call subtracts the
        few events outside ``mask`` (events a window drops for a missing day), so per-window cost is small.
        """
        key = f"_colsum_{matrix}_{weight}"
        w: FloatArray = getattr(self, weight)
        if key not in self.__dict__:
            width = self.matrix_rows(matrix, slice(0, 0)).shape[1]  # (also computes the caches it uses)
            part_of, n_parts = self.parts, self.part_count

            def block_sums(rows: slice) -> list[FloatArray]:
                values = self.matrix_rows(matrix, rows)
                sums = [w[rows] @ values]
                if part_of is not None:  # each part's events' sum too, for its own panel
                    sums.extend(np.where(part_of[rows] == p, w[rows], 0.0) @ values for p in range(n_parts))
                return sums

            totals = [np.zeros(width) for _ in range(1 + n_parts)]
            for sums in map_blocks(block_sums, row_blocks(self.panel.n_events, width)):
                for total, part in zip(totals, sums, strict=True):  # block order: any number of threads
                    total += part
            self.__dict__[key] = totals[0]
            for p in range(n_parts):
                self.part_shared[p][key] = totals[1 + p]
        full = self.__dict__[key]
        drop = np.flatnonzero(~mask & (w != 0) & self._row_nonzero(matrix))
        if drop.size:
            return np.asarray(full - w[drop] @ self.matrix_rows(matrix, drop), dtype=float)
        return np.asarray(full.copy(), dtype=float)

    # -- GRANK sign counts (Kolari and Pynnonen 2011) ----------------------------------------------
    @cached_property
    def _sign_count_chunks(self) -> tuple[NDArray[np.intp], list[tuple[int, int, int, int]], FloatArray]:
        """Events with a usable sd ordered by weight class (their number of estimation SARs) and part
        (when the panel has parts), cut into chunks of at most :data:`SIGN_COUNT_CHUNK` rows within one
        class and part.

        Returns the event order, the chunks ``(start, stop, class, part)`` as positions in that order,
        and each class's ``grank_weight``.
        """
        usable = np.flatnonzero(self.sigma_usable > 0)
        count = self.est_sar_count[usable]
        _, first, cls = np.unique(count, return_index=True, return_inverse=True)
        n_parts = max(self.part_count, 1)
        part = self.parts[usable] if self.parts is not None else np.zeros(usable.size, dtype=np.intp)
        key = cls.ravel() * n_parts + part
        local = np.argsort(key, kind="stable")
        order, key = usable[local], key[local]
        starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]]) if order.size else np.zeros(0, np.intp)
        bounds = np.r_[starts, order.size]
        chunks = [
            (a, min(a + SIGN_COUNT_CHUNK, int(b)), int(key[start]) // n_parts, int(key[start]) % n_parts)
            for start, b in itertools.pairwise(bounds)
            for a in range(int(start), int(b), SIGN_COUNT_CHUNK)
        ]
        return order, chunks, np.asarray(self.grank_weight[usable[first]], dtype=float)

    def sign_count_sums(
        self, g: FloatArray, threads: int | None = None
    ) -> tuple[FloatArray, NDArray[np.int16]]:
        """GRANK's comparisons of each event's estimation SARs with per-event values, for several sets
        of values at once.

        ``g`` is (N, W): column ``w`` holds a value per event, NaN for events not to count. With
        ``lt_itw = [SAR_it < g_iw]`` and ``le_itw = [SAR_it <= g_iw]`` (0 where the SAR is missing),
        returns

        - ``sums`` (1 + parts, W, T1): ``sum_i grank_weight_i * (lt_itw + le_itw)`` over all events
          (``sums[0]``) and over the events of each part (``sums[1 + p]``), each the integer counts of a
          weight class multiplied by its weight and added in class order (exact counts; the same sums
          for any number of threads, and a part's sums are those its own panel would find);
        - ``counts`` (N, W): ``sum_t (lt_itw + le_itw)``, twice the number of SARs below ``g_iw`` plus
          the number equal to it.

        Each event's SARs are compared through their rank codes: with ``a`` SARs below ``g`` and ``b``
        at most ``g`` (binary searches in the event's SARs sorted by :attr:`est_order`),
        ``SAR < g`` exactly where ``(code - 1) // 2 < a`` and ``SAR <= g`` where ``(code - 1) // 2 < b``
        (the ranks of a run of equal values lie between the ranks below and above it). The SARs are
        rebuilt as ``AR / sigma`` exactly as elsewhere. Not for panels with :attr:`sar_overflow` (an
        infinite SAR would be counted). Chunks run on :func:`dealstudy._parallel.map_blocks` threads.
        """
        n, te = self.est_ar.shape
        n_w = g.shape[1]
        order, chunks, weights = self._sign_count_chunks
        sigma = np.asarray(self.panel.sigma, dtype=float)
        codes = self.est_rank_codes
        est_order = self.est_order
        width = 1 << max(te, 1).bit_length()  # a power of two above te: the searches' padded rows
        code_dtype = np.uint8 if te < np.iinfo(np.uint8).max else np.uint16
        code_max = np.iinfo(code_dtype).max

        est_count = np.asarray(self.est_count, dtype=np.intp)
        source = _flat_columns(np.asarray(self.panel.ar), np.asarray(self.panel.is_estimation))
        tail = np.arange(width) >= te

        def run(
            chunk: tuple[int, int, int, int],
        ) -> tuple[NDArray[np.int16], NDArray[np.intp], NDArray[np.int16]]:
            idx = order[chunk[0] : chunk[1]]
            rows = idx.size
            gg = g[idx]
            # each event's SARs in ascending order, padded with +inf past its finite ones
            padded = np.empty((rows, width))
            positions = est_order[idx].astype(np.intp)
            if source is None:
                padded[:, :te] = np.take_along_axis(self.est_ar[idx], positions, axis=1)
            else:
                flat_source, row_length, first = source
                positions += (idx * row_length + first)[:, None]
                padded[:, :te] = flat_source[positions]
            del positions
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                padded[:, :te] /= sigma[idx, None]
            np.copyto(padded, np.inf, where=tail | (np.arange(width) >= est_count[idx, None]))
            flat = padded.ravel()
            base = np.arange(0, rows * width, width)[:, None]
            below = _count_sorted(flat, base, gg, width, strict=True)
            equal = flat[base + below] == gg
            at_most = _count_sorted(flat, base, gg, width, strict=False) if equal.any() else below
            del padded, flat
            half = (codes[idx] - 1) >> 1  # missing (code 0) -> -1 -> the largest unsigned value
            half_codes: NDArray[np.unsignedinteger] = half.astype(code_dtype)
            del half
            total = np.zeros((n_w, te), dtype=np.int16)  # at most 2 * SIGN_COUNT_CHUNK per day
            for limit in (below,) if at_most is below else (below, at_most):
                threshold = np.minimum(limit, code_max).astype(code_dtype)[:, :, None]
                for start in range(0, rows, _UINT8_ROWS):  # at most 255 rows: the counts fit in uint8
                    part = slice(start, start + _UINT8_ROWS)
                    lt = np.less(half_codes[part, None, :], threshold[part])
                    total += lt.view(np.uint8).sum(axis=0, dtype=np.uint8)
            if at_most is below:
                total *= 2
            return total, idx, (below + at_most).astype(np.int16)

        n_parts = max(self.part_count, 1)
        sums = np.zeros((1 + self.part_count, n_w, te))
        counts = np.zeros((n, n_w), dtype=np.int16)
        class_total = np.zeros((n_w, te), dtype=np.int64)
        part_total = np.zeros((n_parts, n_w, te), dtype=np.int64)
        wave = 16 * thread_count()  # chunks run at once, so that few chunks' results are held
        for first in range(0, len(chunks), wave):
            results = map_blocks(run, chunks[first : first + wave], threads)
            for k, (total, idx, both) in enumerate(results, start=first):
                c, p = chunks[k][2], chunks[k][3]
                part_total[p] += total
                counts[idx] = both
                if k + 1 == len(chunks) or chunks[k + 1][2] != c:  # the class's last chunk: add its sums
                    class_total[...] = part_total.sum(axis=0)
                    sums[0] += weights[c] * class_total
                    for q in range(self.part_count):
                        sums[1 + q] += weights[c] * part_total[q]
                    part_total[...] = 0
        return sums, counts

    # -- cross-correlation (Kolari and Pynnonen 2010) ----------------------------------------------
    @cached_property
    def rbar(self) -> tuple[float, int]:
        """Mean pairwise correlation of estimation residuals and the number of events it is based on.

        With parts, the pass over all events also gives each part's pooled estimate (where the part
        has more than :data:`RBAR_EXACT_MAX_EVENTS` events), which :meth:`part` hands on."""
        if self.parts is None:
            return mean_pairwise_correlation(self.est_ar)
        whole, by_part = _mean_pairwise_correlation_parts(
            self.est_ar, RBAR_EXACT_MAX_EVENTS, self.parts, self.part_count
        )
        for p, value in by_part.items():
            self.part_shared[p]["rbar"] = value
        return whole


SIGN_COUNT_CHUNK = 1020
"""Rows of one chunk of :meth:`PreparedPanel.sign_count_sums` (counted in parts of 255 rows, whose
per-day counts fit in ``uint8``)."""

_UINT8_ROWS = 255


def _flat_columns(x: NDArray[_T], columns: BoolArray) -> tuple[NDArray[_T], int, int] | None:
    """``(x.ravel(), row length, first column)`` when ``x`` is C-contiguous and ``columns`` are contiguous,
    so that ``x[i, columns][j]`` is ``flat[i * row_length + first + j]``; else None."""
    idx = np.flatnonzero(columns)
    if not x.flags.c_contiguous or idx.size == 0 or idx[-1] - idx[0] + 1 != idx.size:
        return None
    return x.ravel(), int(x.shape[1]), int(idx[0])


def _count_sorted(
    flat: FloatArray, base: NDArray[np.intp], values: FloatArray, width: int, *, strict: bool
) -> NDArray[np.int32]:
    """Per row and column of ``values`` (rows, W): how many entries of that row of the sorted rows
    ``flat.reshape(rows, width)`` (ascending, padded with +inf; row ``r`` starts at ``base[r]``) are
    ``< value`` (``strict``) or ``<= value``; 0 for a NaN value. Branch-free binary search: ``width``
    must be a power of two above the count of finite entries."""
    pos = np.zeros(values.shape, dtype=np.int32)
    base32 = base.astype(np.int32)
    compare = np.less if strict else np.less_equal
    step = width >> 1
    while step:
        hit = compare(np.take(flat, pos + (base32 + (step - 1))), values)
        pos += hit * np.int32(step)
        step >>= 1
    return pos


def mean_pairwise_correlation(x: FloatArray, exact_max: int = RBAR_EXACT_MAX_EVENTS) -> tuple[float, int]:
    """Mean of the pairwise Pearson correlations between the rows of ``x``.

    Rows with fewer than 3 observations are left out. Up to ``exact_max`` rows, each pair's correlation
    uses only the days both rows observe (at least 3, with non-zero variance on those days in both rows;
    pairs without a defined correlation are left out of the mean), computed for all pairs at once by
    matrix products.

    Above ``exact_max`` rows (the N^2 pairs would not fit in memory), the pooled estimator is used:
    with each row standardized over its own observed days (:math:`z_{it}`, mean 0, sd 1 with ddof 1, 0
    where missing) and :math:`N_t` rows observed on day :math:`t`,

    .. math:: \\bar r = \\frac{\\sum_t \\bigl[(\\sum_i z_{it})^2 - \\sum_i z_{it}^2\\bigr]}
              {\\sum_t (N_t^2 - N_t) - N(N-1)},

    i.e. the sum over ordered pairs of :math:`\\sum_t z_{it} z_{jt}` divided by the sum of their
    :math:`n_{ij} - 1`. Without missing days it equals the mean of the pairwise correlations exactly;
    with missing days it is the pooled version of the same average. It uses every row, so unlike a
    subsample it adds no sampling noise to :math:`\\bar r`, which matters because Kolari-Pynnonen's
    factor :math:`1 + (N-1)\\bar r` multiplies any error by N.

    Returns
    -------
    (rbar, n_rows)
        NaN when no pair has a defined correlation.
    """
    return _mean_pairwise_correlation_parts(x, exact_max)[0]


def _mean_pairwise_correlation_parts(
    x: FloatArray, exact_max: int, parts: NDArray[np.intp] | None = None, n_parts: int = 0
) -> tuple[tuple[float, int], dict[int, tuple[float, int]]]:
    """:func:`mean_pairwise_correlation` of all rows and, from the same pass, of the rows of each part
    (``parts``: the part of each row): with the pooled estimator for the parts with more than
    ``exact_max`` usable rows (the other parts are then left out of the dict), or pair by pair when all
    rows are at most ``exact_max`` (each part's pairs are among all rows' pairs)."""
    count = np.zeros(x.shape[0], dtype=np.int64)

    def count_rows(rows: slice) -> None:
        count[rows] = np.isfinite(x[rows]).sum(axis=1)

    map_blocks(count_rows, row_blocks(x.shape[0], x.shape[1]))
    keep = count >= 3
    n = int(keep.sum())
    part_n = np.bincount(parts[keep], minlength=n_parts) if parts is not None else np.zeros(0, np.int64)
    if n > exact_max:
        pooled = [p for p in range(n_parts) if part_n[p] > exact_max]
        whole, pooled_values = _pooled_correlation(x, keep, parts, pooled)
        return (whole, n), {p: (pooled_values[p], int(part_n[p])) for p in pooled}
    if n < 2:
        return (float("nan"), n), {p: (float("nan"), int(part_n[p])) for p in range(n_parts)}
    i, j, r, ok = _pairwise_correlations(np.asarray(x[keep], dtype=float))
    whole = float(np.clip(r[ok], -1.0, 1.0).mean()) if ok.any() else float("nan")
    by_part: dict[int, tuple[float, int]] = {}
    if parts is not None:
        kept_parts = parts[keep]
        for p in range(n_parts):
            in_part = ok & (kept_parts[i] == p) & (kept_parts[j] == p)  # the part's pairs, in its order
            value = float(np.clip(r[in_part], -1.0, 1.0).mean()) if in_part.any() else float("nan")
            by_part[p] = (value, int(part_n[p]))
    return (whole, n), by_part


def _pairwise_correlations(
    x: FloatArray,
) -> tuple[NDArray[np.intp], NDArray[np.intp], FloatArray, BoolArray]:
    """Each pair of rows ``(i, j)``, ``i < j``, in row-major order, its correlation over the days both
    observe, and whether that correlation is defined (see :func:`mean_pairwise_correlation`)."""
    n = x.shape[0]
    fin = np.isfinite(x)
    m = fin.astype(float)
    v = np.where(fin, x, 0.0)
    # Centre each row on its own mean for numerical stability (correlations are shift invariant).
    mu, _ = masked_mean(x, fin, axis=1)
    v = np.where(fin, v - mu[:, None], 0.0)
    v2 = v * v
    n_ij = m @ m.T
    sx = v @ m.T  # sum of x_i over days both observe
    sxx = v2 @ m.T
    sxy = v @ v.T
    raw2 = np.where(fin, x * x, 0.0) @ m.T  # scale of x_i on the common days, for a relative tolerance
    # each pair (i < j) once, in row-major order: y = row j, so sum y = sx[j, i] and sum y^2 = sxx[j, i]
    i, j = np.triu_indices(n, 1)
    n_pair, sum_x, sum_y = n_ij[i, j], sx[i, j], sx[j, i]
    with np.errstate(invalid="ignore", divide="ignore"):
        cov = sxy[i, j] - sum_x * sum_y / n_pair
        vx = sxx[i, j] - sum_x * sum_x / n_pair
        vy = sxx[j, i] - sum_y * sum_y / n_pair
        r = cov / np.sqrt(vx * vy)
    ok = (n_pair >= 3) & (vx > 1e-12 * raw2[i, j]) & (vy > 1e-12 * raw2[j, i]) & np.isfinite(r)
    return i, j, r, ok


def _pooled_correlation(
    x: FloatArray,
    keep: BoolArray,
    parts: NDArray[np.intp] | None = None,
    pooled_parts: list[int] | None = None,
) -> tuple[float, dict[int, float]]:
    """The pooled mean pairwise correlation of :func:`mean_pairwise_correlation` (O(N T)) over the rows
    of ``x`` where ``keep``, and over those of each part in ``pooled_parts`` (``parts``: the part of each
    row), in row blocks (no (N, T) temporary) on :func:`dealstudy._parallel.map_blocks` threads; the
    blocks' column sums are added in block order."""
    n_rows, t = x.shape
    chosen = pooled_parts or []
    _Sums = tuple[int, FloatArray, float, NDArray[np.int64]]

    def block_sums(rows: slice) -> list[_Sums | None]:
        # each row's mean, sd and whether it is usable; then its standardized values
        xb = x[rows]
        fin = np.isfinite(xb)
        mu_b, count_b = masked_mean(xb, fin, axis=1)
        centred = np.where(fin, xb - mu_b[:, None], 0.0)
        with np.errstate(invalid="ignore", divide="ignore"):
            sd_b = np.sqrt((centred**2).sum(axis=1) / (count_b - 1.0))
            ok = sd_b > 1e-12 * np.sqrt(np.where(fin, xb * xb, 0.0).sum(axis=1) / count_b)
        use = ok & keep[rows]
        if not use.any():
            return [None] * (1 + len(chosen))
        z = centred[use] / sd_b[use, None]
        fin_used = fin[use]
        out: list[_Sums | None] = [(int(use.sum()), z.sum(axis=0), float((z**2).sum()), fin_used.sum(axis=0))]
        if chosen and parts is not None:
            part_used = parts[rows][use]
            for p in chosen:
                sel = part_used == p
                zp = z[sel]
                out.append((int(sel.sum()), zp.sum(axis=0), float((zp**2).sum()), fin_used[sel].sum(axis=0)))
        return out

    def correlation(sums: list[_Sums | None]) -> float:
        n = 0
        col = np.zeros(t)
        squares = 0.0
        n_t = np.zeros(t)
        for part in sums:  # in block order
            if part is not None:
                n += part[0]
                col += part[1]
                squares += part[2]
                n_t += part[3]
        if n < 2:
            return float("nan")
        numerator = float((col**2).sum()) - squares
        denominator = float((n_t**2 - n_t).sum()) - n * (n - 1.0)
        if not denominator > 0:
            return float("nan")
        return numerator / denominator

    blocks = map_blocks(block_sums, row_blocks(n_rows, t))
    whole = correlation([b[0] for b in blocks])
    return whole, {p: correlation([b[1 + i] for b in blocks]) for i, p in enumerate(chosen)}
