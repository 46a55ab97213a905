"""Which catalog reactions the data can serve, and why not: the study itself, run on the catalog's events.

``dealstudy prices status`` shows, per catalog security, its coverage and the reactions (deal x security
events) it cannot serve. Rather than re-deriving the engine's rules, this runs the catalog study (market
model, with the fallback rules and the snapshot-age notes) and reads each event's outcome.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from dealstudy.catalog import load_catalog
from dealstudy.data import DataSources
from dealstudy.errors import DataError, SpecificationError
from dealstudy.pipeline.catalog_events import catalog_events
from dealstudy.pipeline.fallback import with_fallbacks
from dealstudy.pipeline.study import run_study
from dealstudy.study import StudySpec
from dealstudy.study.outcomes import USABLE_OUTCOMES

__all__ = ["REACTION_COLUMNS", "catalog_reactions"]

REACTION_COLUMNS: tuple[str, ...] = (
    "event_id",
    "ticker",
    "day0",
    "outcome",
    "reason",
    "served",
    "model_used",
)


def catalog_reactions(catalog_dir: Path, sources: DataSources) -> pd.DataFrame:
    """One row per catalog deal x security: :data:`REACTION_COLUMNS` (``served``: ok or a fallback model).

    Month-precision deals are listed with the outcome ``day_unknown``. A study that cannot run at all
    (no prices for any security) gives every event the outcome ``no_prices`` with the error as reason.
    """
    catalog = load_catalog(catalog_dir)
    events = catalog_events(catalog, sources)
    studied = events[events["studied"]].drop(columns="studied").reset_index(drop=True)
    rows: list[dict[str, object]] = [
        {
            "event_id": r["event_id"],
            "ticker": r["ticker"],
            "day0": pd.NaT,
            "outcome": "day_unknown",
            "reason": r["day0_rule"],
            "served": False,
            "model_used": "",
        }
        for r in events[~events["studied"]].to_dict("records")
    ]
    try:
        primary = run_study(studied, sources, StudySpec())
    except (DataError, SpecificationError) as exc:
        for r in studied.to_dict("records"):
            row = {**dict.fromkeys(REACTION_COLUMNS, ""), "event_id": r["event_id"], "ticker": r["ticker"]}
            row.update(day0=r["day0"], outcome="no_prices", reason=str(exc), served=False)
            rows.append(row)
        return pd.DataFrame(rows, columns=list(REACTION_COLUMNS))
    out = with_fallbacks(primary, studied, sources).outcomes
    for r in out.to_dict("records"):
        rows.append(
            {
                "event_id": r["event_id"],
                "ticker": r["ticker"],
                "day0": r["day0"],
                "outcome": r["outcome"],
                "reason": r["reason"],
                "served": r["outcome"] in USABLE_OUTCOMES,
                "model_used": r.get("model_used", ""),
            }
        )
    return pd.DataFrame(rows, columns=list(REACTION_COLUMNS))
