"""Weighted column sums of per-event, per-day matrices: the day sums of the rank and sign tests.

The matrices are not stored: each is rebuilt block by block from the prepared panel's integer codes
(:meth:`~dealstudy.stats._fast.prepared.PreparedPanel.colsum` keeps the sums, not the matrices).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from dealstudy._parallel import map_blocks
from dealstudy.stats._fast.blocks import row_blocks
from dealstudy.stats.panel import BoolArray, FloatArray

if TYPE_CHECKING:
    from dealstudy.stats._fast.prepared import PreparedPanel

__all__ = ["Matrix", "Weight", "full_colsums", "matrix_rows", "row_nonzero"]


class Matrix(enum.Enum):
    """The per-event, per-day matrices whose weighted column sums the rank and sign tests use."""

    COMBINED_OBSERVED = "combined_observed"  # 1.0 where the AR is observed in the ranking sample
    CORRADO_U = "corrado_u"  # U_it = rank_it / (1 + M_i) - 1/2, 0 where missing
    CORRADO_G = "corrado_g"  # G_it = sign(AR_it - median_i), 0 where missing
    EST_SAR_RANK = "est_sar_rank"  # average rank of each estimation SAR, 0 where missing / sd unusable
    EST_SAR_FINITE = "est_sar_finite"  # 1.0 where the estimation SAR is observed


class Weight(enum.Enum):
    """The per-event weights of those column sums."""

    ONES = "ones"
    SIGMA_USABLE = "sigma_usable"  # 1.0 where the residual sd is finite and positive
    GRANK = "grank_weight"  # 1 / (T_i + 1), GRANK's weight class


def matrix_rows(prep: PreparedPanel, matrix: Matrix, rows: slice | NDArray[np.intp]) -> FloatArray:
    """Rows ``rows`` of ``matrix`` (see :class:`Matrix`) as float64."""
    if matrix is Matrix.COMBINED_OBSERVED:
        return (prep.rank_codes[rows] > 0).astype(float)
    if matrix is Matrix.CORRADO_U:
        codes = prep.rank_codes[rows]
        m = prep.combined_count[rows]
        u = (codes / 2.0) / (1.0 + m[:, None]) - 0.5
        return np.where(codes > 0, u, 0.0)
    if matrix is Matrix.CORRADO_G:
        return prep.sign_codes[rows].astype(float)
    if matrix is Matrix.EST_SAR_RANK:
        return prep.est_rank_codes[rows] / 2.0
    return prep.est_sar_finite_rows(rows).astype(float)


def row_nonzero(prep: PreparedPanel, matrix: Matrix) -> BoolArray:
    """(N,) events whose row of ``matrix`` can be non-zero (events without data add nothing)."""
    if matrix in (Matrix.COMBINED_OBSERVED, Matrix.CORRADO_U, Matrix.CORRADO_G):
        return np.asarray(prep.combined_count > 0, dtype=bool)
    return np.asarray((prep.est_count > 0) & (prep.sigma_usable > 0), dtype=bool)


def full_colsums(prep: PreparedPanel, matrix: Matrix, w: FloatArray) -> tuple[FloatArray, list[FloatArray]]:
    """``sum_i w_i * matrix[i, :]`` over all events and over the events of each part of ``prep``, in
    row blocks on :func:`dealstudy._parallel.map_blocks` threads (added in block order: the same sums
    for any number of threads)."""
    width = matrix_rows(prep, matrix, slice(0, 0)).shape[1]  # (also computes the caches it uses)
    part_of, n_parts = prep.parts, prep.part_count

    def block_sums(rows: slice) -> list[FloatArray]:
        values = matrix_rows(prep, matrix, rows)
        sums = [w[rows] @ values]
        if part_of is not None:  # each part's events' sum too, for its own panel
            sums.extend(np.where(part_of[rows] == p, w[rows], 0.0) @ values for p in range(n_parts))
        return sums

    totals = [np.zeros(width) for _ in range(1 + n_parts)]
    for sums in map_blocks(block_sums, row_blocks(prep.panel.n_events, width)):
        for total, part in zip(totals, sums, strict=True):  # block order: any number of threads
            total += part
    return totals[0], totals[1:]
