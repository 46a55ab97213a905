"""Options shared by the commands that read the catalog and price data (declared once, used everywhere)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

__all__ = ["CacheOption", "CatalogOption", "OfflineOption", "PricesOption"]

CatalogOption = Annotated[Path, typer.Option("--catalog", help="The deals catalog folder.")]
PricesOption = Annotated[
    Path | None,
    typer.Option(
        "--prices", help="Directory of SYMBOL.csv snapshots (no network); default: Yahoo via the cache."
    ),
]
OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Never use the network: the cache (or --prices) only.")
]
CacheOption = Annotated[Path | None, typer.Option("--cache", help="Cache directory.")]
