"""Benchmark the event-study engine (and the report build) and print a table of figures.

Run from the repository root::

    python -m benchmarks.run                      # 1,000 / 10,000 / 100,000 events, peer, report build
    python -m benchmarks.run --quick              # 1,000 and 10,000 events, one run each
    python -m benchmarks.run --sizes 1000,10000 --repeats 3 --no-report

Each size runs in a fresh worker process (``--worker engine``) so memory figures do not leak between sizes.
The engine's time is ``EventStudy(spec).fit(events, prices)`` plus ``results.aggregate`` (all twelve
aggregate tests, per group and overall, for every single day of the widest window and every window):
returns from prices, alignment, estimation, abnormal returns, CARs/BHARs with standard errors and the
sample-quantile test, the panel, and the tests. Data generation is not timed.

Memory: ``tracemalloc peak`` is the peak of Python-level allocations (NumPy buffers included) during one
fit + aggregate, measured in a separate, untimed run; ``peak RSS`` is the kernel's resident-set high-water
mark (``VmHWM`` in ``/proc/self/status``, reset through ``/proc/self/clear_refs`` just before the timed runs),
so it is the whole process: interpreter, libraries, the synthetic prices and the fit.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.machine import machine_info, peak_rss_mib, reset_peak_rss, rss_mib
from benchmarks.peer import PEER_REQUIREMENT, load_peer, peer_returns_table, peer_window_cars, run_peer_batch
from benchmarks.synthetic import PanelConfig, make_events, make_panel

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
MARKET = "MKT"
ESTIMATION = (-250, -11)
MIN_OBS = 120
WINDOWS = ((0, 0), (-1, 1), (0, 1), (-5, 5), (0, 10))
AGREEMENT_TOL = 1e-10
AGREEMENT_SAMPLE = 100
TARGETS = {"seconds_100k": 10.0, "rss_gib_100k": 2.0, "peer_ratio": 30.0, "report_seconds": 20.0}


def _spec(*, peer_conventions: bool = False) -> Any:
    from dealstudy.study import StudySpec

    if peer_conventions:
        return StudySpec(
            model="market", market=MARKET, estimation=ESTIMATION, min_obs=MIN_OBS, windows=WINDOWS,
            variance="residual", sigma_ddof="none",
        )  # fmt: skip
    return StudySpec(model="market", market=MARKET, estimation=ESTIMATION, min_obs=MIN_OBS, windows=WINDOWS)


def _fit(spec: Any, events: pd.DataFrame, prices: dict[str, pd.Series]) -> tuple[Any, float, float]:
    """One fit + all aggregate tests; returns (results, fit seconds, aggregate seconds)."""
    results, fit_s, agg_s, _, _ = _timed(spec, events, prices)
    return results, fit_s, agg_s


def _timed(
    spec: Any, events: pd.DataFrame, prices: dict[str, pd.Series]
) -> tuple[Any, float, float, float, float]:
    """One fit + all aggregate tests: (results, fit s, tests s, fit CPU s, tests CPU s).

    CPU seconds are the process CPU time (all threads) over each part.
    """
    from dealstudy.study import EventStudy

    t0, c0 = time.perf_counter(), time.process_time()
    results = EventStudy(spec).fit(events, prices)
    t1, c1 = time.perf_counter(), time.process_time()
    _ = results.aggregate
    t2, c2 = time.perf_counter(), time.process_time()
    return results, t1 - t0, t2 - t1, c1 - c0, c2 - c1


# ----------------------------------------------------------------------------------------------- workers


def _agreement(
    peer: Any, table: dict[str, Any], events: pd.DataFrame, prices: dict[str, pd.Series], seed: int
) -> dict[str, Any]:
    """Our CARs (peer conventions) against the peer's, window by window, on a sample of clean events."""
    results, fit_s, agg_s = _fit(_spec(peer_conventions=True), events, prices)
    out = results.outcomes
    full = ESTIMATION[1] - ESTIMATION[0] + 1
    clean = out[(out["outcome"] == "ok") & (out["estimation_obs"] == full)]
    sample = clean.sample(n=min(AGREEMENT_SAMPLE, len(clean)), random_state=seed)
    chosen = events[events["event_id"].isin(sample["event_id"])]
    theirs = peer_window_cars(peer, table, chosen, estimation=ESTIMATION, windows=WINDOWS, market=MARKET)
    ours = results.cars[["event_id", "window", "car", "se", "t_stat"]]
    both = theirs.merge(ours, on=["event_id", "window"], suffixes=("_peer", "_ours"), how="left")
    both = both.merge(out[["event_id", "beta"]], on="event_id", suffixes=("_peer", "_ours"), how="left")
    car_diff = float(np.max(np.abs(both["car_peer"] - both["car_ours"])))
    se_rel = float(np.max(np.abs(both["se_peer"] / both["se_ours"] - 1.0)))
    t_diff = float(np.max(np.abs(both["t_stat_peer"] - both["t_stat_ours"])))
    beta_diff = float(np.max(np.abs(both["beta_peer"] - both["beta_ours"])))
    return {
        "events": len(chosen),
        "comparisons": len(both),
        "candidates": len(clean),
        "max_abs_car_diff": car_diff,
        "max_rel_se_diff": se_rel,
        "max_abs_t_diff": t_diff,
        "max_abs_beta_diff": beta_diff,
        "agree": bool(np.isfinite(car_diff) and car_diff <= AGREEMENT_TOL and len(both) == 5 * len(chosen)),
        "ours_peer_conventions_seconds": fit_s + agg_s,
    }


def engine_worker(size: int, repeats: int, peer_mode: str, seed: int, *, trace: bool) -> dict[str, Any]:
    """Measure one size in this process; ``peer_mode`` is ``run``, ``run+agree`` or ``off``."""
    panel = make_panel(PanelConfig())
    events = make_events(panel, size, seed=seed)
    spec = _spec()
    gc.collect()
    rss_before = rss_mib()
    reset_ok = reset_peak_rss()
    runs: list[tuple[float, float, float, float]] = []
    peak_rss = float("nan")
    results = None
    for r in range(repeats):
        results = None
        gc.collect()
        results, fit_s, agg_s, fit_cpu, agg_cpu = _timed(spec, events, panel.prices)
        runs.append((fit_s, agg_s, fit_cpu + agg_cpu, fit_cpu))
        if r == 0:
            peak_rss = peak_rss_mib()
    assert results is not None
    best = min(runs, key=lambda fa: fa[0] + fa[1])
    outcomes = results.outcomes["outcome"].value_counts().to_dict()
    from dealstudy._parallel import thread_count

    row: dict[str, Any] = {
        "events": size,
        "threads": thread_count(),
        "ok": int(results.n_ok),
        "outcomes": {str(k): int(v) for k, v in outcomes.items()},
        "aggregate_rows": len(results.aggregate),
        "runs": len(runs),
        "seconds": [fa[0] + fa[1] for fa in runs],
        "best_seconds": best[0] + best[1],
        "best_fit_seconds": best[0],
        "best_aggregate_seconds": best[1],
        "best_cpu_seconds": best[2],
        "best_fit_cpu_seconds": best[3],
        "min_cpu_seconds": min(fa[2] for fa in runs),
        "rss_before_mib": rss_before,
        "peak_rss_mib": peak_rss,
        "peak_rss_reset": reset_ok,
        "tracemalloc_peak_mib": None,
    }
    del results
    if trace:
        gc.collect()
        tracemalloc.start()
        _fit(spec, events, panel.prices)
        row["tracemalloc_peak_mib"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    if peer_mode != "off":
        status = load_peer(install=True)
        row["peer"] = {"available": status.available, "version": status.version, "origin": status.origin,
                       "message": status.message}  # fmt: skip
        if status.module is not None:
            t0 = time.perf_counter()
            table = peer_returns_table(panel.prices, panel.dates)
            prep = time.perf_counter() - t0
            run = run_peer_batch(status.module, table, events, estimation=ESTIMATION,
                                 widest=(min(a for a, _ in WINDOWS), max(b for _, b in WINDOWS)),
                                 market=MARKET)  # fmt: skip
            row["peer"].update(
                prep_seconds=prep, seconds=run.seconds, cpu_seconds=run.cpu_seconds, processed=run.n_results,
                errors=run.n_errors, nan_results=run.n_nan,
            )  # fmt: skip
            if peer_mode == "run+agree":
                row["agreement"] = _agreement(status.module, table, events, panel.prices, seed)
    return row


def report_worker() -> dict[str, Any]:
    """Time ``build_report`` on the shipped catalog with the shared price snapshot, by stage."""
    try:
        from dealstudy.data import open_sources
        from dealstudy.pipeline.report import build_report
    except ImportError as exc:
        return {"available": False, "message": f"not available yet ({exc})"}
    from dealstudy.config import find_shared_dir

    shared = find_shared_dir(ROOT)
    if shared is None:
        return {"available": False, "message": "no shared snapshot (../shared/data/prices) found"}
    with tempfile.TemporaryDirectory(prefix="dealstudy-bench-report-") as tmp:
        t0 = time.perf_counter()
        try:
            sources = open_sources(prices=shared / "data" / "prices")
            summary = build_report(ROOT / "events", sources, out_dir=Path(tmp) / "report")
        except Exception as exc:  # report the failure in the table instead of a traceback
            return {"available": False, "message": f"build_report failed: {type(exc).__name__}: {exc}"}
        total = time.perf_counter() - t0
    return {
        "available": True,
        "seconds": total,
        "stages": dict(summary.stage_seconds),
        "events": summary.events,
        "studied": summary.studied,
        "pages": summary.pages,
        "figures": summary.figures,
    }


# ----------------------------------------------------------------------------------------------- driver


def _spawn(args: list[str], threads: int | None = None) -> dict[str, Any]:
    """Run a worker in a fresh process (``threads`` sets ``DEALSTUDY_THREADS`` for it)."""
    import os

    from dealstudy._parallel import THREADS_ENV

    cmd = [sys.executable, "-m", "benchmarks.run", *args]
    env = dict(os.environ)
    if threads is not None:
        env[THREADS_ENV] = str(threads)
    done = subprocess.run(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True, check=False, env=env)
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": f"worker {' '.join(args)} exited with {done.returncode}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def scaling_exponent(sizes: Sequence[int], seconds: Sequence[float]) -> float:
    """Least-squares slope of log(seconds) on log(events); 1 means linear scaling."""
    x, y = np.log(np.asarray(sizes, dtype=float)), np.log(np.asarray(seconds, dtype=float))
    if x.size < 2:
        return float("nan")
    return float(np.polyfit(x, y, 1)[0])


def _fmt(value: Any, spec: str = ",.2f") -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "n/a"
    return format(value, spec)


def render(summary: dict[str, Any]) -> str:
    """The Markdown tables printed at the end (and pasted into benchmarks/README.md)."""
    m = summary["machine"]
    lines = [
        f"Machine: {m['cpu_model']}, {m['nproc']} cores, {m['ram_gib']} GiB RAM, {m['os']}; "
        f"Python {m['python']}, numpy {m['numpy']}, pandas {m['pandas']}, scipy {m['scipy']}; "
        f"BLAS: {m['blas']}; "
        f"load average at start {', '.join(f'{v:.2f}' for v in m['loadavg'] or ())}",
        "Workload: synthetic panel of 2,000 tickers x 2,300 sessions (t(4) shocks, GARCH, 0.5% missing "
        f"prices, 3% IPOs); market model, estimation {ESTIMATION[0]}:{ESTIMATION[1]}, min {MIN_OBS} obs, "
        "windows "
        f"{', '.join(f'{a}:{b}' for a, b in WINDOWS)}, prediction-error variance, all 12 aggregate tests "
        "per group (3 groups) and overall.",
        "",
        "| events | threads | ok | runs | best s (fit + tests) | fit s | tests s | CPU s | events/s "
        "| tracemalloc peak MiB | peak RSS MiB | RSS before fit MiB |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in [*summary["engine"], *summary.get("single_thread", [])]:
        if "error" in row:
            lines.append(f"| {row.get('events', '?')} | | {row['error']} ||||||||||")
            continue
        lines.append(
            f"| {row['events']:,} | {row.get('threads', '?')} | {row['ok']:,} | {row['runs']} "
            f"| {row['best_seconds']:.3f} "
            f"| {row['best_fit_seconds']:.3f} | {row['best_aggregate_seconds']:.3f} "
            f"| {row['best_cpu_seconds']:.3f} | {row['events'] / row['best_seconds']:,.0f} "
            f"| {_fmt(row['tracemalloc_peak_mib'], ',.0f')} "
            f"| {row['peak_rss_mib']:,.0f} | {_fmt(row['rss_before_mib'], ',.0f')} |"
        )
    lines.append("")
    lines.append(
        f"Scaling exponent (log-log slope of time on events, default threads): "
        f"{_fmt(summary['scaling_exponent'], '.2f')}"
    )
    lines.append("")
    peer_rows = [r for r in summary["engine"] if "peer" in r]
    if peer_rows:
        lines.append(
            f"Peer: {PEER_REQUIREMENT} (Multiple.from_list of Single.market_model, one widest-window run "
            "per event; its aggregation is a CAAR t-test only)."
        )
        lines.append("")
        lines.append(
            "| events | peer status | peer s | peer CPU s | peer events/s | NaN results | ours events/s "
            "| ratio (wall) | ratio (wall, fit without the tests) | ratio (CPU) |"
        )
        lines.append("|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for row in peer_rows:
            p = row["peer"]
            ours = row["events"] / row["best_seconds"]
            if not p["available"]:
                lines.append(
                    f"| {row['events']:,} | NOT AVAILABLE: {p['message']} | | | | | {ours:,.0f} | | | |"
                )
                continue
            theirs = row["events"] / p["seconds"]
            cpu_ratio = p["cpu_seconds"] / row["best_cpu_seconds"]
            lines.append(
                f"| {row['events']:,} | {p['version']} ({p['origin']}) | {p['seconds']:.2f} "
                f"| {p['cpu_seconds']:.2f} | {theirs:,.0f} | {p['nan_results']:,} of {p['processed']:,} "
                f"| {ours:,.0f} | {ours / theirs:,.1f}x | {p['seconds'] / row['best_fit_seconds']:,.1f}x "
                f"| {cpu_ratio:,.1f}x |"
            )
        ran = [r for r in peer_rows if r["peer"].get("available")]
        if ran:
            # The peer is a Python loop over events: its time per event does not depend on the count.
            base = max(ran, key=lambda r: r["events"])
            wall_per, cpu_per = (
                base["peer"]["seconds"] / base["events"],
                base["peer"]["cpu_seconds"] / base["events"],
            )
            for row in summary["engine"]:
                if "peer" in row or "error" in row:
                    continue
                ours = row["events"] / row["best_seconds"]
                lines.append(
                    f"| {row['events']:,} | EXTRAPOLATED from its {base['events']:,}-event run "
                    "(per-event time x events), not run "
                    f"| {wall_per * row['events']:.1f} | {cpu_per * row['events']:.1f} "
                    f"| {1 / wall_per:,.0f} | | {ours:,.0f} | {ours * wall_per:,.1f}x "
                    f"| {wall_per * row['events'] / row['best_fit_seconds']:,.1f}x "
                    f"| {cpu_per * row['events'] / row['best_cpu_seconds']:,.1f}x |"
                )
        lines.append("")
    for row in summary["engine"]:
        agree = row.get("agreement")
        if agree:
            lines.append(
                f"Agreement ({row['events']:,}-event set, {agree['events']} clean events x 5 windows, peer "
                "conventions: residual variance, sigma ddof 0): "
                f"max |CAR diff| {agree['max_abs_car_diff']:.2e}, "
                f"max relative SE diff {agree['max_rel_se_diff']:.2e}, "
                f"max |t diff| {agree['max_abs_t_diff']:.2e}, "
                f"max |beta diff| {agree['max_abs_beta_diff']:.2e}: "
                f"{'AGREE' if agree['agree'] else 'DISAGREE'} at {AGREEMENT_TOL:g}."
            )
    rep = summary.get("report")
    lines.append("")
    if rep is None:
        lines.append("Report build: not measured (--no-report).")
    elif not rep.get("available"):
        lines.append(f"Report build: {rep.get('message', rep.get('error'))}.")
    else:
        stages = ", ".join(f"{k} {v:.2f} s" for k, v in rep["stages"].items()) or "no stage split returned"
        lines.append(
            f"Report build (shipped catalog: {rep['events']} events, {rep['studied']} studied; shared "
            f"snapshot; {rep['pages']} pages, {rep['figures']} figures): {rep['seconds']:.2f} s total; "
            f"{stages}."
        )
    lines.append("")
    lines.append("Targets:")
    for text in _targets(summary):
        lines.append(f"- {text}")
    return "\n".join(lines)


def _targets(summary: dict[str, Any]) -> list[str]:
    rows = {r["events"]: r for r in summary["engine"] if "error" not in r}
    out = []
    big = rows.get(100_000)
    if big is None:
        out.append("100,000 events < 10 s and < 2 GB: not measured in this run")
    else:
        gib = big["peak_rss_mib"] / 1024.0
        gb = big["peak_rss_mib"] * 2**20 / 1e9
        limit = TARGETS["rss_gib_100k"]
        memory = (
            "met" if gb < limit else f"met only if GB means GiB ({limit:g} GiB)" if gib < limit else "NOT met"
        )
        out.append(
            f"100,000 events in {big['best_seconds']:.2f} s (target < {TARGETS['seconds_100k']:g} s): "
            f"{'met' if big['best_seconds'] < TARGETS['seconds_100k'] else 'NOT met'}; "
            f"peak RSS of the whole process {gb:.2f} GB = {gib:.2f} GiB (target < {limit:g} GB): {memory}"
        )
    ratios = [
        (r["events"], (r["events"] / r["best_seconds"]) / (r["events"] / r["peer"]["seconds"]))
        for r in rows.values()
        if r.get("peer", {}).get("available")
    ]
    if ratios:
        worst = min(ratios, key=lambda er: er[1])
        out.append(
            f">= {TARGETS['peer_ratio']:g}x the peer's events/s: lowest ratio {worst[1]:.1f}x "
            f"at {worst[0]:,} events: "
            f"{'met' if worst[1] >= TARGETS['peer_ratio'] else 'NOT met'}"
        )
    else:
        out.append(">= 30x the peer: peer not run or not available")
    rep = summary.get("report") or {}
    if rep.get("available"):
        ok = rep["seconds"] < TARGETS["report_seconds"]
        out.append(f"report build {rep['seconds']:.2f} s (target < 20 s): {'met' if ok else 'NOT met'}")
    else:
        out.append("report build < 20 s: not measured")
    return out


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="event counts, comma-separated")
    parser.add_argument("--quick", action="store_true", help="1,000 and 10,000 events, one run each")
    parser.add_argument(
        "--repeats", type=int, default=None,
        help="runs per size (the best is reported); default 5 / 3 / 1 for <= 1k / <= 10k / more; with --cli, "
        "runs of ours and the peer in turn (default 5; medians and paired ratios)",
    )  # fmt: skip
    parser.add_argument(
        "--peer-max", type=int, default=100_000,
        help="run the peer on sizes up to this (larger sizes get an extrapolated, labelled row)",
    )  # fmt: skip
    parser.add_argument(
        "--single-thread", action="store_true",
        help="also run every size with DEALSTUDY_THREADS=1 (rows with threads = 1)",
    )  # fmt: skip
    parser.add_argument("--no-peer", action="store_true", help="do not run the peer (reported as such)")
    parser.add_argument("--no-report", action="store_true", help="do not time the report build")
    parser.add_argument("--no-tracemalloc", action="store_true", help="skip the tracemalloc run")
    parser.add_argument("--seed", type=int, default=7, help="seed of the event draw")
    parser.add_argument(
        "--json", type=Path, default=RESULTS / "latest.json", help="where to write the figures"
    )
    parser.add_argument(
        "--cli", action="store_true",
        help="whole-process benchmark instead: `dealstudy study` on --cli-events events over 1,000 CSV files "
        "beside the peer's whole process (benchmarks/cli.py)",
    )  # fmt: skip
    parser.add_argument("--cli-events", type=int, default=50_000, help="events of the --cli workload")
    parser.add_argument("--worker", choices=("engine", "report"), help=argparse.SUPPRESS)
    parser.add_argument("--size", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--peer-mode", default="off", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks.run``."""
    args = _parse(argv)
    if args.cli:
        from benchmarks.cli import render_cli, run_cli_benchmark

        result = run_cli_benchmark(args.cli_events, peer=not args.no_peer, repeats=args.repeats or 5)
        print(render_cli(result))
        with contextlib.suppress(OSError):
            path = args.json.with_name("cli.json")
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
        return 0
    if args.worker == "engine":
        repeats = args.repeats or 1
        print(json.dumps(engine_worker(args.size, repeats, args.peer_mode, args.seed,
                                       trace=not args.no_tracemalloc)))  # fmt: skip
        return 0
    if args.worker == "report":
        print(json.dumps(report_worker()))
        return 0

    sizes = [1_000, 10_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    summary: dict[str, Any] = {"machine": machine_info(), "engine": [], "report": None}
    first_peer = True
    for size in sizes:
        repeats = args.repeats or (1 if args.quick else 5 if size <= 1_000 else 3 if size <= 10_000 else 1)
        peer_mode = "off"
        if not args.no_peer and size <= (1_000 if args.quick else args.peer_max):
            peer_mode = "run+agree" if first_peer else "run"
            first_peer = False
        print(f"[bench] {size:,} events: {repeats} run(s), peer {peer_mode} ...", file=sys.stderr, flush=True)

        def worker_args(peer: str, trace: bool) -> list[str]:
            out = ["--worker", "engine", "--size", str(size), "--repeats", str(repeats),  # noqa: B023
                   "--peer-mode", peer, "--seed", str(args.seed)]  # fmt: skip
            return out if trace else [*out, "--no-tracemalloc"]

        row = _spawn(worker_args(peer_mode, not args.no_tracemalloc))
        row.setdefault("events", size)
        summary["engine"].append(row)
        if args.single_thread:
            print(f"[bench] {size:,} events, one thread ...", file=sys.stderr, flush=True)
            single = _spawn(worker_args("off", False), threads=1)
            single.setdefault("events", size)
            summary.setdefault("single_thread", []).append(single)
    if args.no_peer:
        summary["peer_note"] = "peer not run (--no-peer)"
    good = [r for r in summary["engine"] if "error" not in r]
    summary["scaling_exponent"] = scaling_exponent(
        [r["events"] for r in good], [r["best_seconds"] for r in good]
    )
    if not args.no_report:
        print("[bench] report build ...", file=sys.stderr, flush=True)
        summary["report"] = _spawn(["--worker", "report"])
    summary["machine"]["loadavg_end"] = machine_info()["loadavg"]
    summary["generated"] = pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")
    text = render(summary)
    print(text)
    with contextlib.suppress(OSError):
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
