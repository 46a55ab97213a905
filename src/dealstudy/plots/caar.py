"""Cumulative average abnormal return (CAAR) paths by binding class, with confidence bands."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from dealstudy.plots._frames import require_columns
from dealstudy.plots.classes import BINDING_CLASSES, CLASS_COLOURS, CLASS_LABELS, CLASS_LINESTYLES
from dealstudy.plots.style import integer_event_time, legend_below, mark_day0, new_axes, style

__all__ = ["fig_caar_paths"]


def fig_caar_paths(data: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """CAAR paths over event time, one per binding class, with 95% confidence bands.

    Parameters
    ----------
    data : DataFrame
        One row per class and event day: ``binding_class`` (see :func:`dealstudy.plots.style.binding_class`),
        ``event_time`` (trading days relative to day 0), ``caar``, ``lower``, ``upper`` (decimal returns,
        the band's bounds) and ``n`` (events averaged). Bands are drawn as given; the caller documents how
        they were computed.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    require_columns(data, ("binding_class", "event_time", "caar", "lower", "upper", "n"), "CAAR paths")
    with style():
        fig, ax = new_axes(ax, (7.5, 4.6))
        for cls in BINDING_CLASSES:
            part = data[data["binding_class"] == cls].sort_values("event_time")
            if part.empty:
                continue
            colour = CLASS_COLOURS[cls]
            n = int(part["n"].max())
            ax.fill_between(part["event_time"], part["lower"], part["upper"], color=colour, alpha=0.14, lw=0)
            ax.plot(
                part["event_time"],
                part["caar"],
                color=colour,
                linestyle=CLASS_LINESTYLES[cls],
                linewidth=2,
                marker="o",
                markersize=3,
                label=f"{CLASS_LABELS[cls]} (n={n})",
            )
        mark_day0(ax)
        ax.axhline(0, color="#4d4d4d", linewidth=0.8)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=1))
        ax.set_xlabel("Trading days relative to the announcement (day 0)")
        ax.set_ylabel("Cumulative average abnormal return")
        ax.set_title("CAAR by binding status, with 95% confidence bands")
        integer_event_time(ax)
        if not data.empty:
            legend_below(ax)
    return fig
