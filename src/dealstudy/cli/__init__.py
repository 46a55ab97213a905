"""The ``dealstudy`` command line: a thin typer app.

Each command group lives in its own module and only parses options, calls the library and prints. Package
errors become a message on stderr and an exit code (see :func:`main`); they never surface as tracebacks.

Exit codes: 0 success, 1 unexpected dealstudy error, 2 invalid input (catalog, options, study
specification), 3 data unavailable (download failed, missing offline data).
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys
import threading
from collections.abc import Iterator
from typing import NoReturn

import typer

from dealstudy import __version__
from dealstudy.errors import DealstudyError

__all__ = ["GC_FIRST_THRESHOLD", "app", "entry", "main"]

#: Allocations between young-generation collections while a command runs (CPython's default: 700 until
#: 3.13, 2,000 after). A study allocates millions of small objects that live to the end (parsed dates,
#: table cells), so the default collects and re-scans them thousands of times: 0.2-0.3 s of a 4 s study of
#: 50,000 events (benchmarks/PROFILE.md); at 200,000 the time is that of no collection at all, and the
#: peak memory is unchanged (reference cycles are still collected, less often).
GC_FIRST_THRESHOLD = 200_000

app = typer.Typer(
    name="dealstudy",
    help=(
        "Event studies of AI compute-deal announcements.\n\n"
        "Example: dealstudy report --prices DIR --out reports/latest"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"dealstudy {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Event studies of AI compute-deal announcements."""


def _register() -> None:
    """Attach the command groups. Each module adds its commands to ``app``."""
    import importlib

    for name in ("events", "prices", "snapshot", "study", "analyze", "report"):
        try:
            importlib.import_module(f"dealstudy.cli.{name}")
        except ModuleNotFoundError as exc:  # a command module not written yet
            if exc.name != f"dealstudy.cli.{name}":
                raise


_register()


def entry() -> NoReturn:
    """The ``dealstudy`` command: :func:`main`, then the process ends without freeing its objects one by one.

    A study leaves millions of objects (about 0.13 s of a 4 s study of 50,000 events goes to freeing them
    at exit). What the interpreter's exit does that matters is done first: the exit handlers run (logging,
    temporary folders, process pools) and both streams are flushed; the output files were written and
    synced by then, and dealstudy's own worker threads are idle. When any of that cannot be done plainly (a
    message as exit status, a stream that cannot be flushed), when threads of another library are still
    running (the interpreter's exit stops an idle pool's workers or waits for them), or when a profiler or
    coverage tool watches the process, the interpreter exits as usual.
    """
    try:
        main()
        code: object = 0
    except SystemExit as exc:
        code = 0 if exc.code is None else exc.code
        if not isinstance(code, int):
            raise
    assert isinstance(code, int)
    _leave(code)


def _leave(code: int) -> NoReturn:
    """Exit with ``code`` as :func:`entry` describes."""
    from dealstudy._parallel import WORKER_NAME

    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    main_thread = threading.main_thread()
    others = [
        t
        for t in threading.enumerate()
        if t is not main_thread and not t.daemon and not t.name.startswith(WORKER_NAME)
    ]  # another library's threads: the interpreter's exit stops (idle pools) or waits for them
    if run_handlers is None or others or _observed():
        sys.exit(code)
    run_handlers()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream: the interpreter reports it as it always does
        sys.exit(code)
    os._exit(code)


def _observed() -> bool:
    """Whether a profiler, tracer or coverage tool watches the process: it writes its results after the
    command returns (``python -m pyinstrument -m dealstudy ...``), so the interpreter must exit as usual."""
    if sys.getprofile() is not None or sys.gettrace() is not None:
        return True
    monitoring = getattr(sys, "monitoring", None)  # Python 3.12+: coverage's sys.monitoring core
    return monitoring is not None and any(monitoring.get_tool(tool) is not None for tool in range(6))


def main() -> None:
    """Run the app, turning package errors into clean exits (``SystemExit`` with the exit code)."""
    with _fewer_collections():
        _run()


@contextlib.contextmanager
def _fewer_collections() -> Iterator[None]:
    """The garbage collector's first threshold at :data:`GC_FIRST_THRESHOLD` inside, restored after."""
    before = gc.get_threshold()
    gc.set_threshold(GC_FIRST_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _run() -> None:
    try:
        code = app(standalone_mode=False)
    except DealstudyError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except typer.TyperException as exc:  # usage errors (typer vendors click; there is no `click` module)
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            typer.echo(f"Error: {exc.format_message()}", err=True)
        sys.exit(exc.exit_code)
    # In non-standalone mode a `typer.Exit(n)` raised by a command comes back as the return value.
    if isinstance(code, int) and not isinstance(code, bool) and code != 0:
        sys.exit(code)
