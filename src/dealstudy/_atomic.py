"""Atomic file writes: write to a temporary file in the same folder, fsync, then rename over the target.

A reader never sees a half-written file, and a crash mid-write leaves the previous file intact.
:class:`AtomicBatch` does the same for a set of files: each is written to its temporary as it comes, and
they are renamed onto their targets together at the end, or all removed on an error. Files get
the permissions an ordinary ``open()`` would give them (0666 less the umask, so 0644 under the usual 022;
a replaced file keeps its own mode), not the 0600 of a temporary file; :func:`make_temp_dir` does the same for
folders (0777 less the umask).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "AtomicBatch",
    "atomic_open",
    "atomic_write_bytes",
    "atomic_write_csv",
    "atomic_write_text",
    "current_umask",
    "make_temp_dir",
]


def current_umask() -> int:
    """The process umask, read without changing it (``/proc/self/status``; elsewhere set and restored)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def make_temp_dir(parent: Path, prefix: str, suffix: str = "") -> Path:
    """A new uniquely named folder in ``parent`` with ordinary permissions (0777 less the umask)."""
    folder = Path(tempfile.mkdtemp(prefix=prefix, suffix=suffix, dir=parent))
    os.chmod(folder, 0o777 & ~current_umask())
    return folder


@contextlib.contextmanager
def _temporary(target: Path, mode: str, encoding: str | None) -> Iterator[tuple[IO[Any], str]]:
    """A temporary sibling of ``target`` (``.NAME.xxxx.tmp``, with the permissions ``target`` has or would
    get) open for writing, and its path; flushed and synced to disk when the block ends, removed when it
    raises."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        perms = target.stat().st_mode & 0o7777
    except OSError:
        perms = 0o666 & ~current_umask()
    os.fchmod(fd, perms)
    kwargs = {} if "b" in mode else {"encoding": encoding, "newline": ""}
    try:
        with os.fdopen(fd, mode, **kwargs) as handle:  # type: ignore[call-overload]
            yield handle, tmp
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        _unlink(tmp)
        raise


def _unlink(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


@contextlib.contextmanager
def atomic_open(path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
    """Open a temporary sibling of ``path`` for writing; rename it onto ``path`` only on success."""
    target = Path(path)
    with _temporary(target, mode, encoding) as (handle, tmp):
        yield handle
    try:
        os.replace(tmp, target)
    except BaseException:
        _unlink(tmp)
        raise


class AtomicBatch:
    """Write several files as one set: :meth:`open` writes each to a temporary sibling (as
    :func:`atomic_open` does) but leaves its target alone; leaving the ``with`` block renames every
    temporary onto its target, one after the other, or, when the block raises (an interrupt included),
    removes them all and changes no target. Files may be opened from several threads."""

    def __init__(self) -> None:
        self._staged: list[tuple[str, Path]] = []
        self._lock = threading.Lock()

    def __enter__(self) -> AtomicBatch:
        return self

    @contextlib.contextmanager
    def open(self, path: Path | str, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[IO[Any]]:
        """A temporary sibling of ``path`` open for writing, renamed onto ``path`` when the batch ends."""
        target = Path(path)
        with _temporary(target, mode, encoding) as (handle, tmp):
            yield handle
        with self._lock:
            self._staged.append((tmp, target))

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, trace: TracebackType | None
    ) -> None:
        with self._lock:
            staged, self._staged = self._staged, []
        if kind is not None:
            for tmp, _ in staged:
                _unlink(tmp)
            return
        for done, (tmp, target) in enumerate(staged):
            try:
                os.replace(tmp, target)
            except BaseException:
                for later, _ in staged[done:]:
                    _unlink(later)
                raise


def atomic_write_text(path: Path | str, text: str) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8)."""
    with atomic_open(path, "w") as handle:
        handle.write(text)


def atomic_write_bytes(path: Path | str, data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb", encoding=None) as handle:
        handle.write(data)


def atomic_write_csv(
    path: Path | str, frame: pd.DataFrame, *, index: bool = False, batch: AtomicBatch | None = None
) -> None:
    """Write a frame as CSV atomically (as part of ``batch`` when given), with ISO dates and full float
    precision (pandas repr)."""
    with (batch.open if batch is not None else atomic_open)(path, "w") as handle:
        frame.to_csv(handle, index=index, date_format="%Y-%m-%d", lineterminator="\n")
