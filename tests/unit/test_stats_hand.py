"""Each aggregate test against a hand-worked example on a tiny panel.

The expected values are computed here with plain Python loops over lists (``math``, ``statistics``), written
out from each paper's formula, independently of the vectorised code in ``dealstudy.stats``. Only the
reference distributions' tail areas come from scipy. Tolerance: 1e-12 relative.

Panel: 4 events, relative days -8..1; estimation days -8..-3 (6 days; event 1 misses day -6), gap day -2,
event days -1..1. Event 2 has an event-day AR equal to one of its estimation residuals (a tie).
"""

from __future__ import annotations

import itertools
import math
import statistics

import numpy as np
import pytest
from scipy import stats

from dealstudy.stats import AGGREGATE_TESTS, brown_warner_1980, corrado_rank
from dealstudy.stats.panel import EventPanel

NAN = math.nan
EST = [
    [0.010, -0.020, 0.015, -0.005, 0.004, 0.012],
    [0.009, -0.015, NAN, -0.004, 0.006, 0.011],
    [0.007, 0.003, -0.016, -0.002, 0.021, -0.008],
    [0.006, -0.010, 0.017, -0.012, 0.005, 0.003],
]
EVT = [
    [-0.004, 0.031, 0.006],
    [0.012, 0.024, -0.009],
    [0.001, -0.006, 0.007],  # day +1 ties with its estimation residual 0.007
    [-0.010, 0.040, 0.002],
]
SIGMA = [0.013, 0.014, 0.012, 0.010]
NOBS = [6, 5, 6, 6]
DOF = [4, 3, 4, 4]
C = [
    [1.10, 1.05, 1.20],
    [1.30, 1.25, 1.28],
    [1.02, 1.04, 1.03],
    [1.15, 1.10, 1.12],
]  # prediction-error factors
CAR3_FACTOR = [3.40, 4.10, 3.12, 3.55]  # Var(CAR(-1,1)) / sigma^2, including covariances
EVENT_DAYS = [-1, 0, 1]
WINDOWS = ((-1, -1), (0, 0), (1, 1), (-1, 1))
REL = 1e-12


def make_panel() -> EventPanel:
    n = len(EST)
    rel_days = np.arange(-8, 2)
    ar = np.full((n, rel_days.size), np.nan)
    var_ar = np.full_like(ar, np.nan)
    for i in range(n):
        ar[i, :6] = EST[i]
        ar[i, 7:] = EVT[i]
        var_ar[i, :6] = SIGMA[i] ** 2
        var_ar[i, 7:] = [SIGMA[i] ** 2 * c for c in C[i]]
    car_var = np.array(
        [[SIGMA[i] ** 2 * c for c in C[i]] + [SIGMA[i] ** 2 * CAR3_FACTOR[i]] for i in range(n)]
    )
    return EventPanel(
        rel_days=rel_days,
        ar=ar,
        var_ar=var_ar,
        sigma=np.array(SIGMA),
        nobs=np.array(NOBS),
        dof=np.array(DOF),
        is_estimation=rel_days <= -3,
        is_event=rel_days >= -1,
        windows=WINDOWS,
        car_var=car_var,
        groups=np.array(["all"] * n, dtype=object),
    )


# -- plain-Python building blocks ------------------------------------------------------------------
def window_idx(window: tuple[int, int]) -> list[int]:
    return [EVENT_DAYS.index(d) for d in range(window[0], window[1] + 1)]


def car(i: int, window: tuple[int, int]) -> float:
    return sum(EVT[i][j] for j in window_idx(window))


def car_var(i: int, window: tuple[int, int]) -> float:
    if window[0] == window[1]:
        return SIGMA[i] ** 2 * C[i][window_idx(window)[0]]
    return SIGMA[i] ** 2 * CAR3_FACTOR[i]


def finite(xs: list[float]) -> list[float]:
    return [x for x in xs if not math.isnan(x)]


def avg_ranks(xs: list[float]) -> list[float]:
    """Average ranks (1 = smallest) of the non-NaN values; NaN keeps NaN."""
    vals = finite(xs)
    out = []
    for x in xs:
        if math.isnan(x):
            out.append(NAN)
        else:
            below = sum(1 for v in vals if v < x)
            equal = sum(1 for v in vals if v == x)
            out.append(below + (equal + 1) / 2)
    return out


def two_sided_normal(z: float) -> float:
    return float(2 * stats.norm.sf(abs(z)))


def two_sided_t(t: float, df: float) -> float:
    return float(2 * stats.t.sf(abs(t), df))


N = len(EST)


# -- expected values, one function per test ---------------------------------------------------------
def exp_t_test(w: tuple[int, int]) -> tuple[float, float]:
    # Cross-sectional t (BMP 1991, "ordinary cross-sectional test"): mean / (s / sqrt(N)), t(N-1).
    x = [car(i, w) for i in range(N)]
    m = sum(x) / N
    s = math.sqrt(sum((v - m) ** 2 for v in x) / (N - 1))
    t = m / (s / math.sqrt(N))
    return t, two_sided_t(t, N - 1)


def exp_bw1980(w: tuple[int, int], variance: str = "estimation_residuals") -> tuple[float, float]:
    # Brown-Warner 1980 as estudy2: mean / (sqrt(sum_i var_i) / N), t(mean nobs - 1), with var_i = L times
    # the sample variance (ddof 1) of event i's estimation residuals; or, as the named variant, the
    # panel's CAR variance (prediction-error term).
    m = sum(car(i, w) for i in range(N)) / N
    length = len(window_idx(w))
    if variance == "estimation_residuals":
        var = [length * statistics.variance(finite(EST[i])) for i in range(N)]
    else:
        var = [car_var(i, w) for i in range(N)]
    t = m / (math.sqrt(sum(var)) / N)
    return t, two_sided_t(t, sum(NOBS) / N - 1)


def exp_bw1985(w: tuple[int, int]) -> tuple[float, float]:
    # Brown-Warner 1985: portfolio mean residual per estimation day, its sd over T days; CAAR/(sqrt(L) S).
    port = [statistics.fmean(finite([EST[i][t] for i in range(N)])) for t in range(6)]
    s = statistics.stdev(port)
    m = sum(car(i, w) for i in range(N)) / N
    length = w[1] - w[0] + 1
    t = m / (math.sqrt(length) * s)
    return t, two_sided_t(t, len(port) - 1)


def scar(i: int, w: tuple[int, int]) -> float:
    return car(i, w) / math.sqrt(car_var(i, w))


def exp_patell(w: tuple[int, int]) -> tuple[float, float]:
    # Patell 1976: Z = sum SCAR_i / sqrt(sum (T_i - k)/(T_i - k - 2)), N(0,1).
    z = sum(scar(i, w) for i in range(N)) / math.sqrt(sum(d / (d - 2) for d in DOF))
    return z, two_sided_normal(z)


def exp_boehmer(w: tuple[int, int]) -> tuple[float, float]:
    # BMP 1991: mean SCAR / (s_SCAR / sqrt(N)), t(N-1).
    x = [scar(i, w) for i in range(N)]
    t = statistics.fmean(x) / (statistics.stdev(x) / math.sqrt(N))
    return t, two_sided_t(t, N - 1)


def rbar() -> float:
    # Mean pairwise Pearson correlation of estimation residuals, pairwise-complete days.
    rs = []
    for i, j in itertools.combinations(range(N), 2):
        pairs = [(a, b) for a, b in zip(EST[i], EST[j], strict=True) if not (math.isnan(a) or math.isnan(b))]
        rs.append(statistics.correlation([a for a, _ in pairs], [b for _, b in pairs]))
    return sum(rs) / len(rs)


def exp_kp(w: tuple[int, int]) -> tuple[float, float]:
    # Kolari-Pynnonen 2010: t_BMP * sqrt((1 - r)/(1 + (N - 1) r)).
    t_bmp, _ = exp_boehmer(w)
    r = rbar()
    t = t_bmp * math.sqrt((1 - r) / (1 + (N - 1) * r))
    return t, two_sided_t(t, N - 1)


def exp_sign(w: tuple[int, int]) -> tuple[float, float]:
    # Sign test: w positives of n; z = (w - n/2)/sqrt(n/4); exact two-sided binomial p (p = 1/2 symmetric).
    x = [car(i, w) for i in range(N)]
    n = len(x)
    pos = sum(1 for v in x if v > 0)
    z = (pos - n / 2) / math.sqrt(n / 4)
    tail = sum(math.comb(n, k) for k in range(min(pos, n - pos) + 1)) / 2**n
    return z, min(1.0, 2 * tail)


def exp_gen_sign(w: tuple[int, int]) -> tuple[float, float]:
    # Cowan 1992: p_hat = mean_i share of positive estimation residuals; Z = (w - N p)/sqrt(N p (1-p)).
    p = statistics.fmean([sum(1 for v in finite(EST[i]) if v > 0) / len(finite(EST[i])) for i in range(N)])
    pos = sum(1 for i in range(N) if car(i, w) > 0)
    z = (pos - N * p) / math.sqrt(N * p * (1 - p))
    return z, two_sided_normal(z)


def combined(i: int) -> list[float]:
    return EST[i] + EVT[i]  # ranking sample: estimation days then event days


def daily_test(scores: list[list[float]], w: tuple[int, int], rescale: bool = False) -> tuple[float, float]:
    # D_t = sum_i score_it / sqrt(N_t); S^2 = mean_t D_t^2 over the T days;
    # Z = sum_{t in w} D_t / (sqrt(L) S).
    # rescale (Corrado-Zivney as estudy2's modified_rank_test): D_t = N * mean_i score_it / sqrt(N_t) and
    # S^2 = sum_t D_t^2 / mean_i M_i (M_i: event i's observed days).
    days = len(scores[0])
    d = []
    for t in range(days):
        col = finite([scores[i][t] for i in range(N)])
        scale = N / len(col) if rescale else 1.0
        d.append(scale * sum(col) / math.sqrt(len(col)))
    count = sum(len(finite(row)) for row in scores) / N if rescale else days
    s = math.sqrt(sum(v * v for v in d) / count)
    cols = [6 + j for j in window_idx(w)]
    z = sum(d[c] for c in cols) / (math.sqrt(len(cols)) * s)
    return z, two_sided_normal(z)


def exp_corrado_rank(w: tuple[int, int], days: str = "mean_observed") -> tuple[float, float]:
    # Corrado 1989 with Corrado-Zivney 1992 standardization: U_it = rank_it / (M_i + 1) - 1/2.
    scores = []
    for i in range(N):
        xs = combined(i)
        m = len(finite(xs))
        scores.append([r / (m + 1) - 0.5 for r in avg_ranks(xs)])
    return daily_test(scores, w, rescale=days == "mean_observed")


def exp_corrado_sign(w: tuple[int, int]) -> tuple[float, float]:
    # Corrado-Zivney 1992: G_it = sign(AR_it - median_i) over the ranking sample.
    scores = []
    for i in range(N):
        xs = combined(i)
        med = statistics.median(finite(xs))
        scores.append([NAN if math.isnan(x) else float(np.sign(x - med)) for x in xs])
    return daily_test(scores, w)


def exp_wilcoxon(w: tuple[int, int]) -> tuple[float, float]:
    # Wilcoxon 1945: W+ = sum of ranks of |x| over positives; z with tie correction; exact p by enumerating
    # all 2^n sign patterns (n <= 50 -> exact, as scipy's method="auto").
    x = [car(i, w) for i in range(N)]
    n = len(x)
    ranks = avg_ranks([abs(v) for v in x])
    w_plus = sum(r for r, v in zip(ranks, x, strict=True) if v > 0)
    z = (w_plus - n * (n + 1) / 4) / math.sqrt(n * (n + 1) * (2 * n + 1) / 24)  # no ties among |CAR| here
    dist = [
        sum(r for r, s in zip(ranks, signs, strict=True) if s)
        for signs in itertools.product([0, 1], repeat=n)
    ]
    lo = sum(1 for v in dist if v <= w_plus) / len(dist)
    hi = sum(1 for v in dist if v >= w_plus) / len(dist)
    return z, min(1.0, 2 * min(lo, hi))


def exp_grank(w: tuple[int, int]) -> tuple[float, float]:
    # Kolari-Pynnonen 2011: SCAR* = SCAR / s(SCAR); GSAR = (SAR estimation, SCAR* as day 0);
    # U = rank/(T_i + 1) - 1/2; S^2 = (1/T) sum_t (N_t/N) Ubar_t^2; Z = Ubar_0 / S;
    # t = Z sqrt((T-2)/(T-1-Z^2)), t(T-2), T = 6 estimation days + 1.
    sc = [scar(i, w) for i in range(N)]
    sd = statistics.stdev(sc)
    u = []
    for i in range(N):
        gsar = [v / SIGMA[i] for v in EST[i]] + [sc[i] / sd]
        t_i = len(finite(gsar))
        u.append([r / (t_i + 1) - 0.5 for r in avg_ranks(gsar)])
    big_t = 7
    s2 = 0.0
    ubar = []
    for t in range(big_t):
        col = finite([u[i][t] for i in range(N)])
        ubar.append(sum(col) / len(col))
        s2 += len(col) / N * ubar[-1] ** 2
    s2 /= big_t
    z = ubar[6] / math.sqrt(s2)
    t_stat = z * math.sqrt((big_t - 2) / (big_t - 1 - z * z))
    return t_stat, two_sided_t(t_stat, big_t - 2)


EXPECTED = {
    "t_test": exp_t_test,
    "brown_warner_1980": exp_bw1980,
    "brown_warner_1985": exp_bw1985,
    "patell": exp_patell,
    "boehmer": exp_boehmer,
    "kolari_pynnonen": exp_kp,
    "sign": exp_sign,
    "generalized_sign": exp_gen_sign,
    "corrado_rank": exp_corrado_rank,
    "corrado_sign": exp_corrado_sign,
    "wilcoxon": exp_wilcoxon,
    "grank": exp_grank,
}


def test_every_aggregate_test_has_a_hand_worked_example() -> None:
    assert list(EXPECTED) == list(AGGREGATE_TESTS)


@pytest.mark.parametrize("window", WINDOWS, ids=[f"{a}:{b}" for a, b in WINDOWS])
@pytest.mark.parametrize("name", list(EXPECTED))
def test_statistic_matches_hand_computation(name: str, window: tuple[int, int]) -> None:
    result = AGGREGATE_TESTS[name](make_panel(), window)
    stat, pvalue = EXPECTED[name](window)
    assert result.reason == ""
    assert result.nobs == N
    assert result.mean == pytest.approx(sum(car(i, window) for i in range(N)) / N, rel=REL)
    assert result.stat == pytest.approx(stat, rel=REL)
    assert result.pvalue == pytest.approx(pvalue, rel=REL)


def test_hand_panel_exercises_ties_and_missing_values() -> None:
    # guard the fixture itself: the tie and the missing day are what the rank tests must handle
    assert EVT[2][2] in EST[2]
    assert math.isnan(EST[1][2])
    assert rbar() != 0.0


@pytest.mark.parametrize("window", WINDOWS, ids=lambda w: f"{w[0]}:{w[1]}")
def test_named_variants_match_hand_computation(window: tuple[int, int]) -> None:
    """The earlier conventions, kept as named options, against the same hand-worked formulas."""
    panel = make_panel()
    got = brown_warner_1980(panel, window, variance="prediction_error")
    stat, p = exp_bw1980(window, variance="prediction_error")
    assert got.stat == pytest.approx(stat, rel=REL)
    assert got.pvalue == pytest.approx(p, rel=REL)
    got = corrado_rank(panel, window, days="ranking_days")
    stat, p = exp_corrado_rank(window, days="ranking_days")
    assert got.stat == pytest.approx(stat, rel=REL)
    assert got.pvalue == pytest.approx(p, rel=REL)
    # event 1 misses a day, so the two Corrado conventions differ
    assert exp_corrado_rank(window) != pytest.approx(exp_corrado_rank(window, "ranking_days"))
    with pytest.raises(ValueError, match="variance 'x'"):
        brown_warner_1980(panel, window, variance="x")  # type: ignore[arg-type]
