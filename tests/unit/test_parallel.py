"""The thread helper: results in item order, independent of the thread count, errors propagated."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from dealstudy._parallel import MAX_THREADS, THREADS_ENV, map_blocks, thread_count


def _row_sums(x: np.ndarray, blocks: list[slice], threads: int) -> np.ndarray:
    out = np.empty(x.shape[0])

    def work(rows: slice) -> float:
        out[rows] = x[rows].sum(axis=1)
        return float(x[rows].sum())

    parts = map_blocks(work, blocks, threads=threads)
    assert len(parts) == len(blocks)
    return np.append(out, sum(parts))


def test_results_do_not_depend_on_thread_count() -> None:
    x = np.random.default_rng(3).standard_normal((5000, 37))
    blocks = [slice(lo, min(lo + 333, 5000)) for lo in range(0, 5000, 333)]
    one = _row_sums(x, blocks, threads=1)
    for threads in (2, 3, 8):
        np.testing.assert_array_equal(_row_sums(x, blocks, threads=threads), one)
    np.testing.assert_allclose(one[:-1], x.sum(axis=1), rtol=1e-15)


def test_order_is_item_order_and_threads_are_used() -> None:
    seen: set[str] = set()
    lock = threading.Lock()
    barrier = threading.Barrier(2, timeout=10)

    def work(i: int) -> int:
        with lock:
            seen.add(threading.current_thread().name)
        if i < 2:
            barrier.wait()  # the first two items must run at the same time
        return i * i

    assert map_blocks(work, list(range(10)), threads=2) == [i * i for i in range(10)]
    assert len(seen) == 2


def test_single_thread_runs_in_the_caller() -> None:
    names = map_blocks(lambda _: threading.current_thread().name, [0, 1, 2], threads=1)
    assert names == [threading.current_thread().name] * 3
    assert map_blocks(lambda v: v + 1, [], threads=4) == []


def test_first_error_in_item_order_is_raised() -> None:
    def work(i: int) -> int:
        if i in (3, 7):
            raise ValueError(f"bad block {i}")
        return i

    with pytest.raises(ValueError, match="bad block 3"):
        map_blocks(work, list(range(10)), threads=2)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", 1), ("3", 3), (" 2 ", 2), ("0", None), ("-2", None), ("two", None), ("", None)],
)
def test_thread_count_from_environment(
    monkeypatch: pytest.MonkeyPatch, value: str, expected: int | None
) -> None:
    monkeypatch.setenv(THREADS_ENV, value)
    n = thread_count()
    if expected is not None:
        assert n == expected
    else:
        assert 1 <= n <= MAX_THREADS


def test_thread_count_default_is_usable_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    monkeypatch.delenv(THREADS_ENV, raising=False)
    assert thread_count() == max(1, min(len(os.sched_getaffinity(0)), MAX_THREADS))


def test_nested_calls_run_in_the_worker_without_deadlock() -> None:
    def inner(i: int) -> str:
        return threading.current_thread().name

    def outer(i: int) -> list[str]:
        return map_blocks(inner, [i, i + 1, i + 2], threads=2)

    done: list[list[list[str]]] = []
    runner = threading.Thread(target=lambda: done.append(map_blocks(outer, [0, 10, 20, 30], threads=2)))
    runner.start()
    runner.join(timeout=20)
    assert not runner.is_alive(), "nested map_blocks deadlocked"
    for names in done[0]:
        assert len(set(names)) == 1  # each inner call ran in its outer worker's thread


def test_pool_is_reused_and_works_in_a_forked_child() -> None:
    import os

    first = map_blocks(lambda _: threading.current_thread().name, list(range(8)), threads=2)
    second = map_blocks(lambda _: threading.current_thread().name, list(range(8)), threads=2)
    assert set(first) | set(second) <= {n for n in first + second if n.startswith("dealstudy")}
    assert len(set(first) | set(second)) <= 2  # the same two workers both times
    if not hasattr(os, "fork"):
        pytest.skip("no fork on this platform")
    import signal
    import time
    import warnings

    read, write = os.pipe()
    with warnings.catch_warnings():  # Python >= 3.12 warns about forking a process with threads
        warnings.simplefilter("ignore", DeprecationWarning)
        pid = os.fork()
    if pid == 0:  # child: the parent's workers do not exist here; map_blocks must still finish
        try:
            out = map_blocks(lambda v: v * 2, list(range(6)), threads=2)
            os.write(write, repr(out).encode())
        finally:
            os._exit(0)
    os.close(write)
    deadline = time.monotonic() + 20
    while (waited := os.waitpid(pid, os.WNOHANG)) == (0, 0) and time.monotonic() < deadline:
        time.sleep(0.05)
    if waited == (0, 0):
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
        os.close(read)
        pytest.fail("map_blocks hung in a forked child")
    with os.fdopen(read) as pipe:
        assert pipe.read() == repr([0, 2, 4, 6, 8, 10])
    assert waited[1] == 0
