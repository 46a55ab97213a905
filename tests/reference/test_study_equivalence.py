"""Regression guard (not a correctness reference): a seeded synthetic study against outputs stored from an
earlier engine. Correctness of the numbers is checked elsewhere, against closed forms and other software
(``test_lemaire_aapl_iphone.py``, ``test_stats_estudy2_covid.py``,
``test_study_car_variance_statsmodels.py``).

The expected outputs in ``tests/reference/data/study_equivalence_*.csv`` were computed with the engine at
the commit named in ``tests/reference/data/study_equivalence.md`` by running this module as a script
(``python tests/reference/test_study_equivalence.py``), before the engine's speed and memory rework. The
panel exercises missing prices, late-listed tickers, several (and overlapping, and duplicated) events per
ticker, a ticker without prices, a non-normalised and unsorted index, two benchmarks on different
calendars (one with a missing price), ``after_close`` timing and non-session dates, under four
specifications (market model with a benchmark per event, two-benchmark custom model with log returns,
Scholes-Williams with residual variance, and the market model on given returns).

Floats are stored with 14 significant digits (rounding error below 5e-14 relative). Tolerance: floats to
1e-10 relative (absolute floor 1e-14 for values that are zero in exact arithmetic);
outcomes, reasons, ids, dates, windows and every other non-float column exactly.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.study import EventStudy, StudySpec
from dealstudy.study.results import StudyResults

DATA = Path(__file__).parent / "data"
RTOL = 1e-10
ATOL = 1e-14
WINDOWS = ((0, 0), (-1, 1), (0, 3))


def synthetic_inputs() -> tuple[dict[str, pd.Series], pd.DataFrame]:
    """Seeded prices of 8 tickers and two benchmarks, and 34 events (see the module notes)."""
    rng = np.random.default_rng(20261129)
    n = 420
    dates = pd.bdate_range("2021-01-04", periods=n)
    rm = rng.standard_t(4, n) * 0.008 + 0.0003
    rq = 0.6 * rm + rng.standard_t(4, n) * 0.006
    prices: dict[str, pd.Series] = {
        "SPY": pd.Series(300 * np.cumprod(1 + rm), index=dates),
    }
    qqq = pd.Series(200 * np.cumprod(1 + rq), index=dates)
    qqq = qqq.drop(dates[[50, 51, 200, 333]])  # its own calendar: four holidays of the stocks
    qqq.iloc[150] = np.nan  # one missing price
    prices["QQQ"] = qqq
    tickers = [f"T{j}" for j in range(8)]
    for j, t in enumerate(tickers):
        beta = 0.5 + 0.2 * j
        r = 0.0002 * j + beta * rm + 0.3 * rq * (j % 2) + rng.standard_t(5, n) * 0.015
        p = pd.Series(40 * (j + 1) * np.cumprod(1 + r), index=dates)
        if j in (1, 4):
            p.iloc[rng.choice(np.arange(5, n), size=6, replace=False)] = np.nan  # missing prices
        if j == 2:
            p = p.iloc[160:]  # listed late
        if j == 3:
            p.iloc[:40] = np.nan  # leading sessions without prices
        if j == 5:
            p = p.drop(dates[[100, 300]])  # its own calendar
        if j == 6:  # not normalised, unsorted, a duplicate stamp (the last one wins)
            p.index = p.index + pd.Timedelta(hours=16)
            p = pd.concat([p, p.iloc[[10]] * 1.01]).iloc[::-1]
        prices[t] = p
    d = dates
    rows = [
        # event_id, ticker, market, group, day0, date, timing
        ("e01", "T0", "SPY", "a", d[300], None, None),
        ("e02", "T0", "QQQ", "a", d[305], None, None),  # overlaps e01
        ("e03", "T0", "SPY", "b", None, d[360], "after_close"),
        ("e04", "T0", "SPY", "b", d[300], None, None),  # duplicate of e01's day 0
        ("e05", "T1", "SPY", "a", d[250], None, None),
        ("e06", "T1", "QQQ", "b", None, d[400], "before_open"),
        ("e07", "T1", "SPY", "a", d[150], None, None),
        ("e08", "T2", "SPY", "a", d[200], None, None),  # too soon after listing
        ("e09", "T2", "QQQ", "b", d[390], None, None),
        ("e10", "T2", "SPY", "a", d[100], None, None),  # before the first price
        ("e11", "T3", "SPY", "b", d[260], None, None),
        ("e12", "T3", "QQQ", "a", d[330], None, None),  # QQQ holiday in the event window
        ("e13", "T3", "SPY", "b", d[170], None, None),
        ("e14", "T4", "SPY", "a", d[280], None, None),
        ("e15", "T4", "QQQ", "b", d[210], None, None),  # QQQ's missing price in the estimation
        ("e16", "T4", "SPY", "a", None, pd.Timestamp("2022-05-07"), None),  # a Saturday
        ("e17", "T5", "SPY", "b", d[300], None, None),  # not a session of T5
        ("e18", "T5", "QQQ", "a", d[310], None, None),
        ("e19", "T5", "SPY", "b", None, d[99], "after_close"),
        ("e20", "T6", "SPY", "a", d[290], None, None),
        ("e21", "T6", "QQQ", "b", d[350], None, None),
        ("e22", "T6", "SPY", "a", None, d[418], "after_close"),  # window past the data
        ("e23", "T7", "SPY", "b", d[270], None, None),
        ("e24", "T7", "QQQ", "a", d[272], None, None),
        ("e25", "T7", "SPY", "b", d[380], None, None),
        ("e26", "T7", "QQQ", "a", None, pd.Timestamp("2030-01-02"), None),  # after the data
        ("e27", "NOPE", "SPY", "a", d[300], None, None),  # no prices
        ("e28", "T0", "QQQ", "b", d[230], None, None),
        ("e29", "T1", "QQQ", "a", d[330], None, None),
        ("e30", "T3", "QQQ", "b", d[399], None, None),
        ("e31", "T5", "QQQ", "a", d[240], None, None),
        ("e32", "T6", "SPY", "b", d[200], None, None),
        ("e33", "T7", "SPY", "a", d[180], None, None),
        ("e34", "T4", "SPY", "b", d[395], None, None),
    ]
    ev = pd.DataFrame(rows, columns=["event_id", "ticker", "market", "group", "day0", "date", "timing"])
    ev["day0"] = pd.to_datetime(ev["day0"])
    ev["date"] = pd.to_datetime(ev["date"])
    ev["timing"] = ev["timing"].fillna("")
    return prices, ev


def specs() -> dict[str, StudySpec]:
    common = {"estimation": (-120, -11), "min_obs": 60, "windows": WINDOWS, "ar_range": (-2, 4)}
    return {
        "market": StudySpec(model="market", market="SPY", **common),  # type: ignore[arg-type]
        "custom_log": StudySpec(
            model="custom",
            benchmarks=("SPY", "QQQ"),
            returns="log",
            **common,  # type: ignore[arg-type]
        ),
        "scholes_williams": StudySpec(
            model="market",
            market="SPY",
            scholes_williams=True,
            variance="residual",
            **common,  # type: ignore[arg-type]
        ),
        "market_returns": StudySpec(model="market", market="SPY", **common),  # type: ignore[arg-type]
    }


def run(name: str, spec: StudySpec) -> StudyResults:
    prices, ev = synthetic_inputs()
    if name == "custom_log":
        ev = ev.drop(columns="market")
    if name == "market_returns":
        returns = {k: v.sort_index().pct_change(fill_method=None) for k, v in prices.items()}
        returns["T6"] = returns["T6"][~returns["T6"].index.duplicated(keep="first")]
        return EventStudy(spec).fit_returns(ev, returns)
    return EventStudy(spec).fit(ev, prices)


def panel_table(res: StudyResults) -> pd.DataFrame:
    """Per panel row: sums of the estimation ARs' squares and magnitudes, the event-day AR variances and
    the CAR variances (the panel's numbers that the result tables do not show)."""
    p = res.panel
    est = np.where(p.is_estimation[None, :], p.ar, np.nan)
    out = pd.DataFrame(
        {
            "event_id": list(res.panel_event_ids),
            "est_n": np.isfinite(est).sum(axis=1),
            "est_ssq": np.nansum(est**2, axis=1),
            "est_abs": np.nansum(np.abs(est), axis=1),
            "sigma": p.sigma,
            "nobs": p.nobs,
            "dof": p.dof,
            "group": p.groups,
        }
    )
    for c in np.flatnonzero(p.is_event):
        out[f"var_ar_{int(p.rel_days[c])}"] = p.var_ar[:, c]
    for w, (a, b) in enumerate(p.windows):
        out[f"car_var_{a}_{b}"] = p.car_var[:, w]
    return out


#: The tables stored per specification (all four for the market model; fewer for the others, to keep the
#: stored data small).
STORED = {
    "market": ("outcomes", "ars", "cars", "panel"),
    "custom_log": ("outcomes", "cars"),
    "scholes_williams": ("outcomes", "cars"),
    "market_returns": ("outcomes", "cars"),
}


def tables(name: str, res: StudyResults) -> dict[str, pd.DataFrame]:
    every = {
        "outcomes": res.outcomes,
        "ars": res.abnormal_returns,
        "cars": res.cars,
        "panel": panel_table(res),
    }
    return {t: every[t] for t in STORED[name]}


def _as_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as written to and read back from CSV (strings, floats, ints, bools)."""
    out = frame.copy()
    for c in out.columns:
        if pd.api.types.is_datetime64_any_dtype(out[c]):
            out[c] = out[c].dt.strftime("%Y-%m-%d").fillna("")
        elif not (pd.api.types.is_numeric_dtype(out[c]) or pd.api.types.is_bool_dtype(out[c])):
            out[c] = out[c].astype(object).fillna("").astype(str)
    return out.reset_index(drop=True)


def write() -> None:  # pragma: no cover - run by hand to freeze the expected outputs
    for name, spec in specs().items():
        for table, frame in tables(name, run(name, spec)).items():
            path = DATA / f"study_equivalence_{name}_{table}.csv"
            _as_frame(frame).to_csv(path, index=False, float_format="%.14g", lineterminator="\n")


@pytest.mark.parametrize("name", list(specs()))
def test_fit_equals_frozen_outputs(name: str) -> None:
    got_tables = tables(name, run(name, specs()[name]))
    for table, frame in got_tables.items():
        got = _as_frame(frame)
        want = pd.read_csv(
            DATA / f"study_equivalence_{name}_{table}.csv", keep_default_na=False, na_values=[""]
        )
        assert list(got.columns) == list(want.columns), (name, table)
        assert len(got) == len(want), (name, table)
        for c in got.columns:
            g = got[c]
            if pd.api.types.is_bool_dtype(g):
                assert (g.to_numpy() == want[c].to_numpy(dtype=bool)).all(), (name, table, c)
            elif pd.api.types.is_numeric_dtype(g):
                np.testing.assert_allclose(
                    g.to_numpy(dtype=np.float64),
                    want[c].to_numpy(dtype=np.float64),
                    rtol=RTOL,
                    atol=ATOL,
                    err_msg=f"{name} {table} {c}",
                )
            else:
                w = want[c].astype(object).where(want[c].notna(), "").astype(str)
                assert g.tolist() == w.tolist(), (name, table, c)


if __name__ == "__main__":  # pragma: no cover
    write()
    sys.exit(0)
