"""A deal family over time: the announcement, its revisions and walk-backs, and the market's verdict."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure

from dealstudy.plots._frames import require_columns
from dealstudy.plots.style import money_formatter, new_axes, style

__all__ = ["STAGE_STYLE", "fig_deal_timeline"]

#: Marker, colour (Okabe-Ito) and legend text of each stage of a deal's life.
STAGE_STYLE: dict[str, tuple[str, str, str]] = {
    "announcement": ("o", "#0072B2", "announcement"),
    "revision": ("s", "#E69F00", "revision, disclosure or report"),
    "walk_back": ("v", "#D55E00", "walk-back, delay or cancellation report"),
}


def fig_deal_timeline(data: pd.DataFrame, *, title: str = "The deal family over time") -> Figure:
    """Each entry of a deal family at its announcement date, with the abnormal value of its parties.

    Parameters
    ----------
    data : DataFrame
        One row per catalog entry: ``date``, ``label`` (a short name), ``stage`` (a key of
        :data:`STAGE_STYLE`) and ``value_usd`` (abnormal value of the entry's direct parties over the headline
        window, USD; NaN when it could not be computed: drawn as a hollow marker on the zero line).
    title : str

    Returns
    -------
    Figure
        Stems from zero to each entry's abnormal value, a marker per stage, each entry tagged with its
        label; the dashed line is the running total of the family's abnormal value.
    """
    require_columns(data, ("date", "label", "stage", "value_usd"), "deal timeline")
    frame = data.assign(
        date=pd.to_datetime(data["date"]), value=pd.to_numeric(data["value_usd"], errors="coerce")
    )
    frame = frame.sort_values("date").reset_index(drop=True)
    with style():
        fig, ax = new_axes(None, (7.5, 3.2 + 0.22 * len(frame)))
        known = np.isfinite(frame["value"].to_numpy(dtype=float))
        for stage, (marker, colour, text) in STAGE_STYLE.items():
            part = frame[(frame["stage"] == stage).to_numpy() & known]
            if not part.empty:
                ax.vlines(part["date"], 0, part["value"], color=colour, linewidth=1.6, zorder=2)
                ax.scatter(
                    part["date"], part["value"], marker=marker, s=60, color=colour, zorder=3, label=text
                )
            missing = frame[(frame["stage"] == stage).to_numpy() & ~known]
            if not missing.empty:
                ax.scatter(
                    missing["date"],
                    np.zeros(len(missing)),
                    marker=marker,
                    s=60,
                    facecolor="white",
                    edgecolor=colour,
                    zorder=3,
                    label=f"{text} (no value)",
                )
        running = frame["value"].fillna(0).cumsum()
        ax.step(frame["date"], running, where="post", color="#1a1a1a", linestyle="--", linewidth=1.1,
                label="running total", zorder=1)  # fmt: skip
        ax.axhline(0, color="#4d4d4d", linewidth=0.8)
        for row in frame.to_dict("records"):
            amount = float(row["value"])
            ax.annotate(
                str(row["label"]),
                (row["date"], amount if np.isfinite(amount) else 0.0),
                xytext=(5, 5 if not np.isfinite(amount) or amount >= 0 else -12),
                textcoords="offset points",
                fontsize=8.5,
            )
        locator = AutoDateLocator(maxticks=6)  # type: ignore[no-untyped-call]
        ax.xaxis.set_major_locator(locator)
        ax.xaxis.set_major_formatter(ConciseDateFormatter(locator))  # type: ignore[no-untyped-call]
        ax.yaxis.set_major_formatter(money_formatter())
        ax.set_ylabel("Abnormal market value (US$)")
        ax.set_title(title)
        ax.margins(x=0.25, y=0.25)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncols=2, fontsize=8.5)
    return fig
