"""The event-study engine: :class:`EventStudy` aligns events on trading-day time, estimates every event's
expected-return model at once, computes abnormal returns, CARs, BHARs and their variances, and gives every
event an outcome.

Pure computation: the engine receives frames and mappings, never reads files or the network.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from dealstudy.study.align import align_events
from dealstudy.study.assemble import build_results
from dealstudy.study.estimate import estimate
from dealstudy.study.events import normalise_events
from dealstudy.study.inputs import PriceInputs, ReturnInputs, prepare_factors
from dealstudy.study.results import StudyResults
from dealstudy.study.spec import FACTOR_COLUMNS, StudySpec

__all__ = ["EventStudy"]


class EventStudy:
    """An event study of many events with one specification.

    Parameters
    ----------
    spec : StudySpec, optional
        Model, return kind, windows and variance (default: market model on SPY, simple returns, estimation
        -250..-11, min_obs 120, windows 0:0, -1:1, 0:1, -5:5, 0:10, prediction-error variance).

    Notes
    -----
    Time is counted in the *ticker's own trading days*: the index of its price (or return) series is its
    session calendar. Day 0 is the session given in ``day0``; or, from ``date`` (+ ``timing``), the rule of
    :func:`dealstudy.data.calendars.map_day0` applied to the ticker's data dates: the date itself when it
    is a date of the data and ``timing`` is neither ``after_close`` nor ``non_trading_day``, else the next
    date of the data. The engine does no I/O, so it cannot convert times between exchanges: for a listing
    outside New York pass ``day0`` mapped by ``map_day0`` (the pipelines and :func:`dealstudy.api.run_study`
    do). The rule applied is recorded in the ``day0_rule`` column of the outcomes.

    For each event ``i`` with regressors ``x_t`` (``[1, R_m]`` for the market model) the model is estimated by
    OLS over the estimation days that have all values and are not inside the widest event window of another
    event of the same ticker. With ``k`` parameters, ``nobs`` observations and ``SSR`` the residual sum of
    squares, ``sigma^2 = SSR / (nobs - k)`` (or ``SSR / nobs`` with ``sigma_ddof="none"``). On event day
    ``t``: ``AR_t = R_t - x_t' b``; ``var(AR_t) = sigma^2 (1 + x_t' (X'X)^{-1} x_t)`` with the
    prediction-error variance, ``sigma^2`` otherwise. For a window ``w`` of ``L`` days:
    ``CAR = sum AR_t``, ``var(CAR) = sigma^2 (L + s_w' (X'X)^{-1} s_w)`` with ``s_w = sum_{t in w} x_t``
    (``L sigma^2`` with residual variance); ``t = CAR / se`` with ``nobs - k`` degrees of freedom, two-sided
    p-value. ``BHAR = prod(1 + R_t) - prod(1 + E[R_t])`` (for log returns ``exp(sum r) - exp(sum E[r])``).

    References
    ----------
    Campbell, J. Y., Lo, A. W. and MacKinlay, A. C. (1997). *The Econometrics of Financial Markets*, ch. 4.
    MacKinlay, A. C. (1997). Event studies in economics and finance. *Journal of Economic Literature* 35(1).
    """

    def __init__(self, spec: StudySpec | None = None) -> None:
        if spec is not None and not isinstance(spec, StudySpec):
            raise TypeError("spec must be a StudySpec")
        self.spec = spec if spec is not None else StudySpec()

    def fit(
        self,
        events: pd.DataFrame,
        prices: Mapping[str, pd.Series],
        factors: pd.DataFrame | None = None,
        unavailable: Mapping[str, str] | None = None,
    ) -> StudyResults:
        """Run the study on adjusted closes.

        Parameters
        ----------
        events : DataFrame
            ``event_id, ticker`` and ``day0`` (session date) or ``date`` (+ optional ``timing``); optional
            ``market`` (benchmark per event, default ``spec.market``) and ``group``.
        prices : mapping of symbol to Series
            Adjusted closes on each symbol's session dates, for the tickers and the benchmarks. A NaN price
            marks a session without a price (both adjacent returns are then missing).
        factors : DataFrame, optional
            Daily factors in decimals, indexed by date (or with a ``date`` column): ``mkt_rf, smb, hml``
            (+ ``rmw, cma`` for ff5, ``mom`` for carhart) and ``rf``; needed by the factor models. Matched
            to the ticker's dates exactly.
        unavailable : mapping of symbol to reason, optional
            Why the data layer could not supply a symbol; carried into ``no_prices``/``no_benchmark``.

        Returns
        -------
        StudyResults
        """
        return self._fit(events, PriceInputs(prices, self.spec.returns), factors, unavailable)

    def fit_returns(
        self,
        events: pd.DataFrame,
        returns: Mapping[str, pd.Series],
        factors: pd.DataFrame | None = None,
        unavailable: Mapping[str, str] | None = None,
    ) -> StudyResults:
        """Run the study on given returns (e.g. a published return data set) instead of prices.

        ``returns`` maps each symbol to its returns on its session dates (of the kind ``spec.returns``
        says). Benchmark returns are matched to the ticker's dates exactly; a ticker date without a benchmark
        return is missing. Everything else is as in :meth:`fit`.
        """
        return self._fit(events, ReturnInputs(returns), factors, unavailable)

    def _fit(
        self,
        events: pd.DataFrame,
        inputs: PriceInputs | ReturnInputs,
        factors: pd.DataFrame | None,
        unavailable: Mapping[str, str] | None,
    ) -> StudyResults:
        spec = self.spec
        ev = normalise_events(events, spec.market)
        factor_cols = FACTOR_COLUMNS.get(spec.model, ())
        factor_frame = prepare_factors(factors, factor_cols, spec.model) if spec.uses_factors else None
        aligned = align_events(ev, inputs, spec, factor_frame, factor_cols, dict(unavailable or {}))
        fitted = estimate(aligned, spec)
        aligned.release_regressors()
        return build_results(spec, ev, aligned, fitted)
