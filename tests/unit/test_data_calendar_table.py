"""Session tables cached on disk answer exactly as a fresh exchange_calendars construction does."""

from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from dealstudy.data import calendar_table
from dealstudy.data.calendar_table import SessionTable, session_table, table_path
from dealstudy.data.calendars import map_day0, sessions
from dealstudy.errors import SpecificationError

LO, HI = pd.Timestamp("2023-01-01"), pd.Timestamp("2026-12-31")


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty calendar cache folder and an empty per-process memo."""
    folder = tmp_path / "calendars"
    monkeypatch.setattr(calendar_table, "table_cache_dir", lambda: folder)
    session_table.cache_clear()
    yield folder
    session_table.cache_clear()


def _fresh(code: str) -> Any:
    """A new exchange_calendars calendar with its default bounds (not an instance cached by get_calendar)."""
    import importlib

    module = importlib.import_module(f"exchange_calendars.exchange_calendar_{code.lower()}")
    factory = getattr(module, f"{code}ExchangeCalendar")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", category=DeprecationWarning)
        warnings.simplefilter("ignore", category=FutureWarning)
        return factory()


def _no_build(code: str, year: int) -> SessionTable:
    raise AssertionError(f"{code} {year}: the table should have come from disk")


def _assert_same(table: SessionTable, cal: Any) -> None:
    assert table.first_session == cal.first_session
    assert table.last_session == cal.last_session
    assert table.tz == str(cal.tz)
    assert table.regular_open == cal.open_times[-1][1]
    assert table.regular_close == cal.close_times[-1][1]
    want = cal.sessions_in_range(LO, HI)
    got = table.sessions_in_range(LO, HI)
    assert len(got) > 800
    np.testing.assert_array_equal(
        got.to_numpy().astype("datetime64[ns]"), want.to_numpy().astype("datetime64[ns]")
    )
    i = int(np.searchsorted(table.sessions, want.to_numpy()[0]))
    for mine, theirs in ((table.opens, cal.opens), (table.closes, cal.closes)):
        expected = (
            theirs.loc[want].dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
        )
        np.testing.assert_array_equal(mine[i : i + len(want)], expected)


@pytest.mark.slow
@pytest.mark.parametrize("code", ["XNYS", "XTKS", "XKRX"])
def test_cached_table_equals_a_fresh_calendar(
    code: str, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = session_table(code)  # computed with exchange_calendars and stored
    path = table_path(code, pd.Timestamp.now().year, cache_dir)
    assert path.is_file()
    session_table.cache_clear()
    monkeypatch.setattr(calendar_table, "build_table", _no_build)
    read = session_table(code)  # read back from disk
    cal = _fresh(code)
    _assert_same(built, cal)
    _assert_same(read, cal)
    # the public functions go through the table
    want = cal.sessions_in_range(LO, HI)
    assert list(sessions(code, LO.date(), HI.date())) == list(want)


def test_early_closes_and_late_opens_survive_the_disk(
    cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    session_table("XNYS")
    session_table.cache_clear()
    monkeypatch.setattr(calendar_table, "build_table", _no_build)
    nyse = session_table("XNYS")
    for day, close in (("2025-11-28", "13:00"), ("2024-07-03", "13:00"), ("2025-12-24", "13:00")):
        local = nyse.session_close(pd.Timestamp(day)).tz_convert("America/New_York")
        assert f"{local:%H:%M}" == close, day
    assert f"{nyse.session_close(pd.Timestamp('2025-11-26')).tz_convert('America/New_York'):%H:%M}" == "16:00"
    # after the 13:00 early close on Black Friday 2025 -> next session, Monday 1 December
    at = dt.datetime(2025, 11, 28, 13, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert map_day0(dt.date(2025, 11, 28), "intraday", "XNYS", announced_at=at).session == dt.date(
        2025, 12, 1
    )
    at = dt.datetime(2025, 11, 28, 12, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    assert map_day0(dt.date(2025, 11, 28), "intraday", "XNYS", announced_at=at).session == dt.date(
        2025, 11, 28
    )


@pytest.mark.parametrize("damage", ["garbage", "truncated", "other_calendar"])
def test_unusable_file_is_recomputed_and_replaced(
    damage: str, cache_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    good = session_table("XNYS")
    path = table_path("XNYS", pd.Timestamp.now().year, cache_dir)
    data = path.read_bytes()
    if damage == "garbage":
        path.write_bytes(b"not a table" * 100)
    elif damage == "truncated":
        path.write_bytes(data[: len(data) // 2])
    else:  # a valid file of another calendar under this name
        session_table("XTKS")
        path.write_bytes(table_path("XTKS", pd.Timestamp.now().year, cache_dir).read_bytes())
    session_table.cache_clear()
    with caplog.at_level("WARNING", logger="dealstudy.data.calendar_table"):
        again = session_table("XNYS")
    assert "unusable" in caplog.text
    assert again.tz == "America/New_York"
    np.testing.assert_array_equal(again.sessions, good.sessions)
    np.testing.assert_array_equal(again.closes, good.closes)
    session_table.cache_clear()
    caplog.clear()
    with caplog.at_level("WARNING", logger="dealstudy.data.calendar_table"):
        session_table("XNYS")  # the replaced file is good
    assert "unusable" not in caplog.text


def test_unwritable_cache_folder_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setattr(calendar_table, "table_cache_dir", lambda: blocker / "calendars")
    session_table.cache_clear()
    try:
        with caplog.at_level("WARNING", logger="dealstudy.data.calendar_table"):
            table = session_table("XNYS")
    finally:
        session_table.cache_clear()
    assert table.is_session(pd.Timestamp("2025-07-03"))
    assert not table.is_session(pd.Timestamp("2025-07-04"))
    assert "cannot store" in caplog.text


def test_file_name_carries_the_library_versions(cache_dir: Path) -> None:
    from importlib import metadata

    name = table_path("XKRX", 2026, cache_dir).name
    assert name.startswith("XKRX-2026-")
    assert f"xcals{metadata.version('exchange_calendars')}" in name
    assert f"pandas{pd.__version__}" in name


@pytest.mark.parametrize("code", ["ZZZZ", "../X", ""])
def test_unknown_or_odd_codes_are_specification_errors(code: str, cache_dir: Path) -> None:
    with pytest.raises(SpecificationError, match="no exchange calendar"):
        session_table(code)
    assert not cache_dir.exists() or not any(cache_dir.iterdir())
