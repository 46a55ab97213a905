"""A small synthetic :class:`ReportData` (seeded), to preview the templates and to test the site builder.

The numbers are random draws, not results: nothing here should be read as a finding.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from dealstudy.catalog.schema import Counterparty, Deal, Security
from dealstudy.report.inputs import Headline, ReportData, TableSpec
from dealstudy.window import Window

__all__ = ["sample_deals", "sample_report_data"]


def sample_deals() -> tuple[Deal, ...]:
    """Six fictitious deals of different binding status, one revision report and one with no value."""

    def sec(ticker: str, role: str, name: str, exchange: str = "XNAS") -> Security:
        return Security(ticker=ticker, role=role, exchange=exchange, name=name)

    return (
        Deal(
            id="alpha-cloud-300b",
            title="Alpha Cloud signs a $300B compute contract with LabCo",
            announced=dt.date(2025, 3, 10),
            timing="after_close",
            counterparty="LabCo",
            kind="cloud_contract",
            binding_status="definitive_contract",
            securities=(
                sec("ALPH", "provider", "Alpha Cloud", "XNYS"),
                sec("CHIP", "read-across", "ChipCorp"),
            ),
            sources=("https://example.com/alpha-300b",),
            headline_value_usd=3e11,
            value_qualifier="about",
            value_text="about $300B over five years",
            duration_years=5,
            binding_value_usd=3e11,
            binding_basis="Booked in remaining performance obligations.",
            confounders=("Quarterly results on the same evening.",),
            related=("alpha-cloud-delay",),
            confidence="high",
        ),
        Deal(
            id="chip-labco-loi-100b",
            title="ChipCorp and LabCo sign a letter of intent for up to $100B",
            announced=dt.date(2025, 5, 2),
            timing="intraday",
            counterparty="LabCo",
            kind="equity_investment",
            binding_status="non_binding_loi",
            securities=(sec("CHIP", "investor", "ChipCorp"),),
            sources=("https://example.com/chip-loi",),
            headline_value_usd=1e11,
            value_qualifier="up_to",
            binding_value_usd=0.0,
            binding_basis="Expressly non-binding letter of intent.",
            confidence="medium",
        ),
        Deal(
            id="neo-bigsoft-17b",
            title="NeoCompute wins a $17B capacity deal from BigSoft",
            announced=dt.date(2025, 6, 16),
            timing="pre_market",
            counterparty="BigSoft",
            kind="cloud_contract",
            binding_status="contract_with_options",
            securities=(sec("NEOC", "provider", "NeoCompute"), sec("BIGS", "buyer", "BigSoft")),
            sources=("https://example.com/neo-17b", "https://example.com/neo-17b-filing"),
            headline_value_usd=1.74e10,
            binding_value_usd=1.2e10,
            binding_basis="Signed base contract; the rest are customer options.",
            confidence="high",
        ),
        Deal(
            id="chip-bigsoft-equity",
            title="ChipCorp to invest in BigSoft subject to definitive documents",
            announced=dt.date(2025, 7, 21),
            timing="pre_market",
            counterparty="BigSoft",
            kind="equity_investment",
            binding_status="equity_subject_to_definitive_docs",
            securities=(sec("CHIP", "investor", "ChipCorp"), sec("BIGS", "investee", "BigSoft")),
            sources=("https://example.com/chip-bigsoft",),
            headline_value_usd=5e9,
            binding_value_usd=0.0,
            binding_basis="Subject to definitive agreements.",
        ),
        Deal(
            id="labco-neo-undisclosed",
            title="LabCo expands its NeoCompute contract (value not disclosed)",
            announced=dt.date(2025, 9, 2),
            timing="intraday",
            counterparty="LabCo",
            kind="cloud_contract",
            binding_status="media_report",
            securities=(sec("NEOC", "provider", "NeoCompute"),),
            sources=("https://example.com/neo-undisclosed",),
        ),
        Deal(
            id="alpha-cloud-delay",
            title="Report: some Alpha Cloud sites for LabCo slip a year",
            announced=dt.date(2025, 11, 12),
            timing="intraday",
            counterparty="LabCo",
            kind="revision_report",
            binding_status="disclosure_or_report",
            securities=(sec("ALPH", "subject", "Alpha Cloud", "XNYS"),),
            sources=("https://example.com/alpha-delay",),
            related=("alpha-cloud-300b",),
        ),
    )


def _business_days(start: str, end: str) -> pd.DatetimeIndex:
    return pd.bdate_range(start, end)


def sample_report_data(seed: int = 20251103, *, deals: tuple[Deal, ...] | None = None) -> ReportData:
    """A complete, internally consistent :class:`ReportData` built from seeded random draws.

    ``deals`` replaces the sample deals (each security needs a ticker among ALPH, CHIP, NEOC, BIGS or gets a
    random price path of its own).
    """
    rng = np.random.default_rng(seed)
    deals = deals if deals is not None else sample_deals()
    dates = _business_days("2024-01-02", "2025-12-31")
    tickers = sorted({s.ticker for d in deals for s in d.securities})
    closes = {
        t: pd.Series(50 * np.cumprod(1 + rng.normal(0.0005, 0.02, len(dates))), index=dates, name=t)
        for t in tickers
    }
    shares = {t: float(rng.uniform(1e9, 3e9)) for t in tickers}
    outcomes, ars, cars, values, deal_values = [], [], [], [], []
    windows = ("0:0", "-1:1", "0:1", "-5:5", "0:10")
    for deal in deals:
        for security in deal.securities:
            eid = f"{deal.id}:{security.ticker}"
            position = int(dates.searchsorted(pd.Timestamp(deal.announced)))
            day0 = pd.Timestamp(dates[position])
            sigma = float(rng.uniform(0.012, 0.03))
            outcome = "ok"
            reason = ""
            if security.ticker == "BIGS" and deal.id == "chip-bigsoft-equity":
                outcome, reason = "thin_estimation", "only 80 estimation returns (minimum 120)"
            outcomes.append(
                {
                    "event_id": eid,
                    "ticker": security.ticker,
                    "day0": day0.date(),
                    "outcome": outcome,
                    "reason": reason,
                    "estimation_obs": 240 if outcome == "ok" else 80,
                    "alpha": float(rng.normal(0, 5e-4)),
                    "beta": float(rng.uniform(0.8, 1.6)),
                    "sigma": sigma,
                    "r_squared": float(rng.uniform(0.2, 0.6)),
                    "dof": 238.0 if outcome == "ok" else np.nan,
                }
            )
            ar = rng.normal(0, sigma, 21)
            ar[10] += float(rng.normal(0.04, 0.05))
            if outcome == "ok":
                for k, t in enumerate(range(-10, 11)):
                    ars.append(
                        {
                            "event_id": eid,
                            "ticker": security.ticker,
                            "event_time": t,
                            "date": pd.Timestamp(dates[position + t]).date(),
                            "return": ar[k] + 0.001,
                            "expected_return": 0.001,
                            "ar": ar[k],
                            "var_ar": sigma**2,
                            "in_window": t >= -5,  # the engine's widest window -5..10
                            "cum_ar": float(ar[: k + 1].sum()),
                            "var_cum_ar": (k + 1) * sigma**2,  # residual variance, L sigma^2
                        }
                    )
            cap = closes[security.ticker].iloc[position - 1] * shares[security.ticker]
            for window in windows:
                a, b = Window.parse(window)
                car = float(ar[10 + a : 10 + b + 1].sum()) if outcome == "ok" else np.nan
                se = sigma * np.sqrt(b - a + 1)
                t_stat = car / se
                cars.append(
                    {
                        "event_id": eid,
                        "ticker": security.ticker,
                        "window": window,
                        "car": car,
                        "bhar": car,
                        "se": se,
                        "t_stat": t_stat,
                        "p_value": float(min(1.0, 2 * np.exp(-0.5 * t_stat**2)))
                        if outcome == "ok"
                        else np.nan,
                        "sq_p_value": float(rng.uniform(0, 1)) if outcome == "ok" else np.nan,
                    }
                )
                announced_value = np.nan if deal.headline_value_usd is None else deal.headline_value_usd
                binding = np.nan if deal.binding_value_usd is None else deal.binding_value_usd
                abnormal = car * cap
                row = {
                    "deal_id": deal.id,
                    "ticker": security.ticker,
                    "role": security.role,
                    "day0": day0.date(),
                    "window": window,
                    "car": car,
                    "t_stat": t_stat,
                    "p_value": cars[-1]["p_value"],
                    "market_cap_usd": cap,
                    "abnormal_value_usd": abnormal,
                    "raw_value_usd": abnormal * 1.1,
                    "headline_value_usd": announced_value,
                    "binding_value_usd": binding,
                    "press_release_multiple": abnormal / announced_value if announced_value else np.nan,
                    "binding_multiple": abnormal / binding if binding else np.nan,
                    "outcome": outcome,
                    "reason": reason,
                }
                deal_values.append(row)
                if window == "-1:1":
                    values.append(row | {"direct": security.role not in ("read-across", "subject")})
    deal_values_frame = pd.DataFrame(deal_values)
    values_frame = pd.DataFrame(values)
    direct = values_frame[values_frame["direct"] & (values_frame["outcome"] == "ok")]
    regressions = pd.DataFrame(
        [
            {
                "model": "headline",
                "term": "const",
                "coef": 1.2,
                "se": 3.0,
                "t": 0.4,
                "p": 0.69,
                "n": 6,
                "r2": 0.41,
            },
            {
                "model": "headline",
                "term": "headline_bn",
                "coef": 0.31,
                "se": 0.12,
                "t": 2.6,
                "p": 0.06,
                "n": 6,
                "r2": 0.41,
            },
            {
                "model": "binding_split",
                "term": "const",
                "coef": 0.8,
                "se": 3.1,
                "t": 0.26,
                "p": 0.8,
                "n": 6,
                "r2": 0.45,
            },
            {
                "model": "binding_split",
                "term": "binding_bn",
                "coef": 0.28,
                "se": 0.15,
                "t": 1.9,
                "p": 0.15,
                "n": 6,
                "r2": 0.45,
            },
            {
                "model": "binding_split",
                "term": "non_binding_bn",
                "coef": 0.42,
                "se": 0.3,
                "t": 1.4,
                "p": 0.26,
                "n": 6,
                "r2": 0.45,
            },
        ]
    )
    exclusions = pd.DataFrame(
        [
            {
                "scope": "study",
                "item": "chip-bigsoft-equity:BIGS",
                "reason": "thin_estimation: only 80 returns",
            },
            {"scope": "regression", "item": "alpha-cloud-300b:CHIP", "reason": "read-across, not a party"},
            {"scope": "regression", "item": "labco-neo-undisclosed:NEOC", "reason": "no headline value"},
        ]
    )
    aggregate = pd.DataFrame(
        [
            {"group": g, "window": "-1:1", "n": 6, "mean": 0.031, "test": test, "stat": stat, "p_value": p}
            for g in ("all",)
            for test, stat, p in (("t_test", 2.1, 0.08), ("patell", 2.5, 0.012), ("grank", 1.7, 0.09))
        ]
    )
    headline = Headline(
        abnormal_value_usd=float(direct["abnormal_value_usd"].sum()),
        headline_value_usd=float(
            sum(d.headline_value_usd or 0 for d in deals if d.kind != "revision_report")
        ),
        binding_value_usd=float(sum(d.binding_value_usd or 0 for d in deals if d.kind != "revision_report")),
        deals=len(deals),
        valued_legs=len(direct),
        slope_model="headline",
        slope_term="headline_bn",
        slope=0.31,
        slope_ci_low=0.02,
        slope_ci_high=0.6,
        slope_ci_kind="HC3 95%",
        slope_p_value=0.06,
        slope_nobs=6,
        wald_stat=0.21,
        wald_p_value=0.66,
        wald_text="equality not rejected",
        fit_intercept_usd=1.2e9,
    )
    robustness = pd.DataFrame(
        [
            {
                "variant": "all",
                "window": "-1:1",
                "model": "market",
                "term": "headline_bn",
                "coef": 0.31,
                "n": 6,
            },
            {
                "variant": "unconfounded",
                "window": "-1:1",
                "model": "market",
                "term": "headline_bn",
                "coef": 0.25,
                "n": 5,
            },
        ]
    )
    return ReportData(
        deals=deals,
        counterparties=(Counterparty(name="LabCo"), Counterparty(name="BigSoft", listed=True, ticker="BIGS")),
        window="-1:1",
        model="market",
        dollar_values=values_frame,
        deal_values=deal_values_frame,
        outcomes=pd.DataFrame(outcomes),
        abnormal_returns=pd.DataFrame(ars),
        cars=pd.DataFrame(cars),
        aggregate=aggregate,
        headline=headline,
        regressions=regressions,
        exclusions=exclusions,
        closes=closes,
        currencies=dict.fromkeys(tickers, "USD"),
        tables=(
            TableSpec(
                "robustness",
                "Key slopes across samples, windows and models",
                robustness,
                "Each row re-estimates the key slope on a variant of the sample.",
            ),
        ),
        summaries="(synthetic sample: no statsmodels output)",
        provenance=(("Prices", "synthetic random walks (seeded)"), ("Catalog checksum", "sample")),
        settings=(
            ("Model", "market"),
            ("Estimation window", "-250:-11"),
            ("Event windows", ", ".join(windows)),
        ),
    )
