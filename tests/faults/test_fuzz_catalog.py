"""Hypothesis fuzzing of the catalog as a user edits it: one file of a copy of the shipped catalog is damaged
(bytes, a line, a field's value, a truncation), then ``dealstudy events validate`` runs on it, and
``dealstudy report`` too when validate finds a problem. Whatever the damage, validate ends with exit 0 or 2
and the report, on a catalog validate refused, with exit 2 before any work; never a traceback; an error
names the damaged file; the user's catalog files are left exactly as they were and no report is written."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.cli import run_main

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "events"
FILES = sorted(p.name for p in CATALOG.glob("*.yaml"))

# Values a careless edit or a hostile user may put in a field.
VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**20), 10**20),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(
        ["2999-01-04", "0001-01-01", "../../etc/passwd", "<script>x</script>", "javascript:alert(1)", "nvda"]
    ),
    st.lists(st.text(max_size=8), max_size=3),
    st.dictionaries(st.text(max_size=6), st.text(max_size=6), max_size=2),
)


@st.composite
def damaged_file(draw: st.DrawFn) -> tuple[str, bytes]:
    """A catalog file and its damaged bytes."""
    name = draw(st.sampled_from(FILES))
    text = (CATALOG / name).read_text(encoding="utf-8")
    choice = draw(st.integers(0, 3))
    if choice == 0:
        return name, draw(st.binary(max_size=300))
    if choice == 1:
        lines = text.splitlines()
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(st.text(max_size=60))
        return name, ("\n".join(lines) + "\n").encode("utf-8", errors="surrogatepass")
    if choice == 2:
        data = yaml.safe_load(text)
        if isinstance(data, dict) and data:
            key = draw(st.sampled_from(sorted(data, key=str)))
            data[key] = draw(VALUES)
        return name, yaml.safe_dump(data, sort_keys=False, allow_unicode=True).encode()
    return name, text.encode()[: draw(st.integers(0, len(text.encode())))]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(damage=damaged_file())
def test_a_damaged_catalog_file_gives_0_2_or_3_names_the_file_and_loses_nothing(
    damage: tuple[str, bytes], capsys: pytest.CaptureFixture[str]
) -> None:
    name, body = damage
    with tempfile.TemporaryDirectory() as tmp:
        catalog = Path(tmp) / "events"
        shutil.copytree(CATALOG, catalog)
        (catalog / name).write_bytes(body)
        before = {p: p.read_bytes() for p in catalog.rglob("*") if p.is_file()}
        code, err = run_main(["events", "validate", "--catalog", str(catalog)], capsys)
        assert code in (0, 2), err  # validate: clean or a list of problems
        assert "Traceback" not in err, err
        if code != 0:
            assert name in err, err
            out = Path(tmp) / "site"
            args = ["report", "--snapshot", "--catalog", str(catalog), "--out", str(out)]
            report_code, report_err = run_main(args, capsys)
            assert report_code == 2, report_err
            assert "Traceback" not in report_err, report_err
            assert name in report_err, report_err
            assert not out.exists()
        assert {p: p.read_bytes() for p in catalog.rglob("*") if p.is_file()} == before
