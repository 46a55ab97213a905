"""Number formatting and the https-only link filter of the report."""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import pytest

from dealstudy.pipeline.raw_moves import RAW_MOVE_COLUMNS
from dealstudy.report.environment import environment, link
from dealstudy.report.format import (
    column_kind,
    fmt,
    fmt_date,
    fmt_multiple,
    fmt_num,
    fmt_p,
    fmt_pct,
    fmt_sq_p,
    fmt_usd,
    https_url,
)
from dealstudy.report.page_tables import shown
from dealstudy.report.tables import Column, frame_table


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
    assert fmt_p(0.0004) == "< 0.001"
    assert fmt_p(0.0456) == "0.046"
    assert fmt_sq_p(0.0) == "0 (beyond all)"  # not "< 0.001": the SQ test moves in steps of 2/M
    assert fmt_sq_p(0.0102) == "0.010"
    assert fmt_multiple(0.8333) == "0.83×"
    assert fmt_multiple(0.0037) == "0.0037×"
    assert fmt_date(dt.date(2025, 9, 10)) == "2025-09-10"
    assert fmt_date("2025-09-10") == "2025-09-10"
    assert fmt_date(None) == "n/a"


@pytest.mark.parametrize(
    ("kind", "value", "text"),
    [
        ("id", 2025, "2025"),  # years: no thousands separator
        ("id", 2025.0, "2025"),
        ("id", 20251103, "20251103"),  # seeds
        ("id", None, "n/a"),
        ("count", 1999, "1,999"),
        ("count", float("nan"), "n/a"),
        ("usd", 3.2e11, "$320bn"),
        ("usd", 1.9266e12, "$1,927bn"),
        ("usd", 5.5e9, "$5.5bn"),
        ("usd", -4.5e8, "−$450m"),
        ("pct", 0.0321, "+3.21%"),
        ("pct", -0.0321, "−3.21%"),
        ("share", 0.95, "95%"),
        ("share", 0.0213, "2.13%"),
        ("share", 0.32179375562435153, "32.18%"),
        ("p", 0.0004, "< 0.001"),
        ("p", 0.001, "0.001"),
        ("p", 0.21234, "0.212"),
        ("sq_p", 0.0, "0 (beyond all)"),
        ("stat", 7.188617476027236, "7.19"),
        ("stat", 25.34, "25.3"),
        ("stat", 0.3073116315336805, "0.307"),
        ("stat", -6.773e-05, "−6.8×10⁻⁵"),
        ("stat", 1234.56, "1,235"),
        ("stat", 8.0, "8"),
        ("stat", 9.996, "10.0"),
        ("multiple", 9.14, "9.14×"),
        ("date", "2025-09-10", "2025-09-10"),
        ("bool", True, "yes"),
        ("bool", "False", "no"),
        ("text", "ok", "ok"),
    ],
)
def test_fmt_by_kind(kind: str, value: object, text: str) -> None:
    assert fmt(value, kind) == text


def test_fmt_rejects_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown number kind 'money'"):
        fmt(1.0, "money")


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("year", "id"),
        ("first_year", "id"),
        ("seed", "id"),
        ("deal_id", "id"),
        ("headline_usd", "usd"),
        ("abnormal_value_usd", "usd"),
        ("p", "p"),
        ("headline_bn_p", "p"),
        ("p_value", "p"),
        ("sq_p_value", "sq_p"),
        ("car", "pct"),
        ("confidence", "share"),
        ("reversed_share", "share"),
        ("exposure", "share"),
        ("press_release_multiple", "multiple"),
        ("abnormal_to_headline", "multiple"),
        ("reps", "count"),
        ("skipped", "count"),
        ("headline_n", "count"),
        ("as_of", "date"),
        ("original_day0", "date"),
    ],
)
def test_column_kind_from_name(name: str, kind: str) -> None:
    assert column_kind(name) == kind


def test_column_kind_from_dtype() -> None:
    assert column_kind("coef", pd.Series([0.5])) == "stat"
    assert column_kind("rows", pd.Series([3])) == "count"
    assert column_kind("direct", pd.Series([True])) == "bool"
    assert column_kind("note", pd.Series(["x"])) == "text"


def test_template_filter_is_the_same_formatter() -> None:
    out = environment().from_string("{{ y|fmt('id') }} {{ v|fmt('usd') }} {{ p|fmt('p') }}")
    assert out.render(y=2025, v=3.2e11, p=0.0001) == "2025 $320bn &lt; 0.001"  # autoescaped


def test_frame_table_formats_cells_by_kind() -> None:
    frame = pd.DataFrame(
        {"year": [2025], "seed": [20251103], "headline_usd": [3.8e10], "p": [0.2], "coef": [7.887e-05]}
    )
    table = frame_table(frame, table_id="t", caption="c")
    assert [c["text"] for c in table["rows"][0]["cells"]] == [
        "2025",
        "20251103",
        "$38.0bn",
        "0.200",
        "7.9×10⁻⁵",
    ]


def test_frame_table_writes_several_values_per_cell() -> None:
    """A coefficient with its standard error, its p-value and N on a second line; a missing coefficient reads
    n/a alone, and a second line with a missing value is left out."""
    frame = pd.DataFrame(
        {"coef": [0.10266, math.nan], "se": [0.07551, 0.2], "p": [0.0004, math.nan], "n": [28, 21]}
    )
    column = Column("coef", "Slope", "stat", show="{coef:stat} ({se:stat})", sub="p {p:p} · n {n:count}")
    first, second = (
        row["cells"][0] for row in frame_table(frame, table_id="t", caption="c", columns=[column])["rows"]
    )
    assert (first["text"], first["sub"], first["sort"], first["num"]) == (
        "0.103 (0.076)",
        "p < 0.001 · n 28",
        repr(0.10266),
        True,
    )
    assert (second["text"], second["sub"]) == ("n/a", "")
    assert column.fields == ("coef", "se", "p", "n")


def test_page_tables_read_the_columns_their_producers_write() -> None:
    """The raw moves table as shown: ticker with its deal, closes as prices, local change only off US$; a
    frame without the spec's columns is shown column by column."""
    frame = pd.DataFrame(
        [
            dict.fromkeys(RAW_MOVE_COLUMNS, math.nan)
            | {
                "event_id": "big-deal:9984.T",
                "ticker": "9984.T",
                "day0": "2025-01-22",
                "date_m1": "2025-01-21",
                "close_m1": 2312.0,
                "close_0": 2557.5,
                "currency": "JPY",
                "raw_change_local": 1.5e12,
                "raw_change_usd": 1e10,
            },
            dict.fromkeys(RAW_MOVE_COLUMNS, math.nan)
            | {"event_id": "big-deal:ORCL", "ticker": "ORCL", "currency": "USD", "raw_change_local": 5e9},
        ]
    )
    shown_frame, columns, reading = shown("raw_moves", frame)
    assert columns is not None
    assert reading
    table = frame_table(shown_frame, table_id="t", caption="c", columns=columns)
    tokyo, oracle = (
        {c.key: cell for c, cell in zip(columns, row["cells"], strict=True)} for row in table["rows"]
    )
    assert (tokyo["ticker"]["text"], tokyo["ticker"]["sub"]) == ("9984.T", "big-deal")
    assert (tokyo["close_0"]["text"], tokyo["close_0"]["sub"]) == ("2,312.00 → 2,557.50", "JPY")
    assert (tokyo["raw_change_usd"]["text"], tokyo["raw_change_usd"]["sub"]) == (
        "$10.0bn",
        "1,500,000,000,000 JPY",
    )
    assert (tokyo["day0"]["text"], tokyo["day0"]["sub"]) == ("2025-01-22", "day −1 2025-01-21")
    assert tokyo["day0"]["nowrap"]
    assert oracle["raw_change_usd"]["sub"] == ""  # said once, in US$
    assert shown("raw_moves", frame.drop(columns=["close_m1"]))[1] is None
    assert shown("not_a_page_table", frame) == (frame, None, "")
