"""``--out`` never loses the user's files (issue 14, item 1); files and folders get ordinary modes (item 2).

Each CLI case runs the real command with ``--offline`` on an empty cache: had the command started work it
would exit 3 ("no prices"), so exit 2 with the ``--out`` message shows it refused before any work.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from dealstudy._atomic import atomic_write_text
from dealstudy._outdir import MARKER, check_out, mark_building, read_marker
from dealstudy.errors import OutputError
from dealstudy.report.build import publish

Tree = Callable[[Path], dict[str, bytes]]
RunCli = Callable[..., Any]  # the run_cli fixture (tests/faults/conftest.py)


def _user_folder(folder: Path) -> Path:
    (folder / "sub").mkdir(parents=True)
    (folder / "important.txt").write_text("my notes\n", encoding="utf-8")
    (folder / "sub" / "thesis.tex").write_text("\\section{Results}\n", encoding="utf-8")
    return folder


def _offline(command: str, out: Path, tmp_path: Path) -> list[str]:
    """A command line that would fail with exit 3 if it got past the --out check."""
    cache = ["--offline", "--cache", str(tmp_path / "empty-cache")]
    if command == "study":
        events = tmp_path / "events.csv"
        events.write_text("event_id,ticker,date\ne1,AMZN,2025-11-03\n", encoding="utf-8")
        return ["study", str(events), *cache, "--out", str(out)]
    return [command, *cache, "--out", str(out)]


COMMANDS = ("report", "analyze", "study")


@pytest.mark.parametrize("command", COMMANDS)
def test_out_folder_of_user_files_is_refused(
    command: str, run_cli: RunCli, snapshot_tree: Tree, tmp_path: Path
) -> None:
    out = _user_folder(tmp_path / "mine")
    args = _offline(command, out, tmp_path)
    before = snapshot_tree(tmp_path)
    done = run_cli(*args)
    assert done.code == 2, done
    assert "the folder is not empty (important.txt, sub) and " in done.stderr, done
    assert (
        "dealstudy never writes among other files" in done.stderr
        or "not a report dealstudy wrote" in done.stderr
    )
    assert "Traceback" not in done.stderr
    assert snapshot_tree(tmp_path) == before  # nothing lost, changed or added
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["mine", "events.csv"][: 1 + (command == "study")]
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_out_dot_in_the_users_folder_deletes_nothing(
    command: str, run_cli: RunCli, snapshot_tree: Tree, tmp_path: Path
) -> None:
    work = _user_folder(tmp_path / "work")
    args = _offline(command, Path("."), tmp_path)
    before = snapshot_tree(work)
    done = run_cli(*args, cwd=work)
    assert done.code == 2, done
    assert "--out .: the folder is not empty" in done.stderr
    assert snapshot_tree(work) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        ["work", "events.csv"][: 1 + (command == "study")]
    )


@pytest.mark.parametrize("command", COMMANDS)
def test_out_file_is_refused_and_kept(command: str, run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "results.txt"
    target.write_text("keep me\n", encoding="utf-8")
    done = run_cli(*_offline(command, target, tmp_path))
    assert done.code == 2, done
    assert f"--out {target}: {target} is a file, not a folder" in done.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no .results.txt.old-* hideaway


def test_out_below_a_file_is_refused(run_cli: RunCli, tmp_path: Path) -> None:
    target = tmp_path / "results.txt"
    target.write_text("keep me\n", encoding="utf-8")
    done = run_cli(*_offline("report", target / "latest", tmp_path))
    assert done.code == 2, done
    assert f"{target} is a file, not a folder" in done.stderr
    assert target.read_text(encoding="utf-8") == "keep me\n"


@pytest.mark.parametrize("command", COMMANDS)
def test_read_only_parent_is_refused_before_any_work(command: str, run_cli: RunCli, tmp_path: Path) -> None:
    parent = tmp_path / "ro"
    parent.mkdir()
    done = run_cli(*_offline(command, parent / "latest", tmp_path), readonly=[parent])
    assert done.code == 2, done
    assert f"cannot write in {parent}" in done.stderr
    assert "Read-only file system" in done.stderr or "Permission denied" in done.stderr
    assert list(parent.iterdir()) == []


def test_report_folder_is_replaced_only_with_dealstudys_files(tmp_path: Path) -> None:
    out = tmp_path / "latest"

    def build(text: str) -> Callable[[Path], None]:
        def write(folder: Path) -> None:
            (folder / "deals").mkdir()
            atomic_write_text(folder / "index.html", text)
            atomic_write_text(folder / "deals" / "a.html", text)

        return write

    publish(out, build("one"))
    marker = read_marker(out)
    assert marker is not None
    assert marker["kind"] == "report"
    assert marker["state"] == "complete"
    assert marker["files"] == ["deals/a.html", "index.html"]
    publish(out, build("two"))  # an earlier report is dealstudy's own: replaced
    assert (out / "index.html").read_text(encoding="utf-8") == "two"
    (out / "deals" / "my-notes.md").write_text("mine\n", encoding="utf-8")
    with pytest.raises(
        OutputError, match=r"holds files the earlier report did not write \(deals/my-notes.md\)"
    ):
        publish(out, build("three"))
    assert (out / "deals" / "my-notes.md").read_text(encoding="utf-8") == "mine\n"
    assert (out / "index.html").read_text(encoding="utf-8") == "two"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]


def test_files_added_during_the_build_stop_the_swap(tmp_path: Path) -> None:
    out = tmp_path / "latest"
    out.mkdir()

    def build(folder: Path) -> None:
        atomic_write_text(folder / "index.html", "new")
        (out / "draft.txt").write_text("written meanwhile\n", encoding="utf-8")

    with pytest.raises(OutputError, match=r"the folder is not empty \(draft.txt\)"):
        publish(out, build)
    assert (out / "draft.txt").read_text(encoding="utf-8") == "written meanwhile\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]


def _dead_pid() -> int:
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    return int(child.stdout)


def test_stale_build_folders_of_dealstudy_are_removed_others_kept(tmp_path: Path) -> None:
    out = tmp_path / "latest"
    stale = tmp_path / ".latest.building-killed"
    stale.mkdir()
    mark_building(stale, "report")
    data = json.loads((stale / MARKER).read_text(encoding="utf-8"))
    data["pid"] = _dead_pid()
    (stale / MARKER).write_text(json.dumps(data), encoding="utf-8")
    (stale / "index.html").write_text("half", encoding="utf-8")
    running = tmp_path / ".latest.building-running"  # another build of this host, still running (us)
    running.mkdir()
    mark_building(running, "report")
    foreign = tmp_path / ".latest.building-notours"  # same pattern, no marker: not dealstudy's
    foreign.mkdir()
    (foreign / "keep.txt").write_text("keep\n", encoding="utf-8")
    old = tmp_path / ".latest.old-killed"
    old.mkdir()
    (old / MARKER).write_text(json.dumps({"written_by": "dealstudy", "files": []}), encoding="utf-8")
    os.utime(old, (0, 0))  # ctime cannot be set; the grace period is tested through remove_stale below

    publish(out, lambda folder: atomic_write_text(folder / "index.html", "new"))
    names = sorted(p.name for p in tmp_path.iterdir())
    assert ".latest.building-killed" not in names
    assert {".latest.building-running", ".latest.building-notours", "latest"} <= set(names)
    assert (foreign / "keep.txt").read_text(encoding="utf-8") == "keep\n"


def test_a_set_aside_old_report_is_removed_after_the_grace_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import dealstudy._outdir as outdir

    old = tmp_path / ".latest.old-killed"
    old.mkdir()
    (old / MARKER).write_text(json.dumps({"written_by": "dealstudy", "files": []}), encoding="utf-8")
    assert outdir.remove_stale(tmp_path / "latest") == []  # just set aside: maybe a swap under way
    monkeypatch.setattr(outdir, "_OLD_GRACE_SECONDS", -1.0)
    assert outdir.remove_stale(tmp_path / "latest") == [old]
    assert not old.exists()


def test_study_and_analyze_folders_of_their_own_files_accept_reruns(tmp_path: Path) -> None:
    from dealstudy.pipeline.analysis_files import ANALYSIS_FILES
    from dealstudy.pipeline.study import STUDY_FILES

    out = tmp_path / "study"
    out.mkdir()
    assert check_out(out, "study", STUDY_FILES) == out
    for name in STUDY_FILES:
        atomic_write_text(out / name, "x\n")
    (out / ".cars.csv.k2j3h4.tmp").write_text("", encoding="utf-8")  # a killed atomic write's leftover
    assert check_out(out, "study", STUDY_FILES) == out  # an earlier study: rerun allowed
    assert check_out(out, "analyze", STUDY_FILES + ANALYSIS_FILES) == out
    (out / "notes.txt").write_text("mine\n", encoding="utf-8")
    with pytest.raises(
        OutputError, match=r"not empty \(notes.txt\) and dealstudy study does not write those"
    ):
        check_out(out, "study", STUDY_FILES)
    with pytest.raises(OutputError, match="is not a report dealstudy wrote"):
        check_out(out, "report")  # a report would replace the folder


def test_report_refuses_to_replace_the_current_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / MARKER).write_text(json.dumps({"written_by": "dealstudy", "files": []}), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(OutputError, match="holds the current folder"):
        check_out(Path("."), "report")


@pytest.fixture
def umask() -> Iterator[Callable[[int], None]]:
    saved = os.umask(0o022)
    os.umask(saved)

    def set_mask(mask: int) -> None:
        os.umask(mask)

    yield set_mask
    os.umask(saved)


@pytest.mark.parametrize(("mask", "file_mode", "dir_mode"), [(0o022, 0o644, 0o755), (0o027, 0o640, 0o750)])
def test_report_files_and_folders_follow_the_umask(
    mask: int, file_mode: int, dir_mode: int, umask: Callable[[int], None], tmp_path: Path
) -> None:
    umask(mask)

    def build(folder: Path) -> None:
        atomic_write_text(folder / "deals" / "a.html", "a")
        atomic_write_text(folder / "index.html", "i")

    out = publish(tmp_path / "latest", build)
    modes = {p.relative_to(out).as_posix(): stat.S_IMODE(p.stat().st_mode) for p in [out, *out.rglob("*")]}
    assert modes == {
        ".": dir_mode,
        "deals": dir_mode,
        "deals/a.html": file_mode,
        "index.html": file_mode,
        MARKER: file_mode,
    }


def test_atomic_write_keeps_the_mode_of_a_replaced_file(umask: Callable[[int], None], tmp_path: Path) -> None:
    umask(0o022)
    path = tmp_path / "deal.yaml"
    path.write_text("old\n", encoding="utf-8")
    path.chmod(0o600)
    atomic_write_text(path, "new\n")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "new\n"


def test_partitioned_parquet_tables_follow_the_umask(umask: Callable[[int], None], tmp_path: Path) -> None:
    import pandas as pd

    from dealstudy._tables import PartitionedParquetWriter

    umask(0o022)
    writer = PartitionedParquetWriter(tmp_path, "abnormal_returns")
    writer.write(pd.DataFrame({"ar": [0.1, 0.2]}))
    target = writer.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o755
    assert [stat.S_IMODE(p.stat().st_mode) for p in target.iterdir()] == [0o644]
