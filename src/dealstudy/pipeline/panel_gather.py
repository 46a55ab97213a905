"""The partitions' panels stacked in the events' input order, each piece placed as it arrives.

The aggregate tests run on one panel of every ok event in input order (so that every sum is the one the
single-process run adds). A partition's events are scattered over the input order, so stacking the pieces
at the end held every piece and the whole panel at once (twice the panel). :class:`PanelGather` instead
places each piece's rows at the positions of its events in a panel with a row for every input event, the
piece is then dropped, and :meth:`PanelGather.panel` closes the gaps of the events that are not ok in place
(rows only move towards the front, in order) and gives the unused tail back: the panel is held about once.

The per-day AR variances (``var_ar``, as large as the ARs) are not gathered: the gathered panel's
``var_ar`` is NaN (unknown), one row repeated without memory. The aggregate tests read the CAR variances
(``car_var``) of the panel's windows, which include every single day of the widest window
(:func:`dealstudy.study.panel.panel_windows`); ``var_ar`` is only read for a single day that is not one
of the panel's windows, which :func:`dealstudy.stats.aggregate.aggregate_table` never tests.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from dealstudy.stats.panel import EventPanel

__all__ = ["PanelGather"]

_PER_EVENT = ("ar", "sigma", "nobs", "dof", "car_var", "groups")
"""The per-event (row) arrays of an :class:`EventPanel` that the aggregate tests read (not ``var_ar``)."""

_MOVE_ROWS = 4096
"""Rows moved at once when the gaps are closed (the temporary copy of a few MB)."""


class PanelGather:
    """Collects the partitions' panels (:meth:`add`) into one panel in the input order of ``events``."""

    def __init__(self, events: pd.DataFrame) -> None:
        self.position = {str(e): i for i, e in enumerate(events["event_id"])}
        self.empty: EventPanel | None = None  # no events: the axis and windows (every piece has the same)
        self.arrays: dict[str, np.ndarray] = {}
        self.ids = np.empty(len(self.position), dtype=object)
        self.filled = np.zeros(len(self.position), dtype=bool)

    def add(self, piece: EventPanel, ids: tuple[str, ...]) -> None:
        """Place the rows of ``piece`` (of the events ``ids``) at their events' input positions."""
        if self.empty is None:
            self.empty = piece.subset(np.zeros(piece.n_events, dtype=bool))
            n = len(self.position)
            self.arrays = {
                name: np.empty((n, *getattr(piece, name).shape[1:]), dtype=getattr(piece, name).dtype)
                for name in _PER_EVENT
            }  # untouched pages take no memory: only the rows written are held
        rows = np.fromiter((self.position[e] for e in ids), np.intp, len(ids))
        for name, array in self.arrays.items():
            array[rows] = getattr(piece, name)
        self.ids[rows] = ids
        self.filled[rows] = True

    def panel(self) -> tuple[EventPanel, tuple[str, ...]]:
        """The panel of every placed event in input order and their event ids (this gather is then empty)."""
        if self.empty is None:
            raise ValueError("no panel was added")
        keep = np.flatnonzero(self.filled)
        a = {name: _compact(array, keep) for name, array in self.arrays.items()}
        ids = tuple(str(e) for e in self.ids[keep])
        unknown = np.broadcast_to(np.full(a["ar"].shape[1], np.nan), a["ar"].shape)  # one row, repeated
        panel = dataclasses.replace(
            self.empty, ar=a["ar"], var_ar=unknown, sigma=a["sigma"], nobs=a["nobs"], dof=a["dof"],
            car_var=a["car_var"], groups=a["groups"],
        )  # fmt: skip
        self.empty, self.arrays = None, {}
        return panel, ids


def _compact(array: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """``array[keep]`` for ascending ``keep``: small or object arrays copied, large ones in place (row
    ``keep[i] >= i`` moves to row ``i``, a block at a time) and shrunk to ``keep.size`` rows."""
    if array.ndim < 2 or array.dtype == object:
        return np.asarray(array[keep])
    for start in range(0, keep.size, _MOVE_ROWS):
        stop = min(start + _MOVE_ROWS, keep.size)
        array[start:stop] = array[keep[start:stop]]  # (the fancy index reads into a copy first)
    array.resize((keep.size, *array.shape[1:]), refcheck=False)  # realloc: the tail is given back
    return array
