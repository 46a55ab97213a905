"""Regression guard for refactorings: write the outputs of ``analyze`` and of a seeded study, then compare.

A refactoring that should change no number is checked by running ``snapshot`` before and after it and
``compare`` on the two folders: every CSV must have the same header and the same cells (numbers equal to
``--rtol``, default 1e-12 relative, text exactly). This guards against regressions only; it says nothing
about whether the numbers are right (the reference tests do that).

    python -m benchmarks.golden snapshot /tmp/before        # on the old code
    python -m benchmarks.golden snapshot /tmp/after         # on the new code
    python -m benchmarks.golden compare /tmp/before /tmp/after
    python -m benchmarks.golden compare /tmp/before /tmp/after --changed brown_warner_1980,corrado_rank

``--changed`` names aggregate tests whose numbers are meant to change: their rows of ``aggregate.csv`` are
left out of the comparison (and must exist on both sides); everything else must still be identical.

Inputs: the shipped catalog ``events/`` with the shared price snapshot (``$DEALSTUDY_SHARED_DIR/data/prices``,
window -1:1, 99 bootstrap resamples) in ``catalog/``, and a seeded synthetic panel (300 tickers, 600 events,
three groups, market model) in ``panel/``. With a ``--window`` other than -1:1 the catalog run uses it.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd


def snapshot(out: Path, window: str = "-1:1") -> None:
    """Write ``out/catalog`` (``write_analysis`` of the shipped catalog), ``out/panel`` (a seeded study)."""
    from benchmarks.synthetic import PanelConfig, make_events, make_panel
    from dealstudy import api

    shared = Path(os.environ.get("DEALSTUDY_SHARED_DIR", "../shared"))
    sources = api.open_sources(prices=str(shared / "data" / "prices"))
    results = api.analyze("events", sources, window=window, bootstrap_reps=99)
    api.write_analysis(results, out / "catalog")
    panel = make_panel(PanelConfig(n_tickers=300, n_days=900, seed=11))
    events = make_events(panel, 600, seed=5)
    study = api.EventStudy(api.StudySpec(market=panel.config.market)).fit(events, panel.prices)
    api.write_study(study, out / "panel")


def _same_column(a: pd.Series, b: pd.Series, rtol: float) -> bool:
    na = pd.to_numeric(a, errors="coerce")
    nb = pd.to_numeric(b, errors="coerce")
    numeric = na.notna() | a.isna()
    if bool(numeric.all()) and bool((nb.notna() | b.isna()).all()):
        x, y = na.to_numpy(float), nb.to_numpy(float)
        return bool(np.allclose(x, y, rtol=rtol, atol=1e-15, equal_nan=True))
    return bool((a.fillna("<NA>").astype(str) == b.fillna("<NA>").astype(str)).all())


def compare(
    before: Path, after: Path, rtol: float = 1e-12, changed: frozenset[str] = frozenset()
) -> list[str]:
    """Every difference between two snapshot folders, as lines (empty: identical); rows of ``aggregate.csv``
    whose test is in ``changed`` are not compared."""
    problems: list[str] = []
    names_a = {p.relative_to(before) for p in before.rglob("*") if p.is_file()}
    names_b = {p.relative_to(after) for p in after.rglob("*") if p.is_file()}
    problems += [f"only before: {n}" for n in sorted(names_a - names_b)]
    problems += [f"only after: {n}" for n in sorted(names_b - names_a)]
    for name in sorted(names_a & names_b):
        pa, pb = before / name, after / name
        if name.suffix != ".csv":
            if pa.read_bytes() != pb.read_bytes():
                problems.append(f"{name}: text differs")
            continue
        a = pd.read_csv(pa, dtype=str, keep_default_na=False, na_values=[""])
        b = pd.read_csv(pb, dtype=str, keep_default_na=False, na_values=[""])
        if name.name == "aggregate.csv" and changed:
            a, b = a[~a["test"].isin(changed)], b[~b["test"].isin(changed)]
            a, b = a.reset_index(drop=True), b.reset_index(drop=True)
        if list(a.columns) != list(b.columns):
            problems.append(f"{name}: columns {list(a.columns)} != {list(b.columns)}")
            continue
        if len(a) != len(b):
            problems.append(f"{name}: {len(a)} rows != {len(b)} rows")
            continue
        bad = [c for c in a.columns if not _same_column(a[c], b[c], rtol)]
        if bad:
            problems.append(f"{name}: columns differ: {', '.join(bad)}")
    return problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.golden", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    snap = sub.add_parser("snapshot")
    snap.add_argument("out", type=Path)
    snap.add_argument("--window", default="-1:1")
    comp = sub.add_parser("compare")
    comp.add_argument("before", type=Path)
    comp.add_argument("after", type=Path)
    comp.add_argument("--rtol", type=float, default=1e-12)
    comp.add_argument("--changed", default="", help="comma-separated aggregate tests meant to change")
    args = parser.parse_args(argv)
    if args.command == "snapshot":
        snapshot(args.out, args.window)
        print(f"snapshot written to {args.out}")
        return 0
    changed = frozenset(t for t in args.changed.split(",") if t)
    problems = compare(args.before, args.after, args.rtol, changed)
    for line in problems:
        print(line)
    print("identical" if not problems else f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
