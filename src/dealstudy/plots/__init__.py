"""Matplotlib figures of event-study and deal-value results.

Every function takes plain frames with documented columns, draws into ``ax`` when given (a new
:class:`~matplotlib.figure.Figure` outside pyplot otherwise) and returns the Figure; nothing is shown or
saved. :func:`figure_to_svg` turns a figure into an inline, accessible SVG and closes it.

The names are loaded on first use, so importing :mod:`dealstudy.plots` (or its matplotlib-free
:mod:`dealstudy.plots.classes`) does not import matplotlib: a report whose figures all come from the
figure cache never loads it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dealstudy.plots.classes import binding_class, format_usd

if TYPE_CHECKING:
    from dealstudy.plots.caar import fig_caar_paths
    from dealstudy.plots.security import fig_event_ar_car, fig_event_prices, fig_security_event
    from dealstudy.plots.svg import figure_to_svg
    from dealstudy.plots.value import (
        fig_cumulative_value,
        fig_multiples,
        fig_value_fit_linear,
        fig_value_vs_headline,
    )
    from dealstudy.plots.web import fig_deal_web

__all__ = [
    "binding_class",
    "fig_caar_paths",
    "fig_cumulative_value",
    "fig_deal_web",
    "fig_event_ar_car",
    "fig_event_prices",
    "fig_multiples",
    "fig_security_event",
    "fig_value_fit_linear",
    "fig_value_vs_headline",
    "figure_to_svg",
    "format_usd",
]

#: The module of each drawing function, imported when the name is first asked for.
_MODULE_OF: dict[str, str] = {
    "fig_caar_paths": "caar",
    "fig_cumulative_value": "value",
    "fig_deal_web": "web",
    "fig_event_ar_car": "security",
    "fig_event_prices": "security",
    "fig_multiples": "value",
    "fig_security_event": "security",
    "fig_value_fit_linear": "value",
    "fig_value_vs_headline": "value",
    "figure_to_svg": "svg",
}


def __getattr__(name: str) -> Any:
    """Import a drawing function's module (and matplotlib) when the name is first asked for."""
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
