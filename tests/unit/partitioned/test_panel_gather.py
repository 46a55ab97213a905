"""The partitions' panels placed in input order as they arrive (``PanelGather``): the same panel as stacking
every piece and reordering, with the rows of events that are not ok left out, in place."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dealstudy.pipeline.panel_gather import PanelGather
from dealstudy.stats.simulate import market_model_panel

_ROW_FIELDS = ("ar", "var_ar", "sigma", "nobs", "dof", "car_var", "groups")


def test_pieces_in_any_order_give_the_panel_in_input_order() -> None:
    rng = np.random.default_rng(7)
    whole = market_model_panel(rng, 60, missing=0.05, groups=("a", "b", "c"))
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
    for name in _ROW_FIELDS:
        np.testing.assert_array_equal(getattr(panel, name), getattr(whole, name))
    assert panel.ar.shape == whole.ar.shape
    assert panel.ar.flags.c_contiguous
    assert panel.windows == whole.windows
    np.testing.assert_array_equal(panel.rel_days, whole.rel_days)


def test_a_gather_without_pieces_is_an_error() -> None:
    with pytest.raises(ValueError, match="no panel"):
        PanelGather(pd.DataFrame({"event_id": ["x"]})).panel()
