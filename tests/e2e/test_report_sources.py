"""The deal pages of the real report label each source by who wrote it, as the shipped catalog marks it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest

from dealstudy.catalog import load_catalog
from dealstudy.report.names import deal_filename

pytestmark = [pytest.mark.shared, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


class _Sources(HTMLParser):
    """``(label, href)`` of each item of the page's ``ul.sources``, and the source-kind labels outside it."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[tuple[str, str]] = []
        self.legend: list[str] = []
        self._list = self._item = self._label = False
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "ul" and a.get("class") == "sources":
            self._list = True
        elif tag == "li" and self._list:
            self._item = True
            self.items.append(("", ""))
        elif tag == "span" and "source-kind" in str(a.get("class", "")).split():
            self._label, self._text = True, ""
        elif tag == "a" and self._item and a.get("href"):
            self.items[-1] = (self.items[-1][0], str(a["href"]))

    def handle_data(self, data: str) -> None:
        if self._label:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "span" and self._label:
            self._label = False
            if self._item:
                self.items[-1] = (self._text.strip(), self.items[-1][1])
            else:
                self.legend.append(self._text.strip())
        elif tag == "li":
            self._item = False
        elif tag == "ul":
            self._list = False


def _sources(page: Path) -> _Sources:
    parser = _Sources()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_every_source_is_labelled_with_its_catalog_kind(real_site: Path) -> None:
    deals = load_catalog(REPO / "events").deals
    assert any(d.has_primary_source for d in deals)  # both kinds are exercised below
    for deal in deals:
        page = _sources(real_site / "deals" / deal_filename(deal.id))
        expected = [(s.kind or "not marked", s.url) for s in deal.cited_sources]
        assert page.items == expected, deal.id
        kinds = {label for label, _ in expected}
        assert {"primary", "press"} <= set(page.legend)  # the labels are explained once, on the page
        assert ("not marked" in page.legend) == ("not marked" in kinds)
