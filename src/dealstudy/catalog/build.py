"""Building a deal from loose fields (command-line options, prompts), with the catalog's validation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from dealstudy.catalog.schema import SOURCE_KINDS, Deal
from dealstudy.errors import CatalogError, CatalogProblem

__all__ = [
    "REQUIRED_OPTION_FIELDS",
    "SECURITY_SPEC_HELP",
    "SOURCE_SPEC_HELP",
    "deal_from_mapping",
    "deal_from_options",
    "missing_option_fields",
    "parse_security_spec",
    "parse_source_spec",
]

#: How a security is written on the command line.
SECURITY_SPEC_HELP = "TICKER:MIC:ROLE[:TIMING], e.g. AMZN:XNAS:provider or 9984.T:XTKS:investor:after_close"


#: How a source is written on the command line and in CSV files.
SOURCE_SPEC_HELP = (
    "an https URL, optionally marked primary:URL (the company's release or filing) or press:URL"
)


#: Deal fields a deal given as options cannot do without, in the order they are asked for (then the
#: sources and, unless the deal declares none, the securities).
REQUIRED_OPTION_FIELDS: Final = (
    "id",
    "title",
    "announced",
    "timing",
    "counterparty",
    "kind",
    "binding_status",
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


def missing_option_fields(options: Mapping[str, object], *, no_securities: bool = False) -> list[str]:
    """The required fields ``options`` lacks, in the order to ask for them.

    Parameters
    ----------
    options
        Catalog keys to values as given (``None`` when not given); ``sources`` and ``securities`` are
        lists of specs (see :func:`deal_from_options`).
    no_securities
        The deal declares that no listed company is directly affected, so an empty ``securities`` is
        not missing.

    Returns
    -------
    list of str
        The names among :data:`REQUIRED_OPTION_FIELDS` whose value is ``None``, then ``source`` when
        there is no source and ``security`` when there is no security (unless ``no_securities``).
    """
    missing = [name for name in REQUIRED_OPTION_FIELDS if options.get(name) is None]
    if not options.get("sources"):
        missing.append("source")
    if not options.get("securities") and not no_securities:
        missing.append("security")
    return missing


def deal_from_options(options: Mapping[str, object], origin: str = "<options>") -> Deal:
    """Validate a deal given as command-line options and return it.

    Parameters
    ----------
    options
        Catalog keys to values (``None`` when not given), except that ``securities`` holds specs as
        :data:`SECURITY_SPEC_HELP` and ``sources`` specs as :data:`SOURCE_SPEC_HELP` (parsed here, the
        securities first).
    origin
        The name problems are reported against.

    Raises
    ------
    CatalogError
        When a security spec is malformed, or with every problem of the deal.
    """
    mapping = dict(options)
    mapping["securities"] = [parse_security_spec(spec) for spec in _specs(options, "securities")]
    mapping["sources"] = [parse_source_spec(spec) for spec in _specs(options, "sources")]
    return deal_from_mapping(mapping, origin)


def _specs(options: Mapping[str, object], key: str) -> list[str]:
    """The list of spec strings under ``key`` (empty when absent or ``None``)."""
    value = options.get(key)
    return [str(spec) for spec in value] if isinstance(value, list | tuple) else []
