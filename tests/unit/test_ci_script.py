"""The CI script runs the README's test command verbatim; this keeps the two from drifting apart."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _readme_test_command() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- test-command[^>]*-->\s*```bash\n(.+?)\n```", text)
    assert match, "README.md must mark its test command with <!-- test-command ... -->"
    return match.group(1).strip()


def test_ci_extracts_the_readme_test_command() -> None:
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    awk = re.search(r"cmd=\$\(awk '(.+?)' README\.md\)", script)
    assert awk, ".ci/run no longer extracts the command with awk"
    out = subprocess.run(
        ["awk", awk.group(1), "README.md"], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == _readme_test_command()
    assert "pytest" in out.stdout


@pytest.mark.parametrize(("inner_rc", "ci_rc"), [(0, 0), (5, 1), (3, 3)])
def test_ci_exit_codes(tmp_path: Path, inner_rc: int, ci_rc: int) -> None:
    """Pytest's exit 5 ("no tests collected") must fail CI; other codes pass through."""
    if shutil.which("chromium") is None:
        pytest.skip("chromium not installed: .ci/run would apt-get it")
    (tmp_path / ".ci").mkdir()
    shutil.copy(REPO / ".ci" / "run", tmp_path / ".ci" / "run")
    (tmp_path / "README.md").write_text(
        f"<!-- test-command -->\n```bash\nexit {inner_rc}\n```\n", encoding="utf-8"
    )
    out = subprocess.run(["bash", ".ci/run"], cwd=tmp_path, capture_output=True, text=True, check=False)
    assert out.returncode == ci_rc, out.stderr
