"""The fast kernels of the aggregate tests, in one place.

:class:`PreparedPanel` (``prepared.py``) computes once per panel what several tests and windows share,
and keeps it in one explicit :class:`~dealstudy.stats._fast.caches.Caches`; the kernels beside it are
``ranks.py`` (row ranks and packed integer rank codes), ``colsums.py`` (weighted day sums of matrices
rebuilt from the codes), ``sign_counts.py`` (GRANK's sign counts by binary search), ``correlation.py``
(the mean pairwise correlation of Kolari and Pynnonen 2010), ``moments.py`` (the estimation residuals'
moments, from one pass), ``sample.py`` (the events of a window) and
``blocks.py`` (row blocks on threads). Each kernel is tested against the plain computation
(``tests/properties/test_stats_fast_properties.py``, ``tests/unit/test_stats_fast_kernels.py``).
"""

from dealstudy.stats._fast.blocks import masked_mean, row_blocks
from dealstudy.stats._fast.colsums import Matrix, Weight
from dealstudy.stats._fast.correlation import RBAR_EXACT_MAX_EVENTS, mean_pairwise_correlation
from dealstudy.stats._fast.prepared import PreparedPanel
from dealstudy.stats._fast.ranks import rank_rows, rank_rows_two
from dealstudy.stats._fast.sample import WindowSample

__all__ = [
    "RBAR_EXACT_MAX_EVENTS",
    "Matrix",
    "PreparedPanel",
    "Weight",
    "WindowSample",
    "masked_mean",
    "mean_pairwise_correlation",
    "rank_rows",
    "rank_rows_two",
    "row_blocks",
]
