"""``dealstudy prices snapshot``: a new snapshot from the cache, parts carried over, a used folder refused."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.cli import main
from dealstudy.data.snapshot import Snapshot, SnapshotSource


def _run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str) -> tuple[int, str]:
    monkeypatch.setattr(sys, "argv", ["dealstudy", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out + err


def test_snapshot_from_the_cache_carries_over_what_it_lacks(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    write_closes: Callable[..., pd.Series],
) -> None:
    folder = tmp_path / "csv"
    folder.mkdir()
    days = pd.bdate_range("2026-06-01", periods=30)
    closes = write_closes(folder, "NEWCO", days, np.linspace(10.0, 12.9, 30))
    cache = tmp_path / "cache"
    code, text = _run(capsys, monkeypatch, "prices", "import", str(folder), "--cache", str(cache))
    assert code == 0, text
    out = tmp_path / "snap"
    args = ("prices", "snapshot", "--out", str(out), "--cache", str(cache), "--version", "t2")
    code, text = _run(capsys, monkeypatch, *args, "--as-of", "2026-07-15")
    assert code == 0, text
    snap = Snapshot(out)
    assert snap.label == "snapshot t2 (as of 2026-07-15)"
    embedded = Snapshot()
    assert set(snap.symbols()) == {*embedded.symbols(), "NEWCO"}
    got = SnapshotSource(snap).history("NEWCO", days[0].date(), days[-1].date()).frame["adj_close"]
    np.testing.assert_allclose(got.to_numpy(), closes.to_numpy())
    pd.testing.assert_frame_equal(snap.prices("AMD"), embedded.prices("AMD"))
    assert snap.manifest["sources"]["prices"].startswith("cache ")
    assert "carried over" in snap.manifest["sources"]["ff_factors_daily"]
    assert len(snap.table("earnings_dates")) == len(embedded.table("earnings_dates"))
    assert "snapshot t2 (as of 2026-07-15)" in snap.read_verified("PROVENANCE.md").decode()
    before = sorted(p.name for p in out.iterdir())
    code, text = _run(capsys, monkeypatch, *args)
    assert code == 3
    assert "exists and is not an empty folder" in text
    assert sorted(p.name for p in out.iterdir()) == before  # nothing overwritten


def test_snapshot_flag_serves_the_pinned_data_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dealstudy.data.yahoo._yfinance_download", _refuse)
    args = ("prices", "show", "AMD", "--snapshot", "--cache", str(tmp_path / "c"))
    code, text = _run(capsys, monkeypatch, *args, "--start", "2025-10-06", "--end", "2025-10-06")
    assert code == 0, text
    assert "203.7100" in text  # the AMD-OpenAI day close (PROVENANCE: +23.71%)
    assert f"source: {Snapshot().label}" in text
    assert not (tmp_path / "c" / "manifest.json").exists()  # the cache is not touched


def _refuse(*args: object, **kwargs: object) -> None:
    raise AssertionError("network access attempted")
