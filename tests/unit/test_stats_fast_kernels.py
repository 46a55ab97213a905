"""The fast kernels of ``dealstudy.stats`` against plain, obviously correct implementations.

Packed-key ranking (:func:`code_block`), GRANK's sign counts from rank codes and binary searches
(:meth:`PreparedPanel.sign_count_sums`), Wilcoxon's ``W+`` from two sorts, the groups' sums taken from
the passes over all events (``parts``), and the threads: on seeded data with ties, near ties, signed
zeros, NaN and infinite values, rows without data, zero or NaN residual sd, overflowing SARs, and
panels of one event.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from dealstudy.stats import EventPanel, aggregate, aggregate_table, grank
from dealstudy.stats._fast import PreparedPanel, blocks, correlation, mean_pairwise_correlation, sign_counts
from dealstudy.stats._fast.correlation import mean_pairwise_correlation_parts
from dealstudy.stats._fast.ranks import code_block
from dealstudy.stats.generalized_rank import grank_prepared
from dealstudy.stats.nonparametric import _signed_rank_sum
from dealstudy.stats.simulate import market_model_panel


def awkward_rows(rng: np.random.Generator, n: int, k: int) -> np.ndarray:
    """Rows with every case the ranking must get right."""
    x = rng.standard_normal((n, k))
    x[rng.random((n, k)) < 0.1] = np.nan
    x[rng.random((n, k)) < 0.02] = np.inf
    x[rng.random((n, k)) < 0.02] = -np.inf
    kind = rng.integers(0, 8, n)
    x[kind == 1] = np.round(x[kind == 1], 1)  # many ties
    x[kind == 2, :6] = -0.0  # signed zeros are equal
    x[kind == 2, 6:9] = 0.0
    near = kind == 3  # neighbours one ulp apart (distinct values, equal key bits)
    x[near, 1] = np.nextafter(x[near, 2], np.inf)
    x[kind == 4] = np.nan  # no data
    x[kind == 5, 1:] = np.nan  # one value
    x[kind == 6] = 1e-310 * rng.integers(-3, 4, (int((kind == 6).sum()), k))  # subnormal ties
    return x


def plain_codes(x: np.ndarray, in_est: np.ndarray, include: np.ndarray) -> tuple[np.ndarray, ...]:
    """Average ranks by scipy, row by row: twice the rank (0 where missing), the sorted finite
    estimation values, and sign(x - median)."""
    n, k = x.shape
    rank = np.zeros((n, k))
    est = np.zeros((n, int(in_est.sum())))
    sign = np.zeros((n, k))
    sorted_est = []
    for i in range(n):
        row = np.where(include & np.isfinite(x[i]), x[i], np.nan)
        fin = np.isfinite(row)
        if fin.any():
            rank[i, fin] = 2 * stats.rankdata(row[fin])
            sign[i, fin] = np.sign(row[fin] - np.median(row[fin]))
        erow = row[in_est]
        efin = np.isfinite(erow)
        if efin.any():
            est[i, efin] = 2 * stats.rankdata(erow[efin])
        sorted_est.append(np.sort(erow[efin]))
    return rank, est, sign, sorted_est


@pytest.mark.parametrize("seed", [0, 1])
def test_code_block_equals_scipy_ranks(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k = 400, 45
    x = awkward_rows(rng, n, k)
    in_est = np.zeros(k, dtype=bool)
    in_est[:30] = True
    include = np.ones(k, dtype=bool)
    include[30:33] = False  # a gap between estimation and event days: left out
    block = code_block(x, in_est, np.int16, np.int16, np.uint8, include=include)
    rank, est, sign, sorted_est = plain_codes(x, in_est, include)
    assert np.array_equal(block.rank, rank)
    assert np.array_equal(block.est, est)
    assert np.array_equal(block.sign, sign)
    for i in range(n):  # the estimation order lists the finite values first, ascending
        values = x[i, :30][block.est_order[i, : sorted_est[i].size]]
        assert np.array_equal(values, sorted_est[i])


def test_code_block_of_no_rows_and_one_column() -> None:
    empty = code_block(np.zeros((0, 5)), np.ones(5, dtype=bool), np.int16, np.int16, np.uint8)
    assert empty.rank.shape == (0, 5)
    assert empty.est_order.shape == (0, 5)
    one = code_block(np.array([[3.0], [np.nan]]), np.ones(1, dtype=bool), np.int16, np.int16, np.uint8)
    assert one.rank.tolist() == [[2], [0]]
    assert one.est.tolist() == [[2], [0]]
    assert one.sign.tolist() == [[0], [0]]


def awkward_panel(n: int, seed: int, *, groups: tuple[str, ...] = ("a", "b", "c", "a")) -> EventPanel:
    """A market-model panel with ties, missing data, events without data and unusable sds."""
    rng = np.random.default_rng(seed)
    base = market_model_panel(rng, n, missing=0.03, groups=groups, noise="t3")
    ar, sigma = base.ar.copy(), base.sigma.copy()
    ties = rng.random(n) < 0.2
    ar[ties] = np.round(ar[ties], 3)
    ar[1] = np.nan  # no data at all
    sigma[1] = np.nan
    sigma[2] = 0.0  # zero residual sd
    sigma[3] = np.nan  # sd unknown, data present
    return dataclasses.replace(base, ar=ar, sigma=sigma)


def plain_sign_counts(prep: PreparedPanel, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sum_i w_i ([SAR < g] + [SAR <= g])`` per day and the per-event counts, from the SARs."""
    sigma = np.asarray(prep.panel.sigma, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        sar = prep.est_ar / sigma[:, None]
    sar = np.where(np.isfinite(sar), sar, np.nan)
    w = np.asarray(prep.grank_weight)
    sums = np.zeros((g.shape[1], sar.shape[1]))
    counts = np.zeros(g.shape, dtype=np.int64)
    for j in range(g.shape[1]):
        both = (sar < g[:, j, None]).astype(int) + (sar <= g[:, j, None])
        both[~(np.isfinite(g[:, j]) & (sigma > 0))] = 0
        sums[j] = w @ both
        counts[:, j] = both.sum(axis=1)
    return sums, counts


@pytest.mark.parametrize("seed", [3, 4])
def test_sign_count_sums_equal_the_plain_comparisons(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sign_counts, "SIGN_COUNT_CHUNK", 7)  # many chunks, classes split across them
    panel = awkward_panel(120, seed)
    prep = PreparedPanel(panel)
    rng = np.random.default_rng(seed)
    n = panel.n_events
    g = rng.standard_normal((n, 5))
    g[rng.random((n, 5)) < 0.2] = np.nan  # not counted
    with np.errstate(invalid="ignore", divide="ignore"):
        sar = prep.est_ar / panel.sigma[:, None]
    for i in range(0, n, 3):  # values equal to one of the event's SARs: ties count one half
        finite = np.flatnonzero(np.isfinite(sar[i]))
        if finite.size:
            g[i, 2] = sar[i, finite[i % finite.size]]
    g[:, 3] = 1e300  # above every SAR
    g[:, 4] = -1e300
    assert not prep.sar_overflow
    sums, counts = prep.sign_count_sums(g)
    ref_sums, ref_counts = plain_sign_counts(prep, g)
    assert np.array_equal(counts, ref_counts)
    assert (counts[:, 2] % 2 == 1).any()  # some values equal to a SAR were found
    np.testing.assert_allclose(sums[0], ref_sums, rtol=1e-13, atol=1e-13)
    one_thread = prep.sign_count_sums(g, threads=1)
    two_threads = prep.sign_count_sums(g, threads=2)
    assert all(np.array_equal(a, b) for a, b in zip(one_thread, two_threads, strict=True))


def test_part_sign_counts_are_the_parts_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sign_counts, "SIGN_COUNT_CHUNK", 5)
    panel = awkward_panel(90, 5)
    labels = sorted(set(panel.groups))
    parts = np.searchsorted(labels, panel.groups)
    whole = PreparedPanel(panel, parts=parts)
    g = np.random.default_rng(5).standard_normal((panel.n_events, 3))
    sums, counts = whole.sign_count_sums(g)
    for p in range(len(labels)):
        rows = parts == p
        own_sums, own_counts = PreparedPanel(panel.subset(rows)).sign_count_sums(g[rows])
        assert np.array_equal(sums[1 + p], own_sums[0])  # bit for bit
        assert np.array_equal(counts[rows], own_counts)


def plain_grank(panel: EventPanel, window: tuple[int, int]) -> float:
    """GRANK-T (Kolari and Pynnonen 2011) straight from its definition, event by event."""
    cols = panel.window_columns(window)
    block = panel.ar[:, cols]
    used = np.isfinite(block).all(axis=1)
    car = np.where(used, block.sum(axis=1), np.nan)
    var = panel.car_var[:, panel.window_position(window)]
    sigma = panel.sigma
    with np.errstate(invalid="ignore"):
        ok = used & np.isfinite(var) & (var > 0) & np.isfinite(sigma) & (sigma > 0)
    scar = car[ok] / np.sqrt(var[ok])
    g = scar / scar.std(ddof=1)
    est = panel.ar[:, panel.is_estimation][ok] / sigma[ok, None]
    t1 = est.shape[1]
    u_sum, n_t, u0 = np.zeros(t1), np.zeros(t1), []
    for i in range(int(ok.sum())):
        fin = np.isfinite(est[i])
        values = np.r_[est[i, fin], g[i]]
        ranks = stats.rankdata(values) / (values.size + 1) - 0.5
        u_sum[fin] += ranks[:-1]
        n_t[fin] += 1
        u0.append(ranks[-1])
    days = n_t > 0
    big_t = int(days.sum()) + 1
    ubar_0 = float(np.mean(u0))
    s2 = (float((n_t[days] / ok.sum() * (u_sum[days] / n_t[days]) ** 2).sum()) + ubar_0**2) / big_t
    z = ubar_0 / math.sqrt(s2)
    return z * math.sqrt((big_t - 2) / (big_t - 1 - z * z))


@pytest.mark.parametrize("window", [(0, 0), (-1, 1), (0, 10)])
def test_grank_equals_its_definition(window: tuple[int, int]) -> None:
    panel = awkward_panel(60, 11)
    expected = plain_grank(panel, window)
    assert grank(panel, window).stat == pytest.approx(expected, rel=1e-12)
    batched = PreparedPanel(panel, windows_ahead=panel.windows)  # all windows' counts at once
    assert grank_prepared(batched, window).stat == pytest.approx(expected, rel=1e-12)


def test_grank_with_overflowing_sars_counts_them_as_missing() -> None:
    panel = awkward_panel(40, 12)
    sigma = panel.sigma.copy()
    sigma[5] = 1e-310  # AR / sigma overflows to +-inf for this event: those SARs are missing
    panel = dataclasses.replace(panel, sigma=sigma)
    prep = PreparedPanel(panel, windows_ahead=panel.windows)
    assert prep.sar_overflow
    for window in [(0, 0), (-1, 1)]:
        r = grank_prepared(prep, window)
        assert r.stat == grank(panel, window).stat  # the same (comparison) path either way
        assert math.isfinite(r.stat)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_signed_rank_sum_equals_scipy_rankdata(seed: int) -> None:
    rng = np.random.default_rng(seed)
    for n in (1, 2, 7, 300):
        x = np.round(rng.standard_normal(n), 1 if seed else 6)
        x = x[x != 0.0]
        if seed == 2:
            x = -np.abs(x)  # no positive value
        w_plus, counts = _signed_rank_sum(x)
        absx = np.abs(x)
        assert w_plus == stats.rankdata(absx)[x > 0].sum()
        assert np.array_equal(counts, np.unique(absx, return_counts=True)[1])


def test_pooled_rbar_of_parts_equals_each_parts_own() -> None:
    rng = np.random.default_rng(8)
    x = rng.standard_normal((300, 40)) + rng.standard_normal(40)  # correlated rows
    x[rng.random(x.shape) < 0.1] = np.nan
    x[0] = np.nan
    x[1, 2:] = np.nan  # too few days: left out
    parts = rng.integers(0, 3, 300)
    (whole, n), by_part = mean_pairwise_correlation_parts(x, 50, parts, 3)
    assert (whole, n) == mean_pairwise_correlation(x, exact_max=50)
    assert sorted(by_part) == [0, 1, 2]
    for p, (value, count) in by_part.items():
        own, own_n = mean_pairwise_correlation(x[parts == p], exact_max=50)
        assert count == own_n
        assert value == pytest.approx(own, rel=1e-12)


def test_pairwise_rbar_of_parts_equals_each_parts_own() -> None:
    rng = np.random.default_rng(9)
    x = rng.standard_normal((80, 30)) + 0.5 * rng.standard_normal(30)
    x[rng.random(x.shape) < 0.1] = np.nan
    x[3, 1:] = np.nan  # too few days: left out
    parts = rng.integers(0, 4, 80)
    parts[parts == 3] = 2  # part 3 has no rows
    (whole, n), by_part = mean_pairwise_correlation_parts(x, 2000, parts, 4)
    assert (whole, n) == mean_pairwise_correlation(x)
    for p in range(3):
        value, count = by_part[p]
        own, own_n = mean_pairwise_correlation(x[parts == p])
        assert count == own_n
        assert value == pytest.approx(own, rel=1e-12)
    assert math.isnan(by_part[3][0])
    assert by_part[3][1] == 0


def small_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks of a few rows, so that even small panels are split among threads."""
    monkeypatch.setattr(blocks, "BLOCK_ELEMENTS", 1 << 11)
    monkeypatch.setattr(sign_counts, "SIGN_COUNT_CHUNK", 9)
    monkeypatch.setattr(correlation, "RBAR_EXACT_MAX_EVENTS", 40)  # the pooled rbar, also of groups
    monkeypatch.setattr(aggregate, "PARALLEL_WINDOWS_MIN_EVENTS", 0)  # windows tested on threads


def test_aggregate_table_is_the_same_on_one_and_two_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    small_blocks(monkeypatch)
    panel = awkward_panel(150, 21)
    monkeypatch.setenv("DEALSTUDY_THREADS", "1")
    one = aggregate_table(panel)
    monkeypatch.setenv("DEALSTUDY_THREADS", "2")
    two = aggregate_table(panel)
    pd.testing.assert_frame_equal(one, two, check_exact=True)


def test_windows_on_threads_give_the_table_of_windows_in_turn(monkeypatch: pytest.MonkeyPatch) -> None:
    small_blocks(monkeypatch)
    panel = awkward_panel(150, 24)
    monkeypatch.setenv("DEALSTUDY_THREADS", "2")
    threaded = aggregate_table(panel)
    monkeypatch.setattr(aggregate, "PARALLEL_WINDOWS_MIN_EVENTS", 10**9)
    in_turn = aggregate_table(panel)
    pd.testing.assert_frame_equal(threaded, in_turn, check_exact=True)


def test_groups_from_the_whole_panel_equal_each_groups_own_table(monkeypatch: pytest.MonkeyPatch) -> None:
    small_blocks(monkeypatch)
    panel = awkward_panel(150, 22)
    table = aggregate_table(panel)
    for label in sorted(set(panel.groups)):
        own = aggregate_table(panel.subset(panel.groups == label))
        part = table[table["group"] == label].reset_index(drop=True)
        own = own[own["group"] == "all"].reset_index(drop=True)
        assert (part[["window", "n", "test", "reason"]] == own[["window", "n", "test", "reason"]]).all().all()
        for column in ("mean", "stat", "p_value"):
            np.testing.assert_allclose(part[column], own[column], rtol=1e-12, atol=0.0)


def test_aggregate_table_of_one_event_and_of_empty_windows() -> None:
    panel = awkward_panel(6, 23, groups=("a", "b", "c"))
    one = panel.subset(np.arange(6) == 0)  # one event in one group
    table = aggregate_table(one)
    assert set(table["group"]) == {"all", "a"}
    assert (table["n"] <= 1).all()
    nothing = dataclasses.replace(panel, ar=np.full_like(panel.ar, np.nan))
    assert aggregate_table(nothing)["stat"].isna().all()


def test_hand_out_moves_the_per_event_caches_into_the_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    small_blocks(monkeypatch)
    panel = awkward_panel(150, 24, groups=("a", "b", "c"))
    parts = np.searchsorted(np.array(["a", "b", "c"], dtype=object), panel.groups)
    whole = PreparedPanel(panel, tuple(panel.windows), parts=parts)
    whole.prefetch()
    whole.sample(panel.windows[0])
    computed = whole.caches.values  # noqa: PD011 (a dict)
    before = {name: value for name, value in computed.items() if name != "codes"}
    codes = whole.codes
    whole.hand_out()
    assert not whole.caches.values  # noqa: PD011 (nothing per event is left in the whole panel)
    assert whole.caches.samples  # the window samples stay, for the parts' own
    for p in range(3):
        mask = parts == p
        moved = whole.part_shared[p].values  # noqa: PD011
        for field in ("rank", "est", "sign", "est_order"):
            np.testing.assert_array_equal(getattr(moved["codes"], field), getattr(codes, field)[mask])
        for name in ("est_count", "est_var", "positive_share", "combined_count", "grank_weight"):
            np.testing.assert_array_equal(moved[name], before[name][mask])
        sub = whole.part(p)
        assert sub.codes is moved["codes"]  # the part uses the moved rows, not a new ranking


@pytest.mark.parametrize("seed", [0, 1])
def test_estimation_moments_equal_numpy_nan_functions(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """One pass gives each event's count, mean, variance (ddof 1), sum of squares and positive count, and
    each day's sum and count, as numpy's NaN-aware functions compute them (rtol 1e-12), over several row
    blocks; rows with no, one and two values, and a constant row included."""
    from dealstudy.stats._fast.moments import estimation_moments

    monkeypatch.setattr(blocks, "BLOCK_ELEMENTS", 64)  # many blocks of a few rows
    rng = np.random.default_rng(seed)
    x = rng.normal(0.001, 0.02, (300, 40))
    x[rng.random(x.shape) < 0.15] = np.nan
    x[0] = np.nan
    x[1, 1:] = np.nan
    x[2, 2:] = np.nan
    x[3] = 0.004
    x[4:20, :5] = 0.0  # zeros are not positive
    m = estimation_moments(x)
    fin = np.isfinite(x)
    count = fin.sum(axis=1)
    assert np.array_equal(m.count, count)
    with np.errstate(invalid="ignore", divide="ignore"), pytest.warns(RuntimeWarning):
        mean, var = np.nanmean(x, axis=1), np.nanvar(x, axis=1, ddof=1)
    np.testing.assert_allclose(m.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(m.var[count > 1], var[count > 1], rtol=1e-12, atol=1e-20)
    assert np.isnan(m.var[count <= 1]).all()
    assert np.isnan(m.mean[0])
    assert m.var[3] == pytest.approx(0.0, abs=1e-30)
    np.testing.assert_allclose(m.squares, np.nansum(x * x, axis=1), rtol=1e-12)
    assert np.array_equal(m.positive, (x > 0).sum(axis=1))
    np.testing.assert_allclose(m.day_total, np.nansum(x, axis=0), rtol=1e-12)
    assert np.array_equal(m.day_count, fin.sum(axis=0))


def test_pooled_rbar_leaves_out_rows_without_variance() -> None:
    """A row whose residuals are all equal (sd 0 within rounding) has no correlation: the pooled rbar
    is the rbar of the other rows, not NaN."""
    rng = np.random.default_rng(3)
    common = rng.normal(0, 0.01, 60)
    x = common + rng.normal(0, 0.02, (50, 60))
    x[rng.random(x.shape) < 0.1] = np.nan
    with_flat = np.vstack([x, np.full(60, 0.01)])
    rbar, _ = mean_pairwise_correlation(with_flat, exact_max=10)
    assert rbar == mean_pairwise_correlation(x, exact_max=10)[0]
    assert 0.05 < rbar < 0.5
