"""Fallback models: no security is left out of the catalog study without need.

An event the main study cannot estimate because its estimation window is short (a recent listing:
``thin_estimation``) or its local benchmark lacks prices (``no_benchmark``) is re-estimated by the first of
these rules that works, in this order (:data:`RULES`):

1. ``shorter_estimation`` (thin estimation only): the same model on the listing's own index, with the
   estimation window shortened to the returns available, down to a floor of :data:`FALLBACK_MIN_OBS`.
2. ``market_adjusted_local`` (thin estimation only): the market-adjusted model (AR = R - R_index) on the
   listing's own index; its variance needs at least :data:`MARKET_ADJUSTED_MIN_OBS` estimation returns.
3. ``global_market`` then 4. ``global_market_adjusted``: the market model (floor :data:`FALLBACK_MIN_OBS`),
   then the market-adjusted model, on the global benchmark :data:`GLOBAL_BENCHMARK`, with the returns of a
   non-USD listing computed from its prices converted to USD at the Yahoo FX row of the same date (the last
   earlier one when missing; see the shared data's provenance: that row is nearest the Asian close).

A rescued event gets the outcome ``fallback_model``; its reason keeps the original cause and names the
model used, and the outcomes table gains ``model_used`` and ``fallback`` (the rule, empty for the main
model) so every table can be filtered with or without fallbacks.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dealstudy.data import DataSources
from dealstudy.data.source import PriceHistory, PriceSource
from dealstudy.errors import DataError, SpecificationError
from dealstudy.stats.panel import EventPanel
from dealstudy.study import StudyResults, StudySpec

__all__ = [
    "FALLBACK_CAUSES",
    "FALLBACK_MIN_OBS",
    "GLOBAL_BENCHMARK",
    "MARKET_ADJUSTED_MIN_OBS",
    "RULES",
    "FallbackRule",
    "UsdPrices",
    "apply_fallbacks",
    "fallback_rules_table",
    "mark_stale",
    "with_fallbacks",
]

#: Fewest estimation returns of a fallback market model (the main study needs ``spec.min_obs``, 120).
FALLBACK_MIN_OBS = 60
#: Fewest estimation returns for the variance of a market-adjusted fallback.
MARKET_ADJUSTED_MIN_OBS = 30
#: The global fallback benchmark (USD).
GLOBAL_BENCHMARK = "SPY"
#: Outcomes a fallback may rescue.
FALLBACK_CAUSES: frozenset[str] = frozenset({"thin_estimation", "no_benchmark"})
USD_SUFFIX = "@USD"
_PRICE_FIELDS = ("open", "high", "low", "close", "adj_close")


@dataclass(frozen=True)
class FallbackRule:
    """One fallback: its name, model, estimation floor, benchmark and the causes it applies to."""

    name: str
    model: str
    min_obs: int
    global_benchmark: bool
    causes: frozenset[str]

    def describe(self, market: str, currency: str | None) -> str:
        floor = f"at least {self.min_obs} estimation returns"
        usd = f", returns in USD (converted from {currency})" if currency not in (None, "USD") else ""
        model = "market model" if self.model == "market" else "market-adjusted model"
        bench = f"global benchmark {GLOBAL_BENCHMARK}" if self.global_benchmark else f"own index {market}"
        return f"{model} on the {bench}{usd}, {floor}"


THIN = frozenset({"thin_estimation"})
RULES: tuple[FallbackRule, ...] = (
    FallbackRule("shorter_estimation", "market", FALLBACK_MIN_OBS, False, THIN),
    FallbackRule("market_adjusted_local", "market_adjusted", MARKET_ADJUSTED_MIN_OBS, False, THIN),
    FallbackRule("global_market", "market", FALLBACK_MIN_OBS, True, FALLBACK_CAUSES),
    FallbackRule("global_market_adjusted", "market_adjusted", MARKET_ADJUSTED_MIN_OBS, True, FALLBACK_CAUSES),
)


def with_fallbacks(primary: StudyResults, events: pd.DataFrame, sources: DataSources) -> StudyResults:
    """:func:`apply_fallbacks` (listing currencies from the events' ``exchange``), then :func:`mark_stale`."""
    from dealstudy.economy.currency import currency_for_mic

    listings = zip(events["ticker"].astype(str), events["exchange"].astype(str), strict=True)
    currencies = {ticker: currency_for_mic(mic) or "USD" for ticker, mic in listings}
    return mark_stale(apply_fallbacks(primary, events, sources, currencies), sources.prices)


def mark_stale(study: StudyResults, prices: object) -> StudyResults:
    """Append to the reason of each event without abnormal returns that the pinned snapshot, which served
    its prices, ends before its day 0 (when ``prices`` can tell: ``prices.stale_note(symbol, day0)``)."""
    note_for = getattr(prices, "stale_note", None)
    if note_for is None:
        return study
    out = study.outcomes.copy()
    changed = False
    for i, row in zip(out.index, out.to_dict("records"), strict=True):
        if row["outcome"] in ("ok", "fallback_model") or pd.isna(row["day0"]):
            continue
        note = note_for(str(row["ticker"]), pd.Timestamp(row["day0"]).date())
        if note:
            out.loc[i, "reason"] = f"{row['reason']}; {note}"
            changed = True
    return dataclasses.replace(study, outcomes=out) if changed else study


def fallback_rules_table() -> pd.DataFrame:
    """The rules as a table for the methods page: order, name, causes, model, benchmark, floor."""
    return pd.DataFrame(
        [
            {
                "order": i,
                "rule": rule.name,
                "applies_to": ", ".join(sorted(rule.causes)),
                "model": rule.describe("the listing's index", "local currency"),
                "min_estimation_returns": rule.min_obs,
            }
            for i, rule in enumerate(RULES, start=1)
        ]
    )


class UsdPrices:
    """A price source that also serves ``SYMBOL@USD``: the symbol's prices divided by its FX close.

    ``currencies`` maps a symbol to its listing currency; ``fx_symbol`` maps a currency to the Yahoo FX
    symbol quoting local currency per USD (``JPY=X``). Every other symbol passes through.
    """

    name = "usd"

    def __init__(
        self, inner: PriceSource, currencies: Mapping[str, str], fx_symbol: Callable[[str], str]
    ) -> None:
        self.inner = inner
        self.currencies = dict(currencies)
        self.fx_symbol = fx_symbol

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        if not symbol.endswith(USD_SUFFIX):
            return self.inner.history(symbol, start, end)
        base = symbol[: -len(USD_SUFFIX)]
        got = self.inner.history(base, start, end)
        currency = self.currencies.get(base, "USD")
        if currency == "USD":
            return PriceHistory(symbol, got.frame, got.provenance)
        pair = self.fx_symbol(currency)
        fx = self.inner.history(pair, start - dt.timedelta(days=10), end).frame["close"].astype(float)
        frame = to_usd(got.frame, fx)
        detail = f"{got.provenance.detail or ''}; converted to USD at {pair} (same date, else last earlier)"
        return PriceHistory(symbol, frame, dataclasses.replace(got.provenance, detail=detail.strip("; ")))


def to_usd(frame: pd.DataFrame, fx: pd.Series) -> pd.DataFrame:
    """Prices in local currency divided by the local-per-USD rate of the same date (else the last earlier)."""
    rates = fx.dropna().sort_index()
    rate = rates.reindex(rates.index.union(frame.index)).ffill().reindex(frame.index).to_numpy(dtype=float)
    out = frame.copy()
    for column in _PRICE_FIELDS:
        if column in out.columns:
            out[column] = out[column].to_numpy(dtype=float) / rate
    return out


def _rescue(
    rule: FallbackRule,
    events: pd.DataFrame,
    sources: DataSources,
    spec: StudySpec,
    currencies: dict[str, str],
) -> StudyResults | None:
    from dealstudy.economy.currency import fx_symbol
    from dealstudy.pipeline.study import run_study

    sub = events.copy()
    src = sources
    if rule.global_benchmark:
        sub["market"] = GLOBAL_BENCHMARK
        sub["ticker"] = [f"{t}{USD_SUFFIX}" for t in sub["ticker"].astype(str)]
        src = dataclasses.replace(sources, prices=UsdPrices(sources.prices, currencies, fx_symbol))
    min_obs = min(rule.min_obs, spec.estimation[1] - spec.estimation[0] + 1)
    other = dataclasses.replace(
        spec,
        model=rule.model,  # type: ignore[arg-type]
        min_obs=min_obs,
        scholes_williams=False,
        benchmarks=(),
    )
    try:
        return run_study(sub, src, other)
    except (DataError, SpecificationError):
        return None


def apply_fallbacks(
    main: StudyResults, events: pd.DataFrame, sources: DataSources, currencies: Mapping[str, str]
) -> StudyResults:
    """``main`` with its thin-estimation and no-benchmark events re-estimated by :data:`RULES`.

    ``events`` are the study's input events (``event_id, ticker, day0, market, ...``); ``currencies`` maps
    tickers to listing currencies (for the USD conversion of the global rules). Only market-based studies
    (``market``, ``market_adjusted``) fall back; the result always has ``model_used`` and ``fallback``.
    """
    spec = main.spec
    outcomes = main.outcomes
    pending = {
        str(r["event_id"]): (str(r["outcome"]), str(r["reason"]))
        for r in outcomes.to_dict("records")
        if r["outcome"] in FALLBACK_CAUSES
    }
    rescued: list[tuple[FallbackRule, StudyResults, list[str]]] = []
    if spec.model in ("market", "market_adjusted"):
        for rule in RULES:
            ids = [e for e, (code, _) in pending.items() if code in rule.causes]
            if not ids:
                continue
            chosen = events[events["event_id"].astype(str).isin(ids)]
            result = _rescue(rule, chosen, sources, spec, dict(currencies))
            if result is None:
                continue
            good = result.outcomes.loc[result.outcomes["outcome"] == "ok", "event_id"].astype(str).tolist()
            if good:
                rescued.append((rule, result, good))
                for event_id in good:
                    pending.pop(event_id)
    return _merge(main, rescued, events, currencies)


def _merge(
    main: StudyResults,
    rescued: list[tuple[FallbackRule, StudyResults, list[str]]],
    events: pd.DataFrame,
    currencies: Mapping[str, str],
) -> StudyResults:
    out = _merged_outcomes(main, rescued, events, currencies)
    ars, cars, panels, ids = [main.abnormal_returns], [main.cars], [main.panel], list(main.panel_event_ids)
    tickers = dict(zip(events["event_id"].astype(str), events["ticker"].astype(str), strict=True))
    for _, result, good in rescued:
        keep = result.panel_event_ids
        mask = np.isin(np.asarray(keep, dtype=object), good)
        panels.append(result.panel.subset(mask))
        ids.extend(e for e, m in zip(keep, mask, strict=True) if m)
        for frames, table in ((ars, result.abnormal_returns), (cars, result.cars)):
            part = table[table["event_id"].astype(str).isin(good)].copy()
            part["ticker"] = part["event_id"].astype(str).map(tickers)
            frames.append(part)
    if not rescued:
        return dataclasses.replace(main, outcomes=out)
    order = {e: i for i, e in enumerate(out["event_id"].astype(str))}

    def ordered(frames: list[pd.DataFrame]) -> pd.DataFrame:
        frame = pd.concat([f for f in frames if not f.empty] or frames[:1], ignore_index=True)
        key = frame["event_id"].astype(str).map(order)
        return frame.iloc[np.argsort(key.to_numpy(), kind="stable")].reset_index(drop=True)

    return dataclasses.replace(
        main,
        outcomes=out,
        abnormal_returns=ordered(ars),
        cars=ordered(cars),
        panel=_stack(panels),
        panel_event_ids=tuple(ids),
    )


def _merged_outcomes(
    main: StudyResults,
    rescued: list[tuple[FallbackRule, StudyResults, list[str]]],
    events: pd.DataFrame,
    currencies: Mapping[str, str],
) -> pd.DataFrame:
    """The main outcomes with each rescued event's row replaced by its fallback fit (original ticker)."""
    spec = main.spec
    out = main.outcomes.reset_index(drop=True)
    market = out["market"] if "market" in out.columns else pd.Series(spec.market, index=out.index)
    markets = market.astype(str).tolist()
    out["model_used"] = [f"{spec.model} on {m}" for m in markets]
    out["fallback"] = ""
    tickers = dict(zip(events["event_id"].astype(str), events["ticker"].astype(str), strict=True))
    position = {e: i for i, e in enumerate(out["event_id"].astype(str))}
    for rule, result, good in rescued:
        rows = result.outcomes[result.outcomes["event_id"].astype(str).isin(good)]
        for record in rows.to_dict("records"):
            i = position[str(record["event_id"])]
            code, why = str(out.loc[i, "outcome"]), str(out.loc[i, "reason"])
            used = rule.describe(markets[i], currencies.get(tickers[str(record["event_id"])]))
            for column, value in record.items():
                if column in out.columns and column not in ("ticker", "market", "day0_rule"):
                    out.loc[i, column] = value
            out.loc[i, "outcome"] = "fallback_model"
            out.loc[i, "reason"] = f"{code}: {why}; fallback ({rule.name}): {used}"
            out.loc[i, "model_used"] = used
            out.loc[i, "fallback"] = rule.name
    return out


def _stack(panels: list[EventPanel]) -> EventPanel:
    """Rows of several panels on the same axis and windows, one after the other."""
    first = panels[0]
    for other in panels[1:]:
        if not np.array_equal(other.rel_days, first.rel_days) or other.windows != first.windows:
            raise SpecificationError("fallback panels disagree with the main study's axis or windows")
    return EventPanel(
        rel_days=first.rel_days,
        ar=np.vstack([p.ar for p in panels]),
        var_ar=np.vstack([p.var_ar for p in panels]),
        sigma=np.concatenate([p.sigma for p in panels]),
        nobs=np.concatenate([p.nobs for p in panels]),
        dof=np.concatenate([p.dof for p in panels]),
        is_estimation=first.is_estimation,
        is_event=first.is_event,
        windows=first.windows,
        car_var=np.vstack([p.car_var for p in panels]),
        groups=np.concatenate([p.groups for p in panels]),
    )
