"""The analysis's events: one per deal x listed security of the catalog, with day 0 and its benchmark.

``event_id = <deal_id>:<ticker>``. Day 0 comes from :func:`dealstudy.data.calendars.map_day0`: the deal's
timing is stated relative to its *first* security's exchange (the reference), a security's own ``timing``
overrides it (relative to its own exchange), and ``announced_at`` wins when known. Direct parties are listed
before read-across and subject securities. Market benchmark per listing exchange: US venues -> the study's
market (``SPY``), Tokyo -> ``^N225``, Seoul -> ``^KS11``. Group = the deal's binding status.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dealstudy.catalog import Catalog
from dealstudy.catalog.schema import Deal, Security
from dealstudy.config import STUDY_DATES, studiable
from dealstudy.data import DataSources
from dealstudy.data.calendars import map_day0
from dealstudy.economy import event_id_for
from dealstudy.economy.legs import INDIRECT_ROLES
from dealstudy.errors import DataError, SpecificationError

__all__ = [
    "BENCHMARK_BY_MIC",
    "DATE_OUT_OF_RANGE",
    "UNKNOWN_DAY_REASON",
    "catalog_events",
    "unstudied_outcomes",
]

#: Market benchmark by listing exchange; anything else falls back to the study's default market.
BENCHMARK_BY_MIC: dict[str, str] = {"XTKS": "^N225", "XJPX": "^N225", "XKRX": "^KS11", "XKOS": "^KS11"}

#: Why a month-precision deal is not studied (its outcome in the dollar values is ``day_unknown``).
UNKNOWN_DAY_REASON = "announcement day unknown (month precision), so the deal cannot be placed in event time"

#: Outcome (in the dollar values) of a deal dated outside :data:`dealstudy.config.STUDY_DATES`.
DATE_OUT_OF_RANGE = "date_out_of_range"
_OUT_OF_RANGE = "announcement date outside the dates dealstudy can study"


def _out_of_range(day: dt.date) -> str:
    """Why a deal announced on ``day`` is not studied."""
    lo, hi = STUDY_DATES
    return f"{_OUT_OF_RANGE} ({lo}..{hi}): announced {day.isoformat()}; check the catalog's date"


def _day0(
    deal_timing: str,
    announced: dt.date,
    announced_at: dt.datetime | None,
    mic: str,
    reference: str,
    override: str | None,
) -> tuple[pd.Timestamp | None, str, bool]:
    """Day 0 of one security, its rule and whether it is flagged, by :func:`map_day0`: the deal's timing
    relative to its reference exchange, or the security's own ``override`` relative to its own ``mic``."""
    timing = override or deal_timing
    ref = mic if override else reference
    try:
        mapped = map_day0(announced, timing, mic, announced_at=announced_at, reference_mic=ref)  # type: ignore[arg-type]
    except (SpecificationError, DataError) as exc:
        return None, f"day 0 not mapped ({exc}); the engine's date rule applies", True
    rule = mapped.rule + (f" ({mapped.note})" if mapped.note else "")
    return pd.Timestamp(mapped.session), rule, bool(mapped.flagged)


def _event_row(deal: Deal, security: Security, order: int, market: str) -> dict[str, object]:
    """The event of one deal x security: its day 0 (none for a deal dated to the month or outside the
    studied dates), benchmark and group; ``order`` is the deal's place in the catalog."""
    reference = deal.securities[0].exchange
    month_only = deal.announced_precision == "month"
    out_of_range = not studiable(deal.announced)
    if out_of_range:
        day0, rule, flagged = None, _out_of_range(deal.announced), True
    elif month_only:
        day0, rule, flagged = None, f"{UNKNOWN_DAY_REASON}: announced {deal.announced_label}", True
    else:
        day0, rule, flagged = _day0(
            deal.timing,
            deal.announced,
            deal.announced_at,
            security.exchange,
            reference,
            security.timing,
        )
    return {
        "event_id": event_id_for(deal.id, security.ticker),
        "ticker": security.ticker,
        "deal_id": deal.id,
        "role": security.role,
        "direct": security.role not in INDIRECT_ROLES,
        "exchange": security.exchange,
        "date": pd.Timestamp(deal.announced) if not out_of_range else pd.NaT,
        "timing": security.timing or deal.timing,
        "day0": day0 if day0 is not None else pd.NaT,
        "day0_rule": rule,
        "day0_flagged": flagged,
        "studied": not (month_only or out_of_range),
        "market": BENCHMARK_BY_MIC.get(security.exchange.upper(), market),
        "group": deal.binding_status,
        "_order": order,
    }


def catalog_events(
    catalog: Catalog, sources: DataSources | None = None, *, market: str = "SPY"
) -> pd.DataFrame:
    """The study's events: one per deal x listed security, direct parties first.

    Columns ``event_id, ticker, deal_id, role, direct, exchange, date, timing, day0, day0_rule,
    day0_flagged, studied, market, group``. ``sources`` is accepted for symmetry with the other pipelines
    and not used: day 0 comes from the exchange calendars, and a session missing from the data is left for
    the engine to report (``gap_in_event_window``) instead of silently moving day 0.

    A deal whose announcement date is known only to the month (``announced_precision == "month"``) cannot
    be placed in event time: its securities are listed with ``studied`` false and no day 0, are not passed
    to the study, and get the outcome ``day_unknown`` in the dollar values.
    """
    del sources
    rows = [
        _event_row(deal, security, order, market)
        for order, deal in enumerate(catalog.deals)
        for security in deal.securities
    ]
    frame = pd.DataFrame(rows)
    if frame.empty:
        raise SpecificationError(f"catalog {catalog.directory}: no deal lists a security; nothing to study")
    frame = frame.sort_values(["direct", "_order"], ascending=[False, True], kind="stable")
    frame["day0"] = pd.to_datetime(frame["day0"])
    return frame.drop(columns="_order").reset_index(drop=True)


def unstudied_outcomes(events: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """The outcome and reason of each event :func:`catalog_events` leaves unstudied, by event id:
    :data:`DATE_OUT_OF_RANGE` or ``day_unknown``."""
    return {
        str(row["event_id"]): (
            DATE_OUT_OF_RANGE if str(row["day0_rule"]).startswith(_OUT_OF_RANGE) else "day_unknown",
            str(row["day0_rule"]),
        )
        for row in events[~events["studied"]].to_dict("records")
    }
