"""Input checks shared by the plot functions."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

__all__ = ["require_columns"]


def require_columns(data: pd.DataFrame, columns: Iterable[str], figure: str) -> None:
    """Raise ``ValueError`` naming the figure and the missing columns."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(f"{figure}: data lacks column(s) {', '.join(missing)}")
