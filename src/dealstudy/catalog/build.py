"""Building a deal from loose fields (command-line options, prompts), with the catalog's validation."""

from __future__ import annotations

from collections.abc import Mapping

from dealstudy.catalog.schema import SOURCE_KINDS, Deal
from dealstudy.errors import CatalogError, CatalogProblem

__all__ = [
    "SECURITY_SPEC_HELP",
    "SOURCE_SPEC_HELP",
    "deal_from_mapping",
    "parse_security_spec",
    "parse_source_spec",
]

#: How a security is written on the command line.
SECURITY_SPEC_HELP = "TICKER:MIC:ROLE[:TIMING], e.g. AMZN:XNAS:provider or 9984.T:XTKS:investor:after_close"


#: How a source is written on the command line and in CSV files.
SOURCE_SPEC_HELP = (
    "an https URL, optionally marked primary:URL (the company's release or filing) or press:URL"
)


def parse_source_spec(spec: str) -> str | dict[str, str]:
    """``primary:URL`` or ``press:URL`` -> ``{url, kind}``; anything else is the URL (checked later)."""
    kind, colon, url = spec.strip().partition(":")
    if colon and kind in SOURCE_KINDS:
        return {"url": url.strip(), "kind": kind}
    return spec.strip()


def parse_security_spec(spec: str) -> dict[str, object]:
    """Parse ``TICKER:MIC:ROLE[:TIMING]`` into a security mapping (values are checked by the validator).

    Raises
    ------
    CatalogError
        When the text does not have three or four ``:``-separated parts.
    """
    parts = [part.strip() for part in spec.split(":")]
    if len(parts) not in (3, 4) or not all(parts):
        raise CatalogError(
            CatalogProblem("<options>", "", "securities", f"'{spec}' is not {SECURITY_SPEC_HELP}")
        )
    security: dict[str, object] = {"ticker": parts[0], "exchange": parts[1], "role": parts[2]}
    if len(parts) == 4:
        security["timing"] = parts[3]
    return security


def deal_from_mapping(mapping: Mapping[str, object], origin: str = "<options>") -> Deal:
    """Validate a deal given as a mapping of catalog keys and return it.

    Raises
    ------
    CatalogError
        With every problem, reported against ``origin``.
    """
    from dealstudy.catalog.validate import parse_deal  # on use: keeps pydantic out of CLI startup

    deal, problems = parse_deal(dict(mapping), origin)
    if problems or deal is None:
        raise CatalogError(problems)
    return deal
