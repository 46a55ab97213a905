"""Figures reused from the content-addressed cache when their inputs did not change, redrawn when they did."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from dealstudy.report import figures as figures_module
from dealstudy.report.event_figures import EventJob
from dealstudy.report.families import FamilyJob
from dealstudy.report.figure_cache import FigureCache
from dealstudy.report.figures import render_figures
from dealstudy.report.site_figure import SiteFigure
from fixtures.report_sample import sample_deals, sample_report_data


def test_unchanged_figures_are_reused_and_changed_ones_redrawn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sample_report_data(deals=sample_deals()[:3])
    drawn: list[str] = []
    real = figures_module.draw_event

    def counting(job: EventJob) -> tuple[str, SiteFigure]:
        drawn.append(job.eid)
        return real(job)

    monkeypatch.setattr(figures_module, "draw_event", counting)
    first = render_figures(data, index=False, cache=FigureCache(tmp_path)).events
    n = sum(len(v) for v in first.values())
    assert n == 5
    assert len(drawn) == n

    drawn.clear()
    cache = FigureCache(tmp_path)
    second = render_figures(data, index=False, cache=cache).events
    assert drawn == []
    assert cache.hits == n
    assert {k: [f.svg for f in v] for k, v in second.items()} == {
        k: [f.svg for f in v] for k, v in first.items()
    }

    ticker = next(iter(data.closes))
    closes = dict(data.closes)
    closes[ticker] = closes[ticker] * 2.0
    third = render_figures(dataclasses.replace(data, closes=closes), index=False, cache=FigureCache(tmp_path))
    assert drawn
    assert all(eid.endswith(f":{ticker}") for eid in drawn)
    changed = drawn[0]
    assert third.events[changed][0].svg != first[changed][0].svg


def test_corrupt_entry_is_redrawn(tmp_path: Path) -> None:
    data = sample_report_data(deals=sample_deals()[:1])
    render_figures(data, index=False, cache=FigureCache(tmp_path))
    for entry in tmp_path.rglob("*.pkl"):
        entry.write_bytes(b"not a pickle")
    cache = FigureCache(tmp_path)
    again = render_figures(data, index=False, cache=cache).events
    assert cache.hits == 0
    assert all(f.svg.startswith("<svg") for v in again.values() for f in v)


def test_index_figures_reused_while_the_report_data_is_unchanged(tmp_path: Path) -> None:
    data = sample_report_data(deals=sample_deals()[:2])
    first = render_figures(data, cache=FigureCache(tmp_path)).index
    cache = FigureCache(tmp_path)
    again = render_figures(data, cache=cache).index
    assert [f.svg for f in again] == [f.svg for f in first]
    assert cache.misses == 0
    changed = FigureCache(tmp_path)
    render_figures(dataclasses.replace(data, window="0:1"), cache=changed)
    assert changed.hits == 0


def test_family_timelines_reused_while_their_entries_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = sample_report_data()
    drawn: list[str] = []
    real = figures_module.draw_family

    def counting(job: FamilyJob) -> tuple[str, str, str, str]:
        drawn.append(job.fig_id)
        return real(job)

    monkeypatch.setattr(figures_module, "draw_family", counting)
    first = render_figures(data, cache=FigureCache(tmp_path)).families
    assert set(first) == {"alpha-cloud-300b", "alpha-cloud-delay"}  # one family of two entries
    assert drawn == ["family-alpha-cloud-300b"]
    drawn.clear()
    again = render_figures(data, cache=FigureCache(tmp_path)).families
    assert drawn == []
    assert {k: f.svg for k, f in again.items()} == {k: f.svg for k, f in first.items()}
    render_figures(dataclasses.replace(data, window="0:0"), cache=FigureCache(tmp_path))
    assert drawn == ["family-alpha-cloud-300b"]  # the caption names the window: drawn again


def test_every_module_that_draws_a_cached_figure_is_in_the_code_key() -> None:
    """A change to the code that draws a cached figure must change every key (else a stale figure is served):
    each module of dealstudy.report that imports drawing code from dealstudy.plots is hashed (the binding
    classes' labels and the money format, from dealstudy.plots.classes, only reach figures through captions
    and jobs, which are in the key); imports inside functions count."""
    import ast

    from dealstudy.report import figure_cache

    report_dir = Path(figure_cache.__file__).parent
    drawing = set()
    for path in report_dir.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imports = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
        drawn = [m for m in imports if m == "dealstudy.plots" or m.startswith("dealstudy.plots.")]
        if any(m != "dealstudy.plots.classes" for m in drawn):
            drawing.add(f"dealstudy.report.{path.stem}")
    assert drawing
    assert drawing <= set(figure_cache._CODE_PACKAGES)
