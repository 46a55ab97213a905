"""The press-release economy's options and results: :class:`EconomySpec` ->
:func:`dealstudy.economy.fit.fit_economy` -> :class:`EconomyResults`."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from dealstudy.economy.finding import FindingInference
from dealstudy.economy.models import KEY_TERMS
from dealstudy.economy.regressions import CovType, RegressionResult, WaldTest
from dealstudy.economy.sample import confounding_status
from dealstudy.study.outcomes import USABLE_OUTCOMES
from dealstudy.window import Window

__all__ = ["DEAL_VALUE_COLUMNS", "REGRESSION_COLUMNS", "EconomyResults", "EconomySpec"]

#: Columns of ``deal_values.csv`` (a contract other tools read).
DEAL_VALUE_COLUMNS: tuple[str, ...] = (
    "deal_id",
    "ticker",
    "role",
    "day0",
    "window",
    "car",
    "t_stat",
    "p_value",
    "market_cap_usd",
    "abnormal_value_usd",
    "raw_value_usd",
    "headline_value_usd",
    "binding_value_usd",
    "press_release_multiple",
    "binding_multiple",
    "outcome",
    "reason",
    "confounded",
    "confounders",
    "shares_outstanding",
    "shares_as_of",
    "shares_source",
    "shares_stale",
    "shares_later",
    "shares_later_as_of",
    "abnormal_value_usd_later_shares",
    "raw_value_usd_later_shares",
)

#: Columns of ``regressions.csv``.
REGRESSION_COLUMNS: tuple[str, ...] = ("model", "term", "coef", "se", "t", "p", "n", "r2")


@dataclass(frozen=True)
class EconomySpec:
    """Options of the cross-sectional layer.

    ``window`` is the event window of the headline figures and regressions (``"a:b"``); ``cov_type`` the
    regression covariance (HC3 by default, ``"cluster"`` = by announcement date); the bootstrap uses
    ``bootstrap_reps`` pairs resamples from ``numpy.random.default_rng(seed)``, the wild cluster bootstrap
    ``wild_reps`` draws of cluster weights (clusters = announcement dates).
    """

    window: str = "-1:1"
    cov_type: CovType = "HC3"
    bootstrap_reps: int = 1999
    wild_reps: int = 9999
    seed: int = 20251103
    confidence: float = 0.95
    min_level_obs: int = 3

    def __post_init__(self) -> None:
        Window.parse(self.window)
        if self.wild_reps < 1:
            raise ValueError("wild_reps must be >= 1")
        if self.bootstrap_reps < 0:
            raise ValueError("bootstrap_reps must be >= 0")
        if not 0 < self.confidence < 1:
            raise ValueError("confidence must be in (0, 1)")


@dataclass(frozen=True)
class EconomyResults:
    """Everything the press-release economy layer computes (frozen).

    Attributes
    ----------
    spec : EconomySpec
    model : str
        The study's expected-return model behind ``valuations``.
    valuations : DataFrame
        One row per deal x security x window (:data:`dealstudy.economy.values.VALUE_COLUMNS` plus deal
        attributes): market cap at day -1, abnormal value (compounded), CAR value, raw value, multiples.
    sample, exclusions : DataFrame
        The regression sample (window ``spec.window``) and every leg left out with its reason.
    regressions : tuple of RegressionResult
        ``headline``, ``binding_split``, ``car_size``.
    wald : WaldTest
        Equal slopes on binding and non-binding value in ``binding_split``.
    bootstrap : DataFrame
        Pairs-bootstrap percentile CIs of the key slopes.
    influence : DataFrame
        Leave-one-out coefficients of the key slopes; ``most_influential`` flags the largest change.
    robustness : DataFrame
        Key slopes per sample variant, window and expected-return model.
    aggregates, cumulative : DataFrame
        Totals by company, counterparty, binding status...; cumulative abnormal value over time.
    ledger, ledger_totals, stated : DataFrame
        Commitments by counterparty, partner and year; totals with exposure; counterparties' own figures.
    revisions : DataFrame
        Announcement vs walk-back round trips.
    sensitivity : DataFrame
        The totals and slopes per event window and sample (all reactions, known-clean reactions):
        :data:`dealstudy.economy.sensitivity.SENSITIVITY_COLUMNS`.
    inference : FindingInference or None
        The key slopes on the regression sample with HC3, date-clustered and wild-cluster-bootstrap
        inference, the equal-slopes tests and the leave-one-deal-out refits.
    headline_totals : DataFrame
        Headline and binding value gross and net of overlaps (every dollar once), for all announcements,
        the regression samples, each company and counterparty
        (:data:`dealstudy.economy.overlaps.HEADLINE_TOTAL_COLUMNS`).
    """

    spec: EconomySpec
    model: str
    valuations: pd.DataFrame
    sample: pd.DataFrame
    exclusions: pd.DataFrame
    regressions: tuple[RegressionResult, ...]
    wald: WaldTest
    bootstrap: pd.DataFrame
    influence: pd.DataFrame
    robustness: pd.DataFrame
    aggregates: pd.DataFrame
    cumulative: pd.DataFrame
    ledger: pd.DataFrame
    ledger_totals: pd.DataFrame
    stated: pd.DataFrame
    revisions: pd.DataFrame
    notes: tuple[str, ...] = field(default=())
    sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    inference: FindingInference | None = None
    headline_totals: pd.DataFrame = field(default_factory=pd.DataFrame)

    def regression(self, name: str) -> RegressionResult:
        """The fitted model called ``name`` (``headline``, ``binding_split``, ``car_size``)."""
        for result in self.regressions:
            if result.name == name:
                return result
        raise KeyError(name)

    def excluded(self, model: str | None = None) -> pd.DataFrame:
        """Legs left out of the regression sample (``sample == "main"``), plus those ``model`` also drops."""
        keep = self.exclusions["sample"] == "main"
        if model is not None:
            keep |= self.exclusions["sample"] == model
        return pd.DataFrame(self.exclusions[keep])

    def to_frame(self) -> pd.DataFrame:
        """The dollar values, one row per deal x security x window (a copy)."""
        return self.valuations.copy()

    def deal_values(self) -> pd.DataFrame:
        """The ``deal_values.csv`` table: :data:`DEAL_VALUE_COLUMNS`, reasons for n/a multiples appended."""
        frame = self.valuations.copy()
        reasons = []
        for record in frame.to_dict("records"):
            parts = [str(record["reason"])] if record["reason"] else []
            if record["outcome"] in (*USABLE_OUTCOMES, "no_fx_rate"):
                for column, label in (
                    ("press_release_multiple", "press-release multiple"),
                    ("binding_multiple", "binding multiple"),
                ):
                    why = record[f"{column}_reason"]
                    if why and why != "no dollar value":
                        parts.append(f"{label} n/a: {why}")
            reasons.append("; ".join(parts))
        frame["reason"] = reasons
        frame["shares_outstanding"] = frame["shares"]
        frame["confounded"] = [
            "" if v is None else str(v).lower() for v in frame["confounded"].map(confounding_status)
        ]
        return pd.DataFrame(frame[list(DEAL_VALUE_COLUMNS)])

    def regressions_frame(self) -> pd.DataFrame:
        """``model, term, coef, se, t, p, n, r2`` for the three models."""
        frames = [r.to_frame() for r in self.regressions]
        return pd.DataFrame(pd.concat(frames, ignore_index=True)[list(REGRESSION_COLUMNS)])

    def summary_text(self) -> str:
        """The statsmodels summaries, each with its N and exclusions, and the Wald test."""
        blocks = []
        for result in self.regressions:
            dropped = self.excluded(result.name)
            counts = dropped["reason"].value_counts()
            excluded = "\n".join(f"    {n:3d}  {why}" for why, n in counts.items()) or "    none"
            head = f"Model {result.name} (window {self.spec.window}, study model {self.model})"
            head += f": N = {result.nobs}; {len(dropped)} excluded:\n{excluded}"
            if result.dropped_terms:
                head += (
                    "\nDropped regressors (constant, collinear or singling out one observation): "
                    + ", ".join(result.dropped_terms)
                )
            body = result.summary_text if result.fitted else f"not fitted: {result.reason}"
            blocks.append(f"{head}\n{body}")
        w = self.wald
        blocks.append(
            f"Wald test {w.null} in binding_split ({self.spec.cov_type}): F({w.df_num}, {w.df_denom:g}) = "
            f"{w.stat:.4g}, p = {w.pvalue:.4g}{'' if w.valid else ' -- ' + w.reason}"
        )
        return "\n\n".join(blocks) + "\n"

    @cached_property
    def totals(self) -> dict[str, float]:
        """Headline figures: total abnormal, CAR-based, raw, headline and binding value of announcements."""
        row = self.aggregates[self.aggregates["dimension"] == "total"].iloc[0]
        return {
            key: float(row[key])
            for key in (
                "abnormal_value_usd",
                "car_value_usd",
                "raw_value_usd",
                "headline_value_usd",
                "binding_value_usd",
            )
        } | {"deals": float(row["deals"]), "valued_legs": float(row["valued"])}

    def key_slopes(self) -> pd.DataFrame:
        """Key slopes with robust SE, p-value, bootstrap CI and the most influential deal."""
        rows = []
        for result in self.regressions:
            for term in KEY_TERMS[result.name]:
                fitted = result.fitted and term in result.params.index
                boot = self.bootstrap[
                    (self.bootstrap["model"] == result.name) & (self.bootstrap["term"] == term)
                ]
                infl = self.influence[
                    (self.influence["model"] == result.name)
                    & (self.influence["term"] == term)
                    & self.influence["most_influential"]
                ]
                rows.append(
                    {
                        "model": result.name,
                        "term": term,
                        "n": result.nobs,
                        "coef": float(result.params[term]) if fitted else math.nan,
                        "se": float(result.bse[term]) if fitted else math.nan,
                        "p": float(result.pvalues[term]) if fitted else math.nan,
                        "ci_low": float(boot["ci_low"].iloc[0]) if len(boot) else math.nan,
                        "ci_high": float(boot["ci_high"].iloc[0]) if len(boot) else math.nan,
                        "most_influential": str(infl["left_out"].iloc[0]) if len(infl) else "",
                        "coef_without_it": float(infl["coef_without"].iloc[0]) if len(infl) else math.nan,
                    }
                )
        return pd.DataFrame(rows)

    def summary(self) -> str:
        """A plain-text headline table: totals, key slopes with CIs, the Wald test, N and exclusions."""
        t = self.totals
        lines = [
            f"Press-release economy -- window {self.spec.window}, study model {self.model}, "
            f"covariance {self.spec.cov_type}",
            f"  announcements: {int(t['deals'])} deals, "
            f"{int(t['valued_legs'])} direct-party securities valued",
            f"  abnormal value (compounded): {_bn(t['abnormal_value_usd'])}   "
            f"(CAR x cap: {_bn(t['car_value_usd'])}; raw: {_bn(t['raw_value_usd'])})",
            f"  headline value: {_bn(t['headline_value_usd'])}   "
            f"binding value: {_bn(t['binding_value_usd'])}",
            "",
            f"  {'model':<14}{'term':<16}{'coef':>9}{'se':>9}{'p':>8}   {'bootstrap CI':<20}{'N':>4}  "
            "most influential",
        ]
        for row in self.key_slopes().to_dict("records"):
            not_fitted = self.regression(str(row["model"])).reason
            if not_fitted:
                lines.append(f"  {row['model']:<14}{row['term']:<16}{not_fitted}")
                continue
            ci = f"[{row['ci_low']:.3f}, {row['ci_high']:.3f}]"
            lines.append(
                f"  {row['model']:<14}{row['term']:<16}{row['coef']:>9.3f}{row['se']:>9.3f}"
                f"{row['p']:>8.3f}   "
                f"{ci:<20}{row['n']:>4}  {row['most_influential']}"
            )
        w = self.wald
        lines += [
            "",
            f"  Wald {w.null}: F = {w.stat:.3f}, p = {w.pvalue:.3f}" + ("" if w.valid else f" ({w.reason})"),
            f"  sample: N = {len(self.sample)} deal x security observations; "
            f"{len(self.excluded())} excluded:",
        ]
        for why, n in self.excluded()["reason"].str.replace(r":.*", "", regex=True).value_counts().items():
            lines.append(f"    {n:3d}  {why}")
        return "\n".join(lines) + "\n"


def _bn(value: float) -> str:
    return f"${value / 1e9:,.1f}bn" if math.isfinite(value) else "n/a"
