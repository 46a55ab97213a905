"""``dealstudy events``: through the real console script, and in-process through the same ``main()``."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from dealstudy.catalog import Deal, Security, deal_to_yaml, load_catalog
from dealstudy.cli import main

ENTRY_POINT = Path(sys.executable).parent / "dealstudy"


def deal(deal_id: str, **changes: object) -> Deal:
    fields: dict[str, object] = {
        "id": deal_id,
        "title": f"Deal {deal_id}",
        "announced": dt.date(2025, 11, 3),
        "timing": "pre_market",
        "counterparty": "OpenAI",
        "kind": "cloud_contract",
        "binding_status": "definitive_contract",
        "securities": (Security("AMZN", "provider", "XNAS"),),
        "sources": ("https://example.com/a",),
        "headline_value_usd": 38e9,
        "binding_value_usd": 38e9,
        "binding_basis": "Signed.",
    }
    fields.update(changes)
    return Deal(**fields)  # type: ignore[arg-type]


@pytest.fixture
def catalog(tmp_path: Path) -> Path:
    folder = tmp_path / "events"
    folder.mkdir()
    for item in (deal("amazon-openai-38b"), deal("stargate-launch", announced=dt.date(2025, 1, 21))):
        (folder / f"{item.id}.yaml").write_text(deal_to_yaml(item))
    return folder


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def run(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    """Run ``dealstudy ARGS`` in-process through the console script's ``main()``."""
    monkeypatch.setattr(sys, "argv", ["dealstudy", *args])
    try:
        main()
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def entry_point(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(ENTRY_POINT), *args], capture_output=True, text=True, timeout=60, check=False)


ADD_OPTIONS = (
    "--id",
    "coreweave-meta-14b",
    "--title",
    "CoreWeave and Meta sign a $14.2B compute contract",
    "--announced",
    "2025-09-30",
    "--timing",
    "pre_market",
    "--counterparty",
    "Meta",
    "--kind",
    "cloud_contract",
    "--security",
    "CRWV:XNAS:provider",
    "--security",
    "META:XNAS:buyer:intraday",
    "--headline-value-usd",
    "14.2e9",
    "--value-qualifier",
    "about",
    "--binding-status",
    "contract_with_options",
    "--binding-value-usd",
    "14.2e9",
    "--binding-basis",
    "Signed order form through 2031 with an option to expand.",
    "--related",
    "amazon-openai-38b",
    "--source",
    "https://example.com/crwv-8k",
)


# ------------------------------------------------------------------------------ real entry point
def test_entry_point_validate_ok(catalog: Path) -> None:
    result = entry_point("events", "validate", "--catalog", str(catalog))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"OK: 2 deals and 0 counterparties in {catalog} (checksum ")


def test_entry_point_malformed_file_exit_2(catalog: Path) -> None:
    (catalog / "broken.yaml").write_text("id: broken\ntitle: [oops\n")
    result = entry_point("events", "validate", "--catalog", str(catalog))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "broken.yaml: YAML syntax error at line 3, column 1:" in result.stderr


def test_entry_point_add_duplicate_changes_nothing(catalog: Path) -> None:
    before = snapshot(catalog)
    args = list(ADD_OPTIONS[:-4])  # without --related (a deal cannot relate to itself)
    args[1] = "amazon-openai-38b"
    args += ["--source", "https://example.com/crwv-8k"]
    result = entry_point("events", "add", "--catalog", str(catalog), *args)
    assert result.returncode == 2
    assert "id 'amazon-openai-38b' already exists in the catalog (amazon-openai-38b.yaml)" in result.stderr
    assert snapshot(catalog) == before


def test_entry_point_list_json_and_usage_error(catalog: Path) -> None:
    result = entry_point("events", "list", "--catalog", str(catalog), "--format", "json")
    assert result.returncode == 0
    assert [d["id"] for d in json.loads(result.stdout)] == ["stargate-launch", "amazon-openai-38b"]
    bad = entry_point("events", "list", "--catalog", str(catalog), "--format", "xml")
    assert bad.returncode == 2
    assert "Traceback" not in bad.stderr
    assert "--format must be one of table, json, not 'xml'" in bad.stderr


# ------------------------------------------------------------------------------ in-process
def test_help_shows_examples(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    for command in ([], ["list"], ["show"], ["validate"], ["add"], ["import"]):
        code, out, _ = run(capsys, monkeypatch, "events", *command, "--help")
        assert code == 0
        assert "Example: dealstudy events" in out, command


def test_list_table(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, "events", "list", "--catalog", str(catalog))
    assert code == 0
    assert out.index("stargate-launch") < out.index("amazon-openai-38b")
    assert "38.0" in out


def test_show_yaml_and_json(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = run(capsys, monkeypatch, "events", "show", "amazon-openai-38b", "--catalog", str(catalog))
    assert code == 0
    assert out == (catalog / "amazon-openai-38b.yaml").read_text()
    code, out, _ = run(
        capsys,
        monkeypatch,
        "events",
        "show",
        "amazon-openai-38b",
        "--catalog",
        str(catalog),
        "--format",
        "json",
    )
    data = json.loads(out)
    assert data["announced"] == "2025-11-03"
    assert data["non_binding_value_usd"] == 0.0


def test_show_unknown_id(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, _, err = run(capsys, monkeypatch, "events", "show", "amazon-openai-39b", "--catalog", str(catalog))
    assert code == 2
    assert "unknown deal id (did you mean 'amazon-openai-38b'?)" in err


def test_validate_lists_every_problem(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = (catalog / "stargate-launch.yaml").read_text()
    (catalog / "stargate-launch.yaml").write_text(text.replace("timing: pre_market", "timing: soon"))
    (catalog / "extra.yaml").write_text("id: extra\n")
    code, _, err = run(capsys, monkeypatch, "events", "validate", "--catalog", str(catalog))
    assert code == 2
    assert "error: 9 problem(s) in the catalog:" in err
    assert "  - stargate-launch.yaml [stargate-launch] timing: 'soon' is not one of:" in err
    assert "  - extra.yaml [extra] title: required key is missing" in err


def test_add_writes_exactly_one_file(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(catalog)
    code, out, err = run(capsys, monkeypatch, "events", "add", "--catalog", str(catalog), *ADD_OPTIONS)
    assert code == 0, err
    after = snapshot(catalog)
    assert set(after) - set(before) == {"coreweave-meta-14b.yaml"}
    assert all(after[name] == data for name, data in before.items())
    assert "added coreweave-meta-14b" in out
    added = load_catalog(catalog).get("coreweave-meta-14b")
    assert added.securities[1] == Security("META", "buyer", "XNAS", None, "intraday")
    assert added.headline_value_usd == 14.2e9
    assert added.related == ("amazon-openai-38b",)


def test_add_invalid_values_exit_2_nothing_written(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(catalog)
    args = [a if a != "https://example.com/crwv-8k" else "http://example.com/x" for a in ADD_OPTIONS]
    args += ["--related", "ghost"]
    code, _, err = run(capsys, monkeypatch, "events", "add", "--catalog", str(catalog), *args)
    assert code == 2
    assert "<options> [coreweave-meta-14b] sources[0]: not an https URL: 'http://example.com/x'" in err
    assert snapshot(catalog) == before


def test_add_missing_options_without_tty(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("dealstudy.cli.events._stdin_is_tty", lambda: False)
    code, _, err = run(capsys, monkeypatch, "events", "add", "--catalog", str(catalog), "--id", "x-deal")
    assert code == 2
    assert (
        "missing required option(s): --title, --announced, --timing, --counterparty, --kind, "
        "--binding-status, --source, --security" in err
    )


def test_add_prompts_for_missing_fields_on_a_tty(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    monkeypatch.setattr("dealstudy.cli.events._stdin_is_tty", lambda: True)
    answers = "A prompted deal\n2025-10-01\nintraday\nMeta\npartnership\nstatement_of_intent\n"
    answers += "https://example.com/p\n\n"  # sources, then no securities
    monkeypatch.setattr(sys, "stdin", io.StringIO(answers))
    code, _, err = run(capsys, monkeypatch, "events", "add", "--catalog", str(catalog), "--id", "prompted")
    assert code == 0, err
    added = load_catalog(catalog).get("prompted")
    assert (added.title, added.kind, added.securities, added.sources) == (
        "A prompted deal",
        "partnership",
        (),
        ("https://example.com/p",),
    )


def test_import_all_or_nothing(
    catalog: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    header = "id,title,announced,timing,counterparty,kind,binding_status,sources,ticker,exchange,role\n"
    good = "new-deal,New deal,2025-10-01,intraday,Meta,partnership,statement_of_intent,https://e.com/a,META,XNAS,buyer\n"
    bad = "bad-deal,Bad deal,2025-10-01,intraday,Meta,partnership,statement_of_intent,https://e.com/a,META,NASDAQ,buyer\n"
    before = snapshot(catalog)
    (tmp_path / "bad.csv").write_text(header + good + bad)
    code, _, err = run(
        capsys, monkeypatch, "events", "import", str(tmp_path / "bad.csv"), "--catalog", str(catalog)
    )
    assert code == 2
    assert "bad.csv [bad-deal (row 3)] securities[0].exchange: 'NASDAQ' is not an ISO 10383 MIC" in err
    assert snapshot(catalog) == before
    (tmp_path / "good.csv").write_text(header + good)
    code, out, err = run(
        capsys, monkeypatch, "events", "import", str(tmp_path / "good.csv"), "--catalog", str(catalog)
    )
    assert code == 0, err
    assert "imported 1 deal(s)" in out
    assert set(snapshot(catalog)) - set(before) == {"new-deal.yaml"}


def test_validate_warns_on_a_deal_without_primary_source(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    primary = deal("stargate-launch", announced=dt.date(2025, 1, 21), source_kinds=("primary",))
    (catalog / "stargate-launch.yaml").write_text(deal_to_yaml(primary))
    code, out, err = run(capsys, monkeypatch, "events", "validate", "--catalog", str(catalog))
    assert code == 0
    assert out.startswith("OK: 2 deals")
    assert out.rstrip().endswith("; 1 warning(s) on stderr")
    assert err.splitlines() == [
        "warning: amazon-openai-38b.yaml [amazon-openai-38b] sources: no primary source: cite the company's "
        "press release, blog post or filing where one exists and mark it 'kind: primary' (or say why there "
        "is none in 'primary_source_note')"
    ]


def test_validate_prints_a_note_instead_of_the_warning_for_a_deal_that_says_why(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    note = "A press report; the companies made no announcement."
    noted = deal("amazon-openai-38b", primary_source_note=note)
    (catalog / "amazon-openai-38b.yaml").write_text(deal_to_yaml(noted))
    code, out, err = run(capsys, monkeypatch, "events", "validate", "--catalog", str(catalog))
    assert code == 0
    assert out.rstrip().endswith("; 1 warning(s) on stderr")  # stargate-launch: no primary source, no note
    assert err.splitlines() == [
        "warning: stargate-launch.yaml [stargate-launch] sources: no primary source: cite the company's "
        "press release, blog post or filing where one exists and mark it 'kind: primary' (or say why there "
        "is none in 'primary_source_note')",
        "note: amazon-openai-38b.yaml [amazon-openai-38b] primary_source_note: A press report; the companies "
        "made no announcement.",
    ]


def test_validate_refuses_a_note_on_a_deal_with_a_primary_source(
    catalog: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    text = deal_to_yaml(deal("amazon-openai-38b", source_kinds=("primary",)))
    text = text.replace("primary_source_note: null", "primary_source_note: Not found offline.")
    (catalog / "amazon-openai-38b.yaml").write_text(text)
    code, _, err = run(capsys, monkeypatch, "events", "validate", "--catalog", str(catalog))
    assert code == 2
    assert (
        "amazon-openai-38b.yaml [amazon-openai-38b] primary_source_note: the deal cites a primary source: "
        "remove the note saying why it has none"
    ) in err
