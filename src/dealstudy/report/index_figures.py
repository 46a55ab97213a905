"""The headline figures of the index page: abnormal value against headline value (log and linear axes),
the CAAR by binding class, the press-release multiples, the cumulative abnormal value and the deal web."""

from __future__ import annotations

import math

import pandas as pd

from dealstudy.economy.legs import deals_frame
from dealstudy.plots.classes import binding_class
from dealstudy.report.format import fmt
from dealstudy.report.inputs import ReportData
from dealstudy.report.series import PATH_DAYS, caar_paths
from dealstudy.report.site_figure import SiteFigure, event_id, svg_figure

__all__ = ["announcement_ids", "direct_values", "index_figures", "path_days", "study_rows", "web_edges"]


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


def _value_figures(data: ReportData, direct: pd.DataFrame) -> tuple[SiteFigure, SiteFigure]:
    """The regression sample's abnormal value against headline value: on log axes with tooltips, and on
    linear axes with the OLS fit."""
    from dealstudy.plots import fig_value_fit_linear, fig_value_vs_headline  # matplotlib only to draw

    window, model = data.window, data.model
    scatter = data.scatter if data.scatter is not None else direct.assign(label=direct["short_label"])
    head = data.headline
    fit = None
    if math.isfinite(head.slope) and math.isfinite(head.fit_intercept_usd):
        fit = (head.fit_intercept_usd, head.slope)
    scatter, tips = _with_tips(scatter, data)
    fit_label = f"OLS fit ({head.slope_model or 'headline'})"
    return (
        svg_figure(
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
        svg_figure(
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
    )


def _caar_figure(data: ReportData, direct: pd.DataFrame) -> SiteFigure:
    """The CAAR of the direct parties by binding class, on the study's event days."""
    from dealstudy.plots import fig_caar_paths  # matplotlib only to draw

    groups = {
        event_id(str(r.deal_id), str(r.ticker)): binding_class(str(r.binding_status))
        for r in direct.itertuples()
    }
    ar = study_rows(data.abnormal_returns)  # the CAAR stays on the study's days: no event drops out
    if ar.empty:
        ar = pd.DataFrame(columns=["event_id", "event_time", "ar"])
    first, last = path_days(ar)
    return svg_figure(
        fig_caar_paths(caar_paths(ar, groups, days=(first, last))),
        "fig-caar",
        "CAAR by binding status",
        f"Cumulative average abnormal returns by binding class from day {first} to day +{last}.",
        f"Cumulative average abnormal return of the deal parties from day {first} to +{last} ({data.model} "
        "model), by binding class; n counts events with an abnormal return on every day. Bands: 95% "
        "cross-sectional t intervals (only for classes of at least 5 events), which ignore that several "
        "events share a day 0 (too narrow then).",
    )


def _value_over_time_figures(data: ReportData, direct: pd.DataFrame) -> tuple[SiteFigure, SiteFigure]:
    """The press-release multiple of each direct party, and the abnormal value cumulated by day 0."""
    from dealstudy.plots import fig_cumulative_value, fig_multiples  # matplotlib only to draw

    window, model = data.window, data.model
    return (
        svg_figure(
            fig_multiples(direct),
            "fig-multiples",
            "Press-release multiple per deal and security",
            "Horizontal bars of the press-release multiple, sorted.",
            f"Abnormal market value over the {window} window divided by the headline deal value: 1.0× means "
            "the party's market value rose by the full announced value. Deals without a disclosed value have "
            "no multiple.",
        ),
        svg_figure(
            fig_cumulative_value(direct.dropna(subset=["date"]).assign(label=lambda f: f["short_label"])),
            "fig-cumulative",
            "Cumulative abnormal value over time",
            "Step chart of abnormal value cumulated by announcement day.",
            f"Running total of abnormal market value (US$, {window} window, {model} model) of the deal "
            "parties, by announcement day 0; the largest reactions are labelled.",
        ),
    )


def _web_figure(data: ReportData) -> SiteFigure:
    """The deal web: companies as nodes, new-deal announcements as lines."""
    from dealstudy.plots import fig_deal_web  # matplotlib only to draw

    edges = web_edges(data)
    companies = len(set(edges["source"]) | set(edges["target"]))
    return svg_figure(
        fig_deal_web(edges),
        "fig-web",
        "The deal web",
        f"{len(edges)} deal links between {companies} companies.",
        "Companies as nodes, deals as lines between the counterparty and each party. Line width grows "
        "with the square root of the headline value; solid lines are binding contracts, dashed and "
        "dotted lines conditional or non-binding announcements. Revision reports and filings are "
        "left out.",
    )


def index_figures(data: ReportData) -> tuple[SiteFigure, ...]:
    """The index page's six figures, in the order the page shows them."""
    direct = direct_values(data)
    return (
        *_value_figures(data, direct),
        _caar_figure(data, direct),
        *_value_over_time_figures(data, direct),
        _web_figure(data),
    )
