"""Per-security figures: the price around the event, and AR bars with the CAR path and its band."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from dealstudy.plots._frames import require_columns
from dealstudy.plots.style import integer_event_time, legend_below, new_axes, style

__all__ = ["fig_event_ar_car", "fig_event_prices", "fig_security_event"]


def _day0(ax: Axes) -> None:
    ax.axvline(0, color="#1a1a1a", linewidth=1, linestyle=":", zorder=1)
    ax.annotate(
        "day 0",
        (0, 1),
        xycoords=("data", "axes fraction"),
        xytext=(3, -12),
        textcoords="offset points",
        fontsize=8.5,
    )


def fig_event_prices(
    data: pd.DataFrame,
    *,
    ticker: str,
    currency: str = "USD",
    window: tuple[int, int] | None = None,
    legend: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Closing price of one security around its event, with day 0 marked.

    Parameters
    ----------
    data : DataFrame
        ``event_time`` (trading days relative to day 0) and ``close`` (as-traded close, listing currency).
    ticker : str
        Shown in the title.
    currency : str
        Listing currency, for the axis label.
    window : (int, int), optional
        The event window shaded on the chart (e.g. ``(-1, 1)``).
    legend : bool
        Draw the legend (off when a caller combines panels under one legend).
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    require_columns(data, ("event_time", "close"), "event prices")
    frame = data.sort_values("event_time")
    with style():
        fig, ax = new_axes(ax, (6.4, 3.4))
        if window is not None:
            ax.axvspan(
                window[0] - 0.5,
                window[1] + 0.5,
                color="#0072B2",
                alpha=0.1,
                lw=0,
                label=f"event window {window[0]}:{window[1]}",
            )
        ax.plot(
            frame["event_time"], frame["close"], color="#1a1a1a", linewidth=1.6, marker="o", markersize=2.5
        )
        _day0(ax)
        ax.set_xlabel("Trading days relative to day 0")
        ax.set_ylabel(f"Close ({currency})")
        ax.set_title(f"{ticker}: closing price around the announcement")
        integer_event_time(ax)
        if window is not None and legend:
            ax.legend(loc="best", fontsize=8.5)
    return fig


def fig_event_ar_car(
    data: pd.DataFrame, *, ticker: str, legend: bool = True, ax: Axes | None = None
) -> Figure:
    """Daily abnormal returns (bars) and the cumulative abnormal return with its 95% band.

    Parameters
    ----------
    data : DataFrame
        ``event_time``, ``ar`` (decimal abnormal return), ``car`` (CAR cumulated from the first day shown),
        ``car_lower`` and ``car_upper`` (95% band of the CAR under the null of no abnormal return; decimal).
    ticker : str
        Shown in the title.
    legend : bool
        Draw the legend below the axes.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    require_columns(data, ("event_time", "ar", "car", "car_lower", "car_upper"), "AR and CAR")
    frame = data.sort_values("event_time")
    with style():
        fig, ax = new_axes(ax, (6.4, 3.6))
        ax.fill_between(
            frame["event_time"],
            frame["car_lower"],
            frame["car_upper"],
            color="#8c8c8c",
            alpha=0.22,
            lw=0,
            label="95% band under H0 (no abnormal return)",
        )
        colours = ["#0072B2" if v >= 0 else "#D55E00" for v in frame["ar"].fillna(0)]
        ax.bar(frame["event_time"], frame["ar"], color=colours, width=0.7, label="AR (daily)", zorder=2)
        ax.plot(
            frame["event_time"],
            frame["car"],
            color="#1a1a1a",
            linewidth=1.8,
            marker="o",
            markersize=2.5,
            label="CAR from first day shown",
            zorder=3,
        )
        ax.axhline(0, color="#4d4d4d", linewidth=0.8)
        _day0(ax)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_xlabel("Trading days relative to day 0")
        ax.set_ylabel("Abnormal return")
        ax.set_title(f"{ticker}: abnormal returns and CAR")
        integer_event_time(ax)
        if legend:
            legend_below(ax, ncols=2)
    return fig


def fig_security_event(
    prices: pd.DataFrame | None,
    path: pd.DataFrame | None,
    *,
    ticker: str,
    currency: str = "USD",
    window: tuple[int, int] | None = None,
) -> Figure:
    """One security's event in one figure: the price panel above, the AR/CAR panel below.

    Parameters
    ----------
    prices : DataFrame or None
        As for :func:`fig_event_prices`; ``None`` or empty leaves the panel out.
    path : DataFrame or None
        As for :func:`fig_event_ar_car`; ``None`` or empty leaves the panel out.
    ticker, currency, window
        As for the two panel functions.

    Returns
    -------
    Figure

    Notes
    -----
    A fixed layout (no layout engine) keeps a page of many securities quick to build; one legend for both
    panels sits at the bottom.
    """
    panels = [p for p in (prices, path) if p is not None and not p.empty]
    if not panels:
        raise ValueError(f"security event {ticker}: neither prices nor abnormal returns to draw")
    with style():
        height = 3.2 * len(panels) + 0.7
        fig = Figure(figsize=(6.6, height))
        axes = fig.subplots(len(panels), 1, squeeze=False)[:, 0]
        bottom = 1.1 / height
        fig.subplots_adjust(left=0.13, right=0.97, top=1 - 0.35 / height, bottom=bottom, hspace=0.55)
        k = 0
        if prices is not None and not prices.empty:
            fig_event_prices(
                prices, ticker=ticker, currency=currency, window=window, legend=False, ax=axes[k]
            )
            k += 1
        if path is not None and not path.empty:
            fig_event_ar_car(path, ticker=ticker, legend=False, ax=axes[k])
        handles, labels = [], []
        for ax in axes:
            h, lab = ax.get_legend_handles_labels()
            handles += h
            labels += lab
        if handles:
            fig.legend(handles, labels, loc="lower center", ncols=2, fontsize=8.5, bbox_to_anchor=(0.5, 0.0))
    return fig
