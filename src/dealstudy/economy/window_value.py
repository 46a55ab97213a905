"""The dollars of one event window: day -1 and its close, each day's abnormal return times the market
capitalisation of the previous close, and the raw change in capitalisation, in local currency and in USD."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.economy.currency import fx_symbol, rate_on

__all__ = ["Closes", "EventDays", "EventRows", "clean_closes", "day_minus_one", "window_value"]

NAN = float("nan")


class Closes:
    """A security's closes (positive, finite, by normalised session date) with day lookups by array."""

    def __init__(self, series: pd.Series) -> None:
        self.series = series
        self.days = pd.DatetimeIndex(series.index).as_unit("ns").asi8
        self.values = series.to_numpy(dtype=float)

    def previous(self, day: pd.Timestamp) -> tuple[pd.Timestamp, float] | None:
        """The last session strictly before ``day`` and its close."""
        position = int(np.searchsorted(self.days, day.as_unit("ns").value, side="left")) - 1
        if position < 0:
            return None
        return pd.Timestamp(int(self.days[position]), unit="ns"), float(self.values[position])

    def on(self, day: pd.Timestamp) -> float | None:
        """The close of session ``day``; ``None`` when ``day`` is not a session with a close."""
        key = day.as_unit("ns").value
        position = int(np.searchsorted(self.days, key, side="left"))
        if position < self.days.size and self.days[position] == key:
            return float(self.values[position])
        return None


def clean_closes(series: pd.Series | None) -> Closes | None:
    """A security's positive, finite closes by normalised session date (``None`` when there are none)."""
    if series is None:
        return None
    values = series.astype(float)
    values.index = pd.DatetimeIndex(pd.to_datetime(values.index)).normalize()
    values = values[np.isfinite(values.to_numpy()) & (values.to_numpy() > 0)].sort_index()
    return Closes(values) if not values.empty else None


class EventDays:
    """An event's abnormal returns and session dates by event day (from its abnormal-return rows)."""

    def __init__(self, times: NDArray[np.int64], ars: NDArray[np.float64], days: pd.DatetimeIndex) -> None:
        """One event's ``event_time``, ``ar`` and normalised ``date`` columns, row for row."""
        self.ar = dict(zip(times.tolist(), ars.tolist(), strict=True))
        self.day = dict(zip(times.tolist(), days, strict=True))


class EventRows:
    """An abnormal-return table (``event_id, event_time, date, ar``) indexed by event once: its columns
    converted for the whole table (dates normalised), each event's :class:`EventDays` built on first use."""

    def __init__(self, abnormal_returns: pd.DataFrame) -> None:
        groups = abnormal_returns.groupby("event_id", sort=False)
        self._positions: dict[str, NDArray[np.intp]] = {
            str(key): np.asarray(rows, dtype=np.intp) for key, rows in groups.indices.items()
        }
        self._times = abnormal_returns["event_time"].to_numpy(dtype=np.int64)
        self._ars = abnormal_returns["ar"].to_numpy(dtype=float)
        self._dates = pd.DatetimeIndex(pd.to_datetime(abnormal_returns["date"])).normalize()
        self._days: dict[str, EventDays] = {}

    def sessions(self, event_id: str, first: int, last: int) -> list[pd.Timestamp] | None:
        """The normalised dates of the event's rows with ``first <= event_time <= last``, in table order;
        ``None`` when the event has no rows."""
        rows = self._positions.get(event_id)
        if rows is None:
            return None
        times = self._times[rows]
        return list(self._dates.take(rows[(times >= first) & (times <= last)]))

    def days(self, event_id: str) -> EventDays | None:
        """The event's ARs and dates by event day; ``None`` when the event has no rows."""
        if event_id not in self._days:
            rows = self._positions.get(event_id)
            if rows is None:
                return None
            self._days[event_id] = EventDays(self._times[rows], self._ars[rows], self._dates[rows])
        return self._days[event_id]


def day_minus_one(
    days: EventDays | None, series: Closes | None, day0: pd.Timestamp | None
) -> tuple[pd.Timestamp | None, float]:
    """Day -1 (from the study's AR rows of the event, else the session before day 0) and the close on it."""
    date_m1: pd.Timestamp | None = days.day.get(-1) if days is not None else None
    close_m1 = NAN
    if date_m1 is None and series is not None and day0 is not None:
        previous = series.previous(pd.Timestamp(day0).normalize())
        date_m1 = previous[0] if previous else None
    if series is not None and date_m1 is not None:
        found = series.on(date_m1)
        close_m1 = NAN if found is None else found
    return date_m1, close_m1


def window_value(
    days: EventDays,
    window: tuple[int, int],
    closes: Closes,
    shares: float,
    currency: str,
    fx: pd.Series | None,
) -> tuple[float, float, float, float, str]:
    """Sum over t in the window of AR_t x cap(t-1) and of the raw change, local and USD.

    Returns ``(abnormal_local, abnormal_usd, raw_local, raw_usd, problem)``; USD figures are NaN (with
    ``problem`` naming the missing rate) when a rate is missing; local figures are NaN when an AR is missing.
    """
    first, last = window
    ab_local = ab_usd = raw_local = raw_usd = 0.0
    fx_problem = ""
    for t in range(first, last + 1):
        ar = days.ar.get(t, NAN)
        if not math.isfinite(ar):
            return NAN, NAN, NAN, NAN, f"abnormal return missing on event day {t}"
        day = days.day[t]
        previous = closes.previous(day)
        if previous is None:
            return NAN, NAN, NAN, NAN, f"no close before {day.date()} (event day {t - 1})"
        prev_day, prev_close = previous
        close_t = closes.on(day)
        if close_t is None:
            return NAN, NAN, NAN, NAN, f"no close on {day.date()} (event day {t})"
        cap_prev = prev_close * shares
        ab_local += ar * cap_prev
        raw_local += (close_t - prev_close) * shares
        rate = rate_on(fx, currency, prev_day)
        if rate is None:
            fx_problem = f"no {fx_symbol(currency)} rate on or before {prev_day.date()}"
            ab_usd = raw_usd = NAN
        elif not fx_problem:
            ab_usd += ar * cap_prev / rate.rate
            raw_usd += (close_t - prev_close) * shares / rate.rate
    return ab_local, ab_usd, raw_local, raw_usd, fx_problem
