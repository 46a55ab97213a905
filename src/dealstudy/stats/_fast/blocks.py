"""Row blocks and column selections shared by the fast kernels.

Per-event passes over an (events, days) panel run in row blocks of about :data:`BLOCK_ELEMENTS`
elements, so that their temporaries stay small and in cache, on :func:`dealstudy._parallel.map_blocks`
threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from dealstudy.stats.panel import BoolArray, FloatArray

__all__ = [
    "BLOCK_ELEMENTS",
    "call",
    "column_runs",
    "column_view",
    "flat_columns",
    "masked_mean",
    "row_blocks",
    "take_rows",
]

_T = TypeVar("_T", bound=np.generic)

BLOCK_ELEMENTS = 1 << 17
"""Elements of an (events, days) block processed at once (1 MB of float64): per-event passes over the
panel run in row blocks of this size, so their temporaries stay small and in cache."""


def row_blocks(n: int, width: int) -> list[slice]:
    """Consecutive row slices of ``n`` rows, each about :data:`BLOCK_ELEMENTS` / ``width`` rows."""
    step = max(1, BLOCK_ELEMENTS // max(width, 1))
    return [slice(start, min(start + step, n)) for start in range(0, n, step)]


def masked_mean(x: FloatArray, mask: BoolArray, axis: int) -> tuple[FloatArray, FloatArray]:
    """Mean of ``x`` where ``mask`` along ``axis`` and the count; NaN (no warning) where the count is 0."""
    count = mask.sum(axis=axis).astype(float)
    total = np.where(mask, x, 0.0).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / count, np.nan)
    return mean, count


def column_view(x: NDArray[_T], columns: BoolArray) -> NDArray[_T]:
    """``x[:, columns]``: a view when the selected columns are contiguous, else a C-ordered copy."""
    idx = np.flatnonzero(columns)
    if idx.size and idx[-1] - idx[0] + 1 == idx.size:
        return x[:, int(idx[0]) : int(idx[-1]) + 1]
    return np.ascontiguousarray(x[:, columns])  # (boolean column indexing alone gives Fortran order)


def column_runs(columns: BoolArray) -> list[tuple[slice, slice]]:
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


def flat_columns(x: NDArray[_T], columns: BoolArray) -> tuple[NDArray[_T], int, int] | None:
    """``(x.ravel(), row length, first column)`` when ``x`` is C-contiguous and ``columns`` are contiguous,
    so that ``x[i, columns][j]`` is ``flat[i * row_length + first + j]``; else None."""
    idx = np.flatnonzero(columns)
    if not x.flags.c_contiguous or idx.size == 0 or idx[-1] - idx[0] + 1 != idx.size:
        return None
    return x.ravel(), int(x.shape[1]), int(idx[0])


def take_rows(x: NDArray[_T], mask: BoolArray) -> NDArray[_T]:
    """``x[mask]``."""
    return x[mask]


def call(task: Callable[[], Any]) -> Any:
    """``task()`` (for :func:`dealstudy._parallel.map_blocks` over a list of tasks)."""
    return task()
