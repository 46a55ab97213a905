"""Run independent blocks of array work on a few threads.

NumPy releases the GIL inside its loops (ufuncs, sorts, reductions, fancy indexing), so blocks of rows
processed on two threads use two cores without copying data between processes. Each block writes to its
own rows or returns its own partial result; callers combine partial results in block order, so the
result does not depend on the number of threads or on which thread ran first.

The number of threads is the number of CPUs this process may use (at most :data:`MAX_THREADS`), or
``$DEALSTUDY_THREADS`` when set (``1`` turns threading off). The worker threads are started once per
process and reused (starting a pool costs about 0.3 ms, more than many blocks take); a forked child
starts its own when it first needs them.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

__all__ = ["MAX_THREADS", "THREADS_ENV", "WORKER_NAME", "map_blocks", "thread_count"]

T = TypeVar("T")
R = TypeVar("R")

#: Upper bound on the default number of threads (beyond it the blocks are memory-bound).
MAX_THREADS = 8
#: Environment variable that sets the number of threads (a positive integer).
THREADS_ENV = "DEALSTUDY_THREADS"
#: The names of the worker threads start with this (each :func:`map_blocks` call waits for its blocks, so
#: between calls the workers are idle).
WORKER_NAME = "dealstudy-worker"


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


_pools: dict[int, ThreadPoolExecutor] = {}
_pools_lock = threading.Lock()
_local = threading.local()


def _forget_pools() -> None:
    """In a forked child: the parent's worker threads do not exist there, so start afresh."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def _pool(n_threads: int) -> ThreadPoolExecutor:
    with _pools_lock:
        pool = _pools.get(n_threads)
        if pool is None:
            pool = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix=WORKER_NAME)
            _pools[n_threads] = pool
        return pool


def _run_marked(func: Callable[[T], R], item: T) -> R:
    """``func(item)`` in a worker, marked as such (so nested :func:`map_blocks` calls run serially)."""
    _local.worker = True
    try:
        return func(item)
    finally:
        _local.worker = False


def map_blocks(func: Callable[[T], R], items: Sequence[T], threads: int | None = None) -> list[R]:
    """``[func(item) for item in items]``, the calls spread over up to ``threads`` threads.

    Results come back in the order of ``items``. With one thread, fewer than two items, or when called
    from inside another :func:`map_blocks` call's worker (no nested pools, no deadlock), the calls run in
    the calling thread. An exception raised by ``func`` is raised here (the first in item order).
    """
    n_threads = thread_count() if threads is None else max(1, int(threads))
    if n_threads == 1 or len(items) < 2 or getattr(_local, "worker", False):
        return [func(item) for item in items]
    pool = _pool(min(n_threads, MAX_THREADS))
    return list(pool.map(_run_marked, [func] * len(items), items))
