"""Matplotlib figures of event-study and deal-value results.

Every function takes plain frames with documented columns, draws into ``ax`` when given (a new
:class:`~matplotlib.figure.Figure` outside pyplot otherwise) and returns the Figure; nothing is shown or
saved. :func:`figure_to_svg` turns a figure into an inline, accessible SVG and closes it.
"""

from __future__ import annotations

from dealstudy.plots.caar import fig_caar_paths
from dealstudy.plots.security import fig_event_ar_car, fig_event_prices, fig_security_event
from dealstudy.plots.style import binding_class, format_usd
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
