"""The Jinja2 environment of the site: templates from package files, autoescape on, strict undefined."""

from __future__ import annotations

from functools import cache
from importlib import resources

import jinja2
from markupsafe import Markup, escape

from dealstudy.report.format import fmt, https_url

__all__ = ["environment", "link", "static_text"]


def link(url: object, text: object = None) -> Markup:
    """An ``<a>`` to ``url`` when it is a safe https URL; otherwise the text, escaped and inert.

    Refused links are shown as ``text (link withheld: not an https URL)`` so a reader sees what the catalog
    said without being able to follow it.
    """
    label = escape(str(text if text is not None else url))
    safe = https_url(url)
    if safe is None:
        return Markup(
            '<span class="withheld">{} <small>(link withheld: not an https URL)</small></span>'
        ).format(label)
    return Markup('<a href="{}" rel="noopener noreferrer">{}</a>').format(safe, label)


@cache
def static_text(name: str) -> str:
    """The text of ``report/static/<name>`` (CSS or JS inlined into every page)."""
    return resources.files("dealstudy.report").joinpath("static", name).read_text(encoding="utf-8")


def environment() -> jinja2.Environment:
    """A fresh environment loading ``report/templates/*.html.j2`` with HTML autoescaping always on."""
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("dealstudy.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["link"] = link
    env.filters["fmt"] = fmt
    return env
