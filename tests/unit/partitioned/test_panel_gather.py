"""The partitions' panels placed in input order as they arrive (``PanelGather``): the same panel as stacking
every piece and reordering, with the rows of events that are not ok left out, in place; its ``var_ar`` is
not gathered (NaN, one row repeated without memory, also in its group subsets), and the aggregate table is
the one of the panel with its variances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealstudy.pipeline.panel_gather import PanelGather
from dealstudy.stats import EventPanel, aggregate_table
from dealstudy.stats.simulate import market_model_panel

_ROW_FIELDS = ("ar", "sigma", "nobs", "dof", "car_var", "groups")


def _gathered(whole: EventPanel, rng: np.random.Generator) -> EventPanel:
    """``whole`` sent through a gather in four pieces of scattered rows, among 80 input events."""
    ids = [f"e{i}" for i in range(80)]  # 80 input events; 20 of them are not ok (no panel row)
    ok = np.sort(rng.choice(80, size=60, replace=False))
    events = pd.DataFrame({"event_id": ids})
    shuffled = rng.permutation(60)
    gather = PanelGather(events)
    for piece_rows in np.array_split(shuffled, 4):  # pieces with rows scattered over the input order
        mask = np.zeros(60, dtype=bool)
        mask[piece_rows] = True
        piece = whole.subset(mask)  # rows of the piece, ascending
        gather.add(piece, tuple(ids[ok[r]] for r in np.flatnonzero(mask)))
    panel, got_ids = gather.panel()
    assert got_ids == tuple(ids[e] for e in ok)
    return panel


def test_pieces_in_any_order_give_the_panel_in_input_order() -> None:
    rng = np.random.default_rng(7)
    whole = market_model_panel(rng, 60, missing=0.05, groups=("a", "b", "c"))
    panel = _gathered(whole, rng)
    for name in _ROW_FIELDS:
        np.testing.assert_array_equal(getattr(panel, name), getattr(whole, name))
    assert panel.ar.shape == whole.ar.shape
    assert panel.ar.flags.c_contiguous
    assert panel.windows == whole.windows
    np.testing.assert_array_equal(panel.rel_days, whole.rel_days)
    assert panel.var_ar.shape == whole.var_ar.shape
    assert np.isnan(panel.var_ar).all()
    assert panel.var_ar.strides[0] == 0  # one row: no memory per event


def test_the_gathered_panel_gives_the_same_aggregate_table_and_its_groups_share_the_variance_row() -> None:
    rng = np.random.default_rng(11)
    whole = market_model_panel(rng, 60, missing=0.05, groups=("a", "b", "c"))
    panel = _gathered(whole, rng)
    group = panel.subset(panel.groups == "b")
    assert np.shares_memory(group.var_ar, panel.var_ar)  # the group subset does not copy it
    assert group.var_ar.shape == (int((panel.groups == "b").sum()), panel.var_ar.shape[1])
    expected, got = aggregate_table(whole), aggregate_table(panel)
    assert set(got["group"]) == {"all", "a", "b", "c"}
    pd.testing.assert_frame_equal(got, expected, check_exact=True)


def test_a_gather_without_pieces_is_an_error() -> None:
    with pytest.raises(ValueError, match="no panel"):
        PanelGather(pd.DataFrame({"event_id": ["x"]})).panel()
