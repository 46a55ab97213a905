"""Figures of dollar value: abnormal vs headline value, press-release multiples, cumulative value."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import FuncFormatter, NullLocator

from dealstudy.plots._frames import require_columns
from dealstudy.plots.classes import (
    BINDING_CLASSES,
    CLASS_COLOURS,
    CLASS_LABELS,
    CLASS_MARKERS,
    binding_class,
    format_usd,
)
from dealstudy.plots.style import money_formatter, new_axes, style

__all__ = [
    "SYMLOG_THRESHOLD_USD",
    "fig_cumulative_value",
    "fig_multiples",
    "fig_value_fit_linear",
    "fig_value_vs_headline",
]

#: The abnormal-value axis is linear within ±$1bn and logarithmic beyond, so losses can be shown.
SYMLOG_THRESHOLD_USD = 1e9


def _note(ax: Axes, text: str) -> None:
    ax.annotate(
        text,
        xy=(0, 0),
        xycoords="axes fraction",
        xytext=(0, -44),
        textcoords="offset points",
        fontsize=8.5,
        color="#333333",
        va="top",
        wrap=True,
    )


def _symlog_ticks(ax: Axes, values: np.ndarray) -> None:
    """Ticks at 0 and ±10^k dollars from $1bn to the data's range on each side (none inside ±$1bn)."""
    finite = values[np.isfinite(values)]

    def powers(extreme: float) -> list[float]:
        top = max(extreme, SYMLOG_THRESHOLD_USD)
        return [10.0**k for k in range(9, math.ceil(math.log10(top)) + 1)]

    up = powers(float(finite.max()) if finite.size else 0.0)
    down = powers(float(-finite.min()) if finite.size else 0.0)
    limits = ax.get_ylim()  # the data's autoscaled range: ticks must not widen it
    ax.set_yticks(sorted([-p for p in down] + [0.0] + up))
    ax.set_ylim(limits)
    ax.yaxis.set_minor_locator(NullLocator())


def _class_points(ax: Axes, shown: pd.DataFrame, x: str, y: str) -> None:
    """One marker per row, coloured and shaped by binding class; a row's ``gid`` (when given) names its
    SVG group, so the page can attach a tooltip to that one point."""
    classes = shown["binding_status"].map(binding_class)
    for cls in BINDING_CLASSES:
        part = shown[classes == cls]
        for i, (_, row) in enumerate(part.iterrows()):
            ax.scatter(
                [row[x]],
                [row[y]],
                s=46,
                marker=CLASS_MARKERS[cls],
                color=CLASS_COLOURS[cls],
                edgecolor="white",
                linewidth=0.6,
                label=f"{CLASS_LABELS[cls]} ({len(part)})" if i == 0 else "_nolegend_",
                gid=str(row["gid"]) if "gid" in part.columns else None,
                zorder=3,
            )


def _plotted(ax: Axes, data: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Draw the rows with a positive headline and a finite abnormal value; return them and how many not."""
    frame = data.assign(
        headline=pd.to_numeric(data["headline_value_usd"], errors="coerce"),
        value=pd.to_numeric(data["abnormal_value_usd"], errors="coerce"),
    )
    shown = frame[(frame["headline"] > 0) & np.isfinite(frame["value"])]
    _class_points(ax, shown, "headline", "value")
    return shown, len(frame) - len(shown)


def fig_value_fit_linear(
    data: pd.DataFrame,
    *,
    fit: tuple[float, float] | None,
    fit_label: str = "OLS fit",
    ax: Axes | None = None,
) -> Figure:
    """The headline regression where it is a straight line: abnormal value against headline value, both on
    linear axes in $bn, with the fitted line ``abnormal = intercept + slope * headline``.

    ``data`` as for :func:`fig_value_vs_headline` (optionally with ``gid`` per row for tooltips).
    """
    require_columns(data, ("headline_value_usd", "abnormal_value_usd", "binding_status"), "value fit")
    with style():
        fig, ax = new_axes(ax, (7.5, 4.8))
        shown, _ = _plotted(ax, data)
        ax.axhline(0, color="#4d4d4d", linewidth=0.8, zorder=1)
        if fit is not None and not shown.empty:
            xs = np.array([0.0, float(shown["headline"].max())])
            ax.plot(xs, fit[0] + fit[1] * xs, color="#1a1a1a", linewidth=1.4, label=fit_label, zorder=2)
        ax.set_xlim(left=0)
        ax.xaxis.set_major_formatter(money_formatter())
        ax.yaxis.set_major_formatter(money_formatter())
        ax.set_xlabel("Headline deal value (US$, linear scale)")
        ax.set_ylabel("Abnormal market value (US$)")
        ax.set_title("The fitted line, on linear axes")
        if not shown.empty:
            ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=2, fontsize=8.5)
    return fig


def fig_value_vs_headline(
    data: pd.DataFrame,
    *,
    fit: tuple[float, float] | None = None,
    fit_label: str = "OLS fit",
    annotate: int = 8,
    ax: Axes | None = None,
) -> Figure:
    """Abnormal dollar value against headline deal value, coloured by binding class.

    Parameters
    ----------
    data : DataFrame
        One row per deal x security with ``headline_value_usd`` (USD, > 0 to be shown),
        ``abnormal_value_usd`` (USD, any sign), ``binding_status`` (catalog status) and optionally
        ``label`` (short text for the largest reactions).
    fit : (intercept, slope), optional
        A fitted line ``abnormal = intercept + slope * headline`` (both in USD), drawn over the data's range.
    fit_label : str
        Legend text of the fitted line.
    annotate : int
        Label the ``annotate`` points with the largest absolute abnormal value.
    ax : Axes, optional
        Draw into these axes; a new figure otherwise.

    Returns
    -------
    Figure

    Notes
    -----
    The headline axis is logarithmic. The abnormal-value axis is *symmetric-logarithmic*: linear within
    ±$1bn (:data:`SYMLOG_THRESHOLD_USD`) and logarithmic beyond in both directions, so value destroyed
    appears below zero instead of being dropped; the figure says so.
    """
    require_columns(data, ("headline_value_usd", "abnormal_value_usd", "binding_status"), "value vs headline")
    with style():
        fig, ax = new_axes(ax, (7.5, 5.2))
        shown, hidden = _plotted(ax, data)
        ax.set_xscale("log")
        ax.set_yscale("symlog", linthresh=SYMLOG_THRESHOLD_USD, linscale=0.6)
        ax.axhline(0, color="#4d4d4d", linewidth=0.8, zorder=1)
        if fit is not None and not shown.empty:
            xs = np.geomspace(shown["headline"].min(), shown["headline"].max(), 200)
            ax.plot(xs, fit[0] + fit[1] * xs, color="#1a1a1a", linewidth=1.4, label=fit_label, zorder=2)
        if "label" in shown.columns and annotate > 0:
            top = shown.reindex(shown["value"].abs().sort_values(ascending=False).index[:annotate])
            for _, row in top.iterrows():
                ax.annotate(
                    str(row["label"]),
                    (row["headline"], row["value"]),
                    xytext=(5, 4),
                    textcoords="offset points",
                    fontsize=8,
                    color="#1a1a1a",
                )
        ax.xaxis.set_major_formatter(money_formatter())
        _symlog_ticks(ax, shown["value"].to_numpy(dtype=float))
        ax.yaxis.set_major_formatter(money_formatter())
        ax.set_xlabel("Headline deal value (US$, log scale)")
        ax.set_ylabel("Abnormal market value (US$)\nlinear within ±$1bn, log beyond")
        ax.set_title("Market value created vs announced deal value")
        if not shown.empty:
            title = f"{hidden} row(s) without a headline or abnormal value not shown" if hidden else None
            ax.legend(
                loc="upper center",
                bbox_to_anchor=(0.5, -0.2),
                ncols=2,
                fontsize=8.5,
                title=title,
                title_fontsize=8.5,
            )
    return fig


def fig_multiples(data: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Press-release multiple per deal x security as sorted horizontal bars.

    Parameters
    ----------
    data : DataFrame
        ``label`` (bar label, e.g. ``"oracle-8k-30b · ORCL"``), ``press_release_multiple`` (abnormal value /
        headline value, a pure number) and ``binding_status``. Rows with no multiple are left out and
        counted in a note.
    ax : Axes, optional

    Returns
    -------
    Figure

    Notes
    -----
    The axis is linear, unless the multiples span more than two orders of magnitude, in which case it is
    symmetric-logarithmic (linear within ±1) and the figure says so.
    """
    require_columns(data, ("label", "press_release_multiple", "binding_status"), "multiples")
    values = pd.to_numeric(data["press_release_multiple"], errors="coerce")
    shown = data.assign(multiple=values)[np.isfinite(values)].sort_values("multiple")
    hidden = len(data) - len(shown)
    with style():
        fig, ax = new_axes(ax, (7.5, 1.6 + 0.3 * max(len(shown), 1)))
        positions = np.arange(len(shown))
        classes = [binding_class(s) for s in shown["binding_status"]]
        ax.barh(
            positions,
            shown["multiple"],
            color=[CLASS_COLOURS[c] for c in classes],
            hatch=None,
            height=0.7,
            zorder=2,
        )
        ax.set_yticks(positions, [str(x) for x in shown["label"]], fontsize=8.5)
        ax.axvline(0, color="#4d4d4d", linewidth=0.8)
        ax.grid(axis="y", visible=False)
        magnitudes = shown["multiple"].abs()
        note = (
            "Multiple = abnormal market value / headline deal value (1.0: the market added the deal's value)."
        )
        if len(shown) and magnitudes.max() > 100 * max(magnitudes.median(), 1e-9) and magnitudes.max() > 10:
            ax.set_xscale("symlog", linthresh=1.0)
            note += " Axis symmetric-logarithmic beyond ±1."
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _p: f"{v:g}×"))
        for pos, value in zip(positions, shown["multiple"], strict=True):
            ax.annotate(
                f"{value:.2f}×",
                (value, pos),
                xytext=(4 if value >= 0 else -4, 0),
                textcoords="offset points",
                ha="left" if value >= 0 else "right",
                va="center",
                fontsize=8,
            )
        ax.set_xlabel("Press-release multiple (abnormal value / headline value)")
        ax.set_title("Press-release multiple per deal and security")
        present = [c for c in BINDING_CLASSES if c in classes]
        ax.legend(
            handles=[
                Line2D([], [], color=CLASS_COLOURS[c], linewidth=8, label=CLASS_LABELS[c]) for c in present
            ],
            # Bars are sorted ascending: the largest multiples sit at the top and extend right, the most
            # negative at the bottom and extend left. With negative bars the upper-left corner is empty;
            # without them the bottom bars are the shortest, so the lower-right corner is.
            loc="upper left" if (shown["multiple"] < 0).any() else "lower right",
            fontsize=8.5,
        )
        if hidden:
            note += (
                f" {hidden} row(s) without a multiple (no disclosed value or no abnormal value) not shown."
            )
        _note(ax, note)
        if len(shown):
            low, high = ax.get_xlim()
            span = high - low
            ax.set_xlim(low - 0.08 * span * (low < 0), high + 0.12 * span)
    return fig


def fig_cumulative_value(data: pd.DataFrame, *, annotate: int = 8, ax: Axes | None = None) -> Figure:
    """Cumulative abnormal market value created by announcements over calendar time.

    Parameters
    ----------
    data : DataFrame
        ``date`` (day 0 of each reaction), ``abnormal_value_usd`` (USD) and ``label`` (text shown for the
        ``annotate`` largest absolute contributions). Rows with a missing value are left out.
    annotate : int
        Number of reactions labelled on the curve.
    ax : Axes, optional

    Returns
    -------
    Figure
    """
    require_columns(data, ("date", "abnormal_value_usd", "label"), "cumulative value")
    frame = data.assign(
        date=pd.to_datetime(data["date"]), value=pd.to_numeric(data["abnormal_value_usd"], errors="coerce")
    )
    frame = frame[np.isfinite(frame["value"])].sort_values("date", kind="stable").reset_index(drop=True)
    frame["cumulative"] = frame["value"].cumsum()
    with style():
        fig, ax = new_axes(ax, (8.5, 4.6))
        if not frame.empty:
            daily = frame.groupby("date", sort=True)["cumulative"].last()
            ax.step(daily.index, daily.to_numpy(), where="post", color="#0072B2", linewidth=1.8, zorder=2)
            colours = np.where(frame["value"] >= 0, "#0072B2", "#D55E00")
            ax.scatter(frame["date"], frame["cumulative"], s=22, color=colours, zorder=3)
            top = frame.reindex(frame["value"].abs().sort_values(ascending=False).index[:annotate])
            for i, (_, row) in enumerate(top.sort_values("date").iterrows()):
                ax.annotate(
                    str(row["label"]),
                    (row["date"], row["cumulative"]),
                    xytext=(6, 10 if i % 2 == 0 else -14),
                    textcoords="offset points",
                    fontsize=8,
                    arrowprops={"arrowstyle": "-", "color": "#8c8c8c", "linewidth": 0.6},
                )
        ax.axhline(0, color="#4d4d4d", linewidth=0.8)
        ax.yaxis.set_major_formatter(money_formatter())
        ax.set_ylabel("Cumulative abnormal value (US$)")
        ax.set_xlabel("Announcement day 0")
        ax.set_title("Market value created by announcements, cumulated over time")
        locator = AutoDateLocator()  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        total = frame["value"].sum() if not frame.empty else math.nan
        _note(
            ax,
            f"{len(frame)} reactions; blue dots add value, vermillion dots destroy it. Net total "
            f"{format_usd(total, decimals=1)}.",
        )
    return fig
