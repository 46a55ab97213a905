"""Synthetic event panels for simulation tests and benchmarks (seeded, no I/O).

:func:`market_model_panel` draws market and stock returns, fits the market model by OLS on each event's
estimation window (closed form, all events at once) and fills an :class:`EventPanel` exactly as the study
engine does: residuals on estimation days, abnormal returns on event days, prediction-error variances.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from dealstudy.stats.panel import BoolArray, EventPanel, FloatArray, IntArray

__all__ = ["market_model_panel"]

Noise = Literal["normal", "t3"]


def market_model_panel(
    rng: np.random.Generator,
    n_events: int,
    *,
    estimation: tuple[int, int] = (-250, -11),
    event: tuple[int, int] = (-5, 10),
    windows: tuple[tuple[int, int], ...] = ((-1, 1), (0, 1), (-5, 5), (0, 10)),
    effect: float = 0.0,
    effect_day: int = 0,
    sigma: float = 0.02,
    market_sigma: float = 0.01,
    noise: Noise = "normal",
    missing: float = 0.0,
    common_day0: bool = False,
    groups: tuple[str, ...] = ("all",),
) -> EventPanel:
    """A panel of ``n_events`` market-model events with an optional planted abnormal return.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness.
    n_events : int
        Number of events.
    estimation, event : (int, int)
        Estimation and (widest) event window in relative days, inclusive.
    windows : tuple of (int, int)
        Multi-day windows; the panel's ``windows`` are every single day of ``event`` then these.
    effect : float
        Abnormal return added on ``effect_day`` to every event.
    sigma, market_sigma : float
        Residual and market return standard deviations (daily).
    noise : {"normal", "t3"}
        Residual distribution; ``"t3"`` is Student t(3) scaled to sd ``sigma``.
    missing : float
        Probability that a stock return is missing (on any day).
    common_day0 : bool
        All events share one calendar day 0 (one market path), so their residuals are correlated through
        the estimation error of beta; otherwise each event has its own market path.
    groups : tuple of str
        Group labels assigned in turn.
    """
    rel_days = np.arange(estimation[0], event[1] + 1)
    market, stock = _draw_returns(
        rng, n_events, rel_days.size, sigma=sigma, market_sigma=market_sigma, noise=noise,
        common_day0=common_day0,
    )  # fmt: skip
    stock[:, rel_days == effect_day] += effect
    if missing > 0:
        stock[rng.random(stock.shape) < missing] = np.nan
    is_est = (rel_days >= estimation[0]) & (rel_days <= estimation[1])
    is_evt = (rel_days >= event[0]) & (rel_days <= event[1])
    fit = _MarketModelFit.of(market, stock, is_est)
    ar = fit.residuals(market, stock)
    ar[~(is_est | is_evt)[None, :].repeat(n_events, axis=0)] = np.nan
    ar[is_est[None, :] & ~fit.obs] = np.nan
    dof = fit.nobs - 2
    ssr = (np.where(fit.obs, ar, 0.0) ** 2).sum(axis=1)
    s2 = ssr / dof
    # prediction-error factor 1 + 1/n + (x_t - mean x)^2 / Sxx on event days (CLM 1997, eq. 4.4.7)
    c = 1.0 + 1.0 / fit.nobs[:, None] + (market - fit.mx[:, None]) ** 2 / fit.sxx[:, None]
    var_ar = np.where(is_est[None, :], s2[:, None], np.where(is_evt[None, :], s2[:, None] * c, np.nan))
    all_windows = tuple((d, d) for d in range(event[0], event[1] + 1)) + tuple(windows)
    labels = np.array([groups[i % len(groups)] for i in range(n_events)], dtype=object)
    return EventPanel(
        rel_days=rel_days.astype(np.int64),
        ar=ar,
        var_ar=var_ar,
        sigma=np.sqrt(s2),
        nobs=fit.nobs.astype(np.int64),
        dof=dof.astype(np.int64),
        is_estimation=is_est,
        is_event=is_evt,
        windows=all_windows,
        car_var=fit.car_variances(market, s2, rel_days, all_windows),
        groups=labels,
    )


def _draw_returns(
    rng: np.random.Generator,
    n_events: int,
    k: int,
    *,
    sigma: float,
    market_sigma: float,
    noise: Noise,
    common_day0: bool,
) -> tuple[FloatArray, FloatArray]:
    """Market returns (one path, or one per event) and stock returns ``alpha + beta * market + eps``
    (N, K), in this order of draws: market, beta, alpha, residuals."""
    n_paths = 1 if common_day0 else n_events
    market = rng.normal(0.0004, market_sigma, size=(n_paths, k))
    market = np.broadcast_to(market, (n_events, k))
    beta = rng.uniform(0.5, 1.5, size=(n_events, 1))
    alpha = rng.normal(0.0, 0.0005, size=(n_events, 1))
    if noise == "normal":
        eps = rng.normal(0.0, sigma, size=(n_events, k))
    else:
        eps = rng.standard_t(3, size=(n_events, k)) * sigma / np.sqrt(3.0)
    return market, alpha + beta * market + eps


@dataclass(frozen=True)
class _MarketModelFit:
    """Closed-form OLS of the market model on each event's estimation window (missing days masked)."""

    obs: BoolArray  # (N, K) estimation day with a stock return
    nobs: FloatArray  # (N,)
    mx: FloatArray  # (N,) mean market return over the event's estimation days
    sxx: FloatArray  # (N,) sum of squared market deviations
    a: FloatArray
    b: FloatArray

    @classmethod
    def of(cls, market: FloatArray, stock: FloatArray, is_est: BoolArray) -> _MarketModelFit:
        obs = is_est[None, :] & np.isfinite(stock)
        w = obs.astype(float)
        nobs = w.sum(axis=1)
        mx = (w * market).sum(axis=1) / nobs
        my = (w * np.where(obs, stock, 0.0)).sum(axis=1) / nobs
        dx = np.where(obs, market - mx[:, None], 0.0)
        sxx = (dx * dx).sum(axis=1)
        b = (dx * np.where(obs, stock - my[:, None], 0.0)).sum(axis=1) / sxx
        return cls(obs, nobs, mx, sxx, my - b * mx, b)

    def residuals(self, market: FloatArray, stock: FloatArray) -> FloatArray:
        """``stock - (a + b * market)`` on every day."""
        return stock - (self.a[:, None] + self.b[:, None] * market)

    def car_variances(
        self, market: FloatArray, s2: FloatArray, rel_days: IntArray, windows: tuple[tuple[int, int], ...]
    ) -> FloatArray:
        """(N, W) variance of the sum of prediction errors over each window:
        ``s2 * (L + L^2/n + (sum (x_t - mean x))^2 / Sxx)``."""
        car_var = np.empty((market.shape[0], len(windows)))
        for j, (lo, hi) in enumerate(windows):
            cols = (rel_days >= lo) & (rel_days <= hi)
            length = int(cols.sum())
            xs = (market[:, cols] - self.mx[:, None]).sum(axis=1)
            car_var[:, j] = s2 * (length + length**2 / self.nobs + xs**2 / self.sxx)
        return car_var
