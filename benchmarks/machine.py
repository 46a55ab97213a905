"""What the figures were measured on: CPU, memory, versions, BLAS threads, load; and memory probes."""

from __future__ import annotations

import os
import platform
import resource
import sys
from pathlib import Path
from typing import Any

__all__ = ["machine_info", "peak_rss_mib", "reset_peak_rss", "rss_mib"]


def _proc_field(path: str, key: str) -> str | None:
    try:
        for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
            if line.split(":", 1)[0].strip() == key:
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _kib_field(key: str) -> float | None:
    value = _proc_field("/proc/self/status", key)
    if value is None:
        return None
    return float(value.split()[0]) / 1024.0


def rss_mib() -> float | None:
    """Current resident set size (``VmRSS`` of ``/proc/self/status``), MiB."""
    return _kib_field("VmRSS")


def reset_peak_rss() -> bool:
    """Reset the kernel's resident-set high-water mark (``VmHWM``) of this process.

    Writes ``5`` to ``/proc/self/clear_refs`` (Linux >= 4.0). Returns whether it worked; if not,
    :func:`peak_rss_mib` is the peak since the process started.
    """
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


def peak_rss_mib() -> float:
    """Peak resident set size since the last :func:`reset_peak_rss` (``VmHWM``), else since start, MiB."""
    hwm = _kib_field("VmHWM")
    if hwm is not None:
        return hwm
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def machine_info() -> dict[str, Any]:
    """CPU model and count, RAM, OS, Python and library versions, BLAS threads, load average."""
    import numpy as np
    import pandas as pd
    import scipy

    info: dict[str, Any] = {
        "cpu_model": _proc_field("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "ram_gib": None,
        "os": f"{platform.system()} {platform.release()}",
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "pandas": pd.__version__,
        "scipy": scipy.__version__,
        "blas": "unknown (threadpoolctl not installed)",
        "loadavg": os.getloadavg() if hasattr(os, "getloadavg") else None,
    }
    total = _proc_field("/proc/meminfo", "MemTotal")
    if total:
        info["ram_gib"] = round(float(total.split()[0]) / 1024.0**2, 1)
    try:
        from threadpoolctl import threadpool_info  # type: ignore[import-untyped]

        pools = threadpool_info()
        info["blas"] = (
            ", ".join(
                f"{p.get('internal_api')} {p.get('version')} ({p.get('num_threads')} threads)" for p in pools
            )
            or "none loaded"
        )
    except ImportError:
        pass
    return info
