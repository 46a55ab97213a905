"""The ``analyze`` pipeline: catalog -> prices -> event study -> press-release economy -> files.

Events: one per deal x listed security, ``event_id = <deal_id>:<ticker>``. Day 0 comes from
:func:`dealstudy.data.calendars.map_day0`: the deal's timing is stated relative to its *first* security's
exchange (the reference), a security's own ``timing`` overrides it (relative to its own exchange), and
``announced_at`` wins when known. Direct parties are listed before read-across and subject securities, so
when two deals hit the same ticker on the same day the engine keeps the direct party's event and marks the
other ``overlapping_event``.

Market benchmark per listing exchange (market and market-adjusted models): US venues -> ``SPY``, Tokyo ->
``^N225``, Seoul -> ``^KS11``. The Japanese and Korean index files of the shared snapshot cover only
2025-09-08..2026-03-06, so many foreign events end as ``thin_estimation`` or ``no_benchmark``: honest, not a
bug. Group = the deal's binding status.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dealstudy._atomic import atomic_write_csv, atomic_write_text
from dealstudy._outdir import check_out
from dealstudy._tables import TableFormat, write_table
from dealstudy.catalog import Catalog, load_catalog
from dealstudy.config import STUDY_DATES, studiable
from dealstudy.data import DataSources
from dealstudy.data.calendars import map_day0
from dealstudy.economy import (
    EconomyResults,
    EconomySpec,
    dollar_values,
    event_id_for,
    fit_economy,
    legs_frame,
)
from dealstudy.economy.confounding import add_confounding
from dealstudy.economy.currency import FX_SYMBOL, currency_for_mic
from dealstudy.economy.legs import INDIRECT_ROLES
from dealstudy.economy.press import press_reconciliation
from dealstudy.economy.regressions import CovType
from dealstudy.economy.values import STALE_SHARES_DAYS
from dealstudy.errors import DataError, DownloadError, MissingDataError, SpecificationError
from dealstudy.pipeline.confounders import confounding_inputs, online_calendar
from dealstudy.pipeline.fallback import with_fallbacks
from dealstudy.pipeline.raw_moves import raw_moves
from dealstudy.pipeline.study import STUDY_FILES, run_study, write_study
from dealstudy.study import StudyResults, StudySpec
from dealstudy.window import Window, WindowLike

__all__ = [
    "ANALYSIS_FILES",
    "ANALYSIS_STAGES",
    "BENCHMARK_BY_MIC",
    "AnalysisResults",
    "StageCallback",
    "analyze",
    "catalog_events",
    "write_analysis",
]

#: Market benchmark by listing exchange; anything else falls back to the study's default market.
BENCHMARK_BY_MIC: dict[str, str] = {"XTKS": "^N225", "XJPX": "^N225", "XKRX": "^KS11", "XKOS": "^KS11"}

#: Files written by :func:`write_analysis` besides the study's four.
ANALYSIS_FILES: tuple[str, ...] = (
    "events.csv",
    "deal_values.csv",
    "deal_values_detail.csv",
    "regressions.csv",
    "regression_summaries.txt",
    "bootstrap.csv",
    "influence.csv",
    "robustness.csv",
    "ledger.csv",
    "ledger_totals.csv",
    "ledger_stated.csv",
    "revisions.csv",
    "sensitivity.csv",
    "press_reconciliation.csv",
    "headline_totals.csv",
    "inference.csv",
    "influence_deals.csv",
    "aggregates.csv",
    "cumulative.csv",
    "exclusions.csv",
    "raw_moves.csv",
    "summary.txt",
)

#: Why a month-precision deal is not studied (its outcome in the dollar values is ``day_unknown``).
UNKNOWN_DAY_REASON = "announcement day unknown (month precision), so the deal cannot be placed in event time"

#: Outcome (in the dollar values) of a deal dated outside :data:`dealstudy.config.STUDY_DATES`.
DATE_OUT_OF_RANGE = "date_out_of_range"
_OUT_OF_RANGE = "announcement date outside the dates dealstudy can study"


def _out_of_range(day: dt.date) -> str:
    lo, hi = STUDY_DATES
    return f"{_OUT_OF_RANGE} ({lo}..{hi}): announced {day.isoformat()}; check the catalog's date"


#: Stages of :func:`analyze`, in the order they start: the main event study (with the catalog, day 0 and
#: the closes, share counts and FX rates of the dollar values), the study rerun with each robustness model,
#: and the economy layer (dollar values, regressions, bootstrap, influence, robustness table, aggregates,
#: ledger, revisions).
ANALYSIS_STAGES: tuple[str, ...] = ("study", "robustness", "economy")

#: ``on_stage(name)``: called as each of :data:`ANALYSIS_STAGES` starts.
StageCallback = Callable[[str], None]

#: Calendar-day margin fetched around the event dates for closes and FX.
_MARGIN_DAYS = 40
#: Suffix of the robustness entry that repeats the main model without the fallback models.
NO_FALLBACKS = " without fallbacks"

#: Step (calendar days) of the share-count lookups after day -1: counts are quarterly or rarer, so every
#: count of the staleness horizon is found.
_SHARES_STEP_DAYS = 10


@dataclass(frozen=True, eq=False, repr=False)
class AnalysisResults:
    """Everything ``dealstudy analyze`` computed.

    Attributes
    ----------
    catalog : Catalog
    events : DataFrame
        The study's input events (``event_id, ticker, deal_id, role, direct, date, timing, day0, day0_rule,
        day0_flagged, market, group``).
    study : StudyResults
        The main study (``spec.model``), written exactly as ``dealstudy study`` writes it.
    economy : EconomyResults
        Dollar values, regressions, robustness, aggregates, ledger, revisions.
    alternatives : dict of model name to StudyResults
        Studies rerun with the robustness models.
    skipped_models : dict of model name to reason
        Robustness models that could not be run.
    sources : str
        Where the data came from.
    press : DataFrame
        The press reconciled (:func:`dealstudy.economy.press.press_reconciliation`): press claim,
        close-to-close, intraday-high and abnormal value of every direct party at day 0 and over the window.
    raw_moves : DataFrame
        Every event's raw day-0 move and raw dollar change, whatever its outcome
        (:func:`dealstudy.pipeline.raw_moves.raw_moves`).
    """

    catalog: Catalog
    events: pd.DataFrame
    study: StudyResults
    economy: EconomyResults
    alternatives: dict[str, StudyResults]
    skipped_models: dict[str, str]
    sources: str
    press: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)
    raw_moves: pd.DataFrame = dataclasses.field(default_factory=pd.DataFrame)

    @property
    def window(self) -> str:
        return self.economy.spec.window

    def summary(self) -> str:
        """The economy's headline table plus the study's counts."""
        ok = int((self.study.outcomes["outcome"] == "ok").sum())
        head = (
            f"catalog: {len(self.catalog.deals)} deals, {len(self.events)} deal x security events; "
            f"study ({self.study.spec.model}): {ok} ok, {len(self.events) - ok} with another outcome\n"
            f"data: {self.sources}\n"
        )
        skipped = "".join(f"robustness model {m} skipped: {why}\n" for m, why in self.skipped_models.items())
        return head + skipped + self.economy.summary()

    def __repr__(self) -> str:
        return (
            f"<AnalysisResults {len(self.catalog.deals)} deals, {len(self.events)} events, "
            f"{self.study.n_ok} ok; study {self.study.spec.model}, window {self.window}>"
        )

    def _repr_html_(self) -> str:
        """The headline table as preformatted text, then the study's summary (notebooks show this)."""
        import html

        return f"<pre>{html.escape(self.summary())}</pre>{self.study.summary().as_html()}"


def _day0(
    deal_timing: str,
    announced: dt.date,
    announced_at: dt.datetime | None,
    mic: str,
    reference: str,
    override: str | None,
) -> tuple[pd.Timestamp | None, str, bool]:
    timing = override or deal_timing
    ref = mic if override else reference
    try:
        mapped = map_day0(announced, timing, mic, announced_at=announced_at, reference_mic=ref)  # type: ignore[arg-type]
    except (SpecificationError, DataError) as exc:
        return None, f"day 0 not mapped ({exc}); the engine's date rule applies", True
    rule = mapped.rule + (f" ({mapped.note})" if mapped.note else "")
    return pd.Timestamp(mapped.session), rule, bool(mapped.flagged)


def catalog_events(
    catalog: Catalog, sources: DataSources | None = None, *, market: str = "SPY"
) -> pd.DataFrame:
    """The study's events: one per deal x listed security, direct parties first.

    Columns ``event_id, ticker, deal_id, role, direct, exchange, date, timing, day0, day0_rule,
    day0_flagged, studied, market, group``. ``sources`` is accepted for symmetry with the other pipelines
    and not used: day 0 comes from the exchange calendars, and a session missing from the data is left for
    the engine to report (``gap_in_event_window``) instead of silently moving day 0.

    A deal whose announcement date is known only to the month (``announced_precision == "month"``) cannot
    be placed in event time: its securities are listed with ``studied`` false and no day 0, are not passed
    to the study, and get the outcome ``day_unknown`` in the dollar values.
    """
    del sources
    rows = []
    for order, deal in enumerate(catalog.deals):
        if not deal.securities:
            continue
        reference = deal.securities[0].exchange
        month_only = deal.announced_precision == "month"
        out_of_range = not studiable(deal.announced)
        for security in deal.securities:
            if out_of_range:
                day0, rule, flagged = None, _out_of_range(deal.announced), True
            elif month_only:
                day0, rule, flagged = None, f"{UNKNOWN_DAY_REASON}: announced {deal.announced_label}", True
            else:
                day0, rule, flagged = _day0(
                    deal.timing,
                    deal.announced,
                    deal.announced_at,
                    security.exchange,
                    reference,
                    security.timing,
                )
            rows.append(
                {
                    "event_id": event_id_for(deal.id, security.ticker),
                    "ticker": security.ticker,
                    "deal_id": deal.id,
                    "role": security.role,
                    "direct": security.role not in INDIRECT_ROLES,
                    "exchange": security.exchange,
                    "date": pd.Timestamp(deal.announced) if not out_of_range else pd.NaT,
                    "timing": security.timing or deal.timing,
                    "day0": day0 if day0 is not None else pd.NaT,
                    "day0_rule": rule,
                    "day0_flagged": flagged,
                    "studied": not (month_only or out_of_range),
                    "market": BENCHMARK_BY_MIC.get(security.exchange.upper(), market),
                    "group": deal.binding_status,
                    "_order": order,
                }
            )
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise SpecificationError(f"catalog {catalog.directory}: no deal lists a security; nothing to study")
    frame = frame.sort_values(["direct", "_order"], ascending=[False, True], kind="stable")
    frame["day0"] = pd.to_datetime(frame["day0"])
    return frame.drop(columns="_order").reset_index(drop=True)


def _history(
    sources: DataSources, symbol: str, start: dt.date, end: dt.date, column: str
) -> pd.Series | None:
    try:
        frame = sources.prices.history(symbol, start, end).frame
    except (MissingDataError, DownloadError):
        return None
    series = frame[column].astype(float).dropna()
    return series if not series.empty else None


def _span(events: pd.DataFrame) -> tuple[dt.date, dt.date]:
    """Calendar dates read around the events for closes and highs."""
    start = (events["date"].min() - pd.Timedelta(days=_MARGIN_DAYS)).date()
    return start, (events["date"].max() + pd.Timedelta(days=_MARGIN_DAYS)).date()


def _market_inputs(
    sources: DataSources, events: pd.DataFrame, study: StudyResults
) -> tuple[dict[str, pd.Series], pd.DataFrame, dict[str, pd.Series]]:
    """As-traded closes, the share counts in force at each event's day -1, and FX closes."""
    start, end = _span(events)
    closes: dict[str, pd.Series] = {}
    for ticker in dict.fromkeys(events["ticker"].astype(str)):
        series = _history(sources, ticker, start, end, "close")
        if series is not None:
            closes[ticker] = series
    day0 = study.outcomes.set_index("event_id")["day0"]
    shares_rows: dict[tuple[str, dt.date], dict[str, object]] = {}
    for event_id, ticker in zip(events["event_id"], events["ticker"], strict=True):
        series = closes.get(str(ticker))
        when = day0.get(event_id)
        if series is None or when is None or pd.isna(when):
            continue
        before = series.index[series.index < pd.Timestamp(when)]
        if len(before) == 0:
            continue
        day_m1 = pd.Timestamp(before[-1]).date()
        # the count in force at day -1 and every count of the staleness horizon after it
        steps = range(0, STALE_SHARES_DAYS + 1, _SHARES_STEP_DAYS)
        for on in (day_m1 + dt.timedelta(days=k) for k in steps):
            count = sources.shares.shares_on(str(ticker), on)
            if count is not None:
                shares_rows[(count.symbol, count.as_of)] = {
                    "symbol": count.symbol,
                    "as_of": count.as_of,
                    "shares": count.shares,
                    "source": count.source,
                }
    shares = pd.DataFrame(list(shares_rows.values()), columns=["symbol", "as_of", "shares", "source"])
    fx: dict[str, pd.Series] = {}
    currencies = {currency_for_mic(str(m)) for m in events["exchange"]} - {None, "USD"}
    for currency in sorted(c for c in currencies if c is not None):
        symbol = FX_SYMBOL.get(currency, f"{currency}=X")
        series = _history(sources, symbol, start - dt.timedelta(days=_MARGIN_DAYS), end, "close")
        if series is not None:
            fx[currency] = series
    return closes, shares, fx


def analyze(
    catalog_dir: Path | str | Catalog,
    sources: DataSources,
    spec: StudySpec | None = None,
    *,
    window: WindowLike = "0:1",
    models: Sequence[str] = ("market_adjusted", "ff3"),
    cov_type: CovType = "HC3",
    bootstrap_reps: int = 1999,
    seed: int = 20251103,
    on_stage: StageCallback | None = None,
) -> AnalysisResults:
    """Run the whole analysis on a catalog folder.

    Parameters
    ----------
    catalog_dir : Path, str or Catalog
        The ``events/`` folder, or a catalog already loaded from it (not read again).
    sources : DataSources
        From :func:`dealstudy.data.open_sources`.
    spec : StudySpec, optional
        The main study (default: market model on SPY / the local index). ``window`` is added to its windows
        when absent.
    window : Window or str
        Event window of the dollar values, regressions and headline figures (``"-1:1"`` or a
        :class:`~dealstudy.window.Window`); it becomes the study's ``main_window``.
    models : sequence of str
        Expected-return models rerun for the robustness table (the main model is skipped; a model whose data
        are missing is reported in ``skipped_models``).
    cov_type : {"HC3", "HC1", "cluster", "nonrobust"}
        Regression covariance (``cluster`` = by announcement date).
    on_stage : callable, optional
        ``on_stage(name)`` as each of :data:`ANALYSIS_STAGES` starts (``"study"``, ``"robustness"``,
        ``"economy"``, always in that order), e.g. to time them or drive a progress bar.

    Raises
    ------
    MissingDataError
        When the sources hold prices for none of the catalog's securities (nothing to value): a clear
        error instead of an empty analysis. With prices for some securities, events without usable data
        get an outcome code, and regressions whose sample is too small say ``not estimable: N = k``.
    """

    def stage(name: str) -> None:
        if on_stage is not None:
            on_stage(name)

    stage("study")
    spec = spec or StudySpec()
    main_window = Window.of(window)
    spec = dataclasses.replace(spec, main_window=main_window)  # added to the windows when absent
    economy_spec = EconomySpec(
        window=str(main_window), cov_type=cov_type, bootstrap_reps=bootstrap_reps, seed=seed
    )
    catalog = catalog_dir if isinstance(catalog_dir, Catalog) else load_catalog(catalog_dir)
    events = catalog_events(catalog, sources, market=spec.market)
    studied = events[events["studied"]].drop(columns="studied").reset_index(drop=True)
    unstudied = {
        str(row["event_id"]): (
            DATE_OUT_OF_RANGE if str(row["day0_rule"]).startswith(_OUT_OF_RANGE) else "day_unknown",
            str(row["day0_rule"]),
        )
        for row in events[~events["studied"]].to_dict("records")
    }
    primary = run_study(studied, sources, spec)
    study = with_fallbacks(primary, studied, sources)
    closes, shares, fx = _market_inputs(sources, studied, study)
    if not closes:
        tickers = ", ".join(dict.fromkeys(studied["ticker"].astype(str)))
        raise MissingDataError(
            f"no prices for any security of the catalog {catalog.directory} ({tickers}) from "
            f"{sources.description}; {sources.remedy}"
        )
    legs = legs_frame(catalog.deals)
    online, _ = online_calendar(sources, list(studied["ticker"].astype(str)))
    confounding = confounding_inputs(catalog, events, online)

    def values_of(result: StudyResults) -> pd.DataFrame:
        values = dollar_values(
            legs,
            result.outcomes,
            result.abnormal_returns,
            result.cars,
            closes,
            shares,
            fx,
            result.spec.windows,
            unstudied,
        )
        return add_confounding(
            values, result.abnormal_returns, confounding.earnings, confounding.events, confounding.coverage
        )

    stage("robustness")
    alternatives: dict[str, StudyResults] = {}
    skipped: dict[str, str] = {}
    for model in dict.fromkeys(models):
        if model == spec.model:
            continue
        try:
            other = dataclasses.replace(spec, model=model, benchmarks=(), scholes_williams=False)  # type: ignore[arg-type]
            alternatives[model] = run_study(studied, sources, other)
        except (SpecificationError, DataError) as exc:
            skipped[model] = str(exc)
    if (study.outcomes["outcome"] == "fallback_model").any():
        alternatives[f"{spec.model}{NO_FALLBACKS}"] = primary  # the headline figures without fallbacks
    stage("economy")
    economy = fit_economy(
        catalog.deals,
        catalog.counterparties,
        values_of(study),
        economy_spec,
        model=spec.model,
        alternatives={m: values_of(r) for m, r in alternatives.items()},
    )
    highs = {t: s for t in closes if (s := _history(sources, t, *_span(studied), "high")) is not None}
    press = press_reconciliation(
        catalog.deals, economy.valuations, study.abnormal_returns, highs, closes, economy.spec.window
    )
    raw = raw_moves(studied, study.outcomes, closes, shares, fx)
    description = sources.description
    return AnalysisResults(catalog, events, study, economy, alternatives, skipped, description, press, raw)


def _text_dates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif out[column].dtype == object:
            out[column] = [
                v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp | dt.date) and not pd.isna(v) else v
                for v in out[column]
            ]
    return out


def write_analysis(results: AnalysisResults, out_dir: Path | str, fmt: TableFormat = "csv") -> list[Path]:
    """Write the study's four files (as ``dealstudy study`` does) and the economy's tables; returns paths.

    ``fmt="parquet"`` writes every table as ``.parquet`` with the same columns (the text files stay text).

    Files: ``outcomes.csv``, ``abnormal_returns.csv``, ``cars.csv``, ``aggregate.csv`` (the study), then
    :data:`ANALYSIS_FILES`. ``deal_values.csv`` has exactly the columns
    :data:`dealstudy.economy.DEAL_VALUE_COLUMNS`; every write is atomic.
    """
    folder = check_out(out_dir, "analyze", STUDY_FILES + ANALYSIS_FILES)
    paths = write_study(results.study, folder, fmt)
    economy = results.economy
    tables: dict[str, pd.DataFrame] = {
        "events.csv": results.events,
        "deal_values.csv": economy.deal_values(),
        "deal_values_detail.csv": economy.to_frame(),
        "regressions.csv": economy.regressions_frame(),
        "bootstrap.csv": economy.bootstrap,
        "influence.csv": economy.influence,
        "robustness.csv": economy.robustness,
        "ledger.csv": economy.ledger,
        "ledger_totals.csv": economy.ledger_totals,
        "ledger_stated.csv": economy.stated,
        "revisions.csv": economy.revisions,
        "sensitivity.csv": economy.sensitivity,
        "press_reconciliation.csv": results.press,
        "headline_totals.csv": economy.headline_totals,
        "inference.csv": economy.inference.table if economy.inference else pd.DataFrame(),
        "influence_deals.csv": economy.inference.loo if economy.inference else pd.DataFrame(),
        "aggregates.csv": economy.aggregates,
        "cumulative.csv": economy.cumulative,
        "exclusions.csv": economy.exclusions,
        "raw_moves.csv": results.raw_moves,
    }
    for name, table in tables.items():
        if fmt == "parquet":
            paths.append(write_table(folder, name.removesuffix(".csv"), _text_dates(table), fmt))
            continue
        path = folder / name
        atomic_write_csv(path, _text_dates(table))
        paths.append(path)
    for name, text in (
        ("regression_summaries.txt", economy.summary_text()),
        ("summary.txt", results.summary()),
    ):
        path = folder / name
        atomic_write_text(path, text)
        paths.append(path)
    return [Path(out_dir) / p.relative_to(folder) for p in paths]
