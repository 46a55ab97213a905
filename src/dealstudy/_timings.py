"""Wall time per stage of a command (``--timings``): a recorder the pipeline's stages report to.

Stages are recorded only while :func:`recording` is active (the CLI turns it on for ``--timings`` and the
benchmarks); otherwise :func:`stage` costs one clock read. No I/O here: the CLI prints the table.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["format_timings", "recording", "stage", "startup_seconds"]

_active: dict[str, float] | None = None


@contextmanager
def recording() -> Iterator[dict[str, float]]:
    """Collect ``stage name -> seconds`` (summed over repeats) for the duration of the block."""
    global _active
    previous, _active = _active, {}
    try:
        yield _active
    finally:
        _active = previous


@contextmanager
def stage(name: str) -> Iterator[None]:
    """Time the block as stage ``name`` when a :func:`recording` is active."""
    start = time.perf_counter()
    try:
        yield
    finally:
        if _active is not None:
            _active[name] = _active.get(name, 0.0) + time.perf_counter() - start


def startup_seconds() -> float | None:
    """Seconds from this process's start to now (Linux ``/proc``; ``None`` elsewhere), 10 ms resolution."""
    try:
        fields = Path("/proc/self/stat").read_text(encoding="ascii").rsplit(")", 1)[1].split()
        start_ticks = int(fields[19])  # field 22 of stat(5), counted after the ")" of the command name
        uptime = float(Path("/proc/uptime").read_text(encoding="ascii").split()[0])
    except (OSError, ValueError, IndexError):
        return None
    return max(0.0, uptime - start_ticks / os.sysconf("SC_CLK_TCK"))


def format_timings(stages: dict[str, float], total: float | None = None) -> str:
    """The stage table: ``timings:`` then one ``  stage  seconds s`` line per stage (and the total)."""
    width = max([len(k) for k in stages] + [5])
    lines = ["timings:"]
    lines += [f"  {name:<{width}}  {seconds:.3f} s" for name, seconds in stages.items()]
    if total is not None:
        lines.append(f"  {'total':<{width}}  {total:.3f} s")
    return "\n".join(lines)
