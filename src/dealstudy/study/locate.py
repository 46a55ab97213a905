"""Day 0 of every event in its ticker's data, and the same ticker's events near it: duplicates, overlapping
windows and the sessions inside some event's window (the estimation exclusion)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.study.aligned import BoolArray, IntArray
from dealstudy.study.inputs import PriceInputs, ReturnInputs, TickerPanel

__all__ = ["NO_DATA", "EventRows", "Located", "event_rows", "locate_day0", "same_ticker_neighbours"]

#: The cause given when the price source has nothing for a symbol.
NO_DATA = "the price source has no data for it"

#: ``day0_rule`` by code: given, after the close, a session, not a session, outside the data, announced on
#: a non-trading day.
_DAY0_RULES = np.array(
    [
        "day 0 given",
        "after_close: next session",
        "announcement date is a session",
        "not a session: next session",
        "announcement date",
        "non_trading_day: next session",
    ],
    dtype=object,
)


@dataclass(frozen=True)
class EventRows:
    """Each event's ticker and where that ticker's data lie in the concatenated panel (internal)."""

    tickers: list[str]  # the distinct tickers, by code
    t_of: IntArray  # (N,) ticker code of each event
    start: IntArray  # (N,) first position of the ticker's data
    length: IntArray  # (N,) sessions of the ticker's data (0: no data)


@dataclass(frozen=True)
class Located:
    """Day 0 of every event (internal; from :func:`locate_day0`)."""

    p0: IntArray  # (N,) position of day 0 within its ticker's data, -1 where not located
    day0: NDArray[np.datetime64]  # (N,) day 0 (the given or anchor date where not located)
    rule: NDArray[np.object_]  # (N,) the day-0 rule applied
    last_date: NDArray[np.datetime64]  # (N,) last date of the ticker's data (NaT without data)


def event_rows(ev: pd.DataFrame, inputs: PriceInputs | ReturnInputs) -> tuple[EventRows, TickerPanel]:
    """Step 1 of alignment: factorize the events' tickers and concatenate their data."""
    codes, uniques = pd.factorize(ev["ticker"].to_numpy(dtype=object), sort=False)
    tickers = [str(t) for t in uniques]
    tp = inputs.tickers(tickers)
    t_of = codes.astype(np.int64)
    return EventRows(tickers, t_of, tp.start[t_of], tp.length[t_of]), tp


def locate_day0(
    ev: pd.DataFrame,
    tp: TickerPanel,
    er: EventRows,
    outcome: NDArray[np.object_],
    reason: NDArray[np.object_],
    unavailable: Mapping[str, str],
) -> Located:
    """Step 2 of alignment: day 0 of every event, by one search per ticker.

    A given ``day0`` must be a session of the ticker's data; otherwise the ``date`` and ``timing`` give it
    by :func:`dealstudy.data.calendars.map_day0`'s rule on the ticker's own data dates (after the close or
    on a non-trading day: the next session). Events that cannot be placed get their outcome and reason in
    ``outcome`` / ``reason`` (``day0_outside_data``, ``gap_in_event_window``, ``no_prices``).
    """
    n = len(ev)
    nat = np.datetime64("NaT", "ns")
    day0_in = ev["day0"].to_numpy(dtype="datetime64[ns]")
    date_in = ev["date"].to_numpy(dtype="datetime64[ns]")
    timing = ev["timing"].to_numpy(dtype=object)
    given_rules = ev["day0_rule"].to_numpy(dtype=object)
    tickers, t_of, tstart, tlen = er.tickers, er.t_of, er.start, er.length
    has_data = tlen > 0
    given = ~np.isnat(day0_in)
    anchor = np.where(given, day0_in, date_in)
    day0 = anchor.copy()
    last_date = np.full(n, nat, dtype="datetime64[ns]")
    all_dates = tp.ns.view("datetime64[ns]")
    p0_of = np.full(n, -1, dtype=np.int64)  # position of day 0 within its ticker's data
    rule = given_rules.copy()  # events of tickers without data keep the given rule
    dv = np.flatnonzero(has_data)
    if dv.size:
        last_date[dv] = all_dates[tstart[dv] + tlen[dv] - 1]
        a = anchor[dv]
        n_t = tlen[dv]
        # first date at or after the anchor: np.searchsorted(dates, anchor, side="left") ticker by ticker
        pos = _search_by_ticker(tp, t_of[dv], a.view(np.int64))
        pos = np.where(np.isnat(a), n_t, pos)  # (as numpy sorts NaT last)
        exact = (pos < n_t) & (all_dates[tstart[dv] + np.minimum(pos, n_t - 1)] == a)
        first_d = all_dates[tstart[dv]]
        last_d = all_dates[tstart[dv] + n_t - 1]
        g = given[dv]
        outside = (a < first_d) | (a > last_d)
        # map_day0's rule on the ticker's own data dates: after the close or on a non-trading day -> the
        # next session (time zones, which need exchange calendars, are the pipeline's: it passes day0 in)
        closed = timing[dv] == "non_trading_day"
        after = ~g & exact & ((timing[dv] == "after_close") | closed)
        pos = pos + after
        code = np.where(g, 0, np.where(after, np.where(closed, 5, 1), np.where(exact, 2, 3)))
        code = np.where(outside & ~g, 4, code)
        rule[dv] = _DAY0_RULES[code]
        keep_rule = g & (given_rules[dv] != "")
        rule[dv[keep_rule]] = given_rules[dv[keep_rule]]
        missing = g & ~exact & ~outside
        beyond = ~g & ~outside & (pos >= n_t)
        bad = outside | missing | beyond
        for j in np.flatnonzero(bad).tolist():
            i = int(dv[j])
            ticker = tickers[t_of[i]]
            text = str(a[j])[:10]
            first, last = str(first_d[j])[:10], str(last_d[j])[:10]
            if outside[j]:
                outcome[i] = "day0_outside_data"
                reason[i] = f"day 0 {text} is outside the price data of {ticker} ({first}..{last})"
            elif missing[j]:
                outcome[i] = "gap_in_event_window"
                reason[i] = f"day 0 {text} is not a session in the price data of {ticker} (a missing day)"
            else:
                outcome[i] = "day0_outside_data"
                reason[i] = f"day 0 after {text} is after the last price of {ticker} ({last})"
        ok = ~bad & ~g
        day0[dv[ok]] = all_dates[tstart[dv[ok]] + pos[ok]]
        p0_of[dv] = np.where(bad, -1, pos)
    for i in np.flatnonzero(~has_data).tolist():
        ticker = tickers[t_of[i]]
        cause = unavailable.get(ticker, NO_DATA)
        outcome[i] = "no_prices"
        reason[i] = f"no prices for {ticker}: {cause}"
    return Located(p0=p0_of, day0=day0, rule=rule, last_date=last_date)


def same_ticker_neighbours(
    ids: NDArray[np.object_],
    tp: TickerPanel,
    er: EventRows,
    p0_of: IntArray,
    window: tuple[int, int],
    outcome: NDArray[np.object_],
    reason: NDArray[np.object_],
) -> tuple[NDArray[np.object_], BoolArray]:
    """Step 3 of alignment: the located events' same-day duplicates, overlaps and window coverage, from one
    sort of ``(ticker, day 0)``.

    A second event of a ticker on the same day 0 gets ``overlapping_event`` (in ``outcome`` / ``reason``).
    Returns the ids of each event's same-ticker events whose widest ``window`` overlaps its own (``;``
    -joined) and, for every position of the concatenated data, whether some located event's widest window
    covers it (one cumulative sum).
    """
    n = ids.size
    wlo, whi = window
    width = whi - wlo
    tickers, t_of, tstart, tlen = er.tickers, er.t_of, er.start, er.length
    all_dates = tp.ns.view("datetime64[ns]")
    located = np.flatnonzero(p0_of >= 0)
    overlaps = np.full(n, "", dtype=object)
    cover = np.zeros(tp.ns.size, dtype=bool)
    if not located.size:
        return overlaps, cover
    stride = int(tp.length.max()) + 2 * abs(width) + 2  # windows never reach the next ticker's keys
    key = t_of[located] * stride + p0_of[located]
    order = np.argsort(key, kind="stable")  # by ticker, day 0, then input order
    srows, skey = located[order], key[order]
    same = np.flatnonzero(skey[1:] == skey[:-1]) + 1
    if same.size:
        run_start = np.flatnonzero(np.concatenate([[True], skey[1:] != skey[:-1]]))
        first_of = run_start[np.searchsorted(run_start, same, side="right") - 1]
        for q, f0 in zip(same.tolist(), first_of.tolist(), strict=True):
            i = int(srows[q])
            outcome[i] = "overlapping_event"
            reason[i] = (
                f"same ticker {tickers[t_of[i]]} and day 0 {str(all_dates[tstart[i] + p0_of[i]])[:10]} "
                f"as event {ids[srows[f0]]}"
            )
    lo = np.searchsorted(skey, skey - width, side="left")
    hi = np.searchsorted(skey, skey + width, side="right")
    near = np.flatnonzero(hi - lo > 1)
    if near.size:
        sids = [str(x) for x in ids[srows]]
        texts = []
        for j, a0, b0 in zip(near.tolist(), lo[near].tolist(), hi[near].tolist(), strict=True):
            texts.append(";".join(sids[a0:j] + sids[j + 1 : b0]))
        overlaps[srows[near]] = texts
    # coverage of every located event's widest window, for the estimation exclusion
    lp0, ls, ln = p0_of[located], tstart[located], tlen[located]
    up = ls + np.minimum(np.maximum(lp0 + wlo, 0), ln)
    down = ls + np.minimum(np.maximum(lp0 + whi + 1, 0), ln)
    size = tp.ns.size + 1
    counts = np.bincount(up, minlength=size) - np.bincount(down, minlength=size)
    cover = np.cumsum(counts)[: tp.ns.size] > 0
    return overlaps, cover


def _search_by_ticker(tp: TickerPanel, t: IntArray, when: IntArray) -> IntArray:
    """``np.searchsorted(dates of ticker t[j], when[j], side="left")`` for every ``j``, a call per ticker."""
    order = np.argsort(t, kind="stable")
    ts, ws = t[order], when[order]
    cuts = np.flatnonzero(np.concatenate([[True], ts[1:] != ts[:-1], [True]]))
    out = np.empty(t.size, dtype=np.int64)
    for a, b in zip(cuts[:-1].tolist(), cuts[1:].tolist(), strict=True):
        s, n_t = int(tp.start[ts[a]]), int(tp.length[ts[a]])
        out[order[a:b]] = np.searchsorted(tp.ns[s : s + n_t], ws[a:b], side="left")
    return out
