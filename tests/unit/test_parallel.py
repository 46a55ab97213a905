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
