"""Draw every figure of the site and serialise it to inline SVG (the "figures" stage of the pipeline)."""

from __future__ import annotations

import dataclasses
import math
import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import pandas as pd
from matplotlib.figure import Figure
from scipy import stats

from dealstudy.economy.legs import deals_frame
from dealstudy.errors import SpecificationError
from dealstudy.plots import (
    binding_class,
    fig_caar_paths,
    fig_cumulative_value,
    fig_deal_web,
    fig_multiples,
    fig_security_event,
    fig_value_fit_linear,
    fig_value_vs_headline,
    figure_to_svg,
)
from dealstudy.report.families import draw_family, family_jobs
from dealstudy.report.figure_cache import FigureCache
from dealstudy.report.format import as_float, fmt, fmt_date
from dealstudy.report.inputs import ReportData
from dealstudy.report.series import PATH_DAYS, caar_paths, event_path, price_window
from dealstudy.window import Window

__all__ = [
    "FigureSet",
    "SiteFigure",
    "announcement_ids",
    "direct_values",
    "event_id",
    "figure_context",
    "path_days",
    "render_event_figures",
    "render_figures",
    "study_rows",
    "web_edges",
]


@dataclass(frozen=True)
class SiteFigure:
    """One rendered figure: an id, the SVG markup, a caption explaining it (units, window, model)."""

    id: str
    title: str
    svg: str
    caption: str


@dataclass(frozen=True)
class FigureSet:
    """The headline figures of the index page and the per-event figures of the deal pages."""

    index: tuple[SiteFigure, ...]
    events: dict[str, tuple[SiteFigure, ...]]
    families: dict[str, SiteFigure] = field(default_factory=dict)  # deal id -> its family's timeline


def figure_context(fig: SiteFigure) -> dict[str, str]:
    """A figure as the templates read it: ``id``, ``title``, ``svg`` and ``caption``."""
    return {"id": fig.id, "title": fig.title, "svg": fig.svg, "caption": fig.caption}


def event_id(deal_id: str, ticker: str) -> str:
    """The study's event id of a deal x security."""
    return f"{deal_id}:{ticker}"


def announcement_ids(data: ReportData) -> set[str]:
    """Ids of the deals the economy layer counts as new-deal announcements (its ``is_deal`` rule)."""
    if not data.deals:
        return set()
    frame = deals_frame(data.deals)
    return set(frame.loc[frame["is_deal"].astype(bool), "deal_id"].astype(str))


def direct_values(data: ReportData) -> pd.DataFrame:
    """Headline-window value rows of the direct parties to new-deal announcements.

    Read-across securities and report subjects are left out, and so are revision reports and filing
    disclosures (the rows the economy layer's announcement totals count). Adds ``label``
    (``deal · ticker``), ``binding_status`` and ``date`` (day 0).
    """
    values = data.dollar_values
    if "direct" in values.columns:
        values = values[values["direct"].fillna(False).astype(bool)]
    values = values[values["deal_id"].isin(announcement_ids(data))]
    status = {d.id: d.binding_status for d in data.deals}
    return values.assign(
        label=values["deal_id"].astype(str) + " · " + values["ticker"].astype(str),
        short_label=values["ticker"].astype(str),
        binding_status=values["deal_id"].map(status),
        date=pd.to_datetime(values["day0"], errors="coerce"),
    )


def web_edges(data: ReportData) -> pd.DataFrame:
    """Edges of the deal web: counterparty -> each direct party's company, with value and status.

    Securities of the counterparty itself (a listed counterparty such as Nvidia) are not drawn as a
    self-loop; read-across and report subjects are left out.
    """
    tickers = {c.name: c.ticker for c in data.counterparties if c.ticker}
    deals = announcement_ids(data)
    names: dict[str, str] = {}  # one node per company: the first name seen for a ticker wins
    for name, ticker in tickers.items():
        names.setdefault(ticker, name)
    for deal in data.deals:
        for security in deal.securities:
            names.setdefault(security.ticker, security.name or security.ticker)
    rows = []
    for deal in data.deals:
        if deal.id not in deals:
            continue
        for security in deal.securities:
            if security.role in ("read-across", "subject"):
                continue
            if tickers.get(deal.counterparty) == security.ticker:
                continue
            target = names[security.ticker]
            source = names.get(tickers.get(deal.counterparty, ""), deal.counterparty)
            if target == source:
                continue
            rows.append(
                {
                    "deal_id": deal.id,
                    "source": source,
                    "target": target,
                    "headline_value_usd": math.nan
                    if deal.headline_value_usd is None
                    else deal.headline_value_usd,
                    "binding_status": deal.binding_status,
                }
            )
    return pd.DataFrame(rows, columns=["deal_id", "source", "target", "headline_value_usd", "binding_status"])


def _figure(
    fig: Figure,
    fig_id: str,
    title: str,
    description: str,
    caption: str,
    tooltips: dict[str, str] | None = None,
) -> SiteFigure:
    svg = figure_to_svg(fig, title=title, description=description, id_prefix=fig_id, tooltips=tooltips)
    return SiteFigure(fig_id, title, svg, caption)


def _with_tips(scatter: pd.DataFrame, data: ReportData) -> tuple[pd.DataFrame, dict[str, str]]:
    """The scatter rows with a ``gid`` each and its tooltip: company, deal and values."""
    names = {s.ticker: s.name or s.ticker for d in data.deals for s in d.securities}
    titles = {d.id: d.title for d in data.deals}
    gids = [f"pt{i}" for i in range(len(scatter))]
    tips = {}
    for gid, row in zip(gids, scatter.to_dict("records"), strict=True):
        ticker = str(row.get("ticker", row.get("label", "")))
        deal = titles.get(str(row.get("deal_id", "")), str(row.get("deal_id", "")))
        value, headline = fmt(row.get("abnormal_value_usd"), "usd"), fmt(row.get("headline_value_usd"), "usd")
        tips[gid] = (
            f"{names.get(ticker, ticker)} ({ticker}) · {deal} · abnormal value {value} · headline {headline}"
        )
    return scatter.assign(gid=gids), tips


def study_rows(abnormal_returns: pd.DataFrame) -> pd.DataFrame:
    """The rows of the study's widest window (``in_window``); all rows of a table without that column."""
    if "in_window" not in abnormal_returns.columns:
        return abnormal_returns
    return abnormal_returns[abnormal_returns["in_window"].astype(bool)]


def path_days(abnormal_returns: pd.DataFrame) -> tuple[int, int]:
    """Event days with abnormal returns in the table, clipped to :data:`PATH_DAYS`."""
    if abnormal_returns.empty:
        return PATH_DAYS
    times = pd.to_numeric(abnormal_returns["event_time"])
    return max(PATH_DAYS[0], int(times.min())), min(PATH_DAYS[1], int(times.max()))


def _index_figures(data: ReportData) -> tuple[SiteFigure, ...]:
    window, model = data.window, data.model
    direct = direct_values(data)
    scatter = data.scatter if data.scatter is not None else direct.assign(label=direct["short_label"])
    head = data.headline
    fit = None
    if math.isfinite(head.slope) and math.isfinite(head.fit_intercept_usd):
        fit = (head.fit_intercept_usd, head.slope)
    groups = {
        event_id(str(r.deal_id), str(r.ticker)): binding_class(str(r.binding_status))
        for r in direct.itertuples()
    }
    ar = study_rows(data.abnormal_returns)  # the CAAR stays on the study's days: no event drops out
    if ar.empty:
        ar = pd.DataFrame(columns=["event_id", "event_time", "ar"])
    edges = web_edges(data)
    companies = len(set(edges["source"]) | set(edges["target"]))
    first, last = path_days(ar)
    scatter, tips = _with_tips(scatter, data)
    fit_label = f"OLS fit ({head.slope_model or 'headline'})"
    return (
        _figure(
            fig_value_vs_headline(scatter, fit=None),
            "fig-value-headline",
            "Abnormal market value against headline deal value",
            f"Scatter of {len(scatter)} deal-party reactions, coloured by binding status.",
            "Each point is one observation of the regression sample (a direct party to a new deal with a "
            "disclosed value): the abnormal change in its market value (US$) over "
            f"the {window} window ({model} model), against the deal's headline value (US$, log scale). "
            "Colour and marker show how binding the deal is; hover over (or focus) a point for its company, "
            "deal and values. The regression line is not drawn here: on log axes a straight line looks "
            "curved. It is in the next chart, on linear axes.",
            tips,
        ),
        _figure(
            fig_value_fit_linear(scatter, fit=fit, fit_label=fit_label),
            "fig-value-fit",
            "The regression of abnormal value on headline value",
            f"The same {len(scatter)} points on linear axes, with the fitted straight line.",
            "The same points on linear axes (US$), where the OLS fit of abnormal value on headline value "
            "(regression “headline” on the regressions page) is the straight line it is; its slope is the "
            "abnormal value per headline dollar. Large deals dominate a least-squares fit: compare the "
            "leave-one-out table on the regressions page.",
            tips,
        ),
        _figure(
            fig_caar_paths(caar_paths(ar, groups, days=(first, last))),
            "fig-caar",
            "CAAR by binding status",
            f"Cumulative average abnormal returns by binding class from day {first} to day +{last}.",
            f"Cumulative average abnormal return of the deal parties from day {first} to +{last} ({model} "
            "model), by binding class; n counts events with an abnormal return on every day. Bands: 95% "
            "cross-sectional t intervals (only for classes of at least 5 events), which ignore that several "
            "events share a day 0 (too narrow then).",
        ),
        _figure(
            fig_multiples(direct),
            "fig-multiples",
            "Press-release multiple per deal and security",
            "Horizontal bars of the press-release multiple, sorted.",
            f"Abnormal market value over the {window} window divided by the headline deal value: 1.0× means "
            "the party's market value rose by the full announced value. Deals without a disclosed value have "
            "no multiple.",
        ),
        _figure(
            fig_cumulative_value(direct.dropna(subset=["date"]).assign(label=lambda f: f["short_label"])),
            "fig-cumulative",
            "Cumulative abnormal value over time",
            "Step chart of abnormal value cumulated by announcement day.",
            f"Running total of abnormal market value (US$, {window} window, {model} model) of the deal "
            "parties, by announcement day 0; the largest reactions are labelled.",
        ),
        _figure(
            fig_deal_web(edges),
            "fig-web",
            "The deal web",
            f"{len(edges)} deal links between {companies} companies.",
            "Companies as nodes, deals as lines between the counterparty and each party. Line width grows "
            "with the square root of the headline value; solid lines are binding contracts, dashed and "
            "dotted lines conditional or non-binding announcements. Revision reports and filings are "
            "left out.",
        ),
    )


@dataclass(frozen=True)
class _EventJob:
    """Everything needed to draw one security's figure: small frames and text, cheap to send to a worker."""

    eid: str
    ticker: str
    prices: pd.DataFrame | None
    path: pd.DataFrame | None
    currency: str
    window: tuple[int, int] | None
    band_label: str
    title: str
    caption: str


def _draw_event(job: _EventJob) -> tuple[str, SiteFigure]:
    slug = "".join(ch if ch.isalnum() else "-" for ch in job.eid)
    fig = fig_security_event(
        job.prices,
        job.path,
        ticker=job.ticker,
        currency=job.currency,
        window=job.window,
        band_label=job.band_label,
    )
    description = (
        "Closing price around the announcement, and daily abnormal returns with the cumulative abnormal "
        "return and its 95% band."
    )
    return job.eid, _figure(fig, f"{slug}-event", job.title, description, job.caption)


def _days_text(days: list[int]) -> str:
    """``[-10, -9, -8]`` -> ``"-10 to -8"``; ``[3]`` -> ``"+3"``; several runs joined by commas."""
    runs: list[tuple[int, int]] = []
    for d in days:
        if runs and d == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], d)
        else:
            runs.append((d, d))
    return ", ".join(f"{a:+d}" if a == b else f"{a:+d} to {b:+d}" for a, b in runs)


def _path_caption(
    path: pd.DataFrame,
    model: str,
    window: str,
    widest: tuple[int, int] | None,
    fit: tuple[float, float],
    residual: bool,
) -> str:
    sigma, dof = fit
    days = path["event_time"].to_numpy()
    first, last = int(days[0]), int(days[-1])
    present = path["ar"].notna().to_numpy()
    parts = [
        f"daily abnormal returns from day {first:+d} to {last:+d} (bars: the return minus the {model} "
        "model's expected return, fitted on the estimation window) and their running sum from day "
        f"{first:+d}, the CAR (line)."
    ]
    outside = [int(d) for d, p, w in zip(days, present, path["in_window"], strict=True) if p and not w]
    if outside and widest is not None:
        parts.append(
            f"Lighter hatched bars (days {_days_text(outside)}) lie outside the study's event windows "
            f"(widest {widest[0]:+d} to {widest[1]:+d}): same fitted model, but they enter no reported CAR, "
            "test or dollar value."
        )
    q = "t quantile" if math.isfinite(dof) and dof > 0 else "normal quantile 1.96"
    dof_text = f" with {dof:.0f} degrees of freedom (≈{_t975(dof):.2f})" if q == "t quantile" else ""
    sigma_text = f"{100 * sigma:.2f}%" if math.isfinite(sigma) else "n/a"
    if path.attrs.get("band") == "prediction_error" and residual:
        variance = (
            f"its variance Lσ², as the reported CAR standard errors (residual variance; σ = {sigma_text}: "
            "residual s.d. of the model in the estimation window; L: days summed)"
        )
    elif path.attrs.get("band") == "prediction_error":
        variance = (
            "its prediction-error variance σ²(L + s′(X′X)⁻¹s), the formula of the reported CAR standard "
            f"errors (σ = {sigma_text}: residual s.d. of the model in the estimation window; L: days summed; "
            "s: sum of their regressor rows, X: the estimation regressors)"
        )
    else:
        variance = (
            f"the approximation Lσ² (σ = {sigma_text}: residual s.d. in the estimation window; "
            "L: days summed), "
            "which leaves out the estimation error of the model and is slightly narrower than the interval "
            "behind the reported t statistics"
        )
    parts.append(
        f"Grey band: 0 ± the 97.5% {q}{dof_text} × the standard error of the running sum if there were no "
        f"abnormal return, from {variance}; where the line leaves the band, the CAR to that day differs "
        "from zero at the 5% level."
    )
    if window:
        parts.append(f"Blue shading: the {window} event window of the headline numbers.")
    if not present.all():
        gaps = [int(d) for d, p in zip(days, present, strict=True) if not p]
        parts.append(
            f"Crosses on the zero line (days {_days_text(gaps)}): no abnormal return, because a price is "
            "missing that day or the day before; the sum skips them."
        )
    return " ".join(parts)


def _t975(dof: float) -> float:
    return float(stats.t.ppf(0.975, dof))


def _event_job(
    data: ReportData,
    eid: str,
    ticker: str,
    day0: pd.Timestamp | None,
    fit: tuple[float, float],
    ar: pd.DataFrame | None,
    days: tuple[int, int],
    widest: tuple[int, int] | None,
) -> _EventJob | None:
    try:
        window: Window | None = Window.parse(data.window)
    except SpecificationError:  # a malformed window only loses the shading
        window = None
    sigma, dof = fit
    closes = data.closes.get(ticker)
    prices = price_window(closes, day0) if closes is not None and day0 is not None else None
    if prices is not None and prices.empty:
        prices = None
    path = event_path(ar, sigma, dof=dof, days=days) if ar is not None else None
    if path is not None and not path["ar"].notna().any():
        path = None
    if prices is None and path is None:
        return None
    currency = data.currencies.get(ticker, "USD")
    parts = []
    if prices is not None:
        lo, hi = int(prices["event_time"].min()), int(prices["event_time"].max())
        parts.append(
            f"Top: as-traded closing price ({currency}) from day {lo} to +{hi} (trading days) around day 0 "
            f"({fmt_date(day0)}); the shaded band is the {data.window} event window."
        )
    band_label = "95% band of the CAR under H0 (no abnormal return)"
    if path is not None:
        residual = dict(data.settings).get("CAR variance", "") == "residual"
        text = _path_caption(path, data.model, data.window if window else "", widest, fit, residual)
        parts.append(f"{'Bottom' if parts else 'Chart'}: {text}")
        if path.attrs.get("band") != "prediction_error":
            band_label = "95% band of the CAR under H0 (σ√L approximation)"
    return _EventJob(
        eid,
        ticker,
        prices,
        path,
        currency,
        window,
        band_label,
        f"{ticker} around day 0 ({fmt_date(day0)})",
        " ".join(parts),
    )


def _event_jobs(data: ReportData) -> tuple[list[str], list[_EventJob]]:
    outcomes = {str(r["event_id"]): r for r in data.outcomes.to_dict("records")}
    ar_groups = {str(k): g for k, g in data.abnormal_returns.groupby("event_id")}
    days = path_days(data.abnormal_returns)
    inside = study_rows(data.abnormal_returns)
    widest: tuple[int, int] | None = None
    if not inside.empty:
        times = pd.to_numeric(inside["event_time"])
        widest = int(times.min()), int(times.max())
    ids: list[str] = []
    jobs: list[_EventJob] = []
    for deal in data.deals:
        for security in deal.securities:
            eid = event_id(deal.id, security.ticker)
            ids.append(eid)
            day0: pd.Timestamp | None = None
            sigma = dof = math.nan
            if eid in outcomes:
                record = outcomes[eid]
                stamp = pd.to_datetime(str(record["day0"]), errors="coerce")
                day0 = None if pd.isna(stamp) else pd.Timestamp(stamp)
                sigma = as_float(record["sigma"])
                dof = as_float(record.get("dof", math.nan))
            job = _event_job(data, eid, security.ticker, day0, (sigma, dof), ar_groups.get(eid), days, widest)
            if job is not None:
                jobs.append(job)
    return ids, jobs


def _fork_pool(workers: int) -> ProcessPoolExecutor | None:
    """A pool of forked workers (they inherit the loaded modules and font cache), or None where unsafe."""
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("fork"))


def render_event_figures(data: ReportData, *, workers: int = 1) -> dict[str, tuple[SiteFigure, ...]]:
    """The per-security figures of the deal pages, keyed by event id (empty tuple: nothing to draw).

    With ``workers`` >= 2 (and where ``fork`` is available) they are drawn in that many forked processes;
    the output is identical.
    """
    return render_figures(data, workers=workers, index=False).events


def _family_figures(data: ReportData, cache: FigureCache | None) -> dict[str, SiteFigure]:
    """Each deal family's timeline (:mod:`dealstudy.report.families`) by member deal id, taken from
    ``cache`` when its drawing job is there."""
    out: dict[str, SiteFigure] = {}
    for job in family_jobs(data):
        key = cache.key(job) if cache is not None else ""
        hit = cache.get(key) if cache is not None else None
        figure = hit if isinstance(hit, SiteFigure) else SiteFigure(*draw_family(job))
        if cache is not None and not isinstance(hit, SiteFigure):
            cache.put(key, figure)
        out.update(dict.fromkeys(job.members, figure))
    return out


def render_figures(
    data: ReportData, *, workers: int = 1, index: bool = True, cache: FigureCache | None = None
) -> FigureSet:
    """Draw the index figures and the per-security figures of every deal page.

    Parameters
    ----------
    data : ReportData
    workers : int
        With 2 or more (and where ``fork`` is available), the per-security figures are drawn in that many
        forked processes while this one draws the index figures; the output is identical.
    index : bool
        Draw the index figures (``False`` leaves ``FigureSet.index`` empty).
    cache : FigureCache, optional
        Per-security figures whose drawing job (data, captions, drawing code) is in the cache are taken
        from it instead of being drawn, and so are the index figures when the whole report data is
        unchanged; newly drawn ones are added.
    """
    ids, jobs = _event_jobs(data)
    keys = {job.eid: cache.key(job) for job in jobs} if cache is not None else {}
    drawn: dict[str, SiteFigure] = {}
    if cache is not None:
        for job in jobs:
            hit = cache.get(keys[job.eid])
            if isinstance(hit, SiteFigure):
                drawn[job.eid] = hit
        jobs = [job for job in jobs if job.eid not in drawn]

    def index_figures() -> tuple[SiteFigure, ...]:
        if not index:
            return ()
        if cache is None:
            return _index_figures(data)
        # provenance (dates of the run), the summaries and the page tables do not enter these figures
        drawn_from = dataclasses.replace(data, provenance=(), summaries="", tables=())
        key = cache.key(("index figures", drawn_from))
        hit = cache.get(key)
        if isinstance(hit, tuple) and all(isinstance(f, SiteFigure) for f in hit):
            return hit
        drawn_index = _index_figures(data)
        cache.put(key, drawn_index)
        return drawn_index

    pool = _fork_pool(workers) if len(jobs) > 4 else None
    if pool is None:
        new = dict(map(_draw_event, jobs))
        head = index_figures()
    else:
        with pool, warnings.catch_warnings():
            # Python >= 3.12 warns that forking a multi-threaded process may deadlock; the workers only
            # draw matplotlib figures from the frames they are handed and take no locks of the parent.
            warnings.simplefilter("ignore", DeprecationWarning)
            chunks = max(1, len(jobs) // (4 * workers))
            results = pool.map(_draw_event, jobs, chunksize=chunks)
            head = index_figures()
            new = dict(results)
    if cache is not None:
        for eid, figure in new.items():
            cache.put(keys[eid], figure)
    drawn.update(new)
    families = _family_figures(data, cache) if index else {}
    return FigureSet(
        index=head, events={eid: (drawn[eid],) if eid in drawn else () for eid in ids}, families=families
    )
