"""The Jinja2 environment of the site: templates from package files, autoescape on, strict undefined."""

from __future__ import annotations

from functools import cache
from importlib import resources
from typing import Any

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


#: The names ``getattr`` finds on a plain dict (its methods and ``object``'s attributes), never its keys.
_DICT_ATTRIBUTES = frozenset(dir(dict))


class _Environment(jinja2.Environment):
    """Jinja's environment, with a quicker ``x.name`` when ``x`` is a plain dict (as the page contexts are).

    Jinja resolves ``x.name`` by trying ``getattr(x, "name")`` first and ``x["name"]`` when that raises.
    The contexts are plain dicts, so almost every lookup (some 120,000 a report) raised and caught an
    AttributeError before reading the key. On a plain dict ``getattr`` can only succeed for the names in
    ``dir(dict)``; for any other name this reads the key at once. The result is Jinja's in every case:
    ``d.items`` is still the method, and a missing key gives the same undefined value (an error here).
    """

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict and attribute not in _DICT_ATTRIBUTES:
            try:
                return obj[attribute]
            except KeyError:
                return self.undefined(obj=obj, name=attribute)
        return super().getattr(obj, attribute)


def environment() -> jinja2.Environment:
    """A fresh environment loading ``report/templates/*.html.j2`` with HTML autoescaping always on."""
    env = _Environment(
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
