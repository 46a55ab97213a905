"""The cross-sectional t and the single-event t against EventStudyTools' Abnormal Return Calculator (ARC).

Provenance: ``../shared/reference_cases/eventstudytools_arc_dieselgate_2017/`` (see the README there):
ARC output for the "Dieselgate" event 2017-07-24 from EventStudyTools/api-wrapper.r (commit d07f515);
five German car makers in two groups, market model on the DAX, event window -2..+2. Values are printed to
4 decimals and the prices were never published, so only formulas checkable from the output are tested:

- cross-sectional t of each group's AAR and CAAR: ``AAR / (sd_i(AR) / sqrt(N))`` (``Csect T``);
- AR t = AR / s_i and CAR t = CAR / (s_i sqrt(L)) (ARC uses no prediction-error term).

Tolerance: the printed statistic must lie within the range the formula takes when every printed input
varies within its rounding interval (+-0.5e-4), widened by the statistic's own rounding (+-0.5e-4). The
range is found on a grid over the inputs' rounding box (exact at the corners, where the extremes of these
monotone-in-each-input functions lie, plus interior points). The same check rejects the ddof = 0 variant,
so it can tell formulas apart.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dealstudy.stats import EventPanel, aggregate_table, single_event_t, t_test

pytestmark = pytest.mark.shared

HALF = 0.5e-4
GROUPS = {"VW Group": [1, 2, 3], "Other": [4, 5]}
DAYS = [-2, -1, 0, 1, 2]


@pytest.fixture(scope="module")
def arc(reference_dir: Path) -> Path:
    return reference_dir / "eventstudytools_arc_dieselgate_2017"


def read(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_csv(folder / name, sep=";")


def to_float(v: object) -> float:
    try:
        return float(str(v))
    except ValueError:  # "0:3" (pos:neg counts) and empty cells
        return math.nan


def read_report(folder: Path) -> pd.DataFrame:
    """ARC's per-event analysis report, indexed by integer event id."""
    report = read(folder, "analysis_report.csv").dropna(subset=["Event ID"])
    return report.set_index(report["Event ID"].astype(int))


def group_rows(frame: pd.DataFrame, label: str) -> dict[str, dict[str, list[float]]]:
    """{group: {row label: values}} from ARC's stacked AAR table (a group's rows follow its name row)."""
    out: dict[str, dict[str, list[float]]] = {}
    current = ""
    for _, row in frame.iterrows():
        key = str(row.iloc[0])
        if key in GROUPS:
            current = key
            out[current] = {"AAR": [float(v) for v in row.iloc[1:]]}
        elif current:
            out[current][key] = [to_float(v) for v in row.iloc[1:]]
    assert label in out[current]
    return out


def csect_t(x: np.ndarray, ddof: int = 1) -> np.ndarray:
    """Cross-sectional t along the last axis."""
    n = x.shape[-1]
    return x.mean(axis=-1) / (x.std(axis=-1, ddof=ddof) / math.sqrt(n))


def box(values: list[float], steps: int = 11) -> np.ndarray:
    """Grid over the rounding box of ``values``: every combination of ``steps`` points per input."""
    axes = [np.linspace(v - HALF, v + HALF, steps) for v in values]
    return np.array(list(itertools.product(*axes)))


def consistent(printed: float, values: np.ndarray) -> bool:
    finite = values[np.isfinite(values)]
    return bool(finite.min() - HALF <= printed <= finite.max() + HALF)


def one_event_panel_ar(ars: list[list[float]]) -> EventPanel:
    """Event-day ARs only (no estimation data): enough for the cross-sectional t."""
    n = len(ars)
    rel = np.array(DAYS)
    ar = np.array(ars)
    return EventPanel(
        rel_days=rel,
        ar=ar,
        var_ar=np.full_like(ar, 1e-4),
        sigma=np.full(n, 0.01),
        nobs=np.full(n, 250),
        dof=np.full(n, 248),
        is_estimation=np.zeros(5, dtype=bool),
        is_event=np.ones(5, dtype=bool),
        windows=(*((d, d) for d in DAYS), (-2, 2)),
        car_var=np.full((n, 6), 1e-4),
        groups=np.array(["x"] * n, dtype=object),
    )


def test_cross_sectional_t_of_each_day_reproduces_arc(arc: Path) -> None:
    ar = read(arc, "ar_results.csv").set_index("Event ID")
    printed = group_rows(read(arc, "aar_results.csv"), "Csect T")
    rejected_ddof0 = 0
    for group, ids in GROUPS.items():
        panel = one_event_panel_ar([[float(ar.loc[i, f"AR({d})"]) for d in DAYS] for i in ids])
        for j, day in enumerate(DAYS):
            values = [float(ar.loc[i, f"AR({day})"]) for i in ids]
            target = printed[group]["Csect T"][j]
            # our implementation at the printed ARs is the formula
            ours = t_test(panel, (day, day))
            assert ours.stat == pytest.approx(csect_t(np.array(values)), rel=1e-12)
            grid = box(values)
            assert consistent(target, csect_t(grid)), (group, day, target)
            rejected_ddof0 += not consistent(target, csect_t(grid, ddof=0))
    assert rejected_ddof0 > 0  # the check discriminates between sd conventions


def test_cross_sectional_t_of_the_caar_reproduces_arc(arc: Path) -> None:
    car = read(arc, "car_results.csv").set_index("Event ID")
    caar = read(arc, "caar_results.csv").set_index("Grouping Variable")
    for group, ids in GROUPS.items():
        values = [float(car.loc[i, "CAR Value"]) for i in ids]
        target = float(caar.loc[group, "Csect T"])
        assert consistent(target, csect_t(box(values, 41))), (group, target)


def test_ar_and_car_t_values_reproduce_arc(arc: Path) -> None:
    ar = read(arc, "ar_results.csv").set_index("Event ID")
    car = read(arc, "car_results.csv").set_index("Event ID")
    report = read_report(arc)
    for event_id in range(1, 6):
        s = float(report.loc[event_id, "Residual Standard Deviation"])
        grid_s = np.linspace(s - HALF, s + HALF, 41)
        for day in DAYS:
            a = float(ar.loc[event_id, f"AR({day})"])
            ours = single_event_t(a, s**2, 248)
            assert ours.stat == pytest.approx(a / s, rel=1e-12)
            grid = np.linspace(a - HALF, a + HALF, 41)[:, None] / grid_s[None, :]
            assert consistent(float(ar.loc[event_id, f"t-value({day})"]), grid.ravel()), (event_id, day)
        c = float(car.loc[event_id, "CAR Value"])
        grid = np.linspace(c - HALF, c + HALF, 41)[:, None] / (grid_s[None, :] * math.sqrt(5))
        assert consistent(float(car.loc[event_id, "CAR t-test"]), grid.ravel()), event_id
        assert single_event_t(c, 5 * s**2, 248).stat == pytest.approx(c / (s * math.sqrt(5)), rel=1e-12)


def test_two_event_group_gives_no_infinity(arc: Path) -> None:
    """ARC prints -Inf for a statistic of the N = 2 group; every test here is finite or NaN with a reason.

    The two events' event-day ARs are ARC's; their estimation residuals are simulated (seeded) with each
    firm's printed residual sd, since ARC does not publish them.
    """
    ar = read(arc, "ar_results.csv").set_index("Event ID")
    report = read_report(arc)
    rng = np.random.default_rng(2017)
    ids = GROUPS["Other"]
    rel = np.arange(-260, 3)
    est = (rel >= -260) & (rel <= -11)
    evt = rel >= -2
    sig = np.array([float(report.loc[i, "Residual Standard Deviation"]) for i in ids])
    values = np.full((2, rel.size), np.nan)
    values[:, est] = rng.normal(0, 1, size=(2, int(est.sum()))) * sig[:, None]
    values[:, evt] = [[float(ar.loc[i, f"AR({d})"]) for d in DAYS] for i in ids]
    windows = (*((d, d) for d in DAYS), (-2, 2))
    car_var = np.column_stack([sig**2] * 5 + [5 * sig**2])
    panel = EventPanel(
        rel_days=rel,
        ar=values,
        var_ar=np.where(est | evt, 1.0, np.nan) * (sig**2)[:, None],
        sigma=sig,
        nobs=np.full(2, 250),
        dof=np.full(2, 248),
        is_estimation=est,
        is_event=evt,
        windows=windows,
        car_var=car_var,
        groups=np.array(["Other", "Other"], dtype=object),
    )
    table = aggregate_table(panel)
    assert not np.isinf(table["stat"]).any()
    assert not np.isinf(table["p_value"]).any()
    assert ((table["stat"].notna()) | (table["reason"] != "")).all()
    caar = read(arc, "caar_results.csv").set_index("Grouping Variable")
    row = table[(table["window"] == "-2:2") & (table["test"] == "t_test")].iloc[0]
    assert abs(row["stat"] - float(caar.loc["Other", "Csect T"])) < 0.5  # -10.77 from rounded inputs
