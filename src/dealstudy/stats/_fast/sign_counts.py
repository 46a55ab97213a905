"""GRANK's sign counts (Kolari and Pynnonen 2011): how many of each event's estimation SARs lie below
(or at) a per-event value, for several sets of values at once, from the rank codes and binary searches.

The plain computation compares the (N, T1) standardized estimation residuals with each value; here each
event's SARs are sorted once (by :attr:`PreparedPanel.est_order`), the value's position among them is
found by a branch-free binary search, and the comparisons become comparisons of small integer rank
codes, counted in ``uint8`` per day over chunks of events of one weight class.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks, thread_count
from dealstudy.stats._fast.blocks import flat_columns
from dealstudy.stats.panel import BoolArray, FloatArray

if TYPE_CHECKING:
    from dealstudy.stats._fast.prepared import PreparedPanel

__all__ = ["SIGN_COUNT_CHUNK", "sign_count_chunks", "sign_count_sums"]

SIGN_COUNT_CHUNK = 1020
"""Rows of one chunk of :func:`sign_count_sums` (counted in parts of 255 rows, whose per-day counts fit
in ``uint8``)."""

_UINT8_ROWS = 255

Chunk = tuple[int, int, int, int]
"""``(start, stop, weight class, part)``: positions in the event order of :func:`sign_count_chunks`."""


def sign_count_chunks(prep: PreparedPanel) -> tuple[NDArray[np.intp], list[Chunk], FloatArray]:
    """Events with a usable sd ordered by weight class (their number of estimation SARs) and part
    (when the panel has parts), cut into chunks of at most :data:`SIGN_COUNT_CHUNK` rows within one
    class and part.

    Returns the event order, the chunks ``(start, stop, class, part)`` as positions in that order,
    and each class's ``grank_weight``.
    """
    usable = np.flatnonzero(prep.sigma_usable > 0)
    count = prep.est_sar_count[usable]
    _, first, cls = np.unique(count, return_index=True, return_inverse=True)
    n_parts = max(prep.part_count, 1)
    part = prep.parts[usable] if prep.parts is not None else np.zeros(usable.size, dtype=np.intp)
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
    return order, chunks, np.asarray(prep.grank_weight[usable[first]], dtype=float)


def sign_count_sums(
    prep: PreparedPanel, g: FloatArray, threads: int | None = None
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
    at most ``g`` (binary searches in the event's SARs sorted by ``prep.est_order``),
    ``SAR < g`` exactly where ``(code - 1) // 2 < a`` and ``SAR <= g`` where ``(code - 1) // 2 < b``
    (the ranks of a run of equal values lie between the ranks below and above it). The SARs are
    rebuilt as ``AR / sigma`` exactly as elsewhere. Not for panels with ``prep.sar_overflow`` (an
    infinite SAR would be counted). Chunks run on :func:`dealstudy._parallel.map_blocks` threads.
    """
    n, te = prep.est_ar.shape
    n_w = g.shape[1]
    order, chunks, weights = prep.sign_count_chunks
    counter = _ChunkCounter(prep, g)
    sums = np.zeros((1 + prep.part_count, n_w, te))
    counts = np.zeros((n, n_w), dtype=np.int16)
    class_total = np.zeros((n_w, te), dtype=np.int64)
    part_total = np.zeros((max(prep.part_count, 1), n_w, te), dtype=np.int64)
    wave = 16 * thread_count()  # chunks run at once, so that few chunks' results are held
    for first in range(0, len(chunks), wave):
        results = map_blocks(
            counter.count, [order[c[0] : c[1]] for c in chunks[first : first + wave]], threads
        )
        for k, (total, idx, both) in enumerate(results, start=first):
            c, p = chunks[k][2], chunks[k][3]
            part_total[p] += total
            counts[idx] = both
            if k + 1 == len(chunks) or chunks[k + 1][2] != c:  # the class's last chunk: add its sums
                class_total[...] = part_total.sum(axis=0)
                sums[0] += weights[c] * class_total
                for q in range(prep.part_count):
                    sums[1 + q] += weights[c] * part_total[q]
                part_total[...] = 0
    return sums, counts


class _ChunkCounter:
    """The counts of :func:`sign_count_sums` for one chunk of events (one weight class and part)."""

    def __init__(self, prep: PreparedPanel, g: FloatArray) -> None:
        self.g = g
        self.est_ar = prep.est_ar
        self.te = self.est_ar.shape[1]
        self.sigma = np.asarray(prep.panel.sigma, dtype=float)
        self.codes = prep.est_rank_codes
        self.est_order = prep.est_order
        self.width = 1 << max(self.te, 1).bit_length()  # a power of two above te: the searches' padded rows
        self.code_dtype = np.uint8 if self.te < np.iinfo(np.uint8).max else np.uint16
        self.est_count = np.asarray(prep.est_count, dtype=np.intp)
        self.source = flat_columns(np.asarray(prep.panel.ar), np.asarray(prep.panel.is_estimation))
        self.tail: BoolArray = np.arange(self.width) >= self.te

    def sorted_sars(self, idx: NDArray[np.intp]) -> FloatArray:
        """Each event's SARs in ascending order, padded with +inf past its finite ones (rows, width)."""
        te, width = self.te, self.width
        padded = np.empty((idx.size, width))
        positions = self.est_order[idx].astype(np.intp)
        if self.source is None:
            padded[:, :te] = np.take_along_axis(self.est_ar[idx], positions, axis=1)
        else:
            flat_source, row_length, first = self.source
            positions += (idx * row_length + first)[:, None]
            padded[:, :te] = flat_source[positions]
        del positions
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            padded[:, :te] /= self.sigma[idx, None]
        np.copyto(padded, np.inf, where=self.tail | (np.arange(width) >= self.est_count[idx, None]))
        return padded

    def count(self, idx: NDArray[np.intp]) -> tuple[NDArray[np.int16], NDArray[np.intp], NDArray[np.int16]]:
        """Per day, ``sum (lt + le)`` over the chunk's events ``idx`` (W, T1), and per event and window
        ``sum_t (lt + le)``."""
        rows, width = idx.size, self.width
        gg = self.g[idx]
        flat = self.sorted_sars(idx).ravel()
        base = np.arange(0, rows * width, width)[:, None]
        below = _count_sorted(flat, base, gg, width, strict=True)
        equal = flat[base + below] == gg
        at_most = _count_sorted(flat, base, gg, width, strict=False) if equal.any() else below
        del flat
        half = (self.codes[idx] - 1) >> 1  # missing (code 0) -> -1 -> the largest unsigned value
        half_codes: NDArray[np.unsignedinteger] = half.astype(self.code_dtype)
        del half
        code_max = np.iinfo(self.code_dtype).max
        total = np.zeros((gg.shape[1], self.te), dtype=np.int16)  # at most 2 * SIGN_COUNT_CHUNK per day
        for limit in (below,) if at_most is below else (below, at_most):
            threshold = np.minimum(limit, code_max).astype(self.code_dtype)[:, :, None]
            for start in range(0, rows, _UINT8_ROWS):  # at most 255 rows: the counts fit in uint8
                part = slice(start, start + _UINT8_ROWS)
                lt = np.less(half_codes[part, None, :], threshold[part])
                total += lt.view(np.uint8).sum(axis=0, dtype=np.uint8)
        if at_most is below:
            total *= 2
        return total, idx, (below + at_most).astype(np.int16)


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
