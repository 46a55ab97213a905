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


def test_report_pipeline_import_does_not_load_matplotlib() -> None:
    """A report whose figures all come from the figure cache never draws, so importing the pipeline and
    computing the cache's code key must not import matplotlib (about 0.3 s of CPU); drawing imports it."""
    code = (
        "import sys, dealstudy.pipeline.report\n"
        "from dealstudy.report.figure_cache import code_tag\n"
        "code_tag()\n"
        "print('matplotlib' in sys.modules)\n"
        "from dealstudy.plots import fig_security_event\n"
        "print('matplotlib' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]


def test_lazy_plot_names_resolve() -> None:
    import dealstudy.plots as plots
    from dealstudy.plots.security import fig_security_event
    from dealstudy.plots.svg import figure_to_svg

    assert plots.fig_security_event is fig_security_event
    assert plots.figure_to_svg is figure_to_svg
    assert set(plots.__all__) <= set(dir(plots))
    for name in plots.__all__:
        assert callable(getattr(plots, name))
    with pytest.raises(AttributeError, match="NotAName"):
        plots.NotAName  # type: ignore[attr-defined]  # noqa: B018
