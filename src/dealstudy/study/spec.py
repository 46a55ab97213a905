"""The specification of an event study: model, returns, windows, variance. Validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from dealstudy.config import DEFAULT_ESTIMATION, DEFAULT_MIN_OBS, DEFAULT_WINDOWS
from dealstudy.errors import SpecificationError
from dealstudy.window import Window

__all__ = [
    "DEFAULT_AR_RANGE",
    "DEFAULT_ESTIMATION_WINDOW",
    "DEFAULT_EVENT_WINDOWS",
    "FACTOR_COLUMNS",
    "MODELS",
    "Model",
    "ReturnKind",
    "SigmaDdof",
    "StudySpec",
    "Variance",
]

Model = Literal["constant_mean", "market_adjusted", "market", "ff3", "ff5", "carhart", "custom"]
ReturnKind = Literal["simple", "log"]
Variance = Literal["prediction_error", "residual"]
SigmaDdof = Literal["model", "none"]

MODELS: tuple[str, ...] = get_args(Model)

#: Factor columns each factor model regresses on (decimal units; ``rf`` is needed as well).
FACTOR_COLUMNS: dict[str, tuple[str, ...]] = {
    "ff3": ("mkt_rf", "smb", "hml"),
    "ff5": ("mkt_rf", "smb", "hml", "rmw", "cma"),
    "carhart": ("mkt_rf", "smb", "hml", "mom"),
}


#: Event days with abnormal returns for display (charts), beside the study windows.
DEFAULT_AR_RANGE: Window = Window(-10, 10)
#: The default estimation window and event windows (:mod:`dealstudy.config`) as :class:`Window` values.
DEFAULT_ESTIMATION_WINDOW: Window = Window(*DEFAULT_ESTIMATION)
DEFAULT_EVENT_WINDOWS: tuple[Window, ...] = tuple(Window(*w) for w in DEFAULT_WINDOWS)


@dataclass(frozen=True)
class StudySpec:
    """What to estimate: the expected-return model, return kind, windows and variance.

    Parameters
    ----------
    model : {"market", "market_adjusted", "constant_mean", "ff3", "ff5", "carhart", "custom"}
        Expected-return model. ``market``: OLS of the stock return on the benchmark return (the default).
        ``market_adjusted``: AR = R - R_m (alpha 0, beta 1; nothing estimated). ``constant_mean``: AR = R
        minus the estimation-window mean. ``ff3``/``ff5``/``carhart``: OLS of the excess return on the
        factors (decimal units); the expected return adds ``rf`` back. ``custom``: OLS on the returns of
        ``benchmarks`` (e.g. ``("SPY", "SMH")``).
    returns : {"simple", "log"}
        Return kind, from adjusted closes, for the stock and its benchmarks alike.
    estimation : Window (or ``"a:b"`` or a pair of integers)
        Estimation window in trading days relative to day 0, inclusive; must end before the first event day.
    min_obs : int
        Minimum number of estimation returns; fewer gives the outcome ``thin_estimation``.
    windows : tuple of Window (each may be given as ``"a:b"`` or a pair of integers)
        Event windows, inclusive; held as :class:`~dealstudy.window.Window` values. The *widest window* is
        ``(min start, max end)``.
    variance : {"prediction_error", "residual"}
        Variance of AR and CAR under the null: with the Campbell-Lo-MacKinlay prediction-error term (default)
        or the plain residual variance ``sigma**2`` (``L sigma**2`` for a CAR of ``L`` days).
    market : str
        Default benchmark symbol (an event's own ``market`` column wins).
    benchmarks : tuple of str
        Regressors of the ``custom`` model (their returns); must be empty for the other models.
    scholes_williams : bool
        Scholes-Williams (1977) beta for the market model (non-synchronous trading); the estimation sample
        then needs the market return of the adjacent days too. Residuals, sigma and the prediction-error
        term use the design ``[1, R_m]`` with the SW alpha and beta (``(X'X)^{-1}`` of OLS, an
        approximation).
    sigma_ddof : {"model", "none"}
        ``model``: ``sigma**2 = SSR / (nobs - k)`` (k estimated parameters; the default). ``none``:
        ``SSR / nobs`` (population variance; the convention of the Python package ``eventstudy`` by
        J.-B. Lemaire). The t statistics use ``nobs - k`` degrees of freedom either way, and the
        :class:`~dealstudy.stats.panel.EventPanel` handed to the aggregate tests carries this sigma.
    ar_range : Window
        *Display range* of event days (default ``-10..10``): the abnormal returns table also has a row for
        every day of this range that has data (the return and regressors), computed with the already fitted
        model. It affects nothing else: outcomes (a day of it without a price is not a gap), windows, CARs,
        the panel and every test statistic depend on ``windows`` only. Its start is clipped to the day after
        the estimation window; a range entirely inside the estimation window is an error.
    main_window : Window, optional
        The *main* window: the one :meth:`StudyResults.summary` reports tests for, and the headline window of
        :func:`dealstudy.api.analyze`. Added to ``windows`` (at the end) when absent; default (``None``): the
        first of ``windows`` (see :attr:`main`).
    """

    model: Model = "market"
    returns: ReturnKind = "simple"
    estimation: Window = DEFAULT_ESTIMATION_WINDOW
    min_obs: int = DEFAULT_MIN_OBS
    windows: tuple[Window, ...] = DEFAULT_EVENT_WINDOWS
    variance: Variance = "prediction_error"
    market: str = "SPY"
    benchmarks: tuple[str, ...] = ()
    scholes_williams: bool = False
    sigma_ddof: SigmaDdof = "model"
    ar_range: Window = DEFAULT_AR_RANGE
    main_window: Window | None = None

    def __post_init__(self) -> None:
        _check_choice("model", self.model, MODELS)
        _check_choice("returns", self.returns, get_args(ReturnKind))
        _check_choice("variance", self.variance, get_args(Variance))
        _check_choice("sigma_ddof", self.sigma_ddof, get_args(SigmaDdof))
        est = _as_window("estimation", self.estimation)
        object.__setattr__(self, "estimation", est)
        if not self.windows:
            raise SpecificationError("windows: at least one event window is needed")
        windows = tuple(_as_window("window", w) for w in self.windows)
        if self.main_window is not None:
            main = _as_window("main_window", self.main_window)
            object.__setattr__(self, "main_window", main)
            if main not in windows:
                windows = (*windows, main)
        if len(set(windows)) != len(windows):
            raise SpecificationError(f"windows: duplicates in {[str(w) for w in windows]}")
        object.__setattr__(self, "windows", windows)
        first_event_day = min(w[0] for w in windows)
        if est[1] >= first_event_day:
            raise SpecificationError(
                f"estimation {est} must end before the first event day {first_event_day}"
            )
        if isinstance(self.min_obs, bool) or not isinstance(self.min_obs, int) or self.min_obs < 2:
            raise SpecificationError(f"min_obs must be an integer >= 2, got {self.min_obs!r}")
        length = est[1] - est[0] + 1
        if self.min_obs > length:
            raise SpecificationError(
                f"min_obs {self.min_obs} exceeds the estimation window length {length} ({est})"
            )
        if not isinstance(self.market, str) or not self.market.strip():
            raise SpecificationError("market: a benchmark symbol is needed, e.g. SPY")
        benchmarks = tuple(self.benchmarks)
        if any(not isinstance(b, str) or not b.strip() for b in benchmarks):
            raise SpecificationError(f"benchmarks: symbols must be non-empty strings, got {benchmarks!r}")
        if len(set(benchmarks)) != len(benchmarks):
            raise SpecificationError(f"benchmarks: duplicates in {benchmarks!r}")
        if self.model == "custom" and not benchmarks:
            raise SpecificationError("model 'custom' needs benchmarks, e.g. benchmarks=('SPY', 'SMH')")
        if self.model != "custom" and benchmarks:
            raise SpecificationError(f"benchmarks are only used by model 'custom', not {self.model!r}")
        object.__setattr__(self, "benchmarks", benchmarks)
        if self.scholes_williams and self.model != "market":
            raise SpecificationError("scholes_williams applies to the market model only")
        shown = _as_window("ar_range", self.ar_range)
        if shown[1] <= est[1]:
            raise SpecificationError(
                f"ar_range {shown} lies inside the estimation window {est}; it must end after day {est[1]}"
            )
        object.__setattr__(self, "ar_range", Window(max(shown.start, est.end + 1), shown.end))

    @property
    def main(self) -> Window:
        """The main window: ``main_window`` when given, else the first of ``windows``."""
        return self.main_window if self.main_window is not None else self.windows[0]

    @property
    def widest_window(self) -> Window:
        """``(min start, max end)`` over the event windows."""
        return Window(min(w.start for w in self.windows), max(w.end for w in self.windows))

    @property
    def last_day(self) -> int:
        """Last event day the engine needs data for: the end of the widest window or of ``ar_range``."""
        return max(self.widest_window[1], self.ar_range[1])

    @property
    def n_params(self) -> int:
        """Number of estimated parameters ``k`` of the model (0 for market-adjusted)."""
        if self.model == "market_adjusted":
            return 0
        if self.model == "constant_mean":
            return 1
        if self.model == "market":
            return 2
        if self.model == "custom":
            return 1 + len(self.benchmarks)
        return 1 + len(FACTOR_COLUMNS[self.model])

    @property
    def uses_factors(self) -> bool:
        return self.model in FACTOR_COLUMNS

    @property
    def uses_market(self) -> bool:
        return self.model in ("market", "market_adjusted")


def _check_choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise SpecificationError(f"{name}: {value!r} is not one of {', '.join(choices)}")


def _as_window(name: str, value: object) -> Window:
    return Window.of(value, name)
