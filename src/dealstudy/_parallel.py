"""Run independent blocks of array work on a few threads.

NumPy releases the GIL inside its loops (ufuncs, sorts, reductions, fancy indexing), so blocks of rows
processed on two threads use two cores without copying data between processes. Each block writes to its
own rows or returns its own partial result; callers combine partial results in block order, so the
result does not depend on the number of threads or on which thread ran first.

The number of threads is the number of CPUs this process may use (at most :data:`MAX_THREADS`), or
``$DEALSTUDY_THREADS`` when set (``1`` turns threading off).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["MAX_THREADS", "THREADS_ENV", "map_blocks", "thread_count"]

T = TypeVar("T")
R = TypeVar("R")

#: Upper bound on the default number of threads (beyond it the blocks are memory-bound).
MAX_THREADS = 8
#: Environment variable that sets the number of threads (a positive integer).
THREADS_ENV = "DEALSTUDY_THREADS"


def thread_count() -> int:
    """Threads the array work may use: ``$DEALSTUDY_THREADS`` or the usable CPUs (at most 8).

    An unset, empty, non-integer or non-positive ``$DEALSTUDY_THREADS`` is ignored.
    """
    raw = os.environ.get(THREADS_ENV, "").strip()
    if raw.isdigit() and int(raw) > 0:
        return int(raw)
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # not on Linux
        cpus = os.cpu_count() or 1
    return max(1, min(cpus, MAX_THREADS))


def map_blocks(func: Callable[[T], R], items: Sequence[T], threads: int | None = None) -> list[R]:
    """``[func(item) for item in items]``, the calls spread over up to ``threads`` threads.

    Results come back in the order of ``items``. With one thread, or fewer than two items, the calls run
    in the calling thread. An exception raised by ``func`` is raised here (the first in item order).
    """
    n_threads = thread_count() if threads is None else max(1, int(threads))
    if n_threads == 1 or len(items) < 2:
        return [func(item) for item in items]
    with ThreadPoolExecutor(max_workers=min(n_threads, len(items)), thread_name_prefix="dealstudy") as pool:
        return list(pool.map(func, items))
