"""The few functions notebooks and the CLI share.

A typical session::

    from dealstudy import api

    sources = api.open_sources(prices="../shared/data/prices")   # or api.open_sources() for Yahoo + cache
    catalog = api.load_catalog("events")
    results = api.analyze("events", sources, window="-1:1")     # catalog -> prices -> study -> economy
    print(results.summary())
    api.build_report("events", sources, api.StudySpec(), "reports/latest")

Ad-hoc studies on any list of events::

    events = api.read_events_csv("my_events.csv")                # event_id,ticker,date[,timing,market,group]
    study = api.run_study(events, sources, api.StudySpec(model="market", windows=("0:0", "-1:1")))
    study.cars, study.aggregate

The same study on a Dask cluster (``pip install dealstudy[dask]``; a ``LocalCluster`` unless a scheduler
address is given), its tables written as Parquet::

    big = api.run_study_dask(events, "out/", sources=sources, scheduler="tcp://10.0.0.5:8786")
    big.aggregate, big.table("cars")                           # pandas, and a Dask DataFrame

Or block by block in this process, for event sets whose tables do not fit in memory (same outputs)::

    big = api.run_study_blocked(events, "out/", sources=sources, max_block_events=20_000)

Only these functions wire a data source to a computation; the computation modules (``dealstudy.study``,
``dealstudy.stats``, ``dealstudy.economy``) take plain frames and can be used on their own.
"""

from __future__ import annotations

from dealstudy.catalog import Catalog, load_catalog, validate_catalog
from dealstudy.data import DataSources, open_sources
from dealstudy.pipeline.analysis_files import write_analysis
from dealstudy.pipeline.analyze import AnalysisResults, analyze
from dealstudy.pipeline.blocked import BlockedStudy, run_study_blocked
from dealstudy.pipeline.catalog_events import catalog_events
from dealstudy.pipeline.distributed import DaskStudy, run_study_dask  # imports dask only when run
from dealstudy.pipeline.events_csv import read_events_csv
from dealstudy.pipeline.report import ReportSummary, build_report
from dealstudy.pipeline.study import run_study, study_to_json, write_study
from dealstudy.study import EventStudy, StudyResults, StudySpec

__all__ = [
    "AnalysisResults",
    "BlockedStudy",
    "Catalog",
    "DaskStudy",
    "DataSources",
    "EventStudy",
    "ReportSummary",
    "StudyResults",
    "StudySpec",
    "analyze",
    "build_report",
    "catalog_events",
    "load_catalog",
    "open_sources",
    "read_events_csv",
    "run_study",
    "run_study_blocked",
    "run_study_dask",
    "study_to_json",
    "validate_catalog",
    "write_analysis",
    "write_study",
]
