"""Fixtures of the fault tests: run the real ``dealstudy`` command, optionally with folders made read-only.

Read-only is real: as an ordinary user the folder loses its write bits; as root (who ignores them) the
command runs in a private mount namespace where the folder is bind-mounted read-only (EROFS), through
``unshare``. Where neither is possible the test is skipped with the reason (failed under ``CI=true``).
"""

from __future__ import annotations

import os
import shlex
import shutil
import stat
import subprocess as _subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ENTRY_POINT = Path(sys.executable).parent / "dealstudy"


@dataclass(frozen=True)
class Run:
    """A finished command: exit code and both streams."""

    code: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return f"exit {self.code}\nstdout:\n{self.stdout}\nstderr:\n{self.stderr}"


RunCli = Callable[..., Run]


def _unshare_works() -> bool:
    if shutil.which("unshare") is None or shutil.which("mount") is None:
        return False
    done = _subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False)
    return done.returncode == 0


def _command(args: Sequence[str], readonly: Sequence[Path]) -> list[str]:
    base = [str(ENTRY_POINT), *args]
    if not readonly or os.geteuid() != 0:
        return base
    if not _unshare_works():
        message = "read-only folders as root need `unshare -m` (mount namespaces)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but {message}")
        pytest.skip(message)
    mounts = " && ".join(
        f"mount --bind {shlex.quote(str(p))} {shlex.quote(str(p))} && "
        f"mount -o remount,bind,ro {shlex.quote(str(p))}"
        for p in readonly
    )
    script = f"mount --make-rprivate / && {mounts} && exec {shlex.join(base)}"
    return ["unshare", "-m", "sh", "-c", script]


def _in_process(args: Sequence[str], cwd: Path, capsys: pytest.CaptureFixture[str]) -> Run:
    from dealstudy.cli import main

    saved_argv, saved_cwd = sys.argv, Path.cwd()
    sys.argv = ["dealstudy", *args]
    os.chdir(cwd)
    capsys.readouterr()
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    finally:
        sys.argv = saved_argv
        os.chdir(saved_cwd)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> RunCli:
    """``run_cli(*args, readonly=(), env=None, cwd=REPO, subprocess=False)`` runs ``dealstudy ARGS``.

    In this process through the console entry point (:func:`dealstudy.cli.main`, exit codes and messages
    as a user sees them) unless folders must be read-only or ``subprocess=True``: then as a real process.
    """

    def run(
        *args: str,
        readonly: Sequence[Path] = (),
        env: dict[str, str] | None = None,
        cwd: Path = REPO,
        subprocess: bool = False,
        timeout: float = 300,
    ) -> Run:
        if not readonly and not subprocess:
            for key, value in (env or {}).items():
                monkeypatch.setenv(key, value)
            return _in_process(args, cwd, capsys)
        saved: list[tuple[Path, int]] = []
        if os.geteuid() != 0:
            for path in readonly:
                saved.append((path, path.stat().st_mode))
                path.chmod(stat.S_IMODE(path.stat().st_mode) & ~0o222)
        try:
            done = _subprocess.run(
                _command(args, readonly),
                capture_output=True,
                text=True,
                check=False,
                cwd=cwd,
                timeout=timeout,
                env={**os.environ, **(env or {})},
            )
        finally:
            for path, mode in saved:
                path.chmod(stat.S_IMODE(mode))
        return Run(done.returncode, done.stdout, done.stderr)

    return run


def tree(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder`` with its bytes (to assert that nothing was lost or changed)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


@pytest.fixture
def snapshot_tree() -> Callable[[Path], dict[str, bytes]]:
    """``snapshot_tree(folder)``: every file under ``folder`` with its bytes."""
    return tree
