"""The binding classes of the catalog's statuses (labels, colours, markers, line styles) and the money format,
without matplotlib: the pages import these, and only drawing a figure needs matplotlib
(:mod:`dealstudy.plots.style` re-exports them with the drawing settings).

Binding statuses (twelve in the catalog) are grouped into four *binding classes* for colour, each with its
own marker and line style as well, so the encoding survives greyscale printing and colour-vision deficiency.
Colours are from Okabe & Ito (2008), "Color Universal Design", chosen to keep at least 3:1 contrast
against white.
"""

from __future__ import annotations

import math
from typing import Literal, get_args

__all__ = [
    "BINDING_CLASSES",
    "CLASS_COLOURS",
    "CLASS_LABELS",
    "CLASS_LINESTYLES",
    "CLASS_MARKERS",
    "BindingClass",
    "binding_class",
    "format_usd",
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


def binding_class(status: str | None) -> BindingClass:
    """The binding class of a catalog ``binding_status`` (unknown or missing statuses count as reports)."""
    if status is None:
        return "report"
    return _CLASS_OF_STATUS.get(str(status), "report")


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
