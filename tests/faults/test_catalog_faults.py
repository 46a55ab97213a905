"""Catalog faults: each bad input exits with code 2, naming file, deal and field, and changes no file.

Every case runs ``dealstudy events validate`` (and where it writes, ``events add``) in-process through the
console script's ``main()``, the way a user meets it. The last test fuzzes the loader with hypothesis.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dealstudy.catalog import TIMINGS, validate_catalog
from dealstudy.catalog._yaml import load_yaml_text
from dealstudy.catalog.rules import EARLIEST_DATE, MAX_FILE_BYTES, https_url, latest_date
from dealstudy.cli import main
from dealstudy.errors import CatalogProblem

FILE = "amazon-openai-38b.yaml"
DEAL = "amazon-openai-38b"


def base(**changes: object) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": DEAL,
        "title": "Amazon and OpenAI sign a seven-year AWS compute agreement worth $38B",
        "announced": dt.date(2025, 11, 3),
        "timing": "pre_market",
        "counterparty": "OpenAI",
        "kind": "cloud_contract",
        "securities": [{"ticker": "AMZN", "exchange": "XNAS", "role": "provider"}],
        "headline_value_usd": 38_000_000_000,
        "binding_status": "definitive_contract",
        "binding_value_usd": 38_000_000_000,
        "binding_basis": "Signed agreement.",
        "sources": ["https://www.aboutamazon.com/news/aws/aws-open-ai"],
    }
    data.update(changes)
    return data


def write(folder: Path, data: object, name: str = FILE) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def run_cli(*args: str) -> tuple[int, str, str]:
    """``dealstudy ARGS`` in-process; an exception other than SystemExit (a traceback) fails the test."""
    out, err = io.StringIO(), io.StringIO()
    argv = sys.argv
    sys.argv = ["dealstudy", *args]
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    finally:
        sys.argv = argv
    return code, out.getvalue(), err.getvalue()


def refused(folder: Path, where: str) -> str:
    """Validate ``folder``: exit 2, ``where`` (file [deal] field) in the message, and every file unchanged."""
    before = snapshot(folder)
    code, out, err = run_cli("events", "validate", "--catalog", str(folder))
    assert (code, out) == (2, "")
    assert where in err
    assert "Traceback" not in err
    assert snapshot(folder) == before
    return err


# ------------------------------------------------------------------------------------------------ dates
@pytest.mark.parametrize("announced", ["2999-01-04", "0001-01-01", "1989-12-31"])
def test_announced_outside_the_catalog_range(tmp_path: Path, announced: str) -> None:
    text = yaml.safe_dump(base(), sort_keys=False).replace("announced: 2025-11-03", f"announced: {announced}")
    (tmp_path / FILE).write_text(text)
    refused(tmp_path, f"{FILE} [{DEAL}] announced: {announced} is outside the catalog's range 1990-01-01")


def test_announced_range_bounds_are_inclusive(tmp_path: Path) -> None:
    write(tmp_path, base(announced=EARLIEST_DATE))
    write(tmp_path, base(id="late", announced=latest_date()), "late.yaml")
    assert validate_catalog(tmp_path) == []
    write(tmp_path, base(id="late", announced=latest_date() + dt.timedelta(days=1)), "late.yaml")
    assert [(p.file, p.field) for p in validate_catalog(tmp_path)] == [("late.yaml", "announced")]


def test_month_only_date_out_of_range(tmp_path: Path) -> None:
    write(tmp_path, base(announced="2999-01", timing="unknown"))
    refused(tmp_path, f"{FILE} [{DEAL}] announced: 2999-01-01 is outside the catalog's range")


def test_press_claim_and_figure_dates_in_range(tmp_path: Path) -> None:
    claim = {"amount_usd": 1e9, "basis": "intraday", "source": "https://example.com/a", "date": "1900-01-01"}
    write(tmp_path, base(press_claims=[claim]))
    figure = {
        "metric": "revenue_usd",
        "value_usd": 1,
        "stated": "3000-01-01",
        "source": "https://example.com/b",
    }
    write(tmp_path, {"counterparties": [{"name": "OpenAI", "figures": [figure]}]}, "counterparties.yaml")
    err = refused(tmp_path, f"{FILE} [{DEAL}] press_claims[0].date: 1900-01-01 is outside")
    assert "counterparties.yaml [OpenAI] figures[0].stated: 3000-01-01 is outside" in err


# ---------------------------------------------------------------------------------------------- tickers
@pytest.mark.parametrize(
    "ticker", ["../../etc/passwd", "<script>", "amzn", "A" * 5000, "AMZN.", "-AMZN", "A B"]
)
def test_ticker_must_be_a_yahoo_symbol(tmp_path: Path, ticker: str) -> None:
    write(tmp_path, base(securities=[{"ticker": ticker, "exchange": "XNAS", "role": "provider"}]))
    err = refused(tmp_path, f"{FILE} [{DEAL}] securities[0].ticker: '")
    assert "is not a Yahoo Finance symbol" in err
    assert len(err) < 1000  # a 5,000-character ticker is shortened in the message


@pytest.mark.parametrize("ticker", ["AMZN", "BRK-B", "BRK.B", "9984.T", "000660.KS", "0700.HK"])
def test_yahoo_symbols_pass(tmp_path: Path, ticker: str) -> None:
    exchange = {"T": "XTKS", "KS": "XKRX", "HK": "XHKG"}.get(ticker.rpartition(".")[2], "XNYS")
    write(tmp_path, base(securities=[{"ticker": ticker, "exchange": exchange, "role": "provider"}]))
    assert validate_catalog(tmp_path) == []


def test_unknown_mic(tmp_path: Path) -> None:
    write(tmp_path, base(securities=[{"ticker": "AMZN", "exchange": "XQQQ", "role": "provider"}]))
    err = refused(tmp_path, f"{FILE} [{DEAL}] securities[0].exchange: 'XQQQ' is not an exchange")
    assert "known trading calendar" in err


def test_add_refuses_a_bad_ticker_and_writes_nothing(tmp_path: Path) -> None:
    write(tmp_path, base())
    before = snapshot(tmp_path)
    code, _, err = run_cli(
        "events", "add", "--catalog", str(tmp_path), "--id", "new-deal", "--title", "T",
        "--announced", "2025-11-04", "--timing", "pre_market", "--counterparty", "X", "--kind", "partnership",
        "--binding-status", "media_report", "--security", "../x:XNAS:provider",
        "--source", "https://example.com/a",
    )  # fmt: skip
    assert code == 2
    assert "<options> [new-deal] securities[0].ticker: '../x' is not a Yahoo Finance symbol" in err
    assert snapshot(tmp_path) == before


# ------------------------------------------------------------------------------------------- file size
def test_huge_file_is_refused_without_being_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, base())
    big = tmp_path / "huge.yaml"
    with big.open("wb") as handle:  # a sparse 50 MB file: instant to create
        handle.truncate(50 * 1024 * 1024)
    parsed: list[str] = []
    real = load_yaml_text

    def spy(text: str, file: str) -> tuple[object, list[CatalogProblem]]:
        parsed.append(file)
        return real(text, file)

    monkeypatch.setattr("dealstudy.catalog.validate.load_yaml_text", spy)
    refused(tmp_path, "huge.yaml: file is 52,428,800 bytes; a catalog file may hold at most 1,000,000")
    assert "huge.yaml" not in parsed
    assert FILE in parsed  # the other files are still checked


def test_size_limit_is_exact(tmp_path: Path) -> None:
    text = yaml.safe_dump(base(), sort_keys=False)
    padded = text + "#" * (MAX_FILE_BYTES - len(text.encode()) - 1) + "\n"
    (tmp_path / FILE).write_text(padded)
    assert validate_catalog(tmp_path) == []
    (tmp_path / FILE).write_text(padded + "\n")
    assert [p.message.split(";")[0] for p in validate_catalog(tmp_path)] == ["file is 1,000,001 bytes"]


# ------------------------------------------------------------------------------------------- cross-file
def test_cross_file_checks_run_for_a_deal_that_fails_its_own(tmp_path: Path) -> None:
    write(tmp_path, base())
    broken = base(
        timing="soon", related=["ghost-deal"], overlaps=[{"deal": "phantom", "relation": "restates"}]
    )
    write(tmp_path, broken, "copy.yaml")  # same id as the good deal, wrong file name, unknown references
    found = [(p.file, p.entry, p.field, p.message.split(" (")[0]) for p in validate_catalog(tmp_path)]
    assert found == [
        (FILE, DEAL, "id", f"duplicate id '{DEAL}'"),
        ("copy.yaml", DEAL, "timing", "'soon' is not one of: " + ", ".join(TIMINGS)),
        ("copy.yaml", DEAL, "id", f"id '{DEAL}' does not match the file name 'copy.yaml'"),
        ("copy.yaml", DEAL, "id", f"duplicate id '{DEAL}'"),
        ("copy.yaml", DEAL, "related[0]", "unknown deal id 'ghost-deal'"),
        ("copy.yaml", DEAL, "overlaps[0].deal", "unknown deal id 'phantom'"),
    ]  # fmt: skip
    refused(tmp_path, "copy.yaml [amazon-openai-38b] related[0]: unknown deal id 'ghost-deal'")


# ------------------------------------------------------------------------------------------ one URL rule
URLS = [
    "https://www.aboutamazon.com/news/aws/x",
    "https://example.com/a?b=1&c=2#d",
    "HTTPS://example.com/upper-scheme",
    "http://example.com/a",
    "javascript:alert(1)",
    "https:///no-host",
    'https://example.com/a"onmouseover="x',
    "https://example.com/<script>",
    "https://example.com/back\\slash",
    "https://example.com/tick`",
    "https://user:secret@example.com/a",
    "https://[::1/broken",
    "data:text/html,hi",
    "//example.com/relative",
]


@pytest.mark.parametrize("url", URLS)
def test_validate_accepts_exactly_the_urls_the_report_links(tmp_path: Path, url: str) -> None:
    write(tmp_path, base(sources=[url]))
    found = validate_catalog(tmp_path)
    assert (found == []) == (https_url(url) is not None)
    if found:
        refused(tmp_path, f"{FILE} [{DEAL}] sources[0]: ")


# -------------------------------------------------------------------------------------------------- fuzz
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(-(10**30), 10**30)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=40)
    | st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
    | st.sampled_from(
        ["2999-01-04", "0001-01-01", "2025-02-30", "../../etc/passwd", "<script>", "XNAS", "1e300"]
    )
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=8,
)
KEYS = st.sampled_from([*base(), "overlaps", "press_claims", "related", "announced_at", "colour"])


@st.composite
def catalog_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """A deal file: a valid deal with fields replaced by arbitrary values, or arbitrary YAML text or bytes."""
    choice = draw(st.integers(0, 2))
    if choice == 0:
        data = base()
        for key in draw(st.lists(KEYS, max_size=4)):
            data[key] = draw(VALUES)
        if draw(st.booleans()):
            data["securities"] = [
                {
                    "ticker": draw(VALUES),
                    "exchange": draw(VALUES),
                    "role": "provider",
                    draw(st.text(max_size=5)): 1,
                }
            ]
        body = yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()
    elif choice == 1:
        body = draw(st.text(max_size=300)).encode()
    else:
        body = draw(st.binary(max_size=300))
    return draw(st.sampled_from([FILE, "other.yaml", "counterparties.yaml"])), body


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(catalog_files(), min_size=1, max_size=3, unique_by=lambda f: f[0]))
def test_fuzzed_catalog_gives_exit_0_or_2_and_names_the_file(files: list[tuple[str, bytes]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, body in files:
            (folder / name).write_bytes(body)
        code, _, err = run_cli("events", "validate", "--catalog", str(folder))
        assert code in (0, 2), err
        if code == 2:
            problems = [line for line in err.splitlines() if line.startswith("  - ")]
            assert problems
            assert all(any(line.startswith(f"  - {name}") for name, _ in files) for line in problems), err
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == dict(files)
