"""One visual style for every dealstudy figure: fonts, a colour-blind-safe palette, money formatting.

The binding classes (labels, colours, markers, line styles) and :func:`format_usd` are in
:mod:`dealstudy.plots.classes`, which does not import matplotlib.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "RC",
    "integer_event_time",
    "legend_below",
    "mark_day0",
    "money_formatter",
    "new_axes",
    "style",
]

#: Matplotlib settings applied while a dealstudy figure is drawn and saved.
RC: dict[Any, Any] = {
    "font.family": "sans-serif",
    "font.size": 10.5,
    "axes.titlesize": 12,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titley": 1.0,  # fixed title position: no per-draw search for overlapping tick labels (slow)
    "axes.labelsize": 10.5,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "grid.color": "#d9d9d9",
    "grid.linewidth": 0.6,
    "axes.edgecolor": "#4d4d4d",
    "axes.labelcolor": "#1a1a1a",
    "xtick.color": "#333333",
    "ytick.color": "#333333",
    "legend.frameon": False,
    "legend.fontsize": 9.5,
    "figure.dpi": 100,
    "svg.fonttype": "none",
    "svg.hashsalt": "dealstudy",
    "text.parse_math": False,  # catalog text may hold "$"; never read it as mathtext
}


@contextmanager
def style() -> Iterator[None]:
    """Apply :data:`RC` for the duration of a block (drawing *and* saving read the settings)."""
    with matplotlib.rc_context(RC):
        yield


def new_axes(ax: Axes | None, figsize: tuple[float, float]) -> tuple[Figure, Axes]:
    """Return ``(figure, axes)``: the caller's axes, or a new figure outside pyplot's state.

    Figures made here are plain :class:`matplotlib.figure.Figure` objects, not registered with pyplot, so
    they cannot leak as open pyplot windows; they are freed when no longer referenced.
    """
    if ax is not None:
        fig = ax.get_figure(root=True)
        if not isinstance(fig, Figure):  # pragma: no cover - axes always belong to a figure
            raise TypeError("ax does not belong to a Figure")
        return fig, ax
    fig = Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def legend_below(ax: Axes, *, ncols: int = 2, swatches: dict[str, tuple[Any, ...]] | None = None) -> None:
    """Place the legend under the axes (below the x label), where it cannot hide data.

    ``swatches`` maps a legend label to several patches drawn side by side in its one swatch, for an
    artist drawn in more than one colour (bars blue when positive, vermillion when negative).
    """
    found, labels = ax.get_legend_handles_labels()
    handles: list[Any] = list(found)
    if swatches:
        handles = [swatches.get(label, handle) for handle, label in zip(found, labels, strict=True)]
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.2),
        ncols=ncols,
        fontsize=8.5,
        handler_map={tuple: HandlerTuple(ndivide=None, pad=0)},
    )


def integer_event_time(ax: Axes) -> None:
    """Event time is in whole trading days: integer ticks only."""
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def mark_day0(ax: Axes, *, zorder: float | None = None) -> None:
    """A dotted vertical line at event day 0, labelled "day 0" at the top of the axes."""
    line: dict[str, Any] = {} if zorder is None else {"zorder": zorder}
    ax.axvline(0, color="#1a1a1a", linewidth=1, linestyle=":", **line)
    ax.annotate(
        "day 0",
        (0, 1),
        xycoords=("data", "axes fraction"),
        xytext=(3, -12),
        textcoords="offset points",
        fontsize=8.5,
    )


def money_formatter() -> FuncFormatter:
    """Tick formatter for axes in US dollars, labelled in billions (``$50bn``)."""

    def _format(value: float, _pos: int | None = None) -> str:
        if value == 0:
            return "$0"
        billions = abs(value) / 1e9
        places = 0 if billions >= 1 or billions == 0 else (1 if billions >= 0.1 else 2)
        sign = "−" if value < 0 else ""
        return f"{sign}${billions:,.{places}f}bn"

    return FuncFormatter(_format)
