"""The specification of an event study: model, returns, windows, variance. Validated on construction."""

from __future__ import annotations

from dataclasses import dataclass
from numbers import Integral
from typing import Literal, get_args

from dealstudy.config import DEFAULT_ESTIMATION, DEFAULT_MIN_OBS, DEFAULT_WINDOWS
from dealstudy.errors import SpecificationError

__all__ = [
    "DEFAULT_AR_RANGE",
    "FACTOR_COLUMNS",
    "MODELS",
    "Model",
    "ReturnKind",
    "SigmaDdof",
    "StudySpec",
    "Variance",
    "format_window",
    "parse_window",
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
DEFAULT_AR_RANGE: tuple[int, int] = (-10, 10)


def format_window(window: tuple[int, int]) -> str:
    """``(-1, 1)`` -> ``"-1:1"``."""
    return f"{window[0]}:{window[1]}"


def parse_window(text: str) -> tuple[int, int]:
    """``"-1:1"`` -> ``(-1, 1)``; raises :class:`SpecificationError` on anything else."""
    parts = text.strip().split(":")
    if len(parts) != 2:
        raise SpecificationError(f"window {text!r}: expected START:END in trading days, e.g. -1:1")
    try:
        start, end = int(parts[0]), int(parts[1])
    except ValueError:
        raise SpecificationError(f"window {text!r}: START and END must be integers") from None
    if start > end:
        raise SpecificationError(f"window {text!r}: START must not be after END")
    return start, end


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
    estimation : (int, int)
        Estimation window in trading days relative to day 0, inclusive; must end before the first event day.
    min_obs : int
        Minimum number of estimation returns; fewer gives the outcome ``thin_estimation``.
    windows : tuple of (int, int)
        Event windows, inclusive. The *widest window* is ``(min start, max end)``.
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
    ar_range : (int, int)
        *Display range* of event days (default ``-10..10``): the abnormal returns table also has a row for
        every day of this range that has data (the return and regressors), computed with the already fitted
        model. It affects nothing else: outcomes (a day of it without a price is not a gap), windows, CARs,
        the panel and every test statistic depend on ``windows`` only. Its start is clipped to the day after
        the estimation window; a range entirely inside the estimation window is an error.
    """

    model: Model = "market"
    returns: ReturnKind = "simple"
    estimation: tuple[int, int] = DEFAULT_ESTIMATION
    min_obs: int = DEFAULT_MIN_OBS
    windows: tuple[tuple[int, int], ...] = DEFAULT_WINDOWS
    variance: Variance = "prediction_error"
    market: str = "SPY"
    benchmarks: tuple[str, ...] = ()
    scholes_williams: bool = False
    sigma_ddof: SigmaDdof = "model"
    ar_range: tuple[int, int] = DEFAULT_AR_RANGE

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
        if len(set(windows)) != len(windows):
            raise SpecificationError(f"windows: duplicates in {[format_window(w) for w in windows]}")
        object.__setattr__(self, "windows", windows)
        first_event_day = min(w[0] for w in windows)
        if est[1] >= first_event_day:
            raise SpecificationError(
                f"estimation {format_window(est)} must end before the first event day {first_event_day}"
            )
        if isinstance(self.min_obs, bool) or not isinstance(self.min_obs, int) or self.min_obs < 2:
            raise SpecificationError(f"min_obs must be an integer >= 2, got {self.min_obs!r}")
        length = est[1] - est[0] + 1
        if self.min_obs > length:
            raise SpecificationError(
                f"min_obs {self.min_obs} exceeds the estimation window length {length} ({format_window(est)})"
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
                f"ar_range {format_window(shown)} lies inside the estimation window {format_window(est)}; "
                f"it must end after day {est[1]}"
            )
        object.__setattr__(self, "ar_range", (max(shown[0], est[1] + 1), shown[1]))

    @property
    def widest_window(self) -> tuple[int, int]:
        """``(min start, max end)`` over the event windows."""
        return min(w[0] for w in self.windows), max(w[1] for w in self.windows)

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


def _as_window(name: str, value: object) -> tuple[int, int]:
    if isinstance(value, str):
        return parse_window(value)
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise SpecificationError(f"{name}: expected a pair (start, end), got {value!r}")
    pair: list[object] = list(value)
    values: list[int] = []
    for v in pair:
        if isinstance(v, bool) or not isinstance(v, int | float | Integral) or int(v) != v:
            raise SpecificationError(f"{name}: start and end must be integers, got {value!r}")
        values.append(int(v))
    start, end = values
    if start > end:
        raise SpecificationError(f"{name} {start}:{end}: start must not be after end")
    return start, end
