"""The events table the engine accepts, checked and normalised."""

from __future__ import annotations

import pandas as pd

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
    for i in range(n):
        if not ids[i] or ids[i] in ("nan", "None", "<NA>"):
            raise SpecificationError(f"events row {i}: empty event_id")
        if not tickers[i] or tickers[i] in ("nan", "None", "<NA>"):
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


def _text(events: pd.DataFrame, column: str, default: str) -> pd.Series:
    if column not in events.columns:
        return pd.Series([default] * len(events), dtype=object)
    values = []
    for v in events[column].tolist():
        text = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
        values.append(text if text and text not in ("nan", "<NA>", "None") else default)
    return pd.Series(values, dtype=object)
