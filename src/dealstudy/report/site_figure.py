"""A figure of the site (:class:`SiteFigure`: its SVG and caption), the set of them, and the helpers every
figure module shares: the event id of a deal x security and the SVG serialisation."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["FigureSet", "SiteFigure", "event_id", "figure_context", "svg_figure"]


@dataclass(frozen=True)
class SiteFigure:
    """One rendered figure: an id, the SVG markup, a caption explaining it (units, window, model)."""

    id: str
    title: str
    svg: str
    caption: str


@dataclass(frozen=True)
class FigureSet:
    """The headline figures of the index page and the per-event figures of the deal pages."""

    index: tuple[SiteFigure, ...]
    events: dict[str, tuple[SiteFigure, ...]]
    families: dict[str, SiteFigure] = field(default_factory=dict)  # deal id -> its family's timeline


def figure_context(fig: SiteFigure) -> dict[str, str]:
    """A figure as the templates read it: ``id``, ``title``, ``svg`` and ``caption``."""
    return {"id": fig.id, "title": fig.title, "svg": fig.svg, "caption": fig.caption}


def event_id(deal_id: str, ticker: str) -> str:
    """The study's event id of a deal x security."""
    return f"{deal_id}:{ticker}"


def svg_figure(
    fig: Figure,
    fig_id: str,
    title: str,
    description: str,
    caption: str,
    tooltips: dict[str, str] | None = None,
) -> SiteFigure:
    """``fig`` serialised to inline SVG (titled, described, ids prefixed with ``fig_id``) as a site figure."""
    from dealstudy.plots import figure_to_svg  # matplotlib only when a figure is drawn

    svg = figure_to_svg(fig, title=title, description=description, id_prefix=fig_id, tooltips=tooltips)
    return SiteFigure(fig_id, title, svg, caption)
