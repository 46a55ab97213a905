"""Number formatting and the https-only link filter of the report."""

from __future__ import annotations

import datetime as dt

import pytest

from dealstudy.report.environment import environment, link
from dealstudy.report.format import (
    fmt_date,
    fmt_multiple,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_sq_p,
    fmt_usd,
    https_url,
)


@pytest.mark.parametrize(
    "url",
    [
        "https://www.reuters.com/technology/x-2025-09-10/",
        "https://archive.ph/fUGqA",
        "https://example.com/a?b=c&d=e#f",
    ],
)
def test_https_urls_pass(url: str) -> None:
    assert https_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JAVASCRIPT:alert(1)",
        " javascript:alert(1)",
        "http://example.com/",
        "data:text/html,<script>alert(1)</script>",
        "//example.com/x",
        "/etc/passwd",
        "https:///nohost",
        'https://example.com/"onmouseover="alert(1)',
        "https://example.com/<script>",
        "https://user:pw@example.com/",
        "https://example.com/\nx",
        "vbscript:msgbox",
        None,
        42,
    ],
)
def test_everything_else_is_refused(url: object) -> None:
    assert https_url(url) is None


def test_link_filter_renders_refused_links_inert() -> None:
    html = str(link("javascript:alert(1)"))
    assert "<a" not in html
    assert "href" not in html
    assert "link withheld" in html
    good = str(link("https://example.com/a?b=1&c=2"))
    assert (
        good
        == '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer">https://example.com/a?b=1&amp;c=2</a>'
    )


def test_environment_autoescapes() -> None:
    env = environment()
    assert env.autoescape is True
    out = env.from_string("{{ x }} {{ u|link }}").render(
        x="<script>alert(1)</script>", u="javascript:alert(1)"
    )
    assert "<script>" not in out
    assert "&lt;script&gt;" in out
    assert "href" not in out


def test_number_formats() -> None:
    assert fmt_usd(3.2e11) == "$320bn"
    assert fmt_usd(None) == "n/a"
    assert fmt_pct(0.0321) == "+3.21%"
    assert fmt_pct(-0.5, 1) == "−50.0%"
    assert fmt_pct(float("nan")) == "n/a"
    assert fmt_num(-2.345) == "−2.35"
    assert fmt_p(0.0004) == "<0.001"
    assert fmt_p(0.0456) == "0.046"
    assert fmt_sq_p(0.0) == "0 (beyond all)"  # not "<0.001": the SQ test moves in steps of 2/M
    assert fmt_sq_p(0.0102) == "0.010"
    assert fmt_multiple(0.8333) == "0.83×"
    assert fmt_multiple(0.0037) == "0.0037×"
    assert fmt_date(dt.date(2025, 9, 10)) == "2025-09-10"
    assert fmt_date("2025-09-10") == "2025-09-10"
    assert fmt_date(None) == "n/a"
