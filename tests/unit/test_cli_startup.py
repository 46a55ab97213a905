"""The command line starts without importing the statistics stack (scipy, the engine): ``dealstudy
--version``, ``--help`` and option errors answer quickly."""

from __future__ import annotations

import subprocess
import sys

import pytest


def test_cli_import_does_not_load_scipy_or_the_engine() -> None:
    """Nor numpy, pandas, pyarrow or the data layer: the catalog's loader and the data are imported on use."""
    code = (
        "import sys, dealstudy.cli\n"
        "heavy = sorted(m for m in ('scipy', 'statsmodels', 'matplotlib', 'dealstudy.study.engine',"
        " 'dealstudy.stats', 'numpy', 'pandas', 'pyarrow', 'yfinance', 'dealstudy.data',"
        " 'dealstudy.catalog.catalog') if m in sys.modules)\n"
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


def test_lazy_catalog_names_resolve() -> None:
    import dealstudy.catalog as catalog
    from dealstudy.catalog.catalog import load_catalog
    from dealstudy.catalog.write import add_deals

    assert catalog.load_catalog is load_catalog
    assert catalog.add_deals is add_deals
    assert set(catalog.__all__) <= set(dir(catalog))
    for name in catalog.__all__:
        assert getattr(catalog, name) is not None
