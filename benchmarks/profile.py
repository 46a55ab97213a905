"""Profile one fit + aggregate tests with pyinstrument on the synthetic workload.

Run from the repository root::

    python -m benchmarks.profile --size 100000            # text profile on stdout
    python -m benchmarks.profile --size 10000 --html benchmarks/results/profile.html

pyinstrument is a statistical profiler (``pip install pyinstrument``, in the ``dev`` dependency group).
Data generation is outside the profiled region.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from benchmarks.run import _fit, _spec
from benchmarks.synthetic import PanelConfig, make_events, make_panel


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.profile``."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile", description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=100_000, help="number of events")
    parser.add_argument("--seed", type=int, default=7, help="seed of the event draw")
    parser.add_argument("--interval", type=float, default=0.001, help="sampling interval, seconds")
    parser.add_argument("--html", type=Path, help="also write an HTML profile here")
    parser.add_argument("--show-all", action="store_true", help="do not hide library frames")
    args = parser.parse_args(argv)
    try:
        from pyinstrument import Profiler
    except ImportError:
        print("pyinstrument is not installed: pip install pyinstrument", file=sys.stderr)
        return 1
    panel = make_panel(PanelConfig())
    events = make_events(panel, args.size, seed=args.seed)
    spec = _spec()
    profiler = Profiler(interval=args.interval)
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
