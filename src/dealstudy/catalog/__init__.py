"""The deals catalog: one YAML file per deal announcement under ``events/``, plus ``counterparties.yaml``.

Public API::

    load_catalog(directory="events") -> Catalog        # raises CatalogError listing every problem
    validate_catalog(directory="events") -> list[CatalogProblem]
    Catalog.deals / .counterparties / .directory / .checksum / .get(id) / .to_frame()
    deal_to_yaml(deal) -> str; write_deal(directory, deal) -> Path; add_deals(directory, deals)
    read_deals_csv(path) -> list[Deal]; import_csv(directory, path) -> list[Path]

Field meanings and conventions: ``events/README.md``.
"""

from __future__ import annotations

from dealstudy.catalog.build import deal_from_mapping, parse_security_spec
from dealstudy.catalog.catalog import Catalog, UnknownDealError, catalog_checksum, load_catalog
from dealstudy.catalog.csv_import import CSV_COLUMNS, REQUIRED_CSV_COLUMNS, import_csv, read_deals_csv
from dealstudy.catalog.frame import FRAME_COLUMNS, catalog_frame
from dealstudy.catalog.schema import (
    BINDING_STATUSES,
    CONFIDENCES,
    DEAL_KINDS,
    FIGURE_METRICS,
    OVERLAP_RELATIONS,
    TIMINGS,
    VALUE_QUALIFIERS,
    Counterparty,
    CounterpartyFigure,
    Deal,
    Overlap,
    PressClaim,
    Security,
)
from dealstudy.catalog.serialize import deal_to_dict, deal_to_json_dict, deal_to_yaml
from dealstudy.catalog.validate import COUNTERPARTIES_FILE, parse_deal, validate_catalog
from dealstudy.catalog.write import add_deals, write_deal
from dealstudy.errors import CatalogError, CatalogProblem

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
    "UnknownDealError",
    "add_deals",
    "catalog_checksum",
    "catalog_frame",
    "deal_from_mapping",
    "deal_to_dict",
    "deal_to_json_dict",
    "deal_to_yaml",
    "import_csv",
    "load_catalog",
    "parse_deal",
    "parse_security_spec",
    "read_deals_csv",
    "validate_catalog",
    "write_deal",
]
