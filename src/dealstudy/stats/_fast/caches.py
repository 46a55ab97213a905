"""Where a :class:`~dealstudy.stats._fast.prepared.PreparedPanel` keeps what it computes on demand.

All of it lives in one :class:`Caches` value, so that dropping it (``release``) or handing a part's
share of it to the part's own panel (``part``) is one explicit step. :func:`cached` is
``functools.cached_property`` with the value kept in ``Caches.values`` instead of the instance
``__dict__``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, overload

import numpy as np
from numpy.typing import NDArray

from dealstudy.stats._fast.colsums import Matrix, Weight
from dealstudy.stats._fast.ranks import PanelCodes
from dealstudy.stats._fast.sample import WindowSample
from dealstudy.stats.panel import BoolArray, FloatArray

__all__ = ["Caches", "cached", "move_event_rows"]

Window = tuple[int, int]
_V = TypeVar("_V")


@dataclass
class Caches:
    """Everything a prepared panel has computed; a fresh one holds nothing."""

    values: dict[str, Any] = field(default_factory=dict)
    """Per-panel values by name (the :func:`cached` attributes and the rank codes)."""
    colsums: dict[tuple[Matrix, Weight], FloatArray] = field(default_factory=dict)
    """Weighted column sums over all events (``PreparedPanel.colsum``)."""
    samples: dict[Window, WindowSample] = field(default_factory=dict)
    grank: dict[Window, tuple[FloatArray, NDArray[np.int16]]] = field(default_factory=dict)
    """GRANK's sign-count sums and per-event counts of the windows not yet tested."""
    grank_done: set[Window] = field(default_factory=set)
    memo: dict[Any, Any] = field(default_factory=dict)
    """Intermediate results that several tests share (keyed by name, or name and window)."""

    def absorb(self, other: Caches) -> None:
        """Take over ``other``'s values, column sums, GRANK counts and memo (a part's share)."""
        self.values.update(other.values)
        self.colsums.update(other.colsums)
        self.grank.update(other.grank)
        self.memo.update(other.memo)


def move_event_rows(values: dict[str, Any], names: list[str], masks: list[BoolArray]) -> list[dict[str, Any]]:
    """The values ``names`` of ``values`` (per-event arrays, or the arrays of :class:`PanelCodes`) split
    into the rows of each of ``masks``, taken out of ``values`` one array at a time: each array is
    dropped once its rows are split, so the split holds about what ``values`` held, not as much again
    (``values`` must hold the only references)."""
    out: list[dict[str, Any]] = [{} for _ in masks]
    for name in names:
        value = values.pop(name)
        if isinstance(value, PanelCodes):
            fields = {f: getattr(value, f) for f in ("rank", "est", "sign", "est_order")}
            del value
            split = _split_arrays(fields, masks)
            for part, arrays in zip(out, split, strict=True):
                part[name] = PanelCodes(**arrays)
        else:
            for part, arrays in zip(out, _split_arrays({name: value}, masks), strict=True):
                part.update(arrays)
            del value
    return out


def _split_arrays(arrays: dict[str, Any], masks: list[BoolArray]) -> list[dict[str, Any]]:
    """The rows of each of ``masks`` of each array of ``arrays`` (None stays None), ``arrays`` emptied as
    it goes (each array dropped once split)."""
    out: list[dict[str, Any]] = [{} for _ in masks]
    for name in list(arrays):
        array = arrays.pop(name)
        for part, mask in zip(out, masks, strict=True):
            part[name] = None if array is None else array[mask]
        del array
    return out


class _HasCaches(Protocol):
    caches: Caches


_P = TypeVar("_P", bound=_HasCaches)


class _Cached(Generic[_P, _V]):
    """Descriptor of :func:`cached`."""

    def __init__(self, compute: Callable[[_P], _V]) -> None:
        self.compute = compute
        self.name = compute.__name__
        self.__doc__ = compute.__doc__

    @overload
    def __get__(self, owner: None, owner_type: type[Any]) -> _Cached[_P, _V]: ...
    @overload
    def __get__(self, owner: _P, owner_type: type[Any]) -> _V: ...
    def __get__(self, owner: _P | None, owner_type: type[Any]) -> _V | _Cached[_P, _V]:
        if owner is None:
            return self
        values = owner.caches.values
        if self.name not in values:
            values[self.name] = self.compute(owner)
        result: _V = values[self.name]
        return result


def cached(compute: Callable[[_P], _V]) -> _Cached[_P, _V]:
    """A read-only attribute computed on first use and kept in ``owner.caches.values`` under its name."""
    return _Cached(compute)
