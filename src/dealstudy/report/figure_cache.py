"""A content-addressed cache of drawn figures: a figure whose inputs did not change is not drawn again.

The key of a figure is the SHA-256 of its drawing job (the small frames and texts it is drawn from, pickled)
and of the drawing code (the source of :mod:`dealstudy.plots` and the report's figure modules, and the
versions of matplotlib, pandas and numpy). A hit returns the SVG drawn before, byte for byte; any change
to the data, the captions or the code gives another key. Entries are ``<folder>/<key[:2]>/<key>.pkl`` (a
pickled :class:`~dealstudy.report.site_figure.SiteFigure`), written atomically. An unreadable or corrupt entry
is a miss; an unwritable folder only loses the reuse. Deleting the folder is always safe.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from functools import cache
from pathlib import Path
from typing import Any

from dealstudy._atomic import atomic_write_bytes

__all__ = ["FigureCache", "code_tag"]

#: Modules whose source decides how a figure looks.
_CODE_PACKAGES = (
    "dealstudy.plots",
    "dealstudy.report.figures",
    "dealstudy.report.site_figure",
    "dealstudy.report.index_figures",
    "dealstudy.report.event_figures",
    "dealstudy.report.families",
    "dealstudy.report.series",
)


@cache
def code_tag() -> bytes:
    """Digest of the drawing code and the libraries' versions (part of every key); matplotlib's version is
    read from its installed metadata, so that a report whose figures all come from the cache does not import
    it."""
    import importlib
    from importlib.metadata import version as installed_version

    import numpy
    import pandas

    digest = hashlib.sha256()
    for name in _CODE_PACKAGES:
        module = importlib.import_module(name)
        origin = Path(module.__file__ or "")
        files = sorted(origin.parent.glob("*.py")) if origin.name == "__init__.py" else [origin]
        for path in files:
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    for version in (installed_version("matplotlib"), pandas.__version__, numpy.__version__):
        digest.update(version.encode())
    return digest.digest()


class FigureCache:
    """Figures by the digest of their inputs (see the module docstring)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.hits = 0
        self.misses = 0

    def key(self, job: Any) -> str:
        """The key of a drawing job (any picklable value holding everything the figure is drawn from)."""
        return hashlib.sha256(code_tag() + pickle.dumps(job, protocol=5)).hexdigest()

    def _path(self, key: str) -> Path:
        return self.folder / key[:2] / f"{key}.pkl"

    def get(self, key: str) -> Any | None:
        """The figure stored under ``key``, or ``None``."""
        try:
            value = pickle.loads(self._path(key).read_bytes())  # our own cache files
        except Exception:  # missing, unreadable or corrupt: draw it again
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, key: str, figure: Any) -> None:
        """Store ``figure`` under ``key`` (silently skipped when the folder cannot be written)."""
        with contextlib.suppress(OSError):
            atomic_write_bytes(self._path(key), pickle.dumps(figure, protocol=5))
