"""The deals catalog: one YAML file per deal announcement under ``events/``, plus ``counterparties.yaml``.

Public API::

    load_catalog(directory="events") -> Catalog        # raises CatalogError listing every problem
    validate_catalog(directory="events") -> list[CatalogProblem]
    Catalog.deals / .counterparties / .directory / .checksum / .get(id) / .to_frame()
    deal_to_yaml(deal) -> str; write_deal(directory, deal) -> Path; add_deals(directory, deals)
    read_deals_csv(path) -> list[Deal]; import_csv(directory, path) -> list[Path]
    missing_option_fields(options) -> list[str]; deal_from_options(options) -> Deal   # events add

Field meanings and conventions: ``events/README.md``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from dealstudy.catalog.schema import (
    BINDING_STATUSES,
    CONFIDENCES,
    DEAL_KINDS,
    FIGURE_METRICS,
    OVERLAP_RELATIONS,
    SOURCE_KINDS,
    TIMINGS,
    VALUE_QUALIFIERS,
    Counterparty,
    CounterpartyFigure,
    Deal,
    Overlap,
    PressClaim,
    Security,
    Source,
)
from dealstudy.errors import CatalogError, CatalogProblem

if TYPE_CHECKING:
    from dealstudy.catalog.build import (
        REQUIRED_OPTION_FIELDS,
        deal_from_mapping,
        deal_from_options,
        missing_option_fields,
        parse_security_spec,
        parse_source_spec,
    )
    from dealstudy.catalog.catalog import Catalog, UnknownDealError, catalog_checksum, load_catalog
    from dealstudy.catalog.csv_import import CSV_COLUMNS, REQUIRED_CSV_COLUMNS, import_csv, read_deals_csv
    from dealstudy.catalog.frame import FRAME_COLUMNS, catalog_frame
    from dealstudy.catalog.serialize import deal_to_dict, deal_to_json_dict, deal_to_yaml
    from dealstudy.catalog.validate import COUNTERPARTIES_FILE, parse_deal, validate_catalog
    from dealstudy.catalog.write import add_deals, write_deal

#: Names imported on first use (the catalog loader and its frame import pandas; ``dealstudy --help`` not).
_LAZY: dict[str, str] = {
    **dict.fromkeys(
        (
            "REQUIRED_OPTION_FIELDS",
            "deal_from_mapping",
            "deal_from_options",
            "missing_option_fields",
            "parse_security_spec",
            "parse_source_spec",
        ),
        "dealstudy.catalog.build",
    ),
    **dict.fromkeys(
        ("Catalog", "UnknownDealError", "catalog_checksum", "load_catalog"), "dealstudy.catalog.catalog"
    ),
    **dict.fromkeys(
        ("CSV_COLUMNS", "REQUIRED_CSV_COLUMNS", "import_csv", "read_deals_csv"),
        "dealstudy.catalog.csv_import",
    ),
    **dict.fromkeys(("FRAME_COLUMNS", "catalog_frame"), "dealstudy.catalog.frame"),
    **dict.fromkeys(("deal_to_dict", "deal_to_json_dict", "deal_to_yaml"), "dealstudy.catalog.serialize"),
    **dict.fromkeys(("COUNTERPARTIES_FILE", "parse_deal", "validate_catalog"), "dealstudy.catalog.validate"),
    **dict.fromkeys(("add_deals", "write_deal"), "dealstudy.catalog.write"),
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'dealstudy.catalog' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)


__all__ = [
    "BINDING_STATUSES",
    "CONFIDENCES",
    "COUNTERPARTIES_FILE",
    "CSV_COLUMNS",
    "DEAL_KINDS",
    "FIGURE_METRICS",
    "FRAME_COLUMNS",
    "OVERLAP_RELATIONS",
    "REQUIRED_CSV_COLUMNS",
    "REQUIRED_OPTION_FIELDS",
    "SOURCE_KINDS",
    "TIMINGS",
    "VALUE_QUALIFIERS",
    "Catalog",
    "CatalogError",
    "CatalogProblem",
    "Counterparty",
    "CounterpartyFigure",
    "Deal",
    "Overlap",
    "PressClaim",
    "Security",
    "Source",
    "UnknownDealError",
    "add_deals",
    "catalog_checksum",
    "catalog_frame",
    "deal_from_mapping",
    "deal_from_options",
    "deal_to_dict",
    "deal_to_json_dict",
    "deal_to_yaml",
    "import_csv",
    "load_catalog",
    "missing_option_fields",
    "parse_deal",
    "parse_security_spec",
    "parse_source_spec",
    "read_deals_csv",
    "validate_catalog",
    "write_deal",
]
