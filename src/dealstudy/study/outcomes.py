"""Outcome codes: every event ends with exactly one, plus a human-readable reason."""

from __future__ import annotations

from typing import Literal, get_args

__all__ = ["OUTCOMES", "USABLE_OUTCOMES", "Outcome"]

Outcome = Literal[
    "ok",
    "no_prices",  # no price data for the ticker (reason carries the data layer's cause)
    "no_benchmark",  # no price for a benchmark, at all or on an event day
    "no_factors",  # factor data do not cover an event day
    "day0_outside_data",  # day 0 before the first or after the last price of the ticker
    "thin_estimation",  # fewer estimation returns than min_obs
    "gap_in_event_window",  # a missing return of the ticker inside the widest event window
    "overlapping_event",  # same ticker and same day 0 as an earlier event
    "zero_variance",  # zero residual variance, or a regressor without variation
    "suspect_prices",  # a price in the event window fails the sanity rules (dealstudy.data.sanity)
    "fallback_model",  # thin estimation or no benchmark, estimated by a documented fallback rule instead
]

OUTCOMES: tuple[str, ...] = get_args(Outcome)
#: Outcomes with abnormal returns: the main model's, or a fallback model's (see the reason / model_used).
USABLE_OUTCOMES: tuple[str, ...] = ("ok", "fallback_model")
