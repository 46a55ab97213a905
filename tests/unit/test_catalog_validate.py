"""Catalog validation: one test per rule, each asserting the exact problem reported."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from dealstudy.catalog import validate_catalog
from dealstudy.errors import CatalogProblem

F = "amazon-openai-38b.yaml"
E = "amazon-openai-38b"


def base() -> dict[str, Any]:
    """A valid deal, as the mapping its YAML file holds."""
    return {
        "id": E,
        "title": "Amazon and OpenAI sign a seven-year AWS compute agreement worth $38B",
        "announced": dt.date(2025, 11, 3),
        "timing": "pre_market",
        "counterparty": "OpenAI",
        "kind": "cloud_contract",
        "securities": [{"ticker": "AMZN", "exchange": "XNAS", "role": "provider"}],
        "headline_value_usd": 38_000_000_000,
        "value_qualifier": "exact",
        "duration_years": 7,
        "binding_status": "definitive_contract",
        "binding_value_usd": 38_000_000_000,
        "binding_basis": "Signed agreement announced by both companies.",
        "sources": ["https://www.aboutamazon.com/news/aws/aws-open-ai"],
    }


def write(folder: Path, data: object, name: str = F) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")


def problems(tmp_path: Path, **changes: object) -> list[CatalogProblem]:
    """Problems of a catalog holding the base deal with ``changes`` (a value of ... deletes the key)."""
    data = base()
    for key, value in changes.items():
        if value is ...:
            del data[key]
        else:
            data[key] = value
    write(tmp_path, data)
    return validate_catalog(tmp_path)


def one(field: str, message: str, file: str = F, entry: str = E) -> list[CatalogProblem]:
    return [CatalogProblem(file, entry, field, message)]


def test_base_deal_is_valid(tmp_path: Path) -> None:
    assert problems(tmp_path) == []


def test_unknown_key(tmp_path: Path) -> None:
    assert problems(tmp_path, colour="red") == one("colour", "unknown key")


def test_unknown_key_suggests_close_match(tmp_path: Path) -> None:
    assert problems(tmp_path, timing_notes="x") == one(
        "timing_notes", "unknown key (did you mean 'timing_note'?)"
    )


def test_unknown_security_key(tmp_path: Path) -> None:
    securities = [{"ticker": "AMZN", "exchange": "XNAS", "role": "provider", "weight": 1}]
    assert problems(tmp_path, securities=securities) == one("securities[0].weight", "unknown key")


def test_missing_required_key(tmp_path: Path) -> None:
    assert problems(tmp_path, title=...) == one("title", "required key is missing")


def test_required_key_null(tmp_path: Path) -> None:
    assert problems(tmp_path, counterparty=None) == one("counterparty", "must not be null")


def test_wrong_type_text(tmp_path: Path) -> None:
    assert problems(tmp_path, title=5) == one("title", "expected text, got a number (5)")


def test_empty_text(tmp_path: Path) -> None:
    assert problems(tmp_path, title="  ") == one("title", "must not be empty")


def test_bool_is_not_a_number(tmp_path: Path) -> None:
    assert problems(tmp_path, duration_years=True) == one(
        "duration_years", "expected a number, got a boolean (true)"
    )


def test_number_written_as_text(tmp_path: Path) -> None:
    # YAML 1.1 reads 38e9 (no dot, unsigned exponent) as text, not a number.
    write(tmp_path, None)
    text = yaml.safe_dump(base(), sort_keys=False).replace(
        "headline_value_usd: 38000000000", "headline_value_usd: 38e9"
    )
    (tmp_path / F).write_text(text)
    assert validate_catalog(tmp_path) == one("headline_value_usd", "expected a number, got text ('38e9')")


def test_not_finite_number(tmp_path: Path) -> None:
    assert problems(tmp_path, duration_years=float("nan")) == one(
        "duration_years", "must be a finite number, got nan"
    )


def test_negative_value(tmp_path: Path) -> None:
    assert problems(tmp_path, headline_value_usd=-1) == one(
        "headline_value_usd", "must not be negative, got -1"
    )


def test_date_as_iso_text_is_accepted(tmp_path: Path) -> None:
    assert problems(tmp_path, announced="2025-11-03") == []


def test_bad_date_text(tmp_path: Path) -> None:
    assert problems(tmp_path, announced="03/11/2025") == one(
        "announced", "not a valid date: '03/11/2025' (use YYYY-MM-DD)"
    )


def test_impossible_unquoted_yaml_date(tmp_path: Path) -> None:
    # PyYAML's own loader would crash constructing 2025-13-45; ours reports it against the field.
    text = yaml.safe_dump(base(), sort_keys=False).replace("announced: 2025-11-03", "announced: 2025-13-45")
    write(tmp_path, None)
    (tmp_path / F).write_text(text)
    assert validate_catalog(tmp_path) == one("announced", "not a valid date: '2025-13-45' (use YYYY-MM-DD)")


def test_date_and_time_is_not_a_date(tmp_path: Path) -> None:
    stamp = dt.datetime(2025, 11, 3, 7, 0)
    assert problems(tmp_path, announced=stamp) == one(
        "announced", "expected a date (YYYY-MM-DD), got a date and time (2025-11-03T07:00:00)"
    )


@pytest.mark.parametrize(
    ("field", "value", "allowed"),
    [
        ("timing", "pre-market", "pre_market, intraday, after_close, non_trading_day, unknown"),
        ("value_qualifier", "approx", "exact, about, up_to, at_least, estimate"),
        ("confidence", "certain", "high, medium, low"),
    ],
)
def test_closed_sets(tmp_path: Path, field: str, value: str, allowed: str) -> None:
    assert problems(tmp_path, **{field: value}) == one(field, f"'{value}' is not one of: {allowed}")


def test_kind_outside_closed_set(tmp_path: Path) -> None:
    found = problems(tmp_path, kind="lease")
    assert found == one(
        "kind",
        "'lease' is not one of: cloud_contract, compute_purchase, chip_supply, equity_investment, "
        "funding_round, data_center_lease, partnership, restructuring, revision_report, filing_disclosure",
    )


def test_binding_status_outside_closed_set(tmp_path: Path) -> None:
    (problem,) = problems(tmp_path, binding_status="binding")
    assert problem.field == "binding_status"
    assert problem.message.startswith("'binding' is not one of: definitive_contract, contract_with_options, ")
    assert problem.message.endswith("media_report, disclosure_or_report")


def test_closed_set_wrong_type(tmp_path: Path) -> None:
    assert problems(tmp_path, confidence=3) == one(
        "confidence", "expected one of high, medium, low; got a number (3)"
    )


def test_security_timing_override_outside_closed_set(tmp_path: Path) -> None:
    securities = [{"ticker": "AMZN", "exchange": "XNAS", "role": "provider", "timing": "evening"}]
    assert problems(tmp_path, securities=securities) == one(
        "securities[0].timing",
        "'evening' is not one of: pre_market, intraday, after_close, non_trading_day, unknown",
    )


def test_bad_id_slug(tmp_path: Path) -> None:
    write(tmp_path, {**base(), "id": "Amazon_OpenAI"}, "Amazon_OpenAI.yaml")
    assert validate_catalog(tmp_path) == one(
        "id",
        "'Amazon_OpenAI' is not a valid id (lowercase letters, digits and hyphens; dots allowed inside, "
        "e.g. cipher-aws-5.5b)",
        file="Amazon_OpenAI.yaml",
        entry="Amazon_OpenAI",
    )


@pytest.mark.parametrize("good", ["cipher-aws-5.5b", "stargate-launch", "a", "oracle-8k-30b"])
def test_ids_with_inner_dots_are_valid(tmp_path: Path, good: str) -> None:
    write(tmp_path, {**base(), "id": good}, f"{good}.yaml")
    assert validate_catalog(tmp_path) == []


@pytest.mark.parametrize("bad", ["cipher-aws-5.", "-a", "a--b", "a-.b", "a b", "ä"])
def test_malformed_ids_are_refused(tmp_path: Path, bad: str) -> None:
    write(tmp_path, {**base(), "id": bad}, "x.yaml")
    fields = [p.field for p in validate_catalog(tmp_path)]
    assert fields == ["id"]


def test_file_name_differs_from_id(tmp_path: Path) -> None:
    write(tmp_path, base(), "amazon.yaml")
    assert validate_catalog(tmp_path) == one(
        "id",
        f"id '{E}' does not match the file name 'amazon.yaml' (the file must be named {E}.yaml)",
        file="amazon.yaml",
    )


def test_duplicate_ids(tmp_path: Path) -> None:
    write(tmp_path, base())
    write(tmp_path, base(), "copy.yaml")
    duplicates = [p for p in validate_catalog(tmp_path) if p.message.startswith("duplicate")]
    assert duplicates == [
        CatalogProblem(F, E, "id", f"duplicate id '{E}' (also in copy.yaml)"),
        CatalogProblem("copy.yaml", E, "id", f"duplicate id '{E}' (also in {F})"),
    ]


def test_non_https_source(tmp_path: Path) -> None:
    assert problems(tmp_path, sources=["http://example.com/a"]) == one(
        "sources[0]", "not an https URL: 'http://example.com/a'"
    )


def test_javascript_source(tmp_path: Path) -> None:
    assert problems(tmp_path, sources=["https://example.com/ok", "javascript:alert(1)"]) == one(
        "sources[1]", "javascript: URLs are not allowed: 'javascript:alert(1)'"
    )


def test_url_without_host(tmp_path: Path) -> None:
    assert problems(tmp_path, sources=["https:///path"]) == one(
        "sources[0]", "not a valid URL: 'https:///path'"
    )


def test_sources_required_non_empty(tmp_path: Path) -> None:
    assert problems(tmp_path, sources=[]) == one("sources", "at least one https source is required")


def test_estimated_value_source_must_be_https(tmp_path: Path) -> None:
    found = problems(tmp_path, estimated_value_usd=1e9, estimated_value_source="ftp://example.com/x")
    assert found == one("estimated_value_source", "not an https URL: 'ftp://example.com/x'")


def test_estimated_value_needs_source(tmp_path: Path) -> None:
    assert problems(tmp_path, estimated_value_usd=1e9) == one(
        "estimated_value_source", "required when estimated_value_usd is set"
    )


def test_binding_value_above_headline(tmp_path: Path) -> None:
    assert problems(tmp_path, binding_value_usd=40_000_000_000) == one(
        "binding_value_usd", "binding value (40,000,000,000) exceeds the headline value (38,000,000,000)"
    )


def test_binding_value_needs_basis(tmp_path: Path) -> None:
    assert problems(tmp_path, binding_basis=...) == one(
        "binding_basis", "required when binding_value_usd is set"
    )


def test_zero_binding_value_is_fine_for_an_loi(tmp_path: Path) -> None:
    assert problems(tmp_path, binding_status="non_binding_loi", binding_value_usd=0) == []


def test_related_id_must_exist(tmp_path: Path) -> None:
    assert problems(tmp_path, related=["amazon-openai-walkback"]) == one(
        "related[0]", "unknown deal id 'amazon-openai-walkback'"
    )


def test_related_to_itself(tmp_path: Path) -> None:
    assert problems(tmp_path, related=[E]) == one("related[0]", "a deal cannot be related to itself")


def test_related_to_existing_deal(tmp_path: Path) -> None:
    write(tmp_path, {**base(), "id": "other-deal"}, "other-deal.yaml")
    assert problems(tmp_path, related=["other-deal"]) == []


def test_ticker_listed_twice(tmp_path: Path) -> None:
    securities = [
        {"ticker": "AMZN", "exchange": "XNAS", "role": "provider"},
        {"ticker": "NVDA", "exchange": "XNAS", "role": "read-across"},
        {"ticker": "AMZN", "exchange": "XNAS", "role": "investor"},
    ]
    assert problems(tmp_path, securities=securities) == one(
        "securities[2].ticker", "ticker 'AMZN' is listed more than once (also securities[0])"
    )


def test_exchange_must_be_a_mic(tmp_path: Path) -> None:
    securities = [{"ticker": "AMZN", "exchange": "NASDAQ", "role": "provider"}]
    assert problems(tmp_path, securities=securities) == one(
        "securities[0].exchange",
        "'NASDAQ' is not an ISO 10383 MIC (four uppercase letters, e.g. XNYS, XNAS, XTKS, XKRX)",
    )


def test_security_must_be_a_mapping(tmp_path: Path) -> None:
    assert problems(tmp_path, securities=["AMZN"]) == one(
        "securities[0]", "expected a mapping with ticker, exchange and role, got text ('AMZN')"
    )


def test_securities_null(tmp_path: Path) -> None:
    assert problems(tmp_path, securities=None) == one(
        "securities", "must be a list (write [] when no listed company is affected)"
    )


def test_securities_may_be_empty(tmp_path: Path) -> None:
    assert problems(tmp_path, securities=[]) == []


def test_announced_at_needs_offset(tmp_path: Path) -> None:
    assert problems(tmp_path, announced_at="2025-11-03T07:00:00") == one(
        "announced_at", "'2025-11-03T07:00:00' has no UTC offset (write e.g. 2025-11-03T07:00:00-05:00)"
    )


def test_announced_at_unquoted_yaml_timestamp_with_offset_is_accepted(tmp_path: Path) -> None:
    text = yaml.safe_dump(base(), sort_keys=False) + "announced_at: 2025-11-03T07:00:00-05:00\n"
    write(tmp_path, None)
    (tmp_path / F).write_text(text)
    assert validate_catalog(tmp_path) == []


def test_announced_at_far_from_announced(tmp_path: Path) -> None:
    assert problems(tmp_path, announced_at="2025-11-06T07:00:00-05:00") == one(
        "announced_at", "is 2025-11-06 in US Eastern time, more than one day from announced (2025-11-03)"
    )


def test_announced_at_within_a_day_is_fine(tmp_path: Path) -> None:
    # 08:00 in Tokyo on 4 November is 18:00 ET on 3 November; a day either side is tolerated.
    assert problems(tmp_path, announced_at="2025-11-04T08:00:00+09:00") == []
    assert problems(tmp_path, announced_at="2025-11-04T23:00:00-05:00") == []


def test_announced_at_not_a_time(tmp_path: Path) -> None:
    assert problems(tmp_path, announced_at="soon") == one(
        "announced_at", "not a valid date and time: 'soon' (use e.g. 2025-11-03T07:00:00-05:00)"
    )


def test_list_field_wrong_type(tmp_path: Path) -> None:
    assert problems(tmp_path, confounders="earnings") == one(
        "confounders", "expected a list, got text ('earnings')"
    )


def test_yaml_syntax_error_names_file_and_line(tmp_path: Path) -> None:
    tmp_path.joinpath(F).write_text("id: x\ntitle: [unclosed\ntiming: pre_market\n")
    (problem,) = validate_catalog(tmp_path)
    assert (problem.file, problem.entry, problem.field) == (F, "", "")
    assert problem.message.startswith("YAML syntax error at line 3, column ")


def test_yaml_duplicate_key(tmp_path: Path) -> None:
    text = yaml.safe_dump(base(), sort_keys=False) + "title: again\n"
    tmp_path.joinpath(F).write_text(text)
    lines = len(text.splitlines())
    assert validate_catalog(tmp_path) == [
        CatalogProblem(
            F,
            "",
            "",
            f"YAML syntax error at line {lines}, column 1: "
            "duplicate key 'title' (a key may appear only once)",
        )
    ]


def test_empty_file(tmp_path: Path) -> None:
    tmp_path.joinpath(F).write_text("")
    assert validate_catalog(tmp_path) == [CatalogProblem(F, "", "", "file is empty")]


def test_top_level_list(tmp_path: Path) -> None:
    tmp_path.joinpath(F).write_text("- a\n- b\n")
    assert validate_catalog(tmp_path) == [CatalogProblem(F, "", "", "expected a mapping of keys, got a list")]


def test_not_utf8(tmp_path: Path) -> None:
    tmp_path.joinpath(F).write_bytes(b"id: caf\xe9\n")
    assert validate_catalog(tmp_path) == [
        CatalogProblem(F, "", "", "not UTF-8 text (invalid byte at offset 7)")
    ]


def test_yml_extension(tmp_path: Path) -> None:
    write(tmp_path, base(), f"{E}.yml")
    assert validate_catalog(tmp_path) == [
        CatalogProblem(f"{E}.yml", "", "", "catalog files must end in .yaml, not .yml")
    ]


def test_missing_folder(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    assert validate_catalog(missing) == [
        CatalogProblem(str(missing), "", "", "catalog folder does not exist or is not a folder")
    ]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    found = problems(tmp_path, title=..., timing="soon", sources=["http://a.example"], colour=1)
    assert [p.field for p in found] == ["colour", "title", "timing", "sources[0]"]


def test_reference_to_a_broken_deal_is_not_reported_as_unknown(tmp_path: Path) -> None:
    write(tmp_path, {**base(), "id": "broken", "timing": "soon"}, "broken.yaml")
    found = problems(tmp_path, related=["broken"])
    assert [(p.file, p.field) for p in found] == [("broken.yaml", "timing")]


# ------------------------------------------------------------------------------------------ counterparties
def figure(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "metric": "compute_commitments_usd",
        "value_usd": 1_400_000_000_000,
        "qualifier": "about",
        "stated": dt.date(2025, 11, 6),
        "horizon_years": 8,
        "source": "https://example.com/altman",
    }
    data.update(changes)
    return data


def counterparties(tmp_path: Path, entries: list[object]) -> list[CatalogProblem]:
    write(tmp_path, {"counterparties": entries}, "counterparties.yaml")
    return validate_catalog(tmp_path)


def test_counterparties_valid(tmp_path: Path) -> None:
    from dealstudy.catalog import load_catalog

    assert counterparties(tmp_path, [{"name": "OpenAI", "listed": False, "figures": [figure()]}]) == []
    (openai,) = load_catalog(tmp_path).counterparties
    assert openai.figures[0].value_usd == 1.4e12
    assert openai.figures[0].horizon_years == 8


def test_counterparty_unique_names(tmp_path: Path) -> None:
    assert counterparties(tmp_path, [{"name": "OpenAI"}, {"name": "OpenAI"}]) == [
        CatalogProblem(
            "counterparties.yaml", "OpenAI", "name", "duplicate counterparty name (also counterparties[0])"
        )
    ]


def test_counterparty_unknown_metric(tmp_path: Path) -> None:
    found = counterparties(tmp_path, [{"name": "OpenAI", "figures": [figure(metric="users")]}])
    assert found == [
        CatalogProblem(
            "counterparties.yaml",
            "OpenAI",
            "figures[0].metric",
            "'users' is not one of: "
            "revenue_run_rate_usd, revenue_usd, compute_commitments_usd, valuation_usd",
        )
    ]


def test_counterparty_figure_source_https(tmp_path: Path) -> None:
    found = counterparties(tmp_path, [{"name": "OpenAI", "figures": [figure(source="javascript:x")]}])
    assert found == [
        CatalogProblem(
            "counterparties.yaml",
            "OpenAI",
            "figures[0].source",
            "javascript: URLs are not allowed: 'javascript:x'",
        )
    ]


def test_counterparty_figure_missing_keys_and_bad_types(tmp_path: Path) -> None:
    found = counterparties(
        tmp_path, [{"name": "OpenAI", "listed": "no", "figures": [{"metric": "revenue_usd"}]}]
    )
    assert [(p.field, p.message) for p in found] == [
        ("listed", "expected true or false, got text ('no')"),
        ("figures[0].value_usd", "required key is missing"),
        ("figures[0].stated", "required key is missing"),
        ("figures[0].source", "required key is missing"),
    ]


def test_counterparties_top_level(tmp_path: Path) -> None:
    write(tmp_path, {"parties": []}, "counterparties.yaml")
    assert [(p.field, p.message) for p in validate_catalog(tmp_path)] == [
        ("parties", "unknown key"),
        ("counterparties", "required key is missing"),
    ]


def test_counterparty_without_entry_is_not_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"counterparties": [{"name": "Anthropic"}]}, "counterparties.yaml")
    assert problems(tmp_path, counterparty="Some Private Lab") == []


def test_yaml_timestamp_the_constructor_cannot_build_is_reported_as_text(tmp_path: Path) -> None:
    # Found by hypothesis: PyYAML's resolver accepts an offset with seconds, its constructor crashes on it.
    text = yaml.safe_dump(base(), sort_keys=False).replace(
        "announced: 2025-11-03", "announced: 1912-01-01 00:00:00-00:16:08"
    )
    (tmp_path / F).write_text(text)
    assert validate_catalog(tmp_path) == one(
        "announced", "not a valid date: '1912-01-01 00:00:00-00:16:08' (use YYYY-MM-DD)"
    )


def test_exchange_contradicts_ticker_suffix(tmp_path: Path) -> None:
    securities = [{"ticker": "9984.T", "exchange": "XNAS", "role": "investor"}]
    assert problems(tmp_path, securities=securities) == one(
        "securities[0].exchange", "ticker '9984.T' has Yahoo suffix .T, which trades on XTKS, not XNAS"
    )


def test_us_ticker_on_a_foreign_exchange(tmp_path: Path) -> None:
    securities = [{"ticker": "AMZN", "exchange": "XTKS", "role": "provider"}]
    assert problems(tmp_path, securities=securities) == one(
        "securities[0].exchange",
        "ticker 'AMZN' has no Yahoo exchange suffix (a US listing) but exchange is XTKS",
    )


@pytest.mark.parametrize(
    ("ticker", "exchange"),
    [("000660.KS", "XKRX"), ("9984.T", "XTKS"), ("BRK.B", "XNYS"), ("AMZN", "XNYS"), ("SAP.XX", "XETR")],
)
def test_consistent_listings_pass(tmp_path: Path, ticker: str, exchange: str) -> None:
    securities = [{"ticker": ticker, "exchange": exchange, "role": "provider"}]
    assert problems(tmp_path, securities=securities) == []


def test_unknown_nested_key_suggests_the_nested_models_key(tmp_path: Path) -> None:
    securities = [{"tickr": "AMZN", "exchange": "XNAS", "role": "provider"}]
    assert [(p.field, p.message) for p in problems(tmp_path, securities=securities)] == [
        ("securities[0].tickr", "unknown key (did you mean 'ticker'?)"),
        ("securities[0].ticker", "required key is missing"),
    ]


def test_problems_in_several_fields_and_rules_at_once(tmp_path: Path) -> None:
    # A rule (binding above headline) is reported beside type problems of unrelated fields.
    found = problems(tmp_path, binding_value_usd=40_000_000_000, kind="lease", notes=5)
    assert [p.field for p in found] == ["kind", "binding_value_usd", "notes"]
