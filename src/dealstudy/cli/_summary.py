"""What the terminal shows after a study: a summary, not a dump.

Outcome counts by code, the aggregate tests of the headline (first) window, and the ``N`` events with the
largest |t| in that window (``--show N``; ``--show all`` lists every ok event). Exclusions are summarised by
outcome code with their counts and one example reason; the full list is in ``outcomes.csv``.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from dealstudy._timings import format_timings, recording, startup_seconds
from dealstudy.errors import SpecificationError

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from dealstudy.study import StudyResults, StudySpec

__all__ = [
    "DEFAULT_SHOW",
    "command_timings",
    "parse_show",
    "print_exclusions",
    "print_study_summary",
    "tests_table",
    "top_events",
]

#: Events listed by default (``--show``).
DEFAULT_SHOW = "20"


def parse_show(text: str) -> int | None:
    """``--show`` value: a count >= 0, or ``all`` (``None``: every ok event)."""
    value = text.strip().lower()
    if value == "all":
        return None
    try:
        n = int(value)
    except ValueError:
        raise SpecificationError(f"--show {text!r}: give a number of events or 'all'") from None
    if n < 0:
        raise SpecificationError(f"--show {text!r}: give a number of events >= 0 or 'all'")
    return n


def _number(value: Any, digits: int = 4) -> str:
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    return "" if not math.isfinite(x) else f"{x:.{digits}f}"


def top_events(results: StudyResults, n: int | None) -> pd.DataFrame:
    """The ok events ordered by |t| of the headline window (largest first; all of them when ``n`` is None).

    Returns one row per event: ``event_id, ticker, day0`` and ``car <window>``/``t <window>`` for every
    window, in ``spec.windows`` order. Events whose headline t is not finite come last, in input order.
    """
    import numpy as np

    names = [str(w) for w in results.spec.windows]
    cars = results.cars
    ok = results.outcomes.loc[results.outcomes["outcome"] == "ok", ["event_id", "ticker", "day0"]]
    ok = ok.assign(event_id=ok["event_id"].astype(str)).reset_index(drop=True)
    wide = ok
    for name in names:
        sel = cars.loc[cars["window"].astype(str) == name, ["event_id", "car", "t_stat"]]
        sel = sel.assign(event_id=sel["event_id"].astype(str)).drop_duplicates("event_id")
        sel = sel.rename(columns={"car": f"car {name}", "t_stat": f"t {name}"})
        wide = wide.merge(sel, on="event_id", how="left")
    key = np.abs(wide[f"t {results.spec.main}"].to_numpy(dtype=float))
    key = np.where(np.isfinite(key), key, -1.0)
    order = np.argsort(-key, kind="stable")
    if n is not None:
        order = order[:n]
    return wide.iloc[order].reset_index(drop=True)


def tests_table(agg: pd.DataFrame, spec: StudySpec) -> Any:
    """The aggregate tests of the main window (``spec.main``), all events, as a rich table."""
    from rich.table import Table

    main = str(spec.main)
    sel = agg[(agg["group"] == "all") & (agg["window"].astype(str) == main)]
    tests = Table(title=f"Aggregate tests, window {main}, all events (two-sided p-values)")
    for col, just in (("test", "left"), ("n", "right"), ("mean", "right"), ("stat", "right"), ("p", "right")):
        tests.add_column(col, justify=just)  # type: ignore[arg-type]
    tests.add_column("note")
    for r in sel.itertuples(index=False):
        tests.add_row(
            str(r.test), str(r.n), _number(r.mean), _number(r.stat, 3), _number(r.p_value, 4), str(r.reason)
        )
    return tests


def print_study_summary(results: StudyResults, console: Console, show: int | None) -> None:
    """Outcome counts, the headline window's aggregate tests and the top ``show`` events by |t|."""
    import pandas as pd
    from rich.table import Table

    spec = results.spec
    counts = results.outcomes["outcome"].value_counts()
    outcome_table = Table(title=f"Outcomes ({len(results.outcomes)} events)")
    outcome_table.add_column("outcome")
    outcome_table.add_column("events", justify="right")
    for code, count in counts.items():
        outcome_table.add_row(str(code), str(int(count)))
    console.print(outcome_table)
    if not results.n_ok:
        return
    console.print(tests_table(results.aggregate, spec))
    if show == 0:
        return
    main = str(spec.main)
    top = top_events(results, show)
    listed = "all ok events" if show is None else f"{len(top)} of {results.n_ok} ok events"
    console.print(f"CARs ({spec.model} model, {spec.returns} returns): {listed}, by |t| of window {main}")
    table = Table(show_lines=False)
    for col in ("event", "ticker", "day 0"):
        table.add_column(col)
    names = [str(w) for w in spec.windows]
    for name in names:
        table.add_column(f"CAR {name}", justify="right")
        table.add_column("t", justify="right")
    day0 = pd.to_datetime(top["day0"]).dt.strftime("%Y-%m-%d").fillna("")
    columns = [top[c].to_numpy() for name in names for c in (f"car {name}", f"t {name}")]
    for i, (eid, ticker, d0) in enumerate(zip(top["event_id"], top["ticker"], day0, strict=True)):
        cells = [str(eid), str(ticker), str(d0)]
        cells += [_number(col[i], 4 if k % 2 == 0 else 2) for k, col in enumerate(columns)]
        table.add_row(*cells)
    console.print(table)
    if show is not None and results.n_ok > len(top):
        console.print(f"({results.n_ok - len(top)} more in cars.csv; --show all lists them)", markup=False)


def print_exclusions(outcomes: pd.DataFrame, console: Console) -> None:
    """``events: N ok: K excluded: M`` and one line per exclusion code: count and an example reason."""
    ok = int((outcomes["outcome"] == "ok").sum())
    console.print(f"events: {len(outcomes)}   ok: {ok}   excluded: {len(outcomes) - ok}", markup=False)
    excluded = outcomes[outcomes["outcome"] != "ok"]
    if not len(excluded):
        return
    groups = sorted(excluded.groupby("outcome", sort=False), key=lambda kv: -len(kv[1]))
    for code, grp in groups:
        first = grp.iloc[0]
        console.print(
            f"  {code}: {len(grp)} (e.g. {first['event_id']} ({first['ticker']}): {first['reason']})",
            markup=False,
        )
    console.print("  every exclusion with its reason: outcomes.csv (--out)", markup=False)


@contextmanager
def command_timings(enabled: bool) -> Iterator[None]:
    """Record the stages of the command run in the block; with ``enabled``, print their table on stderr.

    The first row is ``startup``: from the process start to the command (interpreter, imports, options).
    """
    with recording() as stages:
        started, startup = time.perf_counter(), startup_seconds()
        yield
    if enabled:
        table = ({"startup": startup} if startup is not None else {}) | stages
        total = (startup or 0.0) + time.perf_counter() - started
        print(format_timings(table, total), file=sys.stderr)
