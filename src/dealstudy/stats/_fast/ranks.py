"""Ranks within rows: average ranks as floats, and exact integer rank codes from one sort of packed keys.

The rank tests (Corrado 1989, Corrado and Zivney 1992, Kolari and Pynnonen 2011) rank each event's
abnormal returns over its own days. :func:`rank_rows` is the plain version (argsort, ties averaged as
``scipy.stats.rankdata(..., method="average")``); :func:`panel_codes` ranks a whole panel in row blocks
as integer codes (twice the average rank, 0 where missing), which are exact and take a quarter of the
memory of float ranks.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats._fast.blocks import column_runs, column_view, row_blocks
from dealstudy.stats.panel import BoolArray, FloatArray

__all__ = ["CodeBlock", "PanelCodes", "code_block", "panel_codes", "rank_rows", "rank_rows_two"]


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
    rank_all, rank_part, _, _, _ = rank_rows_ordered(x, part)
    return rank_all, rank_part


def rank_rows_ordered(
    x: FloatArray, part: BoolArray
) -> tuple[FloatArray, FloatArray, FloatArray, NDArray[np.intp], BoolArray]:
    """:func:`rank_rows_two` plus each row sorted ascending (non-finite values as NaN, last), the sorting
    permutation of each row and which sorted entries are finite ``part`` columns (the exact,
    argsort-based ranking)."""
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


def sortable_keys(x: FloatArray, fin: BoolArray) -> tuple[NDArray[np.int64], int]:
    """Each value of ``x`` as an ``int64`` key that sorts like the value, its low bits replaced by the
    column index; non-finite values (``~fin``) get keys above every finite one, further apart than the
    index bits (so that they never look tied).

    Returns the keys and the number of low bits holding the column index. Two finite values whose keys
    differ by at most the index bits may be equal or differ only in their last mantissa bits: the caller
    must not rely on the key order for them (:func:`code_block` ranks such rows exactly instead).
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
class CodeBlock:
    """Rank codes, estimation rank codes, estimation sort order and sign codes of a block of rows."""

    rank: NDArray[np.signedinteger]
    est: NDArray[np.signedinteger]
    est_order: NDArray[np.unsignedinteger]
    sign: NDArray[np.int8]


def code_block(
    x: FloatArray,
    in_est: BoolArray,
    code_dtype: type[np.signedinteger],
    est_dtype: type[np.signedinteger],
    order_dtype: type[np.unsignedinteger],
    include: BoolArray | None = None,
) -> CodeBlock:
    """Rank codes (twice the average rank, 0 where missing) of each row of ``x`` over all its columns
    and over the ``in_est`` columns, the ``in_est`` columns of each row in ascending order of value (its
    finite values first; ties in any order), and ``sign(x - row median)`` (0 where missing).

    Rows are ranked by one sort of packed keys (:func:`sortable_keys`); rows where two finite values
    cannot be told apart by their keys (ties or near ties) are ranked by :func:`rank_rows_ordered`
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
        return CodeBlock(
            np.zeros((n, k), dtype=code_dtype),
            np.zeros((n, te), dtype=est_dtype),
            np.zeros((n, te), dtype=order_dtype),
            np.zeros((n, k), dtype=np.int8),
        )
    key, shift = sortable_keys(x, fin)
    low = (1 << shift) - 1
    est_key = np.array(column_view(key, in_est))  # a copy, sorted on its own: estimation ranks, order
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
    est, order_est = _estimation_codes(
        est_key, low, est_col, column_view(fin, in_est), est_dtype, order_dtype
    )
    lo = np.clip((m - 1) // 2, 0, k - 1)
    hi = np.clip(m // 2, 0, k - 1)
    r = np.arange(n)
    xs_lo, xs_hi = x.ravel()[flat[r, lo]], x.ravel()[flat[r, hi]]
    if exact.size:  # ties or near ties: the argsort-based average ranks
        x_exact = x[exact] if include is None else np.where(include, x[exact], np.nan)
        rank_all, rank_part, xs, order, in_part = rank_rows_ordered(x_exact, in_est)
        rank[exact] = np.nan_to_num(2.0 * rank_all, nan=0.0)
        est[exact] = np.nan_to_num(2.0 * rank_part, nan=0.0)
        order_est[exact] = _exact_order(order, in_part, est_col, te, order_dtype)
        re = np.arange(exact.size)
        xs_lo[exact], xs_hi[exact] = xs[re, lo[exact]], xs[re, hi[exact]]
    with np.errstate(invalid="ignore"):  # rows without data: med NaN (their x values are not finite)
        med = np.where(m > 0, 0.5 * (xs_lo + xs_hi), np.nan)[:, None]
        # sign(x - med) (x - med is 0 only where x == med); 0 where x is missing
        above = (x > med) & fin
        below = (x < med) & fin
    sign = above.view(np.int8) - below.view(np.int8)
    return CodeBlock(rank, est, order_est, sign)


def _estimation_codes(
    est_key: NDArray[np.int64],
    low: int,
    est_col: NDArray[np.intp],
    fin_est: BoolArray,
    est_dtype: type[np.signedinteger],
    order_dtype: type[np.unsignedinteger],
) -> tuple[NDArray[np.signedinteger], NDArray[np.unsignedinteger]]:
    """Rank codes among the estimation columns and the estimation columns in ascending order, from the
    estimation columns' packed keys (sorted here, in place) and which of them are finite."""
    n, te = est_key.shape
    est_key.sort(axis=1)
    est_key &= low
    order_est = np.take(est_col, est_key).astype(order_dtype)
    flat = order_est.astype(np.intp)
    flat += np.arange(0, n * te, te)[:, None]
    twice_est = np.arange(2, 2 * te + 1, 2, dtype=est_dtype)
    m_est = fin_est.sum(axis=1)
    est = np.empty((n, te), dtype=est_dtype)
    est.ravel()[flat] = np.where(twice_est <= 2 * m_est[:, None], twice_est, 0)
    return est, order_est


def _exact_order(
    order: NDArray[np.intp],
    in_part: BoolArray,
    est_col: NDArray[np.intp],
    te: int,
    order_dtype: type[np.unsignedinteger],
) -> NDArray[np.unsignedinteger]:
    """The estimation order of rows ranked by :func:`rank_rows_ordered` (its sorting permutation and
    which sorted entries are finite estimation columns)."""
    sub = np.zeros((order.shape[0], te), dtype=order_dtype)
    r_idx, s_idx = np.nonzero(in_part)
    sub[r_idx, np.cumsum(in_part, axis=1)[r_idx, s_idx] - 1] = est_col[order[r_idx, s_idx]]
    return sub


def rank_code_dtype(width: int) -> type[np.signedinteger]:
    """Smallest signed integer type that holds twice a rank among ``width`` values."""
    return np.int16 if 2 * width <= np.iinfo(np.int16).max else np.int32


def order_dtype_for(width: int) -> type[np.unsignedinteger]:
    """Smallest unsigned integer type that holds a column index among ``width`` columns (and ``width``)."""
    for dtype in (np.uint8, np.uint16):
        if width <= np.iinfo(dtype).max:
            return dtype
    return np.uint32


@dataclass(frozen=True)
class PanelCodes:
    """The rank codes of a panel's ranking sample (see :func:`panel_codes`)."""

    rank: NDArray[np.signedinteger]  # (N, K_c) twice the average rank over the combined sample
    est: NDArray[np.signedinteger]  # (N, T1) twice the average rank over the estimation days
    sign: NDArray[np.int8]  # (N, K_c) sign(AR - median over the combined sample)
    est_order: NDArray[np.unsignedinteger] | None  # (N, T1) estimation days by AR (None once dropped)


def panel_codes(
    ar: FloatArray, is_estimation: BoolArray, combined: BoolArray, usable: BoolArray
) -> PanelCodes:
    """One blocked pass over the ranking sample ``combined`` of the (N, K) abnormal returns ``ar``.

    Per event (row): twice the average rank of each AR over the combined sample and over the
    estimation days only (one sort serves both, see :func:`code_block`; 0 where missing, and the
    estimation codes 0 on events whose residual sd is unusable, ``~usable``), ``sign(AR - median over
    the combined sample)`` (0 where missing), and the estimation days in ascending order of AR. Row
    blocks run on :func:`dealstudy._parallel.map_blocks` threads, each writing its own rows.
    """
    in_est = np.asarray(is_estimation[combined], dtype=bool)
    kc, te = int(combined.sum()), int(in_est.sum())
    n = ar.shape[0]
    code_dtype, est_dtype = rank_code_dtype(kc), rank_code_dtype(te)
    order_dtype = order_dtype_for(te)
    rank_codes = np.zeros((n, kc), dtype=code_dtype)
    est_codes = np.zeros((n, te), dtype=est_dtype)
    sign_codes = np.zeros((n, kc), dtype=np.int8)
    est_order = np.zeros((n, te), dtype=order_dtype)
    runs = column_runs(combined)

    def run(rows: slice) -> None:
        # rank whole rows of the panel, the days outside the sample left out (no column copy)
        block = code_block(ar[rows], is_estimation, code_dtype, est_dtype, order_dtype, include=combined)
        for source, target in runs:
            rank_codes[rows, target] = block.rank[:, source]
            sign_codes[rows, target] = block.sign[:, source]
        block.est[~usable[rows]] = 0
        est_codes[rows] = block.est
        est_order[rows] = block.est_order

    map_blocks(run, row_blocks(n, 2 * kc))  # half-size blocks: the sort keys' temporaries stay small
    return PanelCodes(rank_codes, est_codes, sign_codes, est_order)
