"""Render a figure as an inline SVG fragment for an HTML page, and close it."""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Mapping

import matplotlib.pyplot as plt
from matplotlib.figure import Figure

from dealstudy.plots.style import style

__all__ = ["figure_to_svg"]

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)
_METADATA = re.compile(r"\s*<metadata>.*?</metadata>", re.DOTALL)
_XMLNS = re.compile(r'\s+xmlns(?::\w+)?="[^"]*"')
_ID = re.compile(r'\bid="([^"]+)"')
_ID_REF = re.compile(r'(\bid="|href="#|url\(#)([^"\)]+)(?=["\)])')


def figure_to_svg(
    fig: Figure,
    *,
    title: str | None = None,
    description: str | None = None,
    id_prefix: str | None = None,
    tooltips: Mapping[str, str] | None = None,
) -> str:
    """Serialise ``fig`` to an ``<svg>`` element ready to be inlined in HTML5, then close the figure.

    Parameters
    ----------
    fig : Figure
        The figure; it is closed (released from pyplot if it was registered there) in every case.
    title, description : str, optional
        Accessible name and longer description, written as the SVG's ``<title>`` and ``<desc>`` and tied
        to it with ``role="img"`` and ``aria-labelledby``. Text is escaped.
    id_prefix : str, optional
        Prefix for every ``id`` inside the SVG, so several figures can share a page without duplicate ids.
        Defaults to a hash of the SVG's content.
    tooltips : mapping, optional
        ``gid -> text``: a ``<title>`` (the browser's tooltip, and an accessible name) for the group of the
        artist drawn with that ``gid``, e.g. one point of a scatter. Text is escaped.

    Returns
    -------
    str
        Markup without XML prologue, DOCTYPE, metadata or namespace URLs (HTML5 parses inline SVG without
        them), with text kept as text (``svg.fonttype = "none"``), a generic sans-serif fallback and a
        ``viewBox`` so it scales to the page width.
    """
    try:
        buffer = io.StringIO()
        with style():
            fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        svg = buffer.getvalue()
    finally:
        plt.close(fig)
    svg = _PROLOGUE.sub("", svg, count=1)
    svg = _METADATA.sub("", svg)
    svg = _XMLNS.sub("", svg)
    svg = svg.replace("xlink:href=", "href=")
    for gid, text in (tooltips or {}).items():
        svg = svg.replace(f'<g id="{gid}">', f'<g id="{gid}"><title>{html.escape(text)}</title>', 1)
    prefix = id_prefix or "f" + hashlib.sha1(svg.encode()).hexdigest()[:8]
    prefix = re.sub(r"[^A-Za-z0-9_-]", "-", prefix)
    ids = set(_ID.findall(svg))
    if ids:
        svg = _ID_REF.sub(
            lambda m: f"{m.group(1)}{prefix}-{m.group(2)}" if m.group(2) in ids else m.group(0), svg
        )
    # Drop the fixed width/height (in pt) so CSS sizes the figure; the viewBox keeps the aspect ratio.
    svg = re.sub(r'<svg\s+width="[^"]*"\s+height="[^"]*"', "<svg", svg, count=1)
    accessible = ['<svg role="img" focusable="false"']
    labelled = []
    inner = []
    if title:
        labelled.append(f"{prefix}-title")
        inner.append(f'<title id="{prefix}-title">{html.escape(title)}</title>')
    if description:
        labelled.append(f"{prefix}-desc")
        inner.append(f'<desc id="{prefix}-desc">{html.escape(description)}</desc>')
    if labelled:
        accessible.append(f' aria-labelledby="{" ".join(labelled)}"')
    head, _, rest = svg.partition("<svg")
    tag_end = rest.index(">")
    svg = head + "".join(accessible) + rest[:tag_end] + ">" + "".join(inner) + rest[tag_end + 1 :]
    return svg.strip() + "\n"
