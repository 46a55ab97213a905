"""The files of ``dealstudy analyze --out``: the study's four files (as ``dealstudy study`` writes them),
then the economy's tables and the headline text (:data:`ANALYSIS_FILES`)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from dealstudy._atomic import atomic_write_csv, atomic_write_text
from dealstudy._outdir import check_out
from dealstudy._tables import TableFormat, write_table
from dealstudy.pipeline.analyze import AnalysisResults
from dealstudy.pipeline.study import STUDY_FILES, write_study

__all__ = ["ANALYSIS_FILES", "write_analysis"]

#: Files written by :func:`write_analysis` besides the study's four.
ANALYSIS_FILES: tuple[str, ...] = (
    "events.csv",
    "deal_values.csv",
    "deal_values_detail.csv",
    "regressions.csv",
    "regression_summaries.txt",
    "bootstrap.csv",
    "influence.csv",
    "robustness.csv",
    "ledger.csv",
    "ledger_totals.csv",
    "ledger_stated.csv",
    "revisions.csv",
    "sensitivity.csv",
    "press_reconciliation.csv",
    "headline_totals.csv",
    "inference.csv",
    "influence_deals.csv",
    "aggregates.csv",
    "cumulative.csv",
    "exclusions.csv",
    "raw_moves.csv",
    "summary.txt",
)


def _text_dates(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its dates (datetime columns and date objects) written as ``YYYY-MM-DD`` text."""
    out = frame.copy()
    for column in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].dt.strftime("%Y-%m-%d")
        elif out[column].dtype == object:
            out[column] = [
                v.strftime("%Y-%m-%d") if isinstance(v, pd.Timestamp | dt.date) and not pd.isna(v) else v
                for v in out[column]
            ]
    return out


def write_analysis(results: AnalysisResults, out_dir: Path | str, fmt: TableFormat = "csv") -> list[Path]:
    """Write the study's four files (as ``dealstudy study`` does) and the economy's tables; returns paths.

    ``fmt="parquet"`` writes every table as ``.parquet`` with the same columns (the text files stay text).

    Files: ``outcomes.csv``, ``abnormal_returns.csv``, ``cars.csv``, ``aggregate.csv`` (the study), then
    :data:`ANALYSIS_FILES`. ``deal_values.csv`` has exactly the columns
    :data:`dealstudy.economy.DEAL_VALUE_COLUMNS`; every write is atomic.
    """
    folder = check_out(out_dir, "analyze", STUDY_FILES + ANALYSIS_FILES)
    paths = write_study(results.study, folder, fmt)
    economy = results.economy
    tables: dict[str, pd.DataFrame] = {
        "events.csv": results.events,
        "deal_values.csv": economy.deal_values(),
        "deal_values_detail.csv": economy.to_frame(),
        "regressions.csv": economy.regressions_frame(),
        "bootstrap.csv": economy.bootstrap,
        "influence.csv": economy.influence,
        "robustness.csv": economy.robustness,
        "ledger.csv": economy.ledger,
        "ledger_totals.csv": economy.ledger_totals,
        "ledger_stated.csv": economy.stated,
        "revisions.csv": economy.revisions,
        "sensitivity.csv": economy.sensitivity,
        "press_reconciliation.csv": results.press,
        "headline_totals.csv": economy.headline_totals,
        "inference.csv": economy.inference.table if economy.inference else pd.DataFrame(),
        "influence_deals.csv": economy.inference.loo if economy.inference else pd.DataFrame(),
        "aggregates.csv": economy.aggregates,
        "cumulative.csv": economy.cumulative,
        "exclusions.csv": economy.exclusions,
        "raw_moves.csv": results.raw_moves,
    }
    for name, table in tables.items():
        if fmt == "parquet":
            paths.append(write_table(folder, name.removesuffix(".csv"), _text_dates(table), fmt))
            continue
        path = folder / name
        atomic_write_csv(path, _text_dates(table))
        paths.append(path)
    for name, text in (
        ("regression_summaries.txt", economy.summary_text()),
        ("summary.txt", results.summary()),
    ):
        path = folder / name
        atomic_write_text(path, text)
        paths.append(path)
    return [Path(out_dir) / p.relative_to(folder) for p in paths]
