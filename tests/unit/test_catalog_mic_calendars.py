"""The MIC check of the catalog: long-standing exchanges without importing exchange_calendars, the rest
looked up in the installed library."""

from __future__ import annotations

import subprocess
import sys

import exchange_calendars

from dealstudy.catalog.rules import LONG_STANDING_CALENDARS, US_MICS, mic_problem


def test_every_long_standing_calendar_is_in_the_installed_library() -> None:
    names = set(exchange_calendars.get_calendar_names(include_aliases=True))
    assert names >= LONG_STANDING_CALENDARS
    assert not LONG_STANDING_CALENDARS & set(US_MICS)


def test_the_shipped_catalog_exchanges_are_checked_without_the_library() -> None:
    code = (
        "import sys\n"
        "from dealstudy.catalog.rules import mic_problem\n"
        "assert [mic_problem(m) for m in ('XNAS', 'XNYS', 'XTKS', 'XKRX')] == [None] * 4\n"
        "print('exchange_calendars' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


def test_other_exchanges_are_looked_up_in_the_library() -> None:
    assert "XMAD" not in LONG_STANDING_CALENDARS
    assert mic_problem("XMAD") is None  # Madrid: a calendar of the installed library
    assert mic_problem("XQQQ") == (
        "'XQQQ' is not an exchange with a known trading calendar (e.g. XNYS, XNAS, XTKS, XKRX, XLON)"
    )
    assert mic_problem("xtks") is not None
