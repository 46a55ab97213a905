"""Per-security figures: the price around the event, and AR bars with the CAR path and its band."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter

from dealstudy.plots._frames import require_columns
from dealstudy.plots.style import integer_event_time, legend_below, mark_day0, new_axes, style

#: Bar colours of abnormal returns: Okabe-Ito blue up, vermillion down.
UP, DOWN = "#0072B2", "#D55E00"

__all__ = ["fig_event_ar_car", "fig_event_prices", "fig_security_event"]


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
        _shade_window(ax, window)
        ax.plot(
            frame["event_time"], frame["close"], color="#1a1a1a", linewidth=1.6, marker="o", markersize=2.5
        )
        mark_day0(ax, zorder=1)
        ax.set_xlabel("Trading days relative to day 0")
        ax.set_ylabel(f"Close ({currency})")
        ax.set_title(f"{ticker}: closing price around the announcement")
        integer_event_time(ax)
        if window is not None and legend:
            ax.legend(loc="best", fontsize=8.5)
    return fig


def _shade_window(ax: Axes, window: tuple[int, int] | None) -> None:
    if window is not None:
        ax.axvspan(
            window[0] - 0.5,
            window[1] + 0.5,
            color="#0072B2",
            alpha=0.1,
            lw=0,
            label=f"event window {window[0]}:{window[1]}",
        )


def fig_event_ar_car(
    data: pd.DataFrame,
    *,
    ticker: str,
    window: tuple[int, int] | None = None,
    band_label: str = "95% band of the CAR under H0 (no abnormal return)",
    legend: bool = True,
    ax: Axes | None = None,
) -> Figure:
    """Daily abnormal returns (bars) and the cumulative abnormal return with its 95% band.

    Parameters
    ----------
    data : DataFrame
        ``event_time``, ``ar`` (decimal abnormal return), ``car`` (CAR cumulated from the first day shown),
        ``car_lower`` and ``car_upper`` (95% band of the CAR under the null of no abnormal return; decimal);
        optionally ``in_window`` (False for days outside the study's event windows: lighter, hatched bars).
        Days without an AR (NaN) are left as gaps and marked with a small cross on the zero line.
    ticker : str
        Shown in the title.
    window : (int, int), optional
        The headline event window, shaded.
    band_label : str
        Legend text of the band (say which variance it uses).
    legend : bool
        Draw the legend below the axes.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    require_columns(data, ("event_time", "ar", "car", "car_lower", "car_upper"), "AR and CAR")
    frame = data.sort_values("event_time")
    times = frame["event_time"].to_numpy()
    with style():
        fig, ax = new_axes(ax, (6.4, 3.6))
        _shade_window(ax, window)
        ax.fill_between(
            times,
            frame["car_lower"],
            frame["car_upper"],
            color="#8c8c8c",
            alpha=0.22,
            lw=0,
            label=band_label,
        )
        _draw_ar_bars(ax, frame, times)
        _draw_car_path(ax, frame, times)
        _label_ar_car_axes(ax, ticker)
        if legend:
            legend_below(ax, ncols=2, swatches=_swatches())
    return fig


def _draw_ar_bars(ax: Axes, frame: pd.DataFrame, times: np.ndarray[Any, Any]) -> None:
    """The daily ARs as bars (blue up, vermillion down): plain inside the study's event windows, lighter
    and hatched outside them, and a small cross on the zero line for a day without an AR."""
    ar = frame["ar"].to_numpy(dtype=float)
    inside = (
        frame["in_window"].to_numpy(dtype=bool) if "in_window" in frame.columns else np.ones(ar.size, bool)
    )
    missing = ~np.isfinite(ar)
    colours = np.where(np.nan_to_num(ar) >= 0, UP, DOWN)
    study = inside & ~missing
    ax.bar(times[study], ar[study], color=colours[study], width=0.7, label="AR (daily)", zorder=2)
    outside = ~inside & ~missing
    if outside.any():
        ax.bar(
            times[outside],
            ar[outside],
            color=colours[outside],
            alpha=0.4,
            hatch="///",
            edgecolor="#ffffff",
            linewidth=0,
            width=0.7,
            label="AR outside the study windows",
            zorder=2,
        )
    if missing.any():
        ax.plot(
            times[missing],
            np.zeros(int(missing.sum())),
            linestyle="none",
            marker="x",
            markersize=5,
            color="#4d4d4d",
            label="no AR (missing price)",
            zorder=4,
        )


def _draw_car_path(ax: Axes, frame: pd.DataFrame, times: np.ndarray[Any, Any]) -> None:
    """The CAR path, cumulated from the first day shown, over the bars."""
    first = int(times[0]) if times.size else 0
    ax.plot(
        times,
        frame["car"],
        color="#1a1a1a",
        linewidth=1.8,
        marker="o",
        markersize=2.5,
        label=f"CAR from day {first}",
        zorder=3,
    )


def _label_ar_car_axes(ax: Axes, ticker: str) -> None:
    """The zero line, day 0, percent ticks on whole event days, the axis labels and the title."""
    ax.axhline(0, color="#4d4d4d", linewidth=0.8)
    mark_day0(ax, zorder=1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel("Trading days relative to day 0")
    ax.set_ylabel("Abnormal return")
    ax.set_title(f"{ticker}: abnormal returns and CAR")
    integer_event_time(ax)


def _hatched(colour: str) -> Patch:
    return Patch(facecolor=colour, alpha=0.4, hatch="///", edgecolor="#ffffff", linewidth=0)


def _swatches() -> dict[str, tuple[Any, ...]]:
    """Legend swatches in both colours the AR bars are drawn in (blue up, vermillion down)."""
    return {
        "AR (daily)": (Patch(color=UP), Patch(color=DOWN)),
        "AR outside the study windows": (_hatched(UP), _hatched(DOWN)),
    }


def fig_security_event(
    prices: pd.DataFrame | None,
    path: pd.DataFrame | None,
    *,
    ticker: str,
    currency: str = "USD",
    window: tuple[int, int] | None = None,
    band_label: str = "95% band of the CAR under H0 (no abnormal return)",
) -> Figure:
    """One security's event in one figure: the price panel above, the AR/CAR panel below.

    Parameters
    ----------
    prices : DataFrame or None
        As for :func:`fig_event_prices`; ``None`` or empty leaves the panel out.
    path : DataFrame or None
        As for :func:`fig_event_ar_car`; ``None`` or empty leaves the panel out.
    ticker, currency, window
        As for the two panel functions (``window`` is shaded on both).
    band_label : str
        As for :func:`fig_event_ar_car`.

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
            fig_event_ar_car(
                path, ticker=ticker, window=window, band_label=band_label, legend=False, ax=axes[k]
            )
        handles: list[Any] = []
        labels: list[str] = []
        swatches = _swatches()
        for ax in axes:
            for h, lab in zip(*ax.get_legend_handles_labels(), strict=True):
                if lab not in labels:  # the window is shaded on both panels
                    handles.append(swatches.get(lab, h))
                    labels.append(lab)
        if handles:
            fig.legend(
                handles,
                labels,
                loc="lower center",
                ncols=2,
                fontsize=8.5,
                bbox_to_anchor=(0.5, 0.0),
                handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
            )
    return fig
