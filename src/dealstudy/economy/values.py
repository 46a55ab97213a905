"""Dollar value of each market reaction: market capitalisation, abnormal and raw dollar value, multiples.

Pure computation on frames handed over by the pipeline: the study's outcomes, abnormal returns and CARs, the
as-traded closes of each security, a table of share counts and FX closes. Nothing here reads files.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from dealstudy.economy.currency import FxRate, fx_symbol, rate_on
from dealstudy.economy.shares import STALE_SHARES_DAYS, ShareCount, ShareTable, stale_count
from dealstudy.economy.window_value import (
    Closes,
    EventDays,
    EventRows,
    clean_closes,
    day_minus_one,
    window_value,
)
from dealstudy.study.outcomes import USABLE_OUTCOMES
from dealstudy.window import Window

__all__ = [
    "STALE_SHARES_DAYS",  # from dealstudy.economy.shares, where the pipeline reads it
    "VALUE_COLUMNS",
    "dollar_values",
    "multiple",
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

#: One row of :func:`dealstudy.economy.legs.legs_frame` (a deal x security).
_Leg = Mapping[Hashable, Any]

#: Deal attributes carried after :data:`VALUE_COLUMNS`.
_EXTRA_COLUMNS = (
    "announced",
    "counterparty",
    "kind",
    "binding_status",
    "duration_years",
    "confounded",
    "confounders",
    "position",
)


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


def _read(frame: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """The ``columns`` of ``frame`` that it has (the records of the columns read, not all)."""
    return frame[[c for c in columns if c in frame.columns]]


class _StudyFrames:
    """The study's frames indexed once: outcome rows and CAR rows by event, AR rows by event day."""

    def __init__(self, outcomes: pd.DataFrame, abnormal_returns: pd.DataFrame, cars: pd.DataFrame) -> None:
        self.outcomes: dict[str, dict[str, Any]] = {}
        for record in _read(outcomes, ("event_id", "outcome", "reason", "day0")).to_dict("records"):
            self.outcomes.setdefault(str(record["event_id"]), {str(k): v for k, v in record.items()})
        self.cars: dict[tuple[str, str], dict[str, Any]] = {
            (str(r["event_id"]), str(r["window"])): {str(k): v for k, v in r.items()}
            for r in _read(cars, ("event_id", "window", "car", "t_stat", "p_value")).to_dict("records")
        }
        self.days = EventRows(abnormal_returns).days  # an event's ARs and dates by event day, or None


@dataclass(frozen=True)
class _LegBasis:
    """What every window of one leg starts from: the study's outcome, day -1, shares, FX and market
    capitalisation, and why the leg cannot be valued (internal)."""

    event_id: str
    ticker: str
    currency: str | None
    outcome: str
    reason: str
    day0: pd.Timestamp | None
    closes: Closes | None
    days: EventDays | None
    date_m1: pd.Timestamp | None
    close_m1: float
    count: ShareCount | None
    later: ShareCount | None
    stale: bool
    scale: float
    rate_m1: FxRate | None
    cap_local: float
    cap_usd: float
    problem: str
    problem_code: str


def dollar_values(
    legs: pd.DataFrame,
    outcomes: pd.DataFrame,
    abnormal_returns: pd.DataFrame,
    cars: pd.DataFrame,
    closes: Mapping[str, pd.Series | Closes | None],
    shares: pd.DataFrame | ShareTable,
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
    closes : mapping of ticker to Series or Closes
        As-traded (split-adjusted, not dividend-adjusted) closes indexed by session date, listing currency;
        or those closes already through :func:`clean_closes` (one cleaning for several calls).
    shares : DataFrame or ShareTable
        ``symbol, as_of, shares, source``; the latest row on or before day -1 is used. Or that table
        already indexed as a :class:`~dealstudy.economy.shares.ShareTable` (once for several calls).
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
    frames = _StudyFrames(outcomes, abnormal_returns, cars)
    clean = {ticker: _cleaned(closes.get(ticker)) for ticker in legs["ticker"].unique()}
    share_table = shares if isinstance(shares, ShareTable) else ShareTable(shares)
    rows: list[dict[str, object]] = []
    for leg in legs.to_dict("records"):
        basis = _leg_basis(leg, frames, clean, share_table, fx, unstudied or {})
        rows += [_window_row(leg, basis, window, frames, fx) for window in windows]
    return pd.DataFrame(rows, columns=[*VALUE_COLUMNS, *_EXTRA_COLUMNS])


def _cleaned(series: pd.Series | Closes | None) -> Closes | None:
    """``series`` through :func:`clean_closes` unless it has been already."""
    return series if isinstance(series, Closes) else clean_closes(series)


def _leg_basis(
    leg: _Leg,
    frames: _StudyFrames,
    clean: Mapping[str, Closes | None],
    share_table: ShareTable,
    fx: Mapping[str, pd.Series],
    unstudied: Mapping[str, tuple[str, str]],
) -> _LegBasis:
    """The study's outcome of the leg, day -1 and its close (reported even when the study failed), the share
    count used and any later one, the FX rate, the market capitalisation and the valuation problem."""
    event_id = str(leg["event_id"])
    ticker = str(leg["ticker"])
    currency = leg["currency"] if isinstance(leg["currency"], str) else None
    outcome, reason = unstudied.get(event_id, ("not_studied", "no outcome from the study"))
    day0: pd.Timestamp | None = None
    if event_id in frames.outcomes:
        study_row = frames.outcomes[event_id]
        outcome = str(study_row["outcome"])
        reason = "" if pd.isna(study_row["reason"]) else str(study_row["reason"])
        day0 = pd.Timestamp(study_row["day0"]) if pd.notna(study_row["day0"]) else None
    series = clean.get(ticker)
    days = frames.days(event_id)
    date_m1, close_m1 = day_minus_one(days, series, day0)
    count = share_table.as_of(ticker, date_m1) if date_m1 is not None else None
    later = share_table.later(ticker, count, date_m1) if count is not None and date_m1 is not None else None
    stale = stale_count(count, later)
    scale = later.shares / count.shares if stale and later is not None and count is not None else NAN
    rate_m1: FxRate | None = None
    if currency is not None and date_m1 is not None:
        rate_m1 = rate_on(fx.get(currency), currency, date_m1)
    cap_local = close_m1 * count.shares if count is not None else NAN
    cap_usd = cap_local / rate_m1.rate if rate_m1 is not None else NAN
    basis = _LegBasis(
        event_id, ticker, currency, outcome, reason, day0, series, days, date_m1, close_m1, count, later,
        stale, scale, rate_m1, cap_local, cap_usd, "", "",
    )  # fmt: skip
    problem, code = _value_problem(leg, basis)
    return replace(basis, problem=problem, problem_code=code)


def _value_problem(leg: _Leg, b: _LegBasis) -> tuple[str, str]:
    """Why the leg cannot be valued and its outcome code (``no_fx_rate``, ``no_close``, ``no_shares``);
    empty when it can."""
    if b.currency is None:
        return f"unknown listing currency for exchange {leg['exchange']}", "no_fx_rate"
    if b.closes is None:
        return f"no closes for {b.ticker}", "no_close"
    if b.date_m1 is None or not math.isfinite(b.close_m1):
        return "no close on day -1", "no_close"
    if b.count is None:
        return f"no shares outstanding for {b.ticker} on or before {b.date_m1.date()}", "no_shares"
    if b.rate_m1 is None:
        return f"no {fx_symbol(b.currency)} rate on or before {b.date_m1.date()}", "no_fx_rate"
    return "", ""


def _window_row(
    leg: _Leg,
    b: _LegBasis,
    window: tuple[int, int],
    frames: _StudyFrames,
    fx: Mapping[str, pd.Series],
) -> dict[str, object]:
    """The row of one leg and window: the study's CAR, the dollar values and their outcome, the multiples."""
    label = str(Window.of(window))
    car = t_stat = p_value = NAN
    if (b.event_id, label) in frames.cars:
        car_row = frames.cars[(b.event_id, label)]
        car, t_stat, p_value = (float(car_row[c]) for c in ("car", "t_stat", "p_value"))
    work = _Valuation(market_cap_local=b.cap_local, market_cap_usd=b.cap_usd)
    row_outcome, row_reason = b.outcome, b.reason
    if b.outcome in USABLE_OUTCOMES:
        if b.problem_code and b.problem_code != "no_fx_rate":
            row_outcome, row_reason = b.problem_code, b.problem
        elif b.days is None or b.closes is None or b.count is None or b.currency is None:
            row_outcome, row_reason = "no_abnormal_returns", "no abnormal returns from the study"
        else:
            ab_l, ab_u, raw_l, raw_u, problem = window_value(
                b.days, window, b.closes, b.count.shares, b.currency, fx.get(b.currency)
            )
            work.abnormal_value_local, work.abnormal_value_usd = ab_l, ab_u
            work.raw_value_local, work.raw_value_usd = raw_l, raw_u
            work.car_value_usd = car * b.cap_usd
            if not math.isfinite(ab_l):
                row_outcome, row_reason = "gap_in_event_window", problem
            elif problem or b.problem_code == "no_fx_rate":
                row_outcome = "no_fx_rate"
                row_reason = f"{problem or b.problem}: values kept in {b.currency}"
                work.car_value_usd = NAN
    study = {"window": label, "outcome": row_outcome, "reason": row_reason, "car": car}
    return _row(leg, b, study | {"t_stat": t_stat, "p_value": p_value}, work)


def _row(leg: _Leg, b: _LegBasis, study: Mapping[str, Any], work: _Valuation) -> dict[str, object]:
    """The output row (:data:`VALUE_COLUMNS` then the deal attributes) with the multiples of the headline
    and binding value (none for a spillover: it is not the deal's value)."""
    headline = float(leg["headline_value_usd"])
    binding = float(leg["binding_value_usd"])
    pr_multiple, pr_reason = multiple(work.abnormal_value_usd, headline, "headline value")
    b_multiple, b_reason = multiple(work.abnormal_value_usd, binding, "binding value")
    if not bool(leg["direct"]):  # a spillover is not the deal's value: no multiple of its headline
        pr_multiple, pr_reason = NAN, f"not a party to the deal (role {leg['role']})"
        b_multiple, b_reason = NAN, pr_reason
    count, later, rate_m1 = b.count, b.later, b.rate_m1
    return {
        "event_id": b.event_id,
        "deal_id": leg["deal_id"],
        "ticker": b.ticker,
        "role": leg["role"],
        "direct": bool(leg["direct"]),
        "window": study["window"],
        "day0": b.day0 if b.day0 is not None else pd.NaT,
        "outcome": study["outcome"],
        "reason": study["reason"],
        "car": study["car"],
        "t_stat": study["t_stat"],
        "p_value": study["p_value"],
        "currency": b.currency,
        "close_m1": b.close_m1,
        "date_m1": b.date_m1 if b.date_m1 is not None else pd.NaT,
        "shares": count.shares if count else NAN,
        "shares_as_of": pd.Timestamp(count.as_of) if count else pd.NaT,
        "shares_source": count.source if count else None,
        "shares_stale": b.stale,
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
        "abnormal_value_usd_later_shares": work.abnormal_value_usd * b.scale,
        "raw_value_usd_later_shares": work.raw_value_usd * b.scale,
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
        # per reaction: dealstudy.economy.confounding.add_confounding; until then only the catalog's own
        # list of the deal's confounders is known
        "confounded": True if leg["confounded"] else None,
        "confounders": _CATALOG_CONFOUNDED if leg["confounded"] else _NOT_ASSESSED,
        "position": int(leg["position"]),
    }
