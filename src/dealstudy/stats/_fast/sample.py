"""The per-window sample of the aggregate tests: events with a complete CAR over the window."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dealstudy.errors import SpecificationError
from dealstudy.stats.panel import BoolArray, EventPanel, FloatArray

__all__ = ["WindowSample", "make_sample", "part_sample"]


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


def make_sample(p: EventPanel, window: tuple[int, int]) -> WindowSample:
    """The sample of ``window`` (inside the panel's event days, else :class:`SpecificationError`)."""
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


def part_sample(s: WindowSample, mask: BoolArray) -> WindowSample:
    """The sample of the events ``mask`` from the same per-event values (n and mean of the part's)."""
    used = s.used[mask]
    car = s.car[mask]
    n = int(used.sum())
    mean = float(car[used].mean()) if n else float("nan")
    return WindowSample(s.window, s.columns, s.length, used, car, s.car_var[mask], n, mean)
