"""The events table the engine accepts, checked and normalised."""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.errors import SpecificationError

__all__ = ["normalise_events"]


def normalise_events(events: pd.DataFrame, default_market: str) -> pd.DataFrame:
    """Check an events frame and return it with the columns the engine uses.

    Required: ``event_id``, ``ticker`` and either ``day0`` (session date of day 0) or ``date`` (announcement
    date; optional ``timing``). Optional: ``market`` (benchmark symbol, default ``default_market``),
    ``group`` (default ``"all"``), ``day0_rule`` (how ``day0`` was mapped, e.g. by
    :func:`dealstudy.data.calendars.map_day0`; reported as is). Where both ``day0`` and ``date`` are
    present, a missing ``day0`` falls back to ``date``.

    Returns
    -------
    DataFrame
        Columns ``event_id, ticker, day0, date, timing, market, group, day0_rule`` (``day0``/``date`` as
        Timestamps or NaT; ``timing`` ``""`` when absent), on a fresh RangeIndex.
    """
    if not isinstance(events, pd.DataFrame):
        raise SpecificationError(f"events must be a DataFrame, got {type(events).__name__}")
    missing = [c for c in ("event_id", "ticker") if c not in events.columns]
    if missing:
        raise SpecificationError(f"events: missing column(s) {', '.join(missing)}")
    if "day0" not in events.columns and "date" not in events.columns:
        raise SpecificationError("events: need a 'day0' column (session date) or a 'date' column")
    n = len(events)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    ids = events["event_id"].astype(str).str.strip().to_numpy()
    tickers = events["ticker"].astype(str).str.strip().to_numpy()
    empty_id = _empty(ids)
    empty_ticker = _empty(tickers)
    for i in np.flatnonzero(empty_id | empty_ticker)[:1].tolist():  # the first offending row
        if empty_id[i]:
            raise SpecificationError(f"events row {i}: empty event_id")
        raise SpecificationError(f"events row {i} (event {ids[i]}): empty ticker")
    dup = pd.Series(ids).duplicated()
    if dup.any():
        raise SpecificationError(f"events: duplicate event_id {ids[int(dup.to_numpy().argmax())]!r}")
    out["event_id"] = ids
    out["ticker"] = tickers
    out["day0"] = _dates(events, "day0", ids)
    out["date"] = _dates(events, "date", ids)
    if out["day0"].isna().any() and out["date"].isna().any():
        bad = out.index[out["day0"].isna() & out["date"].isna()]
        if len(bad):
            raise SpecificationError(f"events: event {ids[bad[0]]!r} has neither day0 nor date")
    out["timing"] = _text(events, "timing", "")
    out["market"] = _text(events, "market", default_market)
    out["group"] = _text(events, "group", "all")
    out["day0_rule"] = _text(events, "day0_rule", "")
    return out


def _dates(events: pd.DataFrame, column: str, ids: object) -> pd.Series:
    if column not in events.columns:
        return pd.Series(pd.NaT, index=pd.RangeIndex(len(events)), dtype="datetime64[ns]")
    raw = events[column].reset_index(drop=True)
    try:
        parsed = pd.to_datetime(raw, errors="raise")
    except (ValueError, TypeError) as exc:
        raise SpecificationError(f"events: column {column!r} has an unparseable date ({exc})") from None
    parsed = pd.Series(
        pd.DatetimeIndex(parsed).tz_localize(None) if getattr(parsed.dt, "tz", None) else parsed
    )
    return parsed.dt.normalize().astype("datetime64[ns]")


def _empty(values: NDArray[np.object_]) -> NDArray[np.bool_]:
    """Where a stripped text is empty or spells a missing value: ``not v or v in ("nan", "None", "<NA>")``."""
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # all str: a hash look-up
        return np.asarray(pd.Series(values, dtype=object).isin(MISSING_TEXT).to_numpy(), dtype=bool)
    return np.array([not v or v in MISSING_TEXT[1:] for v in values.tolist()], dtype=bool)


MISSING_TEXT = ("", "nan", "None", "<NA>")
"""Texts the engine reads as a missing value (what ``str()`` makes of NaN, None and pd.NA)."""


def _clean_text(v: object, default: str) -> str:
    text = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
    return text if text and text not in ("nan", "<NA>", "None") else default


def _text(events: pd.DataFrame, column: str, default: str) -> pd.Series:
    if column not in events.columns:
        return pd.Series([default] * len(events), dtype=object)
    raw = events[column].to_numpy(dtype=object)
    if pd.api.types.infer_dtype(raw, skipna=True) == "string":  # text and missing values only
        codes, uniques = pd.factorize(raw, use_na_sentinel=True)  # each distinct text cleaned once
        table = np.array([_clean_text(u, default) for u in uniques] + [""], dtype=object)
        values = table[codes]
        for i in np.flatnonzero(codes < 0).tolist():  # missing values, as they are
            values[i] = _clean_text(raw[i], default)
        return pd.Series(values, dtype=object)
    return pd.Series([_clean_text(v, default) for v in raw.tolist()], dtype=object)
