"""Whole-process benchmark: ``dealstudy study`` on a folder of CSV files beside the peer's whole process.

The workload is what a new user has: a folder of ``SYMBOL.csv`` files (the snapshot's columns, written by
pandas), a market series and an events file ``event_id,ticker,date``. Both sides are timed as whole
processes under ``/usr/bin/time -v`` (wall time and peak RSS from the kernel):

- ours: ``dealstudy study events.csv --prices prices --market MKT --estimation=-250:-11 --window=-5:5
  --out out --timings`` (the stage table it prints on stderr gives startup, read prices, align and fit,
  tests, write and print);
- the peer: a fresh interpreter that imports ``eventstudy``, reads one wide CSV of the same simple returns
  (``Single.import_returns``), the events file, and runs ``Multiple.from_list(..., Single.market_model)``
  with the same estimation and event window.

The workload is written once per configuration under ``benchmarks/results/cli-workload-*`` (git-ignored)
and reused. Startup is also measured with ``python -X importtime -c "import dealstudy"`` and
``dealstudy --help``.
"""

from __future__ import annotations

import argparse
import compileall
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.peer import load_peer, peer_returns_table
from benchmarks.synthetic import PanelConfig, make_events, make_panel

__all__ = ["CliWorkload", "import_time", "run_cli_benchmark", "run_timed", "write_workload"]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
ESTIMATION = (-250, -11)
WINDOW = (-5, 5)
MARKET = "MKT"
TARGET_RATIO = 5.0  # issue 15, item 1: at least 5x faster than the peer's whole process (wall)
TARGET_WORKLOAD = (50_000, 1_000)  # ... on 50,000 events over 1,000 CSV files
HELP_RUNS = 5  # `dealstudy --help` is timed this many times, the median reported

_PEER_SCRIPT = """
import csv, sys, time, warnings, logging
import numpy as np
warnings.simplefilter("ignore")
import eventstudy as es
returns, events_csv, est0, est1, w0, w1 = sys.argv[1:7]
est0, est1, w0, w1 = int(est0), int(est1), int(w0), int(w1)
t0 = time.perf_counter()
es.Single.import_returns(returns)
with open(events_csv, newline="") as fh:
    rows = list(csv.DictReader(fh))
events = [{"security_ticker": r["ticker"], "market_ticker": "MKT",
           "event_date": np.datetime64(r["date"])} for r in rows]
t1 = time.perf_counter()
logging.disable(logging.WARNING)
with np.errstate(all="ignore"):
    result = es.Multiple.from_list(events, es.Single.market_model, event_window=(w0, w1),
                                   estimation_size=est1 - est0 + 1, buffer_size=w0 - est1 - 1,
                                   keep_model=False, ignore_errors=True)
t2 = time.perf_counter()
print(f"PEER read {t1 - t0:.3f} fit {t2 - t1:.3f} events {len(result.sample)}")
"""


@dataclass(frozen=True)
class CliWorkload:
    """Paths of a written workload."""

    folder: Path
    prices: Path
    events: Path
    returns: Path
    n_tickers: int
    n_days: int
    n_events: int


def write_workload(
    n_tickers: int = 1_000, n_days: int = 1_250, n_events: int = 50_000, *, seed: int = 7
) -> CliWorkload:
    """Write (or reuse) the price folder, the events file and the peer's wide returns CSV."""
    folder = RESULTS / f"cli-workload-{n_tickers}x{n_days}-{n_events}-s{seed}"
    work = CliWorkload(
        folder, folder / "prices", folder / "events.csv", folder / "returns.csv", n_tickers, n_days, n_events
    )
    if (folder / "DONE").is_file():
        return work
    if folder.exists():
        shutil.rmtree(folder)
    work.prices.mkdir(parents=True)
    panel = make_panel(PanelConfig(n_tickers=n_tickers, n_days=n_days, seed=20_261_204))
    rng = np.random.default_rng(seed)
    for symbol, series in panel.prices.items():
        close = series.dropna()
        spread = rng.uniform(0.0, 0.02, len(close))
        frame = pd.DataFrame(
            {
                "date": pd.DatetimeIndex(close.index).strftime("%Y-%m-%d"),
                "open": close.to_numpy() * (1 - spread / 2),
                "high": close.to_numpy() * (1 + spread),
                "low": close.to_numpy() * (1 - spread),
                "close": close.to_numpy(),
                "adj_close": close.to_numpy(),
                "volume": rng.integers(10_000, 5_000_000, len(close)),
            }
        )
        frame.to_csv(work.prices / f"{symbol}.csv", index=False)
    events = make_events(panel, n_events, seed=seed, estimation_start=ESTIMATION[0], window_end=WINDOW[1])
    dates = events["day0"].dt.strftime("%Y-%m-%d")
    pd.DataFrame({"event_id": events["event_id"], "ticker": events["ticker"], "date": dates}).to_csv(
        work.events, index=False
    )
    table = peer_returns_table(panel.prices, panel.dates)
    wide = pd.DataFrame(table)
    wide["date"] = pd.DatetimeIndex(wide["date"]).strftime("%Y-%m-%d")
    wide.to_csv(work.returns, index=False)
    (folder / "DONE").write_text("ok\n", encoding="utf-8")
    return work


def run_timed(cmd: list[str], *, env: dict[str, str] | None = None) -> dict[str, Any]:
    """Run ``cmd`` under ``/usr/bin/time -v``: wall seconds, peak RSS MiB, exit code, stdout, stderr."""
    timer = shutil.which("time") or "/usr/bin/time"
    full = [timer, "-v", *cmd] if Path(timer).exists() else cmd
    t0 = time.perf_counter()
    done = subprocess.run(full, capture_output=True, text=True, check=False, env=env, cwd=ROOT)
    wall = time.perf_counter() - t0
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = [float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([0-9.]+)", done.stderr)]
    return {
        "cpu_seconds": sum(cpu) if cpu else float("nan"),
        "cmd": " ".join(cmd),
        "seconds": wall,
        "peak_rss_mib": int(rss.group(1)) / 1024 if rss else float("nan"),
        "returncode": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
    }


def _stages(stderr: str) -> dict[str, float]:
    """The ``--timings`` table of the command (lines ``stage  seconds s``)."""
    out: dict[str, float] = {}
    for line in stderr.splitlines():
        m = re.match(r"^\s{2}(\S[^:]*?)\s{2,}([0-9.]+) s$", line)
        if m:
            out[m.group(1)] = float(m.group(2))
    return out


def package_dir() -> Path:
    """The folder of the ``dealstudy`` package the benchmark runs (found without importing it)."""
    spec = importlib.util.find_spec("dealstudy")
    if spec is None or spec.origin is None:
        raise RuntimeError("dealstudy is not installed in this environment")
    return Path(spec.origin).parent


def byte_compile(*folders: Path) -> bool:
    """Compile the Python files under ``folders`` to ``__pycache__`` as an install does.

    An installed package is imported from its bytecode; an editable checkout run with
    ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines) compiles every module again in every process,
    about 0.9 s of the report command's start on a slow machine. The peer, installed by pip, has its
    bytecode; so does ours once this has run. Returns whether every file compiled.
    """
    return all(compileall.compile_dir(str(folder), quiet=1) for folder in folders)


def import_time(module: str = "dealstudy") -> float:
    """Cumulative import time of ``module`` in seconds, from ``python -X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", f"import {module}"],
        capture_output=True, text=True, check=False, cwd=ROOT,
    )  # fmt: skip
    total = 0.0
    for line in done.stderr.splitlines():
        parts = line.split("|")
        if len(parts) == 3 and parts[2].strip() == module:
            total = int(parts[1]) / 1e6
    return total


def _dealstudy() -> list[str]:
    """The ``dealstudy`` command as the console script runs it (``entry``; ``main`` in an older checkout)."""
    return [sys.executable, "-c", "from dealstudy import cli; (getattr(cli, 'entry', None) or cli.main)()"]


def _run_study(
    work: CliWorkload, out: Path, cache: Path, *, env: dict[str, str], extra: list[str] | None
) -> dict[str, Any]:
    """One whole ``dealstudy study`` process with ``--timings``: ``run_timed``'s figures and its stages."""
    cmd = [
        *_dealstudy(), "study", str(work.events), "--prices", str(work.prices), "--market", MARKET,
        f"--estimation={ESTIMATION[0]}:{ESTIMATION[1]}", f"--window={WINDOW[0]}:{WINDOW[1]}",
        "--out", str(out), "--cache", str(cache), "--timings", *(extra or []),
    ]  # fmt: skip
    ours = run_timed(cmd, env=env)
    if ours["returncode"] == 2 and "--timings" in ours["stderr"]:
        cmd = [c for c in cmd if c != "--timings"]  # an older checkout without the option
        ours = run_timed(cmd, env=env)
    run = {k: v for k, v in ours.items() if k not in ("stdout", "stderr")}
    run["stages"] = _stages(ours["stderr"])
    run["stdout_bytes"] = len(ours["stdout"].encode())
    if ours["returncode"] != 0:
        run["error"] = ours["stderr"][-2000:]
    return run


def summarise_runs(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Repeated runs of one process as one row: the medians of wall and CPU seconds and of each stage.

    ``seconds_min``/``seconds_max`` give the range, ``peak_rss_mib`` is the largest peak of the runs,
    ``returncode`` the first non-zero exit (0 when every run succeeded) and ``runs`` keeps every run.
    """
    seconds = [r["seconds"] for r in runs]
    stage_names = list(dict.fromkeys(name for r in runs for name in r.get("stages", {})))
    failed = [r for r in runs if r["returncode"] != 0]
    row: dict[str, Any] = {
        "n": len(runs),
        "seconds": float(np.median(seconds)),
        "seconds_min": min(seconds),
        "seconds_max": max(seconds),
        "cpu_seconds": float(np.median([r["cpu_seconds"] for r in runs])),
        "peak_rss_mib": max(r["peak_rss_mib"] for r in runs),
        "returncode": failed[0]["returncode"] if failed else 0,
        "cmd": runs[0]["cmd"],
        "runs": runs,
    }
    if stage_names:
        row["stages"] = {
            name: float(np.median([r["stages"][name] for r in runs if name in r.get("stages", {})]))
            for name in stage_names
        }
    if failed and "error" in failed[0]:
        row["error"] = failed[0]["error"]
    return row


def paired_ratios(ours: list[dict[str, Any]], theirs: list[dict[str, Any]]) -> dict[str, Any]:
    """Our time over the peer's, run by run (runs taken in turn), for wall and CPU seconds.

    The median of the pairwise ratios is the headline: each pair ran back to back, so a change of load on
    the machine affects both sides of a pair alike. ``speedup`` is its reciprocal (peer time / our time).
    """
    pairs = [(a, b) for a, b in zip(ours, theirs, strict=False) if a["returncode"] == 0 == b["returncode"]]
    if not pairs:
        return {"n": 0}
    wall = [a["seconds"] / b["seconds"] for a, b in pairs]
    cpu = [a["cpu_seconds"] / b["cpu_seconds"] for a, b in pairs]
    ratio = float(np.median(wall))
    return {
        "n": len(pairs),
        "wall_ratio": ratio,
        "wall_ratio_min": min(wall),
        "wall_ratio_max": max(wall),
        "cpu_ratio": float(np.median(cpu)),
        "speedup": 1.0 / ratio,
        "target": TARGET_RATIO,
        "met": bool(ratio <= 1.0 / TARGET_RATIO),
    }


def run_cli_benchmark(
    n_events: int = 50_000,
    n_tickers: int = 1_000,
    *,
    peer: bool = True,
    extra: list[str] | None = None,
    baseline_src: Path | None = None,
    repeats: int = 5,
) -> dict[str, Any]:
    """Run the whole-process comparison; returns a JSON-able summary.

    ``baseline_src`` (a ``src`` folder of an earlier checkout, e.g. from ``git archive``) adds a run of that
    code first, in the same session, for before/after figures. Our first run parses the CSV files (one
    run); then ours from the Parquet cache and the peer run in turn, ``repeats`` times each (A B A B ...),
    and ``paired`` holds the run-by-run ratios.
    """
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1, got {repeats}")
    work = write_workload(n_tickers=n_tickers, n_events=n_events)
    summary: dict[str, Any] = {"events": n_events, "tickers": n_tickers, "sessions": work.n_days}
    summary["byte_compiled"] = byte_compile(package_dir(), *([baseline_src] if baseline_src else []))
    summary["import_seconds"] = import_time()
    summary["cli_import_seconds"] = import_time("dealstudy.cli")
    help_runs = [run_timed([*_dealstudy(), "--help"])["seconds"] for _ in range(HELP_RUNS)]
    summary["help_seconds"] = float(np.median(help_runs))  # one run moves by 50% on a shared machine
    summary["repeats"] = repeats
    env = dict(os.environ)
    status = load_peer() if peer else None  # installs it into a temporary folder when missing
    peer_cmd: list[str] | None = None
    peer_env = dict(env)
    if status is not None and not status.available:
        summary["peer"] = {"available": False, "error": status.message}
    elif status is not None:
        args = [str(work.returns), str(work.events), str(ESTIMATION[0]), str(ESTIMATION[1])]
        if status.origin not in ("", "installed"):  # the fallback folder: the fresh interpreter needs it too
            peer_env["PYTHONPATH"] = os.pathsep.join(filter(None, [status.origin, env.get("PYTHONPATH")]))
        peer_cmd = [sys.executable, "-c", _PEER_SCRIPT, *args, str(WINDOW[0]), str(WINDOW[1])]
    with tempfile.TemporaryDirectory(prefix="dealstudy-bench-cli-") as tmp:
        cache = Path(tmp) / "cache"
        if baseline_src is not None:
            base_env = dict(env, PYTHONPATH=str(baseline_src))
            summary["baseline"] = _run_study(work, Path(tmp) / "baseline", cache, env=base_env, extra=extra)
        summary["ours"] = _run_study(work, Path(tmp) / "ours", cache, env=env, extra=extra)  # CSV parsed
        warm: list[dict[str, Any]] = []
        theirs: list[dict[str, Any]] = []
        for i in range(repeats):
            warm.append(_run_study(work, Path(tmp) / f"ours_warm{i}", cache, env=env, extra=extra))
            if peer_cmd is not None:
                run = run_timed(peer_cmd, env=peer_env)
                m = re.search(r"PEER read ([0-9.]+) fit ([0-9.]+)", run["stdout"])
                one = {k: v for k, v in run.items() if k not in ("stdout", "stderr")}
                if m:
                    one["stages"] = {"read": float(m.group(1)), "fit": float(m.group(2))}
                if run["returncode"] != 0:
                    one["error"] = run["stderr"][-2000:]
                theirs.append(one)
            shutil.rmtree(Path(tmp) / f"ours_warm{i}", ignore_errors=True)
        summary["ours_warm"] = summarise_runs(warm)
        if theirs:
            summary["peer"] = summarise_runs(theirs)
            summary["paired"] = paired_ratios(warm, theirs)
    return summary


def _wall(run: dict[str, Any]) -> str:
    """Wall seconds of a row: the median and the range of repeated runs, or the one run."""
    if run.get("n", 1) > 1:
        return f"{run['seconds']:.2f} ({run['seconds_min']:.2f}-{run['seconds_max']:.2f})"
    return f"{run['seconds']:.2f}"


def render_cli(summary: dict[str, Any]) -> str:
    """Markdown lines for the whole-process comparison (no ratio against a peer that did not run)."""
    peer = summary.get("peer")
    if peer is not None and (peer.get("available") is False or peer.get("returncode") != 0):
        peer = None
    repeats = summary.get("repeats", 1)
    lines = [
        f"Whole process, `dealstudy study` on {summary['events']:,} events over {summary['tickers']:,} CSV "
        f"files x {summary['sessions']:,} sessions (market model, estimation -250:-11, window -5:5):",
        "",
        "| process | runs | wall s | CPU s | peak RSS MiB | exit | ratio (peer wall / wall) | ratio (CPU) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    names = {
        "baseline": "dealstudy study, baseline checkout",
        "ours": "dealstudy study (CSV files parsed)",
        "ours_warm": "dealstudy study (Parquet cache)",
    }
    for label, name in names.items():
        run = summary.get(label)
        if run is None:
            continue
        ratio = f"{peer['seconds'] / run['seconds']:.1f}x" if peer else "n/a"
        cpu_ratio = f"{peer['cpu_seconds'] / run['cpu_seconds']:.1f}x" if peer else "n/a"
        lines.append(
            f"| {name} | {run.get('n', 1)} | {_wall(run)} | {run['cpu_seconds']:.2f} "
            f"| {run['peak_rss_mib']:,.0f} | {run['returncode']} | {ratio} | {cpu_ratio} |"
        )
    if peer:
        lines.append(
            f"| eventstudy Multiple.from_list | {peer.get('n', 1)} | {_wall(peer)} "
            f"| {peer['cpu_seconds']:.2f} | {peer['peak_rss_mib']:,.0f} | {peer['returncode']} "
            "| 1.0x | 1.0x |"
        )
    failed = summary.get("peer")
    if failed is not None and peer is None:
        lines.append(f"| eventstudy Multiple.from_list | NOT AVAILABLE: {failed.get('error', '?')[-300:]} |")
    lines.append("")
    if repeats > 1:
        lines.append(
            f"Medians of {repeats} runs each (range in brackets); the Parquet-cache runs and the peer's "
            "ran in turn (A B A B ...), the peak RSS is the largest of the runs."
        )
    for label, name in names.items():
        stages = summary.get(label, {}).get("stages")
        if stages:
            lines.append(f"Stages, {name}: " + ", ".join(f"{k} {v:.2f} s" for k, v in stages.items()))
    lines.append(
        "(The per-event tables are written while the aggregate tests run: `write` is the writing left after "
        "the tests.)"
    )
    if peer and peer.get("stages"):
        lines.append("Stages of the peer: " + ", ".join(f"{k} {v:.2f} s" for k, v in peer["stages"].items()))
    paired = summary.get("paired") or {}
    if paired.get("n"):
        if (summary["events"], summary["tickers"]) == TARGET_WORKLOAD:
            verdict = "met" if paired["met"] else "NOT met"
        else:
            verdict = "not judged (the target is set on 50,000 events over 1,000 files)"
        lines += [
            "",
            f"Paired (ours from the cache / the peer, run by run, {paired['n']} pairs): wall "
            f"{paired['wall_ratio']:.3f} (median; "
            f"{paired['wall_ratio_min']:.3f}-{paired['wall_ratio_max']:.3f}), "
            f"CPU {paired['cpu_ratio']:.3f}: {paired['speedup']:.1f}x the peer's speed, whole process. "
            f"Target >= {paired['target']:g}x (wall ratio <= {1 / paired['target']:.2f}): {verdict}.",
        ]
    else:
        lines += ["", f"Target >= {TARGET_RATIO:g}x the peer's whole process: peer not run or not available."]
    lines += [
        "",
        f"Startup: `import dealstudy` {summary['import_seconds']:.3f} s (python -X importtime, cumulative); "
        f"`import dealstudy.cli` {summary.get('cli_import_seconds', float('nan')):.3f} s; "
        f"`dealstudy --help` {summary['help_seconds']:.3f} s whole process (median of {HELP_RUNS} runs).",
        "Our package was byte-compiled before the runs, as an install compiles it"
        + ("." if summary.get("byte_compiled", True) else " (some files failed to compile)."),
    ]
    return "\n".join(lines)


def _main() -> None:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.cli",
        description="Whole-process benchmark (issue 15): `dealstudy study` on N events over 1,000 CSV files, "
        "side by side with the eventstudy package.",
    )
    parser.add_argument(
        "events", nargs="?", type=int, default=50_000, help="number of events (default 50000)"
    )
    parser.add_argument("--no-peer", action="store_true", help="do not run the peer")
    parser.add_argument(
        "--repeats", type=int, default=5,
        help="runs of ours (from the cache) and of the peer, in turn (default 5); medians and paired ratios",
    )  # fmt: skip
    parser.add_argument(
        "--baseline-src", type=Path, default=None, help="an earlier checkout's src, run first"
    )
    args = parser.parse_args()
    result = run_cli_benchmark(
        args.events, peer=not args.no_peer, baseline_src=args.baseline_src, repeats=args.repeats
    )
    print(render_cli(result))
    print(json.dumps(result, default=str))


if __name__ == "__main__":  # pragma: no cover - python -m benchmarks.cli [EVENTS]
    _main()
