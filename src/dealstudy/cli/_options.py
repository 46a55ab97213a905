"""Options shared by the commands (declared once, used everywhere) and the parsers of typed option values.

A window option (``--window -1:1``) is parsed here, at the command-line boundary, into a
:class:`~dealstudy.window.Window`; a malformed one exits with code 2 and the window's own message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from dealstudy.errors import OptionError
from dealstudy.study.spec import MODELS, Model
from dealstudy.window import Window, WindowError

__all__ = [
    "DEFAULT_HEADLINE_WINDOW",
    "DEFAULT_NETWORK_TIMEOUT",
    "CacheOption",
    "CatalogOption",
    "HeadlineWindowOption",
    "ModelOption",
    "NetworkTimeoutOption",
    "OfflineOption",
    "PricesOption",
    "SnapshotOption",
    "TimingsOption",
    "parse_model_option",
    "parse_window_option",
]


#: Default of ``--window`` of ``analyze`` and ``report``.
DEFAULT_HEADLINE_WINDOW = Window(0, 1)


def parse_window_option(text: str | Window) -> Window:
    """``"-1:1"`` -> ``Window(-1, 1)``; a malformed window becomes an :class:`OptionError` (exit 2)."""
    try:
        return Window.parse(text)
    except WindowError as exc:
        raise OptionError(str(exc)) from None


CatalogOption = Annotated[Path, typer.Option("--catalog", help="The deals catalog folder.")]
PricesOption = Annotated[
    Path | None,
    typer.Option(
        "--prices", help="Directory of SYMBOL.csv snapshots (no network); default: Yahoo via the cache."
    ),
]
OfflineOption = Annotated[
    bool, typer.Option("--offline", help="Never use the network: the cache (or --prices) only.")
]
CacheOption = Annotated[Path | None, typer.Option("--cache", help="Cache directory.")]


def parse_model_option(text: str) -> Model:
    """``--model``: one of :data:`dealstudy.study.MODELS` (else an :class:`OptionError`, exit 2)."""
    if text not in MODELS:
        raise OptionError(f"--model {text!r} is not one of {', '.join(MODELS)}")
    return text  # type: ignore[return-value]  # checked against the Literal's values


ModelOption = Annotated[
    str,
    typer.Option(
        "--model",
        parser=parse_model_option,
        metavar="MODEL",
        help=f"Expected-return model: {', '.join(MODELS)} (custom: `dealstudy study` with --benchmarks).",
    ),
]
HeadlineWindowOption = Annotated[
    Window,
    typer.Option(
        "--window",
        parser=parse_window_option,
        metavar="START:END",
        help="Event window of the dollar values, regressions and headline figures, START:END trading days.",
    ),
]
#: Default of ``--network-timeout``: ``dealstudy.data.network.DEFAULT_DEADLINE`` (spelled out so that the
#: CLI starts without the data layer; tests/faults/test_network_faults.py keeps the two equal).
DEFAULT_NETWORK_TIMEOUT = 60.0
NetworkTimeoutOption = Annotated[
    float,
    typer.Option(
        "--network-timeout",
        metavar="SECONDS",
        help="Total seconds the downloads may wait on the network; then the command stops with a message.",
    ),
]
SnapshotOption = Annotated[
    bool,
    typer.Option(
        "--snapshot",
        help="The pinned data snapshot shipped with dealstudy alone (no cache, no network): reproducible.",
    ),
]
TimingsOption = Annotated[bool, typer.Option("--timings", help="Print the time of each stage.")]
