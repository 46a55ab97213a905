"""The study on a Dask ``LocalCluster`` (2 worker processes) against the single-process study, same events.

    python -m benchmarks.dask_run                       # 100,000 events
    python -m benchmarks.dask_run --sizes 100000,1000000 --workers 2
    python -m benchmarks.dask_run --sizes 1000000 --cases blocks   # the block-by-block engine alone

Each case runs in its own process (``--case single|dask --size N``, printing one JSON line), one after
the other, so their memory never adds up. Both cases read the same seeded synthetic panel
(``benchmarks.synthetic``, about 50 events per ticker: 2,000 tickers for 100,000 events, 20,000 for
1,000,000) from the same Parquet price dataset (hive folders by symbol, written before the timer starts)
and write the same tables as Parquet:

- single: ``read_closes`` of every symbol, ``study_prices`` (day 0, engine), ``results.aggregate``, and the
  outcomes, abnormal returns, CARs and aggregate tests written with pandas;
- blocks: ``run_study_blocked`` (``--engine blocks``): the same partitions, one after another in this
  process, each block's tables written as Parquet parts and dropped, the panel gathered and tested;
- dask: ``run_study_dask`` on a ``LocalCluster`` started beforehand (its start-up is reported apart):
  partitions of at most 20,000 events (about four per worker), each read and studied on a worker, tables
  written by the workers, the panel gathered and tested on the driver.

Reported: wall and CPU seconds, peak RSS of the driver and of each worker (``VmHWM``), the partition
tasks' compute times (from the scheduler's task stream) as events per second per partition, and the
largest difference between the two runs' aggregate statistics.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.machine import machine_info, peak_rss_mib
from benchmarks.synthetic import PanelConfig, make_events, make_panel

ROOT = Path(__file__).resolve().parents[1]
MARKET = "MKT"
EVENTS_PER_TICKER = 50


def _spec() -> Any:
    from dealstudy.study import StudySpec

    windows = ((0, 0), (-1, 1), (0, 1), (-5, 5), (0, 10))
    return StudySpec(model="market", market=MARKET, estimation=(-250, -11), min_obs=120, windows=windows)


def _workload(size: int, data: Path) -> tuple[pd.DataFrame, Path]:
    """The events and the price dataset (written once per size into ``data``)."""
    from dealstudy.data.parquet_prices import write_price_dataset

    panel = make_panel(PanelConfig(n_tickers=max(2_000, size // EVENTS_PER_TICKER)))
    events = make_events(panel, size).rename(columns={"day0": "date"})
    dataset = data / f"prices-{size}"
    if not dataset.exists():
        write_price_dataset(panel.prices, dataset)
    return events, dataset


def _single(size: int, data: Path) -> dict[str, Any]:
    from dealstudy.data.parquet_prices import read_closes
    from dealstudy.pipeline.study import study_needs, study_prices

    events, dataset = _workload(size, data)
    spec = _spec()
    out = Path(tempfile.mkdtemp(dir=data))
    t0, c0 = time.perf_counter(), time.process_time()
    needs = study_needs(events, spec)
    prices, missing = read_closes(dataset, [*needs.tickers, *needs.benchmarks], needs.start, needs.end)
    t1 = time.perf_counter()
    results = study_prices(events, prices, spec, unavailable=missing)
    t2 = time.perf_counter()
    aggregate = results.aggregate
    t3 = time.perf_counter()
    for name in ("outcomes", "abnormal_returns", "cars"):
        getattr(results, name).to_parquet(out / f"{name}.parquet", index=False)
    aggregate.to_parquet(data / f"aggregate-single-{size}.parquet", index=False)
    t4, c4 = time.perf_counter(), time.process_time()
    return {
        "case": "single",
        "events": size,
        "ok": results.n_ok,
        "seconds": t4 - t0,
        "cpu_seconds": c4 - c0,
        "read_s": t1 - t0,
        "fit_s": t2 - t1,
        "tests_s": t3 - t2,
        "write_s": t4 - t3,
        "peak_rss_mib": peak_rss_mib(),
    }


def _aggregate_diff(aggregate: pd.DataFrame, size: int, data: Path) -> dict[str, Any]:
    """The largest difference from the single-process run's aggregate statistics (when it ran)."""
    path = data / f"aggregate-single-{size}.parquet"
    if not path.exists():
        return {}
    single = pd.read_parquet(path)
    diff = np.nanmax(
        np.abs(aggregate[["stat", "p_value"]].to_numpy() - single[["stat", "p_value"]].to_numpy())
    )
    same_nan = bool((aggregate["stat"].isna() == single["stat"].isna()).all())
    return {"max_abs_aggregate_diff": float(diff), "same_nan_pattern": same_nan}


def _blocks(size: int, data: Path) -> dict[str, Any]:
    from dealstudy.pipeline.blocked import run_study_blocked

    events, dataset = _workload(size, data)
    t0, c0 = time.perf_counter(), time.process_time()
    result = run_study_blocked(events, Path(tempfile.mkdtemp(dir=data)), spec=_spec(), prices_dataset=dataset)
    t1, c1 = time.perf_counter(), time.process_time()
    return {
        "case": "blocks",
        "events": size,
        "ok": result.n_ok,
        "partitions": result.partitions,
        "seconds": t1 - t0,
        "cpu_seconds": c1 - c0,
        "peak_rss_mib": peak_rss_mib(),
        **_aggregate_diff(result.aggregate, size, data),
    }


def _worker_peak() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1]) / 1024.0
    return float("nan")


def _dask(size: int, data: Path, workers: int) -> dict[str, Any]:
    from distributed import Client, LocalCluster, get_task_stream

    from dealstudy.pipeline.distributed import run_study_dask

    events, dataset = _workload(size, data)
    t_start = time.perf_counter()
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address="127.0.0.1:0",
            env={"DEALSTUDY_THREADS": "1"},
        ) as cluster,
        Client(cluster) as client,
    ):
        client.run(lambda: __import__("dealstudy.pipeline.study"))  # imports are start-up, not run time
        startup = time.perf_counter() - t_start
        cpu0 = client.run(time.process_time)
        t0, c0 = time.perf_counter(), time.process_time()
        with get_task_stream(client=client) as ts:
            result = run_study_dask(
                events,
                Path(tempfile.mkdtemp(dir=data)),
                spec=_spec(),
                prices_dataset=dataset,
                scheduler=cluster.scheduler_address,
            )
        t1, c1 = time.perf_counter(), time.process_time()
        cpu1 = client.run(time.process_time)
        stream = ts.data
        worker_peaks = sorted(client.run(_worker_peak).values())
    tasks = [
        (str(t["key"]), sum(s["stop"] - s["start"] for s in t["startstops"] if s["action"] == "compute"))
        for t in stream
        if str(t["key"]).startswith("dealstudy-partition-") and not str(t["key"]).endswith("-summary")
    ]
    durations = np.array([d for _, d in tasks])
    per_part = size / result.partitions
    return {
        "case": "dask",
        "events": size,
        "workers": workers,
        "ok": result.n_ok,
        "partitions": result.partitions,
        "startup_s": startup,
        "seconds": t1 - t0,
        "driver_cpu_seconds": c1 - c0,
        "workers_cpu_seconds": sum(cpu1[w] - cpu0[w] for w in cpu1 if w in cpu0),
        "partition_tasks": len(tasks),
        "partition_compute_s_median": float(np.median(durations)) if len(durations) else None,
        "partition_compute_s_sum": float(durations.sum()),
        "events_per_s_per_partition": per_part / float(np.median(durations)) if len(durations) else None,
        "driver_peak_rss_mib": peak_rss_mib(),
        "worker_peak_rss_mib": worker_peaks,
        **_aggregate_diff(result.aggregate, size, data),
    }


def _spawn(args: list[str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.dask_run", *args], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )
    lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    if done.returncode != 0 or not lines:
        return {"error": f"{' '.join(args)} exited with {done.returncode}"}
    result: dict[str, Any] = json.loads(lines[-1])
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", default="100000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--case", choices=("single", "blocks", "dask"))
    parser.add_argument("--cases", default="single,dask", help="cases to run per size, in order")
    parser.add_argument("--size", type=int)
    parser.add_argument("--data", type=Path)
    args = parser.parse_args(argv)
    if args.case:
        if args.case == "single":
            out = _single(args.size, args.data)
        elif args.case == "blocks":
            out = _blocks(args.size, args.data)
        else:
            out = _dask(args.size, args.data, args.workers)
        print(json.dumps(out))
        return 0
    print(json.dumps({"machine": machine_info()}))
    with tempfile.TemporaryDirectory(prefix="dealstudy-dask-bench-") as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            common = ["--size", str(size), "--data", tmp, "--workers", str(args.workers)]
            runs = {}
            for case in args.cases.split(","):
                runs[case] = _spawn(["--case", case, *common])
                print(json.dumps(runs[case]), flush=True)
            single, dask = runs.get("single", {}), runs.get("dask", {})
            if "seconds" in single and "seconds" in dask:
                wall = (dask["seconds"] - single["seconds"]) / size * 1e6
                cpu = dask["driver_cpu_seconds"] + dask["workers_cpu_seconds"] - single["cpu_seconds"]
                overhead = {"overhead_wall_us_per_event": wall, "overhead_cpu_us_per_event": cpu / size * 1e6}
                print(json.dumps({"events": size, **overhead}), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
