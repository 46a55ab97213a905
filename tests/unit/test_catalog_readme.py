"""events/README.md documents what the code accepts: every key, every closed-set value, the CSV header."""

from __future__ import annotations

from pathlib import Path

import pytest

from dealstudy.catalog import (
    BINDING_STATUSES,
    CONFIDENCES,
    CSV_COLUMNS,
    DEAL_KINDS,
    FIGURE_METRICS,
    REQUIRED_CSV_COLUMNS,
    TIMINGS,
    VALUE_QUALIFIERS,
)
from dealstudy.catalog.validate import COUNTERPARTY_KEYS, DEAL_KEYS, FIGURE_KEYS, SECURITY_KEYS

README = Path(__file__).resolve().parents[2] / "events" / "README.md"


@pytest.fixture(scope="module")
def text() -> str:
    return README.read_text(encoding="utf-8")


def test_csv_header_matches_the_importer(text: str) -> None:
    assert ",".join(CSV_COLUMNS) in text.splitlines()
    assert ", ".join(REQUIRED_CSV_COLUMNS).replace(", ticker", ", ticker\n").split("\n")[0] in text.replace(
        "\n", " "
    )


@pytest.mark.parametrize(
    "word",
    [
        *DEAL_KEYS,
        *SECURITY_KEYS,
        *COUNTERPARTY_KEYS,
        *FIGURE_KEYS,
        *TIMINGS,
        *DEAL_KINDS,
        *BINDING_STATUSES,
        *VALUE_QUALIFIERS,
        *CONFIDENCES,
        *FIGURE_METRICS,
    ],
)
def test_every_key_and_closed_set_value_is_documented(text: str, word: str) -> None:
    assert f"`{word}`" in text
