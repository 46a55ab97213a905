"""The report as people read it, measured in Chromium from bounding boxes at 1280 px and on a 390 px phone.

On every page type (index, regressions, methods, a deal page) of the real report: the page never scrolls
sideways; no table cell's text overflows its cell; each table scrolls sideways in at most one box (its own);
the header of a table stays in view after its box is scrolled down, and the first column after it is scrolled
right; at 1280 px no column of the index's deal table is hidden; the window switch swaps every windowed number
from values already in the page; nothing is fetched from outside the folder.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from dealstudy.report.format import fmt

pytestmark = [pytest.mark.browser, pytest.mark.shared, pytest.mark.slow]

WIDTHS = (1280, 390)
PAGE_TYPES = ("index.html", "regressions.html", "methods.html", "deals/stargate-five-sites.html")

#: Cells (in open or visible tables) whose text sticks out of their box: ``[{table, text, over}]``.
CLIPPED_CELLS = """() => {
  const out = [];
  document.querySelectorAll('table').forEach(t => {
    if (!t.offsetParent) { return; }   /* in a closed <details> */
    t.querySelectorAll(':scope > * > tr > th, :scope > * > tr > td').forEach(c => {
      const range = document.createRange();
      range.selectNodeContents(c);
      const text = range.getBoundingClientRect(), box = c.getBoundingClientRect();
      const over = Math.max(text.right - box.right, box.left - text.left, c.scrollWidth - c.clientWidth);
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


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("name", PAGE_TYPES)
def test_layout(real_site: Path, pages: Any, name: str, width: int) -> None:
    page = pages.open(real_site / name, width)
    if name == "index.html":  # open every deal's securities: their tables must fit too
        page.eval_on_selector_all("details", "ds => ds.forEach(d => d.open = true)")
    sideways = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert sideways <= 1, f"{name} at {width}px scrolls sideways by {sideways}px"
    assert page.evaluate(CLIPPED_CELLS) == []
    scrollers = page.evaluate(SIDEWAYS_SCROLLERS)
    assert scrollers, "no table on the page"
    assert [s for s in scrollers if s["scrollers"] > 1] == []
    for box in page.evaluate(STICKY):
        if box["tall"] and box["headTop"] is not None:
            assert -1 <= box["headTop"] <= 2, f"{box['id']}: header left the box ({box['headTop']}px)"
        if box["wide"] and box["firstLeft"] is not None:
            assert -1 <= box["firstLeft"] <= 2, f"{box['id']}: first column scrolled away"
    assert pages.errors == []
    assert pages.outside == []


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
    rows = page.locator("#deal-table > tbody > tr").count()
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
