"""Safety of ``--out`` folders: dealstudy writes only where it cannot destroy the user's files.

Every report folder carries a marker file, :data:`MARKER`, that lists the files dealstudy wrote there
(``analyze --out`` and ``study --out`` write a fixed set of file names, which mark their folders).
:func:`check_out` runs before any work and refuses (:class:`~dealstudy.errors.OutputError`, exit 2):

* a path that exists and is not a folder, or lies below a file (a file is never hidden or replaced);
* a non-empty folder that is not dealstudy's: for a report, without the marker; for ``study``/``analyze``,
  holding any name they do not write (the user's own folder, ``--out .`` included);
* for a report, which replaces the whole folder: files in it that the marker does not list (added by the
  user since), and the current folder or one that contains it;
* a place that cannot be written (probed by creating and removing a folder there).

A report is built in ``.NAME.building-*`` beside the target; the marker written into it at once records the
process, so a later run removes such folders (and ``.NAME.old-*`` folders of a swap that was killed) when
they are dealstudy's and their process is gone (:func:`remove_stale`).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Literal

from dealstudy import __version__
from dealstudy._atomic import atomic_write_text
from dealstudy.errors import OutputError

__all__ = ["MARKER", "Kind", "check_out", "mark_building", "mark_output", "read_marker", "remove_stale"]

#: Name of the marker file in every folder dealstudy writes.
MARKER = ".dealstudy-output.json"
Kind = Literal["report", "analyze", "study"]
_SHOWN = 5
#: An ``.old-*`` folder younger than this may belong to a swap under way in another process.
_OLD_GRACE_SECONDS = 60.0


def read_marker(folder: Path) -> dict[str, Any] | None:
    """The marker of ``folder`` when it is dealstudy's (a JSON object naming dealstudy), else ``None``."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("written_by") != "dealstudy":
        return None
    return data


def _relative_files(folder: Path) -> set[str]:
    out: set[str] = set()
    for root, dirs, files in os.walk(folder):
        dirs.sort()
        for name in files:
            out.add((Path(root) / name).relative_to(folder).as_posix())
    out.discard(MARKER)
    return out


def _listed(names: Iterable[str]) -> str:
    items = sorted(names)
    more = f" and {len(items) - _SHOWN} more" if len(items) > _SHOWN else ""
    return ", ".join(items[:_SHOWN]) + more


def _stem(name: str) -> str:
    """The table a file of a study/analyze folder holds: ``cars`` for ``cars.csv``, ``cars.parquet``, a
    partitioned ``cars/`` folder and their temporaries (``.cars.csv.x1y2.tmp``, ``.cars.x1y2.old``)."""
    if name.startswith(".") and name.endswith((".tmp", ".old")) and name.count(".") >= 3:
        name = name[1:].rsplit(".", 2)[0]
    for suffix in (".csv", ".parquet"):
        name = name.removesuffix(suffix)
    return name


def _existing_ancestor(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path(path.anchor)


def _probe_writable(folder: Path, out: Path) -> None:
    try:
        probe = folder / f".dealstudy-probe-{os.getpid()}-{time.monotonic_ns()}"
        probe.mkdir()
        probe.rmdir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise OutputError(
            f"--out {out}: cannot write in {folder} ({reason}); choose a folder you can write to"
        ) from None


def _refuse_foreign(given: Path, target: Path, kind: Kind, own: Iterable[str]) -> None:
    entries = {p.name for p in target.iterdir()}
    if not entries:
        return
    if kind != "report":  # study/analyze write only their own file names: a folder of those is theirs
        tables = {_stem(name) for name in own}
        foreign = {e for e in entries if _stem(e) not in tables}
        if foreign:
            raise OutputError(
                f"--out {given}: the folder is not empty ({_listed(foreign)}) and dealstudy {kind} does not "
                "write those; dealstudy never writes among other files: choose a new or empty folder"
            )
        return
    marker = read_marker(target)
    if marker is None:
        raise OutputError(
            f"--out {given}: the folder is not empty ({_listed(entries)}) and is not a report dealstudy "
            f"wrote (no {MARKER}); a report replaces its whole folder, so dealstudy never writes into a "
            "folder of other files: choose a new or empty folder"
        )
    cwd = Path.cwd().resolve()
    if target.resolve() == cwd or target.resolve() in cwd.parents:
        raise OutputError(
            f"--out {given}: a report replaces its whole folder, and this one holds the current folder; "
            "choose another --out"
        )
    foreign = _relative_files(target) - {str(f) for f in marker.get("files", [])}
    if foreign:
        raise OutputError(
            f"--out {given}: the folder holds files the earlier report did not write ({_listed(foreign)}); "
            "the report replaces the whole folder, so move them out or choose another --out"
        )


def check_out(out: Path | str, kind: Kind, own: Iterable[str] = ()) -> Path:
    """Refuse, before any work, an ``--out`` that dealstudy could not write or must not touch.

    ``own`` names the files a ``study``/``analyze`` run writes: a folder holding only those is an earlier
    run's. Returns the absolute target. Raises :class:`~dealstudy.errors.OutputError` (exit 2) saying what
    to do.
    """
    given = Path(out).expanduser()
    target = Path(os.path.abspath(given))
    ancestor = _existing_ancestor(target)
    if not ancestor.is_dir():
        raise OutputError(
            f"--out {given}: {ancestor} is a file, not a folder; dealstudy writes a folder there and never "
            "replaces a file: choose another --out or move the file"
        )
    if ancestor == target:
        _refuse_foreign(given, target, kind, own)
    writable_in = target.parent if kind == "report" and ancestor == target else ancestor
    _probe_writable(writable_in, given)
    return target


def _marker_text(kind: Kind, **fields: object) -> str:
    data = {"written_by": "dealstudy", "version": __version__, "kind": kind, **fields}
    return json.dumps(data, indent=1, sort_keys=True) + "\n"


def mark_building(folder: Path, kind: Kind) -> None:
    """Mark a fresh build folder as dealstudy's, with this process's id (so a stale one can be removed)."""
    atomic_write_text(
        folder / MARKER,
        _marker_text(kind, state="building", pid=os.getpid(), host=socket.gethostname(), files=[]),
    )


def mark_output(folder: Path, kind: Kind) -> None:
    """Write the marker of a finished report folder, listing every file in it."""
    names = sorted(_relative_files(folder))
    atomic_write_text(folder / MARKER, _marker_text(kind, state="complete", files=names))


def _process_gone(marker: dict[str, Any]) -> bool:
    if marker.get("host") != socket.gethostname():
        return False
    pid = marker.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def remove_stale(target: Path) -> list[Path]:
    """Remove dealstudy's leftover ``.NAME.building-*`` / ``.NAME.old-*`` folders beside ``target``.

    A building folder goes when its marker names a process of this host that no longer runs; an old folder
    (a previous report set aside by a swap that was killed) goes when it carries the marker and was set
    aside more than a minute ago. Folders without dealstudy's marker are never touched.
    """
    removed: list[Path] = []
    parent = target.parent
    with contextlib.suppress(OSError):
        candidates = sorted(parent.glob(f".{target.name}.building-*")) + sorted(
            parent.glob(f".{target.name}.old-*")
        )
        for folder in candidates:
            if folder.is_symlink() or not folder.is_dir():
                continue
            marker = read_marker(folder)
            if marker is None:
                continue
            if ".building-" in folder.name[len(target.name) + 1 :]:
                stale = _process_gone(marker)
            else:
                stale = time.time() - folder.lstat().st_ctime > _OLD_GRACE_SECONDS
            if stale:
                shutil.rmtree(folder, ignore_errors=True)
                removed.append(folder)
    return removed
