"""Events whose event window touches a suspect price get the outcome ``suspect_prices`` (pure, no I/O).

The pipeline drops each suspect session's price before the study (:mod:`dealstudy.data.sanity`), so the
engine reports such an event as having no return on that day; :func:`mark_suspect_events` then names the real
cause: which price, which day, how large the move, and that the reaction is left out of the headline figures.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from dealstudy.data.sanity import SuspectPrice
from dealstudy.study.results import StudyResults

__all__ = ["SUSPECT_OUTCOME", "drop_suspect_prices", "mark_suspect_events"]

SUSPECT_OUTCOME = "suspect_prices"
#: Outcomes a suspect price can cause in the engine (its missing returns); others keep their own code.
_CAUSED = frozenset({"gap_in_event_window", "no_benchmark"})


def drop_suspect_prices(
    prices: Mapping[str, pd.Series], suspects: Mapping[str, Sequence[SuspectPrice]]
) -> dict[str, pd.Series]:
    """``prices`` with the price of every suspect session set to NaN (the returns into and out of it are
    then missing: a level shift or a single wrong price leaves no false return behind)."""
    out = dict(prices)
    for symbol, found in suspects.items():
        if found and symbol in out:
            series = out[symbol].copy()
            series.loc[series.index.isin(pd.DatetimeIndex([s.date for s in found]))] = np.nan
            out[symbol] = series
    return out


def mark_suspect_events(
    results: StudyResults,
    suspects: Mapping[str, Sequence[SuspectPrice]],
    prices: Mapping[str, pd.Series],
) -> StudyResults:
    """Give ``suspect_prices`` to every event whose widest event window uses a suspect price.

    A price at session ``d`` enters the returns of ``d`` and of the next session, so an event with day 0
    at position ``p0`` of its ticker's sessions (the dates of its series in ``prices``) is touched when
    ``d``'s position lies in ``p0 + a - 1 .. p0 + b`` for the widest window ``a:b``. Prices of the event's
    benchmark (its ``market``) count too, placed on the ticker's sessions. An event whose own price is
    dropped comes out of the engine with a gap; one whose benchmark price is dropped comes out ``ok``,
    because the benchmark is carried forward over a missing price (:mod:`dealstudy.study.returns`: a zero
    benchmark return that day, two days' move the next), so an ``ok`` event is marked when its benchmark's
    suspect price touches the window.
    Returns a new :class:`StudyResults`.
    """
    if not any(suspects.values()):
        return results
    lo, hi = results.spec.widest_window
    outcomes = results.outcomes
    markets = outcomes["market"] if "market" in outcomes.columns else pd.Series("", index=outcomes.index)
    flagged = {symbol for symbol, found in suspects.items() if found}
    tickers, market_of = outcomes["ticker"].astype(str), markets.astype(str)
    day0s = pd.DatetimeIndex(outcomes["day0"])
    caused = outcomes["outcome"].isin(_CAUSED).to_numpy(dtype=bool)
    benchmark_hit = market_of.isin(flagged).to_numpy(dtype=bool)
    candidates = ~np.asarray(day0s.isna(), dtype=bool) & (
        (caused & (tickers.isin(flagged).to_numpy(dtype=bool) | benchmark_hit))
        | ((outcomes["outcome"] == "ok").to_numpy(dtype=bool) & benchmark_hit)
    )
    marked: dict[int, str] = {}
    for row in np.flatnonzero(candidates).tolist():
        ticker, market = tickers.iloc[row], market_of.iloc[row]
        series = prices.get(ticker)
        if series is None:
            continue
        days = pd.DatetimeIndex(series.index)
        p0 = int(days.searchsorted(day0s[row]))
        hits: list[str] = []
        for symbol in dict.fromkeys((ticker, market) if caused[row] else (market,)):
            for suspect in suspects.get(symbol, ()):
                offset = int(days.searchsorted(suspect.date)) - p0
                if lo - 1 <= offset <= hi:
                    hits.append(suspect.describe(symbol))
        if hits:
            marked[row] = (
                "suspect price(s) in the event window: "
                + "; ".join(hits)
                + "; the reaction is left out of the headline figures"
            )
    if not marked:
        return results
    outcomes = outcomes.copy()
    new_outcome = outcomes["outcome"].astype(object).tolist()
    new_reason = outcomes["reason"].astype(object).tolist()
    for row, reason in marked.items():
        new_outcome[row] = SUSPECT_OUTCOME
        new_reason[row] = reason
    outcomes["outcome"] = new_outcome
    outcomes["reason"] = new_reason
    return dataclasses.replace(results, outcomes=outcomes)
