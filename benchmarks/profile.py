"""Profile one fit + aggregate tests with pyinstrument on the synthetic workload.

Run from the repository root::

    python -m benchmarks.profile --size 100000            # text profile on stdout
    python -m benchmarks.profile --size 10000 --html benchmarks/results/profile.html
    python -m benchmarks.profile --report                 # the report build, figures drawn in-process

pyinstrument is a statistical profiler (``pip install pyinstrument``, in the ``dev`` dependency group).
Data generation is outside the profiled region.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from benchmarks.run import ROOT, _fit, _spec
from benchmarks.synthetic import PanelConfig, make_events, make_panel

if TYPE_CHECKING:
    from pyinstrument import Profiler


def _profile_report(profiler: Profiler) -> bool:
    """Profile ``build_report`` on the shipped catalog and the shared snapshot with one figure worker."""
    import tempfile

    from dealstudy.config import find_shared_dir
    from dealstudy.data import open_sources
    from dealstudy.pipeline.report import build_report

    shared = find_shared_dir(ROOT)
    if shared is None:
        print("no shared snapshot (../shared/data/prices) found", file=sys.stderr)
        return False
    with tempfile.TemporaryDirectory(prefix="dealstudy-profile-report-") as tmp:
        profiler.start()
        summary = build_report(
            ROOT / "events",
            open_sources(prices=shared / "data" / "prices"),
            out_dir=Path(tmp) / "r",
            workers=1,
        )
        profiler.stop()
    stages = ", ".join(f"{k} {v:.2f} s" for k, v in summary.stage_seconds.items())
    print(f"report build (one figure worker, under the profiler): {stages}")
    return True


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.profile``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="number of events")
    parser.add_argument("--seed", type=int, default=7, help="seed of the event draw")
    parser.add_argument("--interval", type=float, default=0.001, help="sampling interval, seconds")
    parser.add_argument("--html", type=Path, help="also write an HTML profile here")
    parser.add_argument("--show-all", action="store_true", help="do not hide library frames")
    parser.add_argument("--report", action="store_true", help="profile the report build instead")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: pip install pyinstrument", file=sys.stderr)
        return 1
    profiler = Profiler(interval=args.interval)
    if args.report:
        if not _profile_report(profiler):
            return 1
    else:
        panel = make_panel(PanelConfig())
        events = make_events(panel, args.size, seed=args.seed)
        spec = _spec()
        profiler.start()
        _, fit_s, agg_s = _fit(spec, events, panel.prices)
        profiler.stop()
        print(f"{args.size:,} events: fit {fit_s:.2f} s + aggregate tests {agg_s:.2f} s (under the profiler)")
    print(profiler.output_text(unicode=False, color=False, show_all=args.show_all))
    if args.html:
        args.html.parent.mkdir(parents=True, exist_ok=True)
        args.html.write_text(profiler.output_html(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
