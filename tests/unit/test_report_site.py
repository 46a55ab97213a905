"""The static site: pages, sections, row counts, links, self-containment, data files, hostile input, swap."""

from __future__ import annotations

import csv
import dataclasses
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pandas as pd
import pytest

from dealstudy.report.build import publish, render_site
from dealstudy.report.context import build_context, deal_filename
from dealstudy.report.figures import render_event_figures, render_figures
from dealstudy.report.index_figures import direct_values
from dealstudy.report.inputs import ReportData
from dealstudy.report.site_figure import FigureSet
from fixtures.report_sample import sample_deals, sample_report_data

#: deal_values.csv as issue 5 defines it.
DEAL_VALUE_HEADER = (
    "deal_id,ticker,role,day0,window,car,t_stat,p_value,market_cap_usd,abnormal_value_usd,raw_value_usd,"
    "headline_value_usd,binding_value_usd,press_release_multiple,binding_multiple,outcome,reason"
)


class _Page(HTMLParser):
    """Collects ids, links, sources, scripts and table rows of one page."""

    def __init__(self) -> None:
        super().__init__()
        self.ids: set[str] = set()
        self.hrefs: list[str] = []
        self.srcs: list[str] = []
        self.tags: list[str] = []
        self.rows: dict[str, int] = {}
        self.sections: list[str] = []
        self._table: str | None = None
        self._in_body = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.tags.append(tag)
        if a.get("id"):
            self.ids.add(str(a["id"]))
        if a.get("href") is not None:
            self.hrefs.append(str(a["href"]))
        if a.get("src") is not None:
            self.srcs.append(str(a["src"]))
        if tag == "table":
            self._table = a.get("id") or f"anon{len(self.rows)}"
            self.rows[self._table] = 0
        if tag == "tbody":
            self._in_body = True
        if tag == "tr" and self._in_body and self._table is not None:
            self.rows[self._table] += 1
        if tag == "section" and a.get("class") == "security":
            self.sections.append(str(a.get("id")))

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self._in_body = False
        if tag == "table":
            self._table = None


def _parse(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def data() -> ReportData:
    return sample_report_data()


@pytest.fixture(scope="module")
def site(data: ReportData, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site") / "report"
    context = build_context(data, render_figures(data))
    publish(out, lambda tmp: render_site(context, tmp))
    return out


def test_pages_exist(site: Path, data: ReportData) -> None:
    assert (site / "index.html").is_file()
    assert (site / "regressions.html").is_file()
    assert (site / "methods.html").is_file()
    pages = sorted(p.name for p in (site / "deals").iterdir())
    assert pages == sorted(deal_filename(d.id) for d in data.deals)


def test_index_structure_and_row_count(site: Path, data: ReportData) -> None:
    page = _parse(site / "index.html")
    html = (site / "index.html").read_text(encoding="utf-8")
    assert {"headline", "figures", "deals", "deal-table"} <= page.ids
    assert html.count('<tr data-class="') == len(data.deals)  # one row per deal
    legs = re.findall(r'<table class="legs"[^>]*>(.*?)</table>', html, re.DOTALL)
    assert sum(part.count("<tr>") - 1 for part in legs) == sum(len(d.securities) for d in data.deals)
    for figure in (
        "fig-value-headline",
        "fig-value-fit",
        "fig-caar",
        "fig-multiples",
        "fig-cumulative",
        "fig-web",
    ):
        assert figure in page.ids
    assert html.count("<svg") == 6
    assert html.count("<title id=") == 6  # each figure has an accessible name
    headline = re.search(r'<div class="lede" id="headline">(.*?)</div>', html, re.DOTALL)
    assert headline is not None
    text = headline.group(1)
    for number in ("$422bn", "$312bn", "0.31", "0.02 to 0.60", "N = 6"):
        assert number in text
    assert '<th scope="col"' in html
    assert html.count('<p class="caption" id="') >= 1 + len([t for t in data.tables if t.page == "index"])
    assert html.count('class="csv" href="data/') == html.count('<p class="caption" id="')  # CSV beside each


def test_deal_pages_structure(site: Path, data: ReportData) -> None:
    for deal in data.deals:
        page = _parse(site / "deals" / deal_filename(deal.id))
        assert {"announcement", "bindingness", "sources", "confounders", "related", "securities"} <= page.ids
        assert len(page.sections) == len(deal.securities)
        for security in deal.securities:
            table = f"cars-sec-{re.sub(r'[^A-Za-z0-9]', '-', security.ticker)}"
            expected = (data.cars["event_id"] == f"{deal.id}:{security.ticker}").sum()
            assert page.rows[table] == max(expected, 1)  # "No rows." placeholder when empty


def test_regressions_and_methods(site: Path, data: ReportData) -> None:
    reg = _parse(site / "regressions.html")
    for model in data.regressions["model"].unique():
        n_terms = (data.regressions["model"] == model).sum()
        assert reg.rows[f"reg-{model}"] == n_terms
    assert reg.rows["tbl-robustness"] == len(data.tables[0].frame)
    methods = _parse(site / "methods.html")
    assert {"settings", "day0", "models", "tests", "value", "provenance", "exclusions", "data"} <= methods.ids
    assert methods.rows["tbl-exclusions"] == len(data.exclusions)
    html = (site / "methods.html").read_text(encoding="utf-8")
    for _, reason in data.exclusions[["item", "reason"]].itertuples(index=False):
        assert reason in html  # every exclusion with its reason
    assert "test-conventions" in methods.ids  # the two tests' published conventions, with citations
    assert 'variance="prediction_error"' in html
    assert "Corrado &amp; Zivney 1992" in html


def test_every_internal_link_resolves(site: Path) -> None:
    pages = list(site.rglob("*.html"))
    parsed = {p.resolve(): _parse(p) for p in pages}
    checked = 0
    for path, page in parsed.items():
        for href in page.hrefs:
            parts = urlsplit(href)
            if parts.scheme:
                assert parts.scheme == "https", f"{path.name}: non-https link {href}"
                continue
            target = (path.parent / parts.path).resolve() if parts.path else path
            assert target.is_file(), f"{path.name}: broken link {href}"
            assert site.resolve() in target.parents, f"{path.name}: link leaves the site {href}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in parsed[target].ids, f"{path.name}: missing anchor {href}"
            checked += 1
    assert checked > 50


def test_self_contained(site: Path) -> None:
    for path in site.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        page = _parse(path)
        assert "http://" not in html, path.name
        assert page.srcs == [], path.name  # no <script src>, <img src>, <iframe src> ...
        assert "link" not in page.tags, path.name  # no stylesheets or preloads from elsewhere
        assert "@import" not in html
        assert "url(http" not in html
        assert "Content-Security-Policy" in html


def test_data_files(site: Path, data: ReportData) -> None:
    with (site / "data" / "deal_values.csv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    assert ",".join(rows[0]) == DEAL_VALUE_HEADER
    assert len(rows) - 1 == len(data.deal_values)
    for name in (
        "deal_values",
        "outcomes",
        "abnormal_returns",
        "cars",
        "aggregate",
        "regressions",
        "exclusions",
    ):
        frame = pd.read_csv(site / "data" / f"{name}.csv")
        text = (site / "data" / f"{name}.json").read_text(encoding="utf-8")
        assert "NaN" not in text
        records = json.loads(text)
        assert len(records) == len(frame)
    first = json.loads((site / "data" / "deal_values.json").read_text(encoding="utf-8"))[0]
    assert first["car"] == data.deal_values["car"].iloc[0]  # full precision round trip
    assert first["day0"] == str(data.deal_values["day0"].iloc[0])


def test_hostile_catalog_entry_is_inert(tmp_path: Path) -> None:
    deals = sample_deals()
    evil = dataclasses.replace(
        deals[0],
        title="<script>alert('title')</script> Evil deal",
        sources=("javascript:alert(1)", "http://insecure.example.com/", "https://ok.example.com/x"),
        confounders=('<img src=x onerror="alert(2)">',),
        notes="</p><iframe src=https://evil.example.com></iframe>",
        counterparty="<b>LabCo</b>",
        binding_basis="<a href='javascript:alert(3)'>basis</a>",
    )
    data = sample_report_data(deals=(evil, *deals[1:3]))
    figures = FigureSet(index=render_figures(data).index, events={})
    render_site(build_context(data, figures), tmp_path)
    for path in tmp_path.rglob("*.html"):
        html = path.read_text(encoding="utf-8")
        page = _parse(path)
        assert "<script>alert" not in html, path.name
        assert "javascript:" not in [urlsplit(h).scheme + ":" for h in page.hrefs]
        assert not any(h.lower().startswith("javascript") for h in page.hrefs), path.name
        assert "iframe" not in page.tags
        assert "img" not in page.tags
        assert page.srcs == []
        assert page.tags.count("script") == 1  # only our own inline script
    deal_html = (tmp_path / "deals" / deal_filename(evil.id)).read_text(encoding="utf-8")
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt; Evil deal" in deal_html
    assert deal_html.count("link withheld") == 2  # javascript: and http: shown as text, not links
    assert 'href="https://ok.example.com/x"' in deal_html
    assert "http://insecure.example.com/" in deal_html  # the text is still there for the reader
    assert 'href="http://' not in deal_html


def test_deal_page_separates_confounders_from_market_news(tmp_path: Path) -> None:
    deals = sample_deals()
    deal = dataclasses.replace(
        deals[0],
        confounders=("Quarterly results released the same morning",),
        market_events=("FOMC decision <that> afternoon",),
    )
    data = sample_report_data(deals=(deal, *deals[1:3]))
    figures = FigureSet(index=render_figures(data).index, events={})
    render_site(build_context(data, figures), tmp_path)
    page = _parse(tmp_path / "deals" / deal_filename(deal.id))
    html = (tmp_path / "deals" / deal_filename(deal.id)).read_text(encoding="utf-8")
    assert {"confounders", "market-events"} <= page.ids
    assert html.index("Quarterly results released") < html.index('id="market-events"')
    assert html.index('id="market-events"') < html.index("FOMC decision &lt;that&gt; afternoon")


def test_failed_build_leaves_previous_report(tmp_path: Path) -> None:
    out = tmp_path / "latest"

    def good(folder: Path) -> None:
        (folder / "index.html").write_text("old report", encoding="utf-8")

    def bad(folder: Path) -> None:
        (folder / "index.html").write_text("half-written", encoding="utf-8")
        raise RuntimeError("stage failed")

    publish(out, good)
    with pytest.raises(RuntimeError, match="stage failed"):
        publish(out, bad)
    assert (out / "index.html").read_text(encoding="utf-8") == "old report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]  # no temporary folders left behind

    def new(folder: Path) -> None:
        (folder / "index.html").write_text("new report", encoding="utf-8")

    publish(out, new)
    assert (out / "index.html").read_text(encoding="utf-8") == "new report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["latest"]


def test_figures_drawn_in_workers_are_identical() -> None:
    data = sample_report_data(deals=sample_deals()[:3])  # five securities: enough for the pool to be used
    serial = render_event_figures(data, workers=1)
    parallel = render_event_figures(data, workers=2)
    assert parallel.keys() == serial.keys()
    assert sum(len(v) for v in serial.values()) == 5
    for eid, figures in serial.items():
        assert [f.svg for f in parallel[eid]] == [f.svg for f in figures], eid


def test_no_internal_notes_in_pages(site: Path) -> None:
    """Generated pages speak to readers: no tracker references ("issue 5 columns") and no raw e-notation."""
    for path in sorted(site.rglob("*.html")):
        text = re.sub(r"<svg.*?</svg>", "", path.read_text(encoding="utf-8"), flags=re.S)
        text = re.sub(r"<(script|style)\b.*?</\1>", "", text, flags=re.S)
        assert not re.search(r"\bissues?\b", text, flags=re.I), path.name
        shown = re.sub(r"<[^>]+>", " ", text)
        assert not re.search(r"\d[eE][+−-]?\d", shown), path.name
        assert not re.search(r"\b2,0[0-9]{2}\b", shown), path.name  # years never get a separator


def test_every_scatter_point_has_a_tooltip(site: Path, data: ReportData) -> None:
    """Each point of both value-vs-headline charts carries an SVG <title>: company, deal and values."""
    html = (site / "index.html").read_text(encoding="utf-8")
    points = data.scatter if data.scatter is not None else direct_values(data)
    shown = points[
        (pd.to_numeric(points["headline_value_usd"]) > 0)
        & pd.to_numeric(points["abnormal_value_usd"]).notna()
    ]
    assert len(shown) >= 3
    for figure in ("fig-value-headline", "fig-value-fit"):
        svg = re.search(rf'<figure class="chart" id="{figure}">(.*?)</figure>', html, re.DOTALL)
        assert svg is not None
        tips = re.findall(r'<g id="[^"]*-pt\d+"><title>([^<]*)</title>', svg.group(1))
        assert len(tips) == len(shown)
        assert all("abnormal value $" in tip or "abnormal value −$" in tip for tip in tips)
        assert all(" · headline $" in tip for tip in tips)


def test_deal_page_shows_why_a_deal_has_no_primary_source(tmp_path: Path) -> None:
    deals = sample_deals()
    noted = dataclasses.replace(deals[0], primary_source_note="A press report <Bloomberg>; no announcement.")
    data = sample_report_data(deals=(noted, *deals[1:3]))
    figures = FigureSet(index=render_figures(data).index, events={})
    render_site(build_context(data, figures), tmp_path)
    html = (tmp_path / "deals" / deal_filename(noted.id)).read_text(encoding="utf-8")
    assert "primary-source-note" in _parse(tmp_path / "deals" / deal_filename(noted.id)).ids
    assert html.index('id="sources"') < html.index("A press report &lt;Bloomberg&gt;; no announcement.")
    assert html.index("no announcement.") < html.index('id="confounders"')
    assert "primary-source-note" not in (tmp_path / "deals" / deal_filename(deals[1].id)).read_text("utf-8")
