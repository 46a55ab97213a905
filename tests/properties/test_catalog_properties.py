"""Properties of the catalog loader: no input makes it raise anything but CatalogError; deals round trip."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealstudy.catalog import (
    BINDING_STATUSES,
    DEAL_KINDS,
    TIMINGS,
    VALUE_QUALIFIERS,
    Deal,
    Security,
    deal_to_yaml,
    load_catalog,
    parse_deal,
)
from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.catalog.rules import EARLIEST_DATE, latest_date
from dealstudy.errors import CatalogError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

BASE: dict[str, Any] = {
    "id": "amazon-openai-38b",
    "title": "Amazon and OpenAI",
    "announced": dt.date(2025, 11, 3),
    "timing": "pre_market",
    "counterparty": "OpenAI",
    "kind": "cloud_contract",
    "securities": [{"ticker": "AMZN", "exchange": "XNAS", "role": "provider"}],
    "headline_value_usd": 38_000_000_000,
    "binding_status": "definitive_contract",
    "binding_value_usd": 38_000_000_000,
    "binding_basis": "Signed.",
    "related": [],
    "sources": ["https://example.com/a"],
}

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.dates(),
    st.datetimes(
        timezones=st.none()
        | st.just(dt.UTC)
        | st.builds(dt.timezone, st.timedeltas(dt.timedelta(hours=-23), dt.timedelta(hours=23)))
    ),
    st.sampled_from(
        [*TIMINGS, *DEAL_KINDS, *BINDING_STATUSES, "https://x.example/a", "javascript:x", "XNAS"]
    ),
)
values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.text(max_size=12) | st.sampled_from(list(BASE)), inner, max_size=5)
    ),
    max_leaves=20,
)


def assert_only_catalog_errors(files: dict[str, bytes]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        for name, data in files.items():
            Path(folder, name).write_bytes(data)
        try:
            catalog = load_catalog(folder)
        except CatalogError as exc:  # the only exception allowed
            problems = exc.problems
        else:
            problems = None
            assert len(catalog.deals) <= len(files)
    if problems is not None:
        assert problems, "a CatalogError must carry at least one problem"
        assert all(problem.message for problem in problems)


@SETTINGS
@given(st.text(max_size=300))
def test_random_text_only_raises_catalog_error(text: str) -> None:
    assert_only_catalog_errors({"amazon-openai-38b.yaml": text.encode("utf-8", "surrogatepass")})


@SETTINGS
@given(st.binary(max_size=200))
def test_random_bytes_only_raise_catalog_error(data: bytes) -> None:
    assert_only_catalog_errors({"amazon-openai-38b.yaml": data, "counterparties.yaml": data})


@SETTINGS
@given(values)
def test_random_structures_only_raise_catalog_error(value: object) -> None:
    text = yaml.safe_dump(value)
    assert_only_catalog_errors(
        {"amazon-openai-38b.yaml": text.encode(), "counterparties.yaml": text.encode()}
    )


@SETTINGS
@given(
    st.dictionaries(
        st.sampled_from([*BASE, "notes", "announced_at", "confidence", "extra"]), values, max_size=6
    )
)
def test_mutated_deals_only_raise_catalog_error(changes: dict[str, object]) -> None:
    text = yaml.safe_dump({**BASE, **changes}, sort_keys=False)
    counterparties = yaml.safe_dump({"counterparties": [{"name": "OpenAI", "figures": [changes]}]})
    assert_only_catalog_errors(
        {"amazon-openai-38b.yaml": text.encode(), "counterparties.yaml": counterparties.encode()}
    )


plain_text = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=120).filter(
    lambda s: s.strip() == s and s != ""
)
amounts = (
    st.none() | st.floats(min_value=0, max_value=1e13, allow_nan=False) | st.integers(0, 10**13).map(float)
)
slugs = st.from_regex(r"[a-z0-9]{1,6}(-[a-z0-9]{1,5}(\.[a-z0-9]{1,3})?){0,3}", fullmatch=True)
tickers = st.from_regex(r"[A-Z0-9]{1,5}", fullmatch=True) | st.from_regex(r"[0-9]{4}\.T", fullmatch=True)


@st.composite
def deals(draw: st.DrawFn) -> Deal:
    headline = draw(amounts)
    binding = draw(amounts)
    if headline is not None and binding is not None and binding > headline:
        binding = headline
    estimated = draw(amounts)
    announced = draw(st.dates(EARLIEST_DATE, latest_date()))
    offset = dt.timezone(dt.timedelta(minutes=draw(st.integers(-10 * 60, 12 * 60))))
    at = draw(
        st.none() | st.just(dt.datetime.combine(announced, dt.time(12, 0), tzinfo=dt.UTC).astimezone(offset))
    )
    unique_tickers = draw(st.lists(tickers, max_size=3, unique=True))
    return Deal(
        id=draw(slugs),
        title=draw(plain_text),
        announced=announced,
        timing=draw(st.sampled_from(TIMINGS)),  # type: ignore[arg-type]
        counterparty=draw(plain_text),
        kind=draw(st.sampled_from(DEAL_KINDS)),  # type: ignore[arg-type]
        binding_status=draw(st.sampled_from(BINDING_STATUSES)),  # type: ignore[arg-type]
        securities=tuple(
            Security(
                t,
                draw(plain_text),
                "XTKS" if t.endswith(".T") else "XNAS",
                draw(st.none() | plain_text),
                draw(st.none() | st.sampled_from(TIMINGS)),
            )  # type: ignore[arg-type]
            for t in unique_tickers
        ),
        sources=tuple(
            draw(
                st.lists(
                    st.sampled_from(["https://a.example/x?y=1#z", "https://b.example/"]),
                    min_size=1,
                    max_size=2,
                )
            )
        ),
        announced_at=at,
        timing_note=draw(st.none() | plain_text),
        headline_value_usd=headline,
        value_qualifier=draw(st.none() | st.sampled_from(VALUE_QUALIFIERS)),  # type: ignore[arg-type]
        value_text=draw(st.none() | plain_text),
        duration_years=draw(st.none() | st.floats(0, 50)),
        estimated_value_usd=estimated,
        estimated_value_source="https://est.example/a" if estimated is not None else None,
        binding_value_usd=binding,
        binding_basis=draw(plain_text) if binding is not None else draw(st.none() | plain_text),
        confounders=tuple(draw(st.lists(plain_text, max_size=2))),
        notes=draw(st.none() | plain_text),
        confidence=draw(st.none() | st.sampled_from(["high", "medium", "low"])),  # type: ignore[arg-type]
    )


@SETTINGS
@given(deals())
def test_deal_yaml_round_trip(deal: Deal) -> None:
    data, problems = load_yaml_text(deal_to_yaml(deal), f"{deal.id}.yaml")
    assert problems == []
    back, problems = parse_deal(data, f"{deal.id}.yaml")
    assert problems == []
    assert back == deal
