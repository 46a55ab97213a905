"""The per-security figures of the deal pages: the price around day 0 and the abnormal-return path with
its band, each described by a drawing job (:class:`EventJob`) that a worker process can draw."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
from scipy import special

from dealstudy.errors import SpecificationError
from dealstudy.report.format import as_float, fmt_date
from dealstudy.report.index_figures import path_days, study_rows
from dealstudy.report.inputs import ReportData
from dealstudy.report.series import TradingDays, event_path
from dealstudy.report.site_figure import SiteFigure, event_id, svg_figure
from dealstudy.window import Window

__all__ = ["EventJob", "draw_event", "event_jobs"]


@dataclass(frozen=True)
class EventJob:
    """Everything needed to draw one security's figure: small frames and text, cheap to send to a worker."""

    eid: str
    ticker: str
    prices: pd.DataFrame | None
    path: pd.DataFrame | None
    currency: str
    window: tuple[int, int] | None
    band_label: str
    title: str
    caption: str


def draw_event(job: EventJob) -> tuple[str, SiteFigure]:
    """Draw one security's figure (price and abnormal-return path); returns its event id and the figure."""
    from dealstudy.plots import fig_security_event  # matplotlib only when a figure is drawn

    slug = "".join(ch if ch.isalnum() else "-" for ch in job.eid)
    fig = fig_security_event(
        job.prices,
        job.path,
        ticker=job.ticker,
        currency=job.currency,
        window=job.window,
        band_label=job.band_label,
    )
    description = (
        "Closing price around the announcement, and daily abnormal returns with the cumulative abnormal "
        "return and its 95% band."
    )
    return job.eid, svg_figure(fig, f"{slug}-event", job.title, description, job.caption)


def _days_text(days: list[int]) -> str:
    """``[-10, -9, -8]`` -> ``"-10 to -8"``; ``[3]`` -> ``"+3"``; several runs joined by commas."""
    runs: list[tuple[int, int]] = []
    for d in days:
        if runs and d == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return ", ".join(f"{a:+d}" if a == b else f"{a:+d} to {b:+d}" for a, b in runs)


def _path_caption(
    path: pd.DataFrame,
    model: str,
    window: str,
    widest: tuple[int, int] | None,
    fit: tuple[float, float],
    residual: bool,
) -> str:
    """The caption of the abnormal-return chart: bars and line, days outside the windows, the band's
    variance, the headline window and the missing days."""
    sigma, dof = fit
    days = path["event_time"].to_numpy()
    first, last = int(days[0]), int(days[-1])
    present = path["ar"].notna().to_numpy()
    parts = [
        f"daily abnormal returns from day {first:+d} to {last:+d} (bars: the return minus the {model} "
        "model's expected return, fitted on the estimation window) and their running sum from day "
        f"{first:+d}, the CAR (line)."
    ]
    outside = [int(d) for d, p, w in zip(days, present, path["in_window"], strict=True) if p and not w]
    if outside and widest is not None:
        parts.append(
            f"Lighter hatched bars (days {_days_text(outside)}) lie outside the study's event windows "
            f"(widest {widest[0]:+d} to {widest[1]:+d}): same fitted model, but they enter no reported CAR, "
            "test or dollar value."
        )
    q = "t quantile" if math.isfinite(dof) and dof > 0 else "normal quantile 1.96"
    dof_text = f" with {dof:.0f} degrees of freedom (≈{_t975(dof):.2f})" if q == "t quantile" else ""
    sigma_text = f"{100 * sigma:.2f}%" if math.isfinite(sigma) else "n/a"
    if path.attrs.get("band") == "prediction_error" and residual:
        variance = (
            f"its variance Lσ², as the reported CAR standard errors (residual variance; σ = {sigma_text}: "
            "residual s.d. of the model in the estimation window; L: days summed)"
        )
    elif path.attrs.get("band") == "prediction_error":
        variance = (
            "its prediction-error variance σ²(L + s′(X′X)⁻¹s), the formula of the reported CAR standard "
            f"errors (σ = {sigma_text}: residual s.d. of the model in the estimation window; L: days summed; "
            "s: sum of their regressor rows, X: the estimation regressors)"
        )
    else:
        variance = (
            f"the approximation Lσ² (σ = {sigma_text}: residual s.d. in the estimation window; "
            "L: days summed), "
            "which leaves out the estimation error of the model and is slightly narrower than the interval "
            "behind the reported t statistics"
        )
    parts.append(
        f"Grey band: 0 ± the 97.5% {q}{dof_text} × the standard error of the running sum if there were no "
        f"abnormal return, from {variance}; where the line leaves the band, the CAR to that day differs "
        "from zero at the 5% level."
    )
    if window:
        parts.append(f"Blue shading: the {window} event window of the headline numbers.")
    if not present.all():
        gaps = [int(d) for d, p in zip(days, present, strict=True) if not p]
        parts.append(
            f"Crosses on the zero line (days {_days_text(gaps)}): no abnormal return, because a price is "
            "missing that day or the day before; the sum skips them."
        )
    return " ".join(parts)


def _t975(dof: float) -> float:
    """The 97.5% quantile of Student's t with ``dof`` degrees of freedom (``stats.t.ppf(0.975, dof)``,
    computed by the function it calls)."""
    return float(special.stdtrit(dof, 0.975))


def _day0(value: object) -> pd.Timestamp | None:
    """An outcome's day 0 as the Timestamp its text parses to; ``None`` when missing or not a date."""
    if isinstance(value, pd.Timestamp) and value.tzinfo is None:
        return value  # what the round trip through its text gives, without parsing it
    stamp = pd.to_datetime(str(value), errors="coerce")
    return None if pd.isna(stamp) else pd.Timestamp(stamp)


def _event_job(
    data: ReportData,
    eid: str,
    ticker: str,
    day0: pd.Timestamp | None,
    fit: tuple[float, float],
    ar: pd.DataFrame | None,
    days: tuple[int, int],
    widest: tuple[int, int] | None,
    trading_days: Callable[[str], TradingDays | None],
) -> EventJob | None:
    """The drawing job of one security: its price window and abnormal-return path with their captions
    (``None`` when it has neither); ``trading_days(ticker)``: the security's closing prices, if any."""
    try:
        window: Window | None = Window.parse(data.window)
    except SpecificationError:  # a malformed window only loses the shading
        window = None
    sigma, dof = fit
    closes = trading_days(ticker) if day0 is not None else None
    prices = closes.window(day0) if closes is not None and day0 is not None else None
    if prices is not None and prices.empty:
        prices = None
    path = event_path(ar, sigma, dof=dof, days=days) if ar is not None else None
    if path is not None and not path["ar"].notna().any():
        path = None
    if prices is None and path is None:
        return None
    currency = data.currencies.get(ticker, "USD")
    parts = []
    if prices is not None:
        lo, hi = int(prices["event_time"].min()), int(prices["event_time"].max())
        parts.append(
            f"Top: as-traded closing price ({currency}) from day {lo} to +{hi} (trading days) around day 0 "
            f"({fmt_date(day0)}); the shaded band is the {data.window} event window."
        )
    band_label = "95% band of the CAR under H0 (no abnormal return)"
    if path is not None:
        residual = dict(data.settings).get("CAR variance", "") == "residual"
        text = _path_caption(path, data.model, data.window if window else "", widest, fit, residual)
        parts.append(f"{'Bottom' if parts else 'Chart'}: {text}")
        if path.attrs.get("band") != "prediction_error":
            band_label = "95% band of the CAR under H0 (σ√L approximation)"
    return EventJob(
        eid,
        ticker,
        prices,
        path,
        currency,
        window,
        band_label,
        f"{ticker} around day 0 ({fmt_date(day0)})",
        " ".join(parts),
    )


def event_jobs(data: ReportData) -> tuple[list[str], list[EventJob]]:
    """Every deal x security's event id, in page order, and the drawing jobs of those with something to
    draw."""
    outcomes = {str(r["event_id"]): r for r in data.outcomes.to_dict("records")}
    ar_groups = {str(k): g for k, g in data.abnormal_returns.groupby("event_id")}
    days = path_days(data.abnormal_returns)
    inside = study_rows(data.abnormal_returns)
    widest: tuple[int, int] | None = None
    if not inside.empty:
        times = pd.to_numeric(inside["event_time"])
        widest = int(times.min()), int(times.max())
    prices: dict[str, TradingDays] = {}  # by ticker: cleaned once for all its events

    def trading_days(ticker: str) -> TradingDays | None:
        closes = data.closes.get(ticker)
        if closes is not None and ticker not in prices:
            prices[ticker] = TradingDays(closes)
        return prices.get(ticker)

    ids: list[str] = []
    jobs: list[EventJob] = []
    for deal in data.deals:
        for security in deal.securities:
            eid = event_id(deal.id, security.ticker)
            ids.append(eid)
            day0: pd.Timestamp | None = None
            sigma = dof = math.nan
            if eid in outcomes:
                record = outcomes[eid]
                day0 = _day0(record["day0"])
                sigma = as_float(record["sigma"])
                dof = as_float(record.get("dof", math.nan))
            rows = ar_groups.get(eid)
            job = _event_job(data, eid, security.ticker, day0, (sigma, dof), rows, days, widest, trading_days)
            if job is not None:
                jobs.append(job)
    return ids, jobs
