"""Resampling around a fitted cross-sectional regression: the pairs bootstrap of its key slopes and their
leave-one-out refits, both by closed-form least squares."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from dealstudy.economy.regressions import RegressionResult

__all__ = ["bootstrap_ci", "leave_one_out"]

NAN = float("nan")


def _lstsq(X: NDArray[np.float64], y: NDArray[np.float64]) -> NDArray[np.float64] | None:
    if np.linalg.matrix_rank(X) < X.shape[1]:
        return None
    return np.asarray(np.linalg.lstsq(X, y, rcond=None)[0], dtype=float)


def _term_design(
    result: RegressionResult, terms: Sequence[str]
) -> tuple[list[str], list[int], NDArray[np.float64], NDArray[np.float64]] | None:
    """The ``terms`` the fitted ``result`` has, their positions among its parameters, and its design
    ``X`` and response ``y`` as arrays; ``None`` when the result is not fitted or has none of them."""
    present = [t for t in terms if result.fitted and t in result.params.index]
    if not present:
        return None
    names = list(result.params.index)
    positions = [names.index(t) for t in present]
    return present, positions, result.X.to_numpy(dtype=float), result.y.to_numpy(dtype=float)


def bootstrap_ci(
    result: RegressionResult,
    terms: Sequence[str],
    *,
    reps: int = 1999,
    seed: int = 20251103,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Percentile confidence intervals of ``terms`` from a pairs (case) bootstrap.

    Rows ``(y_i, x_i)`` are resampled with replacement -- whole clusters when the regression was clustered
    -- and the model is refitted by least squares. Resamples whose design is rank deficient (a dummy that
    vanished) are skipped and counted. The generator is ``numpy.random.default_rng(seed)``.

    Returns ``model, term, coef, ci_low, ci_high, confidence, reps, skipped, seed`` (one row per term).

    References
    ----------
    Freedman, D. A. (1981). Bootstrapping regression models. *Annals of Statistics* 9, 1218-1228.
    """
    columns = ["model", "term", "coef", "ci_low", "ci_high", "confidence", "reps", "skipped", "seed"]
    found = _term_design(result, terms)
    if found is None:
        return pd.DataFrame(columns=columns)
    present, positions, X, y = found
    rng = np.random.default_rng(seed)
    n = len(y)
    if result.cov_type == "cluster" and result.clusters is not None:
        codes = pd.factorize(result.clusters)[0]
        members = [np.flatnonzero(codes == g) for g in range(codes.max() + 1)]
    else:
        members = [np.array([i]) for i in range(n)]
    if len(members) == n:  # case resampling, all resamples at once
        picks = rng.integers(0, n, size=(reps, n))
        Xb, yb = X[picks], y[picks]
        full = np.linalg.matrix_rank(Xb) == X.shape[1] if reps else np.zeros(0, dtype=bool)
        XtX = np.einsum("bij,bik->bjk", Xb[full], Xb[full])
        Xty = np.einsum("bij,bi->bj", Xb[full], yb[full])
        betas = np.linalg.solve(XtX, Xty[..., None])[..., 0] if full.any() else np.zeros((0, X.shape[1]))
        draws = list(betas[:, positions])
        skipped = int(reps - full.sum())
    else:
        draws = []
        skipped = 0
        for _ in range(reps):
            chosen = rng.integers(0, len(members), size=len(members))
            rows = np.concatenate([members[p] for p in chosen])
            beta = _lstsq(X[rows], y[rows])
            if beta is None:
                skipped += 1
                continue
            draws.append(beta[positions])
    alpha = 1.0 - confidence
    out = []
    stack = np.vstack(draws) if draws else np.full((0, len(present)), NAN)
    for j, term in enumerate(present):
        low, high = np.quantile(stack[:, j], [alpha / 2, 1 - alpha / 2]) if len(stack) else (NAN, NAN)
        out.append(
            {
                "model": result.name,
                "term": term,
                "coef": float(result.params[term]),
                "ci_low": float(low),
                "ci_high": float(high),
                "confidence": confidence,
                "reps": reps,
                "skipped": skipped,
                "seed": seed,
            }
        )
    return pd.DataFrame(out, columns=columns)


def leave_one_out(result: RegressionResult, terms: Sequence[str]) -> pd.DataFrame:
    """Each coefficient in ``terms`` re-estimated with each observation left out.

    Returns ``model, term, left_out, coef_full, coef_without, change, most_influential``; ``change`` is
    ``coef_without - coef_full`` (NaN when dropping the row makes the design singular) and
    ``most_influential`` flags, per term, the observation with the largest absolute change.
    """
    columns = ["model", "term", "left_out", "coef_full", "coef_without", "change", "most_influential"]
    found = _term_design(result, terms)
    if found is None:
        return pd.DataFrame(columns=columns)
    present, positions, X, y = found
    rows = []
    for i in range(len(y)):
        keep = np.arange(len(y)) != i
        beta = _lstsq(X[keep], y[keep]) if keep.sum() > X.shape[1] else None
        for term, pos in zip(present, positions, strict=True):
            full = float(result.params[term])
            without = float(beta[pos]) if beta is not None else NAN
            rows.append(
                {
                    "model": result.name,
                    "term": term,
                    "left_out": result.labels[i],
                    "coef_full": full,
                    "coef_without": without,
                    "change": without - full,
                    "most_influential": False,
                }
            )
    frame = pd.DataFrame(rows, columns=columns)
    for term in present:
        mask = (frame["term"] == term) & frame["change"].notna()
        if mask.any():
            frame.loc[frame.loc[mask, "change"].abs().idxmax(), "most_influential"] = True
    return frame
