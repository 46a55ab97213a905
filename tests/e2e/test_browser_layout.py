"""The report as people read it, measured in Chromium from bounding boxes at 1280 px and on a 390 px phone.

On every page of the real report (index, regressions, methods and each deal page, found by globbing the
built site): the page never scrolls sideways; no table cell's text overflows its cell; each table scrolls
sideways in at most one box (its own); the header of a table stays in view after its box is scrolled down,
and the first column after it is scrolled right; at 1280 px no table of the index, regressions or methods
page is wider than its box (no column hidden; the index's securities folded, as the page opens). The
window switch swaps every windowed number from values already in the page; nothing is fetched from outside
the folder."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dealstudy.report.format import fmt

pytestmark = [pytest.mark.browser, pytest.mark.shared, pytest.mark.slow]

WIDTHS = (1280, 390)
#: Pages whose tables must show every column at 1280 px (no sideways scrolling inside their boxes either).
FIT_AT_1280 = ("index.html", "regressions.html", "methods.html")

#: Cells (in open or visible tables) whose text sticks out of their box: ``[{table, text, over}]``.
CLIPPED_CELLS = """() => {
  const out = [];
  document.querySelectorAll('table').forEach(t => {
    if (!t.offsetParent) { return; }   /* hidden (a folded securities row) */
    t.querySelectorAll(':scope > * > tr > th, :scope > * > tr > td').forEach(c => {
      /* a nested table (the index's securities, in their own row) or a scroll box inside the cell
         is measured as a table of its own, not as this cell's text */
      const boxed = c.querySelector('table') !== null || Array.from(c.querySelectorAll('*')).some(
        el => /(auto|scroll)/.test(getComputedStyle(el).overflowX));
      const range = document.createRange();
      range.selectNodeContents(c);
      const text = range.getBoundingClientRect(), box = c.getBoundingClientRect();
      const spill = boxed ? 0 : Math.max(text.right - box.right, box.left - text.left);
      const over = Math.max(spill, c.scrollWidth - c.clientWidth);
      if (c.textContent.trim() && over > 1) {
        out.push({table: t.id, text: c.textContent.trim().slice(0, 40), over: Math.round(over)});
      }
    });
  });
  return out;
}"""

#: For each table, the ancestors (itself included) that scroll sideways: ``[{table, scrollers}]``.
SIDEWAYS_SCROLLERS = """() => Array.from(document.querySelectorAll('table'))
.filter(t => t.offsetParent).map(t => {
  let n = 0;
  for (let el = t.parentElement; el && el !== document.body; el = el.parentElement) {
    const style = getComputedStyle(el);
    if (el.scrollWidth > el.clientWidth + 1 && /(auto|scroll)/.test(style.overflowX)) { n++; }
  }
  return {table: t.id || t.getAttribute('aria-labelledby'), scrollers: n};
})"""

#: Scroll every tall table box to its middle and every wide one to its right end; report what stays put.
STICKY = """() => Array.from(document.querySelectorAll('.scroll')).map(box => {
  const table = box.querySelector('table');
  const head = table.tHead ? table.tHead.rows[0].cells[0] : null;
  const first = table.tBodies[0] && table.tBodies[0].rows.length ? table.tBodies[0].rows[0].cells[0] : null;
  const tall = box.scrollHeight > box.clientHeight + 1, wide = box.scrollWidth > box.clientWidth + 1;
  box.scrollTop = tall ? box.scrollHeight / 2 : 0;
  box.scrollLeft = wide ? box.scrollWidth : 0;
  const b = box.getBoundingClientRect();
  const res = {id: table.id, tall: tall, wide: wide,
    headTop: head ? head.getBoundingClientRect().top - b.top : null,
    firstLeft: first ? first.getBoundingClientRect().left - b.left : null};
  box.scrollTop = 0; box.scrollLeft = 0;
  return res;
})"""


#: Tables in a page's scroll boxes wider than their box: ``[{table, width, box}]``.
WIDER_THAN_BOX = """() => Array.from(document.querySelectorAll('.scroll > table')).filter(t => t.offsetParent)
.map(t => ({table: t.id, width: Math.round(t.getBoundingClientRect().width),
  box: t.parentElement.clientWidth}))
.filter(t => t.width > t.box + 1)"""


@pytest.fixture(scope="module")
def viewer(chromium: Any) -> Iterator[tuple[Any, list[str]]]:
    """One page of the session's browser, reused for every page and width; yields (page, problems seen):
    requests leaving ``file://`` (refused) and console or script errors."""
    context = chromium.new_context(viewport={"width": WIDTHS[0], "height": 900})
    problems: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith("file://"):
            r.continue_()
        else:
            problems.append(f"request to {r.request.url}")
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda exc: problems.append(str(exc)))
    try:
        yield page, problems
    finally:
        context.close()


def _layout_problems(page: Any, name: str, width: int, *, fit: bool) -> list[str]:
    """What reads badly on the page open in ``page``, one line each (empty when it reads well); ``fit``: also
    every table no wider than its box."""
    found = []
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if sideways > 1:
        found.append(f"page scrolls sideways by {sideways}px")
    found += [f"clipped cell {c}" for c in page.evaluate(CLIPPED_CELLS)]
    scrollers = page.evaluate(SIDEWAYS_SCROLLERS)
    if not scrollers and not name.startswith("deals/"):  # a deal with no listed security has no table
        found.append("no table on the page")
    found += [f"scrolls in {s['scrollers']} boxes: {s['table']}" for s in scrollers if s["scrollers"] > 1]
    for box in page.evaluate(STICKY):
        if box["tall"] and box["headTop"] is not None and not -1 <= box["headTop"] <= 2:
            found.append(f"{box['id']}: header left the box ({box['headTop']}px)")
        if box["wide"] and box["firstLeft"] is not None and not -1 <= box["firstLeft"] <= 2:
            found.append(f"{box['id']}: first column scrolled away")
    if fit:
        found += [f"{t['table']} {t['width']}px in a {t['box']}px box" for t in page.evaluate(WIDER_THAN_BOX)]
    return [f"{name} at {width}px: {f}" for f in found]


@pytest.mark.parametrize("width", WIDTHS)
def test_layout_of_every_page(real_site: Path, viewer: tuple[Any, list[str]], width: int) -> None:
    page, problems = viewer
    page.set_viewport_size({"width": width, "height": 900})
    names = sorted(p.relative_to(real_site).as_posix() for p in real_site.rglob("*.html"))
    assert set(FIT_AT_1280) <= set(names)
    deals = [n for n in names if n.startswith("deals/")]
    assert len(deals) == len(list((real_site / "deals").glob("*.html"))) > 0
    found = []
    for name in names:
        page.goto((real_site / name).as_uri(), wait_until="load")
        found += _layout_problems(page, name, width, fit=width == 1280 and name in FIT_AT_1280)
        if name == "index.html":  # open every deal's securities: they must read well and widen nothing
            page.eval_on_selector_all("button.legs-toggle", "bs => bs.forEach(b => b.click())")
            opened = page.eval_on_selector_all("tr.legs-row", "rs => rs.filter(r => !r.hidden).length")
            assert opened == page.eval_on_selector_all("button.legs-toggle", "bs => bs.length") > 0
            found += _layout_problems(page, f"{name} (securities open)", width, fit=width == 1280)
    assert found == []
    assert problems == []


def test_deal_table_fits_at_1280(real_site: Path, pages: Any) -> None:
    page = pages.open(real_site / "index.html", 1280)
    table, box = page.evaluate(
        "() => { const t = document.getElementById('deal-table');"
        " return [t.getBoundingClientRect().width, t.parentElement.clientWidth]; }"
    )
    assert table <= box + 1, f"deal table {table}px in a {box}px box: columns hidden"
    headers = page.eval_on_selector_all("#deal-table > thead th", "hs => hs.map(h => h.textContent.trim())")
    assert [h.rstrip(" ↕") for h in headers[:6]] == [
        "Deal",
        "Announced",
        "Binding status",
        "Headline",
        "Binding",
        "Abnormal value",
    ]
    rows = page.locator("#deal-table > tbody > tr:not(.legs-row)").count()
    assert rows == len(list((real_site / "deals").glob("*.html")))  # one row per deal


def test_header_sticks_when_the_page_is_short(real_site: Path, pages: Any) -> None:
    """On a short screen the index table's box scrolls; its header stays at the box's top."""
    page = pages.open(real_site / "index.html", 390, height=600)
    box = page.locator("#deal-table").locator("xpath=..")
    box.evaluate("b => { b.scrollTop = b.scrollHeight; }")
    head = page.locator("#deal-table > thead th").first.bounding_box()
    frame = box.bounding_box()
    assert head is not None
    assert frame is not None
    assert abs(head["y"] - frame["y"]) <= 2
    assert box.evaluate("b => b.scrollTop") > 0


def _abnormal_value(values: pd.DataFrame, deal_id: str, window: str) -> str:
    rows = values[(values["deal_id"] == deal_id) & (values["window"].astype(str) == window)]
    if "direct" in rows.columns and rows["direct"].astype(str).str.lower().eq("true").any():
        rows = rows[rows["direct"].astype(str).str.lower() == "true"]
    numbers = pd.to_numeric(rows["abnormal_value_usd"], errors="coerce").dropna()
    return fmt(float(numbers.sum()) if len(numbers) else math.nan, "usd")


def _shown(page: Any, deal_id: str) -> str:
    cell = page.locator(f"#deal-table tr[data-deal='{deal_id}'] > td").nth(4)
    return str(cell.locator("[data-window]:not([hidden])").inner_text()).strip()


def test_window_switch(real_site: Path, pages: Any) -> None:
    values = pd.read_csv(real_site / "data" / "deal_values_detail.csv")
    page = pages.open(real_site / "index.html", 1280)
    footer = page.inner_text("footer")
    headline = footer.split("headline window ")[1].split(" ")[0]  # the window justified on methods
    checked = page.locator(".window-switch input:checked").get_attribute("value")
    assert checked == headline
    assert page.locator(".window-switch").is_visible()
    deal = "stargate-five-sites"
    assert _shown(page, deal) == _abnormal_value(values, deal, headline)
    for window in ("0:0", "0:1", "-1:1", "-5:5", headline):
        page.check(f".window-switch input[value='{window}']")
        assert _shown(page, deal) == _abnormal_value(values, deal, window)
        shown = page.locator("#deal-table [data-window]:not([hidden])").evaluate_all(
            "els => els.map(e => e.getAttribute('data-window'))"
        )
        assert set(shown) == {window}  # every windowed number on the page switched
    page.check(".window-switch input[value='0:0']")
    sort = page.locator(f"#deal-table tr[data-deal='{deal}'] > td").nth(4).get_attribute("data-sort")
    expected = _abnormal_value(values, deal, "0:0")
    assert fmt(float(sort or "nan"), "usd") == expected  # sorting follows the switch
    deal_page = pages.open(real_site / "deals" / f"{deal}.html", 390)  # the deal page's own switch
    deal_page.check(".window-switch input[value='-5:5']")
    windows = deal_page.locator("[data-window]:not([hidden])").evaluate_all(
        "els => els.map(e => e.getAttribute('data-window'))"
    )
    assert windows
    assert set(windows) == {"-5:5"}
    assert pages.outside == []
    assert pages.errors == []


#: Per figure: the smallest rendered height of its SVG text, its caption's and the body's font size (px).
FIGURE_TEXT = """() => Array.from(document.querySelectorAll('figure.chart')).map(f => {
  const heights = Array.from(f.querySelectorAll('svg text')).map(t => t.getBoundingClientRect().height)
    .filter(h => h > 0);
  return {id: f.id, smallest: Math.min(...heights),
    caption: parseFloat(getComputedStyle(f.querySelector('figcaption')).fontSize),
    body: parseFloat(getComputedStyle(document.body).fontSize)};
})"""


@pytest.mark.parametrize("name", ["index.html", "deals/stargate-five-sites.html"])
def test_figures_readable_on_a_phone(real_site: Path, pages: Any, name: str) -> None:
    page = pages.open(real_site / name, 390, height=844)
    figures = page.evaluate(FIGURE_TEXT)
    assert figures
    for figure in figures:
        assert figure["smallest"] >= 9, f"{figure['id']}: text {figure['smallest']:.1f}px tall on a phone"
        assert figure["caption"] <= figure["body"], f"{figure['id']}: caption larger than body text"
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 1  # wide charts scroll inside their own box
