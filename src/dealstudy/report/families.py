"""Deal families: a catalog entry and every entry related to it (revisions, walk-backs, later filings), drawn
as one timeline on each member's page."""

from __future__ import annotations

import math
from dataclasses import dataclass

import pandas as pd

from dealstudy.catalog.schema import Deal
from dealstudy.report.format import fmt
from dealstudy.report.inputs import ReportData

__all__ = ["FamilyJob", "deal_families", "draw_family", "family_figures", "family_jobs", "stage"]

_WALK_BACK = (
    "walk",
    "delay",
    "slip",
    "scrap",
    "cancel",
    "drop",
    "stall",
    "exit",
    "squabble",
    "on ice",
    "lapse",
)


def deal_families(deals: tuple[Deal, ...]) -> list[list[Deal]]:
    """Groups of deals linked by ``related`` (either direction, transitively), by date; no singletons."""
    known = {d.id: d for d in deals}
    links: dict[str, set[str]] = {d.id: set() for d in deals}
    for deal in deals:
        for other in deal.related:
            if other in known:
                links[deal.id].add(other)
                links[other].add(deal.id)
    seen: set[str] = set()
    families = []
    for deal in deals:
        if deal.id in seen:
            continue
        group, todo = [], [deal.id]
        while todo:
            current = todo.pop()
            if current in seen:
                continue
            seen.add(current)
            group.append(known[current])
            todo.extend(links[current] - seen)
        if len(group) > 1:
            families.append(sorted(group, key=lambda d: (d.announced, d.id)))
    return families


def stage(deal: Deal) -> str:
    """``announcement``, ``revision`` (a revision report, filing or restructuring) or ``walk_back``."""
    if deal.kind == "revision_report":
        text = f"{deal.id} {deal.title}".lower()
        return "walk_back" if any(word in text for word in _WALK_BACK) else "revision"
    if deal.kind in ("filing_disclosure", "restructuring"):
        return "revision"
    return "announcement"


def _values(data: ReportData) -> dict[str, float]:
    """Abnormal value of each deal's direct parties over the headline window (NaN when none is known)."""
    rows = data.dollar_values
    if "direct" in rows.columns:
        rows = rows[rows["direct"].fillna(False).astype(bool)]
    sums = pd.to_numeric(rows["abnormal_value_usd"], errors="coerce").groupby(rows["deal_id"].astype(str))
    return {str(k): float(v) for k, v in sums.sum(min_count=1).items()}


@dataclass(frozen=True)
class FamilyJob:
    """Everything one family's timeline is drawn from (picklable: the figure cache keys it)."""

    members: tuple[str, ...]
    fig_id: str
    title: str
    caption: str
    frame: pd.DataFrame


def family_jobs(data: ReportData) -> list[FamilyJob]:
    """One drawing job per deal family (:func:`deal_families`): its entries' dates, stages and the abnormal
    value of their direct parties over the headline window, with the caption that explains them."""
    values = _values(data)
    jobs = []
    for family in deal_families(data.deals):
        frame = pd.DataFrame(
            {
                "date": [pd.Timestamp(d.announced) for d in family],
                "label": [str(i) for i in range(1, len(family) + 1)],
                "stage": [stage(d) for d in family],
                "value_usd": [values.get(d.id, math.nan) for d in family],
            }
        )
        total = sum(v for v in frame["value_usd"] if math.isfinite(v))
        key = "; ".join(
            f"{i}: {d.title} ({fmt(d.announced, 'date')}, {fmt(values.get(d.id), 'usd')})"
            for i, d in enumerate(family, start=1)
        )
        caption = (
            "Each related catalog entry at its announcement date: its stem reaches the abnormal market value "
            f"of its direct parties over the {data.window} window ({data.model} model); circles are "
            "announcements, squares revisions, disclosures or reports, down-triangles walk-back, delay or "
            "cancellation reports; hollow markers on the zero line have no dollar value. The dashed line is "
            f"the running total ({fmt(total, 'usd')} over the family). Numbers: {key}."
        )
        title = f"The deal family over time: {len(family)} related entries"
        jobs.append(FamilyJob(tuple(d.id for d in family), f"family-{family[0].id}", title, caption, frame))
    return jobs


def draw_family(job: FamilyJob) -> tuple[str, str, str, str]:
    """``(figure id, title, svg, caption)`` of one family's timeline."""
    from dealstudy.plots.svg import figure_to_svg  # matplotlib only when a figure is drawn
    from dealstudy.plots.timeline import fig_deal_timeline

    figure = fig_deal_timeline(job.frame, title=job.title)
    svg = figure_to_svg(figure, title=job.title, description=job.caption, id_prefix=job.fig_id)
    return job.fig_id, job.title, svg, job.caption


def family_figures(data: ReportData) -> dict[str, tuple[str, str, str, str]]:
    """``deal_id -> (figure id, title, svg, caption)`` of its family's timeline, for every family member."""
    return {member: draw_family(job) for job in family_jobs(data) for member in job.members}
