"""The engine's vectorised kernels against plain, event-by-event implementations.

Alignment of all tickers at once (day 0, rules, outcomes, overlaps, gathered returns, regressors and
estimation exclusions), the reasons of failing events, the SQ p-values of several windows, the batched
ticker/regressor inputs, text cleaning, and threads=1 vs threads=2 (all result frames equal).
Exact comparisons throughout: the fast paths do the same arithmetic, element by element.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealstudy.study import EventStudy, StudySpec, aligned, assemble, panel
from dealstudy.study.align import align_events
from dealstudy.study.aligned import Aligned, row_counts
from dealstudy.study.estimate import estimate
from dealstudy.study.events import _text, normalise_events
from dealstudy.study.inputs import PriceInputs, ReturnInputs
from dealstudy.study.ols import masked_sst, simple_ols
from dealstudy.study.panel import quadratic_form
from dealstudy.study.screen import describe_days, thin_reasons

SPEC = StudySpec(
    model="market", market="MKT", estimation=(-60, -6), min_obs=30, windows=((0, 0), (-2, 2), (0, 4))
)


def _prices(seed: int = 3) -> dict[str, pd.Series]:
    """Tickers with leading/trailing NaN prices, gaps, a zero price, another index unit, an all-NaN
    ticker and an unsorted (cleaned) series; the market with a holiday and a short history."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2020-01-01", periods=400)
    mkt = 100 * np.cumprod(1 + rng.normal(0, 0.01, dates.size))
    out = {"MKT": pd.Series(mkt, index=dates).drop(dates[200])}  # a market holiday
    out["SHORT"] = pd.Series(mkt[:150], index=dates[:150])  # a benchmark ending early
    for j, name in enumerate(["A", "B", "C", "D", "E"]):
        p = 50 * np.cumprod(1 + rng.normal(0, 0.02, dates.size))
        p[rng.random(dates.size) < 0.01] = np.nan
        if name == "A":
            p[:30] = np.nan  # leading sessions without prices
        if name == "B":
            p[-20:] = np.nan  # trailing
            p[100] = 0.0  # a non-positive price
        out[name] = pd.Series(p[: dates.size - j], index=dates[j:], dtype=np.float64)  # own first session
    out["C"].index = out["C"].index.as_unit("s")
    out["D"] = out["D"].iloc[::-1]  # unsorted: cleaned by the slow path
    out["Z"] = pd.Series(np.nan, index=dates)
    out["F"] = out["E"].copy()
    out["F"].index = out["F"].index + pd.Timedelta(hours=16)  # not whole days: normalised by the slow path
    out["G"] = out["E"].iloc[:0]  # empty
    return out


def _events(prices: dict[str, pd.Series]) -> pd.DataFrame:
    d = prices["MKT"].index
    rows = [
        ("a0", "A", d[5], None, None, "MKT"),  # before A's first price: thin / outside
        ("a1", "A", d[100], None, None, "MKT"),
        ("a2", "A", d[110], None, None, "MKT"),  # overlaps a1's window
        ("a3", "A", d[100], None, None, "MKT"),  # same day 0 as a1
        ("a4", "A", d[32], None, None, "MKT"),  # estimation days before the first data of all
        ("b1", "B", None, d[150], "after_close", "MKT"),
        ("b2", "B", None, pd.Timestamp("2020-06-06"), "", "MKT"),  # a Saturday: next session
        ("b3", "B", d[395], None, None, "MKT"),  # after B's last price
        ("c1", "C", d[250], None, None, "SHORT"),  # benchmark without prices in the window
        ("c2", "C", d[390], None, None, "MKT"),  # near the end of the data
        ("d1", "D", d[300], None, None, "MKT"),
        ("d2", "D", None, pd.Timestamp("2030-01-01"), "", "MKT"),  # outside the data
        ("e1", "E", d[66], None, None, "MKT"),
        ("e2", "E", d[200], None, None, "NOPE"),  # benchmark without data
        ("e3", "E", d[398], None, None, "MKT"),  # event days after the last data of all
        ("z1", "Z", d[200], None, None, "MKT"),  # no prices at all
        ("x1", "X", d[200], None, None, "MKT"),  # unknown ticker
    ]
    ev = pd.DataFrame(rows, columns=["event_id", "ticker", "day0", "date", "timing", "market"])
    ev["day0_rule"] = ["given rule" if r[0] == "a1" else "" for r in rows]
    return ev


def _aligned(spec: StudySpec = SPEC) -> tuple[pd.DataFrame, PriceInputs, Aligned]:
    prices = _prices()
    ev = normalise_events(_events(prices), spec.market)
    inputs = PriceInputs(prices, spec.returns)
    return ev, inputs, align_events(ev, inputs, spec, None, (), {"X": "unknown symbol"})


def test_alignment_equals_a_per_event_computation() -> None:
    """Day 0, its rule, the gathered returns, benchmark returns, dates, data range and exclusions of every
    located event equal a direct per-event computation on the ticker's own series."""
    spec = SPEC
    ev, inputs, al = _aligned()
    wlo, whi = spec.widest_window
    disp_cols = np.flatnonzero(al.is_display)
    located: dict[str, list[tuple[int, int]]] = {}
    for i in range(len(ev)):
        data = inputs.ticker(ev.loc[i, "ticker"])
        if data is None:
            assert al.outcome[i] == "no_prices"
            assert not al.inb[i].any()
            assert np.isnan(al.R[i]).all()
            continue
        dates = data.dates
        given = not pd.isna(ev.loc[i, "day0"])
        anchor = np.datetime64(ev.loc[i, "day0"] if given else ev.loc[i, "date"], "ns")
        pos = int(np.searchsorted(dates, anchor))
        exact = pos < dates.size and dates[pos] == anchor
        if not given and exact and ev.loc[i, "timing"] == "after_close":
            pos += 1
        ok = dates[0] <= anchor <= dates[-1] and (exact or not given) and pos < dates.size
        if not ok:
            assert al.outcome[i] in ("day0_outside_data", "gap_in_event_window"), i
            assert not al.inb[i].any()
            continue
        assert al.day0[i] == dates[pos]
        located.setdefault(ev.loc[i, "ticker"], []).append((i, pos))
    for ticker, evs in located.items():
        data = inputs.ticker(ticker)
        assert data is not None
        n_t = data.dates.size
        covered = np.zeros(n_t, dtype=bool)
        for _, p0 in evs:
            covered[max(p0 + wlo, 0) : max(min(p0 + whi + 1, n_t), 0)] = True
        for i, p0 in evs:
            bench = inputs.regressor(ev.loc[i, "market"], data.dates)
            if bench is None:  # never gathered
                assert al.outcome[i] in ("no_benchmark", "overlapping_event")
                assert not al.inb[i].any()
                assert not al.excluded[i].any()
                assert np.isnan(al.R[i]).all()
                continue
            local = p0 + al.rel
            inb = (local >= 0) & (local < n_t)
            safe = np.clip(local, 0, n_t - 1)
            np.testing.assert_array_equal(al.inb[i], inb)
            np.testing.assert_array_equal(al.R[i], np.where(inb, data.returns[safe], np.nan))
            np.testing.assert_array_equal(al.excluded[i], inb & al.is_est & covered[safe])
            want_dates = np.where(inb, data.dates[safe], np.datetime64("NaT", "ns"))[disp_cols]
            np.testing.assert_array_equal(al.dates[i], want_dates)
            np.testing.assert_array_equal(al.B[i, :, 0], np.where(inb, bench[safe], np.nan))
    out = dict(zip(ev["event_id"], al.outcome, strict=True))
    reason = dict(zip(ev["event_id"], al.reason, strict=True))
    rule = dict(zip(ev["event_id"], al.day0_rule, strict=True))
    assert out["a3"] == "overlapping_event"
    assert reason["a3"].endswith("as event a1")
    assert out["z1"] == out["x1"] == "no_prices"
    assert "unknown symbol" in reason["x1"]
    assert out["e2"] == "no_benchmark"
    assert out["d2"] == "day0_outside_data"
    assert rule["a1"] == "given rule"
    assert rule["b1"] == "after_close: next session"
    assert rule["b2"] == "not a session: next session"
    assert rule["d2"] == "announcement date"
    overlaps = dict(zip(ev["event_id"], al.overlaps, strict=True))
    assert overlaps["a1"] == "a3"
    assert overlaps["a3"] == "a1"
    assert overlaps["d1"] == ""


def _plain_describe(al: Aligned, i: int, bad: np.ndarray) -> str:
    """The old per-event text: at most five days, then 'and n more'."""
    parts = []
    for c in np.flatnonzero(bad)[:5]:
        day = int(al.rel[c])
        when = (
            str(al.dates[i, int(np.count_nonzero(al.is_display[:c]))])[:10]
            if al.inb[i, c]
            else f"after the last price {str(al.last_date[i])[:10]}"
        )
        if not al.inb[i, c] and day < 0:
            when = "before the first price"
        parts.append(f"{day:+d} ({when})")
    more = int(bad.sum()) - len(parts)
    return ", ".join(parts) + (f" and {more} more" if more > 0 else "")


def _plain_thin(al: Aligned, i: int, spec: StudySpec, need: int, nobs: int) -> str:
    est = al.is_est & ~al.excluded[i]
    parts = []
    before = int((est & ~al.inb[i]).sum())
    if before:
        parts.append(f"{before} days before the first price of the ticker")
    if int(al.excluded[i].sum()):
        parts.append(f"{int(al.excluded[i].sum())} inside other event windows of the same ticker")
    inside = est & al.inb[i]
    no_r = int((inside & ~np.isfinite(al.R[i])).sum())
    if no_r:
        parts.append(f"{no_r} without a ticker return")
    no_b = int((inside & np.isfinite(al.R[i]) & ~np.isfinite(al.B[i]).all(axis=1)).sum())
    if no_b:
        parts.append(f"{no_b} without a return of benchmark {al.markets[i]}")
    detail = f" ({'; '.join(parts)})" if parts else ""
    window = str(spec.estimation)
    return f"{nobs} estimation returns in {window}, fewer than the minimum {need}{detail}"


def test_reasons_equal_the_per_event_text() -> None:
    """Day lists and thin-estimation reasons of many events (gaps before, inside and after the data, more
    than five bad days, exclusions, missing benchmark returns) equal the per-event text."""
    spec = StudySpec(model="market", market="MKT", estimation=(-60, -6), min_obs=54, windows=((-3, 8),))
    _, _, al = _aligned(spec)
    rng = np.random.default_rng(5)
    rows = np.arange(al.R.shape[0])
    ev_cols = np.flatnonzero(al.is_event)
    bad = rng.random((rows.size, ev_cols.size)) < 0.4
    bad[0] = True  # more than five days
    bad[1] = False
    bad[1, -1] = True
    got = describe_days(al, rows, bad)
    for j, i in enumerate(rows):
        full = np.zeros(al.rel.size, dtype=bool)
        full[ev_cols] = bad[j]
        assert got[j] == _plain_describe(al, int(i), full)
    nobs = rng.integers(0, 50, rows.size)
    got = thin_reasons(al, rows, spec, 54, nobs)
    for j, i in enumerate(rows):
        assert got[j] == _plain_thin(al, int(i), spec, 54, int(nobs[j]))
    assert describe_days(al, rows[:0], bad[:0]) == []
    assert thin_reasons(al, rows[:0], spec, 54, nobs[:0]) == []


def test_estimate_reasons_match_on_a_study() -> None:
    """Outcomes of a study with gaps and thin windows: every failing event's reason is the per-event
    text (the engine's vectorised texts, compared after the fact)."""
    spec = StudySpec(model="market", market="MKT", estimation=(-60, -6), min_obs=50, windows=((-2, 3),))
    _, _, al = _aligned(spec)
    before = al.outcome.copy()
    estimate(al, spec)
    wtxt = str(spec.widest_window)
    ev_cols = np.flatnonzero(al.is_event)
    seen = set()
    for i in np.flatnonzero(before == ""):
        bad_r = np.zeros(al.rel.size, dtype=bool)
        bad_r[ev_cols] = ~np.isfinite(al.R[i, ev_cols])
        if al.outcome[i] == "gap_in_event_window":
            assert al.reason[i] == (
                f"no return of the ticker for day(s) {_plain_describe(al, int(i), bad_r)} of the widest "
                f"window {wtxt}"
            )
        seen.add(al.outcome[i])
    assert "gap_in_event_window" in seen or "thin_estimation" in seen


@pytest.mark.parametrize("lengths", [(1, 3, 2, 11, 11), (5,), (1,)])
def test_sq_pvalues_of_several_windows_equal_sq_test(lengths: tuple[int, ...]) -> None:
    """The batched SQ p-values (several windows sharing running sums, time-major sub-blocks) equal
    :func:`dealstudy.stats.single.sq_test` event by event: ties (residuals on a coarse grid, CARs equal
    to window sums), missing days, all-missing and short rows, zero-variance rows, missing CARs."""
    from dealstudy.stats.single import sq_test

    rng = np.random.default_rng(11)
    n, t = 700, 60
    resid = np.round(rng.normal(0, 1, (n, t)) * 4) / 4  # many exact ties
    used = rng.random((n, t)) > 0.05
    resid[rng.random((n, t)) < 0.03] = np.nan
    used[0] = False  # all missing
    used[1, 10:] = False  # too few windows
    resid[2] = 0.25  # zero variance
    cars = np.round(rng.normal(0, 2, (len(lengths), n)) * 4) / 4
    cars[:, 3] = np.nan
    cars[:, 4] = 0.0
    got = assemble._sq_pvalues(cars, np.array(lengths), resid, used)
    masked = np.where(used, resid, np.nan)
    for w, length in enumerate(lengths):
        want = np.array([sq_test(float(c), r, length).pvalue for c, r in zip(cars[w], masked, strict=True)])
        np.testing.assert_array_equal(got[w], want)
    assert np.isnan(got[:, :2]).all()
    assert np.isnan(got[:, 3]).all()
    empty = assemble._sq_pvalues(np.empty((1, 0)), np.array([3]), np.empty((0, t)), np.empty((0, t), bool))
    assert empty.shape == (1, 0)


@pytest.mark.parametrize("k", [0, 1, 2, 3, 7])
def test_quadratic_form_equals_einsum_bit_for_bit(k: int) -> None:
    """:func:`~dealstudy.study.panel.quadratic_form` gives einsum's values exactly (same products, added in
    the same order): magnitudes over many decades, zeros, signed zeros, infinities and NaN, per-day rows
    and single rows, the constant column of the models."""
    rng = np.random.default_rng(k + 20)
    for n, t in ((1, 1), (5, 11), (512, 21), (33, 3)):
        x = rng.normal(0, 1, (n, t, k)) * 10.0 ** rng.integers(-12, 12, (n, t, k))
        inv = rng.normal(0, 1, (n, k, k)) * 10.0 ** rng.integers(-12, 12, (n, k, k))
        if k:
            x[..., 0] = 1.0
            x[rng.random((n, t, k)) < 0.1] = 0.0
            x[rng.random((n, t, k)) < 0.05] = -0.0
            inv[rng.random((n, k, k)) < 0.02] = np.inf
            x[rng.random((n, t, k)) < 0.02] = np.nan
        got = quadratic_form(x, inv)
        np.testing.assert_array_equal(got, np.einsum("ntk,nkl,ntl->nt", x, inv, x), strict=True)
        assert not np.signbit(got[got == 0]).any() or not k
        rows = x[:, 0]
        want = np.einsum("nk,nkl,nl->n", rows, inv, rows)
        np.testing.assert_array_equal(quadratic_form(rows, inv), want, strict=True)
        assert quadratic_form(rows, inv).tobytes() == want.tobytes()


def test_simple_ols_sst_equals_the_masked_sum_of_squares() -> None:
    """The centred sums of squares :func:`simple_ols` fills (``sst=``) and :func:`masked_sst` equal the
    plain expression on a strided view, bit for bit: missing values outside the mask, rows without days,
    a constant row; the fit itself is the same with ``nobs`` given."""
    rng = np.random.default_rng(8)
    full = rng.normal(0, 0.02, (300, 80)) * 10.0 ** rng.integers(-3, 3, (300, 1))
    x_full = rng.normal(0, 0.01, (300, 80))
    y, x = full[:, :70], x_full[:, :70]  # strided views, as the engine passes them
    mask = rng.random(y.shape) > 0.2
    y[~mask & (rng.random(y.shape) < 0.5)] = np.nan
    mask[0] = False
    y[1] = 0.03
    nobs = mask.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ybar = np.where(mask, y, 0.0).sum(axis=1) / nobs
        want = np.where(mask, (y - ybar[:, None]) ** 2, 0.0).sum(axis=1)
    sst = np.full(300, np.nan)
    fit = simple_ols(x, y, mask, block=128, with_ssr=False, nobs=nobs, sst=sst)
    assert sst.tobytes() == want.tobytes()
    assert masked_sst(y, mask, nobs).tobytes() == want.tobytes()
    plain = simple_ols(x, y, mask, block=128, with_ssr=False)
    np.testing.assert_array_equal(fit.params, plain.params)
    np.testing.assert_array_equal(fit.xtx_inv, plain.xtx_inv)
    assert want[0] == 0.0
    assert want[1] == 0.0
    assert (want[2:] > 0).all()


def test_shorter_rows_moves_the_rows_up_in_place() -> None:
    """The panel's ARs on a shorter axis are ``fit.ar``'s first columns in ``fit.ar``'s own memory: equal
    to a copy of them over several blocks of rows (sources and destinations overlapping)."""
    rng = np.random.default_rng(6)
    for n, width, keep in ((3 * aligned.BLOCK + 5, 61, 55), (7, 10, 10), (aligned.BLOCK, 9, 1), (0, 5, 3)):
        a = rng.normal(0, 1, (n, width))
        want = a[:, :keep].copy()
        got = panel._shorter_rows(a, keep)
        assert got.flags.c_contiguous
        assert np.shares_memory(got, a) or n == 0
        np.testing.assert_array_equal(got, want)


def test_row_counts_equal_sums() -> None:
    rng = np.random.default_rng(2)
    for shape in ((0, 5), (3, 0), (7, 300), (4, 70_000)):
        mask = rng.random(shape) < 0.5
        np.testing.assert_array_equal(row_counts(mask), mask.sum(axis=-1))
        np.testing.assert_array_equal(row_counts(mask.T), mask.T.sum(axis=-1))


@pytest.mark.parametrize("kind", ["simple", "log"])
def test_ticker_panel_equals_per_ticker_inputs(kind: str) -> None:
    """Returns and regressors at chosen positions of the concatenated tickers (runs and isolated positions,
    first and last sessions) equal :meth:`ticker` and :meth:`regressor` per ticker."""
    prices = _prices()
    symbols = ["A", "B", "NONE", "C", "D", "Z", "F", "G", "E", "MKT"]
    rng = np.random.default_rng(4)
    given_returns = {k: v.pct_change() for k, v in prices.items()}
    for inputs in (PriceInputs(prices, kind), ReturnInputs(given_returns)):  # type: ignore[arg-type]
        tp = inputs.tickers(symbols)
        inside = np.concatenate(
            [np.arange(s, s + n) for s, n in zip(tp.start, tp.length, strict=True) if n > 0]
        )
        for at in (inside, np.unique(rng.choice(inside, 300)), inside[:1], inside[-1:]):
            got_r = inputs.returns_at(tp, at)
            got_b = {b: inputs.regressor_at(b, tp, at) for b in ("MKT", "SHORT", "E")}
            assert inputs.regressor_at("NONE", tp, at) is None
            for j, sym in enumerate(symbols):
                one = inputs.ticker(sym)
                if one is None:
                    assert tp.length[j] == 0
                    continue
                np.testing.assert_array_equal(
                    tp.ns[tp.start[j] : tp.start[j] + tp.length[j]], one.dates.view(np.int64)
                )
                mine = (at >= tp.start[j]) & (at < tp.start[j] + tp.length[j])
                local = at[mine] - tp.start[j]
                np.testing.assert_array_equal(got_r[mine], one.returns[local])
                for b, values in got_b.items():
                    want = inputs.regressor(b, one.dates)
                    assert values is not None
                    assert want is not None
                    np.testing.assert_array_equal(values[mine], want[local])


def test_text_columns_equal_the_per_value_cleaning() -> None:
    frame = pd.DataFrame(
        {
            "s": pd.array([" SPY ", None, "nan", "", "QQQ", " SPY"], dtype="str"),
            "o": np.array([" a", None, np.nan, "None", "<NA>", "b "], dtype=object),
            "m": np.array([1, 2.0, None, "x", True, np.nan], dtype=object),
        }
    )

    def plain(column: str, default: str) -> list[str]:
        out = []
        for v in frame[column].tolist():
            text = "" if v is None or (isinstance(v, float) and v != v) else str(v).strip()
            out.append(text if text and text not in ("nan", "<NA>", "None") else default)
        return out

    for column in ("s", "o", "m"):
        assert _text(frame, column, "D").tolist() == plain(column, "D")


def _synthetic_study(spec: StudySpec) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    rng = np.random.default_rng(8)
    dates = pd.bdate_range("2019-01-01", periods=500)
    prices = {"MKT": pd.Series(100 * np.cumprod(1 + rng.normal(0, 0.01, dates.size)), index=dates)}
    rows = []
    for j in range(25):
        p = 20 * np.cumprod(1 + rng.normal(0, 0.02, dates.size))
        p[rng.random(dates.size) < 0.01] = np.nan
        start = int(rng.integers(0, 150))
        prices[f"T{j}"] = pd.Series(p[start:], index=dates[start:])
        for q in rng.choice(np.arange(start + 5, dates.size - 3), 12, replace=False):
            rows.append((f"T{j}-{q}", f"T{j}", dates[q]))
    return pd.DataFrame(rows, columns=["event_id", "ticker", "day0"]), prices


@pytest.mark.parametrize(
    "spec",
    [
        StudySpec(model="market", market="MKT", estimation=(-120, -11), min_obs=60),
        StudySpec(model="market", market="MKT", estimation=(-120, -11), min_obs=60, scholes_williams=True),
        StudySpec(
            model="market_adjusted", market="MKT", estimation=(-120, -11), min_obs=60, ar_range=(-10, 20)
        ),
    ],
)
def test_threads_give_identical_results(spec: StudySpec, monkeypatch: pytest.MonkeyPatch) -> None:
    """One thread and two threads (small blocks, so that every pass has many) give equal frames and panels."""
    monkeypatch.setattr(aligned, "BLOCK", 16)
    monkeypatch.setattr(assemble, "_BLOCK", 16)
    monkeypatch.setattr(assemble, "_SUB", 8)
    events, prices = _synthetic_study(spec)
    results = []
    for threads in ("1", "2"):
        monkeypatch.setenv("DEALSTUDY_THREADS", threads)
        results.append(EventStudy(spec).fit(events, prices))
    one, two = results
    assert (one.outcomes["outcome"] == "ok").sum() > 100
    for name in ("outcomes", "abnormal_returns", "cars"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(two, name), check_exact=True)
    for field in ("ar", "var_ar", "car_var", "sigma"):
        np.testing.assert_array_equal(getattr(one.panel, field), getattr(two.panel, field))
    monkeypatch.setattr(aligned, "BLOCK", 1024)
    monkeypatch.setattr(assemble, "_BLOCK", 8192)
    monkeypatch.setattr(assemble, "_SUB", 512)
    default = EventStudy(spec).fit(events, prices)  # block sizes do not matter either
    for name in ("outcomes", "abnormal_returns", "cars"):
        pd.testing.assert_frame_equal(getattr(one, name), getattr(default, name), check_exact=True)
