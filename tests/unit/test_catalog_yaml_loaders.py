"""The catalog's two YAML loaders: libyaml's parser (fast) and PyYAML's pure-Python one (the messages).

Both apply the same rules (duplicate keys refused, impossible dates kept as text); every shipped catalog file
loads to the same data with either, and a file with an error is reported with the pure-Python parser's
message whichever parser saw it first.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from dealstudy.catalog import _yaml
from dealstudy.catalog._yaml import load_yaml_text

ROOT = Path(__file__).resolve().parents[2]
FAST = _yaml._FastCatalogLoader
needs_libyaml = pytest.mark.skipif(FAST is None, reason="PyYAML built without libyaml")


def _shipped() -> list[Path]:
    files = sorted((ROOT / "events").rglob("*.yaml"))
    assert files, "the shipped catalog has YAML files"
    return files


@needs_libyaml
def test_every_shipped_file_loads_the_same_with_both_parsers() -> None:
    for path in _shipped():
        text = path.read_text(encoding="utf-8")
        assert yaml.load(text, Loader=FAST) == yaml.load(text, Loader=_yaml._CatalogLoader), path.name


@needs_libyaml
def test_both_parsers_apply_the_catalog_rules() -> None:
    lenient = "id: x\nannounced: 2025-13-45\nwhen: 2025-11-03\n"
    for loader in (FAST, _yaml._CatalogLoader):
        data = yaml.load(lenient, Loader=loader)
        assert data["announced"] == "2025-13-45"  # left as text for the validator
        assert str(data["when"]) == "2025-11-03"
        with pytest.raises(yaml.constructor.ConstructorError, match="duplicate key 'id'"):
            yaml.load("id: a\nname: b\nid: c\n", Loader=loader)


@pytest.mark.parametrize(
    "text",
    [
        "id: a\nname: b\nid: c\n",  # duplicate key
        "deals:\n  - id: a\n    value: [1, 2\n",  # unclosed flow sequence
        "a: b: c\n",  # mapping value where none is allowed
        "id: a\n\tname: b\n",  # a tab as indentation
    ],
)
def test_errors_are_reported_as_the_pure_python_parser_reports_them(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    got = load_yaml_text(text, "deals/x.yaml")
    monkeypatch.setattr(_yaml, "_FastCatalogLoader", None)
    expected = load_yaml_text(text, "deals/x.yaml")
    assert got == expected
    assert got[0] is None
    assert len(got[1]) == 1
    assert got[1][0].message.startswith("YAML syntax error at line ")
