"""The ``analyze`` pipeline: catalog -> prices -> event study -> press-release economy -> files.

Events: one per deal x listed security (:func:`dealstudy.pipeline.catalog_events.catalog_events`, which
maps day 0 and picks each listing's benchmark). Direct parties are listed before read-across and subject
securities, so when two deals hit the same ticker on the same day the engine keeps the direct party's event
and marks the other ``overlapping_event``. The dollar values also read as-traded closes, share counts and
FX rates (:mod:`dealstudy.pipeline.market_inputs`); :func:`dealstudy.pipeline.analysis_files.write_analysis`
writes the files.

Market benchmark per listing exchange (market and market-adjusted models): US venues -> ``SPY``, Tokyo ->
``^N225``, Seoul -> ``^KS11``. The Japanese and Korean index files of the shared snapshot cover only
2025-09-08..2026-03-06, so many foreign events end as ``thin_estimation`` or ``no_benchmark``: honest, not a
bug. Group = the deal's binding status.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dealstudy.catalog import Catalog, load_catalog
from dealstudy.data import DataSources
from dealstudy.economy import EconomyResults, EconomySpec, dollar_values, fit_economy, legs_frame
from dealstudy.economy.confounding import add_confounding
from dealstudy.economy.press import press_reconciliation
from dealstudy.economy.regressions import CovType
from dealstudy.economy.shares import ShareTable
from dealstudy.economy.window_value import Closes, clean_closes
from dealstudy.errors import DataError, MissingDataError, SpecificationError
from dealstudy.pipeline.catalog_events import catalog_events, unstudied_outcomes
from dealstudy.pipeline.confounders import ConfoundingInputs, confounding_inputs, online_calendar
from dealstudy.pipeline.fallback import with_fallbacks
from dealstudy.pipeline.market_inputs import history_series, market_inputs, span
from dealstudy.pipeline.raw_moves import raw_moves
from dealstudy.pipeline.study import run_study
from dealstudy.study import StudyResults, StudySpec
from dealstudy.window import Window, WindowLike

__all__ = [
    "ANALYSIS_STAGES",
    "NO_FALLBACKS",
    "AnalysisResults",
    "StageCallback",
    "analyze",
]

#: Stages of :func:`analyze`, in the order they start: the main event study (with the catalog, day 0 and
#: the closes, share counts and FX rates of the dollar values), the study rerun with each robustness model,
#: and the economy layer (dollar values, regressions, bootstrap, influence, robustness table, aggregates,
#: ledger, revisions).
ANALYSIS_STAGES: tuple[str, ...] = ("study", "robustness", "economy")

#: ``on_stage(name)``: called as each of :data:`ANALYSIS_STAGES` starts.
StageCallback = Callable[[str], None]

#: Suffix of the robustness entry that repeats the main model without the fallback models.
NO_FALLBACKS = " without fallbacks"


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


@dataclass(frozen=True)
class _ValueInputs:
    """What the dollar values of any of the catalog's studies read besides the study itself."""

    legs: pd.DataFrame
    closes: dict[str, pd.Series]
    shares: pd.DataFrame
    fx: dict[str, pd.Series]
    unstudied: dict[str, tuple[str, str]]
    confounding: ConfoundingInputs

    @functools.cached_property
    def clean_closes(self) -> dict[str, Closes | None]:
        """The legs' closes cleaned once for the dollar values of every study (the same for each)."""
        return {ticker: clean_closes(self.closes.get(ticker)) for ticker in self.legs["ticker"].unique()}

    @functools.cached_property
    def share_table(self) -> ShareTable:
        """The share counts indexed once for the dollar values of every study."""
        return ShareTable(self.shares)

    def values_of(self, result: StudyResults, windows: Sequence[Window] | None = None) -> pd.DataFrame:
        """The dollar values of ``result``'s events over ``windows`` (default: the study's), with their
        confounding flags."""
        values = dollar_values(
            self.legs,
            result.outcomes,
            result.abnormal_returns,
            result.cars,
            self.clean_closes,
            self.share_table,
            self.fx,
            result.spec.windows if windows is None else windows,
            self.unstudied,
        )
        c = self.confounding
        return add_confounding(values, result.abnormal_returns, c.earnings, c.events, c.coverage)


def _value_inputs(
    catalog: Catalog, events: pd.DataFrame, studied: pd.DataFrame, study: StudyResults, sources: DataSources
) -> _ValueInputs:
    """Read the closes, share counts, FX rates and confounding inputs of the dollar values; refuse a catalog
    with prices for none of its studied securities."""
    closes, shares, fx = market_inputs(sources, studied, study)
    if not closes:
        tickers = ", ".join(dict.fromkeys(studied["ticker"].astype(str)))
        raise MissingDataError(
            f"no prices for any security of the catalog {catalog.directory} ({tickers}) from "
            f"{sources.description}; {sources.remedy}"
        )
    legs = legs_frame(catalog.deals)
    online, _ = online_calendar(sources, list(studied["ticker"].astype(str)))
    confounding = confounding_inputs(catalog, events, online)
    return _ValueInputs(legs, closes, shares, fx, unstudied_outcomes(events), confounding)


def _robustness_studies(
    studied: pd.DataFrame, sources: DataSources, spec: StudySpec, models: Sequence[str]
) -> tuple[dict[str, StudyResults], dict[str, str]]:
    """The study rerun with each robustness model other than ``spec.model``, and why a model was skipped."""
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
    return alternatives, skipped


def _economy(
    catalog: Catalog,
    inputs: _ValueInputs,
    study: StudyResults,
    alternatives: dict[str, StudyResults],
    spec: EconomySpec,
) -> EconomyResults:
    """The economy layer on the main study's dollar values, with the alternatives' for robustness (their
    rows of the headline window only: the robustness table's model rows read no other)."""
    headline = (Window.parse(spec.window),)
    return fit_economy(
        catalog.deals,
        catalog.counterparties,
        inputs.values_of(study),
        spec,
        model=study.spec.model,
        alternatives={m: inputs.values_of(r, headline) for m, r in alternatives.items()},
    )


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
    primary = run_study(studied, sources, spec)
    study = with_fallbacks(primary, studied, sources)
    inputs = _value_inputs(catalog, events, studied, study, sources)
    stage("robustness")
    alternatives, skipped = _robustness_studies(studied, sources, spec, models)
    if (study.outcomes["outcome"] == "fallback_model").any():
        alternatives[f"{spec.model}{NO_FALLBACKS}"] = primary  # the headline figures without fallbacks
    stage("economy")
    economy = _economy(catalog, inputs, study, alternatives, economy_spec)
    closes, shares, fx = inputs.closes, inputs.shares, inputs.fx
    highs = {t: s for t in closes if (s := history_series(sources, t, *span(studied), "high")) is not None}
    press = press_reconciliation(
        catalog.deals, economy.valuations, study.abnormal_returns, highs, closes, economy.spec.window
    )
    raw = raw_moves(studied, study.outcomes, closes, shares, fx)
    description = sources.description
    return AnalysisResults(catalog, events, study, economy, alternatives, skipped, description, press, raw)
