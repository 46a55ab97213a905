"""open_sources: the single entry point that picks snapshots or Yahoo behind the cache."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from dealstudy.data import PRICES_ENV, DataSources, open_sources
from dealstudy.data.cache import CachedSource
from dealstudy.data.csv_dir import CsvDirSource, CsvSharesSource
from dealstudy.data.yahoo import YahooSharesSource, YahooSource
from dealstudy.errors import MissingDataError


@pytest.mark.shared
def test_prices_dir_gives_snapshots_shares_and_parent_factors(prices_dir: Path) -> None:
    sources = open_sources(prices=prices_dir)
    assert isinstance(sources, DataSources)
    assert isinstance(sources.prices, CsvDirSource)
    assert isinstance(sources.shares, CsvSharesSource)
    assert sources.factors_dir == prices_dir.resolve().parent
    assert "no network" in sources.description
    count = sources.shares.shares_on("AMD", dt.date(2025, 10, 5))
    assert count is not None
    assert count.shares > 1e9


@pytest.mark.shared
def test_env_variable_selects_the_snapshot(prices_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(PRICES_ENV, str(prices_dir))
    assert isinstance(open_sources().prices, CsvDirSource)


def test_without_prices_yahoo_behind_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With the pinned snapshot switched off: the cache in front of Yahoo, exactly."""
    monkeypatch.delenv(PRICES_ENV, raising=False)
    online = open_sources(cache=tmp_path / "c", snapshot="off")
    assert isinstance(online.prices, CachedSource)
    assert isinstance(online.prices.inner, YahooSource)
    assert isinstance(online.shares, YahooSharesSource)
    assert online.factors_dir is None
    offline = open_sources(cache=tmp_path / "c", offline=True, snapshot="off")
    assert isinstance(offline.prices, CachedSource)
    assert offline.prices.offline
    assert "offline" in offline.description
    with pytest.raises(
        MissingDataError, match=r"offline: the cache .* lacks AMD for 2025-10-01\.\.2025-10-03"
    ):
        offline.prices.history("AMD", dt.date(2025, 10, 1), dt.date(2025, 10, 3))


def test_missing_prices_dir_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(MissingDataError, match="does not exist"):
        open_sources(prices=tmp_path / "nope")
