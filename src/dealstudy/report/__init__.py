"""The static HTML report: results -> plain context -> Jinja2 templates (autoescape on) -> a folder.

Public API::

    ReportData, Headline, TableSpec        # what the site shows (plain frames and catalog records)
    render_figures(data) -> FigureSet      # every figure as inline SVG
    build_context(data, figures) -> SiteContext
    render_site(context, out_dir)          # index, deals/<id>, regressions, methods pages and data/
    publish(out_dir, build)                # build into a temporary folder beside out_dir, swap in on success

Templates live in ``report/templates/*.html.j2`` and the CSS/JS in ``report/static/``; both are inlined into
every page, so the site opens from disk with no network.
"""

from __future__ import annotations

from dealstudy.report.build import publish, render_site
from dealstudy.report.context import SiteContext, build_context
from dealstudy.report.figures import render_figures
from dealstudy.report.inputs import Headline, ReportData, TableSpec
from dealstudy.report.site_figure import FigureSet

__all__ = [
    "FigureSet",
    "Headline",
    "ReportData",
    "SiteContext",
    "TableSpec",
    "build_context",
    "publish",
    "render_figures",
    "render_site",
]
