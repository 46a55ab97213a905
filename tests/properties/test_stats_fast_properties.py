"""The fast kernels of ``dealstudy.stats._fast`` against the simple path, on generated data.

Each property compares a kernel with a plain, obviously correct computation (scipy's ``rankdata`` row
by row, plain NumPy sums, a double loop over pairs of events, the public test on a fresh panel of one
group). Tolerances, stated per test: ranks and rank codes are exact (they are integers or halves);
sums and correlations agree to 1e-12 relative to the size of their terms (the kernels add in another
order); each aggregate test through the prepared panel of ``aggregate_table`` (groups as parts, all
windows ahead, small blocks and threads) equals the same test on a fresh panel of the group to 1e-12.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from unittest import mock

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy import stats

from dealstudy.stats import AGGREGATE_TESTS, EventPanel, aggregate, aggregate_table
from dealstudy.stats._fast import (
    Matrix,
    PreparedPanel,
    Weight,
    blocks,
    correlation,
    mean_pairwise_correlation,
    rank_rows,
    rank_rows_two,
    sign_counts,
)
from dealstudy.stats._fast.correlation import mean_pairwise_correlation_parts
from dealstudy.stats._fast.ranks import panel_codes
from dealstudy.stats.simulate import market_model_panel

VALUES = st.one_of(
    st.sampled_from([0.0, -0.0, 1.0, -1.5, 2.0, 1e-310, np.nan, np.nan, np.inf, -np.inf]),  # ties, missing
    st.floats(-1e6, 1e6, allow_nan=False),
)
ROWS = hnp.arrays(
    np.float64, hnp.array_shapes(min_dims=2, max_dims=2, min_side=1, max_side=24), elements=VALUES
)


def plain_ranks(row: np.ndarray, columns: np.ndarray | None = None) -> np.ndarray:
    """``scipy.stats.rankdata`` (average ranks) of the finite values of ``row[columns]``; NaN elsewhere."""
    x = row if columns is None else row[columns]
    out = np.full(x.shape, np.nan)
    fin = np.isfinite(x)
    if fin.any():
        out[fin] = stats.rankdata(x[fin], method="average")
    return out


@settings(max_examples=60, deadline=None)
@given(x=ROWS, part_seed=st.integers(0, 2**16))
def test_rank_rows_equal_scipy_rankdata_row_by_row(x: np.ndarray, part_seed: int) -> None:
    # exact: average ranks are integers or halves
    part = np.random.default_rng(part_seed).random(x.shape[1]) < 0.6
    expected = np.array([plain_ranks(row) for row in x])
    assert np.array_equal(rank_rows(x), expected, equal_nan=True)
    rank_all, rank_part = rank_rows_two(x, part)
    assert np.array_equal(rank_all, expected, equal_nan=True)
    expected_part = np.array([plain_ranks(row, part) for row in x]).reshape(x.shape[0], int(part.sum()))
    assert np.array_equal(rank_part, expected_part, equal_nan=True)


@settings(max_examples=60, deadline=None)
@given(x=ROWS, layout_seed=st.integers(0, 2**16))
def test_rank_codes_equal_twice_scipy_rankdata(x: np.ndarray, layout_seed: int) -> None:
    # exact: codes are twice the average rank over the ranking sample (0 where missing), twice the rank
    # over the estimation days (0 where missing or sd unusable), and sign(x - median of the sample)
    rng = np.random.default_rng(layout_seed)
    n, k = x.shape
    is_est = rng.random(k) < 0.6
    is_est[rng.integers(k)] = True  # a panel has estimation days
    combined = is_est | (rng.random(k) < 0.7)
    usable = rng.random(n) < 0.8
    codes = panel_codes(x, is_est, combined, usable)
    for i, row in enumerate(x):
        rank = plain_ranks(row, combined)
        assert np.array_equal(codes.rank[i], np.nan_to_num(2 * rank, nan=0.0))
        est = plain_ranks(row, is_est) if usable[i] else np.full(int(is_est.sum()), np.nan)
        assert np.array_equal(codes.est[i], np.nan_to_num(2 * est, nan=0.0))
        sample = np.where(np.isfinite(row), row, np.nan)[combined]
        fin = np.isfinite(sample)
        sign = np.zeros(sample.shape)
        if fin.any():
            sign[fin] = np.sign(sample[fin] - np.median(sample[fin]))
        assert np.array_equal(codes.sign[i], sign)
        estimation = row[is_est]
        finite = int(np.isfinite(estimation).sum())
        assert codes.est_order is not None
        ordered = estimation[codes.est_order[i, :finite]]
        assert np.array_equal(ordered, np.sort(estimation[np.isfinite(estimation)]))


def generated_panel(seed: int, n: int, missing: float, ties: bool) -> EventPanel:
    """A small market-model panel with missing days, tied ARs, and events with an unusable sd."""
    rng = np.random.default_rng(seed)
    panel = market_model_panel(
        rng, n, estimation=(-40, -6), event=(-3, 5), windows=((-1, 1), (0, 5)), missing=missing,
        groups=("a", "b", "c"), effect=0.003, noise="t3",
    )  # fmt: skip
    ar, sigma = panel.ar.copy(), panel.sigma.copy()
    if ties:
        ar = np.round(ar, 3)
    sigma[rng.random(n) < 0.1] = np.nan
    sigma[rng.random(n) < 0.05] = 0.0
    return dataclasses.replace(panel, ar=ar, sigma=sigma)


def plain_matrix(panel: EventPanel, matrix: Matrix) -> np.ndarray:
    """The per-event, per-day matrix from its definition, with scipy ranks."""
    combined = panel.is_estimation | panel.is_event
    ar = np.where(np.isfinite(panel.ar), panel.ar, np.nan)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        usable = np.isfinite(panel.sigma) & (panel.sigma > 0)
        sar = ar[:, panel.is_estimation] / panel.sigma[:, None]
    rows = []
    for i, row in enumerate(ar):
        sample = row[combined]
        fin = np.isfinite(sample)
        if matrix is Matrix.COMBINED_OBSERVED:
            rows.append(fin.astype(float))
        elif matrix is Matrix.CORRADO_U:
            rows.append(np.nan_to_num(plain_ranks(sample) / (1.0 + fin.sum()) - 0.5, nan=0.0))
        elif matrix is Matrix.CORRADO_G:
            median = np.median(sample[fin]) if fin.any() else np.nan
            with np.errstate(invalid="ignore"):
                rows.append(np.nan_to_num(np.sign(sample - median), nan=0.0))
        elif matrix is Matrix.EST_SAR_RANK:  # ranks of the ARs (= of the SARs), 0 where sd unusable
            ranks = plain_ranks(row, panel.is_estimation) if usable[i] else np.zeros(sar.shape[1])
            rows.append(np.nan_to_num(ranks, nan=0.0))
        else:
            rows.append(np.isfinite(sar[i]).astype(float))
    return np.array(rows)


def plain_weight(panel: EventPanel, weight: Weight) -> np.ndarray:
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        usable = (np.isfinite(panel.sigma) & (panel.sigma > 0)).astype(float)
        sar = panel.ar[:, panel.is_estimation] / panel.sigma[:, None]
    if weight is Weight.ONES:
        return np.ones(panel.n_events)
    if weight is Weight.SIGMA_USABLE:
        return usable
    return usable / (np.isfinite(sar).sum(axis=1) + 2.0)


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 40),
    missing=st.sampled_from([0.0, 0.05, 0.3]),
    ties=st.booleans(),
    mask_seed=st.integers(0, 2**16),
)
def test_column_sums_equal_plain_numpy(seed: int, n: int, missing: float, ties: bool, mask_seed: int) -> None:
    # 1e-12 of the sum of the terms' absolute values (the kernel adds over all events in blocks and
    # subtracts the events outside the mask)
    panel = generated_panel(seed, n, missing, ties)
    prep = PreparedPanel(panel)
    mask = np.random.default_rng(mask_seed).random(n) < 0.8
    for matrix, weight in itertools.product(Matrix, Weight):
        values, w = plain_matrix(panel, matrix), plain_weight(panel, weight)
        expected = (np.where(mask, w, 0.0)) @ values
        scale = np.abs(w) @ np.abs(values)
        got = prep.colsum(matrix, weight, mask)
        assert np.all(np.abs(got - expected) <= 1e-12 * scale + 1e-300), (matrix, weight)


def correlated_rows(seed: int, n: int, t: int, missing: float) -> np.ndarray:
    """Rows sharing a common factor, with days missing at random (no constant row)."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, t)) + rng.uniform(0.0, 1.0) * rng.standard_normal(t)
    x[rng.random(x.shape) < missing] = np.nan
    return x


def plain_pairwise_mean(x: np.ndarray) -> tuple[float, int]:
    """Mean over pairs of rows (each with >= 3 observations) of their correlation over the days both
    observe, where that is at least 3 days."""
    rows = [row for row in x if np.isfinite(row).sum() >= 3]
    values = []
    for a, b in itertools.combinations(rows, 2):
        both = np.isfinite(a) & np.isfinite(b)
        if both.sum() >= 3:
            values.append(float(np.clip(np.corrcoef(a[both], b[both])[0, 1], -1.0, 1.0)))
    return (float(np.mean(values)) if values else math.nan), len(rows)


def plain_pooled(x: np.ndarray) -> float:
    """The pooled estimator from its definition: rows standardized over their own days (ddof 1), then
    ``sum over ordered pairs i != j of sum_t z_it z_jt`` over ``sum over those pairs of (n_ij - 1)``."""
    rows = []
    for row in x:
        fin = np.isfinite(row)
        if fin.sum() >= 3:
            z = np.where(fin, (row - row[fin].mean()) / row[fin].std(ddof=1), 0.0)
            rows.append((z, fin))
    numerator = denominator = 0.0
    for (za, fa), (zb, fb) in itertools.permutations(rows, 2):
        numerator += float((za * zb).sum())
        denominator += float((fa & fb).sum()) - 1.0
    return numerator / denominator


@settings(max_examples=25, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(2, 30),
    t=st.integers(3, 40),
    missing=st.sampled_from([0.0, 0.1, 0.4]),
)
def test_mean_pairwise_correlation_equals_the_direct_computation(
    seed: int, n: int, t: int, missing: float
) -> None:
    x = correlated_rows(seed, n, t, missing)
    # exact branch (pair by pair): 1e-12 absolute against numpy's corrcoef over each pair's common days
    exact, used = mean_pairwise_correlation(x, exact_max=n)
    expected, expected_used = plain_pairwise_mean(x)
    assert used == expected_used
    assert (math.isnan(exact) and math.isnan(expected)) or abs(exact - expected) <= 1e-12
    # pooled branch: 1e-12 relative to its definition (a double loop over pairs); without missing days
    # it is the mean of the pairwise correlations, to 1e-12 absolute
    pooled, _ = mean_pairwise_correlation(x, exact_max=1)
    if expected_used >= 2:
        assert math.isclose(pooled, plain_pooled(x), rel_tol=1e-12, abs_tol=1e-14)
        if missing == 0.0:
            assert abs(pooled - exact) <= 1e-12
    # the parts' values from the pass over all rows are each part's own (1e-12 relative)
    parts = np.arange(n) % 3
    for exact_max in (n, 1):
        _, by_part = mean_pairwise_correlation_parts(x, exact_max, parts, 3)
        for p, (value, count) in by_part.items():
            own, own_count = mean_pairwise_correlation(x[parts == p], exact_max=exact_max)
            assert count == own_count
            assert (math.isnan(value) and math.isnan(own)) or math.isclose(
                value, own, rel_tol=1e-12, abs_tol=1e-14
            )


def same(a: float, b: float) -> bool:
    """Equal to 1e-12 (relative, or absolute near zero), or both NaN."""
    return (math.isnan(a) and math.isnan(b)) or math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@settings(max_examples=12, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(1, 60),
    missing=st.sampled_from([0.0, 0.02, 0.2]),
    ties=st.booleans(),
    small=st.booleans(),
)
def test_every_test_through_the_prepared_panel_equals_the_fresh_panel(
    seed: int, n: int, missing: float, ties: bool, small: bool
) -> None:
    # aggregate_table runs each test on a PreparedPanel with the groups as parts and every window ahead
    # (column sums, GRANK counts and the pooled rbar of a group come from passes over all events); each
    # row must equal the public test on a fresh panel of that group alone, to 1e-12. ``small``: blocks
    # of a few rows, small GRANK chunks, the pooled rbar from 15 events, windows on threads.
    panel = generated_panel(seed, n, missing, ties)
    with (
        mock.patch.object(blocks, "BLOCK_ELEMENTS", 1 << 9 if small else blocks.BLOCK_ELEMENTS),
        mock.patch.object(sign_counts, "SIGN_COUNT_CHUNK", 7 if small else sign_counts.SIGN_COUNT_CHUNK),
        mock.patch.object(
            correlation, "RBAR_EXACT_MAX_EVENTS", 15 if small else correlation.RBAR_EXACT_MAX_EVENTS
        ),
        mock.patch.object(aggregate, "PARALLEL_WINDOWS_MIN_EVENTS", 0 if small else 10**9),
    ):
        table = aggregate_table(panel)
        for (label, window_text), rows in table.groupby(["group", "window"], sort=False):
            own = panel if label == "all" else panel.subset(panel.groups == label)
            a, b = (int(v) for v in str(window_text).split(":"))
            for row in rows.itertuples():
                fresh = AGGREGATE_TESTS[str(row.test)](own, (a, b))
                key = (label, window_text, row.test)
                assert row.n == fresh.nobs, key
                assert row.reason == fresh.reason, key
                assert same(row.mean, fresh.mean), key
                assert same(row.stat, fresh.stat), (key, row.stat, fresh.stat)
                assert same(row.p_value, fresh.pvalue), (key, row.p_value, fresh.pvalue)
