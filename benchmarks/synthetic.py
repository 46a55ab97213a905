"""Seeded synthetic panels for the benchmarks: prices of many tickers and events drawn on ticker x date.

The panel is meant to look like daily US equity data to the engine, not to be a model of it:

- a business-day calendar of ``n_days`` sessions;
- a market factor with fat-tailed returns (standardised Student-t innovations, 4 degrees of freedom) and
  light volatility clustering (GARCH(1,1), persistence 0.98);
- tickers with heterogeneous alpha, beta and residual volatility, fat-tailed idiosyncratic shocks with
  their own light GARCH clustering;
- missing prices (NaN) on a random ``missing_rate`` of ticker-days (the market series is complete);
- a few IPOs mid-sample: those series start late (their index begins at the IPO session);
- adjusted-close price series, ``100 * cumprod(1 + r)`` scaled by a random starting price.

Events are drawn uniformly on ticker x session such that the estimation window fits the ticker's data for
all but a small ``thin_share`` (which land too soon after the first price and should come out as
``thin_estimation``). Every draw goes through one ``numpy.random.default_rng(seed)``, so a seed gives the
same panel and events on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

__all__ = ["PanelConfig", "SyntheticPanel", "make_events", "make_panel"]


@dataclass(frozen=True)
class PanelConfig:
    """Size and features of a synthetic panel.

    Parameters
    ----------
    n_tickers : int
        Number of stocks (the market series comes on top).
    n_days : int
        Number of business-day sessions.
    start : str
        First session.
    market : str
        Symbol of the market series.
    missing_rate : float
        Share of a stock's sessions (after its first price) whose price is NaN.
    ipo_share : float
        Share of stocks whose series start mid-sample.
    seed : int
        Seed of ``numpy.random.default_rng``.
    """

    n_tickers: int = 2_000
    n_days: int = 2_300
    start: str = "2016-01-04"
    market: str = "MKT"
    missing_rate: float = 0.005
    ipo_share: float = 0.03
    seed: int = 20_261_129


@dataclass(frozen=True)
class SyntheticPanel:
    """A generated panel: adjusted closes of ``n_tickers`` stocks and the market, and the true parameters.

    Attributes
    ----------
    config : PanelConfig
    dates : DatetimeIndex
        The session calendar (business days).
    prices : dict of str to Series
        Adjusted closes by symbol (stocks and ``config.market``), indexed by session; IPO stocks start late.
    tickers : tuple of str
        The stock symbols, ``T0000`` ... in order.
    alpha, beta, sigma : (n_tickers,) float
        True daily market-model parameters (``sigma`` is the unconditional residual sd).
    first_day : (n_tickers,) int
        Index in ``dates`` of each stock's first price.
    """

    config: PanelConfig
    dates: pd.DatetimeIndex
    prices: dict[str, pd.Series]
    tickers: tuple[str, ...]
    alpha: NDArray[np.float64]
    beta: NDArray[np.float64]
    sigma: NDArray[np.float64]
    first_day: NDArray[np.int64]


def _student_t(rng: np.random.Generator, df: float, size: tuple[int, ...] | int) -> NDArray[np.float64]:
    """Student-t draws scaled to unit variance."""
    return np.asarray(rng.standard_t(df, size=size) / np.sqrt(df / (df - 2.0)), dtype=np.float64)


def _garch_scale(shocks: NDArray[np.float64], a: float, b: float) -> NDArray[np.float64]:
    """Multiply unit-variance ``shocks`` (days x series) by a unit-mean GARCH(1,1) volatility path.

    ``h_t = (1 - a - b) + a * e_{t-1}**2 + b * h_{t-1}``, ``h_0 = 1``; returns ``sqrt(h_t) * z_t``.
    """
    out = np.empty_like(shocks)
    h = np.ones(shocks.shape[1:], dtype=np.float64)
    omega = 1.0 - a - b
    for t in range(shocks.shape[0]):
        out[t] = np.sqrt(h) * shocks[t]
        h = omega + a * out[t] ** 2 + b * h
    return out


def make_panel(config: PanelConfig | None = None) -> SyntheticPanel:
    """Generate the prices of ``config.n_tickers`` stocks and the market on a business-day calendar.

    Parameters
    ----------
    config : PanelConfig, optional
        Sizes, rates and seed; the defaults give 2,000 stocks over 2,300 sessions.

    Returns
    -------
    SyntheticPanel
    """
    cfg = config or PanelConfig()
    if cfg.n_tickers < 1 or cfg.n_days < 300:
        raise ValueError("a synthetic panel needs at least 1 ticker and 300 sessions")
    rng = np.random.default_rng(cfg.seed)
    dates = pd.bdate_range(cfg.start, periods=cfg.n_days, name="date")
    n, t = cfg.n_tickers, cfg.n_days

    # Market: 1% daily vol, small drift, t(4) shocks with GARCH(1,1) clustering.
    market_r = 0.0003 + 0.010 * _garch_scale(_student_t(rng, 4.0, (t, 1)), 0.08, 0.90)[:, 0]

    alpha = rng.normal(0.0, 0.0003, n)
    beta = np.clip(rng.normal(1.0, 0.35, n), 0.1, 2.5)
    sigma = np.exp(rng.normal(np.log(0.018), 0.4, n))
    idio = _garch_scale(_student_t(rng, 4.0, (t, n)), 0.05, 0.90) * sigma
    returns = alpha + market_r[:, None] * beta + idio
    np.clip(returns, -0.9, None, out=returns)
    returns[0] = 0.0  # the first session is the price level itself

    level = rng.uniform(10.0, 200.0, n)
    price_matrix = np.asfortranarray(level * np.cumprod(1.0 + returns, axis=0))
    del returns, idio

    first_day = np.zeros(n, dtype=np.int64)
    n_ipo = round(cfg.ipo_share * n)
    if n_ipo:
        ipo = rng.choice(n, size=n_ipo, replace=False)
        first_day[ipo] = rng.integers(300, max(301, t - 600), size=n_ipo)

    missing = rng.random((t, n)) < cfg.missing_rate
    missing[first_day, np.arange(n)] = False  # a series starts with a price
    price_matrix[missing] = np.nan

    tickers = tuple(f"T{j:04d}" for j in range(n))
    prices: dict[str, pd.Series] = {}
    for j, symbol in enumerate(tickers):
        start = int(first_day[j])
        prices[symbol] = pd.Series(price_matrix[start:, j].copy(), index=dates[start:], name=symbol)
    market_level = 2_000.0 * np.cumprod(1.0 + np.concatenate([[0.0], market_r[1:]]))
    prices[cfg.market] = pd.Series(market_level, index=dates, name=cfg.market)
    return SyntheticPanel(
        config=cfg,
        dates=dates,
        prices=prices,
        tickers=tickers,
        alpha=alpha,
        beta=beta,
        sigma=sigma,
        first_day=first_day,
    )


def make_events(
    panel: SyntheticPanel,
    n_events: int,
    *,
    seed: int = 7,
    estimation_start: int = -250,
    window_end: int = 10,
    thin_share: float = 0.01,
    n_groups: int = 3,
) -> pd.DataFrame:
    """Draw ``n_events`` distinct (ticker, day 0) events on the panel.

    Parameters
    ----------
    panel : SyntheticPanel
    n_events : int
        Number of events; must be well below ``n_tickers * n_days``.
    seed : int
        Seed of the event draw (independent of the panel's seed).
    estimation_start : int
        First estimation day relative to day 0 (negative); day 0 is drawn so that this day has a return
        (one session after the stock's first price), except for the ``thin_share`` of events.
    window_end : int
        Last event day; day 0 is drawn so that it fits in the calendar.
    thin_share : float
        Share of events drawn 20 to 100 sessions after the stock's first price (too few estimation returns).
    n_groups : int
        Events carry the group ``g1`` ... ``g{n_groups}`` of their ticker (a sector-like label).

    Returns
    -------
    DataFrame
        Columns ``event_id`` (``E000000`` ...), ``ticker``, ``day0`` (Timestamp, a session of the panel),
        ``market`` and ``group``; rows in draw order (not sorted by date or ticker).
    """
    if n_events < 1:
        raise ValueError("n_events must be positive")
    cfg = panel.config
    rng = np.random.default_rng(seed)
    last = cfg.n_days - 1 - window_end
    need = -estimation_start + 1
    tickers = np.asarray(panel.tickers, dtype=object)
    ticker_group = np.asarray([f"g{1 + j % n_groups}" for j in range(cfg.n_tickers)], dtype=object)

    chosen_j = np.empty(0, dtype=np.int64)
    chosen_d = np.empty(0, dtype=np.int64)
    seen: set[tuple[int, int]] = set()
    while chosen_j.size < n_events:
        draw = int((n_events - chosen_j.size) * 1.1) + 16
        j = rng.integers(0, cfg.n_tickers, draw)
        first = panel.first_day[j]
        thin = rng.random(draw) < thin_share
        lo = np.where(thin, first + 20, first + need)
        hi = np.where(thin, first + 100, last)
        ok = lo <= hi
        j, lo, hi = j[ok], lo[ok], hi[ok]
        d = lo + np.floor(rng.random(j.size) * (hi - lo + 1)).astype(np.int64)
        keep = np.zeros(j.size, dtype=bool)
        for i, key in enumerate(zip(j.tolist(), d.tolist(), strict=True)):
            if key not in seen and len(seen) < n_events:
                seen.add(key)
                keep[i] = True
        chosen_j = np.concatenate([chosen_j, j[keep]])
        chosen_d = np.concatenate([chosen_d, d[keep]])

    return pd.DataFrame(
        {
            "event_id": [f"E{i:06d}" for i in range(n_events)],
            "ticker": tickers[chosen_j],
            "day0": panel.dates[chosen_d],
            "market": cfg.market,
            "group": ticker_group[chosen_j],
        }
    )
