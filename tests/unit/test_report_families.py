"""Deal families (entries linked by ``related``) and their timeline figure."""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection

from dealstudy.plots.timeline import fig_deal_timeline
from dealstudy.report.families import deal_families, family_figures, stage
from fixtures.report_sample import sample_deals, sample_report_data


def test_families_are_linked_both_ways_and_transitively() -> None:
    deals = sample_deals()
    a, b, c, d = deals[0], deals[1], deals[2], deals[3]
    linked = (
        dataclasses.replace(a, related=(b.id,)),
        dataclasses.replace(b, related=()),
        dataclasses.replace(c, related=(b.id, "not-in-catalog")),  # c -> b <- a: one family of three
        dataclasses.replace(d, related=()),
    )
    families = deal_families(linked)
    assert len(families) == 1  # d alone is no family; the unknown id is ignored
    assert {x.id for x in families[0]} == {a.id, b.id, c.id}
    dates = [x.announced for x in families[0]]
    assert dates == sorted(dates)


def test_stage_of_an_entry() -> None:
    deals = {d.id: d for d in sample_deals()}
    assert stage(deals["alpha-cloud-300b"]) == "announcement"
    report = deals["alpha-cloud-delay"]
    assert report.kind == "revision_report"
    assert stage(report) == "walk_back"  # a delay report
    assert stage(dataclasses.replace(report, id="x", title="Alpha Cloud confirms the contract")) == "revision"


def test_timeline_stems_reach_each_value() -> None:
    frame = pd.DataFrame(
        {
            "date": ["2025-01-21", "2025-09-10", "2025-12-12", "2026-01-05"],
            "label": ["1", "2", "3", "4"],
            "stage": ["announcement", "revision", "walk_back", "walk_back"],
            "value_usd": [1.5e11, 1.8e11, -1.0e11, math.nan],
        }
    )
    ax = fig_deal_timeline(frame).axes[0]
    tops = sorted(
        float(seg[1][1])
        for coll in ax.collections
        if isinstance(coll, LineCollection)
        for seg in coll.get_segments()
    )
    assert tops == sorted([1.5e11, 1.8e11, -1.0e11])  # one stem per valued entry; none for the NaN one
    running = next(line for line in ax.get_lines() if line.get_label() == "running total")
    np.testing.assert_allclose(np.asarray(running.get_ydata(), dtype=float), [1.5e11, 3.3e11, 2.3e11, 2.3e11])
    labels = ax.get_legend_handles_labels()[1]
    assert "walk-back, delay or cancellation report (no value)" in labels  # the NaN entry: hollow, said so
    assert [t.get_text() for t in ax.texts] == ["1", "2", "3", "4"]


def test_family_figure_on_every_member_page() -> None:
    data = sample_report_data()
    figures = family_figures(data)
    assert set(figures) == {"alpha-cloud-300b", "alpha-cloud-delay"}
    fig_id, _title, svg, caption = figures["alpha-cloud-300b"]
    assert figures["alpha-cloud-delay"][0] == fig_id  # one figure for the family
    assert svg.startswith("<svg")
    first, second = sorted((d for d in data.deals if d.id in figures), key=lambda d: d.announced)
    assert f"1: {first.title} ({first.announced:%Y-%m-%d}, " in caption  # entries named by their titles
    assert f"2: {second.title} ({second.announced:%Y-%m-%d}, " in caption
    assert "running total" in caption
