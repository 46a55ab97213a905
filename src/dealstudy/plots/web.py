"""The deal web: companies on a circle, deals as edges sized by headline value and styled by bindingness."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch

from dealstudy.plots._frames import require_columns
from dealstudy.plots.classes import BINDING_CLASSES, CLASS_COLOURS, CLASS_LABELS, binding_class
from dealstudy.plots.style import new_axes, style

__all__ = ["fig_deal_web"]

_MIN_WIDTH = 0.8
_MAX_WIDTH = 7.0
#: Line style by binding class: binding solid, everything else dashed or dotted.
_WEB_LINESTYLES: dict[str, Any] = {
    "binding": "solid",
    "conditional": (0, (4, 1.5)),
    "non_binding": (0, (2, 1.5)),
    "report": (0, (0.8, 1.2)),
}


def _circle_order(edges: pd.DataFrame) -> list[str]:
    """Nodes in an order that keeps partners close on the circle: breadth-first from the busiest company,
    visiting each node's neighbours by the number of deals they share (ties by name)."""
    weight: dict[str, dict[str, int]] = {}
    for s, t in zip(edges["source"].astype(str), edges["target"].astype(str), strict=True):
        weight.setdefault(s, {}).setdefault(t, 0)
        weight.setdefault(t, {}).setdefault(s, 0)
        weight[s][t] += 1
        weight[t][s] += 1
    order: list[str] = []
    remaining = sorted(weight, key=lambda n: (-sum(weight[n].values()), n))
    while remaining:
        queue = [remaining[0]]
        while queue:
            node = queue.pop(0)
            if node in order:
                continue
            order.append(node)
            queue += sorted((n for n in weight[node] if n not in order), key=lambda n: (-weight[node][n], n))
        remaining = [n for n in remaining if n not in order]
    return order


def fig_deal_web(data: pd.DataFrame, *, ax: Axes | None = None) -> Figure:
    """Companies as nodes on a circle; each deal an edge between the parties.

    Parameters
    ----------
    data : DataFrame
        One row per edge: ``source`` and ``target`` (company names), ``headline_value_usd`` (USD; NaN when
        undisclosed, drawn at the thinnest width) and ``binding_status``. Several edges between the same
        pair are drawn as separate arcs.
    ax : Axes, optional

    Returns
    -------
    Figure

    Notes
    -----
    Edge width is proportional to the square root of the headline value (area-like scaling, so a $300bn
    deal does not drown a $10bn one). Binding deals are solid lines; conditional, non-binding and reported
    ones are dashed or dotted, in their class colour. Node size grows with the number of deals.
    """
    require_columns(data, ("source", "target", "headline_value_usd", "binding_status"), "deal web")
    edges = data[data["source"].astype(str) != data["target"].astype(str)]
    nodes = _circle_order(edges)
    angles = {n: math.pi / 2 - 2 * math.pi * i / max(len(nodes), 1) for i, n in enumerate(nodes)}
    pos = {n: (math.cos(a), math.sin(a)) for n, a in angles.items()}
    values = pd.to_numeric(edges["headline_value_usd"], errors="coerce").to_numpy(dtype=float)
    top = np.nanmax(values) if np.isfinite(values).any() else 1.0
    with style():
        fig, ax = new_axes(ax, (8, 8))
        _draw_edges(ax, edges, values, top, pos)
        _draw_nodes(ax, pos, _degrees(edges, nodes))
        ax.set_xlim(-1.55, 1.55)
        ax.set_ylim(-1.35, 1.35)
        ax.set_aspect("equal")
        ax.axis("off")
        ax.set_title("The deal web: who announced what with whom")
        _web_legend(ax, edges, top)
    return fig


def _degrees(edges: pd.DataFrame, nodes: list[str]) -> dict[str, int]:
    """The number of deals of each node."""
    degree = dict.fromkeys(nodes, 0)
    for s, t in zip(edges["source"].astype(str), edges["target"].astype(str), strict=True):
        degree[s] += 1
        degree[t] += 1
    return degree


def _edge_width(value: float, top: float) -> float:
    """Line width of an edge: the thinnest for an undisclosed value, else growing with sqrt(value / top)."""
    if not math.isfinite(value):
        return _MIN_WIDTH
    return _MIN_WIDTH + (_MAX_WIDTH - _MIN_WIDTH) * math.sqrt(value / top)


def _draw_edges(
    ax: Axes,
    edges: pd.DataFrame,
    values: np.ndarray[Any, Any],
    top: float,
    pos: dict[str, tuple[float, float]],
) -> None:
    """Each deal as an arc between its parties, styled by its binding class; the k-th deal between the
    same pair bends the other way, and further out, than the one before."""
    seen: dict[tuple[str, str], int] = {}
    for (s, t, status), value in zip(
        edges[["source", "target", "binding_status"]].astype(str).itertuples(index=False, name=None),
        values,
        strict=True,
    ):
        key = (min(s, t), max(s, t))
        k = seen.get(key, 0)
        seen[key] = k + 1
        rad = 0.12 * ((k + 1) // 2) * (1 if k % 2 else -1) if k else 0.06
        cls = binding_class(status)
        ax.add_patch(
            FancyArrowPatch(
                pos[s],
                pos[t],
                connectionstyle=f"arc3,rad={rad}",
                arrowstyle="-",
                linewidth=_edge_width(value, top),
                linestyle=_WEB_LINESTYLES[cls],
                color=CLASS_COLOURS[cls],
                alpha=0.85 if cls == "binding" else 0.6,
                zorder=2,
            )
        )


def _draw_nodes(ax: Axes, pos: dict[str, tuple[float, float]], degree: dict[str, int]) -> None:
    """Each company as a dot sized by its number of deals, named outside the circle."""
    for name, (x, y) in pos.items():
        ax.scatter([x], [y], s=60 + 40 * degree[name], color="#1a1a1a", zorder=3)
        ax.annotate(
            name,
            (x, y),
            xytext=(14 * x, 14 * y),
            textcoords="offset points",
            ha="left" if x > 0.15 else ("right" if x < -0.15 else "center"),
            va="bottom" if y > 0.15 else ("top" if y < -0.15 else "center"),
            fontsize=9.5,
            fontweight="bold",
        )


def _web_legend(ax: Axes, edges: pd.DataFrame, top: float) -> None:
    """A legend below the web: the binding classes present, and the width of the largest headline."""
    present = [c for c in BINDING_CLASSES if c in {binding_class(s) for s in edges["binding_status"]}]
    handles = [
        Line2D(
            [],
            [],
            color=CLASS_COLOURS[c],
            linestyle=_WEB_LINESTYLES[c],
            linewidth=2.5,
            label=CLASS_LABELS[c],
        )
        for c in present
    ]
    if math.isfinite(top) and top > 0:
        handles.append(
            Line2D([], [], color="#8c8c8c", linewidth=_MAX_WIDTH, label=f"${top / 1e9:,.0f}bn headline")
        )
    if handles:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncols=2, fontsize=8.5)
