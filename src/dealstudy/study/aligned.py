"""The aligned events: the arrays every step of the engine after alignment reads and fills, the outcome
setters and the row blocks the engine works on."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "BLOCK",
    "Aligned",
    "BoolArray",
    "FloatArray",
    "IntArray",
    "blocks",
    "row_counts",
    "set_many",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
IntArray = NDArray[np.int64]

#: Events per block where the engine works on (events x days) arrays block by block.
BLOCK = 512


@dataclass
class Aligned:
    """Events on the common relative-day axis (internal; filled by
    :func:`dealstudy.study.align.align_events`)."""

    rel: IntArray  # (K,)
    is_est: BoolArray  # (K,)
    is_event: BoolArray  # (K,) days of the widest window
    is_display: BoolArray  # (K,) days of the display range (ar_range) or of the widest window
    R: FloatArray  # (N, K) ticker returns
    B: FloatArray  # (N, K, m) benchmark returns
    B_lag: FloatArray  # (N, K) market return of the previous ticker session (Scholes-Williams; else (N, 0))
    B_lead: FloatArray  # (N, K) market return of the next ticker session (Scholes-Williams; else (N, 0))
    F: FloatArray  # (N, K, f + 1) factors then rf
    dates: NDArray[np.datetime64]  # (N, D) dates of the display days (columns where is_display holds)
    inb: BoolArray  # (N, K) inside the ticker's data
    excluded: BoolArray  # (N, K) estimation day inside another event window of the same ticker
    day0: NDArray[np.datetime64]  # (N,)
    day0_rule: NDArray[np.object_]
    overlaps: NDArray[np.object_]  # ids of the same ticker's events with overlapping widest windows
    markets: NDArray[np.object_]
    outcome: NDArray[np.object_]
    reason: NDArray[np.object_]
    last_date: NDArray[np.datetime64]  # (N,) last date of the ticker's data

    def release_regressors(self) -> None:
        """Drop the (N, K) regressor arrays once the models are estimated (nothing after reads them)."""
        self.B = np.empty((0, *self.B.shape[1:]))
        self.B_lag = np.empty((0, *self.B_lag.shape[1:]))
        self.B_lead = np.empty((0, *self.B_lead.shape[1:]))
        self.F = np.empty((0, *self.F.shape[1:]))

    def set(self, i: int, code: str, text: str) -> None:
        """Give event ``i`` an outcome unless it already has one."""
        if not self.outcome[i]:
            self.outcome[i] = code
            self.reason[i] = text


def set_many(al: Aligned, rows: IntArray, code: str, texts: list[str]) -> None:
    """Give the events ``rows`` (none of which has an outcome yet) ``code`` and their reasons."""
    if rows.size:
        al.outcome[rows] = code
        reasons = np.empty(rows.size, dtype=object)
        reasons[:] = texts
        al.reason[rows] = reasons


def row_counts(mask: BoolArray) -> IntArray:
    """``mask.sum(axis=-1)`` as int64, counted in small integers (several times faster than a bool sum)."""
    if mask.shape[-1] < 65_535:
        return np.asarray(mask.view(np.uint8).sum(axis=-1, dtype=np.uint16), dtype=np.int64)
    return np.asarray(mask.sum(axis=-1), dtype=np.int64)


def blocks(n: int) -> list[slice]:
    """Row blocks of :data:`BLOCK` events covering ``0..n`` exactly: the last one stops at ``n``, so it
    selects as many rows of a longer array as of one with ``n`` rows."""
    return [slice(lo, min(lo + BLOCK, n)) for lo in range(0, n, BLOCK)]
