"""The reactions part of ``dealstudy prices status``: per catalog security, what it cannot serve and why."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.console import Console

from dealstudy.errors import DealstudyError

if TYPE_CHECKING:
    from dealstudy.data import DataSources

__all__ = ["print_cannot_serve", "reactions_by_ticker", "reactions_cell"]


def reactions_by_ticker(catalog: Path, sources: DataSources) -> tuple[dict[str, dict[str, Any]], str]:
    """Per catalog ticker: ``reactions``, ``served``, ``fallback`` counts and ``cannot_serve`` (event id,
    day 0, outcome, reason); and a note (empty, or why the reactions could not be assessed)."""
    import pandas as pd

    from dealstudy.pipeline.coverage import catalog_reactions

    try:
        table = catalog_reactions(catalog, sources)
    except DealstudyError as exc:
        return {}, f"reactions not assessed: {' '.join(str(exc).split())[:300]}"
    out: dict[str, dict[str, Any]] = {}
    for ticker, rows in table.groupby("ticker", sort=True):
        blocked = rows[~rows["served"].astype(bool)]
        out[str(ticker)] = {
            "reactions": len(rows),
            "served": int(rows["served"].astype(bool).sum()),
            "fallback": int((rows["outcome"] == "fallback_model").sum()),
            "cannot_serve": [
                {
                    "event_id": str(r["event_id"]),
                    "day0": None if pd.isna(r["day0"]) else str(pd.Timestamp(r["day0"]).date()),
                    "outcome": str(r["outcome"]),
                    "reason": str(r["reason"]),
                }
                for r in blocked.to_dict("records")
            ],
        }
    return out, ""


def reactions_cell(info: dict[str, Any] | None) -> str:
    """``served/total`` with the number by a fallback model, for the status table."""
    if not info:
        return ""
    text = f"{info['served']}/{info['reactions']}"
    return text + (f" ({info['fallback']} fallback)" if info["fallback"] else "")


def print_cannot_serve(console: Console, reactions: dict[str, dict[str, Any]], note: str) -> None:
    """One line per catalog reaction the data cannot serve, with the study's reason."""
    if note:
        console.print(note, markup=False)
        return
    lines = [
        f"  {ticker} {item['event_id']} (day 0 {item['day0'] or 'unknown'}): "
        f"{item['outcome']}: {item['reason']}"
        for ticker, info in reactions.items()
        for item in info["cannot_serve"]
    ]
    total = sum(info["reactions"] for info in reactions.values())
    console.print(f"catalog reactions served: {total - len(lines)} of {total}", markup=False)
    if lines:
        console.print("cannot serve:\n" + "\n".join(lines), markup=False)
