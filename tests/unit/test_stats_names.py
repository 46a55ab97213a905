"""Statistics are named after their papers; result tables keep the test names of the output-file contract."""

from __future__ import annotations

from dealstudy import stats
from dealstudy.stats import AGGREGATE_TESTS, STATISTICS


def test_paper_names_and_table_names() -> None:
    assert stats.bmp is stats.boehmer_musumeci_poulsen
    assert AGGREGATE_TESTS["boehmer"] is stats.boehmer_musumeci_poulsen
    assert AGGREGATE_TESTS["corrado_sign"] is stats.corrado_zivney_sign
    assert AGGREGATE_TESTS["grank"] is stats.kolari_pynnonen_rank
    # the names other tools read in aggregate.csv (../shared/tools/check_outputs.py)
    assert set(AGGREGATE_TESTS) == {
        "t_test",
        "brown_warner_1980",
        "brown_warner_1985",
        "patell",
        "boehmer",
        "kolari_pynnonen",
        "sign",
        "generalized_sign",
        "corrado_rank",
        "corrado_sign",
        "wilcoxon",
        "grank",
    }
    for name, test in AGGREGATE_TESTS.items():  # each states its formula and cites its paper
        doc = test.__doc__ or ""
        assert "Notes" in doc, name
        assert "References" in doc, name


def test_one_table_of_statistics() -> None:
    assert [s.name for s in STATISTICS] == list(AGGREGATE_TESTS)  # the registry is derived, in order
    assert len({s.name for s in STATISTICS}) == len(STATISTICS)
    for s in STATISTICS:
        assert AGGREGATE_TESTS[s.name] is s.test
        assert getattr(stats, s.test.__name__) is s.test  # importable under its paper name
        for alias in s.aliases:
            assert getattr(stats, alias) is s.test, alias
        assert s.summary
    aliases = {alias: s.name for s in STATISTICS for alias in s.aliases}
    assert aliases == {
        "bmp": "boehmer",
        "boehmer": "boehmer",
        "corrado_sign": "corrado_sign",
        "grank": "grank",
    }
