"""The price cache under faults (issue 14, item 5): every manifest fault is exit 3 with the folder and the
remedy, a read-only cache still serves reads, a file is bound to its symbol, corrupt data show as CORRUPT.

The cache is filled as ``prices import`` fills it, from the shared snapshot's AMZN, NVDA and SPY files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from dealstudy.data.cache import IMPORT_SOURCE, CachedSource
from dealstudy.data.csv_dir import read_price_csv
from dealstudy.data.source import PriceHistory, Provenance
from dealstudy.errors import CacheError

RunCli = Callable[..., Any]  # the run_cli fixture (tests/faults/conftest.py)
Tree = Callable[[Path], dict[str, bytes]]
SYMBOLS = ("AMZN", "NVDA", "SPY")


class _NoNetwork:
    name = "yahoo"

    def history(self, symbol: str, start: dt.date, end: dt.date) -> PriceHistory:
        raise AssertionError(f"the network was asked for {symbol}")


@pytest.fixture(scope="module")
def filled_cache(prices_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cache-template") / "cache"
    cache = CachedSource(_NoNetwork(), folder, offline=True)
    now = dt.datetime.now(dt.UTC)
    for symbol in SYMBOLS:
        frame = read_price_csv(prices_dir / f"{symbol}.csv")
        covered = (frame.index[0].date(), frame.index[-1].date())
        cache.store(IMPORT_SOURCE, symbol, frame, covered, Provenance("csv:test", now, None, "test"))
    return folder


@pytest.fixture
def cache_dir(filled_cache: Path, tmp_path: Path) -> Path:
    target = tmp_path / "cache"
    shutil.copytree(filled_cache, target)
    return target


def _edit_manifest(cache_dir: Path, edit: Callable[[dict[str, Any]], None]) -> bytes:
    path = cache_dir / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    edit(manifest)
    path.write_text(json.dumps(manifest), encoding="utf-8")
    return path.read_bytes()


def _drop_sha(m: dict[str, Any]) -> None:
    del m["entries"]["import|AMZN"]["sha256"]


def _entry_as_list(m: dict[str, Any]) -> None:
    m["entries"]["import|AMZN"] = list(m["entries"]["import|AMZN"].values())


def _entries_as_list(m: dict[str, Any]) -> None:
    m["entries"] = list(m["entries"].values())


def _bad_date(m: dict[str, Any]) -> None:
    m["entries"]["import|AMZN"]["ranges"][0][1] = "2025-13-45"


def _renamed(m: dict[str, Any]) -> None:
    m["entries"]["import|AMZN"]["symbol"] = "NVDA"


MANIFEST_FAULTS = {
    "entry without sha256": (_drop_sha, "manifest.json entry 'import|AMZN': no sha256"),
    "entry is a list": (_entry_as_list, "entry 'import|AMZN': a list where an object belongs"),
    "entries is a list": (_entries_as_list, "manifest.json is unreadable (no 'entries' object)"),
    "bad date": (_bad_date, "entry 'import|AMZN': a range end is '2025-13-45', not an ISO date"),
    "entry under another symbol": (_renamed, "filed under 'import|AMZN' but holds import|NVDA"),
}


@pytest.mark.parametrize("fault", sorted(MANIFEST_FAULTS))
@pytest.mark.parametrize("command", ["status", "show"])
def test_manifest_fault_is_exit_3_with_folder_and_remedy(
    fault: str, command: str, cache_dir: Path, run_cli: RunCli, snapshot_tree: Tree
) -> None:
    edit, message = MANIFEST_FAULTS[fault]
    _edit_manifest(cache_dir, edit)
    before = snapshot_tree(cache_dir)
    args = ["prices", "status"] if command == "status" else ["prices", "show", "AMZN", "--offline"]
    done = run_cli(*args, "--cache", str(cache_dir))
    assert done.code == 3, done
    assert done.stderr.startswith(f"error: cache {cache_dir}: "), done
    assert message in done.stderr, done
    assert f"run again with --refresh to refetch, or delete the folder {cache_dir}" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot_tree(cache_dir) == before  # nothing rewritten or dropped


def test_unreadable_manifest_json_is_exit_3(cache_dir: Path, run_cli: RunCli, snapshot_tree: Tree) -> None:
    (cache_dir / "manifest.json").write_text('{"entries": {', encoding="utf-8")
    before = snapshot_tree(cache_dir)
    done = run_cli("prices", "status", "--cache", str(cache_dir))
    assert done.code == 3, done
    assert f"error: cache {cache_dir}: manifest.json is unreadable (" in done.stderr
    assert snapshot_tree(cache_dir) == before


def test_lock_that_is_a_folder_is_exit_3(cache_dir: Path, run_cli: RunCli, snapshot_tree: Tree) -> None:
    (cache_dir / ".lock").unlink(missing_ok=True)
    (cache_dir / ".lock").mkdir()
    before = snapshot_tree(cache_dir)
    done = run_cli("prices", "show", "AMZN", "--offline", "--cache", str(cache_dir))
    assert done.code == 3, done
    assert f"the lock file {cache_dir / '.lock'} is a folder; delete it, or delete the folder" in done.stderr
    assert "Traceback" not in done.stderr
    assert snapshot_tree(cache_dir) == before


def test_refresh_is_the_remedy(cache_dir: Path) -> None:
    """With --refresh a broken entry is dropped and refetched instead of stopping the run."""
    _edit_manifest(cache_dir, _drop_sha)
    with pytest.raises(CacheError, match="no sha256"):
        CachedSource(_NoNetwork(), cache_dir, offline=True).entries()
    refreshed = CachedSource(_NoNetwork(), cache_dir, refresh=True)
    symbols = {e.symbol for e in refreshed.entries()}
    assert symbols == {"NVDA", "SPY"}
    assert [p.message for p in refreshed.problems] == [
        "manifest.json entry 'import|AMZN': no sha256; dropped"
    ]


def test_read_only_cache_serves_read_only_commands(
    cache_dir: Path, run_cli: RunCli, snapshot_tree: Tree, tmp_path: Path, prices_dir: Path
) -> None:
    (cache_dir / ".lock").unlink(missing_ok=True)  # a cache copied read-only may hold no lock file at all
    before = snapshot_tree(cache_dir)
    status = run_cli("prices", "status", "--format", "json", "--cache", str(cache_dir), readonly=[cache_dir])
    assert status.code == 0, status
    rows = {r["symbol"]: r for r in json.loads(status.stdout)["symbols"]}
    for symbol in SYMBOLS:
        assert rows[symbol]["rows"] == len(read_price_csv(prices_dir / f"{symbol}.csv"))
        assert rows[symbol]["source"] == "cache:import"
    show = run_cli(
        *("prices", "show", "AMZN", "--offline", "--start", "2025-11-03", "--end", "2025-11-04"),
        *("--cache", str(cache_dir)),
        readonly=[cache_dir],
    )
    assert show.code == 0, show
    assert "2025-11-03" in show.stdout
    assert "2025-11-04" in show.stdout
    events = tmp_path / "events.csv"
    events.write_text("event_id,ticker,date,timing\ne1,AMZN,2025-11-03,pre_market\n", encoding="utf-8")
    study = run_cli("study", str(events), "--offline", "--cache", str(cache_dir), readonly=[cache_dir])
    assert study.code == 0, study
    assert "ok: 1" in study.stderr, study
    assert snapshot_tree(cache_dir) == before


def test_read_only_cache_that_needs_a_write_says_so(
    cache_dir: Path, run_cli: RunCli, snapshot_tree: Tree, prices_dir: Path
) -> None:
    before = snapshot_tree(cache_dir)
    done = run_cli("prices", "import", str(prices_dir), "--cache", str(cache_dir), readonly=[cache_dir])
    assert done.code == 3, done
    assert f"error: cache {cache_dir} cannot be written (" in done.stderr
    assert "use --offline to read it as it is, or --cache DIR with a folder you can write" in done.stderr
    assert snapshot_tree(cache_dir) == before


def _point_amzn_at_nvda(cache_dir: Path) -> None:
    def edit(m: dict[str, Any]) -> None:
        nvda = m["entries"]["import|NVDA"]
        m["entries"]["import|AMZN"].update(file=nvda["file"], sha256=nvda["sha256"])

    _edit_manifest(cache_dir, edit)


def test_a_file_is_refused_under_another_symbol(cache_dir: Path, run_cli: RunCli) -> None:
    _point_amzn_at_nvda(cache_dir)
    show = run_cli("prices", "show", "AMZN", "--offline", "--cache", str(cache_dir))
    assert show.code == 3, show
    assert "NVDA" not in show.stdout
    status = run_cli("prices", "status", "--cache", str(cache_dir))
    assert status.code == 0, status
    assert "CORRUPT: " in status.stdout
    assert "the file holds NVDA (import), not AMZN (import): refused" in status.stdout.replace("\n", "")
    assert "run again with --refresh to refetch, or delete the folder" in status.stdout.replace("\n", "")


def test_status_shows_a_corrupt_file_as_corrupt(cache_dir: Path, run_cli: RunCli) -> None:
    manifest = json.loads((cache_dir / "manifest.json").read_text(encoding="utf-8"))
    path = cache_dir / manifest["entries"]["import|AMZN"]["file"]
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])  # truncated
    done = run_cli("prices", "status", "--format", "json", "--cache", str(cache_dir))
    assert done.code == 0, done
    report = json.loads(done.stdout)
    assert report["corrupt"] == ["AMZN"]
    assert "AMZN" not in report["no_data"]
    amzn = next(r for r in report["symbols"] if r["symbol"] == "AMZN")
    digest = hashlib.sha256(data[: len(data) // 2]).hexdigest()[:12]
    recorded = manifest["entries"]["import|AMZN"]["sha256"][:12]
    assert f"checksum mismatch (manifest {recorded}, file {digest}" in amzn["corrupt"]
    table = run_cli("prices", "status", "--cache", str(cache_dir))
    assert "CORRUPT" in table.stdout
    amzn_line = next(line for line in table.stdout.splitlines() if line.strip("│ ").startswith("AMZN"))
    assert "NO DATA" not in amzn_line
