"""Foundation: version, shared-folder discovery, atomic writes, the CLI entry point."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import dealstudy
from dealstudy._atomic import atomic_open, atomic_write_csv, atomic_write_text
from dealstudy.config import SHARED_ENV, find_shared_dir


def test_find_shared_dir_prefers_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "data" / "prices").mkdir(parents=True)
    monkeypatch.setenv(SHARED_ENV, str(tmp_path))
    assert find_shared_dir() == tmp_path.resolve()


def test_find_shared_dir_walks_up_to_a_sibling(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SHARED_ENV, raising=False)
    (tmp_path / "shared" / "data" / "prices").mkdir(parents=True)
    start = tmp_path / "repo" / "src" / "pkg" / "file.py"
    start.parent.mkdir(parents=True)
    assert find_shared_dir(start) == tmp_path / "shared"


def test_find_shared_dir_missing_env_folder_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SHARED_ENV, str(tmp_path / "nope"))
    assert find_shared_dir() is None


def test_atomic_write_replaces_and_keeps_old_on_failure(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    atomic_write_text(target, "first")

    def crash_mid_write() -> None:
        with atomic_open(target) as handle:
            handle.write("half-written")
            raise RuntimeError("crash mid-write")

    with pytest.raises(RuntimeError, match="crash mid-write"):
        crash_mid_write()
    assert target.read_text() == "first"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]  # no temp file left behind


def test_atomic_write_csv_full_precision(tmp_path: Path) -> None:
    frame = pd.DataFrame({"date": pd.to_datetime(["2025-11-03"]), "x": [0.1234567890123456789]})
    atomic_write_csv(tmp_path / "f.csv", frame)
    back = pd.read_csv(tmp_path / "f.csv")
    assert back.loc[0, "date"] == "2025-11-03"
    assert back.loc[0, "x"] == 0.1234567890123456789


def test_cli_version_through_entry_point() -> None:
    exe = Path(sys.executable).with_name("dealstudy")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-c", "from dealstudy.cli import main; main()"]
    out = subprocess.run([*cmd, "--version"], capture_output=True, text=True, env=os.environ, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == f"dealstudy {dealstudy.__version__}"


def test_cli_runs_with_fewer_collections_and_restores_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A command runs with the garbage collector's first threshold raised, and the caller's comes back."""
    import gc

    import typer

    from dealstudy import cli

    before = gc.get_threshold()
    seen: list[tuple[int, ...]] = []
    monkeypatch.setattr(typer, "echo", lambda *a, **k: seen.append(gc.get_threshold()))
    monkeypatch.setattr(sys, "argv", ["dealstudy", "--version"])
    cli.main()  # --version exits 0: main returns
    assert seen == [(cli.GC_FIRST_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before


def _run_entry(tmp_path: Path, prelude: str, *args: str) -> subprocess.CompletedProcess[str]:
    """The console entry point in a fresh interpreter, after ``prelude`` (this checkout's code first)."""
    script = tmp_path / "run_entry.py"
    script.write_text(
        f"import sys\n{prelude}\nsys.argv = ['dealstudy', *{list(args)!r}]\n"
        "from dealstudy.cli import entry\nentry()\n",
        encoding="utf-8",
    )
    return _run_script(script)


def _run_script(script: Path) -> subprocess.CompletedProcess[str]:
    """``script`` in a fresh interpreter with this checkout's code first and buffered streams (as a user's
    shell has them)."""
    src = str(Path(dealstudy.__file__).parents[1])
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [src, os.environ.get("PYTHONPATH")])))
    env.pop("PYTHONUNBUFFERED", None)
    return subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, env=env, check=False, timeout=60
    )


def test_entry_runs_exit_handlers_and_flushes_before_it_leaves(tmp_path: Path) -> None:
    """The quick exit still runs the exit handlers and flushes both streams (piped stdout is block-buffered:
    unflushed text would be lost)."""
    prelude = (
        "import atexit\n"
        "atexit.register(lambda: print('handler ran', flush=False))\n"
        "print('before', end=' ')\n"
        "sys.stderr.write('to stderr')\n"
    )
    out = _run_entry(tmp_path, prelude, "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"before dealstudy {dealstudy.__version__}\nhandler ran\n"
    assert out.stderr == "to stderr"


def test_entry_exits_as_usual_beside_another_librarys_threads(tmp_path: Path) -> None:
    """A running thread of another library is waited for, and an idle pool's workers (asyncio's default
    executor, say) are stopped, not waited for forever: the interpreter's own exit does both."""
    marker = tmp_path / "thread-done"
    prelude = (
        "import threading, time\n"
        "from concurrent.futures import ThreadPoolExecutor\n"
        "def late():\n"
        "    time.sleep(0.3)\n"
        f"    open({str(marker)!r}, 'w').write('done')\n"
        "threading.Thread(target=late).start()\n"
        "idle = ThreadPoolExecutor(2)\n"
        "idle.submit(time.sleep, 0).result()\n"
    )
    out = _run_entry(tmp_path, prelude, "--version")
    assert out.returncode == 0, out.stderr
    assert out.stdout == f"dealstudy {dealstudy.__version__}\n"
    assert marker.read_text() == "done"


def test_entry_keeps_the_exit_codes(tmp_path: Path) -> None:
    """Exit codes through the quick exit: a usage error 2, a missing events file 2 with its message."""
    out = _run_entry(tmp_path, "", "study", "--no-such-option")
    assert out.returncode == 2
    assert "No such option" in out.stderr
    out = _run_entry(tmp_path, "", "study", str(tmp_path / "missing.csv"), "--prices", str(tmp_path))
    assert out.returncode == 2, out.stderr
    assert "missing.csv" in out.stderr


def test_entry_exits_as_usual_under_a_profiler(tmp_path: Path) -> None:
    """A profiler that writes its results after the command returns (as ``python -m cProfile`` and
    pyinstrument do) still gets to write them."""
    stats = tmp_path / "prof.out"
    script = tmp_path / "profiled.py"
    script.write_text(
        "import cProfile, sys\n"
        "sys.argv = ['dealstudy', '--version']\n"
        "from dealstudy.cli import entry\n"
        "profiler = cProfile.Profile()\n"
        "try:\n"
        "    profiler.runcall(entry)\n"
        "finally:\n"
        f"    profiler.dump_stats({str(stats)!r})\n",
        encoding="utf-8",
    )
    out = _run_script(script)
    assert out.returncode == 0, out.stderr
    assert stats.stat().st_size > 0


def test_atomic_batch_renames_all_at_the_end_or_none(tmp_path: Path) -> None:
    """Targets keep their old bytes while the batch is open; all change when it ends; none when it raises."""
    from dealstudy._atomic import AtomicBatch

    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    a.write_text("old a")
    with AtomicBatch() as batch:
        with batch.open(a) as handle:
            handle.write("new a")
        with batch.open(b, "wb", encoding=None) as handle:
            handle.write(b"new b")
        assert a.read_text() == "old a"
        assert not b.exists()
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]

    def fail_late() -> None:
        with AtomicBatch() as batch:
            with batch.open(a) as handle:
                handle.write("newer a")
            raise RuntimeError("late failure")

    def fail_mid_write() -> None:
        with AtomicBatch() as batch:
            with batch.open(a) as handle:
                handle.write("newer a")
            with batch.open(b) as handle:
                raise RuntimeError("mid-write")

    with pytest.raises(RuntimeError, match="late failure"):
        fail_late()
    with pytest.raises(RuntimeError, match="mid-write"):
        fail_mid_write()
    assert (a.read_text(), b.read_text()) == ("new a", "new b")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.csv", "b.csv"]  # no temporaries left
