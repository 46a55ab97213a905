"""The command line starts without importing the statistics stack (scipy, the engine): ``dealstudy
--version``, ``--help`` and option errors answer quickly."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_cli_import_does_not_load_scipy_or_the_engine() -> None:
    code = (
        "import sys, dealstudy.cli\n"
        "heavy = sorted(m for m in ('scipy', 'statsmodels', 'matplotlib', 'dealstudy.study.engine',"
        " 'dealstudy.stats') if m in sys.modules)\n"
        "print(','.join(heavy))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == ""


def test_lazy_engine_names_resolve() -> None:
    import dealstudy.study as study
    from dealstudy.study.engine import EventStudy
    from dealstudy.study.results import StudyResults

    assert study.EventStudy is EventStudy
    assert study.StudyResults is StudyResults
    assert {"EventStudy", "StudyResults", "StudySpec"} <= set(dir(study))
    with pytest.raises(AttributeError, match="NotAName"):
        study.NotAName  # type: ignore[attr-defined]  # noqa: B018
