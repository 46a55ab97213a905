"""The peer: the ``eventstudy`` package on PyPI (J.-B. Lemaire), a per-event market model.

Loaded lazily: the benchmark imports it if installed; otherwise it tries ``pip install --no-deps`` into a
throw-away folder under the system temp directory (never into the active environment) and imports it from
there. Whatever happens is returned as a :class:`PeerStatus` and printed by the runner; a missing peer is
reported, never skipped silently.

Conventions of the peer and how they map onto ours
---------------------------------------------------
* It counts rows of one returns table (here: the session calendar of the panel), so relative days are
  sessions, as in our engine when a stock has a row (price or NaN) on every session.
* Event window ``(a, b)``; estimation window of ``estimation_size`` rows ending ``buffer_size`` rows before
  ``a``. Our estimation ``(e0, e1)`` is therefore ``estimation_size = e1 - e0 + 1`` and
  ``buffer_size = a - e1 - 1`` (window by window).
* OLS by statsmodels on the estimation rows; ``sigma**2 = var(residuals)`` with ``ddof=0``; no
  prediction-error term: ``Var(CAR) = L sigma**2``. Ours matches with ``StudySpec(variance="residual",
  sigma_ddof="none")``. Its t uses ``estimation_size - 1`` degrees of freedom (ours ``nobs - 2``), so
  p-values are not compared.
* Missing returns are not handled: an event with a NaN in its rows gets NaN results, silently.
"""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys
import tempfile
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "PEER_REQUIREMENT",
    "PeerRun",
    "PeerStatus",
    "load_peer",
    "peer_returns_table",
    "peer_window_cars",
    "run_peer_batch",
]

#: The release benchmarked (the last one on PyPI, a pre-release: 0.1a12, April 2021).
PEER_REQUIREMENT = "eventstudy==0.1a12"
_FALLBACK_DIR = Path(tempfile.gettempdir()) / "dealstudy-bench-peer"


@dataclass(frozen=True)
class PeerStatus:
    """Whether the peer could be imported, from where, and what went wrong if not."""

    available: bool
    version: str
    origin: str
    message: str
    module: ModuleType | None = None


def _import() -> ModuleType:
    with warnings.catch_warnings():
        # Its docstrings hold invalid escapes ("\*"): SyntaxWarning when compiled from source.
        warnings.simplefilter("ignore")
        return importlib.import_module("eventstudy")


def load_peer(*, install: bool = True) -> PeerStatus:
    """Import the peer, installing it into a temporary folder first if needed and allowed."""
    try:
        module = _import()
        return PeerStatus(True, str(getattr(module, "__version__", "?")), "installed", "", module)
    except Exception as exc:  # report any failure to import, whatever its type
        first_error = f"{type(exc).__name__}: {exc}"
    if not install:
        return PeerStatus(False, "", "", f"not importable ({first_error}); installing was not allowed")
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
        "--target", str(_FALLBACK_DIR), PEER_REQUIREMENT,
    ]  # fmt: skip
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return PeerStatus(False, "", "", f"not importable ({first_error}); pip failed to run: {exc}")
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return PeerStatus(
            False, "", "", f"not importable ({first_error}); `{' '.join(cmd)}` failed: {' | '.join(tail)}"
        )
    sys.path.insert(0, str(_FALLBACK_DIR))
    try:
        module = _import()
    except Exception as exc:
        return PeerStatus(False, "", "", f"installed into {_FALLBACK_DIR} but import failed: {exc}")
    return PeerStatus(True, str(getattr(module, "__version__", "?")), str(_FALLBACK_DIR), "", module)


def peer_returns_table(prices: Mapping[str, pd.Series], dates: pd.DatetimeIndex) -> dict[str, Any]:
    """The peer's returns table: simple returns of every symbol on the session calendar ``dates``.

    ``r_t = P_t / P_{t-1} - 1`` between consecutive sessions, NaN when either price is missing (before an
    IPO, or a missing day: two NaN returns), which is our engine's convention. The first session is dropped
    as in the peer's own ``import_returns(is_price=True)``.
    """
    table: dict[str, Any] = {"date": dates.to_numpy()[1:].astype("datetime64[D]")}
    for symbol, series in prices.items():
        p = series.reindex(dates).to_numpy(dtype=np.float64)
        table[symbol] = p[1:] / p[:-1] - 1.0
    return table


@dataclass(frozen=True)
class PeerRun:
    """A timed batch run of the peer over events (one widest-window market model per event).

    ``seconds`` is wall time, ``cpu_seconds`` the process CPU time over the run (all threads).
    """

    seconds: float
    cpu_seconds: float
    n_events: int
    n_results: int
    n_errors: int
    n_nan: int


def _event_list(events: pd.DataFrame, market: str) -> list[dict[str, Any]]:
    day0 = events["day0"].to_numpy().astype("datetime64[D]")
    markets = events["market"] if "market" in events.columns else pd.Series(market, index=events.index)
    return [
        {"security_ticker": t, "market_ticker": m, "event_date": d}
        for t, m, d in zip(events["ticker"].tolist(), markets.tolist(), day0, strict=True)
    ]


def run_peer_batch(
    peer: ModuleType,
    table: dict[str, Any],
    events: pd.DataFrame,
    *,
    estimation: tuple[int, int],
    widest: tuple[int, int],
    market: str,
) -> PeerRun:
    """Time the peer's batch API ``Multiple.from_list`` with ``Single.market_model`` over ``events``.

    One run per event over the widest window (the CAR of every narrower window is a difference of its
    cumulative CARs), which is the cheapest way to get our five windows out of the peer: the speed ratio
    is therefore conservative. The time includes the peer's aggregation (CAAR and its t-test).
    """
    single, multiple = peer.Single, peer.Multiple
    single._save_parameter("returns", table)
    event_list = _event_list(events, market)
    buffer = widest[0] - estimation[1] - 1
    size = estimation[1] - estimation[0] + 1
    start, cpu_start = time.perf_counter(), time.process_time()
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")  # NaN-mean warnings of its aggregation
        logging.disable(logging.WARNING)  # its "events have not been processed" notice; counted below
        try:
            result = multiple.from_list(
                event_list,
                single.market_model,
                event_window=widest,
                estimation_size=size,
                buffer_size=buffer,
                keep_model=False,
                ignore_errors=True,
            )
        finally:
            logging.disable(logging.NOTSET)
    seconds, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    n_nan = sum(int(not np.isfinite(s.CAR[-1])) for s in result.sample)
    return PeerRun(seconds, cpu, len(event_list), len(result.sample), len(result.errors or []), n_nan)


def peer_window_cars(
    peer: ModuleType,
    table: dict[str, Any],
    events: pd.DataFrame,
    *,
    estimation: tuple[int, int],
    windows: Sequence[tuple[int, int]],
    market: str,
) -> pd.DataFrame:
    """CAR, SE(CAR) and t of each event and window, each window run natively by the peer.

    Returns a frame ``event_id, window ("a:b"), car, se, t_stat, beta`` (one peer run per event and window,
    with ``buffer_size`` chosen so the estimation window is ``estimation`` for every window).
    """
    single = peer.Single
    single._save_parameter("returns", table)
    size = estimation[1] - estimation[0] + 1
    rows: list[dict[str, Any]] = []
    for params, event_id in zip(_event_list(events, market), events["event_id"].tolist(), strict=True):
        for a, b in windows:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                res = single.market_model(
                    **params,
                    event_window=(a, b),
                    estimation_size=size,
                    buffer_size=a - estimation[1] - 1,
                    keep_model=True,
                )
            rows.append(
                {
                    "event_id": event_id,
                    "window": f"{a}:{b}",
                    "car": float(res.CAR[-1]),
                    "se": float(np.sqrt(res.var_CAR[-1])),
                    "t_stat": float(res.tstat[-1]),
                    "beta": float(np.asarray(res.model.params)[1]),
                }
            )
    return pd.DataFrame(rows)
