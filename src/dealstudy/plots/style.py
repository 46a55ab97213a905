"""One visual style for every dealstudy figure: fonts, a colour-blind-safe palette, money formatting.

Binding statuses (twelve in the catalog) are grouped into four *binding classes* for colour, each with its
own marker and line style as well, so the encoding survives greyscale printing and colour-vision deficiency.
Colours are from Okabe & Ito (2008), "Color Universal Design", chosen to keep at least 3:1 contrast
against white.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, Literal, get_args

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.ticker import FuncFormatter, MaxNLocator

__all__ = [
    "BINDING_CLASSES",
    "CLASS_COLOURS",
    "CLASS_LABELS",
    "CLASS_LINESTYLES",
    "CLASS_MARKERS",
    "RC",
    "BindingClass",
    "binding_class",
    "format_usd",
    "integer_event_time",
    "legend_below",
    "mark_day0",
    "money_formatter",
    "new_axes",
    "style",
]

#: Four groups of binding status, from firm to not a deal at all.
BindingClass = Literal["binding", "conditional", "non_binding", "report"]
BINDING_CLASSES: tuple[str, ...] = get_args(BindingClass)

_CLASS_OF_STATUS: dict[str, BindingClass] = {
    "definitive_contract": "binding",
    "contract_with_options": "binding",
    "contract_with_conditions": "binding",
    "contract_plus_conditional_equity": "binding",
    "order_booking": "binding",
    "equity_subject_to_definitive_docs": "conditional",
    "equity_with_conditional_tranches": "conditional",
    "term_sheet": "conditional",
    "non_binding_loi": "non_binding",
    "statement_of_intent": "non_binding",
    "media_report": "report",
    "disclosure_or_report": "report",
}

CLASS_LABELS: dict[str, str] = {
    "binding": "Binding contract",
    "conditional": "Conditional / subject to documents",
    "non_binding": "Non-binding (LOI, intent)",
    "report": "Media report / disclosure",
}
#: Okabe-Ito blue, bluish green (darkened for contrast), vermillion, and a dark grey: four hues that stay
#: apart under the common colour-vision deficiencies (no two oranges).
CLASS_COLOURS: dict[str, str] = {
    "binding": "#0072B2",
    "conditional": "#007A5E",
    "non_binding": "#D55E00",
    "report": "#5F5F5F",
}
CLASS_MARKERS: dict[str, str] = {"binding": "o", "conditional": "s", "non_binding": "^", "report": "D"}
CLASS_LINESTYLES: dict[str, str] = {
    "binding": "-",
    "conditional": "-.",
    "non_binding": "--",
    "report": ":",
}

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


def binding_class(status: str | None) -> BindingClass:
    """The binding class of a catalog ``binding_status`` (unknown or missing statuses count as reports)."""
    if status is None:
        return "report"
    return _CLASS_OF_STATUS.get(str(status), "report")


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


def format_usd(value: float, *, decimals: int | None = None) -> str:
    """Format a dollar amount in billions: ``3.2e11 -> "$320bn"``, ``-2.5e9 -> "−$2.5bn"``.

    Below $1bn the amount is given in millions (``"$450m"``). ``nan`` gives ``"n/a"``.
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    sign = "−" if value < 0 else ""
    amount = abs(value)
    if amount == 0:
        return "$0"
    if amount < 1e9:
        millions = amount / 1e6
        places = decimals if decimals is not None else (0 if millions >= 10 else 1)
        return f"{sign}${millions:,.{places}f}m"
    billions = amount / 1e9
    if decimals is None:
        decimals = 0 if billions >= 100 else 1
    return f"{sign}${billions:,.{decimals}f}bn"


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
