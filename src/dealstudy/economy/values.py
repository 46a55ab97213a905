"""Dollar value of each market reaction: market capitalisation, abnormal and raw dollar value, multiples.

Pure computation on frames handed over by the pipeline: the study's outcomes, abnormal returns and CARs, the
as-traded closes of each security, a table of share counts and FX closes. Nothing here reads files.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.economy.currency import FxRate, fx_symbol, rate_on
from dealstudy.study.outcomes import USABLE_OUTCOMES
from dealstudy.window import Window

__all__ = [
    "VALUE_COLUMNS",
    "dollar_values",
    "multiple",
    "shares_as_of",
]

VALUE_COLUMNS: tuple[str, ...] = (
    "event_id",
    "deal_id",
    "ticker",
    "role",
    "direct",
    "window",
    "day0",
    "outcome",
    "reason",
    "car",
    "t_stat",
    "p_value",
    "currency",
    "close_m1",
    "date_m1",
    "shares",
    "shares_as_of",
    "shares_source",
    "shares_stale",
    "shares_later",
    "shares_later_as_of",
    "fx_rate_m1",
    "fx_rate_date",
    "market_cap_local",
    "market_cap_usd",
    "abnormal_value_local",
    "abnormal_value_usd",
    "car_value_usd",
    "raw_value_local",
    "raw_value_usd",
    "abnormal_value_usd_later_shares",
    "raw_value_usd_later_shares",
    "headline_value_usd",
    "binding_value_usd",
    "non_binding_value_usd",
    "press_release_multiple",
    "press_release_multiple_reason",
    "binding_multiple",
    "binding_multiple_reason",
)

NAN = float("nan")

_CATALOG_CONFOUNDED = "the catalog lists firm-specific news for this deal"
_NOT_ASSESSED = "not assessed (no earnings calendar or catalog events given)"

#: A later share count within this many days of day -1 that differs by more than
#: :data:`STALE_SHARES_TOLERANCE` (relative) flags the count used as stale.
STALE_SHARES_DAYS = 120
STALE_SHARES_TOLERANCE = 0.02

FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class _Shares:
    shares: float
    as_of: dt.date
    source: str


class _ShareTable:
    """A ``symbol,as_of,shares,source`` table indexed once: per symbol, the usable counts by date.

    Rows with a missing or non-positive count are dropped; each symbol's rows are sorted by date (stable, so
    of two counts on the same date the later row in the table wins).
    """

    def __init__(self, table: pd.DataFrame) -> None:
        self._by_symbol: dict[str, tuple[NDArray[np.int64], FloatArray, list[str]]] = {}
        if table.empty:
            return
        counts = pd.to_numeric(table["shares"], errors="coerce").to_numpy(dtype=float)
        usable = np.isfinite(counts) & (counts > 0)
        frame = pd.DataFrame(
            {
                "symbol": table["symbol"].astype(str).to_numpy()[usable],
                "as_of": pd.DatetimeIndex(pd.to_datetime(table["as_of"]).to_numpy()[usable])
                .as_unit("ns")
                .asi8,
                "shares": counts[usable],
                "source": table["source"].astype(str).to_numpy()[usable],
            }
        )
        for symbol, rows in frame.groupby("symbol", sort=False):
            rows = rows.sort_values("as_of", kind="stable")
            self._by_symbol[str(symbol)] = (
                rows["as_of"].to_numpy(dtype=np.int64),
                rows["shares"].to_numpy(dtype=float),
                [str(v) for v in rows["source"]],
            )

    def as_of(self, symbol: str, on: dt.date | pd.Timestamp) -> _Shares | None:
        """The latest count of ``symbol`` dated on or before ``on``."""
        found = self._by_symbol.get(symbol)
        if found is None:
            return None
        days, counts, sources = found
        position = int(np.searchsorted(days, pd.Timestamp(on).as_unit("ns").value, side="right")) - 1
        if position < 0:
            return None
        when = pd.Timestamp(int(days[position]), unit="ns").date()
        return _Shares(float(counts[position]), when, sources[position])

    def later(self, symbol: str, used: _Shares, on: dt.date | pd.Timestamp) -> _Shares | None:
        """The first count of ``symbol`` dated after ``used`` and within :data:`STALE_SHARES_DAYS` days of
        ``on`` (day -1); ``None`` when there is none."""
        found = self._by_symbol.get(symbol)
        if found is None:
            return None
        days, counts, sources = found
        position = int(np.searchsorted(days, pd.Timestamp(used.as_of).as_unit("ns").value, side="right"))
        until = (pd.Timestamp(on) + pd.Timedelta(days=STALE_SHARES_DAYS)).as_unit("ns").value
        if position >= days.size or days[position] > until:
            return None
        when = pd.Timestamp(int(days[position]), unit="ns").date()
        return _Shares(float(counts[position]), when, sources[position])


def stale_count(used: _Shares | None, later: _Shares | None) -> bool:
    """True when ``later`` differs from ``used`` by more than :data:`STALE_SHARES_TOLERANCE`."""
    if used is None or later is None:
        return False
    return abs(later.shares / used.shares - 1.0) > STALE_SHARES_TOLERANCE


def shares_as_of(table: pd.DataFrame, symbol: str, on: dt.date | pd.Timestamp) -> _Shares | None:
    """The latest count of ``symbol`` with ``as_of <= on`` from a ``symbol,as_of,shares,source`` table."""
    return _ShareTable(table).as_of(symbol, on)


def multiple(value: float, denominator: float, what: str) -> tuple[float, str]:
    """``value / denominator`` with the reason it is n/a (empty when defined).

    ``what`` names the denominator ("headline value", "binding value") in the reason.
    """
    if not math.isfinite(denominator):
        return NAN, f"{what} undisclosed"
    if denominator == 0:
        return NAN, f"{what} is zero"
    if not math.isfinite(value):
        return NAN, "no dollar value"
    return value / denominator, ""


class _Closes:
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


def _clean_closes(series: pd.Series | None) -> _Closes | None:
    if series is None:
        return None
    values = series.astype(float)
    values.index = pd.DatetimeIndex(pd.to_datetime(values.index)).normalize()
    values = values[np.isfinite(values.to_numpy()) & (values.to_numpy() > 0)].sort_index()
    return _Closes(values) if not values.empty else None


class _EventDays:
    """An event's abnormal returns and session dates by event day (from its abnormal-return rows)."""

    def __init__(self, ar_rows: pd.DataFrame) -> None:
        times = ar_rows["event_time"].to_numpy(dtype=np.int64)
        ars = ar_rows["ar"].to_numpy(dtype=float)
        days = pd.DatetimeIndex(pd.to_datetime(ar_rows["date"])).normalize()
        self.ar = dict(zip(times.tolist(), ars.tolist(), strict=True))
        self.day = dict(zip(times.tolist(), days, strict=True))


@dataclass
class _Valuation:
    """Working numbers for one event and window (mutable scratch, never returned)."""

    market_cap_local: float = NAN
    market_cap_usd: float = NAN
    abnormal_value_local: float = NAN
    abnormal_value_usd: float = NAN
    car_value_usd: float = NAN
    raw_value_local: float = NAN
    raw_value_usd: float = NAN
    problem: str = ""
    problem_code: str = ""


def _window_value(
    days: _EventDays,
    window: tuple[int, int],
    closes: _Closes,
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


def dollar_values(
    legs: pd.DataFrame,
    outcomes: pd.DataFrame,
    abnormal_returns: pd.DataFrame,
    cars: pd.DataFrame,
    closes: Mapping[str, pd.Series],
    shares: pd.DataFrame,
    fx: Mapping[str, pd.Series],
    windows: Sequence[tuple[int, int]],
    unstudied: Mapping[str, tuple[str, str]] | None = None,
) -> pd.DataFrame:
    """Market capitalisation and dollar value of every leg (deal x security) over every window.

    Parameters
    ----------
    legs : DataFrame
        :func:`dealstudy.economy.legs.legs_frame` output (one row per deal x security).
    outcomes, abnormal_returns, cars : DataFrame
        The study's frames (``event_id`` = ``<deal_id>:<ticker>``). A leg without an outcome row is reported
        as ``not_studied``.
    closes : mapping of ticker to Series
        As-traded (split-adjusted, not dividend-adjusted) closes indexed by session date, listing currency.
    shares : DataFrame
        ``symbol, as_of, shares, source``; the latest row on or before day -1 is used.
    fx : mapping of currency to Series
        Local currency per USD by date (Yahoo ``JPY=X`` closes ...).
    windows : sequence of (int, int)
        Event windows in trading days (inclusive), each inside the study's widest window.
    unstudied : mapping of event id to (outcome, reason), optional
        Legs deliberately kept out of the study, with the code and reason to report (e.g. a deal whose
        announcement day is unknown). Other legs without an outcome row are reported as ``not_studied``.

    Returns
    -------
    DataFrame
        One row per leg and window with the columns :data:`VALUE_COLUMNS` (plus the leg's deal attributes).

    Notes
    -----
    With ``S`` the share count of day -1 held fixed over the window, ``P_t`` the as-traded close and
    ``x_t`` the rate (local currency per USD) of the session date, the market capitalisation in USD is
    ``MC_t = P_t S / x_t``. For a window ``[a, b]``:

    * abnormal value (compounded): :math:`\\sum_{t=a}^{b} AR_t \\, MC_{t-1}` -- each day's abnormal return
      applied to the value at the previous close, so the dollars compound with the price path;
    * CAR value: :math:`CAR_{a,b} \\, MC_{-1}` (the simpler measure, for comparison);
    * raw value: :math:`\\sum_t (P_t - P_{t-1}) S / x_{t-1}`, the change in market capitalisation in local
      currency converted day by day at the previous day's rate, so currency translation is not counted as
      value. For a USD listing it telescopes to :math:`(P_b - P_{a-1}) S`.

    Each day's dollars are converted at the rate of day ``t-1`` (the capitalisation they apply to). When no
    rate is available on or before that date, the local-currency figures are kept, USD figures are NaN and
    the outcome is ``no_fx_rate`` with the reason. Multi-class companies use the total share count of all
    classes times the listed class's close (GOOGL = A + B + C, META = A + B), as the share table records it.
    The share count is the latest on or before day -1 and held fixed (a count changing mid-window would add
    spurious value). When a later count dated within :data:`STALE_SHARES_DAYS` days of day -1 differs from
    it by more than 2% (new shares issued, a buyback), ``shares_stale`` is true and the abnormal and raw
    values under that later count are given beside the main ones (values scale with the share count).
    Closes are not dividend-adjusted: a cash dividend going ex inside the window lowers the raw value by
    about the dividend, the abnormal value uses the adjusted-close returns of the study.
    """
    study: dict[str, dict[str, Any]] = {}
    for record in outcomes.to_dict("records"):
        study.setdefault(str(record["event_id"]), {str(k): v for k, v in record.items()})
    car_rows: dict[tuple[str, str], dict[str, Any]] = {
        (str(r["event_id"]), str(r["window"])): {str(k): v for k, v in r.items()}
        for r in cars.to_dict("records")
    }
    ar_groups = {str(key): frame for key, frame in abnormal_returns.groupby("event_id", sort=False)}
    clean_closes = {ticker: _clean_closes(closes.get(ticker)) for ticker in legs["ticker"].unique()}
    share_table = _ShareTable(shares)
    event_days: dict[str, _EventDays] = {}
    rows: list[dict[str, object]] = []
    for leg in legs.to_dict("records"):
        event_id = str(leg["event_id"])
        ticker = str(leg["ticker"])
        currency = leg["currency"] if isinstance(leg["currency"], str) else None
        outcome, reason = (unstudied or {}).get(event_id, ("not_studied", "no outcome from the study"))
        day0: pd.Timestamp | None = None
        if event_id in study:
            study_row = study[event_id]
            outcome = str(study_row["outcome"])
            reason = "" if pd.isna(study_row["reason"]) else str(study_row["reason"])
            day0 = pd.Timestamp(study_row["day0"]) if pd.notna(study_row["day0"]) else None
        series = clean_closes.get(ticker)
        ar_rows = ar_groups.get(event_id)
        # Day -1 and the market capitalisation there (reported even when the study failed).
        date_m1: pd.Timestamp | None = None
        close_m1 = NAN
        if ar_rows is not None and (ar_rows["event_time"] == -1).any():
            date_m1 = pd.Timestamp(ar_rows.loc[ar_rows["event_time"] == -1, "date"].iloc[0]).normalize()
        elif series is not None and day0 is not None:
            previous = series.previous(pd.Timestamp(day0).normalize())
            date_m1 = previous[0] if previous else None
        if series is not None and date_m1 is not None:
            found = series.on(date_m1)
            close_m1 = NAN if found is None else found
        count = share_table.as_of(ticker, date_m1) if date_m1 is not None else None
        later = (
            share_table.later(ticker, count, date_m1) if count is not None and date_m1 is not None else None
        )
        stale = stale_count(count, later)
        scale = later.shares / count.shares if stale and later is not None and count is not None else NAN
        rate_m1: FxRate | None = None
        if currency is not None and date_m1 is not None:
            rate_m1 = rate_on(fx.get(currency), currency, date_m1)
        cap_local = close_m1 * count.shares if count is not None else NAN
        cap_usd = cap_local / rate_m1.rate if rate_m1 is not None else NAN
        value_problem, value_code = "", ""
        if currency is None:
            value_problem = f"unknown listing currency for exchange {leg['exchange']}"
            value_code = "no_fx_rate"
        elif series is None:
            value_problem, value_code = f"no closes for {ticker}", "no_close"
        elif date_m1 is None or not math.isfinite(close_m1):
            value_problem, value_code = "no close on day -1", "no_close"
        elif count is None:
            when = date_m1.date()
            value_problem, value_code = f"no shares outstanding for {ticker} on or before {when}", "no_shares"
        elif rate_m1 is None:
            value_problem = f"no {fx_symbol(currency)} rate on or before {date_m1.date()}"
            value_code = "no_fx_rate"
        for window in windows:
            label = str(Window.of(window))
            car = t_stat = p_value = NAN
            if (event_id, label) in car_rows:
                car_row = car_rows[(event_id, label)]
                car, t_stat, p_value = (float(car_row[c]) for c in ("car", "t_stat", "p_value"))
            work = _Valuation(market_cap_local=cap_local, market_cap_usd=cap_usd)
            row_outcome, row_reason = outcome, reason
            if outcome in USABLE_OUTCOMES:
                if value_code and value_code != "no_fx_rate":
                    row_outcome, row_reason = value_code, value_problem
                elif ar_rows is None or series is None or count is None or currency is None:
                    row_outcome, row_reason = "no_abnormal_returns", "no abnormal returns from the study"
                else:
                    if event_id not in event_days:
                        event_days[event_id] = _EventDays(ar_rows)
                    ab_l, ab_u, raw_l, raw_u, problem = _window_value(
                        event_days[event_id], window, series, count.shares, currency, fx.get(currency)
                    )
                    work.abnormal_value_local, work.abnormal_value_usd = ab_l, ab_u
                    work.raw_value_local, work.raw_value_usd = raw_l, raw_u
                    work.car_value_usd = car * cap_usd
                    if not math.isfinite(ab_l):
                        row_outcome, row_reason = "gap_in_event_window", problem
                    elif problem or value_code == "no_fx_rate":
                        row_outcome = "no_fx_rate"
                        row_reason = f"{problem or value_problem}: values kept in {currency}"
                        work.car_value_usd = NAN
            headline = float(leg["headline_value_usd"])
            binding = float(leg["binding_value_usd"])
            pr_multiple, pr_reason = multiple(work.abnormal_value_usd, headline, "headline value")
            b_multiple, b_reason = multiple(work.abnormal_value_usd, binding, "binding value")
            if not bool(leg["direct"]):  # a spillover is not the deal's value: no multiple of its headline
                pr_multiple, pr_reason = NAN, f"not a party to the deal (role {leg['role']})"
                b_multiple, b_reason = NAN, pr_reason
            rows.append(
                {
                    "event_id": event_id,
                    "deal_id": leg["deal_id"],
                    "ticker": ticker,
                    "role": leg["role"],
                    "direct": bool(leg["direct"]),
                    "window": label,
                    "day0": day0 if day0 is not None else pd.NaT,
                    "outcome": row_outcome,
                    "reason": row_reason,
                    "car": car,
                    "t_stat": t_stat,
                    "p_value": p_value,
                    "currency": currency,
                    "close_m1": close_m1,
                    "date_m1": date_m1 if date_m1 is not None else pd.NaT,
                    "shares": count.shares if count else NAN,
                    "shares_as_of": pd.Timestamp(count.as_of) if count else pd.NaT,
                    "shares_source": count.source if count else None,
                    "shares_stale": stale,
                    "shares_later": later.shares if later else NAN,
                    "shares_later_as_of": pd.Timestamp(later.as_of) if later else pd.NaT,
                    "fx_rate_m1": rate_m1.rate if rate_m1 else NAN,
                    "fx_rate_date": pd.Timestamp(rate_m1.rate_date) if rate_m1 else pd.NaT,
                    "market_cap_local": work.market_cap_local,
                    "market_cap_usd": work.market_cap_usd,
                    "abnormal_value_local": work.abnormal_value_local,
                    "abnormal_value_usd": work.abnormal_value_usd,
                    "car_value_usd": work.car_value_usd,
                    "raw_value_local": work.raw_value_local,
                    "raw_value_usd": work.raw_value_usd,
                    "abnormal_value_usd_later_shares": work.abnormal_value_usd * scale,
                    "raw_value_usd_later_shares": work.raw_value_usd * scale,
                    "headline_value_usd": headline,
                    "binding_value_usd": binding,
                    "non_binding_value_usd": float(leg["non_binding_value_usd"]),
                    "press_release_multiple": pr_multiple,
                    "press_release_multiple_reason": pr_reason,
                    "binding_multiple": b_multiple,
                    "binding_multiple_reason": b_reason,
                    "announced": leg["announced"],
                    "counterparty": leg["counterparty"],
                    "kind": leg["kind"],
                    "binding_status": leg["binding_status"],
                    "duration_years": float(leg["duration_years"]),
                    # per reaction: dealstudy.economy.confounding.add_confounding; until then only the
                    # catalog's own list of the deal's confounders is known
                    "confounded": True if leg["confounded"] else None,
                    "confounders": _CATALOG_CONFOUNDED if leg["confounded"] else _NOT_ASSESSED,
                    "position": int(leg["position"]),
                }
            )
    extra = ["announced", "counterparty", "kind", "binding_status", "duration_years", "confounded"]
    extra += ["confounders", "position"]
    return pd.DataFrame(rows, columns=[*VALUE_COLUMNS, *extra])
