"""Independent review: the day-by-day tests with missing estimation data, against plain-loop formulas.

The engine's panels have complete event windows (an event with a gap there is excluded with
``gap_in_event_window``) but holes in the estimation window (missing returns, days inside another event window
of the same ticker). Those holes change each event's ranking sample (Corrado 1989; Corrado and Zivney 1992
standardize ranks by the number of non-missing days), the number of events behind each day's mean (Brown and
Warner 1985; Kolari and Pynnonen 2011 weight day t by N_t / N) and the days each correlation pair shares
(Kolari and Pynnonen 2010). A seeded panel with 40 events, 15% missing estimation days and three groups is
tested here against loops written from the papers' formulas (no call into ``dealstudy.stats``), for single
days and multi-day windows, overall and per group. Tolerance 1e-10.

Also: above 2,000 events the mean pairwise correlation switches to the pooled O(NT) estimator; without missing
days it must equal the mean of the N(N-1)/2 Pearson correlations exactly (checked at N = 2,001 against
``numpy.corrcoef``).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from dealstudy.stats import nonparametric as npt
from dealstudy.stats import parametric as pt
from dealstudy.stats._fast import RBAR_EXACT_MAX_EVENTS, mean_pairwise_correlation
from dealstudy.stats.aggregate import aggregate_table
from dealstudy.stats.panel import EventPanel

TOL = 1e-10
EST = (-60, -6)
EVENT = (-2, 3)
WINDOWS = ((-1, 1), (0, 3))


def _panel(seed: int, n: int = 40, missing: float = 0.15) -> EventPanel:
    rng = np.random.default_rng(seed)
    rel = np.arange(EST[0], EVENT[1] + 1)
    is_est = rel <= EST[1]
    is_evt = rel >= EVENT[0]
    ar = rng.standard_t(4, size=(n, rel.size)) * rng.uniform(0.01, 0.04, size=(n, 1))
    ar[:, ~(is_est | is_evt)] = np.nan
    holes = (rng.random((n, rel.size)) < missing) & is_est[None, :]
    ar[holes] = np.nan
    ar[:, is_evt] += np.round(rng.normal(0, 0.01, size=(n, is_evt.sum())), 3)  # some ties across events
    ar[3, is_est] = np.round(ar[3, is_est], 2)  # ties within an event's ranking sample
    nobs = np.isfinite(ar[:, is_est]).sum(axis=1)
    sigma = np.sqrt(np.nansum(ar[:, is_est] ** 2, axis=1) / (nobs - 2))
    windows = tuple((d, d) for d in range(EVENT[0], EVENT[1] + 1)) + WINDOWS
    factor = rng.uniform(1.0, 1.05, size=(n, 1))
    var_ar = np.where(is_evt[None, :], sigma[:, None] ** 2 * factor, sigma[:, None] ** 2)
    car_var = np.array([[sigma[i] ** 2 * (b - a + 1) * factor[i, 0] for a, b in windows] for i in range(n)])
    groups = np.array(["a", "b", "c"] * (n // 3) + ["a"] * (n % 3), dtype=object)
    return EventPanel(
        rel_days=rel.astype(np.int64),
        ar=ar,
        var_ar=var_ar,
        sigma=sigma,
        nobs=nobs.astype(np.int64),
        dof=(nobs - 2).astype(np.int64),
        is_estimation=is_est,
        is_event=is_evt,
        windows=windows,
        car_var=car_var,
        groups=groups,
    )


# ---- plain-loop references ------------------------------------------------------------------------------
def _rows(p: EventPanel) -> list[dict[int, float]]:
    """Each event's observed ARs by relative day (estimation and event days only)."""
    out = []
    for i in range(p.n_events):
        row = {}
        for j, d in enumerate(p.rel_days):
            if (p.is_estimation[j] or p.is_event[j]) and math.isfinite(p.ar[i, j]):
                row[int(d)] = float(p.ar[i, j])
        out.append(row)
    return out


def _est_days(p: EventPanel) -> list[int]:
    return [int(d) for d, e in zip(p.rel_days, p.is_estimation, strict=True) if e]


def _ranks(values: list[float]) -> list[float]:
    return [sum(w < v for w in values) + 0.5 * (sum(w == v for w in values) + 1) for v in values]


def _car(row: dict[int, float], w: tuple[int, int]) -> float:
    return sum(row[d] for d in range(w[0], w[1] + 1))


def _var(p: EventPanel, i: int, w: tuple[int, int]) -> float:
    return float(p.car_var[i, p.windows.index(w)])


def ref_daily(p: EventPanel, w: tuple[int, int], kind: str) -> float:
    """Corrado (1989) rank or Corrado-Zivney (1992) sign, CZ's missing-data form, Cowan's window sum."""
    rows = _rows(p)
    scores = []
    for row in rows:
        days = sorted(row)
        vals = [row[d] for d in days]
        if kind == "rank":
            sc = [r / (len(vals) + 1) - 0.5 for r in _ranks(vals)]
        else:
            med = float(np.median(vals))
            sc = [float(np.sign(v - med)) for v in vals]
        scores.append(dict(zip(days, sc, strict=True)))
    all_days = sorted({d for s in scores for d in s})
    # rank: Corrado-Zivney as estudy2's modified_rank_test: each day's sum scaled to all N events, S^2 over
    # the mean number of observed days per event; sign: plain sums over the number of days
    n = len(scores)
    dsum = {}
    for d in all_days:
        have = [s[d] for s in scores if d in s]
        scale = n / len(have) if kind == "rank" else 1.0
        dsum[d] = scale * sum(have) / math.sqrt(len(have))
    count = sum(len(s) for s in scores) / n if kind == "rank" else len(all_days)
    s_u = math.sqrt(sum(v * v for v in dsum.values()) / count)
    length = w[1] - w[0] + 1
    return sum(dsum[d] for d in range(w[0], w[1] + 1)) / (math.sqrt(length) * s_u)


def ref_grank(p: EventPanel, w: tuple[int, int]) -> float:
    """Kolari and Pynnonen (2011) GRANK-T with missing estimation days (T_i per event, N_t per day)."""
    rows = _rows(p)
    n = p.n_events
    scar = [_car(rows[i], w) / math.sqrt(_var(p, i, w)) for i in range(n)]
    m = sum(scar) / n
    sd = math.sqrt(sum((v - m) ** 2 for v in scar) / (n - 1))
    est_days = set(_est_days(p))
    by_day: dict[int, list[float]] = {}
    u0 = []
    for i in range(n):
        days = [d for d in sorted(rows[i]) if d in est_days]
        gsar = [rows[i][d] / float(p.sigma[i]) for d in days] + [scar[i] / sd]
        ranks = _ranks(gsar)
        u = [r / (len(gsar) + 1) - 0.5 for r in ranks]
        for d, v in zip(days, u[:-1], strict=True):
            by_day.setdefault(d, []).append(v)
        u0.append(u[-1])
    big_t = len(by_day) + 1
    ubar0 = sum(u0) / n
    s2 = (sum(len(v) / n * (sum(v) / len(v)) ** 2 for v in by_day.values()) + ubar0**2) / big_t
    z = ubar0 / math.sqrt(s2)
    return z * math.sqrt((big_t - 2) / (big_t - 1 - z * z))


def ref_bw1985(p: EventPanel, w: tuple[int, int]) -> float:
    rows = _rows(p)
    abar = []
    for d in _est_days(p):
        have = [r[d] for r in rows if d in r]
        if have:
            abar.append(sum(have) / len(have))
    m = sum(abar) / len(abar)
    s = math.sqrt(sum((a - m) ** 2 for a in abar) / (len(abar) - 1))
    caar = sum(_car(r, w) for r in rows) / len(rows)
    return caar / (math.sqrt(w[1] - w[0] + 1) * s)


def ref_gsign(p: EventPanel, w: tuple[int, int]) -> float:
    rows = _rows(p)
    est = set(_est_days(p))
    shares = []
    for r in rows:
        vals = [v for d, v in r.items() if d in est]
        shares.append(sum(v > 0 for v in vals) / len(vals))
    n = len(rows)
    p_hat = sum(shares) / n
    pos = sum(_car(r, w) > 0 for r in rows)
    return (pos - n * p_hat) / math.sqrt(n * p_hat * (1 - p_hat))


_RBAR: dict[int, tuple[EventPanel, float]] = {}  # keeps each panel alive, so its id stays unique


def _rbar(p: EventPanel) -> float:
    """Mean of the pairwise Pearson correlations of estimation residuals, each pair on its common days."""
    if id(p) in _RBAR:
        return _RBAR[id(p)][1]
    rows = _rows(p)
    est = set(_est_days(p))
    n = len(rows)
    rs = []
    for i in range(n):
        for j in range(i + 1, n):
            common = sorted(d for d in rows[i] if d in est and d in rows[j])
            a = np.array([rows[i][d] for d in common])
            b = np.array([rows[j][d] for d in common])
            rs.append(float(stats.pearsonr(a, b).statistic))
    _RBAR[id(p)] = (p, sum(rs) / len(rs))
    return _RBAR[id(p)][1]


def ref_kp(p: EventPanel, w: tuple[int, int]) -> float:
    rows = _rows(p)
    n = len(rows)
    rbar = _rbar(p)
    scar = [_car(rows[i], w) / math.sqrt(_var(p, i, w)) for i in range(n)]
    m = sum(scar) / n
    sd = math.sqrt(sum((v - m) ** 2 for v in scar) / (n - 1))
    t_bmp = m / (sd / math.sqrt(n))
    return t_bmp * math.sqrt((1 - rbar) / (1 + (n - 1) * rbar))


REFS = {
    "corrado_rank": (npt.corrado_rank, lambda p, w: ref_daily(p, w, "rank")),
    "corrado_sign": (npt.corrado_sign, lambda p, w: ref_daily(p, w, "sign")),
    "grank": (npt.grank, ref_grank),
    "brown_warner_1985": (pt.brown_warner_1985, ref_bw1985),
    "generalized_sign": (npt.generalized_sign, ref_gsign),
    "kolari_pynnonen": (pt.kolari_pynnonen, ref_kp),
}


@pytest.fixture(scope="module")
def panel() -> EventPanel:
    p = _panel(7)
    assert np.isnan(p.ar[:, p.is_estimation]).mean() > 0.1  # the holes are there
    return p


@pytest.mark.parametrize("name", sorted(REFS))
@pytest.mark.parametrize("window", [(0, 0), (-2, -2), (3, 3), (-1, 1), (0, 3)])
def test_missing_estimation_days_match_loops(panel: EventPanel, name: str, window: tuple[int, int]) -> None:
    test, ref = REFS[name]
    got = test(panel, window)
    assert got.valid, got.reason
    assert got.stat == pytest.approx(ref(panel, window), rel=TOL, abs=TOL)


@pytest.mark.parametrize("name", sorted(REFS))
def test_per_group_rows_match_loops_on_the_group_alone(panel: EventPanel, name: str) -> None:
    table = aggregate_table(panel)
    _, ref = REFS[name]
    for label in ("a", "b", "c"):
        sub = panel.subset(np.asarray(panel.groups == label))
        row = table[(table["group"] == label) & (table["window"] == "0:3") & (table["test"] == name)]
        assert len(row) == 1
        assert float(row["stat"].iloc[0]) == pytest.approx(ref(sub, (0, 3)), rel=TOL, abs=TOL)


def test_pooled_rbar_equals_mean_pairwise_correlation_without_missing_days() -> None:
    rng = np.random.default_rng(11)
    n, t = RBAR_EXACT_MAX_EVENTS + 1, 40
    common = rng.normal(size=t)
    x = 0.3 * common[None, :] + rng.normal(size=(n, t)) * rng.uniform(0.5, 2.0, size=(n, 1))
    rbar, used = mean_pairwise_correlation(x)
    corr = np.corrcoef(x)
    expected = corr[np.triu_indices(n, 1)].mean()
    assert used == n
    assert rbar == pytest.approx(expected, rel=1e-9)
    exact, _ = mean_pairwise_correlation(x, exact_max=n)  # pair-by-pair path on the same data
    assert exact == pytest.approx(expected, rel=1e-9)
