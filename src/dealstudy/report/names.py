"""Names the pages use for deals and securities: file names, anchors, one-line deal names."""

from __future__ import annotations

import re

from dealstudy.catalog.schema import Deal

__all__ = ["deal_filename", "security_anchor", "short_name"]

_SUFFIXES = re.compile(r"(\.com| Platforms| Group| Holdings| Technologies| Capital| Electronics)$")
_NOT_PARTIES = ("read-across", "subject")


def deal_filename(deal_id: str) -> str:
    """File name of a deal's page: the id with anything but ``[A-Za-z0-9._-]`` replaced, never hidden."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", deal_id).lstrip(".") or "deal"
    return f"{safe}.html"


def security_anchor(ticker: str) -> str:
    """The id of a security's section on its deal page."""
    return "sec-" + re.sub(r"[^A-Za-z0-9]", "-", ticker)


def short_name(deal: Deal) -> str:
    """A one-line name for tables: ``"Amazon – OpenAI · cloud contract"`` (the full title stays a tooltip)."""
    parties = [s for s in deal.securities if s.role not in _NOT_PARTIES] or list(deal.securities)
    first = _SUFFIXES.sub("", (parties[0].name or parties[0].ticker) if parties else "")
    names = [first] if first else []
    if deal.counterparty and deal.counterparty not in first:
        names.append(deal.counterparty)
    return f"{' – '.join(names) or deal.id} · {deal.kind.replace('_', ' ')}"
