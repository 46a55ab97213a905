"""Plot functions: each returns a Figure with the expected artists and labels, and leaves nothing open."""

from __future__ import annotations

import re

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.collections import PathCollection, PolyCollection
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, Rectangle

from dealstudy.catalog.schema import BINDING_STATUSES
from dealstudy.plots import (
    binding_class,
    fig_caar_paths,
    fig_cumulative_value,
    fig_deal_web,
    fig_event_ar_car,
    fig_event_prices,
    fig_multiples,
    fig_security_event,
    fig_value_fit_linear,
    fig_value_vs_headline,
    figure_to_svg,
    format_usd,
)
from dealstudy.plots.classes import BINDING_CLASSES, CLASS_COLOURS


@pytest.fixture
def values(rng: np.random.Generator) -> pd.DataFrame:
    headline = np.array([3e11, 1e11, 1.74e10, 5e9, np.nan, 2e10])
    abnormal = np.array([2.5e11, -4e10, 3e9, 2e8, 1e9, -5e8])
    return pd.DataFrame(
        {
            "label": [f"d{i} · T{i}" for i in range(6)],
            "headline_value_usd": headline,
            "abnormal_value_usd": abnormal,
            "press_release_multiple": abnormal / headline,
            "binding_status": [
                "definitive_contract",
                "non_binding_loi",
                "contract_with_options",
                "equity_subject_to_definitive_docs",
                "media_report",
                "statement_of_intent",
            ],
            "date": pd.to_datetime(
                ["2025-03-10", "2025-05-02", "2025-06-16", "2025-07-21", "2025-09-02", "2025-09-02"]
            ),
        }
    )


def test_binding_class_covers_every_catalog_status() -> None:
    classes = {binding_class(s) for s in BINDING_STATUSES}
    assert classes == set(BINDING_CLASSES)
    assert binding_class("definitive_contract") == "binding"
    assert binding_class("non_binding_loi") == "non_binding"
    assert binding_class(None) == "report"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (3e11, "$300bn"),
        (-2.5e9, "−$2.5bn"),
        (4.5e8, "$450m"),
        (0.0, "$0"),
        (float("nan"), "n/a"),
        (1.74e10, "$17.4bn"),
    ],
)
def test_format_usd(value: float, text: str) -> None:
    assert format_usd(value) == text


def test_value_vs_headline_symlog_with_fit(values: pd.DataFrame) -> None:
    fig = fig_value_vs_headline(values, fit=(1e9, 0.5))
    ax = fig.axes[0]
    assert isinstance(fig, Figure)
    assert ax.get_xscale() == "log"
    assert ax.get_yscale() == "symlog"  # negative abnormal values stay visible
    assert "log scale" in ax.get_xlabel()
    assert "US$" in ax.get_ylabel()
    points = sum(len(c.get_offsets()) for c in ax.collections if isinstance(c, PathCollection))
    assert points == 5  # the row without a headline value is left out ...
    legend = ax.get_legend()
    assert legend is not None
    assert "1 row(s) without a headline or abnormal value" in legend.get_title().get_text()  # ... said so
    assert "linear within ±$1bn" in ax.get_ylabel()  # how losses are shown on a log axis
    fit = [line for line in ax.get_lines() if line.get_label().startswith("OLS")]
    assert len(fit) == 1
    x, y = fit[0].get_data()
    np.testing.assert_allclose(np.asarray(y), 1e9 + 0.5 * np.asarray(x))
    assert min(ax.get_yticks()) < 0  # a tick on the loss side


def test_value_fit_on_linear_axes(values: pd.DataFrame) -> None:
    """The OLS line is drawn where it is straight: linear axes, from 0 to the largest headline value."""
    fig = fig_value_fit_linear(values.assign(gid=[f"pt{i}" for i in range(len(values))]), fit=(1e9, 0.5))
    ax = fig.axes[0]
    assert ax.get_xscale() == "linear"
    assert ax.get_yscale() == "linear"
    line = next(line for line in ax.get_lines() if line.get_label() == "OLS fit")
    x, y = (np.asarray(v, dtype=float) for v in line.get_data())
    assert x[0] == 0
    np.testing.assert_allclose(y, 1e9 + 0.5 * x)
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points) == 5  # one artist per point, each with its own gid for a tooltip
    assert len({c.get_gid() for c in points}) == 5
    colours = {to_hex(c.get_facecolor()[0]) for c in points}
    labels = ax.get_legend_handles_labels()[1]
    assert len(colours) == len([lab for lab in labels if lab != "OLS fit"])  # one colour per class shown


def test_multiples_sorted_bars(values: pd.DataFrame) -> None:
    fig = fig_multiples(values)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    widths = [b.get_width() for b in bars]
    assert len(bars) == 5
    assert widths == sorted(widths)
    assert next(t.get_text() for t in ax.get_yticklabels()) == "d1 · T1"  # the most negative multiple first
    assert "multiple" in ax.get_xlabel().lower()


def test_cumulative_value_is_the_running_sum(values: pd.DataFrame) -> None:
    fig = fig_cumulative_value(values)
    ax = fig.axes[0]
    offsets = next(c for c in ax.collections if isinstance(c, PathCollection)).get_offsets()
    expected = np.cumsum(values.sort_values("date", kind="stable")["abnormal_value_usd"].to_numpy())
    np.testing.assert_allclose(np.asarray(offsets)[:, 1], expected)
    assert "US$" in ax.get_ylabel()


def test_caar_paths_draws_line_and_band_per_class() -> None:
    rows = [
        {
            "binding_class": cls,
            "event_time": t,
            "caar": 0.01 * t,
            "lower": 0.01 * t - 0.02,
            "upper": 0.01 * t + 0.02,
            "n": 4,
        }
        for cls in ("binding", "non_binding")
        for t in range(-10, 11)
    ]
    fig = fig_caar_paths(pd.DataFrame(rows))
    ax = fig.axes[0]
    lines = [line for line in ax.get_lines() if line.get_label().endswith("(n=4)")]
    assert len(lines) == 2
    assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 2
    assert lines[0].get_color() == CLASS_COLOURS["binding"]
    assert "day 0" in ax.get_xlabel()


def test_deal_web_edges_styled_by_bindingness() -> None:
    edges = pd.DataFrame(
        {
            "source": ["OpenAI", "OpenAI", "OpenAI", "Nvidia"],
            "target": ["Oracle", "Nvidia", "Oracle", "Nvidia"],  # the last one is a self-loop: not drawn
            "headline_value_usd": [3e11, 1e11, np.nan, 5e9],
            "binding_status": [
                "definitive_contract",
                "non_binding_loi",
                "contract_with_options",
                "term_sheet",
            ],
        }
    )
    fig = fig_deal_web(edges)
    ax = fig.axes[0]
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3
    widths = [a.get_linewidth() for a in arrows]
    assert widths[0] > widths[1] > widths[2]  # sized by headline value; undisclosed thinnest
    assert arrows[0].get_linestyle() == "solid"  # binding: solid
    assert arrows[1].get_linestyle() != "solid"  # non-binding: dashed
    assert {t.get_text() for t in ax.texts} == {"OpenAI", "Oracle", "Nvidia"}


def _path() -> pd.DataFrame:
    t = np.arange(-10, 11)
    ar = np.where(t == 0, 0.1, 0.001)
    ar[t == 3] = np.nan  # a missing day
    band = 1.96 * 0.02 * np.sqrt(np.arange(1, 22))
    band[t == 3] = np.nan
    return pd.DataFrame(
        {
            "event_time": t,
            "ar": ar,
            "car": np.where(np.isfinite(ar), np.nancumsum(ar), np.nan),
            "car_lower": -band,
            "car_upper": band,
            "in_window": t >= -5,
        }
    )


def test_event_figures_mark_day0() -> None:
    prices = pd.DataFrame({"event_time": np.arange(-30, 31), "close": np.linspace(100, 130, 61)})
    fig = fig_event_prices(prices, ticker="ORCL", currency="USD", window=(-1, 1))
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Close (USD)"
    assert any(t.get_text() == "day 0" for t in ax.texts)
    fig = fig_event_ar_car(_path(), ticker="ORCL", window=(-1, 1), band_label="95% band (test)")
    ax = fig.axes[0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle) and p.get_width() == pytest.approx(0.7)]
    assert len(bars) == 20  # 21 days, one without an AR
    outside = [b for b in bars if b.get_alpha() == pytest.approx(0.4)]
    assert sorted(round(b.get_x() + 0.35) for b in outside) == [-10, -9, -8, -7, -6]
    assert all(b.get_hatch() == "///" for b in outside)
    cross = [line for line in ax.lines if line.get_marker() == "x"]
    assert len(cross) == 1
    np.testing.assert_array_equal(cross[0].get_xdata(), [3])  # the missing day, on the zero line
    labels = ax.get_legend_handles_labels()[1]
    for text in ("event window -1:1", "95% band (test)", "AR (daily)", "AR outside the study windows",
                 "no AR (missing price)", "CAR from day -10"):  # fmt: skip
        assert text in labels
    car = next(line for line in ax.lines if line.get_label() == "CAR from day -10")
    assert np.isnan(car.get_ydata()[13])  # a gap in the line
    assert ax.get_title(loc="left") == "ORCL: abnormal returns and CAR"
    combined = fig_security_event(prices, _path(), ticker="ORCL", window=(-1, 1))
    assert len(combined.axes) == 2
    legend_texts = [t.get_text() for t in combined.legends[0].get_texts()]
    assert legend_texts.count("event window -1:1") == 1  # shaded on both panels, listed once
    # the bars come in two colours (up, down): so does their legend swatch
    legend = combined.legends[0]
    ar_handle = legend.legend_handles[legend_texts.index("AR (daily)")]
    swatch = [a for a in legend.get_children()[0].findobj(Rectangle) if a.get_width() > 0]
    colours = {to_hex(r.get_facecolor()) for r in swatch}
    assert {"#0072b2", "#d55e00"} <= colours
    assert ar_handle is not None
    assert len(fig_security_event(None, _path(), ticker="ORCL").axes) == 1
    with pytest.raises(ValueError, match="neither prices"):
        fig_security_event(None, None, ticker="ORCL")
    # without in_window (an older table): every bar is a study day
    fig = fig_event_ar_car(_path().drop(columns="in_window"), ticker="ORCL")
    assert "AR outside the study windows" not in fig.axes[0].get_legend_handles_labels()[1]


def test_missing_columns_name_the_figure(values: pd.DataFrame) -> None:
    with pytest.raises(ValueError, match="multiples: data lacks column"):
        fig_multiples(values.drop(columns=["label"]))


def test_draws_into_given_axes_and_svg_closes_pyplot_figure(values: pd.DataFrame) -> None:
    fig, ax = plt.subplots()
    assert fig_multiples(values, ax=ax) is fig
    svg = figure_to_svg(fig, title="Multiples <b>&", description="bars", id_prefix="m1")
    assert plt.get_fignums() == []  # closed
    assert svg.startswith('<svg role="img"')
    assert '<title id="m1-title">Multiples &lt;b&gt;&amp;</title>' in svg
    assert 'aria-labelledby="m1-title m1-desc"' in svg
    assert "http" not in svg
    assert "<?xml" not in svg
    assert "<metadata" not in svg
    ids = re.findall(r'\bid="([^"]+)"', svg)
    assert ids
    assert all(i.startswith("m1-") for i in ids)
    refs = re.findall(r'(?:href="#|url\(#)([^")]+)', svg)
    assert set(refs) <= set(ids)  # every internal reference still resolves


def test_svg_escapes_text_from_data() -> None:
    frame = pd.DataFrame(
        {
            "label": ["<script>alert(1)</script>"],
            "press_release_multiple": [0.5],
            "binding_status": ["term_sheet"],
        }
    )
    svg = figure_to_svg(fig_multiples(frame))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
